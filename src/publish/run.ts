// `release publish`: gate on the verify record, preflight every destination, then publish each exactly once.
//
// Resume: each destination records every file it confirms in the manifest's `publish` field at once
// (atomic write, one at a time), and marks itself complete at the end. A re-run skips complete
// destinations and hands the others what they already confirmed; a run where every destination is
// complete does nothing and says so (exit 0: re-running a finished release job must stay green).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { readListedAssets } from './listed-assets.js';
import type { LoadedConfig } from '../config/load.js';
import { atDist, type Context } from '../context.js';
import { ConfigError, GitError, InternalError, prefixError, PublishError, UsageError, VerifyError, suggestion } from '../errors.js';
import {
  FRAGMENT_DIR,
  MANIFEST_FILE,
  type PublishedFile,
  type ReleaseManifest,
  filesBelow,
  matchesExpected,
  serializeManifest,
} from '../manifest.js';
import { runSteps, type Step } from '../pipeline.js';
import { normalizeName } from '../version/pep440.js';
import type { GithubDestinationOptions } from './github.js';
import { canSign } from '../attest/oidc.js';
import { attestBuildProvenance, signChecksums, subjectsDigest } from './provenance.js';
import type { Destination, DestinationName, DestinationResult, PublishFile, PublishRun } from './types.js';
import { createPool, type Pool } from '../workers/pool.js';
import { HASH_TASK, type HashResult, type HashTask } from '../wheel/hash-task.js';
import type { FileHash } from '../wheel/hash.js';
import { artifactKind } from '../wheel/filename.js';

/** The order destinations run in: packages first, the GitHub release (the announcement) last. */
export const DESTINATION_ORDER: DestinationName[] = ['pypi', 'index', 'github'];
/** Where the GitHub-only extras (SHA256SUMS, manifest copy, versions.json) are written. */
export const ASSETS_DIR = 'release-assets';

export interface PublishOptions {
  /** `--to`: destination names; default publish.to from the config. */
  to?: string[];
  /** `--dist`: the directory with the manifest and the artifacts (default dist/). */
  distDir?: string;
  /** `--index-dir`: the static index directory (default publish.index.dir). */
  indexDir?: string;
  /** `--repository-url`: the PyPI upload endpoint (default publish.pypi.repository_url). */
  repositoryUrl?: string;
  /** `--replace`: replace GitHub assets that differ. */
  replace?: boolean;
  /** The CHANGELOG section of a version, for the GitHub release body (notes/ owns the parsing; the command passes it in). */
  changelogSection?: (root: string, version: string) => Promise<{ file: string; text: string } | null>;
  /** Destinations to use instead of the built-in ones (tests). */
  destinations?: Partial<Record<DestinationName, Destination>>;
  /** Options of the built-in GitHub destination (tests: short waits). */
  github?: GithubDestinationOptions;
  /** Options passed to the built-in PyPI destination's factory. */
  pypi?: Record<string, unknown>;
}

export interface DestinationSummary {
  name: DestinationName;
  status: 'published' | 'already-complete' | 'dry-run';
  uploaded: string[];
  existing: string[];
  url?: string;
}

export interface PublishSummary {
  version: string;
  tag: string;
  nothingToDo: boolean;
  files: number;
  destinations: DestinationSummary[];
}

interface State {
  opts: PublishOptions;
  loaded: LoadedConfig;
  distDir: string;
  manifestPath: string;
  manifest: ReleaseManifest;
  names: DestinationName[];
  /** Destinations still to publish (not complete in the manifest). */
  pending: DestinationName[];
  files: PublishFile[];
  extras: PublishFile[];
  notes: string;
  destinations: Map<DestinationName, Destination>;
  runs: Map<DestinationName, PublishRun>;
  summary: DestinationSummary[];
  /** Serializes manifest writes. */
  writing: Promise<void>;
  /** The gate's re-hash of the files on disk (by path), on worker threads while the read-only steps go on; awaited by checkRehash. */
  rehash: Promise<Map<string, FileHash>> | null;
  pool: Pool<HashTask, HashResult> | null;
}

