/**
 * A local PyPI for tests and benchmarks: PyPI's legacy upload API with its checks in PyPI's order and with
 * PyPI's status codes and messages (PROTOCOLS.md §1.3), the simple API (PEP 503 HTML, PEP 691 JSON), the
 * JSON API, trusted publishing (§2) and fault injection. Real twine uploads to it.
 *
 * API
 * ```ts
 * const pypi = await startPypiServer({ tokens: ['pypi-…'] });   // 127.0.0.1, random port
 * pypi.url          // http://127.0.0.1:PORT            (simple API at `${url}/simple/`, JSON at `${url}/pypi/<name>/json`)
 * pypi.uploadUrl    // http://127.0.0.1:PORT/legacy/     (the repository URL for twine and `release publish`)
 * pypi.token        // the first accepted API token (DEFAULT_TOKEN unless `tokens` is given)
 * pypi.files()      // StoredFile[]: every stored file (filename, project, version, sha256, size, …)
 * pypi.file(name)   // one StoredFile or undefined
 * pypi.inject(fault)        // queue a fault (see `Fault`); faults are used in order, each `times` times
 * pypi.randomFaults({ seed, rate, kinds })  // from now on, each upload gets a random fault with probability `rate`
 * pypi.clearFaults()
 * pypi.stats()      // counters: requests, uploadRequests, stored, identical, rejected, faults, byStatus, …
 * pypi.mintedTokens() // tokens minted by trusted publishing, with their expiry
 * pypi.close()      // closes every socket too (hung requests included)
 * ```
 * PEP 740: an upload's `attestations` field is checked with PyPI's rules (./pypi/attestations.ts) against the
 * trusted root `sigstoreTrustedRoot` and the minted token's publisher; the provenance is served at
 * `/integrity/<project>/<version>/<filename>/provenance` and linked from the simple API (`provenance`).
 * Options (`PypiServerOptions`): `tokens` (API tokens, optionally scoped to projects), `anonymous` (no
 * credentials needed, like pypiserver `-a . -P .`), `trustedPublishers` + `audience` (null: trusted
 * publishing disabled) + `mintedTokenTtl` + `oidcKey`, `projects` (projects that already exist),
 * `maxFileSize`, `keepData` (false: keep hashes only, for benchmarks), `checkBlake2` (false: benchmarks),
 * `uploadLatencyMs` (each upload answers this much later, as PyPI's processing does),
 * `now` (ms clock).
 * Control endpoint for other processes: `POST /_control/inject` (a `Fault` as JSON), `POST /_control/random`
 * (`{seed, rate, kinds}`), `POST /_control/clear`, `GET /_control/stats`, `GET /_control/files`.
 *
 * The fake GitHub Actions ID-token endpoint is `startActionsOidcServer` (re-exported from ./pypi/oidc.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { Worker } from 'node:worker_threads';
import type { AddressInfo, Socket } from 'node:net';
import { canonicalizeVersion, compareVersions, normalizeName, normalizeVersion } from '../../src/version/pep440.js';
import { inspectSdist, inspectWheel, type ArchiveInfo } from './pypi/archive.js';
import { blake2b256Hex } from './pypi/blake2b.js';
import { boundaryOf, MultipartError, parseMultipart, type ParsedForm } from './pypi/multipart.js';
import { DEFAULT_OIDC_KEY, GITHUB_ISSUER, matchPublisher, verifyJwt, type TrustedPublisher } from './pypi/oidc.js';
import { checkAttestations, type PublisherIdentity } from './pypi/attestations.js';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import type { Provenance } from '../../src/attest/pep740.js';
import { checkFilenameChars, checkForm, checkMetadata, checkSdistName, checkWheelName, HELP, parseWheelName, pyRepr } from './pypi/rules.js';
import { rng } from '../helpers/rng.js';

export { startActionsOidcServer, signJwt, type ActionsOidcServer, type TrustedPublisher } from './pypi/oidc.js';

export const DEFAULT_TOKEN = 'pypi-AgEIcHlwaS5vcmcCJDAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMAAAAAAAAAAAtest';

export type FaultKind = 'drop' | 'status' | '429' | 'hang' | 'trickle' | 'crash' | 'store-then-fail';

export interface Fault {
  /**
   * `drop`: destroy the connection after `afterBytes` of the body (default: half of it);
   * `status`: answer `status` (500/502/503) without storing; `429`: Too Many Requests with `retryAfter`;
   * `crash`: the whole server dies after `afterBytes` of the upload (every socket destroyed, the port
   * closed, nothing stored) and is back on the same port with its state after `downMs` (300);
   * `hang`: never answer; `trickle`: answer 200 and then one byte every 100 ms, never ending; `store-then-fail`: store the upload, then answer `status` (default 502).
   */
  kind: FaultKind;
  status?: number;
  retryAfter?: number;
  afterBytes?: number;
  downMs?: number;
  /** Only for this upload filename (uploads) or for request paths containing it (other targets). */
  filename?: string;
  /** Which requests: uploads (default), the JSON API, the simple API, the OIDC endpoints, or any. */
  target?: 'upload' | 'json' | 'simple' | 'oidc' | 'any';
  /** How many matching requests it hits (default 1). */
  times?: number;
}

export interface RandomFaults {
  seed: number;
  /** Probability in [0, 1] that an upload request gets a fault. */
  rate: number;
  kinds?: FaultKind[];
  /** Also hit lookups (JSON and simple API) with this probability (default 0). */
  lookupRate?: number;
}

