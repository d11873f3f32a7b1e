// `release verify --published VERSION`: the release checks itself after publishing. Every file the
// manifest lists is downloaded from PyPI (and, when asked, from the GitHub release), its size and sha256
// compared with the manifest, its PEP 740 provenance fetched from PyPI's integrity API and each attestation
// verified: Sigstore chain and transparency log against the trusted root, the signer being this repository's
// workflow at this release's tag, the subject being this file (docs/supply-chain.md §6).
import { createHash } from 'node:crypto';
import type { TrustedRoot } from '@sigstore/protobuf-specs';
import { SUMS_BUNDLE } from '../attest/pep740.js';
import { checkProvenance } from '../attest/provenance.js';

export { SUMS_BUNDLE };
import { BundleVerificationError, loadTrustedRoot, verifyBundle, type DsseBundleJson, type ExpectedIdentity } from '../attest/sigstore.js';
import type { BuiltArtifact, ReleaseManifest } from '../manifest.js';
import { exhaustedOf, fetchWithRetry, RetryDeadline, retryHint, sameOrigin, timeoutHint, timeoutOf, transferAllowanceMs, urlForMessage } from '../network.js';
import { redact } from '../secrets.js';
import { canonicalizeVersion, normalizeName } from '../version/pep440.js';

export type PublishedCode =
  | 'missing-on-index' // the index does not list the file
  | 'index-digest' // the index lists another sha256 or size than the manifest
  | 'content' // the downloaded bytes are not the manifest's
  | 'no-provenance' // PyPI has no attestation for the file
  | 'attestation' // an attestation that does not verify, or a wrong signer
  | 'subject' // an attestation over another file
  | 'missing-asset' // the GitHub release lacks the file
  | 'checksums' // SHA256SUMS disagrees with the manifest, or its signature does not verify
  | 'unreachable'; // the index or GitHub could not be read

export interface PublishedFinding {
  filename: string;
  where: 'pypi' | 'github';
  code: PublishedCode;
  message: string;
}

export interface PublishedFileResult {
  filename: string;
  sha256: string;
  size: number;
  pypi?: { ok: boolean; attestations: number; signer?: string };
  github?: { ok: boolean };
}

export interface PublishedReport {
  ok: boolean;
  version: string;
  identity: ExpectedIdentity;
  files: PublishedFileResult[];
  findings: PublishedFinding[];
}

export interface GithubSource {
  apiUrl: string;
  repository: string;
  token?: string;
}

export interface PublishedOptions {
  manifest: ReleaseManifest;
  /** Base of the JSON and integrity APIs, e.g. https://pypi.org/ ; no PyPI check when null. */
  indexUrl: string | null;
  identity: ExpectedIdentity;
  /** A trusted-root file; else WHEELWRIGHT_SIGSTORE_TRUSTED_ROOT, else Sigstore's public root via TUF. */
  trustedRootFile?: string;
  github?: GithubSource | null;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
  log?: (line: string) => void;
}

class FetchFailed extends Error {}

/**
 * One GET, the body read within the bound (a download of `size` bytes gets more time); 5xx and 429 are
 * asked again within the destination's retry deadline. fetch drops Authorization on a redirect to
 * another origin, so the GitHub token stays with the API's host.
 */
async function get(url: string, headers: Record<string, string>, timeoutMs: number, deadline: RetryDeadline, size = 0): Promise<Response> {
  try {
    return await fetchWithRetry(url, { headers: { 'user-agent': 'wheelwright', ...headers }, redirect: 'follow' }, { timeoutMs, extraMs: transferAllowanceMs(size), deadline });
  } catch (err) {
    const timedOut = timeoutOf(err);
    if (timedOut) throw new FetchFailed(`GET ${timedOut.message}; ${timeoutHint(timedOut.ms)}`);
    const exhausted = exhaustedOf(err);
    if (exhausted) throw new FetchFailed(`GET ${exhausted.message}; ${retryHint(exhausted.deadline)}`);
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new FetchFailed(`GET ${urlForMessage(url)}: ${cause?.code ?? cause?.message ?? (err as Error).message}; check the URL and the network, then run again`);
  }
}

/** The JSON of an answer, or FetchFailed naming the URL (an HTML login page, a body cut off). */
async function jsonOf<T>(res: Response, url: string): Promise<T> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as T;
    if (body === null || typeof body !== 'object') throw new Error('not an object');
    return body;
  } catch (err) {
    throw new FetchFailed(`GET ${urlForMessage(url)}: the answer is not JSON (${(err as Error).message}); check the URL (a proxy or login page may answer in its place)`);
  }
}

/** Lets go of an answer whose body is not needed: an unread body holds its socket, and the process, open. */
async function discard(res: Response): Promise<void> {
  await res.body?.cancel().catch(() => undefined);
}

