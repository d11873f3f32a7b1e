// Where version sets come from: a local directory, an index URL (with `_sets/`), or GitHub releases.
//
// SOURCE forms for `--from`:
//   DIR                     a static index tree written by `release publish --to index` (`_sets/index.json`,
//                           `_sets/<version>/versions.json`, files at `<project>/<file>`), or a flat directory
//                           holding versions.json next to the files (e.g. downloaded release assets)
//   http(s)://HOST/simple/  an index served over HTTP with the same `_sets/` tree; files are checked against
//                           the PEP 691 JSON project pages (or `<project>/index.json` on a static host).
//                           Without `_sets/` (PyPI), the project's set distribution when the config names one
//   http(s)://HOST/simple/NAME-release/
//                           the project page of a set distribution (PyPI alone, or a mirror of it): each
//                           `NAME-release-V` wheel carries versions.json; files are checked as above
//   github:OWNER/NAME       GitHub releases through the REST API: each release's `versions.json` asset;
//                           files are checked against the release's assets (API base: publish.github.api_url
//                           or GITHUB_API_URL; token: GITHUB_TOKEN, optional for public repositories)
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompatError } from '../errors.js';
import { plainNameProblem, readUserFile } from '../files.js';
import { githubApiUrl } from '../github/repository.js';
import { exhaustedOf, fetchWithRetry, networkTimeoutMs, RetryDeadline, retryHint, sameOrigin, timeoutHint, timeoutOf, urlForMessage } from '../network.js';
import { registerSecret, splitUrlCredentials } from '../secrets.js';
import { compareVersions, normalizeName, normalizeVersion } from '../version/pep440.js';
import {
  type ServedFile,
  type VersionSet,
  VERSIONS_FILE,
  checkSetAgainstDir,
  checkSetAgainstFiles,
  parseVersionSet,
} from '../versionset.js';
import { compareCodePoints } from '../order.js';

export const SETS_DIR = '_sets';

/** One set as a listing shows it. */
export interface SetSummary {
  version: string;
  tag: string;
  commit: string | null;
  createdAt: string | null;
}

export interface SetSource {
  /** How errors and listings name the source. */
  readonly label: string;
  /** Every set, newest first. */
  list(): Promise<SetSummary[]>;
  /** The set of one release, checked against the files the source serves. */
  get(version: string): Promise<VersionSet>;
}

export interface SourceOptions {
  /** Resolves relative directories. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** From the release config, when there is one. */
  githubApiUrl?: string;
  tagPrefix?: string;
  /** The project's set distribution (`set_distribution`), read from an index that has no `_sets/` tree. */
  setDistribution?: string;
}

/** compat's default bound on one request (WHEELWRIGHT_NETWORK_TIMEOUT overrides it). */
const COMPAT_TIMEOUT_MS = 30_000;

/** How a source reaches the network: the bound of one request and the source's retry deadline. */
export interface Net {
  timeoutMs: number;
  deadline: RetryDeadline;
}

/** A Net from the environment (WHEELWRIGHT_NETWORK_TIMEOUT, WHEELWRIGHT_RETRY_DEADLINE). */
export function netFor(env: NodeJS.ProcessEnv, timeoutMs = networkTimeoutMs(env, COMPAT_TIMEOUT_MS)): Net {
  return { timeoutMs, deadline: new RetryDeadline(env) };
}

function unreachable(label: string, err: unknown, url: string): CompatError {
  const timedOut = timeoutOf(err);
  if (timedOut) return new CompatError(`cannot read ${label}: ${timedOut.message}`, { hint: timeoutHint(timedOut.ms), cause: err });
  const exhausted = exhaustedOf(err);
  if (exhausted) return new CompatError(`cannot read ${label}: ${exhausted.message}`, { hint: retryHint(exhausted.deadline), cause: err });
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (err as Error).message;
  // The URL that failed; a label that is not its prefix (github:OWNER/NAME) is named too.
  const where = urlForMessage(url).startsWith(label) ? urlForMessage(url) : `${label} at ${urlForMessage(url)}`;
  return new CompatError(`cannot reach ${where}: ${why}`, {
    hint: 'check the URL and your network (or mirror), or use --from with a local directory',
    cause: err,
  });
}

