// The PyPI destination: the legacy upload API (PROTOCOLS.md §1), any PyPI-compatible repository by URL,
// API tokens or trusted publishing (§2), every file exactly once. Exactly once rests on two facts: PyPI
// answers an identical re-upload with 200 (so sending again is safe), and the sha256 of what is stored can
// be read back (so "already exists" and ambiguous failures are settled by digest, never by status line).
import { attestationFromBundle, publishStatement, PYPI_PUBLISH_V1, type Attestation } from '../attest/pep740.js';
import { identityToken } from '../attest/oidc.js';
import { signingEndpoints, signStatement } from '../attest/sigstore.js';
import { PublishError } from '../errors.js';
import { networkTimeoutMs, retryAfterMs, retryDeadlineMs, timeoutHint } from '../network.js';
import type { PublishedFile } from '../manifest.js';
import { registerSecret, redact, splitUrlCredentials } from '../secrets.js';
import { normalizeName } from '../version/pep440.js';
import { describeUrl, NetworkError, send, type HttpResponse } from './pypi/http.js';
import { indexBaseFor, remoteFiles, type RemoteFile } from './pypi/lookup.js';
import { metadataForm, pyversionOf, readCoreMetadata } from './pypi/metadata.js';
import { FileChangedError, multipartBody } from './pypi/multipart.js';
import { oidcAvailable, TrustedPublisher } from './pypi/oidc.js';
import type { Destination, DestinationResult, PublishFile, PublishRun } from './types.js';
import { eachLimited } from '../workers/each.js';

