// The GitHub Releases destination: a draft release, every asset exactly once, published only when complete.
//
// Order (PROTOCOLS.md §7): find the release for the tag, drafts included (get-by-tag hides drafts, so
// list them); create it as a draft if missing; upload each asset the draft lacks, skipping identical
// ones; check the whole set against the server; only then PATCH `draft:false`. A create or upload that
// failed ambiguously (dropped, timed out, 5xx) is looked up before it is sent again, so a retry can
// neither make a second draft nor a second copy.
import { readFile } from 'node:fs/promises';
import { ConfigError, PublishError } from '../errors.js';
import { exhaustedOf, networkTimeoutMs, retryDeadlineMs, RetryDeadline, retryHint, timeoutHint, timeoutOf, urlForMessage } from '../network.js';
import { registerSecret } from '../secrets.js';
import { parseVersion } from '../version/pep440.js';
import { type AssetVerdict, type RemoteAsset, contentType, githubAssetName, judgeAsset, sha256Hex } from './github/assets.js';
import {
  type GithubClient,
  createGithubClient,
  errorCodes,
  githubMessage,
  isRetryable,
  statusOf,
} from '../github/client.js';
import { DEFAULT_GITHUB_API, githubApiUrl, resolveRepository } from '../github/repository.js';
import type { Destination, DestinationResult, PublishFile, PublishRun } from './types.js';
import { eachLimited } from '../workers/each.js';

export { githubAssetName } from './github/assets.js';


export interface GithubDestinationOptions {
  /** Default: GITHUB_TOKEN, then GH_TOKEN, from the command's environment. */
  token?: string;
  /** Default: publish.github.api_url (GITHUB_API_URL on Actions when the config keeps the default). */
  apiUrl?: string;
  /** owner/name. Default: publish.github.repository, then GITHUB_REPOSITORY. */
  repository?: string;
  /** Milliseconds per second of retry waits (tests: a few). */
  secondMs?: number;
  /** Per-attempt HTTP timeout of an API request (default 120 s); an upload gets 1 s more per 256 KiB. */
  timeoutMs?: number;
  /**
   * Space writes as GitHub asks (default true). `WHEELWRIGHT_GITHUB_PACE=off` in the environment turns it
   * off: for a GitHub Enterprise Server without secondary rate limits, and for tests of the real CLI.
   */
  pace?: boolean;
  /** Attempts of one create or upload before giving up (default 5). */
  attempts?: number;
  /** Uploads at once (default 3; GitHub limits content creation to 80 a minute). */
  concurrency?: number;
}

/** The fields of a release this module reads. */
interface RemoteRelease {
  id: number;
  tag_name: string;
  draft: boolean;
  prerelease: boolean;
  immutable?: boolean;
  html_url: string;
  upload_url: string;
}

interface Session {
  run: PublishRun;
  client: GithubClient | null;
  /** A client whose per-attempt timeout fits an upload of `size` bytes. */
  uploader(size: number): GithubClient;
  owner: string;
  repo: string;
  apiUrl: string;
  tag: string;
  makeLatest: 'true' | 'false' | 'legacy';
  prerelease: boolean;
  attempts: number;
  secondMs: number;
  concurrency: number;
  /** The destination's retry deadline, shared by every client of the session. */
  deadline: RetryDeadline;
}