function unknownVersion(version: string, label: string, known: string[]): CompatError {
  const available = known.length ? ` (available: ${known.slice(0, 8).join(', ')}${known.length > 8 ? ', …' : ''})` : ' (it has none)';
  return new CompatError(`no version set ${version} in ${label}${available}`, {
    field: 'VERSION',
    hint: `run \`release compat list --from ${label}\` to see the sets there`,
  });
}

/** Newest first: PEP 440 order, and code points (never the locale) for what is not a version. */
export function sortNewest(list: SetSummary[]): SetSummary[] {
  return list.sort((a, b) => {
    try {
      return compareVersions(b.version, a.version);
    } catch {
      return compareCodePoints(b.version, a.version);
    }
  });
}

/** PEP 440 equality (`0.3` is `0.3.0`); plain string equality for what is not a version. */
function sameVersion(a: string, b: string): boolean {
  const na = normalizeVersion(a);
  const nb = normalizeVersion(b);
  return na !== null && nb !== null ? compareVersions(na, nb) === 0 : a === b;
}

/** `_sets/index.json` as the index destination writes it. */
interface SetsIndexJson {
  schemaVersion: number;
  sets: Array<{ version: string; tag: string; commit: string | null; createdAt: string; path: string }>;
}

function parseSetsIndex(text: string, label: string): SetsIndexJson {
  let raw: SetsIndexJson;
  try {
    raw = JSON.parse(text) as SetsIndexJson;
    if (raw.schemaVersion !== 1 || !Array.isArray(raw.sets)) throw new Error('not a sets index (schemaVersion 1, sets[])');
  } catch (err) {
    throw new CompatError(`${label} is not a valid sets index: ${(err as Error).message}`, { file: label, hint: 'republish the index with `release publish --to index`' });
  }
  raw.sets.forEach((s, i) => {
    const problem = setPathProblem(s?.path);
    if (problem) {
      throw new CompatError(problem, {
        file: label,
        field: `sets.${i}.path`,
        hint: 'a set\'s path is relative names inside _sets/ (VERSION/versions.json); republish the index with `release publish --to index`',
      });
    }
  });
  return raw;
}

/**
 * A set's `path` comes from remote data and is joined to `_sets/`: it must be plain names separated by
 * `/`. No `..`, no absolute path, no backslash, and no percent-escape (a URL resolver reads `%2e%2e` as `..`).
 */
export function setPathProblem(p: unknown): string | null {
  if (typeof p !== 'string') return 'is not a string';
  if (p.startsWith('/')) return `${JSON.stringify(p)} is an absolute path`;
  if (p.includes('%')) return `${JSON.stringify(p)} contains a percent-escape`;
  for (const seg of p.split('/')) {
    const problem = plainNameProblem(seg);
    if (problem) return `has a segment that ${problem}`;
  }
  return null;
}