type PublishContext = Context & { state: State };

export async function runPublish(base: Context, opts: PublishOptions = {}): Promise<PublishSummary> {
  const ctx = opts.distDir ? atDist(base, opts.distDir) : base;
  const loaded = await ctx.config();
  const cfgCtx = withOverrides(ctx, loaded, opts);
  const state: State = {
    opts,
    loaded: await cfgCtx.config(),
    distDir: ctx.distDir,
    manifestPath: ctx.manifestPath,
    manifest: undefined as unknown as ReleaseManifest,
    names: [],
    pending: [],
    files: [],
    extras: [],
    notes: '',
    destinations: new Map(),
    runs: new Map(),
    summary: [],
    writing: Promise.resolve(),
    rehash: null,
    pool: null,
  };
  const pctx: PublishContext = Object.assign(Object.create(cfgCtx) as Context, { state });
  const steps: Step<PublishContext>[] = [
    // The manifest with every build job's fragment merged in: the one list of files.
    { name: 'read the release manifest', run: (c) => readRelease(c) },
    // The destinations asked for, and which of them the manifest says are already complete.
    { name: 'choose destinations', run: (c) => chooseDestinations(c) },
    // Nothing is read, checked or sent when every destination is already complete.
    ...gated([
      // Refuse unless `release verify` passed on exactly these files and the set is complete; the files on
      // disk are re-hashed from here on, on worker threads, while the read-only steps below go on.
      { name: 'check the verify record', run: (c) => checkGate(c) },
      // The tag must name the commit the release was planned from (read-only git).
      { name: 'check the tag', skip: (c) => tagSkip(c), run: (c) => checkTag(c) },
      // SHA256SUMS and versions.json as verify made and the manifest lists them (checked byte for byte),
      // and the manifest, as GitHub release assets.
      { name: 'write the release assets', skip: (c) => (c.state.pending.includes('github') ? false : 'not publishing to GitHub'), run: (c) => writeExtras(c) },
      // With the workflow's OIDC identity: SHA256SUMS signed (Sigstore), the bundle a release asset too.
      { name: 'sign SHA256SUMS', skip: (c) => signingSkip(c), run: (c) => signSums(c) },
      // Release notes for the GitHub release body.
      { name: 'read the release notes', skip: (c) => (c.state.pending.includes('github') ? false : 'not publishing to GitHub'), run: (c) => readNotes(c) },
      // Credentials, access, and "already released with other files", for every destination before any
      // upload. Read-only: nothing is created or sent before the files are known to be the verified ones.
      { name: 'preflight every destination', run: (c) => preflight(c) },
      // Every byte on disk is the verified byte: the re-hash started by the gate, awaited before anything is written.
      { name: 'check the files against the verify record', run: (c) => checkRehash(c) },
      // GitHub build provenance (SLSA v1) for every file, once: its id is kept in the manifest.
      { name: 'attest build provenance', skip: (c) => signingSkip(c) || (c.state.manifest.provenance?.subjects === subjectsDigest(c.state.files) ? 'sent by an earlier run' : false), run: (c) => attestFiles(c) },
      // Each destination in order; each records what it confirms as it goes.
      { name: 'publish', run: (c) => publishAll(c) },
    ]),
  ];
  try {
    await runSteps(pctx, steps);
  } finally {
    // Stops a re-hash that a failed step left running.
    await state.pool?.close();
  }
  await state.writing;
  const nothingToDo = state.pending.length === 0;
  return {
    version: state.manifest.version,
    tag: state.manifest.tag,
    nothingToDo,
    files: state.files.length,
    destinations: state.summary,
  };
}

/** Steps that only run when some destination still has work. */
function gated(steps: Step<PublishContext>[]): Step<PublishContext>[] {
  return steps.map((s) => ({
    ...s,
    skip: async (c: PublishContext, st) => (c.state.pending.length === 0 ? 'nothing to do' : s.skip ? s.skip(c, st) : false),
  }));
}