// Node's fetch pools keep-alive sockets in undici's global dispatcher, shared between undici copies under this symbol.
const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

/**
 * Ends every connection fetch still holds, so the process exits as soon as its work is done instead of when the
 * servers hang up. A fresh dispatcher takes the old one's place for any later fetch in the same process.
 */
export async function closeConnections(): Promise<void> {
  const slot = globalThis as unknown as Record<symbol, { destroy?: () => Promise<void>; constructor: new () => unknown } | undefined>;
  const current = slot[GLOBAL_DISPATCHER];
  if (typeof current?.destroy !== 'function') return;
  slot[GLOBAL_DISPATCHER] = new current.constructor() as typeof current;
  await current.destroy().catch(() => undefined);
}

/** sha256 and size of a download, streamed. */
async function digestOf(res: Response): Promise<{ sha256: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  const reader = res.body?.getReader();
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      h.update(value);
      size += value.length;
    }
  }
  return { sha256: h.digest('hex'), size };
}

interface IndexFile {
  filename: string;
  url: string;
  sha256: string;
  size: number;
}

export async function verifyPublished(opts: PublishedOptions): Promise<PublishedReport> {
  const timeout = opts.timeoutMs ?? 120_000;
  const log = opts.log ?? (() => undefined);
  const m = opts.manifest;
  const findings: PublishedFinding[] = [];
  const add = (f: PublishedFinding) => findings.push({ ...f, message: redact(f.message) });
  const files: PublishedFileResult[] = m.built.map((b) => ({ filename: b.filename, sha256: b.sha256, size: b.size }));
  const byName = new Map(files.map((f) => [f.filename, f]));
  let root: TrustedRoot | null = null;

  // One retry deadline per destination (WHEELWRIGHT_RETRY_DEADLINE).
  const pypiDeadline = new RetryDeadline(opts.env);
  const githubDeadline = new RetryDeadline(opts.env);

  if (opts.indexUrl) {
    root = await loadTrustedRoot(opts.env, opts.trustedRootFile);
    const base = opts.indexUrl.endsWith('/') ? opts.indexUrl : `${opts.indexUrl}/`;
    const byPackage = new Map<string, BuiltArtifact[]>();
    for (const b of m.built) byPackage.set(b.package, [...(byPackage.get(b.package) ?? []), b]);
    for (const [pkg, built] of byPackage) {
      const project = normalizeName(pkg);
      let listed: Map<string, IndexFile>;
      const jsonUrl = new URL(`pypi/${project}/${m.version}/json`, base).href;
      try {
        const res = await get(jsonUrl, { accept: 'application/json' }, timeout, pypiDeadline);
        if (res.status !== 200) await discard(res);
        if (res.status === 404) listed = new Map();
        else if (res.status !== 200) throw new FetchFailed(`${project} ${m.version}: GET ${urlForMessage(jsonUrl)} answered ${res.status} ${res.statusText}; check --index-url`);
        else {
          const body = await jsonOf<{ urls?: Array<{ filename: string; url: string; digests: { sha256: string }; size: number }> }>(res, jsonUrl);
          if (!Array.isArray(body.urls ?? [])) throw new FetchFailed(`GET ${urlForMessage(jsonUrl)}: no urls list; check --index-url`);
          listed = new Map((body.urls ?? []).map((u) => [u.filename, { filename: u.filename, url: u.url, sha256: u.digests?.sha256, size: u.size }]));
        }
      } catch (err) {
        for (const b of built) add({ filename: b.filename, where: 'pypi', code: 'unreachable', message: (err as Error).message });
        continue;
      }
      for (const b of built) {
        const result = byName.get(b.filename)!;
        result.pypi = { ok: false, attestations: 0 };
        const before = findings.length;
        await checkOnIndex(b, listed.get(b.filename), project);
        result.pypi.ok = findings.length === before;
      }
    }

    async function checkOnIndex(b: BuiltArtifact, entry: IndexFile | undefined, project: string): Promise<void> {
      const result = byName.get(b.filename)!;
      if (!entry) return void add({ filename: b.filename, where: 'pypi', code: 'missing-on-index', message: `${b.filename} is not on the index for ${project} ${m.version}` });
      if (entry.sha256 !== b.sha256 || entry.size !== b.size) {
        add({ filename: b.filename, where: 'pypi', code: 'index-digest', message: `the index lists ${b.filename} with sha256 ${entry.sha256} (${entry.size} bytes); the manifest has ${b.sha256} (${b.size} bytes)` });
      }
      try {
        const res = await get(new URL(entry.url, base).href, {}, timeout, pypiDeadline, b.size);
        if (res.status !== 200) {
          await discard(res);
          throw new FetchFailed(`downloading ${b.filename}: ${res.status}`);
        }
        const got = await digestOf(res);
        if (got.sha256 !== b.sha256 || got.size !== b.size) {
          add({ filename: b.filename, where: 'pypi', code: 'content', message: `the bytes served for ${b.filename} have sha256 ${got.sha256} (${got.size} bytes); the manifest has ${b.sha256} (${b.size} bytes)` });
        }
      } catch (err) {
        add({ filename: b.filename, where: 'pypi', code: 'unreachable', message: (err as Error).message });
      }
      const checked = await checkProvenance({ indexBase: base, project, version: m.version, filename: b.filename, sha256: b.sha256, root: root!, identity: opts.identity, timeoutMs: timeout });
      for (const p of checked.problems) add({ filename: b.filename, where: 'pypi', code: p.code, message: p.message });
      result.pypi!.attestations = checked.verified;
      if (checked.signer) result.pypi!.signer = checked.signer;
      log(`pypi: ${b.filename}: ${result.pypi!.attestations} attestation(s) checked`);
    }
  }

  if (opts.github) await checkGithub(opts.github);

  async function checkGithub(gh: GithubSource): Promise<void> {
    const headers: Record<string, string> = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', ...(gh.token ? { authorization: `Bearer ${gh.token}` } : {}) };
    const api = gh.apiUrl.replace(/\/+$/, '');
    let assets: Array<{ name: string; url: string; size: number }>;
    const releaseUrl = `${api}/repos/${gh.repository}/releases/tags/${encodeURIComponent(m.tag)}`;
    try {
      const res = await get(releaseUrl, headers, timeout, githubDeadline);
      if (res.status !== 200) {
        await discard(res);
        throw new FetchFailed(`GitHub release ${m.tag} of ${gh.repository}: GET ${urlForMessage(releaseUrl)}${res.url && res.url !== releaseUrl ? ` (redirected to ${urlForMessage(res.url)})` : ''} answered ${res.status} ${res.statusText}; check the repository, the API URL and GITHUB_TOKEN`);
      }
      const body = await jsonOf<{ assets?: unknown }>(res, releaseUrl);
      if (!Array.isArray(body.assets)) throw new FetchFailed(`GET ${urlForMessage(releaseUrl)}: no assets list; check the API URL`);
      assets = body.assets as Array<{ name: string; url: string; size: number }>;
    } catch (err) {
      return void add({ filename: m.tag, where: 'github', code: 'unreachable', message: (err as Error).message });
    }
    const named = new Map(assets.map((a) => [a.name, a]));
    const download = async (name: string): Promise<Response> => {
      const assetUrl = named.get(name)!.url;
      // The token goes only to the API's own origin, whatever URL the listing names.
      const { authorization: _token, ...anonymous } = headers;
      const sent = sameOrigin(assetUrl, api) ? headers : anonymous;
      const res = await get(assetUrl, { ...sent, accept: 'application/octet-stream' }, timeout, githubDeadline, m.built.find((b) => b.filename === name)?.size);
      if (res.status !== 200) {
        await discard(res);
        throw new FetchFailed(`downloading the asset ${name}: ${res.status}`);
      }
      return res;
    };
    for (const b of m.built) {
      const result = byName.get(b.filename)!;
      const before = findings.length;
      if (!named.has(b.filename)) add({ filename: b.filename, where: 'github', code: 'missing-asset', message: `the GitHub release ${m.tag} has no asset ${b.filename}` });
      else {
        try {
          const got = await digestOf(await download(b.filename));
          if (got.sha256 !== b.sha256 || got.size !== b.size) {
            add({ filename: b.filename, where: 'github', code: 'content', message: `the asset ${b.filename} has sha256 ${got.sha256} (${got.size} bytes); the manifest has ${b.sha256} (${b.size} bytes)` });
          }
        } catch (err) {
          add({ filename: b.filename, where: 'github', code: 'unreachable', message: (err as Error).message });
        }
      }
      result.github = { ok: findings.length === before };
    }
    if (!named.has('SHA256SUMS')) return void add({ filename: 'SHA256SUMS', where: 'github', code: 'missing-asset', message: `the GitHub release ${m.tag} has no SHA256SUMS` });
    try {
      const sums = Buffer.from(await (await download('SHA256SUMS')).arrayBuffer());
      for (const problem of checkSums(sums.toString('utf8'), m.built)) add({ filename: 'SHA256SUMS', where: 'github', code: 'checksums', message: problem });
      if (!named.has(SUMS_BUNDLE)) return void add({ filename: SUMS_BUNDLE, where: 'github', code: 'missing-asset', message: `the GitHub release ${m.tag} has no ${SUMS_BUNDLE} (the signature of SHA256SUMS)` });
      const bundle = (await (await download(SUMS_BUNDLE)).json()) as DsseBundleJson;
      root ??= await loadTrustedRoot(opts.env, opts.trustedRootFile);
      const v = verifyBundle(bundle, root, opts.identity);
      const subj = v.statement.subject?.[0];
      if (v.statement.subject?.length !== 1 || subj?.name !== 'SHA256SUMS' || subj.digest?.sha256 !== createHash('sha256').update(sums).digest('hex')) {
        add({ filename: 'SHA256SUMS', where: 'github', code: 'checksums', message: `${SUMS_BUNDLE} signs another file than this SHA256SUMS` });
      }
    } catch (err) {
      const code: PublishedCode = err instanceof BundleVerificationError ? 'checksums' : 'unreachable';
      add({ filename: 'SHA256SUMS', where: 'github', code, message: `SHA256SUMS: ${(err as Error).message}` });
    }
  }

  return { ok: findings.length === 0, version: m.version, identity: opts.identity, files, findings };
}