export interface TokenSpec {
  token: string;
  /** PEP 503 names this token may upload to; any project when absent. */
  projects?: string[];
}

export interface PypiServerOptions {
  tokens?: Array<string | TokenSpec>;
  anonymous?: boolean;
  trustedPublishers?: TrustedPublisher[];
  /** The audience served at /_/oidc/audience; null disables trusted publishing (403). Default 'pypi'. */
  audience?: string | null;
  /** Lifetime of minted tokens, seconds (PyPI: 900). */
  mintedTokenTtl?: number;
  oidcKey?: string;
  /** Projects that already exist (trusted publishers cannot create projects). */
  projects?: string[];
  /** Bytes (PyPI default: 100 MiB). */
  maxFileSize?: number;
  /** false: do not keep file bytes (benchmarks); downloads then 404. */
  keepData?: boolean;
  /**
   * false: check a sent blake2_256_digest for form only, not against the bytes (benchmarks: this server's
   * BLAKE2b is pure JavaScript, about 100 ms per MB, and would slow twine, which sends one, unfairly).
   */
  checkBlake2?: boolean;
  /** Milliseconds an upload takes to answer after its body arrived (PyPI's processing and storage). */
  uploadLatencyMs?: number;
  /**
   * Compute each upload's sha256 and md5 on this many worker threads instead of the request thread
   * (benchmarks: PyPI hashes on its own machines, not on the uploader's cores). Default 0.
   */
  hashThreads?: number;
  now?: () => number;
  /**
   * Sigstore's trusted root (JSON) that uploaded PEP 740 attestations are verified against; without it they
   * are checked for shape only (warehouse's NullIntegrityService).
   */
  sigstoreTrustedRoot?: Record<string, unknown>;
  /** Called with one line per request (debugging). */
  log?: (line: string) => void;
}

export interface StoredFile {
  filename: string;
  /** PEP 503 normalised project name. */
  project: string;
  version: string;
  packagetype: 'bdist_wheel' | 'sdist';
  pythonVersion: string;
  requiresPython: string | null;
  sha256: string;
  md5: string;
  size: number;
  uploadTime: string;
  /** Core metadata (PEP 658), when the archive had it. */
  metadata: Buffer | null;
  data: Buffer | null;
  blake2?: string;
  /** PEP 740 provenance, when the upload carried attestations. */
  provenance: Provenance | null;
}

export interface PypiStats {
  requests: number;
  uploadRequests: number;
  /** Uploads that stored a new file. */
  stored: number;
  /** Identical re-uploads answered 200 with nothing stored. */
  identical: number;
  /** Uploads answered 4xx by the rules. */
  rejected: number;
  /** Faults injected, by kind. */
  faults: Record<FaultKind, number>;
  faultsTotal: number;
  byStatus: Record<number, number>;
  minted: number;
}

export interface MintedToken {
  token: string;
  project: string;
  expires: number;
  /** Every project whose trusted publishers match the token (PyPI scopes the macaroon to all of them). */
  projects: string[];
  /** The trusted publisher's identity, which attestations must be signed by. */
  publisher: PublisherIdentity;
}

export interface PypiServer {
  url: string;
  uploadUrl: string;
  token: string;
  files(): StoredFile[];
  file(filename: string): StoredFile | undefined;
  inject(fault: Fault): void;
  randomFaults(spec: RandomFaults | null): void;
  clearFaults(): void;
  stats(): PypiStats;
  mintedTokens(): MintedToken[];
  close(): Promise<void>;
}

interface Project {
  name: string;
  releases: Map<string, { version: string; files: StoredFile[] }>;
}

type Identity = { kind: 'anonymous' } | { kind: 'token'; projects?: string[] } | { kind: 'oidc'; project: string; projects: string[]; publisher: PublisherIdentity };

const TITLES: Record<number, string> = {
  200: 'OK', 308: 'Permanent Redirect', 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict',
  410: 'Gone', 422: 'Unprocessable Entity', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable',
};


const latin1 = (s: string) => s.replace(/[^\x20-\x7e\xa0-\xff]/g, '?');

/** Chunks joined into one buffer over shared memory, which worker threads can read in place. */
function concatShared(chunks: Buffer[]): Buffer {
  const out = Buffer.from(new SharedArrayBuffer(chunks.reduce((n, c) => n + c.length, 0)));
  let at = 0;
  for (const c of chunks) at += c.copy(out, at);
  return out;
}