/** --repository-url and --index-dir override the config for every destination. */
function withOverrides(ctx: Context, loaded: LoadedConfig, opts: PublishOptions): Context {
  if (!opts.repositoryUrl && !opts.indexDir) return ctx;
  const publish = structuredClone(loaded.config.publish);
  if (opts.repositoryUrl) {
    try {
      new URL(opts.repositoryUrl);
    } catch {
      throw new UsageError(`--repository-url \`${opts.repositoryUrl}\` is not a URL`, { hint: 'e.g. --repository-url https://test.pypi.org/legacy/' });
    }
    publish.pypi.repository_url = opts.repositoryUrl;
  }
  if (opts.indexDir) publish.index.dir = path.resolve(ctx.cwd, opts.indexDir);
  const next: LoadedConfig = { ...loaded, config: { ...loaded.config, publish } };
  return Object.assign(Object.create(ctx) as Context, { config: () => Promise.resolve(next) });
}

async function readRelease(c: PublishContext): Promise<void> {
  const s = c.state;
  // A copy: publish records its progress in it, and the context's manifest stays as read.
  const m = structuredClone(await c.manifest());
  s.manifest = m;
  c.log.info(`${m.tag}: version ${m.version}, ${m.built.length} built file(s)`);
}

function parseDestinations(names: string[]): DestinationName[] {
  const out: DestinationName[] = [];
  for (const n of names) {
    if (!(DESTINATION_ORDER as string[]).includes(n)) {
      throw new UsageError(`unknown destination \`${n}\`${suggestion(n, DESTINATION_ORDER)}`, { hint: 'use --to with pypi, github or index (comma-separated)' });
    }
    if (!out.includes(n as DestinationName)) out.push(n as DestinationName);
  }
  if (!out.length) throw new UsageError('--to names no destination', { hint: 'e.g. --to pypi,github' });
  return DESTINATION_ORDER.filter((d) => out.includes(d));
}

function chooseDestinations(c: PublishContext): void {
  const s = c.state;
  s.names = parseDestinations(s.opts.to ?? s.loaded.config.publish.to);
  const wanted = new Set(s.manifest.built.map((b) => `${b.filename}\0${b.sha256}`));
  for (const name of s.names) {
    const rec = s.manifest.publish[name];
    // Complete only for exactly this set of files (a manifest with other files starts over).
    const covers = rec?.complete && [...wanted].every((k) => {
      const [filename, sha] = k.split('\0') as [string, string];
      return rec.files[filename]?.sha256 === sha;
    });
    if (covers) {
      c.log.info(`${name}: already complete${rec.url ? ` (${rec.url})` : ''}`);
      s.summary.push({ name, status: 'already-complete', uploaded: [], existing: Object.keys(rec.files), url: rec.url });
    } else {
      s.pending.push(name);
    }
  }
  if (!s.pending.length) {
    c.log.info(`nothing to do: ${s.manifest.tag} is already published to ${s.names.join(', ')}`);
  }
}

/** Every file below `dir` by name, skipping our own outputs. */
async function filesByName(dir: string, skip: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const files = await filesBelow(dir, (folder, name) => !skip.includes(path.resolve(folder)) && name !== FRAGMENT_DIR);
  for (const p of files) {
    const name = path.basename(p);
    out.set(name, [...(out.get(name) ?? []), p]);
  }
  return out;
}

/** sha256 and size of every file, all at once on the pool's worker threads (every byte is read before any upload). */
function hashAll(pool: Pool<HashTask, HashResult>, files: string[]): Promise<Map<string, FileHash>> {
  const done = Promise.all(files.map((file) => pool.run({ kind: 'hash', file }))).then((results) => new Map(files.map((f, i) => [f, { sha256: results[i]!.sha256, size: results[i]!.size }])));
  // Awaited by checkRehash; a failure before then is reported there or dropped with the failed run.
  done.catch(() => undefined);
  return done;
}

