// The steps of `release publish`: gate on the verify record, preflight every destination, then publish each exactly once.
//
// Resume: each destination records every file it confirms in the manifest's `publish` field at once
// (atomic write, one at a time), and marks itself complete at the end. A re-run skips complete
// destinations and hands the others what they already confirmed; a run where every destination is
// complete does nothing and says so (exit 0: re-running a finished release job must stay green).
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { readListedAssets } from './listed-assets.js';
import type { LoadedConfig } from '../config/load.js';
import type { Context } from '../context.js';
import { ConfigError, GitError, InternalError, prefixError, PublishError, UsageError, VerifyError, suggestion } from '../errors.js';
import { entryExists, refuseNonFileArtifacts, repositoryOf } from '../files.js';
import { githubApiUrl } from '../github/repository.js';
import { registerUrlCredentials } from '../secrets.js';
import {
  FRAGMENT_DIR,
  MANIFEST_FILE,
  type PublishedFile,
  type ReleaseManifest,
  type VerifyRecord,
  SCHEMA_VERSION,
  filesBelow,
  matchesExpected,
  serializeManifest,
} from '../manifest.js';
import type { State, Step } from '../pipeline.js';
import { normalizeName } from '../version/pep440.js';
import type { GithubDestinationOptions } from './github.js';
import { canSign } from '../attest/oidc.js';
import { attestBuildProvenance, signChecksums, subjectsDigest } from './provenance.js';
import type { Destination, DestinationName, DestinationResult, PublishFile, PublishRun } from './types.js';
import { createPool, type Pool } from '../workers/pool.js';
import { HASH_TASK, type HashResult, type HashTask } from '../wheel/hash-task.js';
import type { FileHash } from '../wheel/hash.js';
import { artifactKind, FilenameError, parseSdistFilename, parseWheelFilename } from '../wheel/filename.js';
import { toolVersion } from '../tool.js';

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
  /** Without a plan: files built elsewhere (named, or found in a directory without a manifest), verified first. */
  loose?: LooseFiles;
}

/** Options only tests give, through the test seam in run.ts: never from a command line, a config or the environment. */
export interface PublishTestOptions {
  /** Destinations to use instead of the built-in ones. */
  destinations?: Partial<Record<DestinationName, Destination>>;
  /** Options of the built-in GitHub destination (short waits, no pacing, a fixed token and API). */
  github?: GithubDestinationOptions;
  /** Options passed to the built-in PyPI destination's factory (short retries). */
  pypi?: Record<string, unknown>;
}

export interface LooseFiles {
  /** Absolute paths of the wheels and sdists to publish. */
  files: string[];
  /** Whether they were named on the command line (else found at the top of the directory). */
  named: boolean;
  /** The checks of `release verify FILE...` (verify/ owns them; the command passes them in). */
  verify(files: string[], releaseVersion: string): Promise<{ record: VerifyRecord; report: string }>;
}

export interface DestinationSummary {
  name: DestinationName;
  status: 'published' | 'already-complete' | 'dry-run';
  uploaded: string[];
  existing: string[];
  url?: string;
}

/** What the publish steps share: the options and config first, then what each step finds. */
export interface PublishState {
  opts: PublishOptions;
  /** What a test set through the seam; empty in a real run. */
  test: PublishTestOptions;
  /** The config with --repository-url and --index-dir applied. */
  loaded: LoadedConfig;
  /** A copy of the release manifest: publish records its progress in it. */
  manifest: ReleaseManifest;
  names: DestinationName[];
  /** Destinations still to publish (not complete in the manifest). */
  pending: DestinationName[];
  /** The verified files, as found on disk. */
  files: PublishFile[];
  /** GitHub-only assets: SHA256SUMS, versions.json, the manifest, signatures. */
  extras: PublishFile[];
  /** The GitHub release body. */
  notes: string;
  destinations: Map<DestinationName, Destination>;
  runs: Map<DestinationName, PublishRun>;
  summary: DestinationSummary[];
  /** Serializes manifest writes. */
  writing: Promise<void>;
  /** The gate's re-hash of the files on disk (by path), on worker threads while the read-only steps go on; awaited by checkRehash. */
  rehash: Promise<Map<string, FileHash>>;
  /** The re-hash's threads, closed once it is done (or by the runner after a failed step). */
  pool: Pool<HashTask, HashResult> | null;
  /** Without a plan: the one version of the files. */
  looseVersion: string;
  /** Without a plan: the record an earlier run left in the manifest's place (same version), if any. */
  earlier: ReleaseManifest | null;
  /** Without a plan: what `release verify`'s checks found. */
  verified: VerifyRecord;
  /** Without a plan: where each file is (by filename), instead of looking below the dist directory. */
  paths: Map<string, string>;
}