function isPrerelease(version: string): boolean {
  const v = parseVersion(version);
  return Boolean(v && (v.pre || v.dev !== null && v.dev !== undefined));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function fail(s: Session, what: string, err: unknown, hint?: string): PublishError {
  if (err instanceof PublishError || err instanceof ConfigError) return err;
  const again = 'then run `release publish` again: it continues from what GitHub already holds';
  const exhausted = exhaustedOf(err);
  if (exhausted) return new PublishError(`GitHub: ${what} failed: ${exhausted.message}`, { hint: `${retryHint(exhausted.deadline)}; ${again}`, cause: err });
  const status = statusOf(err);
  // The request's URL (octokit keeps it on the error), without query or userinfo.
  const url = (err as { request?: { url?: string; method?: string } }).request;
  const where = ` (${url?.url ? `${url.method ?? ''} ${urlForMessage(url.url)}`.trim() : urlForMessage(`${s.apiUrl}/repos/${s.owner}/${s.repo}`)})`;
  // octokit hands a body that is not JSON on as text, and reading fields of it fails.
  const notJson = err instanceof TypeError || err instanceof SyntaxError;
  // The error's own words stay in the message: a TypeError may be a bug of ours, not the server's answer.
  const detail = notJson ? `the answer is not GitHub API JSON (a proxy or login page may answer in its place; ${(err as Error).name}: ${(err as Error).message})` : status === undefined ? githubMessage(err) : `${status} ${githubMessage(err)}`;
  const timedOut = timeoutOf(err);
  const tried = s.deadline.failures > 1 ? `; ${s.deadline.summary()}` : '';
  return new PublishError(`GitHub: ${what} failed${where}: ${timedOut ? timedOut.message : detail}${tried}`, {
    hint: hint ?? (notJson ? 'check publish.github.api_url (or GITHUB_API_URL): it must be the REST API base, e.g. https://api.github.com or https://HOST/api/v3' : timedOut ? `${timeoutHint(timedOut.ms)}; ${again}` : tried ? `${retryHint(s.deadline)}; ${again}` : `run \`release publish\` again: it continues from what GitHub already holds`),
    cause: err,
  });
}

export function createGithubDestination(opts: GithubDestinationOptions = {}): Destination {
  const sessions = new WeakMap<PublishRun, Promise<Session>>();

  async function open(run: PublishRun): Promise<Session> {
    const { config } = await run.ctx.config();
    const gh = config.publish.github;
    const env = run.ctx.env;
    const { owner, repo } = resolveRepository([opts.repository, gh.repository, env.GITHUB_REPOSITORY], 'no GitHub repository to publish to');
    const apiUrl = (opts.apiUrl ?? githubApiUrl(gh.api_url, env)).replace(/\/+$/, '');
    const token = opts.token ?? env.GITHUB_TOKEN ?? env.GH_TOKEN;
    registerSecret(token);
    if (!token && !run.ctx.dryRun) {
      throw new PublishError('GITHUB_TOKEN is not set', {
        hint: 'give the job `permissions: contents: write` and pass `GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}` (or a token with contents:write) in its env',
      });
    }
    if (!token) run.ctx.log.warn('GITHUB_TOKEN is not set: the dry run assumes the release does not exist yet');
    // Every wait is counted in these units (retries of one request: 1, 4, 9; attempts: 1, 2, 4, 8): a
    // shortened retry deadline (WHEELWRIGHT_RETRY_DEADLINE) shortens them so that they fit within it.
    const secondMs = opts.secondMs ?? Math.min(1000, Math.round(retryDeadlineMs(env) / 15));
    const base = opts.timeoutMs ?? networkTimeoutMs(env, 120_000);
    const deadline = new RetryDeadline(env);
    const make = (timeoutMs: number) =>
      createGithubClient({ token: token!, apiUrl, log: run.ctx.log, secondMs, timeoutMs, pace: opts.pace ?? env.WHEELWRIGHT_GITHUB_PACE !== 'off', deadline });
    const client = token ? make(base) : null;
    return {
      run,
      client,
      uploader: (size) => make(base + Math.round((size / 262_144) * 1000)),
      owner,
      repo,
      apiUrl,
      tag: run.manifest.tag,
      makeLatest: gh.make_latest,
      prerelease: isPrerelease(run.manifest.version),
      attempts: opts.attempts ?? 5,
      secondMs,
      concurrency: opts.concurrency ?? 3,
      deadline,
    };
  }

  function session(run: PublishRun): Promise<Session> {
    let s = sessions.get(run);
    if (!s) {
      s = open(run);
      sessions.set(run, s);
    }
    return s;
  }

  return {
    name: 'github',
    async preflight(run) {
      const s = await session(run);
      if (!s.client) return;
      await checkAccess(s);
      const found = await findRelease(s);
      if (!found) return;
      const assets = await listAssets(s, found);
      const problems = conflicts(s, found, assets);
      if (problems.length) {
        throw new PublishError(`GitHub release ${s.tag} already holds other files: ${problems.join('; ')}`, {
          hint: found.immutable
            ? 'the release is immutable: publish a new version'
            : 'a published file never changes; pass --replace only if you are sure the release is yours to rewrite',
        });
      }
    },
    async publish(run) {
      const s = await session(run);
      return publishRelease(s);
    },
  };
}

/** A token that GitHub accepts and that can write to the repository. */
async function checkAccess(s: Session): Promise<void> {
  let data: { permissions?: { push?: boolean } };
  try {
    data = (await s.client!.rest.repos.get({ owner: s.owner, repo: s.repo })).data;
  } catch (err) {
    const status = statusOf(err);
    if (status === 401) {
      throw new PublishError(`GitHub rejected the token (401 ${githubMessage(err)}) at ${s.apiUrl}`, {
        hint: 'check GITHUB_TOKEN: it may be expired, revoked, or for another GitHub host',
      });
    }
    if (status === 404 || status === 403) {
      throw new PublishError(`repository ${s.owner}/${s.repo} not found at ${urlForMessage(`${s.apiUrl}/repos/${s.owner}/${s.repo}`)}, or the token cannot see it (${status})`, {
        field: 'publish.github.repository',
        hint: 'check publish.github.repository and publish.github.api_url, and that the token has access to the repository',
      });
    }
    throw fail(s, `reading repository ${s.owner}/${s.repo}`, err);
  }
  if (data.permissions && data.permissions.push === false) {
    throw new PublishError(`the token cannot write to ${s.owner}/${s.repo}`, {
      hint: 'give the job `permissions: contents: write`, or use a token with contents:write',
    });
  }
}

/** The release of the tag: a published one if any, else the oldest draft (drafts are found only by listing). */
async function findRelease(s: Session): Promise<RemoteRelease | null> {
  if (!s.client) return null;
  let all: RemoteRelease[];
  try {
    all = (await s.client.paginate(s.client.rest.repos.listReleases, { owner: s.owner, repo: s.repo, per_page: 100 })) as RemoteRelease[];
  } catch (err) {
    throw fail(s, 'listing releases', err);
  }
  const mine = all.filter((r) => r.tag_name === s.tag).sort((a, b) => a.id - b.id);
  const published = mine.find((r) => !r.draft);
  const chosen = published ?? mine[0] ?? null;
  const others = mine.filter((r) => r !== chosen);
  if (others.length) {
    s.run.ctx.log.warn(
      `GitHub has ${mine.length} releases for ${s.tag} (ids ${mine.map((r) => r.id).join(', ')}); using ${chosen!.id}${chosen!.draft ? ' (draft)' : ''}; delete the other drafts by hand`,
    );
  }
  return chosen;
}

async function listAssets(s: Session, release: RemoteRelease): Promise<RemoteAsset[]> {
  if (!s.client || release.id === 0) return [];
  try {
    return (await s.client.paginate(s.client.rest.repos.listReleaseAssets, {
      owner: s.owner,
      repo: s.repo,
      release_id: release.id,
      per_page: 100,
    })) as RemoteAsset[];
  } catch (err) {
    throw fail(s, `listing the assets of release ${release.id}`, err);
  }
}

/**
 * May a different asset of this name be deleted and sent again? With --replace; and, in a draft (never
 * public), for the files wheelwright generates (SHA256SUMS, the manifest, versions.json), which change
 * when `release verify` runs again between two publish attempts.
 */
function mayReplace(s: Session, release: RemoteRelease, file: PublishFile): boolean {
  return s.run.replace || (release.draft && file.type === 'extra');
}

/** Files the release holds with other content (a blocker unless --replace), or cannot take (immutable). */
function conflicts(s: Session, release: RemoteRelease, assets: RemoteAsset[]): string[] {
  const out: string[] = [];
  for (const f of s.run.files) {
    const v = judgeAsset(f, assets);
    if (v.kind === 'different' && !(mayReplace(s, release, f) && !release.immutable)) out.push(`${f.filename} differs (${v.why})`);
    if (release.immutable && v.kind !== 'same' && v.kind !== 'different') out.push(`${f.filename} is missing and the release is immutable`);
  }
  return out;
}

/** Where uploads go, for the dry run's printout when there is no release yet. */
function uploadTemplate(s: Session): string {
  const origin = s.apiUrl === DEFAULT_GITHUB_API ? 'https://uploads.github.com' : s.apiUrl.replace(/\/api\/v3$/, '/api/uploads');
  return `${origin}/repos/${s.owner}/${s.repo}/releases/0/assets{?name,label}`;
}

async function publishRelease(s: Session): Promise<DestinationResult> {
  const { ctx } = s.run;
  let release = await findRelease(s);
  if (!release) release = await createDraft(s);
  else ctx.log.info(`GitHub: release ${s.tag} found (${release.draft ? 'draft' : 'published'}, id ${release.id})`);
  if (!release.draft) {
    ctx.log.warn(`GitHub: release ${s.tag} is already published; only missing assets are added`);
  }
  const assets = await listAssets(s, release);
  const uploaded: string[] = [];
  const existing: string[] = [];
  const todo: Array<{ file: PublishFile; verdict: AssetVerdict }> = [];
  for (const file of s.run.files) {
    let verdict = judgeAsset(file, assets);
    if (verdict.kind === 'unknown') verdict = await judgeByDownload(s, file, verdict.asset);
    if (verdict.kind === 'same') {
      existing.push(file.filename);
      await confirm(s, file, verdict.asset, 'existing');
    } else {
      todo.push({ file, verdict });
    }
  }
  const blocked = todo.filter((t) => t.verdict.kind === 'different' && !mayReplace(s, release, t.file));
  if (blocked.length) {
    throw new PublishError(
      `GitHub release ${s.tag} already holds other files under these names: ${blocked.map((b) => `${b.file.filename} (${(b.verdict as { why: string }).why})`).join('; ')}`,
      { hint: 'pass --replace to replace them, or publish a new version' },
    );
  }
  await eachLimited(todo, s.concurrency, async ({ file, verdict }) => {
    if (verdict.kind === 'unfinished' || verdict.kind === 'different') {
      const why =
        verdict.kind === 'unfinished'
          ? `an unfinished upload (state ${verdict.asset.state}, ${verdict.asset.size} bytes)`
          : `other content (${verdict.why}; ${s.run.replace ? '--replace' : 'generated file in a draft'})`;
      ctx.log.info(`GitHub: deleting ${verdict.asset.name}: ${why}`);
      await deleteAsset(s, verdict.asset);
    }
    const asset = await uploadAsset(s, release, file);
    uploaded.push(file.filename);
    await confirm(s, file, asset, 'uploaded');
  });
  if (ctx.dryRun) {
    if (release.draft) await announce(s, release);
    return { url: release.html_url, uploaded, existing, releaseId: release.id };
  }
  await checkComplete(s, release);
  const published = release.draft ? await announce(s, release) : release;
  return { url: published.html_url, uploaded, existing, releaseId: published.id };
}

async function confirm(s: Session, file: PublishFile, asset: RemoteAsset, status: 'uploaded' | 'existing'): Promise<void> {
  if (s.run.ctx.dryRun) return;
  const prior = s.run.confirmed[file.filename];
  if (prior && prior.sha256 === file.sha256) return;
  await s.run.record(file.filename, {
    sha256: file.sha256,
    size: file.size,
    status,
    at: s.run.ctx.now().toISOString(),
    ...(asset.browser_download_url ? { url: asset.browser_download_url } : {}),
  });
}

/** An asset without a digest: download it and hash it. */
async function judgeByDownload(s: Session, file: PublishFile, asset: RemoteAsset): Promise<AssetVerdict> {
  try {
    const res = await s.client!.request('GET /repos/{owner}/{repo}/releases/assets/{asset_id}', {
      owner: s.owner,
      repo: s.repo,
      asset_id: asset.id,
      headers: { accept: 'application/octet-stream' },
    });
    const bytes = new Uint8Array(res.data as unknown as ArrayBuffer);
    const digest = sha256Hex(bytes);
    return digest === file.sha256 ? { kind: 'same', asset } : { kind: 'different', asset, why: `sha256 ${digest.slice(0, 12)}…, ours ${file.sha256.slice(0, 12)}…` };
  } catch (err) {
    throw fail(s, `downloading ${asset.name} to check it`, err);
  }
}

/** GitHub refuses a release body over 125,000 characters (422 "body is too long"). */
const MAX_BODY = 125_000;
function fitBody(notes: string): string {
  if (notes.length <= MAX_BODY) return notes;
  const tail = '\n\n… (cut to fit GitHub\'s limit; the full notes are in the changelog)';
  return notes.slice(0, MAX_BODY - tail.length) + tail;
}

async function createDraft(s: Session): Promise<RemoteRelease> {
  const { ctx, notes, manifest } = s.run;
  const params = {
    owner: s.owner,
    repo: s.repo,
    tag_name: s.tag,
    name: s.tag,
    body: fitBody(notes),
    draft: true,
    prerelease: s.prerelease,
    ...(manifest.commit ? { target_commitish: manifest.commit } : {}),
  };
  const description = `POST ${s.apiUrl}/repos/${s.owner}/${s.repo}/releases (create draft release ${s.tag}${s.prerelease ? ', prerelease' : ''}, notes ${Buffer.byteLength(notes)} bytes)`;
  const placeholder: RemoteRelease = {
    id: 0,
    tag_name: s.tag,
    draft: true,
    prerelease: s.prerelease,
    html_url: `https://github.com/${s.owner}/${s.repo}/releases/tag/${s.tag}`,
    upload_url: uploadTemplate(s),
  };
  return ctx.world.mutate(
    description,
    async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          const res = await s.client!.rest.repos.createRelease({ ...params, request: { retries: 0 } });
          ctx.log.info(`GitHub: created draft release ${s.tag} (id ${res.data.id})`);
          return res.data as RemoteRelease;
        } catch (err) {
          const taken = statusOf(err) === 422 && errorCodes(err).includes('already_exists');
          if (!taken && !(isRetryable(err) && attempt < s.attempts)) throw fail(s, `creating the draft release ${s.tag}`, err);
          if (!taken) await backoff(s, attempt, `creating release ${s.tag}`, err);
          // The create may have happened (or someone else made it): look before sending it again.
          const found = await findRelease(s);
          if (found) return found;
          if (taken) throw fail(s, `creating the draft release ${s.tag}`, err, 'a release for this tag exists but cannot be listed with this token');
        }
      }
    },
    placeholder,
  );
}

