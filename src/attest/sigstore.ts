// Sigstore signing and verification over in-toto statements (docs/supply-chain.md §4–§5): an ephemeral
// P-256 key, a Fulcio certificate for the workflow's OIDC identity, a Rekor entry, a v0.3 bundle; and the
// reverse: the bundle checked against a trusted root (certificate chain, SCT, Rekor entry, signature) and
// then against the identity the release expects. The OIDC token is registered as a secret and never kept.
import { readFile } from 'node:fs/promises';
import { bundleFromJSON, bundleToJSON, type Bundle } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { DSSEBundleBuilder, FulcioSigner, RekorWitness, type IdentityProvider } from '@sigstore/sign';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { registerSecret } from '../secrets.js';
import { INTOTO_PAYLOAD_TYPE, type DsseBundleJson, type InTotoStatement } from './pep740.js';

export type { DsseBundleJson };

export const DEFAULT_FULCIO = 'https://fulcio.sigstore.dev';
export const DEFAULT_REKOR = 'https://rekor.sigstore.dev';
export const GITHUB_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';

export interface SigningOptions {
  fulcioUrl: string;
  rekorUrl: string;
  /** Returns an OIDC token with audience `sigstore` (asked for once per signature; cached by the caller). */
  identityToken: () => Promise<string>;
  timeoutMs?: number;
}

/** Fulcio and Rekor URLs from the environment (tests point them at loopback), else the public instance. */
export function signingEndpoints(env: NodeJS.ProcessEnv): { fulcioUrl: string; rekorUrl: string } {
  return { fulcioUrl: env.WHEELWRIGHT_FULCIO_URL || DEFAULT_FULCIO, rekorUrl: env.WHEELWRIGHT_REKOR_URL || DEFAULT_REKOR };
}

export class SigningError extends Error {}

/** Sign an in-toto statement: a DSSE envelope in a Sigstore bundle, logged in Rekor. */
export async function signStatement(statement: InTotoStatement, opts: SigningOptions): Promise<DsseBundleJson> {
  const provider: IdentityProvider = {
    getToken: async () => {
      const t = await opts.identityToken();
      registerSecret(t);
      return t;
    },
  };
  const timeout = opts.timeoutMs ?? 60_000;
  const builder = new DSSEBundleBuilder({
    signer: new FulcioSigner({ fulcioBaseURL: opts.fulcioUrl, identityProvider: provider, timeout, retry: 2 }),
    witnesses: [new RekorWitness({ rekorBaseURL: opts.rekorUrl, entryType: 'dsse', timeout, retry: 2 })],
  });
  let bundle: Bundle;
  try {
    bundle = await builder.create({ data: Buffer.from(JSON.stringify(statement)), type: INTOTO_PAYLOAD_TYPE });
  } catch (err) {
    // The library's messages name the service and status; they never carry the token.
    throw new SigningError(`Sigstore signing failed: ${(err as Error).message}`);
  }
  return bundleToJSON(bundle) as unknown as DsseBundleJson;
}

/** Sigstore's trusted root: a file (tests, air-gapped verification), else the public-good root via TUF. */
export async function loadTrustedRoot(env: NodeJS.ProcessEnv, file?: string): Promise<TrustedRoot> {
  const from = file || env.WHEELWRIGHT_SIGSTORE_TRUSTED_ROOT;
  if (from) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(from, 'utf8'));
    } catch (err) {
      throw new SigningError(`cannot read the Sigstore trusted root ${from}: ${(err as Error).message}`);
    }
    return TrustedRoot.fromJSON(json);
  }
  const { getTrustedRoot } = await import('@sigstore/tuf');
  return getTrustedRoot();
}

/** The identity a release's signatures must carry: this repository, this workflow file, this tag. */
export interface ExpectedIdentity {
  /** owner/name */
  repository: string;
  /** Workflow file name, e.g. `release.yml`. */
  workflow: string;
  /** `refs/tags/v1.2.0`; when absent any ref of that workflow is accepted (PyPI's own rule). */
  ref?: string;
  issuer?: string;
}

/** Fulcio's certificate extensions (OIDs 1.3.6.1.4.1.57264.1.x, DER UTF8String values). */
const OID = {
  issuer: '1.3.6.1.4.1.57264.1.8',
  sourceRepositoryUri: '1.3.6.1.4.1.57264.1.12',
  sourceRepositoryDigest: '1.3.6.1.4.1.57264.1.13',
  sourceRepositoryRef: '1.3.6.1.4.1.57264.1.14',
  buildConfigUri: '1.3.6.1.4.1.57264.1.18',
} as const;