/** A local directory: an index tree with `_sets/`, or a flat directory with versions.json. */
export function directorySource(dir: string): SetSource {
  const label = dir;
  async function setsIndex(): Promise<SetsIndexJson | null> {
    const file = path.join(dir, SETS_DIR, 'index.json');
    const text = await readSetFile(file, true);
    return text === null ? null : parseSetsIndex(text, file);
  }
  async function flatSets(): Promise<Array<{ file: string; set: VersionSet }>> {
    const out: Array<{ file: string; set: VersionSet }> = [];
    const candidates = [path.join(dir, VERSIONS_FILE)];
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) candidates.push(path.join(dir, e.name, VERSIONS_FILE));
    }
    for (const file of candidates) {
      const text = await readSetFile(file, true);
      if (text !== null) out.push({ file, set: parseVersionSet(text, file) });
    }
    return out;
  }
  /** A file of the index: inside it (a listed path cannot leave it), regular, capped, UTF-8. */
  async function readSetFile(file: string, optional: boolean): Promise<string | null> {
    try {
      return await readUserFile(file, { kind: 'versionset', root: dir, optional });
    } catch (err) {
      throw new CompatError((err as Error).message, { file, hint: (err as { hint?: string }).hint ?? 'republish the index' });
    }
  }
  async function ensureDir(): Promise<void> {
    const st = await stat(dir).catch(() => null);
    if (!st?.isDirectory()) {
      throw new CompatError(`${dir} is not a directory`, { field: '--from', hint: 'pass an index directory, an index URL or github:OWNER/NAME' });
    }
  }
  return {
    label,
    async list() {
      await ensureDir();
      const idx = await setsIndex();
      if (idx) return sortNewest(idx.sets.map(({ version, tag, commit, createdAt }) => ({ version, tag, commit, createdAt })));
      return sortNewest((await flatSets()).map(({ set }) => ({ version: set.version, tag: set.tag, commit: set.commit, createdAt: set.createdAt })));
    },
    async get(version) {
      await ensureDir();
      const idx = await setsIndex();
      let found: { file: string; set: VersionSet } | undefined;
      if (idx) {
        const entry = idx.sets.find((s) => sameVersion(s.version, version));
        if (!entry) throw unknownVersion(version, label, idx.sets.map((s) => s.version));
        const file = path.join(dir, SETS_DIR, entry.path);
        const text = await readSetFile(file, true);
        if (text === null) throw new CompatError(`${file} is listed in ${SETS_DIR}/index.json but missing`, { file, hint: 'republish the index' });
        found = { file, set: parseVersionSet(text, file) };
      } else {
        const all = await flatSets();
        found = all.find(({ set }) => sameVersion(set.version, version));
        if (!found) throw unknownVersion(version, label, all.map(({ set }) => set.version));
      }
      if (!sameVersion(found.set.version, version)) {
        throw new CompatError(`${found.file} holds set ${found.set.version}, not ${version}`, { file: found.file, hint: 'the sets index was edited; republish it' });
      }
      await checkSetAgainstDir(found.set, dir);
      return found.set;
    },
  };
}

/** `token` is a GitHub token (Bearer), or a whole authorization header value (`Basic …`, from an index URL). */
async function httpGet(url: string, label: string, net: Net, accept?: string, token?: string): Promise<Response> {
  try {
    const headers: Record<string, string> = {};
    if (accept) headers.accept = accept;
    if (token) headers.authorization = token.startsWith('Basic ') ? token : `Bearer ${token}`;
    // The body is read within the same bound: a server that trickles is cut off like one that stalls.
    // fetch drops Authorization on a redirect to another origin, so a credential stays with its host.
    return await fetchWithRetry(url, { headers, redirect: 'follow' }, { timeoutMs: net.timeoutMs, deadline: net.deadline });
  } catch (err) {
    throw unreachable(label, err, url);
  }
}

/** JSON of a body that should be JSON: a CompatError naming the URL when it is not (an HTML login page, a cut-off body). */
function parseJsonFrom<T>(text: string, url: string, label: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new CompatError(`${urlForMessage(url)} is not ${what}: ${(err as Error).message}`, { file: label, hint: 'check the URL (a proxy or login page may answer in its place), then run the command again' });
  }
}

async function httpText(url: string, label: string, net: Net, accept?: string, auth?: string): Promise<string | null> {
  const res = await httpGet(url, label, net, accept, auth);
  if (res.status === 404) return null;
  if (!res.ok) throw new CompatError(`${urlForMessage(url)} answered ${res.status} ${res.statusText}`, { file: label, hint: 'check the index URL and that the server is up' });
  return res.text();
}