/** Findings that PyPI's CDN lag explains right after an upload (the file or its provenance not listed yet, a timeout). */
const LAG: ReadonlySet<PublishedCode> = new Set(['missing-on-index', 'no-provenance', 'unreachable']);

/**
 * Whether a report fails only on findings that another look, later, could clear. Only PyPI's: GitHub's API
 * answers from the release the publish job just made, so its unreachable (a 401, 403 or 404) is a real finding.
 */
export function onlyLag(r: PublishedReport): boolean {
  return !r.ok && r.findings.every((f) => f.where === 'pypi' && LAG.has(f.code));
}

/** Pauses between looks: 10 s doubling to at most 60 s. */
export const RECHECK_DELAYS_MS = [10_000, 20_000, 40_000, 60_000];

/**
 * verifyPublished, looked at again while the only findings are lag (a file, or its attestation, not on PyPI's CDN
 * yet) and `waitMs` has not run out; a hard finding (bytes, digest, signer, subject, checksums) ends it at once.
 */
export async function verifyPublishedWaiting(
  opts: PublishedOptions,
  waitMs: number,
  o: { delaysMs?: number[]; sleep?: (ms: number) => Promise<void>; now?: () => number } = {},
): Promise<PublishedReport & { looks: number }> {
  const delays = o.delaysMs ?? RECHECK_DELAYS_MS;
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now() + waitMs;
  for (let look = 1; ; look++) {
    const report = await verifyPublished(opts);
    const left = deadline - now();
    if (!onlyLag(report) || left <= 0) return { ...report, looks: look };
    const pause = Math.min(delays[Math.min(look - 1, delays.length - 1)]!, left);
    const codes = [...new Set(report.findings.map((f) => f.code))].join(', ');
    opts.log?.(`${report.findings.length} finding(s) that PyPI's CDN lag explains (${codes}): looking again in ${Math.ceil(pause / 1000)} s (${Math.ceil(left / 1000)} s left)`);
    await sleep(pause);
  }
}

