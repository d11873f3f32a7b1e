// `release verify`: check every artifact in dist/ and the set against the release plan; write SHA256SUMS
// and versions.json and list them in the manifest as release assets.
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { atDist, type Context } from '../context.js';
import { ConfigError, ExitCode, UsageError, VerifyError } from '../errors.js';
import { entryExists } from '../files.js';
import { appendRunnerFile } from '../github/runner-files.js';
import { actions } from '../log.js';
import type { ReleaseAsset, ReleaseManifest } from '../manifest.js';
import { runSteps, type Step } from '../pipeline.js';
import { createPool, jobsValue } from '../workers/pool.js';
import type { ScanPool } from '../verify/artifacts.js';
import type { ScanResult, ScanTask } from '../verify/scan.js';
import { VERIFY_POOL } from '../verify/tasks.js';
import { compareVersions } from '../version/pep440.js';
import { isArtifact, verifyArtifacts, type ArtifactResult } from '../verify/artifacts.js';
import { CODES, describe } from '../verify/findings.js';
import { applyIgnore, codesOf, isFailing, jsonReport, markdownReport, sha256sums, terminalReport, verifyRecord, type VerifyOutcome } from '../verify/report.js';
import type { Limits } from '../verify/scan.js';
import { bool, list, str, type CommandDefinition } from './types.js';

interface VerifyContext extends Context {
  dist: string;
  /** Artifacts named on the command line (twine-style): verified as they are, without a plan unless --manifest. */
  loose: string[] | null;
  manifestFile: string;
  manifestGiven: boolean;
  jobs: number;
  plan: ReleaseManifest | null;
  releaseVersion: string | null;
  limits: Limits;
  strict: boolean;
  /** verify.ignore: code → reason. */
  ignore: Map<string, string>;
  files: string[];
  artifacts: ArtifactResult[];
  outcome?: VerifyOutcome;
  /** SHA256SUMS and versions.json as written to dist/, for the manifest. */
  assets: ReleaseAsset[];
  /** Started with the command, so the workers are up by the time the artifacts are found. */
  pool?: ScanPool;
}

const DEFAULT_LIMITS: Limits = { maxUncompressed: 4096 * 1024 * 1024, maxRatio: 200 };

async function loadManifest(ctx: VerifyContext): Promise<void> {
  if (ctx.loose && !ctx.manifestGiven) {
    ctx.log.warn('artifacts named on the command line: the set check is skipped (pass --manifest to check them against the plan)');
    return;
  }
  // A dangling link or a directory counts as there: reading it then says what is wrong with it.
  if (!entryExists(ctx.manifestFile)) {
    if (ctx.manifestGiven) throw new ConfigError('release manifest not found', { file: ctx.manifestFile, hint: 'pass the manifest `release plan` wrote, or omit --manifest' });
    ctx.log.warn(`no release manifest at ${ctx.manifestFile}: the set check is skipped (run \`release plan\` first)`);
    return;
  }
  // The manifest's schema (and the set checks) load only when there is a manifest: the workers are
  // waiting for their first wheel, and a directory of wheels without a plan needs neither.
  if (!ctx.manifestGiven) ctx.plan = await ctx.manifest();
  else ctx.plan = await (await import('../manifest.js')).loadRelease(ctx.dist, ctx.manifestFile);
}