/** One step of `release publish`: it reads the context and the state bag, and sets what it found. */
export type PublishStep = Step<Context, PublishState>;
type Bag = State<PublishState>;

/** Steps that only run when some destination still has work. */
function gated(steps: PublishStep[]): PublishStep[] {
  return steps.map((step) => ({
    ...step,
    skip: async (ctx: Context, s: Bag) => (s.need('pending').length === 0 ? 'nothing to do' : step.skip ? step.skip(ctx, s) : false),
  }));
}

const notToGithub = (s: Bag): string | false => (s.need('pending').includes('github') ? false : 'not publishing to GitHub');

/** Why the steps for files without a plan do not run. */
const planned = (s: Bag): string | false => (s.need('opts').loose ? false : 'the release has a plan');

export const PUBLISH_STEPS: PublishStep[] = [
  // Without a plan: the files are wheels and sdists of one version, named once; an earlier run's record is of them.
  { name: 'check the files', skip: (_, s) => planned(s), run: checkLooseFiles },
  // Without a plan: the checks of `release verify FILE...`, before anything is recorded or sent (no set check).
  { name: 'verify the files', skip: (_, s) => planned(s), run: verifyLoose },
  // Without a plan: what was verified, in the manifest's place; a file changed since an earlier run verified it is refused.
  { name: 'record the verified files', skip: (_, s) => planned(s), run: recordLoose },
  // The manifest with every build job's fragment merged in: the one list of files.
  { name: 'read the release manifest', skip: (_, s) => (s.need('opts').loose ? 'no plan: the record above is the manifest' : false), run: readRelease },
  // The destinations asked for, and which of them the manifest says are already complete.
  { name: 'choose destinations', run: chooseDestinations },
  // Nothing is read, checked or sent when every destination is already complete.
  ...gated([
    // Refuse unless `release verify` passed on exactly these files and the set is complete; the files on
    // disk are re-hashed from here on, on worker threads, while the read-only steps below go on.
    { name: 'check the verify record', run: checkGate },
    // The tag must name the commit the release was planned from (read-only git).
    { name: 'check the tag', skip: (_, s) => tagSkip(s), run: checkTag },
    // SHA256SUMS and versions.json as verify made and the manifest lists them (checked byte for byte),
    // and the manifest, as GitHub release assets.
    { name: 'write the release assets', skip: (_, s) => notToGithub(s), run: writeExtras },
    // With the workflow's OIDC identity: SHA256SUMS signed (Sigstore), the bundle a release asset too.
    { name: 'sign SHA256SUMS', skip: signingSkip, run: signSums },
    // Release notes for the GitHub release body.
    { name: 'read the release notes', skip: (_, s) => notToGithub(s), run: readNotes },
    // Credentials, access, and "already released with other files", for every destination before any
    // upload. Read-only: nothing is created or sent before the files are known to be the verified ones.
    { name: 'preflight every destination', run: preflight },
    // Every byte on disk is the verified byte: the re-hash started by the gate, awaited before anything is written.
    { name: 'check the files against the verify record', run: checkRehash },
    // GitHub build provenance (SLSA v1) for every file, once: its id is kept in the manifest.
    {
      name: 'attest build provenance',
      skip: (ctx, s) => signingSkip(ctx, s) || (s.need('manifest').provenance?.subjects === subjectsDigest(s.need('files')) ? 'sent by an earlier run' : false),
      run: attestFiles,
    },
    // Each destination in order; each records what it confirms as it goes.
    { name: 'publish', run: publishAll },
  ]),
];