async function checkGate(c: PublishContext): Promise<void> {
  const s = c.state;
  const m = s.manifest;
  const where = { file: s.manifestPath };
  const v = m.verify;
  if (!v) throw new VerifyError('the release has not been verified', { ...where, field: 'verify', hint: 'run `release verify` first' });
  if (v.version !== m.version) {
    throw new VerifyError(`the verify record is for version ${v.version}, the manifest is for ${m.version}`, { ...where, field: 'verify.version', hint: 'run `release verify` again' });
  }
  if (!v.ok) {
    const bad = v.files.filter((f) => !f.ok).map((f) => `${f.filename} (${f.codes.join(', ')})`);
    throw new VerifyError(`\`release verify\` failed for this release${bad.length ? `: ${bad.join('; ')}` : ''}`, { ...where, field: 'verify.ok', hint: 'fix the artifacts, rebuild, and run `release verify` again' });
  }
  const setProblems = [
    ...v.missing.map((x) => `missing ${x}`),
    ...v.unexpected.map((x) => `unexpected ${x}`),
    ...v.duplicate.map((x) => `duplicate ${x}`),
    ...m.expected.filter((e) => !m.built.some((b) => matchesExpected(e, b.filename))).map((e) => `missing ${e.filename ?? e.pattern ?? e.id}`),
  ];
  if (!m.built.length) setProblems.push('no built files');
  if (setProblems.length) {
    throw new VerifyError(`the set of files is not complete: ${[...new Set(setProblems)].join(', ')}`, { ...where, hint: 'download every build job\'s artifacts into dist/ and run `release verify` again' });
  }
  const verified = new Map(v.files.map((f) => [f.filename, f]));
  const built = new Set(m.built.map((b) => b.filename));
  const stale = v.files.filter((f) => !built.has(f.filename)).map((f) => f.filename);
  if (stale.length) throw new VerifyError(`the verify record names files the manifest does not list: ${stale.join(', ')}`, { ...where, hint: 'run `release verify` again' });
  const skip = [path.resolve(s.distDir, ASSETS_DIR), path.resolve(s.loaded.root, s.loaded.config.publish.index.dir)];
  const onDisk = await filesByName(s.distDir, skip);
  const candidatesOf = (b: (typeof m.built)[number]) => {
    const rec = verified.get(b.filename);
    if (!rec) throw new VerifyError(`${b.filename} was built but not verified`, { ...where, hint: 'run `release verify` again' });
    if (rec.sha256 !== b.sha256) throw new VerifyError(`${b.filename} was verified with other content than it was built with`, { ...where, hint: 'run `release verify` again' });
    const candidates = onDisk.get(b.filename) ?? [];
    if (!candidates.length) throw new VerifyError(`${b.filename} is not in ${s.distDir}`, { hint: 'download every build job\'s artifacts into dist/' });
    return { rec, candidates };
  };
  const chosen = m.built.map((b) => ({ b, ...candidatesOf(b) }));
  const paths = chosen.flatMap((x) => x.candidates);
  s.pool = createPool<HashTask, HashResult>(Math.min(availableParallelism(), paths.length), { tasks: { hash: HASH_TASK } });
  s.rehash = hashAll(s.pool, paths);
  // Usually one file per name: it is the one to publish, confirmed by checkRehash. With several copies the
  // hashes decide which one, so wait for them now.
  const hashes = chosen.some((x) => x.candidates.length > 1) ? await s.rehash : null;
  for (const { b, rec, candidates } of chosen) {
    const p = hashes ? candidates.find((x) => hashes.get(x)?.sha256 === rec.sha256 && hashes.get(x)?.size === rec.size) : candidates[0];
    if (!p) throw changedAfterVerify(b.filename, rec.sha256, candidates[0]!);
    s.files.push({ path: p, filename: b.filename, sha256: rec.sha256, size: rec.size, package: normalizeName(b.package), version: m.version, type: artifactKind(b.filename) ?? 'extra' });
  }
  c.log.info(`${s.files.length} file(s) passed \`release verify\` (${v.at}); re-hashing them`);
}

