/**
 * A local GitHub REST server for releases, assets and pull requests (PROTOCOLS.md §7), on 127.0.0.1.
 *
 *   const gh = await startGithubServer({ owner: 'acme', repo: 'demo', token: 'ghs_test' });
 *   gh.apiUrl      // http://127.0.0.1:PORT          (the REST base URL, like https://api.github.com)
 *   gh.uploadUrl   // http://127.0.0.1:OTHER_PORT    (the upload host, like https://uploads.github.com)
 *   gh.inject({ kind: 'status', status: 502, route: 'upload-asset', starter: true });
 *   gh.state()     // { releases: [...{ assets: [{ name, size, digest, state, sha256 }] }], pulls: [...] }
 *   gh.history()   // every request and every change, in order (see GithubEvent)
 *   gh.setLatency(20) // answer every request 20 ms late (e.g. to kill a client mid-publish)
 *   await gh.close()
 *
 * What it enforces, as GitHub does:
 * - Auth: `Authorization: Bearer T` or `token T`; anything else is 401 "Bad credentials". With
 *   `token: null` every request is accepted.
 * - Releases: create is 201; a *published* release already holding the tag gives 422 `already_exists`
 *   (drafts do not hold the tag, so GitHub lets a second draft with the same tag be created — a client
 *   that re-sends a create after an ambiguous failure makes a duplicate draft; `state()` shows it).
 *   `make_latest` must be the string "true", "false" or "legacy". List shows drafts (the token has push
 *   access); get-by-tag finds published releases only (a draft is 404). PATCH `{draft:false}` publishes.
 * - Assets: uploaded on the upload host through the release's `upload_url`
 *   (`…/releases/{id}/assets{?name,label}`), raw body, Content-Length and Content-Type required; 201
 *   with `digest: "sha256:<hex>"`. Names are renamed as GitHub does (characters outside
 *   `[A-Za-z0-9._-]` become `.`, a leading dot gets `default` in front, trailing dots are dropped).
 *   A duplicate name gives 422 with the body recorded in @octokit/fixtures (release-assets-conflict).
 *   `immutable: true` makes a published release refuse asset changes with 422.
 *   `GET …/releases/assets/{id}` with `Accept: application/octet-stream` returns the bytes.
 * - Pull requests: POST/GET `/repos/{o}/{r}/pulls` (422 when an open PR has the same head and base).
 *
 * Faults (`inject`), each consumed by the first matching request (`route`, default any; `times`, default 1):
 * - `drop`: read part of the body, then destroy the connection (nothing is stored).
 * - `status`: answer `status` (500/502/503…) without doing anything; with `starter: true` on an upload
 *   a 502 leaves an empty asset in state `starter` under that name, as GitHub sometimes does.
 * - `rate-limit`: 429, or 403 with the "secondary rate limit" message, and `Retry-After: retryAfter`.
 * - `hang`: never answer (the client must time out); the request is not processed.
 * - `crash`: the server dies in the middle of the request's body (every socket destroyed, both ports
 *   closed, nothing stored) and comes back on the same ports with its state after `downMs` (300).
 * - `store-then-fail`: do the work, then answer `status` (default 500), or drop the connection with `drop: true`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export type GithubRoute =
  | 'get-repo'
  | 'list-releases'
  | 'create-release'
  | 'get-release'
  | 'get-release-by-tag'
  | 'get-latest-release'
  | 'update-release'
  | 'delete-release'
  | 'list-assets'
  | 'get-asset'
  | 'update-asset'
  | 'delete-asset'
  | 'upload-asset'
  | 'create-pull'
  | 'list-pulls'
  | 'create-attestation'
  | 'list-attestations';

export type GithubFault =
  | { kind: 'drop'; route?: GithubRoute; times?: number }
  | { kind: 'status'; status: number; route?: GithubRoute; times?: number; starter?: boolean }
  | { kind: 'rate-limit'; status?: 403 | 429; retryAfter?: number; route?: GithubRoute; times?: number }
  | { kind: 'hang'; route?: GithubRoute; times?: number }
  | { kind: 'crash'; downMs?: number; route?: GithubRoute; times?: number }
  | { kind: 'store-then-fail'; status?: number; drop?: boolean; route?: GithubRoute; times?: number };

export interface GithubServerOptions {
  owner?: string;
  repo?: string;
  /** The accepted token; null accepts any request. Default `ghs_testtoken000000000000000000000000`. */
  token?: string | null;
  /** Releases become immutable once published (the repository setting). */
  immutable?: boolean;
  /** Wait this long before answering each request (so a test can kill a client mid-publish). */
  latencyMs?: number;
  /**
   * Serve as GitHub Enterprise Server does: the API under `/api/v3` (apiUrl ends with it) and uploads
   * under `/api/uploads` on the upload port.
   */
  enterprise?: boolean;
  /** false: answer `digest: null` for every asset, as GitHub did before it computed digests. */
  digests?: boolean;
}