/** Hashes and sizes of a project's files from its PEP 691 page (or `index.json` on a static host). */
async function servedByIndex(base: string, project: string, label: string, net: Net, auth?: string): Promise<ServedFile[]> {
  const pageUrl = new URL(`${normalizeName(project)}/`, base).href;
  const res = await httpGet(pageUrl, label, net, 'application/vnd.pypi.simple.v1+json, application/json;q=0.9', auth);
  const negotiated = res.ok && /json/.test(res.headers.get('content-type') ?? '');
  const text = negotiated ? await res.text() : await httpText(new URL('index.json', pageUrl).href, label, net, undefined, auth);
  if (text === null) return [];
  let page: { files?: Array<{ filename: string; hashes?: Record<string, string>; size?: number }> };
  try {
    page = JSON.parse(text) as typeof page;
  } catch (err) {
    throw new CompatError(`${pageUrl} is not a PEP 691 JSON page: ${(err as Error).message}`, { file: label, hint: 'check the index URL (it must serve the PEP 691 JSON API or index.json files)' });
  }
  if (!page || typeof page !== 'object' || (page.files !== undefined && !Array.isArray(page.files))) {
    throw new CompatError(`${pageUrl} is not a PEP 691 JSON page (no files list)`, { file: label, hint: 'check the index URL' });
  }
  return (page.files ?? []).map((f) => ({ filename: f.filename, sha256: f.hashes?.sha256 ?? null, size: typeof f.size === 'number' ? f.size : null }));
}

/** An index over HTTP(S) that carries the `_sets/` tree next to its project pages. */
export function indexUrlSource(url: string, setDistribution?: string, net: Net = netFor({})): SetSource {
  // pip's form for a private index, https://user:password@host/simple/: sent as Basic auth, never printed.
  const { url: clean, authorization: auth } = splitUrlCredentials(url);
  const base = clean.endsWith('/') ? clean : `${clean}/`;
  const label = base;
  // PyPI (or a mirror) has no `_sets/`: the project's set distribution there carries the sets.
  let fallback: SetSource | null | undefined;
  async function setDistributionFallback(): Promise<SetSource | null> {
    if (fallback !== undefined) return fallback;
    if (!setDistribution || auth) return (fallback = null);
    const setsUrl = new URL(`${SETS_DIR}/index.json`, base).href;
    const res = await httpGet(setsUrl, label, net);
    await res.body?.cancel();
    return (fallback = res.status === 404 ? setDistributionSource(new URL(`${normalizeName(setDistribution)}/`, base).href, net) : null);
  }
  async function setsIndex(): Promise<SetsIndexJson> {
    const setsUrl = new URL(`${SETS_DIR}/index.json`, base).href;
    const text = await httpText(setsUrl, label, net, undefined, auth);
    if (text === null) {
      throw new CompatError(`${label} has no version sets (${setsUrl} is not there)`, {
        file: label,
        hint: 'version sets are published by `release publish --to index`; on a plain index (PyPI) use the set distribution\'s page, --from …/simple/NAME-release/, or --from github:OWNER/NAME',
      });
    }
    return parseSetsIndex(text, setsUrl);
  }
  return {
    label,
    async list() {
      const viaSetDistribution = await setDistributionFallback();
      if (viaSetDistribution) return viaSetDistribution.list();
      const idx = await setsIndex();
      return sortNewest(idx.sets.map(({ version, tag, commit, createdAt }) => ({ version, tag, commit, createdAt })));
    },
    async get(version) {
      const viaSetDistribution = await setDistributionFallback();
      if (viaSetDistribution) return viaSetDistribution.get(version);
      const idx = await setsIndex();
      const entry = idx.sets.find((s) => sameVersion(s.version, version));
      if (!entry) throw unknownVersion(version, label, idx.sets.map((s) => s.version));
      const setUrl = new URL(`${SETS_DIR}/${entry.path}`, base).href;
      const text = await httpText(setUrl, label, net, undefined, auth);
      if (text === null) throw new CompatError(`${setUrl} is listed but missing`, { file: setUrl, hint: 'republish the index' });
      const set = parseVersionSet(text, setUrl);
      const served = new Map<string, ServedFile>();
      for (const pkg of set.packages) for (const f of await servedByIndex(base, pkg.name, label, net, auth)) served.set(f.filename, f);
      checkSetAgainstFiles(set, served, label);
      return set;
    },
  };
}