export interface PypiOptions {
  /** Upload endpoint; default publish.pypi.repository_url (which `--repository-url` overrides). */
  repositoryUrl?: string;
  /** Uploads at once; default publish.pypi.concurrency (4). */
  concurrency?: number;
  trustedPublishing?: 'auto' | 'always' | 'never';
  /** Base URL of the JSON and simple APIs; default derived from the upload URL. */
  indexUrl?: string;
  /** Idle timeout of one request (no bytes either way), ms. Default 120 s (env WHEELWRIGHT_NETWORK_TIMEOUT, seconds). */
  timeoutMs?: number;
  /** Attempts per file before giving up. Default 8. */
  maxAttempts?: number;
  /** First backoff delay, ms (doubles each time, with jitter, up to 60 s). Default 1000. */
  retryBaseMs?: number;
  /** Longest Retry-After honoured, ms. Default 300 s. */
  maxRetryAfterMs?: number;
  /**
   * Total time the destination may spend waiting to retry, ms, across all its files: a server that
   * fails forever ends the run at this deadline. Default 180 s (env WHEELWRIGHT_RETRY_DEADLINE, seconds).
   */
  retryDeadlineMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

interface Settings {
  uploadUrl: URL;
  indexBase: URL;
  concurrency: number;
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  maxRetryAfterMs: number;
  retryDeadlineMs: number;
  /** When the retry deadline passes (set at the first failure). */
  retryUntil: number | null;
  /** Requests that failed and were (or would have been) retried, for the final message. */
  failures: number;
  /** The user and password written into the repository URL; they win over the environment's. */
  urlCredentials: { username: string; password: string } | null;
}

type Credentials =
  | { kind: 'token'; username: string; password: string }
  | { kind: 'oidc'; publisher: TrustedPublisher }
  | { kind: 'none' };

const PYPI_HOSTS = new Set(['upload.pypi.org', 'upload.pypi.io', 'test.pypi.org', 'pypi.org']);
/** The sha256 of no bytes: a server's copy with this digest is empty, whatever size it reports. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const TOKEN_HINT = 'set PYPI_TOKEN (or TWINE_PASSWORD) to an API token for this project, or configure trusted publishing';

/** PyPI's message: the reason phrase, else the body without Pyramid's title lines. */
export function pypiMessage(res: HttpResponse): string {
  const standard = /^(OK|Bad Request|Forbidden|Not Found|Conflict|Gone|Too Many Requests|Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout|Permanent Redirect|Moved Permanently|Found)$/i;
  if (res.reason && !standard.test(res.reason)) return res.reason;
  try {
    const j = JSON.parse(res.body) as { message?: unknown };
    if (typeof j.message === 'string') return j.message;
  } catch {
    // not JSON
  }
  const text = res.body
    .replace(/<[^>]+>/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^\d{3} [A-Za-z ]+$/.test(l))
    .join(' ')
    .trim();
  return text.slice(0, 500) || res.reason || `HTTP ${res.status}`;
}

const alreadyExists = (res: HttpResponse) =>
  res.status === 409 || (res.status === 400 && /already exist/i.test(`${res.reason}\n${res.body}`));

function hintFor(message: string): string {
  if (/unsupported platform tag/.test(message)) return 'repair the wheel with auditwheel/delocate so it carries a manylinux, musllinux or macOS tag PyPI accepts';
  if (/is invalid, should be/.test(message)) return 'build the sdist with a PEP 625 name (`{name_with_underscores}-{version}.tar.gz`), e.g. with setuptools >= 69.3';
  if (/local versions/.test(message)) return 'remove the `+local` part of the version; local versions cannot go to a public index';
  if (/Only one sdist/.test(message)) return 'this release already has an sdist; publish a new version';
  if (/File too large|Project size too large/.test(message)) return 'ask the index for a larger limit (PyPI: https://pypi.org/help/#file-size-limit)';
  if (/digest supplied does not match/.test(message)) return 'the file changed on disk since `release verify`; verify the files again before publishing';
  if (/previously used by a file that has since been deleted/.test(message)) return 'PyPI never reuses a deleted filename; publish a new version (or a build tag for wheels)';
  if (/older than 14 days/.test(message)) return 'publish a new version instead of adding files to an old one';
  if (/Non-user identities cannot create new projects/.test(message)) return 'create the project with a pending publisher on PyPI first, with exactly this name';
  if (/Invalid attestations supplied/.test(message)) return "the attestation must be signed by the project's trusted publisher (this repository and workflow file on PyPI); or set publish.pypi.attestations: false";
  return 'fix the distribution, run `release verify`, then `release publish` again';
}

/** Retry-After of a raw header (node:http may give a list), as network.ts reads it. */
function parseRetryAfter(value: string | string[] | undefined, now: number): number | null {
  return retryAfterMs(Array.isArray(value) ? value[0] : value, now);
}

export function createPypiDestination(opts: PypiOptions = {}): Destination {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let state: { settings: Settings; creds: Credentials; remote: Map<string, Map<string, RemoteFile> | null> } | null = null;

  async function settingsFor(run: PublishRun): Promise<Settings> {
    const cfg = (await run.ctx.config()).config.publish.pypi;
    const raw = opts.repositoryUrl ?? cfg.repository_url;
    let uploadUrl: URL;
    try {
      uploadUrl = new URL(raw);
    } catch {
      throw new PublishError(`the PyPI repository URL \`${redact(raw)}\` is not a URL`, { field: 'publish.pypi.repository_url', hint: 'e.g. https://upload.pypi.org/legacy/' });
    }
    // https://user:token@host/legacy/, as twine takes it: the userinfo is the credential (registered as a
    // secret by splitUrlCredentials), and the URL is used and printed without it.
    let urlCredentials: Settings['urlCredentials'] = null;
    if (uploadUrl.username || uploadUrl.password) {
      const split = splitUrlCredentials(uploadUrl.href);
      urlCredentials = { username: decodeURIComponent(uploadUrl.username) || '__token__', password: decodeURIComponent(uploadUrl.password) };
      uploadUrl = new URL(split.url);
      if (!urlCredentials.password) {
        throw new PublishError(`the PyPI repository URL ${uploadUrl.href} names a user but no password`, {
          field: 'publish.pypi.repository_url',
          hint: 'write it as https://__token__:TOKEN@host/legacy/, or drop the user and set PYPI_TOKEN',
        });
      }
    }
    if (/\/legacy$/.test(uploadUrl.pathname)) {
      throw new PublishError(`the upload URL ${uploadUrl.origin}${uploadUrl.pathname} lacks its trailing slash (PyPI answers 308 to /legacy)`, {
        field: 'publish.pypi.repository_url',
        hint: `use ${uploadUrl.origin}${uploadUrl.pathname}/`,
      });
    }
    return {
      uploadUrl,
      indexBase: opts.indexUrl ? new URL(opts.indexUrl.endsWith('/') ? opts.indexUrl : `${opts.indexUrl}/`) : indexBaseFor(uploadUrl.href),
      concurrency: opts.concurrency ?? cfg.concurrency ?? 4,
      timeoutMs: opts.timeoutMs ?? networkTimeoutMs(run.ctx.env, 120_000),
      maxAttempts: opts.maxAttempts ?? 8,
      retryBaseMs: opts.retryBaseMs ?? 1000,
      maxRetryAfterMs: opts.maxRetryAfterMs ?? 300_000,
      retryDeadlineMs: opts.retryDeadlineMs ?? retryDeadlineMs(process.env),
      retryUntil: null,
      failures: 0,
      urlCredentials,
    };
  }

  async function credentialsFor(run: PublishRun, s: Settings): Promise<Credentials> {
    const env = run.ctx.env;
    const mode = opts.trustedPublishing ?? (await run.ctx.config()).config.publish.pypi.trusted_publishing;
    // Credentials written in the repository URL win over the environment's, as with twine.
    const password = s.urlCredentials?.password || env.PYPI_TOKEN || env.TWINE_PASSWORD;
    const username = s.urlCredentials?.username ?? (env.PYPI_TOKEN ? '__token__' : env.TWINE_USERNAME || '__token__');
    registerSecret(password);
    if (mode === 'always' || (mode === 'auto' && !password && oidcAvailable(env))) {
      if (!oidcAvailable(env)) {
        throw new PublishError('trusted publishing is required (publish.pypi.trusted_publishing: always) but this job has no OIDC token', {
          field: 'publish.pypi.trusted_publishing',
          hint: 'run on GitHub Actions with `permissions: id-token: write`',
        });
      }
      return { kind: 'oidc', publisher: new TrustedPublisher({ repositoryUrl: s.uploadUrl.href, env, now: () => run.ctx.now().getTime(), timeoutMs: s.timeoutMs }) };
    }
    if (password) return { kind: 'token', username, password };
    if (PYPI_HOSTS.has(s.uploadUrl.hostname)) {
      throw new PublishError(`no credentials for ${s.uploadUrl.origin}: PYPI_TOKEN and TWINE_PASSWORD are unset and this is not a trusted-publishing job`, { hint: TOKEN_HINT });
    }
    return { kind: 'none' };
  }

  async function authHeader(creds: Credentials): Promise<Record<string, string>> {
    if (creds.kind === 'none') return {};
    const [user, pass] = creds.kind === 'token' ? [creds.username, creds.password] : ['__token__', await creds.publisher.token()];
    const basic = Buffer.from(`${user}:${pass}`).toString('base64');
    registerSecret(basic);
    return { authorization: `Basic ${basic}` };
  }

  function backoff(s: Settings, attempt: number): number {
    const base = Math.min(60_000, s.retryBaseMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(base * (0.5 + Math.random() / 2));
  }

  /**
   * After a failed request: wait `wait` ms and say so, or say nothing and return false when the attempts
   * or the destination's retry deadline are used up (the caller then gives up with a final message).
   */
  async function pause(s: Settings, attempt: number, maxAttempts: number, wait: number, warn?: (line: string) => void, retryAfter = false): Promise<boolean> {
    s.failures++;
    s.retryUntil ??= Date.now() + s.retryDeadlineMs;
    const remaining = s.retryUntil - Date.now();
    if (attempt >= maxAttempts || remaining <= 0) return false;
    // A Retry-After past the deadline is not slept through: the answer would come after it anyway.
    if (retryAfter && wait > remaining) {
      s.retryUntil = Date.now();
      return false;
    }
    const ms = Math.min(wait, remaining);
    warn?.(`retrying in ${Math.round(ms / 100) / 10} s (attempt ${attempt}/${maxAttempts})`);
    await sleep(ms);
    return true;
  }

  /** What was tried before giving up on `file`, for its final message. */
  function gaveUp(s: Settings, filename: string, attempts: number, last: string): string {
    if (s.retryUntil !== null && Date.now() >= s.retryUntil) {
      return `${filename} could not be published: ${describeUrl('POST', s.uploadUrl)} kept failing until the ${Math.round(s.retryDeadlineMs / 1000)} s retry deadline (${attempts} attempts for this file, ${s.failures} failed requests in all); last answer: ${last}`;
    }
    return `${filename} could not be published after ${attempts} attempts to ${describeUrl('POST', s.uploadUrl)}; last answer: ${last}`;
  }

  /** GET with retries on network errors, 5xx and 429; throws NetworkError when every attempt failed. */
  async function getWithRetry(s: Settings, url: URL, headers: Record<string, string>): Promise<HttpResponse> {
    let last: unknown;
    const max = Math.min(s.maxAttempts, 5);
    for (let attempt = 1; attempt <= max; attempt++) {
      let wait: number;
      let fromServer = false;
      try {
        const res = await send({ method: 'GET', url, headers: { 'user-agent': 'wheelwright', ...headers }, timeoutMs: s.timeoutMs });
        if (res.status < 500 && res.status !== 429) return res;
        last = new NetworkError(`${describeUrl('GET', url)}: ${res.status} ${res.reason}`, false);
        const ra = res.status === 429 ? parseRetryAfter(res.headers['retry-after'], Date.now()) : null;
        wait = ra !== null ? Math.min(ra, s.maxRetryAfterMs) : backoff(s, attempt);
        fromServer = ra !== null;
      } catch (err) {
        if (!(err instanceof NetworkError)) throw err;
        last = err;
        wait = backoff(s, attempt);
      }
      if (!(await pause(s, attempt, max, wait, undefined, fromServer))) break;
    }
    throw last;
  }

  async function lookup(s: Settings, project: string, version: string): Promise<Map<string, RemoteFile> | null> {
    try {
      return await remoteFiles({ indexBase: s.indexBase, timeoutMs: s.timeoutMs, get: (url, h) => getWithRetry(s, url, h) }, project, version);
    } catch (err) {
      if (err instanceof NetworkError) return null;
      throw err;
    }
  }

  /**
   * Credentials accepted, without uploading: PyPI has no auth-check endpoint for API tokens, but its upload
   * view checks the identity (403) before the form (400), so an upload request with no metadata and no
   * file is refused either way and changes nothing: 403 means the credentials are refused, 400 accepted.
   */
  async function probeCredentials(run: PublishRun, s: Settings, creds: Credentials): Promise<void> {
    const boundary = `----wheelwright-probe-${Date.now()}`;
    const fields = [[':action', 'file_upload'], ['protocol_version', '1']];
    const body = Buffer.from(fields.map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('') + `--${boundary}--\r\n`);
    const where = describeUrl('POST', s.uploadUrl);
    let res: HttpResponse;
    try {
      res = await send({
        method: 'POST',
        url: s.uploadUrl,
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(body.length), 'user-agent': 'wheelwright', ...(await authHeader(creds)) },
        body,
        timeoutMs: s.timeoutMs,
      });
    } catch (err) {
      if (err instanceof NetworkError) {
        throw new PublishError(`cannot reach the PyPI repository: ${err.message}`, {
          hint: err.timeoutMs !== undefined ? timeoutHint(err.timeoutMs) : 'check --repository-url / publish.pypi.repository_url and the network',
        });
      }
      throw err;
    }
    if (res.status >= 300 && res.status < 400) {
      throw new PublishError(`${where} redirects (${res.status} ${pypiMessage(res)}) to ${res.headers.location ?? '?'}; uploads are not redirected`, {
        field: 'publish.pypi.repository_url',
        hint: 'set the repository URL to the exact upload endpoint, e.g. https://upload.pypi.org/legacy/ (with the trailing slash)',
      });
    }
    if (res.status === 401 || res.status === 403) {
      const msg = pypiMessage(res);
      throw new PublishError(`${s.uploadUrl.origin} refused the ${creds.kind === 'none' ? 'anonymous upload' : 'credentials'}: ${res.status} ${msg}`, { hint: TOKEN_HINT });
    }
    if (res.status === 200 && /<html/i.test(res.body)) {
      throw new PublishError(`${where} answered with a web page, not as an upload endpoint`, {
        field: 'publish.pypi.repository_url',
        hint: 'use the upload URL, e.g. https://upload.pypi.org/legacy/, not the index page',
      });
    }
    if (res.status !== 400) run.ctx.log.debug(`pypi: credential probe got ${res.status} ${res.reason}; credentials are checked by the first upload`);
  }

  async function preflight(run: PublishRun): Promise<void> {
    const settings = await settingsFor(run);
    const creds = await credentialsFor(run, settings);
    const files = pypiFiles(run);
    const log = run.ctx.log;
    // Both are POSTs, so they cross the world's dry-run boundary: minting is the acceptance check for
    // trusted publishing, and the probe (an empty upload request) then checks the credentials.
    await run.ctx.world.mutate(
      `${creds.kind === 'oidc' ? 'mint a trusted-publishing token, then ' : ''}check the credentials with an empty upload request to ${settings.uploadUrl.href}`,
      async () => {
        if (creds.kind === 'oidc') await creds.publisher.token();
        await probeCredentials(run, settings, creds);
      },
      undefined,
    );
    const remote = new Map<string, Map<string, RemoteFile> | null>();
    const unreadable: string[] = [];
    for (const key of new Set(files.map((f) => `${f.package}\0${f.version}`))) {
      const [pkg, version] = key.split('\0') as [string, string];
      const found = await lookup(settings, pkg, version);
      remote.set(key, found);
      if (found === null) {
        unreadable.push(`${pkg} ${version}`);
        continue;
      }
      checkRemote(settings, files.filter((f) => f.package === pkg && f.version === version), found, pkg, version);
    }
    // One line for all (a pypiserver redirects every unknown project to its fallback index).
    if (unreadable.length) log.warn(`pypi: cannot read ${unreadable.join(', ')} from ${settings.indexBase.origin}; duplicates will be settled at upload time`);
    state = { settings, creds, remote };
  }

  /**
   * Our file is on the index with another digest: a truncated copy (the server lost the rest) or other files.
   * A copy of 0 bytes is known by its size, or by the digest of no bytes where the index gives no size (a
   * PEP 503 page, pypiserver's): never "publish a new version" for what a server lost.
   */
  function otherContent(f: PublishFile, r: RemoteFile, s: Settings): PublishError {
    const size = r.sha256 === EMPTY_SHA256 ? 0 : r.size;
    if (typeof size === 'number' && size < f.size) {
      const pypi = PYPI_HOSTS.has(s.uploadUrl.hostname);
      return new PublishError(`${f.filename} is on the index truncated: ${size} of ${f.size} bytes (sha256 ${r.sha256}, ours ${f.sha256})`, {
        file: f.path,
        hint: pypi
          ? 'the index stored an incomplete upload; ask its administrators to remove it (pypi.org never reuses a filename: then publish a new version)'
          : `the server stored an incomplete upload: delete ${f.filename} from the server's storage, then re-run \`release publish\``,
      });
    }
    return new PublishError(`${f.filename} is already on the index with other content (sha256 ${r.sha256}, ours ${f.sha256})`, {
      file: f.path,
      hint: `version ${f.version} of ${f.package} was published from other files; a filename can never be replaced, so publish a new version`,
    });
  }

  function checkRemote(s: Settings, ours: PublishFile[], found: Map<string, RemoteFile>, pkg: string, version: string): void {
    for (const f of ours) {
      const r = found.get(f.filename);
      if (r?.sha256 && r.sha256 !== f.sha256) throw otherContent(f, r, s);
    }
    const ourSdist = ours.find((f) => f.type === 'sdist');
    const theirSdist = [...found.values()].find((r) => r.filename.endsWith('.tar.gz') || r.filename.endsWith('.zip'));
    if (ourSdist && theirSdist && theirSdist.filename !== ourSdist.filename) {
      throw new PublishError(`${pkg} ${version} already has the sdist ${theirSdist.filename}; PyPI allows one sdist per release`, {
        file: ourSdist.path,
        hint: 'publish a new version',
      });
    }
  }

  function pypiFiles(run: PublishRun): PublishFile[] {
    // Wheels before sdists, as twine orders them.
    return run.files.filter((f) => f.type !== 'extra').sort((a, b) => Number(a.type === 'sdist') - Number(b.type === 'sdist'));
  }

  /**
   * The file's PEP 740 publish attestation: the one the manifest recorded for these bytes (a re-run after a
   * crash sends what it signed before), else signed now and recorded before any upload carries it.
   */
  async function attestationFor(run: PublishRun, file: PublishFile): Promise<Attestation> {
    const known = run.manifest.attestations?.[file.filename];
    if (known?.sha256 === file.sha256 && known.predicateType === PYPI_PUBLISH_V1) {
      run.ctx.log.debug(`pypi: ${file.filename}: using the attestation signed at ${known.at}`);
      return known.attestation as Attestation;
    }
    const env = run.ctx.env;
    let attestation: Attestation;
    try {
      const bundle = await signStatement(publishStatement(file.filename, file.sha256), { ...signingEndpoints(env), identityToken: () => identityToken(env) });
      attestation = attestationFromBundle(bundle);
    } catch (err) {
      throw new PublishError(`${file.filename}: ${redact((err as Error).message)}`, {
        file: file.path,
        hint: 'signing needs `permissions: id-token: write` and Sigstore reachable; re-run, or set publish.pypi.attestations: false',
      });
    }
    (run.manifest.attestations ??= {})[file.filename] = { sha256: file.sha256, predicateType: PYPI_PUBLISH_V1, at: run.ctx.now().toISOString(), attestation };
    await run.save?.();
    run.ctx.log.info(`pypi: ${file.filename} signed (PEP 740 publish attestation, Rekor entry ${String(attestation.verification_material.transparency_entries[0]?.logIndex ?? '?')})`);
    return attestation;
  }

  async function uploadOne(run: PublishRun, s: Settings, creds: Credentials, file: PublishFile, known: RemoteFile | undefined, attestation: Attestation | null): Promise<'uploaded' | 'existing'> {
    const log = run.ctx.log;
    const fields: Array<[string, string]> = [
      [':action', 'file_upload'],
      ['protocol_version', '1'],
      ...metadataForm(await readCoreMetadata(file), file),
      ['filetype', file.type === 'wheel' ? 'bdist_wheel' : 'sdist'],
      ['pyversion', pyversionOf(file.filename)],
      ['sha256_digest', file.sha256],
      ...(attestation ? [['attestations', JSON.stringify([attestation])] as [string, string]] : []),
    ];
    let sent = false;
    /** The file may be stored although we have no answer saying so: read it back before sending again. */
    let mustLookUp = false;
    /** The index says the name is taken: only the digest can settle it; do not send again. */
    let taken: string | null = null;
    let last = '';
    /** The bound of the last attempt, when it ran out of time. */
    let lastTimeout: number | undefined;
    let reminted = false;
    let attempt = 0;
    while (++attempt <= s.maxAttempts) {
      if (mustLookUp || taken) {
        const found = await lookup(s, file.package, file.version);
        const r = found?.get(file.filename) ?? known;
        if (r?.sha256 === file.sha256) return sent ? 'uploaded' : 'existing';
        if (r?.sha256 && r.sha256 !== file.sha256) throw otherContent(file, r, s);
        if (taken) {
          last = `${taken} (and its sha256 cannot be read back yet)`;
          if (!(await pause(s, attempt, s.maxAttempts, backoff(s, attempt)))) break;
          continue;
        }
      }
      const body = multipartBody(fields, file);
      let res: HttpResponse;
      try {
        res = await send({
          method: 'POST',
          url: s.uploadUrl,
          headers: { 'content-type': body.contentType, 'content-length': String(body.length), 'user-agent': 'wheelwright', ...(await authHeader(creds)) },
          body: body.write,
          timeoutMs: s.timeoutMs,
        });
      } catch (err) {
        if (err instanceof FileChangedError) throw new PublishError(err.message, { file: file.path, hint: 'run `release verify` again on the files you mean to publish' });
        if (!(err instanceof NetworkError)) throw err;
        last = err.message;
        lastTimeout = err.timeoutMs;
        if (err.bodySent) {
          sent = true;
          mustLookUp = true;
        }
        if (!(await pause(s, attempt, s.maxAttempts, backoff(s, attempt), (then) => log.warn(`pypi: ${file.filename}: ${err.message}; ${then}`)))) break;
        continue;
      }
      const msg = pypiMessage(res);
      if (res.status >= 200 && res.status < 300) {
        if (/text\/html/.test(String(res.headers['content-type'] ?? '')) && /<html/i.test(res.body)) {
          throw new PublishError(`${describeUrl('POST', s.uploadUrl)} answered ${file.filename} with a web page, not an upload result`, {
            field: 'publish.pypi.repository_url',
            hint: 'use the upload URL, e.g. https://upload.pypi.org/legacy/',
          });
        }
        return 'uploaded';
      }
      if (alreadyExists(res)) {
        taken = msg;
        continue;
      }
      if (res.status === 429 || res.status >= 500) {
        // A 5xx may come after the file was stored (a proxy timing out): read it back before resending.
        if (res.status >= 500) sent = mustLookUp = true;
        last = `${res.status} ${msg}`;
        lastTimeout = undefined;
        const ra = res.status === 429 || res.status === 503 ? parseRetryAfter(res.headers['retry-after'], Date.now()) : null;
        const wait = ra !== null ? Math.min(ra, s.maxRetryAfterMs) : backoff(s, attempt);
        if (ra !== null) last += `, Retry-After ${Math.round(ra / 1000)} s`;
        if (!(await pause(s, attempt, s.maxAttempts, wait, (then) => log.warn(`pypi: ${file.filename}: ${res.status} ${msg}; ${then}`), ra !== null))) break;
        continue;
      }
      if (res.status === 403 && creds.kind === 'oidc' && /expired/i.test(msg) && !reminted) {
        reminted = true;
        creds.publisher.invalidate();
        continue;
      }
      if (res.status === 401 || res.status === 403) {
        throw new PublishError(`${s.uploadUrl.origin} refused ${file.filename}: ${res.status} ${msg}`, { file: file.path, hint: TOKEN_HINT });
      }
      if (res.status >= 300 && res.status < 400) {
        throw new PublishError(`${describeUrl('POST', s.uploadUrl)} redirects (${res.status} ${msg}); uploads are not redirected`, {
          field: 'publish.pypi.repository_url',
          hint: 'set the repository URL to the exact upload endpoint, with its trailing slash',
        });
      }
      throw new PublishError(`PyPI rejected ${file.filename}: ${res.status} ${msg}`, { file: file.path, hint: hintFor(msg) });
    }
    throw new PublishError(gaveUp(s, file.filename, Math.min(attempt, s.maxAttempts), last), {
      file: file.path,
      hint:
        lastTimeout !== undefined
          ? `${timeoutHint(lastTimeout)}; then re-run \`release publish\` (files already confirmed are kept in the manifest and not sent again)`
          : 'the server keeps failing: check its status, then re-run `release publish`; files already confirmed are kept in the manifest and not sent again (WHEELWRIGHT_RETRY_DEADLINE, seconds, bounds the retries)',
    });
  }

  async function publish(run: PublishRun): Promise<DestinationResult> {
    if (!state) await preflight(run);
    const current = state!;
    // The preflight snapshot serves this publish only; a later run looks again.
    state = null;
    const { settings: s, creds, remote } = current;
    const log = run.ctx.log;
    const files = pypiFiles(run);
    const result: DestinationResult = { uploaded: [], existing: [], url: projectUrl(s, files) };
    // PEP 740: PyPI takes attestations only from a trusted publisher (docs/supply-chain.md §2).
    const attest = creds.kind === 'oidc' && (await run.ctx.config()).config.publish.pypi.attestations;
    if (creds.kind !== 'oidc') log.debug('pypi: no attestations (PyPI accepts them only with trusted publishing)');
    const confirm = async (file: PublishFile, status: PublishedFile['status'], url?: string, attested?: boolean) => {
      await run.record(file.filename, { sha256: file.sha256, size: file.size, status, at: run.ctx.now().toISOString(), ...(url ? { url } : {}), ...(attested ? { attested } : {}) });
      (status === 'uploaded' ? result.uploaded : result.existing).push(file.filename);
      log.info(`pypi: ${file.filename} ${status === 'uploaded' ? 'uploaded' : 'already there, identical'}`);
    };
    const todo: PublishFile[] = [];
    for (const file of files) {
      if (run.confirmed[file.filename]?.sha256 === file.sha256) continue;
      const r = remote.get(`${file.package}\0${file.version}`)?.get(file.filename);
      if (r?.sha256 === file.sha256) await confirm(file, 'existing', r.url);
      else todo.push(file);
    }
    const send1 = async (file: PublishFile) => {
      const known = remote.get(`${file.package}\0${file.version}`)?.get(file.filename);
      // Signing (Fulcio, Rekor) and the upload are both sent, so both cross the dry-run boundary.
      const sent = await run.ctx.world.mutate(
        `${attest ? 'sign (Sigstore) and ' : ''}POST ${s.uploadUrl.href} ${file.filename} (${file.size} bytes, sha256 ${file.sha256})`,
        async () => {
          const attestation = attest ? await attestationFor(run, file) : null;
          return { status: await uploadOne(run, s, creds, file, known, attestation), attested: attestation !== null };
        },
        null,
      );
      // Dry run: nothing was sent, so nothing is confirmed. An identical file already stored keeps
      // whatever attestations it was first uploaded with.
      if (sent) await confirm(file, sent.status, undefined, sent.attested && sent.status === 'uploaded');
    };
    // The first file of a version creates the release on PyPI: send it alone, then the rest at once.
    const fresh = todo.filter((f) => (remote.get(`${f.package}\0${f.version}`)?.size ?? 0) === 0);
    const firsts = [...new Map(fresh.map((f) => [`${f.package}\0${f.version}`, f])).values()];
    await eachLimited(firsts, s.concurrency, send1);
    await eachLimited(todo.filter((f) => !firsts.includes(f)), s.concurrency, send1);
    return result;
  }

  return { name: 'pypi', preflight, publish };
}

function projectUrl(s: Settings, files: PublishFile[]): string | undefined {
  const f = files[0];
  if (!f) return undefined;
  if (s.indexBase.hostname === 'pypi.org' || s.indexBase.hostname === 'test.pypi.org') return new URL(`project/${f.package}/${f.version}/`, s.indexBase).href;
  return new URL(`simple/${normalizeName(f.package)}/`, s.indexBase).href;
}
