// The steps of `release build --target T`: find the job, run its builders, repair, check against the plan, record.
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { outputTail, type Context } from '../context.js';
import { BuildError, ConfigError, suggestion, UsageError } from '../errors.js';
import { readUserFile } from '../files.js';
import { FRAGMENT_DIR, SCHEMA_VERSION, type BuildJob, type BuiltArtifact, type ReleaseManifest } from '../manifest.js';
import { runSteps, State, type Step } from '../pipeline.js';
import { loadFacts, type CibuildwheelRelease } from '../platforms/facts.js';
import { getRecipe, loadRecipes, shippedRecipesDir, type Recipe } from '../platforms/recipes.js';
import { hashFile } from '../wheel/hash.js';
import { matchProduced, packageOfFilename, type MatchedFile, type ProducedFile } from './check-produced.js';
import { cibwOptionsSet, jobExpected, jobInvocations, type Invocation } from './invocations.js';
import { PYTHON_VERSION } from './python-scripts.js';
import { normalizeSdist, retagWheel } from './repair.js';

/** The rules of the cibuildwheel release the workflow pins (recipes/actions.yaml `tools.cibuildwheel`). */
async function pinnedCibuildwheel(): Promise<CibuildwheelRelease | undefined> {
  const { parse } = await import('yaml');
  const dir = shippedRecipesDir();
  const pinned = (parse(await readFile(path.join(dir, 'actions.yaml'), 'utf8')) as { tools?: { cibuildwheel?: string } }).tools?.cibuildwheel;
  return pinned ? (await loadFacts(dir)).cibuildwheel.get(pinned) : undefined;
}

export interface BuildRequest {
  target: string;
  /** The job id, where a target has several jobs (one per Python, or per maturin package). */
  job?: string;
  python: string;
  offline: boolean;
  native: boolean;
  /** Take the wheels a builder action already wrote to this folder instead of running a builder. */
  from?: string;
}

/** What the build steps share: filled in order, read by later steps. */
export interface BuildState {
  request: BuildRequest;
  /** The project root (where release.yaml is). */
  root: string;
  plan: ReleaseManifest;
  job: BuildJob;
  recipe: Recipe;
  /** The builder commands and their environment (what --dry-run prints). */
  invocations: Invocation[];
  /** What the builders wrote (or --from held), then the same files repaired. */
  produced: ProducedFile[];
  matched: MatchedFile[];
  built: BuiltArtifact[];
  /** Scratch folder for builder output, outside dist/ so no half-made file is mistaken for an artifact. */
  scratch?: string;
}

/** One step of `release build`: it reads the context and the state bag, and sets what it found. */
export type BuildStep = Step<Context, BuildState>;

