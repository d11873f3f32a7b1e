// The steps of `release verify`: the plan, VERSION and limits → every artifact checked on a worker pool →
// the set against the plan → the version set (and the set distribution) → SHA256SUMS and versions.json →
// the results recorded in the manifest.
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Context } from '../context.js';
import { ConfigError, VerifyError } from '../errors.js';
import { entryExists } from '../files.js';
import { appendRunnerFile } from '../github/runner-files.js';
import { actions } from '../log.js';
import type { BuiltArtifact, ReleaseAsset, ReleaseManifest } from '../manifest.js';
import { runSteps, State, type Step } from '../pipeline.js';
import { compareVersions } from '../version/pep440.js';
import { createPool } from '../workers/pool.js';
import { isArtifact, verifyArtifacts, type ArtifactResult, type ScanPool } from './artifacts.js';
import { CODES, describe } from './findings.js';
import { applyIgnore, codesOf, isFailing, markdownReport, sha256sums, verifyRecord, type VerifyOutcome } from './report.js';
import type { Limits, ScanResult, ScanTask } from './scan.js';
import type { SetDistributionPlan } from './set-distribution.js';
import { VERIFY_POOL } from './tasks.js';
import type { VersionSet } from '../versionset.js';

/** What the command line asked for; the dist directory is the context's (`ctx.distDir`). */
export interface VerifyInputs {
  /** Artifacts named on the command line (twine-style): verified as they are, without a plan unless --manifest. */
  loose: string[] | null;
  manifestFile: string;
  manifestGiven: boolean;
  jobs: number;
  /** --strict; verify.strict in the config can only add to it. */
  strict: boolean;
}

/** What the verify steps share: filled in order, read by later steps. */
export interface VerifyState {
  inputs: VerifyInputs;
  /** Started with the command, so the workers are up by the time the artifacts are found. */
  pool: ScanPool;
  /** The plan with the build fragments merged; absent for loose artifacts or a dist/ without a manifest. */
  plan?: ReleaseManifest;
  /** VERSION, else the manifest's; absent when there is neither. */
  releaseVersion?: string;
  limits: Limits;
  strict: boolean;
  /** verify.ignore: code → reason. */
  ignore: Map<string, string>;
  files: string[];
  artifacts: ArtifactResult[];
  outcome: VerifyOutcome;
  /** SHA256SUMS and versions.json as written to dist/, for the manifest. */
  assets: ReleaseAsset[];
  /** `set_distribution`: the `<name>-release` wheel to make from the set; absent when it is off. */
  setDist?: SetDistributionPlan;
  /** The set of a release that passed against its plan (versions.json). */
  versionSet?: VersionSet;
  /** The set distribution as made and verified this run, for the manifest's built files. */
  setBuilt?: BuiltArtifact;
}

/** One step of `release verify`: it reads the context and the state bag, and sets what it found. */
export type VerifyStep = Step<Context, VerifyState>;

const DEFAULT_LIMITS: Limits = { maxUncompressed: 4096 * 1024 * 1024, maxRatio: 200 };

const readManifest: VerifyStep = {
  name: 'read the release manifest',
  async run(ctx, s) {
    const { loose, manifestGiven, manifestFile } = s.need('inputs');
    if (loose && !manifestGiven) {
      ctx.log.warn('artifacts named on the command line: the set check is skipped (pass --manifest to check them against the plan)');
      return;
    }
    // A dangling link or a directory counts as there: reading it then says what is wrong with it.
    if (!entryExists(manifestFile)) {
      if (manifestGiven) throw new ConfigError('release manifest not found', { file: manifestFile, hint: 'pass the manifest `release plan` wrote, or omit --manifest' });
      ctx.log.warn(`no release manifest at ${manifestFile}: the set check is skipped (run \`release plan\` first)`);
      return;
    }
    // The manifest's schema (and the set checks) load only when there is a manifest: the workers are
    // waiting for their first wheel, and a directory of wheels without a plan needs neither.
    const plan = manifestGiven ? await (await import('../manifest.js')).loadRelease(ctx.distDir, manifestFile) : await ctx.manifest();
    // `release publish FILE...` keeps its record of files built elsewhere there: no plan, so no set to check.
    if (plan.loose) return void ctx.log.warn(`${manifestFile} records files published without a plan: the set check is skipped`);
    s.set('plan', plan);
  },
};