/** `90s`, `10m`, `1h` or plain seconds, as milliseconds; null when unreadable. */
export function parseWait(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h)?$/.exec(text.trim());
  if (!m) return null;
  return Math.round(Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 's' | 'm' | 'h']);
}

/** SHA256SUMS (`<sha256>  <filename>` lines) against the manifest's files: every file listed, with its digest. */
export function checkSums(text: string, built: BuiltArtifact[]): string[] {
  const listed = new Map<string, string>();
  for (const line of text.split('\n')) {
    const mm = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim());
    if (mm) listed.set(mm[2]!, mm[1]!);
  }
  const problems: string[] = [];
  for (const b of built) {
    const sha = listed.get(b.filename);
    if (!sha) problems.push(`SHA256SUMS does not list ${b.filename}`);
    else if (sha !== b.sha256) problems.push(`SHA256SUMS gives ${b.filename} sha256 ${sha}; the manifest has ${b.sha256}`);
  }
  return problems;
}

/** The version asked for is the manifest's. */
export function sameVersion(a: string, b: string): boolean {
  return (canonicalizeVersion(a) ?? a) === (canonicalizeVersion(b) ?? b);
}

/** Human lines for the report. */
export function publishedText(r: PublishedReport): string {
  const lines = [`published release ${r.version}: ${r.files.length} file(s), signer ${r.identity.repository} ${r.identity.workflow}${r.identity.ref ? ` @ ${r.identity.ref}` : ''}`];
  for (const f of r.findings) lines.push(`  ${f.where}: ${f.code}: ${f.message}`);
  lines.push(r.ok ? 'every file matches the manifest and every attestation verifies' : `${r.findings.length} problem(s)`);
  return lines.join('\n');
}