/** The sha256 and md5 (hex) of upload bodies, on worker threads: the request thread stays free to receive. */
function digestThreads(count: number): { digest(data: Buffer): Promise<{ sha256: string; md5: string }>; close(): Promise<void> } {
  const code = `
    const { parentPort } = require('node:worker_threads');
    const { createHash } = require('node:crypto');
    parentPort.on('message', ({ id, data }) => {
      parentPort.postMessage({ id, sha256: createHash('sha256').update(data).digest('hex'), md5: createHash('md5').update(data).digest('hex') });
    });`;
  const workers = Array.from({ length: count }, () => new Worker(code, { eval: true }));
  type Pending = { worker: Worker; resolve: (r: { sha256: string; md5: string }) => void; reject: (e: Error) => void };
  const pending = new Map<number, Pending>();
  const take = (id: number) => {
    const p = pending.get(id);
    pending.delete(id);
    return p;
  };
  for (const w of workers) {
    w.on('message', (m: { id: number; sha256: string; md5: string }) => take(m.id)?.resolve({ sha256: m.sha256, md5: m.md5 }));
    // A thread that fails fails the uploads it held (answered 500), instead of leaving them hanging.
    w.on('error', (e) => [...pending].filter(([, p]) => p.worker === w).forEach(([id]) => take(id)?.reject(e)));
  }
  let next = 0;
  return {
    digest: (data) =>
      new Promise((resolve, reject) => {
        const id = next++;
        const worker = workers[id % workers.length]!;
        pending.set(id, { worker, resolve, reject });
        // Bodies are received into shared memory (concatShared), so the thread reads them without a copy.
        worker.postMessage({ id, data });
      }),
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

export async function startPypiServer(opts: PypiServerOptions = {}): Promise<PypiServer> {
  const now = opts.now ?? Date.now;
  const tokenSpecs: TokenSpec[] = (opts.tokens ?? [DEFAULT_TOKEN]).map((t) => (typeof t === 'string' ? { token: t } : t));
  const projects = new Map<string, Project>();
  for (const p of opts.projects ?? []) projects.set(normalizeName(p), { name: p, releases: new Map() });
  const byFilename = new Map<string, StoredFile>();
  const minted = new Map<string, MintedToken>();
  const trustedRoot = opts.sigstoreTrustedRoot ? TrustedRoot.fromJSON(opts.sigstoreTrustedRoot) : null;
  const usedJti = new Set<string>();
  const faults: Fault[] = [];
  let random: { spec: RandomFaults; next: () => number } | null = null;
  const sockets = new Set<Socket>();
  const stats: PypiStats = {
    requests: 0, uploadRequests: 0, stored: 0, identical: 0, rejected: 0, faultsTotal: 0, byStatus: {}, minted: 0,
    faults: { drop: 0, status: 0, '429': 0, hang: 0, trickle: 0, crash: 0, 'store-then-fail': 0 },
  };
  const audience = opts.audience === undefined ? 'pypi' : opts.audience;
  const ttl = opts.mintedTokenTtl ?? 900;
  const maxFileSize = opts.maxFileSize ?? 100 * 1024 * 1024;
  const hasher = opts.hashThreads ? digestThreads(opts.hashThreads) : null;
  let base = '';

  // ---- responses ----------------------------------------------------------------------------------------
  function send(res: http.ServerResponse, status: number, body: string | Buffer, type: string, headers: Record<string, string> = {}) {
    if (res.destroyed || res.headersSent) return;
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    res.writeHead(status, { 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...headers });
    res.end(body);
  }

  /** An error as PyPI sends it: the message in the reason phrase and in the body (format by Accept). */
  function fail(req: http.IncomingMessage, res: http.ServerResponse, status: number, message: string, headers: Record<string, string> = {}) {
    if (res.destroyed || res.headersSent) return;
    const title = TITLES[status] ?? 'Error';
    res.statusMessage = latin1(message);
    const accept = req.headers.accept ?? '';
    if (/application\/json/.test(accept)) {
      send(res, status, JSON.stringify({ message, code: `${status} ${title}`, title }), 'application/json', headers);
    } else if (/text\/html/.test(accept)) {
      const esc = message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      send(res, status, `<html>\n <head>\n  <title>${status} ${title}</title>\n </head>\n <body>\n  <h1>${status} ${title}</h1>\n  ${esc}<br/><br/>\n\n\n\n </body>\n</html>`, 'text/html; charset=UTF-8', headers);
    } else {
      send(res, status, `${status} ${title}\n\n${message}\n\n`, 'text/plain; charset=UTF-8', headers);
    }
  }

  // ---- faults -------------------------------------------------------------------------------------------
  function takeFault(target: Fault['target'], key: string): Fault | null {
    const i = faults.findIndex(
      (f) => ((f.target ?? 'upload') === target || f.target === 'any') && (!f.filename || key.includes(f.filename)),
    );
    if (i >= 0) {
      const f = faults[i]!;
      f.times = (f.times ?? 1) - 1;
      if (f.times <= 0) faults.splice(i, 1);
      return f;
    }
    if (!random) return null;
    const rate = target === 'upload' ? random.spec.rate : (random.spec.lookupRate ?? 0);
    if (random.next() >= rate) return null;
    const kinds = random.spec.kinds ?? ['drop', 'status', '429', 'hang', 'store-then-fail'];
    const kind = kinds[Math.floor(random.next() * kinds.length)]!;
    const status = [500, 502, 503][Math.floor(random.next() * 3)]!;
    if (target !== 'upload' && kind === 'store-then-fail') return { kind: 'status', status };
    return { kind, status, retryAfter: 1 };
  }

  function count(f: Fault) {
    stats.faults[f.kind]++;
    stats.faultsTotal++;
  }

  /** Applies a fault that answers instead of the server; true when the request is taken care of. */
  function applyAnswerFault(req: http.IncomingMessage, res: http.ServerResponse, f: Fault): boolean {
    count(f);
    if (f.kind === 'hang') return true;
    if (f.kind === 'trickle') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000000' });
      const t = setInterval(() => res.write('.'), 100);
      res.on('close', () => clearInterval(t));
      return true;
    }
    if (f.kind === 'drop') {
      req.socket.destroy();
      return true;
    }
    if (f.kind === '429') {
      fail(req, res, 429, 'Too Many Requests', { 'retry-after': String(f.retryAfter ?? 1) });
      return true;
    }
    fail(req, res, f.status ?? 503, TITLES[f.status ?? 503] ?? 'Server Error');
    return true;
  }

  // ---- auth ---------------------------------------------------------------------------------------------
  function identify(req: http.IncomingMessage): Identity | string {
    const header = req.headers.authorization;
    const invalidAuth = `Invalid or non-existent authentication information. See ${HELP}#invalid-auth for more information.`;
    if (!header) return opts.anonymous ? { kind: 'anonymous' } : invalidAuth;
    let token: string;
    const m = /^(basic|bearer|token)\s+(.+)$/i.exec(header);
    if (!m) return invalidAuth;
    if (m[1]!.toLowerCase() === 'basic') {
      const decoded = Buffer.from(m[2]!, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      const user = decoded.slice(0, i);
      token = decoded.slice(i + 1);
      if (user !== '__token__') {
        if (opts.anonymous) return { kind: 'anonymous' };
        return `Username/Password authentication is no longer supported. Migrate to API Tokens or Trusted Publishers instead. See ${HELP}#apitoken and ${HELP}#trusted-publishers`;
      }
    } else {
      token = m[2]!.trim();
    }
    const spec = tokenSpecs.find((t) => t.token === token);
    if (spec) return { kind: 'token', projects: spec.projects };
    const mt = minted.get(token);
    if (mt) return mt.expires * 1000 <= now() ? 'Invalid API Token: token is expired' : { kind: 'oidc', project: mt.project, projects: mt.projects, publisher: mt.publisher };
    return opts.anonymous ? { kind: 'anonymous' } : invalidAuth;
  }

  // ---- upload -------------------------------------------------------------------------------------------
  const field = (form: ParsedForm, name: string) => form.fields.get(name)?.[0];

  async function upload(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, fault: Fault | null) {
    const ctype = req.headers['content-type'];
    const boundary = boundaryOf(ctype);
    let form: ParsedForm = { fields: new Map(), files: [] };
    if (boundary) {
      try {
        form = parseMultipart(body, boundary);
      } catch (err) {
        if (err instanceof MultipartError) return fail(req, res, 400, `Invalid multipart body: ${err.message}`);
        throw err;
      }
    }
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    const action = query.get(':action') ?? field(form, ':action');
    if (action === 'submit' || action === 'doc_upload') return fail(req, res, 410, action === 'submit' ? 'Project pre-registration is no longer required or supported, upload your files instead.' : 'Uploading documentation is no longer supported, we recommend using https://readthedocs.org/.');
    if (action !== 'file_upload') {
      // PyPI's fall-through: a template page with no error status (§1.1).
      return send(res, 200, '<!DOCTYPE html>\n<html lang="en"><head><title>PyPI · The Python Package Index</title></head><body><h1>Find, install and publish Python packages</h1></body></html>\n', 'text/html; charset=UTF-8');
    }
    const pv = field(form, 'protocol_version') ?? '1';
    if (pv !== '1') return fail(req, res, 400, 'Unknown protocol version.');
    // 1. identity
    const who = identify(req);
    if (typeof who === 'string') return reject(req, res, 403, who);
    // 2. form, 3. metadata
    const metadataVersion = field(form, 'metadata_version');
    const name = field(form, 'name');
    const version = field(form, 'version');
    const formError = checkForm(metadataVersion, name, version);
    if (formError) return reject(req, res, 400, formError);
    const metaError = checkMetadata(version!, field(form, 'summary'));
    if (metaError) return reject(req, res, 400, metaError);
    // 4. the file
    const content = form.files.find((f) => f.name === 'content');
    if (!content || !content.filename) return reject(req, res, 400, 'Upload payload does not have a file.');
    if (!content.contentType || content.contentType.startsWith('image/')) return reject(req, res, 400, 'Invalid distribution file.');
    const filetype = field(form, 'filetype') ?? '';
    if (filetype !== 'bdist_wheel' && filetype !== 'sdist') return reject(req, res, 400, `${pyRepr(filetype)} is an invalid value for Filetype. Error: Use a known file type. ${'See https://packaging.python.org/specifications/core-metadata for more information.'}`);
    const pyversion = field(form, 'pyversion') ?? '';
    if (filetype === 'bdist_wheel' && !pyversion) return reject(req, res, 400, 'Python version is required for binary distribution uploads.');
    if (filetype === 'sdist' && pyversion && pyversion !== 'source') return reject(req, res, 400, 'Use the correct Python version for the source distribution.');
    const sha256Sent = field(form, 'sha256_digest');
    const blakeSent = field(form, 'blake2_256_digest');
    const md5Sent = field(form, 'md5_digest');
    if (!sha256Sent && !blakeSent && !md5Sent) return reject(req, res, 400, 'Include at least one message digest.');
    for (const [label, v] of [['sha256', sha256Sent], ['blake2_256', blakeSent]] as const) {
      if (v !== undefined && !/^[A-F0-9]{64}$/i.test(v)) return reject(req, res, 400, `${pyRepr(v)} is an invalid value for ${label === 'sha256' ? 'SHA256' : 'Blake2-256'} Digest. Error: Use a valid, hex-encoded, ${label === 'sha256' ? 'SHA256' : 'BLAKE2'} message digest. See https://packaging.python.org/specifications/core-metadata for more information.`);
    }
    // 5. new project, 6. permission
    const project = normalizeName(name!);
    const existing = projects.get(project);
    if (!existing && who.kind === 'oidc') return reject(req, res, 400, 'Non-user identities cannot create new projects. This was probably caused by successfully using a pending publisher but specifying the project name incorrectly (either in the publisher or in your project\'s metadata). Please ensure that both match. See: https://docs.pypi.org/trusted-publishers/troubleshooting/');
    if (who.kind === 'oidc' && !who.projects.includes(project)) return reject(req, res, 403, `The given token isn't allowed to upload to project ${pyRepr(name!)}. See ${HELP}#project-name for more information.`);
    if (who.kind === 'token' && who.projects && !who.projects.map(normalizeName).includes(project)) return reject(req, res, 403, `The given token isn't allowed to upload to project ${pyRepr(name!)}. See ${HELP}#project-name for more information.`);
    // 9. filename, 10. size
    const filename = content.filename;
    const fnError = checkFilenameChars(filename, filetype);
    if (fnError) return reject(req, res, 400, fnError);
    if (content.data.length > maxFileSize) return reject(req, res, 400, `File too large. Limit for project ${pyRepr(project)} is ${Math.floor(maxFileSize / 1024 / 1024)} MB. See ${HELP}#file-size-limit for more information.`);
    // 11. digests
    const { sha256, md5 } = hasher ? await hasher.digest(content.data) : { sha256: createHash('sha256').update(content.data).digest('hex'), md5: createHash('md5').update(content.data).digest('hex') };
    let blake2: string | undefined;
    if (blakeSent && opts.checkBlake2 !== false) blake2 = blake2b256Hex(content.data);
    if ((sha256Sent && sha256Sent.toLowerCase() !== sha256) || (md5Sent && md5Sent.toLowerCase() !== md5) || (blake2 !== undefined && blakeSent!.toLowerCase() !== blake2))
      return reject(req, res, 400, 'The digest supplied does not match a digest calculated from the uploaded file.');
    // 12. duplicates: the same filename, or the same content under another name
    // A stored file with this name or these bytes: identical is a no-op, anything else "File already exists".
    const duplicate = () => {
      const same = byFilename.get(filename) ?? [...byFilename.values()].find((f) => f.sha256 === sha256);
      if (!same) return false;
      if (same.filename === filename && same.sha256 === sha256) {
        stats.identical++;
        finish(req, res, fault);
        return true;
      }
      // Without kept bytes (benchmarks) the stored file's BLAKE2 is this upload's only when the bytes are the same.
      same.blake2 ??= same.data ? blake2b256Hex(same.data) : same.sha256 === sha256 ? (blake2 ?? '') : '';
      reject(req, res, 400, `File already exists (${pyRepr(same.filename)}, with blake2_256 hash ${pyRepr(same.blake2)}). See ${HELP}#file-name-reuse for more information.`);
      return true;
    };
    if (duplicate()) return;
    // 15. one sdist per release
    const release = existing?.releases.get(canonicalizeVersion(version!) ?? version!);
    if (filetype === 'sdist' && release?.files.some((f) => f.packagetype === 'sdist')) return reject(req, res, 400, 'Only one sdist may be uploaded per release.');
    // 16, 17, 18: the archive and its name
    let info: string | ArchiveInfo;
    if (filetype === 'sdist') {
      if (!filename.endsWith('.tar.gz')) return reject(req, res, 400, `Invalid distribution file. File is not a tarfile`);
      const nameError = checkSdistName(filename, name!, version!);
      if (nameError) return reject(req, res, 400, nameError);
      info = await inspectSdist(content.data);
    } else {
      const wheelError = checkWheelName(filename, name!, version!);
      if (wheelError) return reject(req, res, 400, wheelError);
      const parsed = parseWheelName(filename);
      const distInfo = typeof parsed === 'string' ? '' : `${parsed.name}-${parsed.version}.dist-info`;
      info = await inspectWheel(content.data, distInfo);
    }
    if (typeof info === 'string') return reject(req, res, 400, `Invalid distribution file. ${info}`);
    // The archive checks awaited: a concurrent upload of the same name may have been stored meanwhile. PyPI's
    // unique constraint on the filename settles that race inside its transaction; so does this check.
    if (duplicate()) return;
    // 19. PEP 740 attestations, verified against the trusted publisher and this file.
    let provenance: Provenance | null = null;
    const attestations = field(form, 'attestations');
    if (attestations !== undefined) {
      const checked = checkAttestations(attestations, who.kind === 'oidc' ? who.publisher : null, filename, sha256, trustedRoot);
      if (typeof checked === 'string') return reject(req, res, 400, `Invalid attestations supplied during upload: ${checked}`);
      provenance = checked;
    }
    if (filetype === 'sdist' && projects.get(project)?.releases.get(canonicalizeVersion(version!) ?? version!)?.files.some((f) => f.packagetype === 'sdist')) return reject(req, res, 400, 'Only one sdist may be uploaded per release.');
    // Stored: the first file of a version creates the release (and the project).
    const proj = projects.get(project) ?? existing ?? { name: name!, releases: new Map() };
    projects.set(project, proj);
    const key = canonicalizeVersion(version!) ?? version!;
    const rel = proj.releases.get(key) ?? { version: normalizeVersion(version!) ?? version!, files: [] };
    proj.releases.set(key, rel);
    const stored: StoredFile = {
      filename, project, version: rel.version, packagetype: filetype, pythonVersion: filetype === 'sdist' ? 'source' : pyversion,
      requiresPython: field(form, 'requires_python') || null, sha256, md5, size: content.data.length,
      uploadTime: new Date(now()).toISOString().replace('Z', '000Z'), metadata: info.metadata,
      data: opts.keepData === false ? null : Buffer.from(content.data), blake2, provenance,
    };
    rel.files.push(stored);
    byFilename.set(filename, stored);
    stats.stored++;
    return finish(req, res, fault);
  }

  function reject(req: http.IncomingMessage, res: http.ServerResponse, status: number, message: string) {
    stats.rejected++;
    fail(req, res, status, message);
  }

  /** 200, unless a store-then-fail fault answers 5xx after the work is done. */
  function finish(req: http.IncomingMessage, res: http.ServerResponse, fault: Fault | null) {
    if (fault?.kind === 'store-then-fail') {
      count(fault);
      return fail(req, res, fault.status ?? 502, TITLES[fault.status ?? 502] ?? 'Bad Gateway');
    }
    send(res, 200, '', 'text/plain; charset=UTF-8');
  }

  // ---- read APIs ----------------------------------------------------------------------------------------
  const fileUrl = (f: StoredFile) => `${base}/files/${f.sha256}/${encodeURIComponent(f.filename)}`;
  const provenanceUrl = (f: StoredFile) => `${base}/integrity/${f.project}/${f.version}/${encodeURIComponent(f.filename)}/provenance`;

  /** PEP 740's integrity API (warehouse api/integrity.py): the provenance object of one file. */
  function integrity(req: http.IncomingMessage, res: http.ServerResponse, project: string, version: string, filename: string) {
    const accept = req.headers.accept;
    const types = ['application/vnd.pypi.integrity.v1+json', 'application/json'];
    const type = !accept || /\*\/\*/.test(accept) ? types[0]! : types.find((t) => accept.includes(t));
    if (!type) return send(res, 406, JSON.stringify({ message: 'Request not acceptable' }), 'application/json');
    const f = byFilename.get(filename);
    if (!f || f.project !== normalizeName(project) || canonicalizeVersion(f.version) !== canonicalizeVersion(version)) return send(res, 404, JSON.stringify({ message: 'Not Found' }), 'application/json');
    if (!f.provenance) return send(res, 404, JSON.stringify({ message: `No provenance available for ${f.filename}` }), 'application/json');
    send(res, 200, JSON.stringify(f.provenance), type, { vary: 'Accept' });
  }
  const ensureBlake = (f: StoredFile) => (f.blake2 ??= f.data ? blake2b256Hex(f.data) : '');

  function jsonFile(f: StoredFile) {
    return {
      comment_text: '', digests: { blake2b_256: ensureBlake(f), md5: f.md5, sha256: f.sha256 }, downloads: -1, filename: f.filename,
      has_sig: false, md5_digest: f.md5, packagetype: f.packagetype, python_version: f.pythonVersion, requires_python: f.requiresPython,
      size: f.size, upload_time: f.uploadTime.slice(0, 19), upload_time_iso_8601: f.uploadTime, url: fileUrl(f), yanked: false, yanked_reason: null,
    };
  }

  function jsonApi(req: http.IncomingMessage, res: http.ServerResponse, name: string, version: string | null) {
    const proj = projects.get(normalizeName(name));
    const notFound = () => send(res, 404, JSON.stringify({ message: 'Not Found' }), 'application/json');
    if (!proj || proj.releases.size === 0) return notFound();
    const versions = [...proj.releases.values()].sort((a, b) => compareVersions(a.version, b.version));
    const rel = version === null ? versions.at(-1)! : proj.releases.get(canonicalizeVersion(version) ?? version);
    if (!rel) return notFound();
    const releases: Record<string, unknown[]> = {};
    if (version === null) for (const r of versions) releases[r.version] = r.files.map(jsonFile);
    const body = {
      info: { name: proj.name, version: rel.version, requires_python: rel.files[0]?.requiresPython ?? null, summary: null, yanked: false },
      last_serial: stats.stored,
      ...(version === null ? { releases } : {}),
      urls: rel.files.map(jsonFile),
      vulnerabilities: [],
    };
    send(res, 200, JSON.stringify(body), 'application/json');
  }

  function simple(req: http.IncomingMessage, res: http.ServerResponse, name: string | null) {
    const accept = req.headers.accept ?? '';
    const wantsJson = /application\/vnd\.pypi\.simple\.(v1|latest)\+json/.test(accept);
    if (name === null) {
      const names = [...projects.values()].filter((p) => p.releases.size > 0).map((p) => p.name);
      if (wantsJson) return send(res, 200, JSON.stringify({ meta: { 'api-version': '1.1' }, projects: names.map((n) => ({ name: n })) }), 'application/vnd.pypi.simple.v1+json');
      const links = names.map((n) => `    <a href="/simple/${normalizeName(n)}/">${n}</a><br/>`).join('\n');
      return send(res, 200, `<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.1">\n    <title>Simple index</title>\n  </head>\n  <body>\n${links}\n  </body>\n</html>\n`, 'text/html; charset=utf-8');
    }
    const norm = normalizeName(name);
    if (norm !== name) return send(res, 301, '', 'text/plain', { location: `/simple/${norm}/` });
    const proj = projects.get(norm);
    if (!proj || proj.releases.size === 0) return send(res, 404, 'Not Found', 'text/plain');
    const files = [...proj.releases.values()].flatMap((r) => r.files);
    if (wantsJson) {
      const body = {
        meta: { 'api-version': '1.1' }, name: norm,
        files: files.map((f) => ({
          filename: f.filename, url: fileUrl(f), hashes: { sha256: f.sha256 }, 'requires-python': f.requiresPython, size: f.size,
          'upload-time': f.uploadTime, yanked: false, 'core-metadata': f.metadata ? { sha256: createHash('sha256').update(f.metadata).digest('hex') } : false,
          'data-dist-info-metadata': f.metadata ? { sha256: createHash('sha256').update(f.metadata).digest('hex') } : false,
          provenance: f.provenance ? provenanceUrl(f) : null,
        })),
        versions: [...proj.releases.values()].map((r) => r.version),
      };
      return send(res, 200, JSON.stringify(body), 'application/vnd.pypi.simple.v1+json');
    }
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    const links = files.map((f) => {
      const rp = f.requiresPython ? ` data-requires-python="${esc(f.requiresPython)}"` : '';
      const md = f.metadata ? ` data-core-metadata="sha256=${createHash('sha256').update(f.metadata).digest('hex')}" data-dist-info-metadata="sha256=${createHash('sha256').update(f.metadata).digest('hex')}"` : '';
      const pv = f.provenance ? ` data-provenance="${esc(provenanceUrl(f))}"` : '';
      return `    <a href="${fileUrl(f)}#sha256=${f.sha256}"${rp}${md}${pv}>${esc(f.filename)}</a><br />`;
    });
    send(res, 200, `<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.1">\n    <title>Links for ${esc(norm)}</title>\n  </head>\n  <body>\n    <h1>Links for ${esc(norm)}</h1>\n${links.join('\n')}\n  </body>\n</html>\n`, 'text/html; charset=utf-8');
  }

  function download(res: http.ServerResponse, sha: string, filename: string) {
    const meta = filename.endsWith('.metadata');
    const f = byFilename.get(meta ? filename.slice(0, -9) : filename);
    if (!f || f.sha256 !== sha) return send(res, 404, 'Not Found', 'text/plain');
    if (meta) return f.metadata ? send(res, 200, f.metadata, 'application/octet-stream') : send(res, 404, 'Not Found', 'text/plain');
    return f.data ? send(res, 200, f.data, 'application/octet-stream') : send(res, 404, 'Not Found', 'text/plain');
  }

  // ---- trusted publishing ---------------------------------------------------------------------------------
  function mint(res: http.ServerResponse, body: Buffer) {
    const failMint = (code: string, description: string) =>
      send(res, 422, JSON.stringify({ message: 'Token request failed', errors: [{ code, description }] }), 'application/json');
    if (audience === null) return failMint('not-enabled', 'Trusted publishing functionality not enabled');
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      return failMint('invalid-payload', 'missing or malformed body');
    }
    const jwt = (payload as { token?: unknown })?.token;
    if (typeof jwt !== 'string') return failMint('invalid-payload', 'token is not a string');
    const parts = jwt.split('.');
    let unverified: { iss?: string } | null;
    try {
      unverified = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
    } catch {
      return failMint('invalid-payload', 'malformed JWT');
    }
    if (parts.length !== 3 || !unverified) return failMint('invalid-payload', 'malformed JWT');
    if (unverified.iss !== GITHUB_ISSUER) return failMint('invalid-payload', 'unknown trusted publishing issuer');
    const claims = verifyJwt(jwt, opts.oidcKey ?? DEFAULT_OIDC_KEY);
    const nowS = Math.floor(now() / 1000);
    if (!claims || claims.aud !== audience || typeof claims.exp !== 'number' || claims.exp <= nowS)
      return failMint('invalid-token', 'malformed or invalid token');
    if (typeof claims.jti !== 'string' || usedJti.has(claims.jti)) return failMint('invalid-reuse-token', 'invalid token: already used');
    const publisher = matchPublisher(claims, opts.trustedPublishers ?? []);
    if ('code' in publisher) return failMint(publisher.code, publisher.description);
    usedJti.add(claims.jti);
    const token = `pypi-${randomBytes(24).toString('base64url')}`;
    const expires = nowS + ttl;
    // PyPI's attestation identity is the publisher's repository and workflow file (not the claims').
    const workflow = publisher.workflow ?? /\/\.github\/workflows\/([^@]+)@/.exec(String(claims.job_workflow_ref ?? ''))?.[1] ?? '';
    const identity: PublisherIdentity = { kind: 'GitHub', repository: publisher.repository, workflow, environment: publisher.environment ?? null };
    const scope = (opts.trustedPublishers ?? []).filter((p) => !('code' in matchPublisher(claims, [p]))).map((p) => normalizeName(p.project));
    minted.set(token, { token, project: normalizeName(publisher.project), projects: scope, expires, publisher: identity });
    stats.minted++;
    send(res, 200, JSON.stringify({ success: true, token, expires }), 'application/json');
  }

  // ---- control endpoint ----------------------------------------------------------------------------------
  function control(req: http.IncomingMessage, res: http.ServerResponse, what: string, body: Buffer) {
    const parsed = body.length ? (JSON.parse(body.toString('utf8')) as unknown) : null;
    if (what === 'inject') api.inject(parsed as Fault);
    else if (what === 'random') api.randomFaults(parsed as RandomFaults | null);
    else if (what === 'clear') api.clearFaults();
    else if (what === 'stats') return send(res, 200, JSON.stringify(stats), 'application/json');
    else if (what === 'files') return send(res, 200, JSON.stringify(api.files().map(({ data: _d, metadata: _m, ...f }) => f)), 'application/json');
    else return send(res, 404, 'Not Found', 'text/plain');
    send(res, 200, '{}', 'application/json');
  }

  // ---- routing --------------------------------------------------------------------------------------------
  const server = http.createServer((req, res) => {
    stats.requests++;
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    opts.log?.(`${req.method} ${req.url}`);
    const isUpload = req.method === 'POST' && path === '/legacy/';
    let fault: Fault | null = null;
    if (isUpload) stats.uploadRequests++;
    // Faults on reads are decided now; upload faults may depend on the filename inside the body.
    if (!isUpload && !path.startsWith('/_control/')) {
      const target = path.startsWith('/pypi/') ? 'json' : path.startsWith('/simple/') ? 'simple' : path.startsWith('/_/oidc/') ? 'oidc' : null;
      const f = target ? takeFault(target, path) : null;
      if (f && f.kind !== 'store-then-fail' && applyAnswerFault(req, res, f)) return req.resume();
    }
    const chunks: Buffer[] = [];
    let received = 0;
    const total = Number(req.headers['content-length'] ?? 0);
    let decided = !isUpload;
    const decide = () => {
      decided = true;
      const head = Buffer.concat(chunks).toString('latin1');
      const m = /name="content"; filename="([^"]*)"/.exec(head);
      fault = takeFault('upload', m?.[1] ?? '');
    };
    req.on('data', (c: Buffer) => {
      chunks.push(c);
      received += c.length;
      if (!decided && (received >= 256 * 1024 || /name="content"; filename="[^"]*"/.test(c.toString('latin1')))) decide();
      const f = fault as Fault | null;
      if (f?.kind === 'drop' && received >= (f.afterBytes ?? Math.floor(total / 2))) {
        count(f);
        fault = null;
        req.socket.destroy();
      }
      if (f?.kind === 'crash' && received >= (f.afterBytes ?? Math.floor(total / 2))) {
        count(f);
        fault = null;
        crash(f.downMs ?? 300);
      }
    });
    req.on('end', () => {
      if (req.socket.destroyed) return;
      if (!decided) decide();
      const body = hasher ? concatShared(chunks) : Buffer.concat(chunks);
      const f = fault as Fault | null;
      if (f && f.kind !== 'store-then-fail') {
        if (f.kind === 'drop') {
          count(f);
          return req.socket.destroy();
        }
        return void applyAnswerFault(req, res, f);
      }
      const go = () => route(req, res, path, body, f).catch((err: Error) => fail(req, res, 500, `Internal Server Error: ${err.message}`));
      if (isUpload && opts.uploadLatencyMs) setTimeout(go, opts.uploadLatencyMs);
      else void go();
    });
  });

  async function route(req: http.IncomingMessage, res: http.ServerResponse, path: string, body: Buffer, fault: Fault | null) {
    let m: RegExpExecArray | null;
    if (req.method === 'POST' && (path === '/legacy' || path === '/legacy/')) {
      if (path === '/legacy') return fail(req, res, 308, 'An upload was attempted to /legacy but the expected upload URL is /legacy/ (with a trailing slash)', { location: '/legacy/' });
      return upload(req, res, body, fault);
    }
    if (path.startsWith('/_control/')) return control(req, res, path.slice('/_control/'.length), body);
    if (path === '/_/oidc/audience' && req.method === 'GET') {
      if (audience === null) return send(res, 403, JSON.stringify({ message: 'Trusted publishing functionality not enabled' }), 'application/json');
      return send(res, 200, JSON.stringify({ audience }), 'application/json');
    }
    if ((path === '/_/oidc/mint-token' || path === '/_/oidc/github/mint-token') && req.method === 'POST') return mint(res, body);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method Not Allowed', 'text/plain');
    if (path === '/simple/') return simple(req, res, null);
    if ((m = /^\/simple\/([^/]+)\/?$/.exec(path))) {
      if (!path.endsWith('/')) return send(res, 301, '', 'text/plain', { location: `/simple/${normalizeName(decodeURIComponent(m[1]!))}/` });
      return simple(req, res, decodeURIComponent(m[1]!));
    }
    if ((m = /^\/pypi\/([^/]+)\/json\/?$/.exec(path))) return jsonApi(req, res, decodeURIComponent(m[1]!), null);
    if ((m = /^\/pypi\/([^/]+)\/([^/]+)\/json\/?$/.exec(path))) return jsonApi(req, res, decodeURIComponent(m[1]!), decodeURIComponent(m[2]!));
    if ((m = /^\/files\/([0-9a-f]{64})\/([^/]+)$/.exec(path))) return download(res, m[1]!, decodeURIComponent(m[2]!));
    if ((m = /^\/integrity\/([^/]+)\/([^/]+)\/([^/]+)\/provenance$/.exec(path))) return integrity(req, res, decodeURIComponent(m[1]!), decodeURIComponent(m[2]!), decodeURIComponent(m[3]!));
    send(res, 404, 'Not Found', 'text/plain');
  }

  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const port = (server.address() as AddressInfo).port;
  let closed = false;
  /** As if the process were killed and restarted: connections cut, the port refused for a while, state kept. */
  function crash(downMs: number): void {
    for (const s of sockets) s.destroy();
    server.close();
    setTimeout(() => {
      if (!closed) server.listen(port, '127.0.0.1');
    }, downMs);
  }

  const api: PypiServer = {
    url: base,
    uploadUrl: `${base}/legacy/`,
    token: tokenSpecs[0]?.token ?? '',
    files: () => [...byFilename.values()],
    file: (filename) => byFilename.get(filename),
    inject: (fault) => void faults.push({ ...fault }),
    randomFaults: (spec) => void (random = spec ? { spec, next: rng(spec.seed) } : null),
    clearFaults: () => {
      faults.length = 0;
      random = null;
    },
    stats: () => structuredClone(stats),
    mintedTokens: () => [...minted.values()],
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        for (const s of sockets) s.destroy();
        const done = () => void (hasher ? hasher.close() : Promise.resolve()).then(() => resolve());
        if (server.listening) server.close(done);
        else done();
      }),
  };
  return api;
}