const readVersionAndLimits: VerifyStep = {
  name: 'read VERSION and limits',
  async run(ctx, s) {
    // Outside a project this is the defaults; a broken release.yaml is an error (exit 2), not the defaults.
    const loaded = await ctx.config();
    const c = loaded.config as unknown as { verify?: { max_uncompressed_mb: number; max_ratio: number; strict?: boolean; ignore?: Array<{ code: string; reason: string }> } };
    const ignore = s.set('ignore', new Map());
    s.set('limits', DEFAULT_LIMITS);
    s.set('strict', s.need('inputs').strict);
    if (c.verify) {
      s.set('limits', { maxUncompressed: c.verify.max_uncompressed_mb * 1024 * 1024, maxRatio: c.verify.max_ratio });
      s.set('strict', s.need('strict') || (c.verify.strict ?? false));
      for (const i of c.verify.ignore ?? []) {
        if (!CODES[i.code]) {
          throw new ConfigError(`verify.ignore names ${i.code}, which is not a code release verify emits`, { file: loaded.file ?? undefined, hint: 'see the table of codes in the README (Verifying)' });
        }
        ignore.set(i.code, i.reason);
      }
    }
    const plan = s.get('plan');
    let fromFile: string | null = null;
    try {
      fromFile = await ctx.version();
    } catch (err) {
      // A project with a config must have its VERSION; a bare directory of wheels may have neither.
      if (!plan && loaded.file !== null) throw err;
      ctx.log.debug(`VERSION not readable, using the manifest's version: ${(err as Error).message}`);
    }
    const fromManifest = plan?.version ?? null;
    if (fromFile && fromManifest && compareVersions(fromFile, fromManifest) !== 0) {
      throw new ConfigError(`the release manifest is for version ${fromManifest}, but VERSION says ${fromFile}`, {
        file: s.need('inputs').manifestFile,
        hint: 're-run `release plan` after changing VERSION',
      });
    }
    const version = fromFile ?? fromManifest;
    if (version) s.set('releaseVersion', version);
    else ctx.log.warn('no VERSION file and no manifest: artifact versions are not compared with the release version');
    if (plan && !s.need('inputs').loose) {
      const { planSetDistribution, withoutVerifyMade } = await import('./set-distribution.js');
      const current = withoutVerifyMade(plan);
      s.set('plan', current);
      const setDist = await planSetDistribution(loaded, current);
      if (setDist) s.set('setDist', setDist);
    }
  },
};

const findArtifacts: VerifyStep = {
  name: 'find the artifacts',
  async run(ctx, s) {
    const loose = s.need('inputs').loose;
    if (loose) {
      s.set('files', [...loose].sort());
      return;
    }
    let names: string[];
    try {
      names = await readdir(ctx.distDir);
    } catch {
      throw new ConfigError('the dist directory does not exist', { file: ctx.distDir, hint: 'build first (`release build`), or pass --dist DIR' });
    }
    const files: string[] = [];
    const remade = s.get('setDist')?.filename;
    for (const n of names.sort()) {
      // An earlier run's set distribution is not a built file: it is made again from this run's set.
      if (n === remade) continue;
      if (isArtifact(n) && (await stat(path.join(ctx.distDir, n))).isFile()) files.push(path.join(ctx.distDir, n));
    }
    if (files.length === 0) throw new VerifyError('no wheels or sdists to verify', { file: ctx.distDir, hint: 'build first (`release build`), or pass --dist DIR' });
    s.set('files', files);
  },
};