export interface ServerAsset {
  id: number;
  name: string;
  label: string | null;
  state: 'uploaded' | 'starter';
  size: number;
  digest: string | null;
  content_type: string;
  sha256: string;
}

export interface ServerRelease {
  id: number;
  tag_name: string;
  target_commitish: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  make_latest: string | null;
  immutable: boolean;
  created_at: string;
  published_at: string | null;
  assets: ServerAsset[];
}

export interface ServerPull {
  number: number;
  title: string;
  body: string | null;
  head: string;
  base: string;
  draft: boolean;
  state: 'open' | 'closed';
}

export type GithubEvent =
  | { type: 'request'; seq: number; method: string; path: string; route: GithubRoute | null; status: number | 'dropped' | 'hung'; fault?: GithubFault['kind'] }
  | { type: 'release-created'; seq: number; releaseId: number; tag: string; draft: boolean }
  | { type: 'release-updated'; seq: number; releaseId: number; changes: Record<string, unknown> }
  /** `assets` is what the release held at the moment it became public. */
  | { type: 'release-published'; seq: number; releaseId: number; tag: string; assets: Array<{ name: string; size: number; sha256: string; state: string }> }
  | { type: 'release-deleted'; seq: number; releaseId: number }
  | { type: 'asset-uploaded'; seq: number; releaseId: number; assetId: number; name: string; size: number; state: string }
  | { type: 'asset-deleted'; seq: number; releaseId: number; assetId: number; name: string }
  | { type: 'pull-created'; seq: number; number: number; head: string; base: string }
  | { type: 'attestation-created'; seq: number; id: number; subjects: string[] };

/** An artifact attestation (POST /repos/{o}/{r}/attestations): the Sigstore bundle and its subjects' digests. */
export interface ServerAttestation {
  id: number;
  bundle: Record<string, unknown>;
  /** `sha256:<hex>` of each subject of the bundle's in-toto statement. */
  subjects: string[];
}

export interface GithubServer {
  apiUrl: string;
  uploadUrl: string;
  owner: string;
  repo: string;
  token: string | null;
  close(): Promise<void>;
  inject(fault: GithubFault): void;
  /** Faults not yet consumed. */
  pending(): GithubFault[];
  /** Drop every fault not yet consumed. */
  clearFaults(): void;
  state(): { releases: ServerRelease[]; pulls: ServerPull[]; attestations: ServerAttestation[] };
  history(): GithubEvent[];
  /** Count of faults that fired. */
  faultsFired(): number;
  setLatency(ms: number): void;
}

const DOCS = 'https://docs.github.com/rest';

/** The 422 body GitHub sent for a duplicate asset name, as recorded in @octokit/fixtures. */
function recordedConflictBody(): unknown {
  const file = path.resolve(
    import.meta.dirname,
    '../../node_modules/@octokit/fixtures/scenarios/api.github.com/release-assets-conflict/normalized-fixture.json',
  );
  const entries = JSON.parse(readFileSync(file, 'utf8')) as Array<{ method: string; status: number; response: unknown }>;
  const hit = entries.find((e) => e.method === 'post' && e.status === 422);
  if (!hit) throw new Error(`no 422 upload in ${file}`);
  return hit.response;
}