export interface SignerIdentity {
  issuer?: string;
  sourceRepositoryUri?: string;
  sourceRepositoryDigest?: string;
  sourceRepositoryRef?: string;
  buildConfigUri?: string;
  subjectAltName?: string;
}

/** A DER UTF8String's text (tag 0x0c, short or long length). */
function derUtf8(value: Buffer): string | undefined {
  if (value[0] !== 0x0c || value.length < 2) return undefined;
  let len = value[1]!;
  let at = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + value[2 + i]!;
    at = 2 + n;
  }
  return value.subarray(at, at + len).toString('utf8');
}

export function signerIdentity(certDer: Buffer): SignerIdentity {
  const cert = X509Certificate.parse(Buffer.from(certDer));
  const ext = (oid: string) => {
    const e = cert.extension(oid);
    return e ? derUtf8(e.value) : undefined;
  };
  return {
    issuer: ext(OID.issuer),
    sourceRepositoryUri: ext(OID.sourceRepositoryUri),
    sourceRepositoryDigest: ext(OID.sourceRepositoryDigest),
    sourceRepositoryRef: ext(OID.sourceRepositoryRef),
    buildConfigUri: ext(OID.buildConfigUri),
    subjectAltName: cert.subjectAltName,
  };
}

/**
 * pypi-attestations' GitHub Trusted Publisher policy: issuer is GitHub Actions, the source repository is
 * `https://github.com/{repository}`, and the build config URI is `…/.github/workflows/{workflow}@{ref or sha}`;
 * plus, for a release, the ref is the release tag. Returns what does not match, or null.
 */
export function checkIdentity(id: SignerIdentity, want: ExpectedIdentity): string | null {
  const issuer = want.issuer ?? GITHUB_OIDC_ISSUER;
  if (id.issuer !== issuer) return `signed by issuer ${id.issuer ?? '(none)'}, expected ${issuer}`;
  const repoUri = `https://github.com/${want.repository}`;
  if (id.sourceRepositoryUri?.toLowerCase() !== repoUri.toLowerCase()) return `signed from repository ${id.sourceRepositoryUri ?? '(none)'}, expected ${repoUri}`;
  const suffixes = [id.sourceRepositoryDigest, id.sourceRepositoryRef].filter((s): s is string => Boolean(s));
  if (!suffixes.length) return 'the certificate has neither a source repository digest nor a ref';
  const base = `${repoUri}/.github/workflows/${want.workflow}@`;
  if (!suffixes.some((s) => id.buildConfigUri?.toLowerCase() === (base + s).toLowerCase())) {
    return `signed by workflow ${id.buildConfigUri ?? '(none)'}, expected ${base}${id.sourceRepositoryRef ?? id.sourceRepositoryDigest}`;
  }
  if (want.ref && id.sourceRepositoryRef !== want.ref) return `signed at ref ${id.sourceRepositoryRef ?? '(none)'}, expected ${want.ref}`;
  return null;
}

export class BundleVerificationError extends Error {}

export interface VerifiedBundle {
  statement: InTotoStatement;
  identity: SignerIdentity;
}

/**
 * Verify a DSSE bundle cryptographically (chain to the trusted root's Fulcio CA at the Rekor entry's time,
 * SCT, Rekor inclusion, signature over the envelope) and then the signer's identity.
 */
export function verifyBundle(json: DsseBundleJson, root: TrustedRoot, want: ExpectedIdentity): VerifiedBundle {
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
  } catch (err) {
    throw new BundleVerificationError(`not a Sigstore bundle: ${(err as Error).message}`);
  }
  try {
    new Verifier(toTrustMaterial(root)).verify(toSignedEntity(bundle));
  } catch (err) {
    throw new BundleVerificationError(`signature does not verify: ${(err as Error).message}`);
  }
  const certB64 = json.verificationMaterial.certificate?.rawBytes ?? json.verificationMaterial.x509CertificateChain?.certificates[0]?.rawBytes ?? '';
  const identity = signerIdentity(Buffer.from(certB64, 'base64'));
  const mismatch = checkIdentity(identity, want);
  if (mismatch) throw new BundleVerificationError(`wrong signer: ${mismatch}`);
  let statement: InTotoStatement;
  try {
    statement = JSON.parse(Buffer.from(json.dsseEnvelope.payload, 'base64').toString('utf8')) as InTotoStatement;
  } catch {
    throw new BundleVerificationError('the signed payload is not JSON');
  }
  return { statement, identity };
}