const verifyEach: VerifyStep = {
  name: 'verify the artifacts',
  async run(ctx, s) {
    const opts = { jobs: s.need('inputs').jobs, pool: s.need('pool'), limits: s.need('limits'), releaseVersion: s.get('releaseVersion') ?? null };
    s.set('artifacts', await verifyArtifacts(s.need('files'), opts));
  },
};

const checkTheSet: VerifyStep = {
  name: 'check the set against the plan',
  async run(ctx, s) {
    const plan = s.get('plan');
    const strict = s.need('strict');
    let set: VerifyOutcome['set'] = null;
    if (plan) {
      const { checkBuilt, checkSet } = await import('./set.js');
      set = [...checkSet(plan.expected, s.need('artifacts').map((a) => a.filename)), ...checkBuilt(plan.built, s.need('artifacts'))];
    }
    const { artifacts, ignored } = applyIgnore(s.need('artifacts'), s.need('ignore'));
    const ok = artifacts.every((a) => codesOf(a, strict).length === 0) && (set ?? []).length === 0;
    s.set('outcome', { ok, version: s.get('releaseVersion') ?? null, artifacts, set, strict, ignored: ignored.length ? ignored : undefined });
  },
};

const makeVersionSet: VerifyStep = {
  name: 'make the version set',
  skip: (ctx, s) => (s.need('inputs').loose ? 'artifacts named on the command line, not the release in a directory' : !s.get('plan') ? 'no release manifest' : !s.need('outcome').ok ? 'verification failed' : false),
  async run(ctx, s) {
    // The one builder of the set (compat reads it back through the same module), from the files just hashed.
    const { buildVersionSet } = await import('../versionset.js');
    s.set('versionSet', await buildVersionSet(s.need('plan'), ctx.distDir, s.need('artifacts')));
  },
};

const buildSetDistribution: VerifyStep = {
  name: 'build the set distribution',
  skip: (ctx, s) => (!s.get('setDist') ? 'set_distribution is off' : !s.get('versionSet') ? 'no version set' : false),
  async run(ctx, s) {
    const { writeSetDistribution } = await import('./set-distribution.js');
    const set = s.need('versionSet');
    const made = await writeSetDistribution(set, s.need('setDist'), ctx.distDir, (f, d) => ctx.world.writeFile(f, d));
    const opts = { jobs: s.need('inputs').jobs, pool: s.need('pool'), limits: s.need('limits'), releaseVersion: s.get('releaseVersion') ?? null };
    const [result] = await verifyArtifacts([made.file], opts);
    s.need('artifacts').push(result!);
    const [kept] = applyIgnore([result!], s.need('ignore')).artifacts;
    const outcome = s.need('outcome');
    outcome.artifacts = [...outcome.artifacts, kept!];
    outcome.ok &&= codesOf(kept!, s.need('strict')).length === 0;
    if (outcome.ok) s.set('setBuilt', made.built);
    ctx.log.info(`${made.built.filename}: the set of ${set.packages.length} component(s), sha256 ${made.built.sha256.slice(0, 12)}…`);
  },
};

const writeAssets: VerifyStep = {
  name: 'write SHA256SUMS and versions.json',
  skip: (ctx, s) => (s.need('inputs').loose ? 'artifacts named on the command line, not the release in a directory' : false),
  async run(ctx, s) {
    const made: Array<[string, string]> = [['SHA256SUMS', sha256sums(s.need('artifacts'))]];
    const set = s.get('versionSet');
    if (set && s.need('outcome').ok) {
      const { serializeVersionSet, VERSIONS_FILE } = await import('../versionset.js');
      made.push([VERSIONS_FILE, serializeVersionSet(set)]);
    }
    const assets = s.set('assets', []);
    for (const [filename, text] of made) {
      const bytes = Buffer.from(text);
      await ctx.world.writeFile(path.join(ctx.distDir, filename), text);
      assets.push({ filename, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length });
    }
  },
};