/** --repository-url and --index-dir override the config for every destination. */
export function withOverrides(ctx: Context, loaded: LoadedConfig, opts: PublishOptions): Context {
  if (!opts.repositoryUrl && !opts.indexDir) return ctx;
  const publish = structuredClone(loaded.config.publish);
  if (opts.repositoryUrl) {
    // A URL with its credentials (https://user:token@host/legacy/): the password is a secret from now on.
    registerUrlCredentials(opts.repositoryUrl);
    try {
      new URL(opts.repositoryUrl);
    } catch {
      throw new UsageError(`--repository-url \`${opts.repositoryUrl}\` is not a URL`, { hint: 'e.g. --repository-url https://test.pypi.org/legacy/' });
    }
    publish.pypi.repository_url = opts.repositoryUrl;
  }
  if (opts.indexDir) publish.index.dir = path.resolve(ctx.cwd, opts.indexDir);
  const next: LoadedConfig = { ...loaded, config: { ...loaded.config, publish } };
  return { ...ctx, config: () => Promise.resolve(next) };
}

function looseOf(s: Bag): LooseFiles {
  const loose = s.need('opts').loose;
  if (!loose) throw new InternalError('a step for files without a plan ran with a plan (step order)');
  return loose;
}

/** Name and version from a wheel or sdist filename, or a UsageError naming the file. */
function nameAndVersion(file: string): { name: string; version: string } {
  const filename = path.basename(file);
  const kind = artifactKind(filename);
  if (!kind) throw new UsageError(`${file} is not a wheel or an sdist`, { file, hint: 'name .whl and .tar.gz files, or the directory that holds them' });
  try {
    const parsed = kind === 'wheel' ? parseWheelFilename(filename) : parseSdistFilename(filename);
    if (parsed.version === null) throw new FilenameError(`invalid version \`${parsed.versionPart}\`: ${filename}`);
    return { name: parsed.name, version: parsed.version };
  } catch (err) {
    if (!(err instanceof FilenameError)) throw err;
    throw new UsageError(`${filename} is not a valid ${kind} name: ${err.message}`, { file, hint: `rename it as its builder names it ({name}-{version}${kind === 'wheel' ? '-{python}-{abi}-{platform}.whl' : '.tar.gz'}) or rebuild it` });
  }
}

async function checkLooseFiles(ctx: Context, s: Bag): Promise<void> {
  const loose = looseOf(s);
  if (!loose.files.length) throw new VerifyError('no wheels or sdists to publish', { file: ctx.distDir, hint: 'build first, or name the files: `release publish dist/*`' });
  // Before any file is opened: a FIFO would hang verify's read, a link to elsewhere would publish a file from outside.
  refuseNonFileArtifacts(loose.files, [...new Set(loose.files.map((f) => path.dirname(f)))].concat(repositoryOf(ctx.cwd)));
  const byName = new Map<string, string>();
  const versions = new Map<string, string[]>();
  for (const file of loose.files) {
    const filename = path.basename(file);
    const other = byName.get(filename);
    if (other !== undefined) throw new UsageError(`${filename} is named twice (${other} and ${file})`, { file, hint: 'name each file once' });
    byName.set(filename, file);
    const { version } = nameAndVersion(file);
    versions.set(version, [...(versions.get(version) ?? []), filename]);
  }
  if (versions.size > 1) {
    const listed = [...versions].map(([v, names]) => `${v} (${names.join(', ')})`).join('; ');
    throw new UsageError(`the files mix ${versions.size} versions: ${listed}`, { hint: 'publish one version at a time: name only the files of that version' });
  }
  const version = s.set('looseVersion', [...versions.keys()][0]!);
  // A project with a VERSION file releases that version; without one, the files say which. A VERSION that
  // is there but unreadable or malformed is the user's to fix (exit 2 naming it), not a file to ignore.
  const loaded = s.need('loaded');
  const { versionFilePath } = await import('../version/file.js');
  const projectVersion = entryExists(versionFilePath(loaded.root, loaded.config)) ? await ctx.version() : null;
  if (projectVersion !== null && projectVersion !== version) {
    throw new ConfigError(`the files are version ${version}, but the project's VERSION says ${projectVersion}`, { hint: `publish the files of ${projectVersion}, or run from the project that built them (--cwd)` });
  }
  s.set('paths', byName);
  s.set('earlier', await earlierRecord(ctx, version));
  ctx.log.warn(`no release plan: the set check is skipped; publishing exactly the ${loose.files.length} file(s) ${loose.named ? 'named' : `in ${ctx.distDir}`}`);
}