/** A project page's files with their URLs (PEP 691 JSON, or `index.json` on a static host). */
async function projectFiles(pageUrl: string, label: string, net: Net): Promise<Array<{ filename: string; url: string; sha256: string | null }>> {
  const res = await httpGet(pageUrl, label, net, 'application/vnd.pypi.simple.v1+json, application/json;q=0.9');
  const negotiated = res.ok && /json/.test(res.headers.get('content-type') ?? '');
  const jsonUrl = negotiated ? pageUrl : new URL('index.json', pageUrl).href;
  const text = negotiated ? await res.text() : await httpText(jsonUrl, label, net);
  if (text === null) throw new CompatError(`${label} is not a project page (no PEP 691 JSON)`, { file: label, hint: 'point --from at https://HOST/simple/NAME-release/' });
  const page = parseJsonFrom<{ files?: Array<{ filename: string; url: string; hashes?: Record<string, string> }> } | null>(text, jsonUrl, label, 'a PEP 691 JSON page');
  if (!page || typeof page !== 'object' || (page.files !== undefined && !Array.isArray(page.files))) throw new CompatError(`${urlForMessage(jsonUrl)} is not a PEP 691 JSON page (no files list)`, { file: label, hint: 'point --from at https://HOST/simple/NAME-release/' });
  return (page.files ?? []).map((f) => ({ filename: f.filename, url: new URL(f.url, jsonUrl).href, sha256: f.hashes?.sha256 ?? null }));
}