async function backoff(s: Session, attempt: number, what: string, err: unknown): Promise<void> {
  const seconds = Math.min(30, 2 ** (attempt - 1));
  // Past the destination's retry deadline: give up with what was tried instead of waiting again.
  if (s.deadline.passed() || seconds * s.secondMs > s.deadline.remainingMs()) throw fail(s, what, err);
  s.run.ctx.log.warn(`GitHub: ${what} failed (${statusOf(err) ?? 'no answer'}: ${githubMessage(err)}); looking it up, then retrying in ${seconds} s`);
  await sleep(seconds * s.secondMs);
}

async function deleteAsset(s: Session, asset: RemoteAsset): Promise<void> {
  await s.run.ctx.world.mutate(
    `DELETE ${s.apiUrl}/repos/${s.owner}/${s.repo}/releases/assets/${asset.id} (${asset.name}, ${asset.size} bytes)`,
    async () => {
      try {
        await s.client!.rest.repos.deleteReleaseAsset({ owner: s.owner, repo: s.repo, asset_id: asset.id });
      } catch (err) {
        // A retried delete whose first attempt went through finds nothing: that is the goal.
        if (statusOf(err) !== 404) throw fail(s, `deleting asset ${asset.name}`, err);
      }
    },
    undefined,
  );
}