/** The record an earlier run left for this version, or null; a plan, or an unfinished record of another version, is refused. */
async function earlierRecord(ctx: Context, version: string): Promise<ReleaseManifest | null> {
  if (!entryExists(ctx.manifestPath)) return null;
  const m = await ctx.manifest();
  if (!m.loose) {
    throw new UsageError(`${ctx.manifestPath} is the plan of release ${m.tag}: named files are not published next to it`, {
      file: ctx.manifestPath,
      hint: 'publish the planned release with `release publish` (no files), or name files in another directory (--dist DIR)',
    });
  }
  if (m.version === version) return m;
  const unfinished = Object.entries(m.publish).filter(([, r]) => !r.complete).map(([name]) => name);
  if (unfinished.length) {
    throw new UsageError(`${ctx.manifestPath} records version ${m.version}, still unfinished at ${unfinished.join(', ')}, and these files are ${version}`, {
      file: ctx.manifestPath,
      hint: `finish ${m.version} first (re-run \`release publish\` with its files), or publish ${version} from another directory (--dist DIR)`,
    });
  }
  ctx.log.info(`${ctx.manifestPath}: the record of ${m.version} is replaced by one of ${version}`);
  return null;
}

async function verifyLoose(ctx: Context, s: Bag): Promise<void> {
  const loose = looseOf(s);
  const { record, report } = await loose.verify(loose.files, s.need('looseVersion'));
  ctx.log.info(report);
  if (!record.ok) {
    const bad = record.files.filter((f) => !f.ok).map((f) => `${f.filename} (${f.codes.join(', ')})`);
    throw new VerifyError(`the files fail \`release verify\`'s checks: ${bad.join('; ')}`, { hint: 'fix the artifacts and rebuild; nothing was recorded or sent' });
  }
  s.set('verified', record);
}

async function recordLoose(ctx: Context, s: Bag): Promise<void> {
  const verified = s.need('verified');
  const version = s.need('looseVersion');
  const earlier = s.get('earlier') ?? null;
  // What an earlier run verified, and what any destination confirmed (a file a later run left out is no
  // longer in `built`, but a destination still holds its bytes).
  const before = new Map<string, { sha256: string }>();
  for (const r of Object.values(earlier?.publish ?? {})) for (const [filename, f] of Object.entries(r.files)) before.set(filename, f);
  for (const b of earlier?.built ?? []) before.set(b.filename, b);
  for (const f of verified.files) {
    const b = before.get(f.filename);
    if (b && b.sha256 !== f.sha256) {
      throw new VerifyError(`${f.filename} changed since an earlier run verified it (${earlier?.verify?.at ?? 'unknown time'}): its sha256 was ${b.sha256.slice(0, 12)}…, now ${f.sha256.slice(0, 12)}…`, {
        file: s.need('paths').get(f.filename),
        hint: `a destination may already hold the verified bytes: restore that file (or release a new version); remove ${ctx.manifestPath} only if nothing was published`,
      });
    }
  }
  const paths = s.need('paths');
  const loaded = s.need('loaded');
  const tag = `${loaded.config.git.tag_prefix}${version}`;
  const manifest: ReleaseManifest = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'wheelwright', version: toolVersion() },
    version,
    tag,
    // The tag's commit when this checkout has the tag: the tag check then runs, and the GitHub release names it.
    commit: await localTagCommit(ctx, loaded.root, tag),
    createdAt: earlier?.createdAt ?? ctx.now().toISOString(),
    packages: [],
    jobs: [],
    expected: [],
    built: verified.files.map((f) => ({ filename: f.filename, package: nameAndVersion(paths.get(f.filename) ?? f.filename).name, target: null, job: 'loose', size: f.size, sha256: f.sha256 })),
    verify: verified,
    assets: [],
    publish: earlier?.publish ?? {},
    ...(earlier?.provenance ? { provenance: earlier.provenance } : {}),
    ...(earlier?.attestations ? { attestations: earlier.attestations } : {}),
    loose: true,
  };
  await ctx.world.writeFile(ctx.manifestPath, serializeManifest(manifest));
  s.set('manifest', manifest);
  ctx.log.info(`${manifest.tag}: ${manifest.built.length} verified file(s) recorded in ${ctx.manifestPath}`);
}