/** versions.json and METADATA from one .dist-info of a set distribution's wheel (read from a temporary copy; nothing is installed). */
async function setFilesOfWheel(bytes: Buffer, label: string): Promise<{ versionsJson: string; metadata: string | null }> {
  const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
  const os = await import('node:os');
  const { openZip } = await import('../wheel/zip.js');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ww-setdist-'));
  try {
    const file = path.join(dir, 'set.whl');
    await writeFile(file, bytes);
    const zip = await openZip(file);
    try {
      const entry = zip.entries.find((e) => /^[^/]+\.dist-info\/versions\.json$/.test(e.name));
      if (!entry) throw new CompatError(`${label} holds no .dist-info/versions.json`, { file: label, hint: 'it is not a set distribution made by wheelwright' });
      const read = async (e: (typeof zip.entries)[number]) => {
        const chunks: Buffer[] = [];
        for await (const c of await zip.open(e)) chunks.push(c as Buffer);
        return Buffer.concat(chunks).toString('utf8');
      };
      const info = entry.name.slice(0, entry.name.indexOf('/'));
      const meta = zip.entries.find((e) => e.name === `${info}/METADATA`);
      return { versionsJson: await read(entry), metadata: meta ? await read(meta) : null };
    } finally {
      zip.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * What pip installs for the set distribution must be the set compat reports: every component pinned `==V`
 * in METADATA's Requires-Dist exactly as versions.json lists it, and nothing else.
 */
function checkPinsAgainstSet(metadata: string | null, set: VersionSet, label: string): void {
  const hint = 'the set distribution\'s METADATA and versions.json disagree: it was not made by `release verify`, or was changed; use another index or the GitHub release';
  if (metadata === null) throw new CompatError(`${label} has no METADATA next to its versions.json`, { file: label, hint });
  const headers = metadata.split(/\r?\n\r?\n/, 1)[0]!;
  const pins = new Map<string, string>();
  for (const m of headers.matchAll(/^Requires-Dist:[ \t]*(.*)$/gim)) {
    const pin = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*===?\s*([^\s;,]+)\s*$/.exec(m[1]!.trim());
    if (!pin) throw new CompatError(`${label} requires \`${m[1]!.trim()}\`, not a component pinned ==V`, { file: label, hint });
    pins.set(normalizeName(pin[1]!), pin[2]!);
  }
  const problems: string[] = [];
  for (const p of set.packages) {
    const pinned = pins.get(normalizeName(p.name));
    if (pinned === undefined) problems.push(`${p.name} is in versions.json but not in Requires-Dist`);
    else if (!sameVersion(pinned, p.version)) problems.push(`Requires-Dist pins ${p.name}==${pinned}, versions.json lists ${p.version}`);
    pins.delete(normalizeName(p.name));
  }
  for (const [name, v] of pins) problems.push(`Requires-Dist pins ${name}==${v}, which versions.json does not list`);
  if (problems.length) throw new CompatError(`${label}: ${problems.join('; ')}`, { file: label, hint });
}

/** The project page of a `<name>-release` set distribution: one wheel per set, each carrying versions.json. */
export function setDistributionSource(url: string, net: Net = netFor({})): SetSource {
  const pageUrl = url.endsWith('/') ? url : `${url}/`;
  const base = new URL('../', pageUrl).href;
  const label = pageUrl;
  // The project the page is for (`…/simple/acme-release/` → acme-release): a wheel of another name is not its set.
  const project = normalizeName(decodeURIComponent(new URL(pageUrl).pathname.split('/').filter(Boolean).pop() ?? ''));
  async function wheels() {
    const { parseWheelFilename } = await import('../wheel/filename.js');
    return (await projectFiles(pageUrl, label, net))
      .filter((f) => f.filename.endsWith('-py3-none-any.whl'))
      .map((f) => {
        const parsed = parseWheelFilename(f.filename);
        return { ...f, name: parsed.name, version: parsed.version };
      });
  }
  return {
    label,
    async list() {
      const own = (await wheels()).filter((w) => w.name === project);
      return sortNewest(own.map((w) => ({ version: w.version, tag: '', commit: null, createdAt: null })));
    },
    async get(version) {
      const all = await wheels();
      const own = all.filter((w) => w.name === project);
      const wheel = own.find((w) => sameVersion(w.version, version));
      if (!wheel) {
        const other = all.find((w) => sameVersion(w.version, version));
        if (other) {
          throw new CompatError(`${other.filename} on the page of ${project} is a wheel of ${other.name}, not of the set distribution ${project}`, {
            file: label,
            hint: 'the index lists a file under the wrong project; point --from at the set distribution\'s own page (https://HOST/simple/NAME-release/)',
          });
        }
        throw unknownVersion(version, label, own.map((w) => w.version));
      }
      const res = await httpGet(wheel.url, label, net);
      if (!res.ok) throw new CompatError(`${wheel.url} answered ${res.status} ${res.statusText}`, { file: label, hint: 'check the index and that the server is up' });
      const bytes = Buffer.from(await res.arrayBuffer());
      const { createHash } = await import('node:crypto');
      const digest = createHash('sha256').update(bytes).digest('hex');
      if (wheel.sha256 === null || wheel.sha256 !== digest) {
        throw new CompatError(`${wheel.filename} from ${label} does not match the sha256 its page lists (${wheel.sha256 ?? 'none'}, got ${digest})`, { file: wheel.url, hint: 'the index or a proxy changed the file; fetch again or use another mirror' });
      }
      const { versionsJson, metadata } = await setFilesOfWheel(bytes, wheel.url);
      const set = parseVersionSet(versionsJson, wheel.url);
      if (!sameVersion(set.version, version)) throw new CompatError(`${wheel.filename} carries the set of ${set.version}, not ${version}`, { file: wheel.url });
      checkPinsAgainstSet(metadata, set, wheel.url);
      const served = new Map<string, ServedFile>();
      for (const pkg of set.packages) for (const f of await servedByIndex(base, pkg.name, label, net)) served.set(f.filename, f);
      checkSetAgainstFiles(set, served, label);
      return set;
    },
  };
}

interface GithubAsset {
  id: number;
  name: string;
  size: number;
  digest?: string | null;
  url: string;
}
interface GithubRelease {
  tag_name: string;
  draft: boolean;
  created_at: string | null;
  published_at: string | null;
  target_commitish?: string;
  assets: GithubAsset[];
}

/** GitHub releases of OWNER/NAME: each release's `versions.json` asset. */
export function githubSource(repo: string, opts: SourceOptions): SetSource {
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) {
    throw new CompatError(`\`github:${repo}\` is not a repository`, { field: '--from', hint: 'write it as github:OWNER/NAME' });
  }
  const api = (opts.githubApiUrl ?? githubApiUrl(undefined, opts.env)).replace(/\/+$/, '');
  const token = opts.env.GITHUB_TOKEN || opts.env.GH_TOKEN || undefined;
  if (token) registerSecret(token);
  const label = `github:${repo}`;
  const net = netFor(opts.env);
  const prefix = opts.tagPrefix ?? 'v';
  const versionOfTag = (tag: string) => normalizeVersion(tag.startsWith(prefix) ? tag.slice(prefix.length) : tag.replace(/^v/, ''));

  async function json<T>(url: string): Promise<T> {
    const res = await httpGet(url, label, net, 'application/vnd.github+json', token);
    if (res.status === 404) throw new CompatError(`${label} not found at ${urlForMessage(url)}${res.url && res.url !== url ? ` (redirected to ${urlForMessage(res.url)})` : ''}`, { file: label, hint: 'check OWNER/NAME, the API URL (GITHUB_API_URL) and GITHUB_TOKEN for a private repository' });
    if (!res.ok) throw new CompatError(`${urlForMessage(url)} answered ${res.status} ${res.statusText}`, { file: label, hint: res.status === 401 || res.status === 403 ? 'set GITHUB_TOKEN to a token that can read the repository' : 'try again later' });
    const body = parseJsonFrom<T>(await res.text(), url, label, 'GitHub API JSON');
    if (!Array.isArray(body) && (body === null || typeof body !== 'object')) throw new CompatError(`${urlForMessage(url)} is not GitHub API JSON`, { file: label, hint: 'check the API URL (GITHUB_API_URL)' });
    return body;
  }
  async function releases(): Promise<GithubRelease[]> {
    const all: GithubRelease[] = [];
    for (let page = 1; page <= 20; page++) {
      const batch = await json<GithubRelease[]>(`${api}/repos/${repo}/releases?per_page=100&page=${page}`);
      all.push(...batch);
      if (batch.length < 100) break;
    }
    return all.filter((r) => !r.draft && r.assets.some((a) => a.name === VERSIONS_FILE));
  }
  return {
    label,
    async list() {
      return sortNewest(
        (await releases()).map((r) => ({ version: versionOfTag(r.tag_name) ?? r.tag_name, tag: r.tag_name, commit: null, createdAt: r.published_at ?? r.created_at })),
      );
    },
    async get(version) {
      const all = await releases();
      const rel = all.find((r) => sameVersion(versionOfTag(r.tag_name) ?? r.tag_name, version));
      if (!rel) throw unknownVersion(version, label, all.map((r) => versionOfTag(r.tag_name) ?? r.tag_name));
      const asset = rel.assets.find((a) => a.name === VERSIONS_FILE)!;
      // The token goes only to the API's own origin, whatever URL the listing names.
      const res = await httpGet(asset.url, label, net, 'application/octet-stream', sameOrigin(asset.url, api) ? token : undefined);
      if (!res.ok) throw new CompatError(`cannot download ${VERSIONS_FILE} of ${rel.tag_name}: ${res.status}`, { file: asset.url, hint: 'try again later' });
      const where = `${label} release ${rel.tag_name}`;
      const set = parseVersionSet(await res.text(), `${where} ${VERSIONS_FILE}`);
      const served = new Map<string, ServedFile>(
        rel.assets.map((a) => [a.name, { filename: a.name, size: a.size, sha256: a.digest?.startsWith('sha256:') ? a.digest.slice(7) : null }]),
      );
      checkSetAgainstFiles(set, served, where);
      return set;
    },
  };
}

/** Pick the source for `--from`: github:OWNER/NAME, http(s) URL, file:// URL or a directory. */
export function openSource(from: string, opts: SourceOptions): SetSource {
  if (from.startsWith('github:')) return githubSource(from.slice('github:'.length), opts);
  if (/^https?:\/\/.*-release\/?$/.test(from)) return setDistributionSource(from, netFor(opts.env));
  if (/^https?:\/\//.test(from)) return indexUrlSource(from, opts.setDistribution, netFor(opts.env));
  if (from.startsWith('file://')) return directorySource(fileURLToPath(from));
  return directorySource(path.resolve(opts.cwd, from));
}