async function loadReleaseVersion(ctx: VerifyContext): Promise<void> {
  // Outside a project this is the defaults; a broken release.yaml is an error (exit 2), not the defaults.
  const loaded = await ctx.config();
  const c = loaded.config as unknown as { verify?: { max_uncompressed_mb: number; max_ratio: number; strict?: boolean; ignore?: Array<{ code: string; reason: string }> } };
  if (c.verify) {
    ctx.limits = { maxUncompressed: c.verify.max_uncompressed_mb * 1024 * 1024, maxRatio: c.verify.max_ratio };
    ctx.strict ||= c.verify.strict ?? false;
    for (const i of c.verify.ignore ?? []) {
      if (!CODES[i.code]) {
        throw new ConfigError(`verify.ignore names ${i.code}, which is not a code release verify emits`, { file: loaded.file ?? undefined, hint: 'see the table of codes in the README (Verifying)' });
      }
      ctx.ignore.set(i.code, i.reason);
    }
  }
  let fromFile: string | null = null;
  try {
    fromFile = await ctx.version();
  } catch (err) {
    // A project with a config must have its VERSION; a bare directory of wheels may have neither.
    if (!ctx.plan && loaded.file !== null) throw err;
    ctx.log.debug(`VERSION not readable, using the manifest's version: ${(err as Error).message}`);
  }
  const fromManifest = ctx.plan?.version ?? null;
  if (fromFile && fromManifest && compareVersions(fromFile, fromManifest) !== 0) {
    throw new ConfigError(`the release manifest is for version ${fromManifest}, but VERSION says ${fromFile}`, {
      file: ctx.manifestFile,
      hint: 're-run `release plan` after changing VERSION',
    });
  }
  ctx.releaseVersion = fromFile ?? fromManifest;
  if (!ctx.releaseVersion) ctx.log.warn('no VERSION file and no manifest: artifact versions are not compared with the release version');
}

async function listArtifacts(ctx: VerifyContext): Promise<void> {
  if (ctx.loose) {
    ctx.files = [...ctx.loose].sort();
    return;
  }
  let names: string[];
  try {
    names = await readdir(ctx.dist);
  } catch {
    throw new ConfigError('the dist directory does not exist', { file: ctx.dist, hint: 'build first (`release build`), or pass --dist DIR' });
  }
  const files: string[] = [];
  for (const n of names.sort()) if (isArtifact(n) && (await stat(path.join(ctx.dist, n))).isFile()) files.push(path.join(ctx.dist, n));
  if (files.length === 0) throw new VerifyError('no wheels or sdists to verify', { file: ctx.dist, hint: 'build first (`release build`), or pass --dist DIR' });
  ctx.files = files;
}

const steps: Step<VerifyContext>[] = [
  // The plan and the build fragments define the set we must find.
  { name: 'read the release manifest', run: loadManifest },
  // Every artifact must carry the release version, and the config holds the zip-bomb limits.
  { name: 'read VERSION and limits', run: loadReleaseVersion },
  // Only wheels and sdists at the top of dist/ are release artifacts.
  { name: 'find the artifacts', run: listArtifacts },
  // The work: stream every artifact, several at once, large wheels split across workers.
  {
    name: 'verify the artifacts',
    async run(ctx) {
      ctx.artifacts = await verifyArtifacts(ctx.files, { jobs: ctx.jobs, pool: ctx.pool, limits: ctx.limits, releaseVersion: ctx.releaseVersion });
    },
  },
  // Missing, unexpected and duplicate artifacts per package and target.
  {
    name: 'check the set against the plan',
    async run(ctx) {
      let set: VerifyOutcome['set'] = null;
      if (ctx.plan) {
        const { checkBuilt, checkSet } = await import('../verify/set.js');
        set = [...checkSet(ctx.plan.expected, ctx.artifacts.map((a) => a.filename)), ...checkBuilt(ctx.plan.built, ctx.artifacts)];
      }
      const { artifacts, ignored } = applyIgnore(ctx.artifacts, ctx.ignore);
      const ok = artifacts.every((a) => codesOf(a, ctx.strict).length === 0) && (set ?? []).length === 0;
      ctx.outcome = { ok, version: ctx.releaseVersion, artifacts, set, strict: ctx.strict, ignored: ignored.length ? ignored : undefined };
    },
  },
  // Made once, here, from the verified files: SHA256SUMS (downstream users check downloads against it) and,
  // for a release that passed against its plan, versions.json (the set `release compat` reads); publish
  // uploads them as they are listed in the manifest.
  {
    name: 'write SHA256SUMS and versions.json',
    skip: (ctx) => (ctx.loose ? 'artifacts named on the command line, not the release in a directory' : false),
    async run(ctx) {
      const made: Array<[string, string]> = [['SHA256SUMS', sha256sums(ctx.artifacts)]];
      if (ctx.plan && ctx.outcome!.ok) {
        const { serializeVersionSet, versionSetFromFiles, VERSIONS_FILE } = await import('../versionset.js');
        const { normalizeName } = await import('../version/pep440.js');
        // The package of each file: as built, else by its distribution name (the plan names both).
        const built = new Map(ctx.plan.built.map((b) => [b.filename, b.package]));
        const byDist = new Map(ctx.plan.packages.flatMap((p) => [[normalizeName(p.distName), p.name] as const, [normalizeName(p.name), p.name] as const]));
        const packageOf = (f: string) => built.get(f) ?? byDist.get(normalizeName(f.split('-')[0]!)) ?? '';
        const files = ctx.artifacts.map((a) => ({ filename: a.filename, sha256: a.sha256, size: a.size, package: packageOf(a.filename) }));
        made.push([VERSIONS_FILE, serializeVersionSet(versionSetFromFiles(ctx.plan, files))]);
      }
      ctx.assets = [];
      for (const [filename, text] of made) {
        const bytes = Buffer.from(text);
        await ctx.world.writeFile(path.join(ctx.dist, filename), text);
        ctx.assets.push({ filename, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length });
      }
    },
  },
  // publish refuses to run unless the manifest records a passing verify of the same files.
  {
    name: 'record the results in the manifest',
    skip: (ctx) => (ctx.plan ? false : 'no release manifest'),
    async run(ctx) {
      const { serializeManifest } = await import('../manifest.js');
      const assets = ctx.outcome!.ok ? ctx.assets : [];
      await ctx.world.writeFile(ctx.manifestFile, serializeManifest({ ...ctx.plan!, verify: verifyRecord(ctx.outcome!, ctx.now()), assets }));
    },
  },
  // On GitHub Actions each problem becomes an annotation on the run.
  {
    name: 'annotate the workflow run',
    skip: () => (actions.enabled() ? false : 'not on GitHub Actions'),
    async run(ctx) {
      for (const a of ctx.outcome!.artifacts) {
        for (const f of a.findings) actions.annotate(isFailing(f, ctx.strict) ? 'error' : 'warning', `${f.code} ${describe(a.filename, f)}`, { file: a.filename, title: f.code });
      }
      for (const s of ctx.outcome!.set ?? []) actions.annotate('error', `${s.code} ${s.message}`, { title: s.code });
    },
  },
  // The run's summary page shows the table.
  {
    name: 'write the summary to $GITHUB_STEP_SUMMARY',
    skip: (ctx) => (ctx.env.GITHUB_STEP_SUMMARY ? false : 'GITHUB_STEP_SUMMARY is not set'),
    async run(ctx) {
      await appendRunnerFile(ctx.world, ctx.env.GITHUB_STEP_SUMMARY!, markdownReport(ctx.outcome!));
    },
  },
];