/**
 * Named files (`release verify a.whl --manifest M`) make no SHA256SUMS or versions.json: what an earlier
 * verify of the directory made and listed still describes them when they are exactly the files it verified,
 * byte for byte, so it stays listed for publish; otherwise it no longer does, and is dropped.
 */
function keptAssets(plan: ReleaseManifest, outcome: VerifyOutcome): ReleaseAsset[] {
  const before = plan.verify?.ok ? plan.verify.files : [];
  const same = before.length === outcome.artifacts.length && outcome.artifacts.every((a) => before.some((f) => f.filename === a.filename && f.sha256 === a.sha256));
  return same ? plan.assets : [];
}

const recordResults: VerifyStep = {
  name: 'record the results in the manifest',
  skip: (ctx, s) => (s.get('plan') ? false : 'no release manifest'),
  async run(ctx, s) {
    const { serializeManifest } = await import('../manifest.js');
    const outcome = s.need('outcome');
    const plan = s.need('plan');
    const assets = outcome.ok ? (s.get('assets') ?? keptAssets(plan, outcome)) : [];
    const setBuilt = s.get('setBuilt');
    const built = setBuilt ? [...plan.built, setBuilt] : plan.built;
    await ctx.world.writeFile(s.need('inputs').manifestFile, serializeManifest({ ...plan, built, verify: verifyRecord(outcome, ctx.now()), assets }));
  },
};

const annotateRun: VerifyStep = {
  name: 'annotate the workflow run',
  skip: () => (actions.enabled() ? false : 'not on GitHub Actions'),
  async run(ctx, s) {
    const { artifacts, set } = s.need('outcome');
    const strict = s.need('strict');
    for (const a of artifacts) {
      for (const f of a.findings) actions.annotate(isFailing(f, strict) ? 'error' : 'warning', `${f.code} ${describe(a.filename, f)}`, { file: a.filename, title: f.code });
    }
    for (const e of set ?? []) actions.annotate('error', `${e.code} ${e.message}`, { title: e.code });
  },
};

const writeSummary: VerifyStep = {
  name: 'write the summary to $GITHUB_STEP_SUMMARY',
  skip: (ctx) => (ctx.env.GITHUB_STEP_SUMMARY ? false : 'GITHUB_STEP_SUMMARY is not set'),
  async run(ctx, s) {
    await appendRunnerFile(ctx.world, ctx.env.GITHUB_STEP_SUMMARY!, markdownReport(s.need('outcome')));
  },
};

/** The steps of `release verify`, in order. */
export const VERIFY_STEPS: VerifyStep[] = [
  readManifest, // the plan and the build fragments define the set we must find
  readVersionAndLimits, // every artifact must carry the release version; the config holds the zip-bomb limits
  findArtifacts, // only wheels and sdists at the top of dist/ (or the files named) are release artifacts
  verifyEach, // the work: stream every artifact, several at once, large wheels split across workers
  checkTheSet, // missing, unexpected and duplicate artifacts per package and target
  makeVersionSet, // a passing planned release: its version set (versions.json, and what the set distribution carries)
  buildSetDistribution, // set_distribution: <name>-release==V from the set, checked like every wheel, listed with the built files
  writeAssets, // SHA256SUMS, and versions.json for a passing planned release: made once, here, uploaded by publish
  recordResults, // publish refuses to run unless the manifest records a passing verify of the same files
  annotateRun, // on GitHub Actions each problem becomes an annotation on the run
  writeSummary, // the run's summary page shows the table
];

/** Start the worker pool, run the steps, stop the pool; the outcome is what the command prints. */
export async function verifyRelease(ctx: Context, inputs: VerifyInputs): Promise<VerifyOutcome> {
  const state = new State<VerifyState>({ inputs, pool: createPool<ScanTask, ScanResult>(inputs.jobs, VERIFY_POOL) });
  try {
    await runSteps(ctx, VERIFY_STEPS, state);
  } finally {
    await state.need('pool').close();
  }
  return state.need('outcome');
}