/** Upload one file; after an ambiguous failure or a name conflict, look at the release before sending again. */
async function uploadAsset(s: Session, release: RemoteRelease, file: PublishFile): Promise<RemoteAsset> {
  const { ctx } = s.run;
  const name = githubAssetName(file.filename);
  const target = release.upload_url.replace(/\{\?name,label\}$/, `?name=${encodeURIComponent(file.filename)}`);
  const placeholder: RemoteAsset = { id: 0, name, state: 'uploaded', size: file.size, digest: `sha256:${file.sha256}` };
  return ctx.world.mutate(
    `POST ${target} (${file.size} bytes, ${contentType(file.filename)})`,
    async () => {
      const data = await readFile(file.path);
      if (data.length !== file.size || sha256Hex(data) !== file.sha256) {
        throw new PublishError(`${file.filename} changed after verification`, {
          file: file.path,
          hint: 'run `release verify` again on the files you mean to publish',
        });
      }
      const uploader = s.uploader(file.size);
      for (let attempt = 1; ; attempt++) {
        try {
          const res = await uploader.request({
            method: 'POST',
            url: release.upload_url,
            name: file.filename,
            data,
            headers: { 'content-type': contentType(file.filename) },
            request: { retries: 0 },
          });
          const asset = res.data as RemoteAsset;
          const verdict = judgeAsset(file, [{ ...asset, name }]);
          if (verdict.kind !== 'same' && verdict.kind !== 'unknown') {
            ctx.log.warn(`GitHub: ${asset.name} arrived damaged (${verdict.kind === 'different' ? verdict.why : verdict.kind}); deleting it and sending it again`);
            await deleteAsset(s, asset);
            if (attempt >= s.attempts) throw new PublishError(`GitHub stored ${file.filename} damaged ${attempt} times`);
            continue;
          }
          if (asset.name !== file.filename) ctx.log.info(`GitHub: ${file.filename} is stored as ${asset.name} (GitHub renames special characters)`);
          ctx.log.info(`GitHub: uploaded ${asset.name} (${file.size} bytes)`);
          return asset;
        } catch (err) {
          if (err instanceof PublishError) throw err;
          const conflict = statusOf(err) === 422 && errorCodes(err).includes('already_exists');
          if (!conflict && !(isRetryable(err) && attempt < s.attempts)) throw fail(s, `uploading ${file.filename}`, err);
          if (!conflict) await backoff(s, attempt, `uploading ${file.filename}`, err);
          // The upload may have been stored (or left as an empty `starter`): look before sending again.
          let verdict = judgeAsset(file, await listAssets(s, release));
          if (verdict.kind === 'unknown') verdict = await judgeByDownload(s, file, verdict.asset);
          if (verdict.kind === 'same') return verdict.asset;
          if (verdict.kind === 'unfinished') await deleteAsset(s, verdict.asset);
          else if (verdict.kind === 'different') {
            if (!mayReplace(s, release, file)) {
              throw new PublishError(`GitHub release ${s.tag} already holds another ${verdict.asset.name}`, {
                hint: 'pass --replace to replace it, or publish a new version',
              });
            }
            await deleteAsset(s, verdict.asset);
          }
          if (attempt >= s.attempts) throw fail(s, `uploading ${file.filename}`, err);
        }
      }
    },
    placeholder,
  );
}

