/**
 * A local Sigstore for tests: Fulcio (`POST /api/v2/signingCert`) and Rekor (`POST /api/v1/log/entries`) on
 * 127.0.0.1, from @sigstore/mock's CA, CT log and transparency log (real X.509 certificates with SCTs, real
 * signed entry timestamps and checkpoints), and the trusted root that verifies what they issue.
 *
 * Fulcio here is stricter than the mock alone: the OIDC token must be one the fake GitHub Actions endpoint
 * (test/servers/pypi/oidc.ts) signed, with audience `sigstore`, as real Fulcio checks the issuer's signature.
 * The certificate then carries the token's claims as Fulcio's GitHub extensions (issuer, source repository,
 * ref, build config URI = `https://github.com/{workflow_ref}`).
 *
 * ```ts
 * const sig = await startSigstore();
 * sig.env              // WHEELWRIGHT_FULCIO_URL, WHEELWRIGHT_REKOR_URL, WHEELWRIGHT_SIGSTORE_TRUSTED_ROOT
 * sig.trustedRoot      // the trusted root (JSON, Sigstore's protobuf-specs form)
 * sig.stats()          // { certificates, entries, refused }
 * ```
 */
import { generateKeyPairSync, createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fulcioHandler, initializeCA, initializeCTLog, initializeTLog, rekorHandler } from '@sigstore/mock';
import { DEFAULT_OIDC_KEY, verifyJwt } from './pypi/oidc.js';

export interface SigstoreServer {
  url: string;
  /** The environment that points wheelwright at this Sigstore. */
  env: Record<string, string>;
  /** Sigstore's TrustedRoot JSON for this CA, CT log and transparency log. */
  trustedRoot: Record<string, unknown>;
  trustedRootPath: string;
  stats(): { certificates: number; entries: number; refused: number };
  close(): Promise<void>;
}

export interface SigstoreOptions {
  /** The key the fake GitHub Actions endpoint signs ID tokens with. */
  oidcKey?: string;
}

const keyPair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const b64 = (b: ArrayBufferView) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

/**
 * What Rekor stores for a proposed `dsse` entry (rekor pkg/types/dsse/v0.0.1 Canonicalize): the hashes of
 * the envelope and payload and each signature with its verifier, not the envelope itself. The mock logs the
 * proposal as sent, which no verifier accepts; other kinds pass through.
 */
function canonicalEntry(body: string): string {
  let proposed: { kind?: string; apiVersion?: string; spec?: { proposedContent?: { envelope: string; verifiers: string[] } } };
  try {
    proposed = JSON.parse(body) as typeof proposed;
  } catch {
    return body;
  }
  const pc = proposed.spec?.proposedContent;
  if (proposed.kind !== 'dsse' || !pc) return body;
  const env = JSON.parse(pc.envelope) as { payload: string; signatures: Array<{ sig: string }> };
  const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
  return JSON.stringify({
    apiVersion: proposed.apiVersion,
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha(pc.envelope) },
      payloadHash: { algorithm: 'sha256', value: sha(Buffer.from(env.payload, 'base64')) },
      signatures: env.signatures.map((sig) => ({ signature: sig.sig, verifier: pc.verifiers[0] })),
    },
  });
}

export async function startSigstore(opts: SigstoreOptions = {}): Promise<SigstoreServer> {
  const counts = { certificates: 0, entries: 0, refused: 0 };
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const ctLog = await initializeCTLog(keyPair());
  // @sigstore/mock hands the CA pkijs' whole stream buffer, zero padding included, and then writes its size
  // as the SCT list length (one byte, so modulo 256): @sigstore/core rightly refuses that list. Cutting
  // the buffer to the serialized SCT (its own 2-byte length says how long) makes the list well-formed.
  const ca = await initializeCA(keyPair(), {
    publicKey: ctLog.publicKey,
    logID: ctLog.logID,
    log: async (cert, issuer) => {
      const raw = new Uint8Array(await ctLog.log(cert, issuer));
      return raw.slice(0, 2 + ((raw[0]! << 8) | raw[1]!)).buffer;
    },
  });
  const tlog = await initializeTLog(url, keyPair());
  const fulcio = fulcioHandler(ca);
  const rekor = rekorHandler(tlog);

  server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const reply = (status: number, text: string | ArrayBufferView, type = 'application/json') => {
        res.writeHead(status, { 'content-type': type });
        res.end(typeof text === 'string' ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength));
      };
      void (async () => {
        const route = new URL(req.url ?? '/', url).pathname;
        if (req.method === 'POST' && route === fulcio.path) {
          let token = '';
          try {
            token = String((JSON.parse(body) as { credentials?: { oidcIdentityToken?: string } }).credentials?.oidcIdentityToken ?? '');
          } catch {
            // refused below
          }
          const claims = verifyJwt(token, opts.oidcKey ?? DEFAULT_OIDC_KEY);
          const aud = claims && (Array.isArray(claims.aud) ? claims.aud : [claims.aud]);
          if (!claims || !aud?.includes('sigstore') || (claims.exp ?? 0) * 1000 < Date.now()) {
            counts.refused++;
            return reply(401, JSON.stringify({ code: 401, message: 'There was an error processing the identity token' }));
          }
          const r = await fulcio.fn(body);
          if (r.statusCode === 201) counts.certificates++;
          return reply(r.statusCode, r.response, r.contentType);
        }
        if (req.method === 'POST' && route === rekor.path) {
          const r = await rekor.fn(canonicalEntry(body));
          if (r.statusCode === 201) counts.entries++;
          return reply(r.statusCode, r.response, r.contentType);
        }
        reply(404, JSON.stringify({ message: 'not found' }));
      })().catch((err: unknown) => reply(500, JSON.stringify({ message: String(err) })));
    });
  });

  const since = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: url,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(tlog.publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: since } },
        logId: { keyId: b64(createHash('sha256').update(tlog.publicKey).digest()) },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: url,
        certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] },
        validFor: { start: since },
      },
    ],
    ctlogs: [
      {
        baseUrl: url,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(ctLog.publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: since } },
        logId: { keyId: b64(ctLog.logID) },
      },
    ],
    timestampAuthorities: [],
  };
  const dir = await mkdtemp(path.join(tmpdir(), 'ww-sigstore-'));
  const trustedRootPath = path.join(dir, 'trusted_root.json');
  await writeFile(trustedRootPath, JSON.stringify(trustedRoot, null, 2));

  return {
    url,
    env: { WHEELWRIGHT_FULCIO_URL: url, WHEELWRIGHT_REKOR_URL: url, WHEELWRIGHT_SIGSTORE_TRUSTED_ROOT: trustedRootPath },
    trustedRoot,
    trustedRootPath,
    stats: () => ({ ...counts }),
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