function changedAfterVerify(filename: string, sha256: string, file: string): VerifyError {
  return new VerifyError(`${filename} changed after \`release verify\` (its sha256 is no longer ${sha256.slice(0, 12)}…)`, {
    file,
    hint: 'publish exactly the files that were verified: download them again, or run `release verify` on these',
  });
}

/** The files to publish hash to what `release verify` recorded, byte for byte. */
async function checkRehash(c: PublishContext): Promise<void> {
  const s = c.state;
  const hashes = await s.rehash!;
  // The threads' memory is not needed for the uploads.
  await s.pool?.close();
  s.pool = null;
  for (const f of s.files) {
    const h = hashes.get(f.path);
    if (!h || h.sha256 !== f.sha256 || h.size !== f.size) throw changedAfterVerify(f.filename, f.sha256, f.path);
  }
  c.log.info(`${s.files.length} file(s) on disk match the verify record`);
}

function tagSkip(c: PublishContext): string | false {
  return c.state.manifest.commit ? false : 'the manifest names no commit, so the tag is not checked';
}

async function checkTag(c: PublishContext): Promise<void> {
  const { manifest, loaded } = c.state;
  const root = loaded.root;
  const res = await c.exec('git', ['rev-parse', '--verify', '--quiet', `refs/tags/${manifest.tag}^{commit}`], { cwd: root, reject: false });
  if (res.exitCode !== 0) {
    const isRepo = await c.exec('git', ['rev-parse', '--git-dir'], { cwd: root, reject: false });
    if (isRepo.exitCode !== 0) throw new GitError(`${root} is not a git repository, so tag ${manifest.tag} cannot be checked`, { hint: 'run `release publish` in a checkout of the repository' });
    throw new GitError(`tag ${manifest.tag} does not exist in ${root}`, { hint: 'fetch the tags (actions/checkout with `fetch-depth: 0`), or create it with `release prepare`' });
  }
  const sha = res.stdout.trim();
  if (sha !== manifest.commit) {
    throw new GitError(`tag ${manifest.tag} points at ${sha.slice(0, 12)}, but the release was planned from ${manifest.commit!.slice(0, 12)}`, {
      file: c.state.manifestPath,
      field: 'commit',
      hint: 'the tag moved after `release plan`: plan, build and verify again from the tag',
    });
  }
  c.log.info(`tag ${manifest.tag} points at ${sha.slice(0, 12)}, as the manifest says`);
}

/** The assets verify made and the manifest lists (SHA256SUMS, versions.json), and the manifest itself (without publish progress, so it never changes between runs). */
async function writeExtras(c: PublishContext): Promise<void> {
  const s = c.state;
  const dir = path.join(s.distDir, ASSETS_DIR);
  const listed = await readListedAssets(s.manifest, s.distDir, s.manifestPath);
  // Without what publishing adds (progress, signatures), so the asset is the same bytes on every run.
  const frozen = serializeManifest({ ...s.manifest, publish: {}, attestations: undefined, provenance: undefined });
  const extras: Array<[string, Buffer]> = [...listed.map((a) => [a.filename, a.bytes] as [string, Buffer]), [MANIFEST_FILE, Buffer.from(frozen)]];
  for (const [name, bytes] of extras) {
    const file = path.join(dir, name);
    const current = await readFile(file).catch(() => null);
    if (current === null || !current.equals(bytes)) await c.world.writeFile(file, bytes);
    s.extras.push({
      path: file,
      filename: name,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      size: bytes.length,
      package: '',
      version: s.manifest.version,
      type: 'extra',
    });
  }
}