async function readRelease(ctx: Context, s: Bag): Promise<void> {
  // A copy: publish records its progress in it, and the context's manifest stays as read.
  const m = s.set('manifest', structuredClone(await ctx.manifest()));
  ctx.log.info(`${m.tag}: version ${m.version}, ${m.built.length} built file(s)`);
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

function chooseDestinations(ctx: Context, s: Bag): void {
  const manifest = s.need('manifest');
  const names = s.set('names', parseDestinations(s.need('opts').to ?? s.need('loaded').config.publish.to));
  const pending = s.set('pending', []);
  const wanted = new Set(manifest.built.map((b) => `${b.filename}\0${b.sha256}`));
  for (const name of names) {
    const rec = manifest.publish[name];
    // Complete only for exactly this set of files (a manifest with other files starts over).
    const covers = rec?.complete && [...wanted].every((k) => {
      const [filename, sha] = k.split('\0') as [string, string];
      return rec.files[filename]?.sha256 === sha;
    });
    if (covers) {
      ctx.log.info(`${name}: already complete${rec.url ? ` (${rec.url})` : ''}`);
      s.need('summary').push({ name, status: 'already-complete', uploaded: [], existing: Object.keys(rec.files), url: rec.url });
    } else {
      pending.push(name);
    }
  }
  if (!pending.length) {
    ctx.log.info(`nothing to do: ${manifest.tag} is already published to ${names.join(', ')}`);
  }
}

/**
 * Entries named like a wheel or an sdist below `dir` that are not regular files (a directory, a FIFO, a
 * device, any symlink), walked as filesBelow walks, skipping our own outputs: filesBelow lists only regular
 * files, so without this they would be passed over in silence.
 */
async function oddArtifactEntries(dir: string, skip: string[]): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string, depth: number): Promise<void> {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (artifactKind(e.name) && !e.isFile()) out.push(p);
      else if (e.isDirectory() && depth < 4 && !skip.includes(path.resolve(p)) && e.name !== FRAGMENT_DIR) await walk(p, depth + 1);
    }
  }
  await walk(dir, 0);
  return out.sort();
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

async function checkGate(ctx: Context, s: Bag): Promise<void> {
  const m = s.need('manifest');
  const loaded = s.need('loaded');
  const where = { file: ctx.manifestPath };
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
  const skip = [path.resolve(ctx.distDir, ASSETS_DIR), path.resolve(loaded.root, loaded.config.publish.index.dir)];
  const named = s.get('paths');
  if (!named) refuseNonFileArtifacts(await oddArtifactEntries(ctx.distDir, skip), [ctx.distDir, loaded.root]);
  const onDisk = named ? new Map([...named].map(([n, p]) => [n, [p]])) : await filesByName(ctx.distDir, skip);
  const candidatesOf = (b: (typeof m.built)[number]) => {
    const rec = verified.get(b.filename);
    if (!rec) throw new VerifyError(`${b.filename} was built but not verified`, { ...where, hint: 'run `release verify` again' });
    if (rec.sha256 !== b.sha256) throw new VerifyError(`${b.filename} was verified with other content than it was built with`, { ...where, hint: 'run `release verify` again' });
    const candidates = onDisk.get(b.filename) ?? [];
    if (!candidates.length) throw new VerifyError(`${b.filename} is not in ${ctx.distDir}`, { hint: 'download every build job\'s artifacts into dist/' });
    return { rec, candidates };
  };
  const chosen = m.built.map((b) => ({ b, ...candidatesOf(b) }));
  const paths = chosen.flatMap((x) => x.candidates);
  const pool = createPool<HashTask, HashResult>(Math.min(availableParallelism(), paths.length), { tasks: { hash: HASH_TASK } });
  s.set('pool', pool);
  const rehash = s.set('rehash', hashAll(pool, paths));
  // Usually one file per name: it is the one to publish, confirmed by checkRehash. With several copies the
  // hashes decide which one, so wait for them now.
  const hashes = chosen.some((x) => x.candidates.length > 1) ? await rehash : null;
  const files = s.need('files');
  for (const { b, rec, candidates } of chosen) {
    const p = hashes ? candidates.find((x) => hashes.get(x)?.sha256 === rec.sha256 && hashes.get(x)?.size === rec.size) : candidates[0];
    if (!p) throw changedAfterVerify(b.filename, rec.sha256, candidates[0]!);
    files.push({ path: p, filename: b.filename, sha256: rec.sha256, size: rec.size, package: normalizeName(b.package), version: m.version, type: artifactKind(b.filename) ?? 'extra' });
  }
  ctx.log.info(`${files.length} file(s) passed \`release verify\` (${v.at}); re-hashing them`);
}