/** Host architecture as `uname -m` spells it. */
export function hostMachine(arch = process.arch): string {
  return ({ x64: 'x86_64', arm64: 'aarch64', ia32: 'i686', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[arch] ?? arch;
}


async function listFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

/**
 * Read the plan. Build never plans: a plan made here could differ from the one the other jobs build
 * from, so a missing manifest is an error whose hint says where the plan comes from.
 */
async function loadPlan(ctx: Context, s: State<BuildState>): Promise<void> {
  const loaded = await ctx.config();
  s.set('root', loaded.root);
  const plan = s.set('plan', await ctx.manifest());
  const recipes = await loadRecipes(loaded.root, loaded.config.recipes_dir);
  const request = s.need('request');
  const t = request.target;
  const jobs = plan.jobs.filter((j) => j.target === t && (!request.job || j.id === request.job));
  if (jobs.length === 0) {
    const planned = plan.jobs.map((j) => j.target);
    if (!recipes.recipes.has(t)) getRecipe(recipes, t, { field: '--target' });
    if (request.job) {
      const ids = plan.jobs.filter((j) => j.target === t).map((j) => j.id);
      throw new ConfigError(`the plan has no build job \`${request.job}\` for target ${t}${suggestion(request.job, ids)}`, { file: ctx.manifestPath, hint: `jobs of ${t}: ${ids.join(', ') || 'none'}` });
    }
    throw new ConfigError(`the plan has no build job for target \`${t}\`${suggestion(t, planned)}`, { file: ctx.manifestPath, hint: `planned targets: ${planned.join(', ')}` });
  }
  if (jobs.length > 1) throw new UsageError(`target ${t} has ${jobs.length} jobs (${jobs.map((j) => j.id).join(', ')}); name one with --job`, { hint: `e.g. --job ${jobs[0]!.id}` });
  s.set('job', jobs[0]!);
  s.set('recipe', getRecipe(recipes, t));
}

/** Native mode builds with the host Python on a matching Linux host: check before anything runs. */
async function checkNativeHost(ctx: Context, s: State<BuildState>): Promise<void> {
  const [recipe, job, manifest, request] = [s.need('recipe'), s.need('job'), s.need('plan'), s.need('request')];
  if (!recipe.native) throw new ConfigError(`--native cannot build target ${recipe.target}: its recipe has no \`native\` section`, { hint: 'run without --native (cibuildwheel builds it in a container)' });
  if (process.platform !== 'linux' || hostMachine() !== recipe.native.machine) {
    throw new BuildError(`--native builds ${recipe.target} only on a ${recipe.native.machine} Linux host; this is ${process.platform} ${hostMachine()}`, { hint: 'run on a matching runner, or without --native' });
  }
  const host = (await ctx.exec(request.python, ['-c', PYTHON_VERSION])).stdout.trim();
  const wanted = [...new Set(manifest.expected.filter((e) => e.job === job.id && e.python).map((e) => e.python!))];
  const other = wanted.filter((p) => p !== host);
  if (other.length) {
    throw new ConfigError(`--native builds with ${request.python} (Python ${host}), but the plan wants Python ${wanted.join(', ')} on ${recipe.target}`, {
      hint: `set \`python: ["${host}"]\` for a local build, or build in CI with cibuildwheel`,
    });
  }
}

/** Each package's own cibuildwheel options ([tool.cibuildwheel] in its pyproject.toml), so the build never overrides them. */
async function readProjectCibw(s: State<BuildState>): Promise<Map<string, Set<string>>> {
  const { parse } = await import('smol-toml');
  const out = new Map<string, Set<string>>();
  for (const name of s.need('job').packages) {
    const pkg = s.need('plan').packages.find((p) => p.name === name);
    if (!pkg) continue;
    const file = path.join(s.need('root'), pkg.path, 'pyproject.toml');
    const text = await readUserFile(file, { kind: 'pyproject', root: s.need('root'), optional: true });
    if (text === null) continue;
    let doc: { tool?: { cibuildwheel?: Record<string, unknown> } };
    try {
      doc = parse(text) as typeof doc;
    } catch (err) {
      throw new ConfigError(`invalid TOML: ${(err as Error).message.split('\n')[0]}`, { file, hint: 'fix the syntax' });
    }
    out.set(name, cibwOptionsSet(doc.tool?.cibuildwheel));
  }
  return out;
}

/**
 * What setuptools and pypa/build leave in a source tree (`build/`, `*.egg-info`, also under `src/`):
 * entries there now, in the repository root and each package directory. A build removes the ones it
 * made, so the next `release prepare` finds the tree clean.
 */
async function buildLeftovers(s: State<BuildState>): Promise<Set<string>> {
  const root = s.need('root');
  const dirs = new Set([root, ...s.need('plan').packages.map((p) => path.join(root, p.path))]);
  const out = new Set<string>();
  for (const d of dirs) {
    for (const where of [d, path.join(d, 'src')]) {
      for (const name of await readdir(where).catch(() => [] as string[])) {
        if (name === 'build' || name.endsWith('.egg-info')) out.add(path.join(where, name));
      }
    }
  }
  return out;
}

/** Files a builder action wrote to --from, assigned to the job's packages by their names. */
async function takeFrom(ctx: Context, s: State<BuildState>, from: string): Promise<void> {
  const [plan, job] = [s.need('plan'), s.need('job')];
  const dir = path.resolve(ctx.cwd, from);
  const files = await listFiles(dir);
  if (files.length === 0) throw new BuildError(`--from ${from}: no files there (job ${job.id})`, { hint: 'check the builder step wrote its wheels to this folder' });
  const produced: ProducedFile[] = [];
  for (const filename of files) {
    const owner = packageOfFilename(filename);
    const pkg = plan.packages.find((p) => p.name === owner && job.packages.includes(p.name));
    if (!pkg) throw new BuildError(`--from ${from} holds ${filename}, which belongs to no package of job ${job.id} (${job.packages.join(', ')})`, { hint: 'point --from at this job\'s builder output only' });
    produced.push({ package: pkg.name, path: path.join(dir, filename), filename });
  }
  s.set('produced', produced);
}

async function runBuilders(ctx: Context, s: State<BuildState>): Promise<void> {
  const from = s.need('request').from;
  if (from) return takeFrom(ctx, s, from);
  const before = await buildLeftovers(s);
  try {
    await runEachBuilder(ctx, s);
  } finally {
    for (const made of await buildLeftovers(s)) if (!before.has(made)) await ctx.world.remove(made);
  }
}

async function runEachBuilder(ctx: Context, s: State<BuildState>): Promise<void> {
  const job = s.need('job');
  const produced: ProducedFile[] = [];
  for (const inv of s.need('invocations')) {
    await rm(inv.outDir, { recursive: true, force: true });
    await mkdir(inv.outDir, { recursive: true });
    ctx.log.info(`building ${inv.package} for ${job.target}`);
    if (ctx.dryRun) for (const [k, v] of Object.entries(inv.env)) ctx.log.info(`  ${k}=${v}`);
    let result;
    try {
      // Streamed: the builder's output goes to our stderr as it runs (stdout is for results).
      result = await ctx.world.run(inv.file, inv.args, { cwd: inv.cwd, env: inv.env, stream: true, reject: false });
    } catch (err) {
      throw new BuildError(`the builder for package ${inv.package} on target ${job.target} could not start: ${(err as Error).message}`, {
        hint: `install it, or pass --python with a Python that has it (e.g. --python /usr/bin/python3)`,
        cause: err,
      });
    }
    if (result.exitCode !== 0) {
      const missing = /No module named '?(build|cibuildwheel)'?/.exec(outputTail(result))?.[1];
      throw new BuildError(`the builder failed for package ${inv.package} on target ${job.target}: \`${[inv.file, ...inv.args].join(' ')}\` exited with ${result.exitCode}`, {
        hint: missing
          ? `\`${missing}\` is not available to ${inv.file}: install it, or pass --python with a Python that has it (e.g. --python /usr/bin/python3)`
          : 'see the builder output above',
      });
    }
    for (const filename of await listFiles(inv.outDir)) {
      if (inv.keepOnly && !inv.produces.includes(filename.endsWith('.whl') ? 'wheel' : 'sdist')) continue;
      produced.push({ package: inv.package, path: path.join(inv.outDir, filename), filename });
    }
  }
  s.set('produced', produced);
}

/** PEP 625 sdist names and manylinux retags for host builds; files named for another package are errors. */
async function repairProduced(ctx: Context, s: State<BuildState>): Promise<void> {
  const [manifest, recipe, job, python] = [s.need('plan'), s.need('recipe'), s.need('job'), s.need('request').python];
  const out: ProducedFile[] = [];
  for (const f of s.need('produced')) {
    const pkg = manifest.packages.find((p) => p.name === f.package)!;
    const owner = packageOfFilename(f.filename);
    if (owner !== pkg.name) throw new BuildError(`building package ${pkg.name} for target ${job.target} produced ${f.filename}, which is not one of its files`, { hint: 'check the project name in its pyproject.toml' });
    const inv = s.need('invocations').find((i) => i.package === f.package)!;
    let file = f.path;
    if (f.filename.endsWith('.tar.gz') && f.filename !== `${pkg.distName}-${manifest.version}.tar.gz`) {
      await mkdir(path.join(inv.outDir, '..', 'normalized'), { recursive: true });
      file = await normalizeSdist(ctx, python, f.path, pkg.distName, manifest.version);
    } else if (inv.platformRetag && f.filename.endsWith('-none-any.whl')) {
      // Pure code with this platform's resources: the filename and WHEEL's Tag lines both take the platform tag.
      await mkdir(path.join(inv.outDir, '..', 'repaired'), { recursive: true });
      file = await retagWheel(ctx, python, f.path, recipe.wheel.platform_tag, { package: pkg.name, target: job.target });
    } else if (inv.repair && f.filename.endsWith('.whl') && /-linux_[^-.]+\.whl$/.test(f.filename)) {
      await mkdir(path.join(inv.outDir, '..', 'repaired'), { recursive: true });
      file = await retagWheel(ctx, python, f.path, recipe.wheel.platform_tag, { package: pkg.name, target: job.target });
    }
    out.push({ ...f, path: file, filename: path.basename(file) });
  }
  s.set('produced', out);
}

/** Copy the checked files into dist/ and record size and sha256. */
async function collect(ctx: Context, s: State<BuildState>): Promise<void> {
  const job = s.need('job');
  const built: BuiltArtifact[] = [];
  for (const m of s.need('matched')) {
    const dest = path.join(ctx.distDir, m.filename);
    await copyFile(m.path, dest);
    const { sha256, size } = await hashFile(dest);
    built.push({ filename: m.filename, package: m.package, target: m.expected.target, job: job.id, size, sha256 });
    ctx.log.info(`  ${m.filename} (${size} bytes)`);
  }
  s.set('built', built);
}

/** Nothing is built in a dry run, so there is nothing to repair, check or record. */
const dryRunSkip = (ctx: Context) => (ctx.dryRun ? 'dry run' : false);

const prepareCommands: BuildStep = {
  name: 'prepare the builder commands',
  async run(ctx, s) {
    const [job, recipe] = [s.need('job'), s.need('recipe')];
    const scratch = await mkdtemp(path.join(tmpdir(), `wheelwright-${job.id}-`));
    s.set('scratch', scratch);
    const cibw = job.builder === 'cibuildwheel' && recipe.os !== 'any';
    const projectCibw = cibw ? await readProjectCibw(s) : undefined;
    const cibwRelease = cibw ? await pinnedCibuildwheel() : undefined;
    s.set('invocations', jobInvocations(s.need('plan'), job, recipe, { ...s.need('request'), root: s.need('root'), workDir: scratch, projectCibw, cibwRelease }));
  },
};

const checkAgainstPlan: BuildStep = {
  name: 'check the artifacts against the plan',
  skip: dryRunSkip,
  async run(ctx, s) {
    const job = s.need('job');
    s.set('matched', matchProduced(job.target, jobExpected(s.need('plan'), job), s.need('produced')));
  },
};

const writeFragment: BuildStep = {
  name: 'write the manifest fragment',
  skip: dryRunSkip,
  async run(ctx, s) {
    const job = s.need('job');
    const fragment = { schemaVersion: SCHEMA_VERSION, job: job.id, built: s.need('built') };
    await ctx.world.writeFile(path.join(ctx.distDir, FRAGMENT_DIR, `${job.id}.json`), JSON.stringify(fragment, null, 2) + '\n');
  },
};

const findJob: BuildStep = { name: 'find the build job', run: loadPlan };
const checkHost: BuildStep = { name: 'check the host for a native build', skip: (ctx, s) => (s.need('request').native ? false : 'not --native'), run: checkNativeHost };
const build: BuildStep = { name: 'run the builders', run: runBuilders };
const repair: BuildStep = { name: 'make sdists and wheels PyPI-acceptable', skip: dryRunSkip, run: repairProduced };
const collectIntoDist: BuildStep = { name: 'collect the artifacts into dist/', skip: dryRunSkip, run: collect };

/** The steps of `release build`, in order. */
export const BUILD_STEPS: BuildStep[] = [
  findJob, // the plan decides which packages and Pythons this target builds
  checkHost, // --native needs a matching host with the planned Python: say so before building
  prepareCommands, // the exact commands and environment, also what --dry-run prints
  build, // builders stream their output; in dry run world.run prints `$ command` instead
  repair, // PEP 625 sdist names; platform retags of host builds
  checkAgainstPlan, // missing, pure-instead-of-platform and extra files fail here, naming package and target
  collectIntoDist, // copy into dist/, with size and sha256
  writeFragment, // verify merges every job's fragment into the manifest
];

/** Run the build steps for one target; the scratch folder is removed after, also after a failure. */
export async function buildTarget(ctx: Context, request: BuildRequest): Promise<State<BuildState>> {
  const state = new State<BuildState>({ request });
  try {
    await runSteps(ctx, BUILD_STEPS, state);
  } finally {
    const scratch = state.get('scratch');
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
  return state;
}