/** Why the GitHub signing steps do not run, or false. */
function signingSkip(c: PublishContext): string | false {
  if (!c.state.pending.includes('github')) return 'not publishing to GitHub';
  if (!c.state.loaded.config.publish.github.attestations) return 'publish.github.attestations is false';
  if (!canSign(c.env)) return 'no OIDC identity to sign with (the job needs `permissions: id-token: write`)';
  return false;
}

async function signSums(c: PublishContext): Promise<void> {
  const s = c.state;
  const sums = s.extras.find((f) => f.filename === 'SHA256SUMS');
  if (!sums) return;
  if (c.dryRun) return void c.log.info('[dry-run] would sign SHA256SUMS with Sigstore and attach SHA256SUMS.sigstore.json');
  s.extras.push(await signChecksums({ dir: path.dirname(sums.path), sums, tag: s.manifest.tag, env: c.env, write: (f, t) => c.world.writeFile(f, t), log: (l) => c.log.info(l) }));
}

async function attestFiles(c: PublishContext): Promise<void> {
  const s = c.state;
  const gh = s.loaded.config.publish.github;
  const repository = gh.repository ?? c.env.GITHUB_REPOSITORY;
  const token = s.opts.github?.token ?? c.env.GITHUB_TOKEN ?? c.env.GH_TOKEN;
  if (!repository || !token) throw new PublishError('build provenance needs the repository and GITHUB_TOKEN', { hint: 'set GITHUB_TOKEN (and publish.github.repository or GITHUB_REPOSITORY), or publish.github.attestations: false' });
  if (c.dryRun) return void c.log.info(`[dry-run] would sign build provenance for ${s.files.length} file(s) and POST it to ${gh.api_url}/repos/${repository}/attestations`);
  const id = await attestBuildProvenance({ apiUrl: s.opts.github?.apiUrl ?? (gh.api_url === 'https://api.github.com' && c.env.GITHUB_API_URL ? c.env.GITHUB_API_URL : gh.api_url), repository, token, tag: s.manifest.tag, commit: s.manifest.commit, files: s.files, env: c.env });
  s.manifest.provenance = { id, subjects: subjectsDigest(s.files), at: c.now().toISOString() };
  await persist(c);
  c.log.info(`github: build provenance for ${s.files.length} file(s) stored (attestation ${id})`);
}

/** The CHANGELOG section of this version, else the tag's annotation, else one line. */
async function readNotes(c: PublishContext): Promise<void> {
  const s = c.state;
  const fromChangelog = (await s.opts.changelogSection?.(s.loaded.root, s.manifest.version)) ?? null;
  if (fromChangelog) {
    s.notes = fromChangelog.text;
    c.log.info(`release notes: ${fromChangelog.file}, section ${s.manifest.version}`);
    return;
  }
  const fromTag = await tagMessage(c, s.loaded.root, s.manifest.tag);
  if (fromTag) {
    s.notes = fromTag;
    c.log.info(`release notes: the annotation of tag ${s.manifest.tag}`);
    return;
  }
  s.notes = `Release ${s.manifest.version}`;
  c.log.warn(`no CHANGELOG section for ${s.manifest.version} and no tag annotation: the release body is "${s.notes}"`);
}

async function tagMessage(c: Context, root: string, tag: string): Promise<string | null> {
  const res = await c.exec('git', ['for-each-ref', '--format=%(objecttype)%00%(contents)', `refs/tags/${tag}`], { cwd: root, reject: false });
  if (res.exitCode !== 0 || !res.stdout.includes('\0')) return null;
  const [type, contents] = res.stdout.split('\0') as [string, string];
  if (type !== 'tag') return null;
  const text = contents.replace(/-----BEGIN (PGP|SSH) SIGNATURE-----[\s\S]*$/, '').trim();
  return text || null;
}