function changedAfterVerify(filename: string, sha256: string, file: string): VerifyError {
  return new VerifyError(`${filename} changed after \`release verify\` (its sha256 is no longer ${sha256.slice(0, 12)}…)`, {
    file,
    hint: 'publish exactly the files that were verified: download them again, or run `release verify` on these',
  });
}

/** The files to publish hash to what `release verify` recorded, byte for byte. */
async function checkRehash(ctx: Context, s: Bag): Promise<void> {
  const hashes = await s.need('rehash');
  // The threads' memory is not needed for the uploads.
  await s.get('pool')?.close();
  s.set('pool', null);
  const files = s.need('files');
  for (const f of files) {
    const h = hashes.get(f.path);
    if (!h || h.sha256 !== f.sha256 || h.size !== f.size) throw changedAfterVerify(f.filename, f.sha256, f.path);
  }
  ctx.log.info(`${files.length} file(s) on disk match the verify record`);
}

function tagSkip(s: Bag): string | false {
  return s.need('manifest').commit ? false : 'the manifest names no commit, so the tag is not checked';
}

async function checkTag(ctx: Context, s: Bag): Promise<void> {
  const { tag, commit } = s.need('manifest');
  const root = s.need('loaded').root;
  const res = await ctx.exec('git', ['rev-parse', '--verify', '--quiet', `refs/tags/${tag}^{commit}`], { cwd: root, reject: false });
  if (res.exitCode !== 0) {
    const isRepo = await ctx.exec('git', ['rev-parse', '--git-dir'], { cwd: root, reject: false });
    if (isRepo.exitCode !== 0) throw new GitError(`${root} is not a git repository, so tag ${tag} cannot be checked`, { hint: 'run `release publish` in a checkout of the repository' });
    throw new GitError(`tag ${tag} does not exist in ${root}`, { hint: 'fetch the tags (actions/checkout with `fetch-depth: 0`), or create it with `release prepare`' });
  }
  const sha = res.stdout.trim();
  if (sha !== commit) {
    throw new GitError(`tag ${tag} points at ${sha.slice(0, 12)}, but the release was planned from ${String(commit).slice(0, 12)}`, {
      file: ctx.manifestPath,
      field: 'commit',
      hint: 'the tag moved after `release plan`: plan, build and verify again from the tag',
    });
  }
  ctx.log.info(`tag ${tag} points at ${sha.slice(0, 12)}, as the manifest says`);
}

/** The assets verify made and the manifest lists (SHA256SUMS, versions.json), and the manifest itself (without publish progress, so it never changes between runs). */
async function writeExtras(ctx: Context, s: Bag): Promise<void> {
  const manifest = s.need('manifest');
  const dir = path.join(ctx.distDir, ASSETS_DIR);
  const listed = await readListedAssets(manifest, ctx.distDir, ctx.manifestPath);
  // Without what publishing adds (progress, signatures), so the asset is the same bytes on every run.
  const frozen = serializeManifest({ ...manifest, publish: {}, attestations: undefined, provenance: undefined });
  const extras: Array<[string, Buffer]> = [...listed.map((a) => [a.filename, a.bytes] as [string, Buffer]), [MANIFEST_FILE, Buffer.from(frozen)]];
  for (const [name, bytes] of extras) {
    const file = path.join(dir, name);
    const current = await readFile(file).catch(() => null);
    if (current === null || !current.equals(bytes)) await ctx.world.writeFile(file, bytes);
    s.need('extras').push({
      path: file,
      filename: name,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      size: bytes.length,
      package: '',
      version: manifest.version,
      type: 'extra',
    });
  }
}

/** Why the GitHub signing steps do not run, or false. */
function signingSkip(ctx: Context, s: Bag): string | false {
  if (!s.need('pending').includes('github')) return 'not publishing to GitHub';
  if (!s.need('loaded').config.publish.github.attestations) return 'publish.github.attestations is false';
  if (!canSign(ctx.env)) return 'no OIDC identity to sign with (the job needs `permissions: id-token: write`)';
  return false;
}

async function signSums(ctx: Context, s: Bag): Promise<void> {
  const extras = s.need('extras');
  const sums = extras.find((f) => f.filename === 'SHA256SUMS');
  if (!sums) return;
  if (ctx.dryRun) return void ctx.log.info('[dry-run] would sign SHA256SUMS with Sigstore and attach SHA256SUMS.sigstore.json');
  extras.push(await signChecksums({ dir: path.dirname(sums.path), sums, tag: s.need('manifest').tag, env: ctx.env, write: (f, t) => ctx.world.writeFile(f, t), log: (l) => ctx.log.info(l) }));
}