/** GitHub's renaming of asset names with special characters or leading/trailing dots. */
export function githubAssetName(name: string): string {
  let out = name.replace(/[^A-Za-z0-9._-]/g, '.');
  if (out.startsWith('.')) out = `default${out}`;
  return out.replace(/\.+$/, '');
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Bytes instead of JSON (asset download). */
  raw?: Buffer;
}

interface Matched {
  route: GithubRoute;
  params: Record<string, string>;
}

const API_ROUTES: Array<[string, RegExp, GithubRoute]> = [
  ['GET', /^\/repos\/([^/]+)\/([^/]+)$/, 'get-repo'],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/releases$/, 'list-releases'],
  ['POST', /^\/repos\/([^/]+)\/([^/]+)\/releases$/, 'create-release'],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/releases\/latest$/, 'get-latest-release'],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/releases\/tags\/(.+)$/, 'get-release-by-tag'],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/releases\/assets\/(\d+)$/, 'get-asset'],
  ['PATCH', /^\/repos\/([^/]+)\/([^/]+)\/releases\/assets\/(\d+)$/, 'update-asset'],
  ['DELETE', /^\/repos\/([^/]+)\/([^/]+)\/releases\/assets\/(\d+)$/, 'delete-asset'],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/releases\/(\d+)$/, 'get-release'],
  ['PATCH', /^\/repos\/([^/]+)\/([^/]+)\/releases\/(\d+)$/, 'update-release'],
  ['DELETE', /^\/repos\/([^/]+)\/([^/]+)\/releases\/(\d+)$/, 'delete-release'],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/releases\/(\d+)\/assets$/, 'list-assets'],
  ['POST', /^\/repos\/([^/]+)\/([^/]+)\/pulls$/, 'create-pull'],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/pulls$/, 'list-pulls'],
  ['POST', /^\/repos\/([^/]+)\/([^/]+)\/attestations$/, 'create-attestation'],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/attestations\/([^/]+)$/, 'list-attestations'],
];
const UPLOAD_ROUTE = /^\/repos\/([^/]+)\/([^/]+)\/releases\/(\d+)\/assets$/;

function match(method: string, pathname: string, upload: boolean): Matched | null {
  if (upload) {
    const m = method === 'POST' ? UPLOAD_ROUTE.exec(pathname) : null;
    return m ? { route: 'upload-asset', params: { owner: m[1]!, repo: m[2]!, id: m[3]! } } : null;
  }
  for (const [verb, re, route] of API_ROUTES) {
    const m = verb === method ? re.exec(pathname) : null;
    if (m) return { route, params: { owner: m[1]!, repo: m[2]!, id: decodeURIComponent(m[3] ?? '') } };
  }
  return null;
}