/** The gate before publication: every file on the release, finished, same size and digest. */
async function checkComplete(s: Session, release: RemoteRelease): Promise<void> {
  const assets = await listAssets(s, release);
  const bad = s.run.files
    .map((f) => [f, judgeAsset(f, assets)] as const)
    .filter(([, v]) => v.kind !== 'same' && v.kind !== 'unknown')
    .map(([f, v]) => `${f.filename} (${v.kind === 'different' ? v.why : v.kind})`);
  if (bad.length) {
    throw new PublishError(`not publishing GitHub release ${s.tag}: ${bad.length} asset(s) not in place: ${bad.join(', ')}`, {
      hint: 'run `release publish` again to upload them',
    });
  }
}

/** PATCH draft:false: the one request that makes the release public. */
async function announce(s: Session, release: RemoteRelease): Promise<RemoteRelease> {
  const makeLatest = s.prerelease ? 'false' : s.makeLatest;
  const body = { draft: false, prerelease: s.prerelease, make_latest: makeLatest };
  return s.run.ctx.world.mutate(
    `PATCH ${s.apiUrl}/repos/${s.owner}/${s.repo}/releases/${release.id} ${JSON.stringify(body)} (publish ${s.tag} with ${s.run.files.length} assets)`,
    async () => {
      try {
        const res = await s.client!.rest.repos.updateRelease({ owner: s.owner, repo: s.repo, release_id: release.id, ...body });
        const out = res.data as RemoteRelease;
        if (out.draft) throw new PublishError(`GitHub kept release ${s.tag} as a draft after the publish request`);
        s.run.ctx.log.info(`GitHub: published release ${s.tag}: ${out.html_url}`);
        return out;
      } catch (err) {
        throw fail(s, `publishing release ${s.tag}`, err);
      }
    },
    { ...release, draft: false },
  );
}