async function attestFiles(ctx: Context, s: Bag): Promise<void> {
  const manifest = s.need('manifest');
  const files = s.need('files');
  const opts = s.need('test');
  const gh = s.need('loaded').config.publish.github;
  const repository = gh.repository ?? ctx.env.GITHUB_REPOSITORY;
  const token = opts.github?.token ?? ctx.env.GITHUB_TOKEN ?? ctx.env.GH_TOKEN;
  if (!repository || !token) throw new PublishError('build provenance needs the repository and GITHUB_TOKEN', { hint: 'set GITHUB_TOKEN (and publish.github.repository or GITHUB_REPOSITORY), or publish.github.attestations: false' });
  const apiUrl = opts.github?.apiUrl ?? githubApiUrl(gh.api_url, ctx.env);
  if (ctx.dryRun) return void ctx.log.info(`[dry-run] would sign build provenance for ${files.length} file(s) and POST it to ${apiUrl}/repos/${repository}/attestations`);
  const id = await attestBuildProvenance({ apiUrl, repository, token, tag: manifest.tag, commit: manifest.commit, files, env: ctx.env });
  manifest.provenance = { id, subjects: subjectsDigest(files), at: ctx.now().toISOString() };
  await persist(ctx, s);
  ctx.log.info(`github: build provenance for ${files.length} file(s) stored (attestation ${id})`);
}

/** The CHANGELOG section of this version, else the tag's annotation, else one line. */
async function readNotes(ctx: Context, s: Bag): Promise<void> {
  const { version, tag } = s.need('manifest');
  const root = s.need('loaded').root;
  const fromChangelog = (await s.need('opts').changelogSection?.(root, version)) ?? null;
  if (fromChangelog) {
    s.set('notes', fromChangelog.text);
    ctx.log.info(`release notes: ${fromChangelog.file}, section ${version}`);
    return;
  }
  const fromTag = await tagMessage(ctx, root, tag);
  if (fromTag) {
    s.set('notes', fromTag);
    ctx.log.info(`release notes: the annotation of tag ${tag}`);
    return;
  }
  const notes = s.set('notes', `Release ${version}`);
  ctx.log.warn(`no CHANGELOG section for ${version} and no tag annotation: the release body is "${notes}"`);
}

async function tagMessage(ctx: Context, root: string, tag: string): Promise<string | null> {
  const res = await ctx.exec('git', ['for-each-ref', '--format=%(objecttype)%00%(contents)', `refs/tags/${tag}`], { cwd: root, reject: false });
  if (res.exitCode !== 0 || !res.stdout.includes('\0')) return null;
  const [type, contents] = res.stdout.split('\0') as [string, string];
  if (type !== 'tag') return null;
  const text = contents.replace(/-----BEGIN (PGP|SSH) SIGNATURE-----[\s\S]*$/, '').trim();
  return text || null;
}

async function loadDestination(s: Bag, name: DestinationName): Promise<Destination> {
  const opts = s.need('test');
  const given = opts.destinations?.[name];
  if (given) return given;
  if (name === 'github') {
    const { createGithubDestination } = await import('./github.js');
    return createGithubDestination(opts.github);
  }
  if (name === 'index') {
    const { createIndexDestination } = await import('./static-index.js');
    const loaded = s.need('loaded');
    const cfg = loaded.config.publish.index;
    return createIndexDestination({ dir: path.resolve(loaded.root, cfg.dir), url: cfg.url });
  }
  // A literal specifier, so that bundlers see it (a variable one left it out of the single-file build).
  const mod = (await import('./pypi.js')) as Record<string, unknown>;
  const factory = mod.createPypiDestination;
  if (typeof factory !== 'function') throw new InternalError('src/publish/pypi.ts does not export createPypiDestination');
  return (factory as (o?: Record<string, unknown>) => Destination)(opts.pypi);
}

function makeRun(ctx: Context, s: Bag, name: DestinationName): PublishRun {
  const manifest = s.need('manifest');
  const rec = manifest.publish[name];
  const files = name === 'github' ? [...s.need('files'), ...s.need('extras')] : s.need('files').filter((f) => f.type !== 'extra');
  return {
    ctx,
    manifest,
    files,
    confirmed: { ...(rec?.files ?? {}) },
    record: (filename, entry) => record(ctx, s, name, filename, entry),
    save: () => (ctx.dryRun ? Promise.resolve() : persist(ctx, s)),
    notes: s.get('notes') ?? '',
    replace: s.need('opts').replace === true,
  };
}