function parseJobs(value: string | undefined): number {
  const n = jobsValue(value);
  if (n === null) throw new UsageError(`--jobs must be a whole number from 1 to 256, not \`${value}\``, { hint: 'e.g. --jobs 2' });
  return n;
}

/**
 * Positionals as twine takes them: one directory is the dist directory (like --dist); wheel and sdist
 * files are verified as they are. Anything else is refused, naming it.
 */
async function targets(ctx: Context, positionals: string[], distArg: string | undefined): Promise<{ dist: string; loose: string[] | null }> {
  const dist = distArg ? path.resolve(ctx.cwd, distArg) : ctx.distDir;
  if (!positionals.length) return { dist, loose: null };
  const given = positionals.map((p) => path.resolve(ctx.cwd, p));
  const stats = await Promise.all(given.map((p) => stat(p).catch(() => null)));
  const missing = positionals.filter((_, i) => !stats[i]);
  if (missing.length) throw new UsageError(`no such file or directory: ${missing.map((m) => `\`${m}\``).join(', ')}`, { hint: 'pass wheels and sdists, or the directory that holds them' });
  if (given.length === 1 && stats[0]!.isDirectory()) {
    if (distArg) throw new UsageError(`two directories: --dist ${distArg} and \`${positionals[0]}\``, { hint: 'give the directory once' });
    return { dist: given[0]!, loose: null };
  }
  const bad = positionals.filter((p, i) => stats[i]!.isDirectory() || !isArtifact(path.basename(p)));
  if (bad.length) throw new UsageError(`not a wheel or an sdist: ${bad.map((b) => `\`${b}\``).join(', ')}`, { hint: 'pass artifact files, or one directory that holds them' });
  return { dist, loose: given };
}

const verify: CommandDefinition = {
  usage: 'release verify [DIR | ARTIFACT...] [--dist DIR] [--manifest PATH] [--jobs N] [--strict] | release verify --published VERSION [--from pypi,github]',
  positionals: { name: 'artifact or directory paths', max: Infinity },
  description:
    'Check every wheel and sdist in dist/ against the rules PyPI and installers apply (names, versions, METADATA, WHEEL tags, RECORD hashes and sizes, zip safety, platform tags, binaries against their tags) and the set against the release plan (missing, unexpected, duplicate). Writes dist/SHA256SUMS and records the results in the release manifest. Like twine, it takes a directory or artifact files as arguments (`release verify dist/*.whl`): named files are checked one by one, without the set check unless --manifest is given. Errors (what PyPI or an installer would refuse, or a platform the wheel does not run on) fail; warnings (spec deviations PyPI accepts) are shown and fail only with --strict. Exits 4 when anything fails.',
  options: {
    manifest: { type: 'string', valueName: 'PATH', description: 'the release manifest (default DIR/release-manifest.json)' },
    jobs: { type: 'string', valueName: 'N', description: 'worker threads (default: the number of cores)' },
    strict: { type: 'boolean', description: 'warnings fail too (also verify.strict in the config)' },
    published: { type: 'string', valueName: 'VERSION', description: 'check the published release instead: download every file, compare it with the manifest, verify its PEP 740 attestations and the signed SHA256SUMS' },
    from: { type: 'string', multiple: true, valueName: 'pypi,github', description: 'with --published: where to download from (default pypi)' },
    'index-url': { type: 'string', valueName: 'URL', description: 'with --published: the index whose JSON and integrity APIs to read (default from publish.pypi.repository_url)' },
    repository: { type: 'string', valueName: 'OWNER/NAME', description: 'with --published: the repository that must have signed (default publish.github.repository, GITHUB_REPOSITORY)' },
    workflow: { type: 'string', valueName: 'FILE', description: 'with --published: the workflow file that must have signed (default release.yml)' },
    'trusted-root': { type: 'string', valueName: 'FILE', description: "with --published: Sigstore's trusted root (default: the public-good root, via TUF)" },
  },
  examples: ['release verify', 'release verify wheelhouse --jobs 2', 'release verify dist/*.whl   # these files only, no set check', 'release verify --published 1.2.0 --from pypi,github', 'release verify --json | jq \'.artifacts[] | select(.ok | not)\''],
  async run(ctx, args) {
    const manifestArg = str(args, 'manifest');
    const published = str(args, 'published');
    if (published !== undefined) {
      const { runPublished } = await import('../verify/published-command.js');
      return runPublished(ctx, {
        version: published, dist: ctx.distDir, manifest: manifestArg, from: list(args, 'from') ?? [], indexUrl: str(args, 'index-url'),
        repository: str(args, 'repository'), workflow: str(args, 'workflow'), trustedRoot: str(args, 'trusted-root'),
      });
    }
    const { dist, loose } = await targets(ctx, args.positionals, str(args, 'dist'));
    const at = dist === ctx.distDir ? ctx : atDist(ctx, dist);
    const vctx: VerifyContext = {
      ...at,
      dist,
      loose,
      manifestFile: manifestArg ? path.resolve(ctx.cwd, manifestArg) : at.manifestPath,
      manifestGiven: manifestArg !== undefined,
      jobs: parseJobs(str(args, 'jobs')),
      plan: null,
      releaseVersion: null,
      limits: DEFAULT_LIMITS,
      strict: bool(args, 'strict'),
      ignore: new Map(),
      files: [],
      artifacts: [],
      assets: [],
    };
    vctx.pool = createPool<ScanTask, ScanResult>(vctx.jobs, VERIFY_POOL);
    try {
      await runSteps(vctx, steps);
    } finally {
      await vctx.pool.close();
    }
    const outcome = vctx.outcome!;
    ctx.log.info(terminalReport(outcome));
    if (!outcome.ok) ctx.log.error('verification failed: fix the problems above, rebuild, and run `release verify` again');
    return { json: jsonReport(outcome), exitCode: outcome.ok ? ExitCode.ok : ExitCode.verify };
  },
};

export const commands: Record<string, CommandDefinition> = { verify };