async function loadDestination(c: PublishContext, name: DestinationName): Promise<Destination> {
  const s = c.state;
  const given = s.opts.destinations?.[name];
  if (given) return given;
  if (name === 'github') {
    const { createGithubDestination } = await import('./github.js');
    return createGithubDestination(s.opts.github);
  }
  if (name === 'index') {
    const { createIndexDestination } = await import('./static-index.js');
    const cfg = s.loaded.config.publish.index;
    return createIndexDestination({ dir: path.resolve(s.loaded.root, cfg.dir), url: cfg.url });
  }
  // A literal specifier, so that bundlers see it (a variable one left it out of the single-file build).
  const mod = (await import('./pypi.js')) as Record<string, unknown>;
  const factory = mod.createPypiDestination;
  if (typeof factory !== 'function') throw new InternalError('src/publish/pypi.ts does not export createPypiDestination');
  return (factory as (o?: Record<string, unknown>) => Destination)(s.opts.pypi);
}

function makeRun(c: PublishContext, name: DestinationName): PublishRun {
  const s = c.state;
  const rec = s.manifest.publish[name];
  const files = name === 'github' ? [...s.files, ...s.extras] : s.files.filter((f) => f.type !== 'extra');
  return {
    ctx: c,
    manifest: s.manifest,
    files,
    confirmed: { ...(rec?.files ?? {}) },
    record: (filename, entry) => record(c, name, filename, entry),
    save: () => (c.dryRun ? Promise.resolve() : persist(c)),
    notes: s.notes,
    replace: s.opts.replace === true,
  };
}

/** Persist one confirmation (serialized: every write holds all confirmations so far). */
function record(c: PublishContext, name: DestinationName, filename: string, entry: PublishedFile): Promise<void> {
  const s = c.state;
  if (c.dryRun) return Promise.resolve();
  const rec = (s.manifest.publish[name] ??= { files: {}, complete: false });
  rec.files[filename] = entry;
  return persist(c);
}

function persist(c: PublishContext): Promise<void> {
  const s = c.state;
  const next = s.writing.then(() => c.world.writeFile(s.manifestPath, serializeManifest(s.manifest)));
  s.writing = next.catch(() => undefined);
  return next;
}

async function preflight(c: PublishContext): Promise<void> {
  const s = c.state;
  for (const name of s.pending) {
    const dest = await loadDestination(c, name);
    const run = makeRun(c, name);
    s.destinations.set(name, dest);
    s.runs.set(name, run);
    try {
      await dest.preflight(run);
    } catch (err) {
      throw prefix(name, err);
    }
    c.log.info(`${name}: ready (${run.files.length} file(s), ${Object.keys(run.confirmed).length} confirmed by an earlier run)`);
  }
}

function prefix(name: string, err: unknown): unknown {
  if (err instanceof PublishError || err instanceof ConfigError || err instanceof GitError) {
    prefixError(name, err);
  }
  return err;
}

async function publishAll(c: PublishContext): Promise<void> {
  const s = c.state;
  for (const name of s.pending) {
    const dest = s.destinations.get(name)!;
    const run = s.runs.get(name)!;
    let result: DestinationResult;
    try {
      result = await dest.publish(run);
    } catch (err) {
      await s.writing;
      throw prefix(name, err);
    }
    await s.writing;
    if (!c.dryRun) {
      const rec = (s.manifest.publish[name] ??= { files: {}, complete: false });
      const missing = run.files.filter((f) => rec.files[f.filename]?.sha256 !== f.sha256).map((f) => f.filename);
      if (missing.length) throw new InternalError(`${name} finished without confirming ${missing.join(', ')}`);
      rec.complete = true;
      if (result.url) rec.url = result.url;
      if (result.releaseId !== undefined) rec.releaseId = result.releaseId;
      await persist(c);
    }
    s.summary.push({ name, status: c.dryRun ? 'dry-run' : 'published', uploaded: result.uploaded, existing: result.existing, url: result.url });
    c.log.info(`${name}: ${result.uploaded.length} uploaded, ${result.existing.length} already there${result.url ? ` — ${result.url}` : ''}`);
  }
}