/** Persist one confirmation (serialized: every write holds all confirmations so far). */
function record(ctx: Context, s: Bag, name: DestinationName, filename: string, entry: PublishedFile): Promise<void> {
  if (ctx.dryRun) return Promise.resolve();
  const manifest = s.need('manifest');
  const rec = (manifest.publish[name] ??= { files: {}, complete: false });
  rec.files[filename] = entry;
  return persist(ctx, s);
}

function persist(ctx: Context, s: Bag): Promise<void> {
  const next = s.need('writing').then(() => ctx.world.writeFile(ctx.manifestPath, serializeManifest(s.need('manifest'))));
  s.set('writing', next.catch(() => undefined));
  return next;
}

/** The commit a tag of this checkout points at, or null (no such tag, or not a git repository). */
async function localTagCommit(ctx: Context, root: string, tag: string): Promise<string | null> {
  const res = await ctx.exec('git', ['rev-parse', '--verify', '--quiet', `refs/tags/${tag}^{commit}`], { cwd: root, reject: false });
  return res.exitCode === 0 && /^[0-9a-f]{40,64}$/.test(res.stdout.trim()) ? res.stdout.trim() : null;
}

async function preflight(ctx: Context, s: Bag): Promise<void> {
  const manifest = s.need('manifest');
  // Without a commit GitHub would create the missing tag at the default branch's head: files published without a
  // plan go to GitHub only for a tag this checkout has.
  if (manifest.loose && !manifest.commit && s.need('pending').includes('github')) {
    throw new GitError(`tag ${manifest.tag} does not exist in ${s.need('loaded').root}, so the GitHub release cannot name the commit the files were built from`, {
      hint: `fetch or create the tag (\`git tag -a ${manifest.tag} <commit>\`, actions/checkout with \`fetch-depth: 0\`), or publish with --to pypi`,
    });
  }
  for (const name of s.need('pending')) {
    const dest = await loadDestination(s, name);
    const run = makeRun(ctx, s, name);
    s.need('destinations').set(name, dest);
    s.need('runs').set(name, run);
    try {
      await dest.preflight(run);
    } catch (err) {
      throw prefix(name, err);
    }
    ctx.log.info(`${name}: ready (${run.files.length} file(s), ${Object.keys(run.confirmed).length} confirmed by an earlier run)`);
  }
}

function prefix(name: string, err: unknown): unknown {
  if (err instanceof PublishError || err instanceof ConfigError || err instanceof GitError) {
    prefixError(name, err);
  }
  return err;
}

/** Which destination and run a step set for `name`, or an InternalError naming the step order. */
function prepared(s: Bag, name: DestinationName): { dest: Destination; run: PublishRun } {
  const dest = s.need('destinations').get(name);
  const run = s.need('runs').get(name);
  if (!dest || !run) throw new InternalError(`${name} was not preflighted before publishing (step order)`);
  return { dest, run };
}

async function publishAll(ctx: Context, s: Bag): Promise<void> {
  const manifest = s.need('manifest');
  for (const name of s.need('pending')) {
    const { dest, run } = prepared(s, name);
    let result: DestinationResult;
    try {
      result = await dest.publish(run);
    } catch (err) {
      await s.need('writing');
      throw prefix(name, err);
    }
    await s.need('writing');
    if (!ctx.dryRun) {
      const rec = (manifest.publish[name] ??= { files: {}, complete: false });
      const missing = run.files.filter((f) => rec.files[f.filename]?.sha256 !== f.sha256).map((f) => f.filename);
      if (missing.length) throw new InternalError(`${name} finished without confirming ${missing.join(', ')}`);
      rec.complete = true;
      if (result.url) rec.url = result.url;
      if (result.releaseId !== undefined) rec.releaseId = result.releaseId;
      await persist(ctx, s);
    }
    s.need('summary').push({ name, status: ctx.dryRun ? 'dry-run' : 'published', uploaded: result.uploaded, existing: result.existing, url: result.url });
    ctx.log.info(`${name}: ${result.uploaded.length} uploaded, ${result.existing.length} already there${result.url ? ` — ${result.url}` : ''}`);
  }
}