export async function startGithubServer(opts: GithubServerOptions = {}): Promise<GithubServer> {
  const owner = opts.owner ?? 'acme';
  const repo = opts.repo ?? 'demo';
  const token = opts.token === undefined ? 'ghs_testtoken000000000000000000000000' : opts.token;
  const conflictBody = recordedConflictBody();
  const releases: ServerRelease[] = [];
  const blobs = new Map<number, Buffer>();
  const pulls: ServerPull[] = [];
  const attestations: ServerAttestation[] = [];
  const faults: Array<GithubFault & { left: number }> = [];
  const events: GithubEvent[] = [];
  let seq = 0;
  let nextId = 1000;
  let fired = 0;
  let latency = opts.latencyMs ?? 0;
  const sockets = new Set<import('node:net').Socket>();
  let apiUrl = '';
  let uploadUrl = '';

  const log = (e: Record<string, unknown> & { type: GithubEvent['type'] }) => events.push({ ...e, seq: ++seq } as GithubEvent);
  const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const base = () => `${apiUrl}/repos/${owner}/${repo}`;

  const assetJson = (r: ServerRelease, a: ServerAsset) => ({
    url: `${base()}/releases/assets/${a.id}`,
    id: a.id,
    node_id: `RA_${a.id}`,
    name: a.name,
    label: a.label,
    uploader: { login: 'github-actions[bot]', id: 41898282, type: 'Bot' },
    content_type: a.content_type,
    state: a.state,
    size: a.size,
    digest: opts.digests === false ? null : a.digest,
    download_count: 0,
    created_at: r.created_at,
    updated_at: r.created_at,
    browser_download_url: `https://github.invalid/${owner}/${repo}/releases/download/${r.tag_name}/${a.name}`,
  });
  const releaseJson = (r: ServerRelease) => ({
    url: `${base()}/releases/${r.id}`,
    assets_url: `${base()}/releases/${r.id}/assets`,
    upload_url: `${uploadUrl}/repos/${owner}/${repo}/releases/${r.id}/assets{?name,label}`,
    html_url: r.draft
      ? `https://github.invalid/${owner}/${repo}/releases/tag/untagged-${r.id}`
      : `https://github.invalid/${owner}/${repo}/releases/tag/${r.tag_name}`,
    id: r.id,
    node_id: `RE_${r.id}`,
    tag_name: r.tag_name,
    target_commitish: r.target_commitish,
    name: r.name,
    draft: r.draft,
    prerelease: r.prerelease,
    immutable: r.immutable,
    created_at: r.created_at,
    published_at: r.published_at,
    author: { login: 'github-actions[bot]', id: 41898282, type: 'Bot' },
    assets: r.assets.map((a) => assetJson(r, a)),
    tarball_url: `${base()}/tarball/${r.tag_name}`,
    zipball_url: `${base()}/zipball/${r.tag_name}`,
    body: r.body,
  });

  const takeFault = (route: GithubRoute | null): GithubFault | null => {
    const i = faults.findIndex((f) => !f.route || f.route === route);
    if (i < 0) return null;
    const f = faults[i]!;
    f.left -= 1;
    if (f.left <= 0) faults.splice(i, 1);
    fired += 1;
    const { left: _left, ...fault } = f;
    return fault as GithubFault;
  };

  function send(res: http.ServerResponse, r: Reply) {
    if (r.raw) {
      res.writeHead(r.status, { 'content-type': 'application/octet-stream', 'content-length': String(r.raw.length) });
      res.end(r.raw);
      return;
    }
    const text = r.body === undefined ? '' : JSON.stringify(r.body);
    res.writeHead(r.status, {
      'content-type': 'application/json; charset=utf-8',
      'x-github-media-type': 'github.v3; format=json',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-ratelimit-resource': 'core',
      'content-length': String(Buffer.byteLength(text)),
      ...r.headers,
    });
    res.end(text);
  }
  const reply = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({ status, body, headers });
  const notFound = (): Reply => reply(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
  const validation = (errors: unknown[], message = 'Validation Failed'): Reply =>
    reply(422, { message, errors, documentation_url: DOCS, status: '422' });

  function findRelease(id: string): ServerRelease | undefined {
    return releases.find((r) => String(r.id) === id);
  }
  function findAsset(id: string): { release: ServerRelease; asset: ServerAsset } | undefined {
    for (const release of releases) {
      const asset = release.assets.find((a) => String(a.id) === id);
      if (asset) return { release, asset };
    }
    return undefined;
  }
  function publishedSnapshot(r: ServerRelease) {
    return r.assets.map((a) => ({ name: a.name, size: a.size, sha256: a.sha256, state: a.state }));
  }

  function paginate(url: URL, items: unknown[]): Reply {
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const headers: Record<string, string> = {};
    if (page < last) {
      const link = (p: number) => {
        const u = new URL(url.toString(), apiUrl);
        u.searchParams.set('page', String(p));
        u.searchParams.set('per_page', String(perPage));
        return `${apiUrl}${u.pathname}${u.search}`;
      };
      headers.link = `<${link(page + 1)}>; rel="next", <${link(last)}>; rel="last"`;
    }
    return reply(200, slice, headers);
  }

  /** Apply a request to the state and return the answer (store-then-fail applies it and discards the answer). */
  function handle(m: Matched, req: http.IncomingMessage, url: URL, body: Buffer): Reply {
    const json = (): Record<string, unknown> | null => {
      if (body.length === 0) return {};
      try {
        const v = JSON.parse(body.toString('utf8')) as unknown;
        return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
      } catch {
        return null;
      }
    };
    const problemsParsing = (): Reply => ({ status: 400, body: { message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' } });
    switch (m.route) {
      case 'get-repo':
        return reply(200, { id: 1, name: repo, full_name: `${owner}/${repo}`, private: false, permissions: { admin: false, push: true, pull: true } });
      case 'list-releases': {
        const sorted = [...releases].sort((a, b) => b.id - a.id).map(releaseJson);
        return paginate(url, sorted);
      }
      case 'get-latest-release': {
        const latest = [...releases].filter((r) => !r.draft && !r.prerelease).sort((a, b) => b.id - a.id)[0];
        if (!latest) return notFound();
        return reply(200, releaseJson(latest));
      }
      case 'get-release-by-tag': {
        const r = releases.find((x) => !x.draft && x.tag_name === m.params.id);
        if (!r) return notFound();
        return reply(200, releaseJson(r));
      }
      case 'get-release': {
        const r = findRelease(m.params.id!);
        if (!r) return notFound();
        return reply(200, releaseJson(r));
      }
      case 'create-release': {
        const b = json();
        if (!b) return problemsParsing();
        if (typeof b.tag_name !== 'string' || !b.tag_name) {
          return validation([{ resource: 'Release', code: 'missing_field', field: 'tag_name' }]);
        }
        if (b.make_latest !== undefined && !['true', 'false', 'legacy'].includes(b.make_latest as string)) {
          return validation([{ resource: 'Release', code: 'invalid', field: 'make_latest' }]);
        }
        if (typeof b.body === 'string' && b.body.length > 125_000) {
          return validation([{ resource: 'Release', code: 'custom', field: 'body', message: 'body is too long (maximum is 125000 characters)' }]);
        }
        if (releases.some((r) => !r.draft && r.tag_name === b.tag_name)) {
          return validation([{ resource: 'Release', code: 'already_exists', field: 'tag_name' }]);
        }
        const draft = b.draft === true;
        const r: ServerRelease = {
          id: nextId++,
          tag_name: b.tag_name,
          target_commitish: typeof b.target_commitish === 'string' ? b.target_commitish : 'main',
          name: typeof b.name === 'string' ? b.name : null,
          body: typeof b.body === 'string' ? b.body : null,
          draft,
          prerelease: b.prerelease === true,
          make_latest: typeof b.make_latest === 'string' ? b.make_latest : null,
          immutable: false,
          created_at: now(),
          published_at: draft ? null : now(),
          assets: [],
        };
        releases.push(r);
        log({ type: 'release-created', releaseId: r.id, tag: r.tag_name, draft });
        if (!draft) {
          r.immutable = opts.immutable === true;
          log({ type: 'release-published', releaseId: r.id, tag: r.tag_name, assets: [] });
        }
        return reply(201, releaseJson(r), { location: `${base()}/releases/${r.id}` });
      }
      case 'update-release': {
        const r = findRelease(m.params.id!);
        if (!r) return notFound();
        const b = json();
        if (!b) return problemsParsing();
        if (b.make_latest !== undefined && !['true', 'false', 'legacy'].includes(b.make_latest as string)) {
          return validation([{ resource: 'Release', code: 'invalid', field: 'make_latest' }]);
        }
        const tag = typeof b.tag_name === 'string' ? b.tag_name : r.tag_name;
        const publishing = r.draft && b.draft === false;
        if (publishing && releases.some((x) => x !== r && !x.draft && x.tag_name === tag)) {
          return validation([{ resource: 'Release', code: 'already_exists', field: 'tag_name' }]);
        }
        for (const k of ['tag_name', 'target_commitish', 'name', 'body', 'make_latest'] as const) {
          if (typeof b[k] === 'string') (r as unknown as Record<string, unknown>)[k] = b[k];
        }
        if (typeof b.prerelease === 'boolean') r.prerelease = b.prerelease;
        if (typeof b.draft === 'boolean' && !(b.draft === true && !r.draft)) r.draft = b.draft;
        log({ type: 'release-updated', releaseId: r.id, changes: b });
        if (publishing) {
          r.published_at = now();
          r.immutable = opts.immutable === true;
          log({ type: 'release-published', releaseId: r.id, tag: r.tag_name, assets: publishedSnapshot(r) });
        }
        return reply(200, releaseJson(r));
      }
      case 'delete-release': {
        const i = releases.findIndex((x) => String(x.id) === m.params.id);
        if (i < 0) return notFound();
        log({ type: 'release-deleted', releaseId: releases[i]!.id });
        releases.splice(i, 1);
        return { status: 204 };
      }
      case 'list-assets': {
        const r = findRelease(m.params.id!);
        if (!r) return notFound();
        return paginate(url, r.assets.map((a) => assetJson(r, a)));
      }
      case 'get-asset': {
        const hit = findAsset(m.params.id!);
        if (!hit) return notFound();
        if ((req.headers.accept ?? '').includes('application/octet-stream')) {
          const bytes = blobs.get(hit.asset.id) ?? Buffer.alloc(0);
          return { status: 200, raw: bytes };
        }
        return reply(200, assetJson(hit.release, hit.asset));
      }
      case 'update-asset': {
        const hit = findAsset(m.params.id!);
        if (!hit) return notFound();
        const b = json();
        if (!b) return problemsParsing();
        if (hit.release.immutable) return validation([], 'Cannot modify assets of an immutable release');
        if (typeof b.name === 'string') hit.asset.name = githubAssetName(b.name);
        if (typeof b.label === 'string') hit.asset.label = b.label;
        return reply(200, assetJson(hit.release, hit.asset));
      }
      case 'delete-asset': {
        const hit = findAsset(m.params.id!);
        if (!hit) return notFound();
        if (hit.release.immutable) return validation([], 'Cannot delete assets of an immutable release');
        hit.release.assets = hit.release.assets.filter((a) => a !== hit.asset);
        blobs.delete(hit.asset.id);
        log({ type: 'asset-deleted', releaseId: hit.release.id, assetId: hit.asset.id, name: hit.asset.name });
        return { status: 204 };
      }
      case 'upload-asset': {
        const r = findRelease(m.params.id!);
        if (!r) return notFound();
        const rawName = url.searchParams.get('name');
        if (!rawName) return validation([{ resource: 'ReleaseAsset', code: 'missing_field', field: 'name' }]);
        if (!req.headers['content-type']) {
          return reply(400, { message: 'Bad Content-Type header value', documentation_url: DOCS });
        }
        if (req.headers['content-length'] === undefined) {
          return reply(411, { message: 'Length Required', documentation_url: DOCS });
        }
        if (r.immutable) return validation([], 'Cannot upload assets to an immutable release.');
        const name = githubAssetName(rawName);
        if (r.assets.some((a) => a.name === name)) {
          return reply(422, conflictBody);
        }
        const sha256 = createHash('sha256').update(body).digest('hex');
        const asset: ServerAsset = {
          id: nextId++,
          name,
          label: url.searchParams.get('label'),
          state: 'uploaded',
          size: body.length,
          digest: `sha256:${sha256}`,
          content_type: String(req.headers['content-type']),
          sha256,
        };
        r.assets.push(asset);
        blobs.set(asset.id, body);
        log({ type: 'asset-uploaded', releaseId: r.id, assetId: asset.id, name, size: asset.size, state: asset.state });
        return reply(201, assetJson(r, asset));
      }
      case 'create-pull': {
        const b = json();
        if (!b) return problemsParsing();
        for (const field of ['head', 'base'] as const) {
          if (typeof b[field] !== 'string' || !b[field]) {
            return validation([{ resource: 'PullRequest', code: 'missing_field', field }]);
          }
        }
        if (typeof b.title !== 'string' || !b.title) {
          return validation([{ resource: 'PullRequest', code: 'missing_field', field: 'title' }]);
        }
        const head = String(b.head).includes(':') ? String(b.head).split(':').pop()! : String(b.head);
        if (pulls.some((p) => p.state === 'open' && p.head === head && p.base === b.base)) {
          return validation([{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${owner}:${head}.` }]);
        }
        const pull: ServerPull = {
          number: pulls.length + 1,
          title: b.title,
          body: typeof b.body === 'string' ? b.body : null,
          head,
          base: String(b.base),
          draft: b.draft === true,
          state: 'open',
        };
        pulls.push(pull);
        log({ type: 'pull-created', number: pull.number, head: pull.head, base: pull.base });
        return reply(201, pullJson(pull));
      }
      // Artifact attestations (GitHub REST "Create an attestation"): a Sigstore bundle with a DSSE in-toto
      // statement; 201 {id}. Listed by subject digest.
      case 'create-attestation': {
        const b = json();
        if (!b) return problemsParsing();
        const bundle = b.bundle as { mediaType?: unknown; verificationMaterial?: unknown; dsseEnvelope?: { payload?: unknown; payloadType?: unknown } } | undefined;
        if (!bundle || typeof bundle !== 'object') return validation([{ resource: 'Attestation', code: 'missing_field', field: 'bundle' }]);
        if (typeof bundle.mediaType !== 'string' || !bundle.mediaType.startsWith('application/vnd.dev.sigstore.bundle') || !bundle.verificationMaterial || typeof bundle.dsseEnvelope?.payload !== 'string') {
          return validation([{ resource: 'Attestation', code: 'invalid', field: 'bundle' }]);
        }
        let subjects: string[];
        try {
          const st = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8')) as { subject: Array<{ digest: Record<string, string> }> };
          subjects = st.subject.map((x) => `sha256:${x.digest.sha256}`);
        } catch {
          return validation([{ resource: 'Attestation', code: 'invalid', field: 'bundle.dsseEnvelope.payload' }]);
        }
        const att: ServerAttestation = { id: 7000 + attestations.length, bundle: bundle as Record<string, unknown>, subjects };
        attestations.push(att);
        log({ type: 'attestation-created', id: att.id, subjects });
        return reply(201, { id: att.id });
      }
      case 'list-attestations': {
        const found = attestations.filter((a) => a.subjects.includes(m.params.id!));
        return reply(200, { attestations: found.map((a) => ({ bundle: a.bundle, repository_id: 1 })) });
      }
      case 'list-pulls': {
        const state = url.searchParams.get('state') ?? 'open';
        const head = url.searchParams.get('head');
        const baseRef = url.searchParams.get('base');
        const items = pulls
          .filter((p) => state === 'all' || p.state === state)
          .filter((p) => !head || `${owner}:${p.head}` === head || p.head === head)
          .filter((p) => !baseRef || p.base === baseRef)
          .map(pullJson);
        return paginate(url, items);
      }
    }
  }

  function pullJson(p: ServerPull) {
    return {
      url: `${base()}/pulls/${p.number}`,
      id: 5000 + p.number,
      number: p.number,
      state: p.state,
      title: p.title,
      body: p.body,
      draft: p.draft,
      html_url: `https://github.invalid/${owner}/${repo}/pull/${p.number}`,
      head: { ref: p.head, label: `${owner}:${p.head}` },
      base: { ref: p.base, label: `${owner}:${p.base}` },
    };
  }

  function authorized(req: http.IncomingMessage): boolean {
    if (token === null) return true;
    const h = req.headers.authorization ?? '';
    return h === `Bearer ${token}` || h === `token ${token}`;
  }

  const listener = (upload: boolean) => (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const prefix = opts.enterprise ? (upload ? '/api/uploads' : '/api/v3') : '';
    if (prefix && url.pathname.startsWith(`${prefix}/`)) url.pathname = url.pathname.slice(prefix.length);
    else if (prefix) url.pathname = '/not-found';
    const method = (req.method ?? 'GET').toUpperCase();
    const m = match(method, url.pathname, upload);
    const fault = m ? takeFault(m.route) : null;
    const record = (status: number | 'dropped' | 'hung') =>
      log({ type: 'request', method, path: url.pathname + url.search, route: m?.route ?? null, status, ...(fault ? { fault: fault.kind } : {}) });
    const answer = (r: Reply) => {
      record(r.status);
      if (latency > 0) setTimeout(() => send(res, r), latency);
      else send(res, r);
    };

    if (fault?.kind === 'hang') {
      record('hung');
      req.resume();
      return;
    }
    if (fault?.kind === 'crash') {
      record('dropped');
      req.once('data', () => crash(fault.downMs ?? 300));
      req.resume();
      return;
    }
    if (fault?.kind === 'drop') {
      record('dropped');
      let seen = false;
      const kill = () => req.socket.destroy();
      req.once('data', () => {
        seen = true;
        kill();
      });
      req.once('end', () => (seen ? undefined : kill()));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (!m || m.params.owner !== owner || m.params.repo !== repo) return answer(notFound());
      if (!authorized(req)) return answer(reply(401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' }));
      if (fault?.kind === 'status') {
        if (fault.starter && m.route === 'upload-asset') leaveStarter(m, url);
        return answer(reply(fault.status, { message: fault.status === 502 ? 'Bad Gateway' : 'Server Error' }));
      }
      if (fault?.kind === 'rate-limit') {
        const message = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';
        return answer(reply(fault.status ?? 429, { message, documentation_url: DOCS }, { 'retry-after': String(fault.retryAfter ?? 1) }));
      }
      if (fault?.kind === 'store-then-fail') {
        handle(m, req, url, body);
        if (fault.drop) {
          record('dropped');
          req.socket.destroy();
          return;
        }
        return answer(reply(fault.status ?? 500, { message: 'Server Error' }));
      }
      answer(handle(m, req, url, body));
    });
  };

  function leaveStarter(m: Matched, url: URL) {
    const r = findRelease(m.params.id!);
    const rawName = url.searchParams.get('name');
    if (!r || !rawName || r.immutable) return;
    const name = githubAssetName(rawName);
    if (r.assets.some((a) => a.name === name)) return;
    const sha256 = createHash('sha256').digest('hex');
    const asset: ServerAsset = { id: nextId++, name, label: null, state: 'starter', size: 0, digest: null, content_type: 'application/octet-stream', sha256 };
    r.assets.push(asset);
    log({ type: 'asset-uploaded', releaseId: r.id, assetId: asset.id, name, size: 0, state: 'starter' });
  }

  const api = http.createServer(listener(false));
  const up = http.createServer(listener(true));
  for (const s of [api, up]) {
    s.on('connection', (sock) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
    });
  }
  const listen = (s: http.Server) =>
    new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
  apiUrl = `http://127.0.0.1:${await listen(api)}${opts.enterprise ? '/api/v3' : ''}`;
  uploadUrl = `http://127.0.0.1:${await listen(up)}${opts.enterprise ? '/api/uploads' : ''}`;
  const ports = [api, up].map((s) => (s.address() as AddressInfo).port);
  let closed = false;
  /** As if the process were killed and restarted: connections cut, ports refused for a while, state kept. */
  function crash(downMs: number): void {
    for (const s of sockets) s.destroy();
    [api, up].forEach((s, i) => {
      s.close();
      setTimeout(() => {
        if (!closed) s.listen(ports[i], '127.0.0.1');
      }, downMs);
    });
  }

  return {
    apiUrl,
    uploadUrl,
    owner,
    repo,
    token,
    async close() {
      closed = true;
      for (const s of sockets) s.destroy();
      await Promise.all([api, up].map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
    },
    inject(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    clearFaults: () => {
      faults.length = 0;
    },
    pending: () => faults.map(({ left: _left, ...f }) => f as GithubFault),
    state: () => ({
      releases: releases.map((r) => ({ ...r, assets: r.assets.map((a) => ({ ...a })) })),
      pulls: pulls.map((p) => ({ ...p })),
      attestations: attestations.map((a) => ({ ...a })),
    }),
    history: () => [...events],
    faultsFired: () => fired,
    setLatency: (ms) => {
      latency = ms;
    },
  };
}
