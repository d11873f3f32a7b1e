// `release build --target T` as a pipeline: find the job, run its builders, repair, check against the plan, record.
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { outputTail, type Context } from '../context.js';
import { BuildError, ConfigError, suggestion, UsageError } from '../errors.js';
import { FRAGMENT_DIR, SCHEMA_VERSION, type BuildJob, type BuiltArtifact, type ReleaseManifest } from '../manifest.js';
import type { Step } from '../pipeline.js';
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

export interface BuildContext extends Context {
  request: BuildRequest;
  root?: string;
  plan?: ReleaseManifest;
  job?: BuildJob;
  recipe?: Recipe;
  invocations?: Invocation[];
  produced?: ProducedFile[];
  matched?: MatchedFile[];
  built?: BuiltArtifact[];
  /** Scratch folder for builder output, outside dist/ so no half-made file is mistaken for an artifact. */
  scratch?: string;
}

/** Host architecture as `uname -m` spells it. */
export function hostMachine(arch = process.arch): string {
  return ({ x64: 'x86_64', arm64: 'aarch64', ia32: 'i686', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[arch] ?? arch;
}

/** Remove the scratch folder (also after a failure). */
export async function cleanScratch(ctx: BuildContext): Promise<void> {
  if (ctx.scratch) await rm(ctx.scratch, { recursive: true, force: true });
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
async function loadPlan(ctx: BuildContext): Promise<void> {
  const loaded = await ctx.config();
  ctx.root = loaded.root;
  ctx.plan = await ctx.manifest();
  const recipes = await loadRecipes(loaded.root, loaded.config.recipes_dir);
  const t = ctx.request.target;
  const jobs = ctx.plan.jobs.filter((j) => j.target === t && (!ctx.request.job || j.id === ctx.request.job));
  if (jobs.length === 0) {
    const planned = ctx.plan.jobs.map((j) => j.target);
    if (!recipes.recipes.has(t)) getRecipe(recipes, t, { field: '--target' });
    if (ctx.request.job) {
      const ids = ctx.plan.jobs.filter((j) => j.target === t).map((j) => j.id);
      throw new ConfigError(`the plan has no build job \`${ctx.request.job}\` for target ${t}${suggestion(ctx.request.job, ids)}`, { file: ctx.manifestPath, hint: `jobs of ${t}: ${ids.join(', ') || 'none'}` });
    }
    throw new ConfigError(`the plan has no build job for target \`${t}\`${suggestion(t, planned)}`, { file: ctx.manifestPath, hint: `planned targets: ${planned.join(', ')}` });
  }
  if (jobs.length > 1) throw new UsageError(`target ${t} has ${jobs.length} jobs (${jobs.map((j) => j.id).join(', ')}); name one with --job`, { hint: `e.g. --job ${jobs[0]!.id}` });
  ctx.job = jobs[0]!;
  ctx.recipe = getRecipe(recipes, t);
}

/** Native mode builds with the host Python on a matching Linux host: check before anything runs. */
async function checkNativeHost(ctx: BuildContext): Promise<void> {
  const { recipe, job, plan: manifest } = ctx as Required<BuildContext>;
  if (!recipe.native) throw new ConfigError(`--native cannot build target ${recipe.target}: its recipe has no \`native\` section`, { hint: 'run without --native (cibuildwheel builds it in a container)' });
  if (process.platform !== 'linux' || hostMachine() !== recipe.native.machine) {
    throw new BuildError(`--native builds ${recipe.target} only on a ${recipe.native.machine} Linux host; this is ${process.platform} ${hostMachine()}`, { hint: 'run on a matching runner, or without --native' });
  }
  const host = (await ctx.exec(ctx.request.python, ['-c', PYTHON_VERSION])).stdout.trim();
  const wanted = [...new Set(manifest.expected.filter((e) => e.job === job.id && e.python).map((e) => e.python!))];
  const other = wanted.filter((p) => p !== host);
  if (other.length) {
    throw new ConfigError(`--native builds with ${ctx.request.python} (Python ${host}), but the plan wants Python ${wanted.join(', ')} on ${recipe.target}`, {
      hint: `set \`python: ["${host}"]\` for a local build, or build in CI with cibuildwheel`,
    });
  }
}

/** Each package's own cibuildwheel options ([tool.cibuildwheel] in its pyproject.toml), so the build never overrides them. */
async function readProjectCibw(ctx: BuildContext): Promise<Map<string, Set<string>>> {
  const { parse } = await import('smol-toml');
  const out = new Map<string, Set<string>>();
  for (const name of ctx.job!.packages) {
    const pkg = ctx.plan!.packages.find((p) => p.name === name);
    if (!pkg) continue;
    const file = path.join(ctx.root!, pkg.path, 'pyproject.toml');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
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
async function buildLeftovers(ctx: BuildContext): Promise<Set<string>> {
  const dirs = new Set([ctx.root!, ...ctx.plan!.packages.map((p) => path.join(ctx.root!, p.path))]);
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
async function takeFrom(ctx: BuildContext): Promise<void> {
  const dir = path.resolve(ctx.cwd, ctx.request.from!);
  const files = await listFiles(dir);
  if (files.length === 0) throw new BuildError(`--from ${ctx.request.from}: no files there (job ${ctx.job!.id})`, { hint: 'check the builder step wrote its wheels to this folder' });
  const produced: ProducedFile[] = [];
  for (const filename of files) {
    const owner = packageOfFilename(filename);
    const pkg = ctx.plan!.packages.find((p) => p.name === owner && ctx.job!.packages.includes(p.name));
    if (!pkg) throw new BuildError(`--from ${ctx.request.from} holds ${filename}, which belongs to no package of job ${ctx.job!.id} (${ctx.job!.packages.join(', ')})`, { hint: 'point --from at this job\'s builder output only' });
    produced.push({ package: pkg.name, path: path.join(dir, filename), filename });
  }
  ctx.produced = produced;
}

async function runBuilders(ctx: BuildContext): Promise<void> {
  if (ctx.request.from) return takeFrom(ctx);
  const before = await buildLeftovers(ctx);
  try {
    await runEachBuilder(ctx);
  } finally {
    for (const made of await buildLeftovers(ctx)) if (!before.has(made)) await ctx.world.remove(made);
  }
}

async function runEachBuilder(ctx: BuildContext): Promise<void> {
  const produced: ProducedFile[] = [];
  for (const inv of ctx.invocations!) {
    await rm(inv.outDir, { recursive: true, force: true });
    await mkdir(inv.outDir, { recursive: true });
    ctx.log.info(`building ${inv.package} for ${ctx.job!.target}`);
    if (ctx.dryRun) for (const [k, v] of Object.entries(inv.env)) ctx.log.info(`  ${k}=${v}`);
    let result;
    try {
      // Streamed: the builder's output goes to our stderr as it runs (stdout is for results).
      result = await ctx.world.run(inv.file, inv.args, { cwd: inv.cwd, env: inv.env, stream: true, reject: false });
    } catch (err) {
      throw new BuildError(`the builder for package ${inv.package} on target ${ctx.job!.target} could not start: ${(err as Error).message}`, {
        hint: `install it, or pass --python with a Python that has it (e.g. --python /usr/bin/python3)`,
        cause: err,
      });
    }
    if (result.exitCode !== 0) {
      const missing = /No module named '?(build|cibuildwheel)'?/.exec(outputTail(result))?.[1];
      throw new BuildError(`the builder failed for package ${inv.package} on target ${ctx.job!.target}: \`${[inv.file, ...inv.args].join(' ')}\` exited with ${result.exitCode}`, {
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
  ctx.produced = produced;
}

/** PEP 625 sdist names and manylinux retags for host builds; files named for another package are errors. */
async function repairProduced(ctx: BuildContext): Promise<void> {
  const { plan: manifest, recipe, job } = ctx as Required<BuildContext>;
  const out: ProducedFile[] = [];
  for (const f of ctx.produced!) {
    const pkg = manifest.packages.find((p) => p.name === f.package)!;
    const owner = packageOfFilename(f.filename);
    if (owner !== pkg.name) throw new BuildError(`building package ${pkg.name} for target ${job.target} produced ${f.filename}, which is not one of its files`, { hint: 'check the project name in its pyproject.toml' });
    const inv = ctx.invocations!.find((i) => i.package === f.package)!;
    let file = f.path;
    if (f.filename.endsWith('.tar.gz') && f.filename !== `${pkg.distName}-${manifest.version}.tar.gz`) {
      await mkdir(path.join(inv.outDir, '..', 'normalized'), { recursive: true });
      file = await normalizeSdist(ctx, ctx.request.python, f.path, pkg.distName, manifest.version);
    } else if (inv.platformRetag && f.filename.endsWith('-none-any.whl')) {
      // Pure code with this platform's resources: the filename and WHEEL's Tag lines both take the platform tag.
      await mkdir(path.join(inv.outDir, '..', 'repaired'), { recursive: true });
      file = await retagWheel(ctx, ctx.request.python, f.path, recipe.wheel.platform_tag, { package: pkg.name, target: job.target });
    } else if (inv.repair && f.filename.endsWith('.whl') && /-linux_[^-.]+\.whl$/.test(f.filename)) {
      await mkdir(path.join(inv.outDir, '..', 'repaired'), { recursive: true });
      file = await retagWheel(ctx, ctx.request.python, f.path, recipe.wheel.platform_tag, { package: pkg.name, target: job.target });
    }
    out.push({ ...f, path: file, filename: path.basename(file) });
  }
  ctx.produced = out;
}

/** Copy the checked files into dist/ and record size and sha256. */
async function collect(ctx: BuildContext): Promise<void> {
  const built: BuiltArtifact[] = [];
  for (const m of ctx.matched!) {
    const dest = path.join(ctx.distDir, m.filename);
    await copyFile(m.path, dest);
    const { sha256, size } = await hashFile(dest);
    built.push({ filename: m.filename, package: m.package, target: m.expected.target, job: ctx.job!.id, size, sha256 });
    ctx.log.info(`  ${m.filename} (${size} bytes)`);
  }
  ctx.built = built;
}

export const buildSteps: Step<BuildContext>[] = [
  // The plan decides which packages and Pythons this target builds.
  { name: 'find the build job', run: loadPlan },
  // Native mode only works on a matching host with the planned Python; say so before building.
  { name: 'check the host for a native build', skip: (ctx) => (ctx.request.native ? false : 'not --native'), run: checkNativeHost },
  // The exact commands and environment, also what --dry-run prints.
  {
    name: 'prepare the builder commands',
    async run(ctx) {
      ctx.scratch = await mkdtemp(path.join(tmpdir(), `wheelwright-${ctx.job!.id}-`));
      const cibw = ctx.job!.builder === 'cibuildwheel' && ctx.recipe!.os !== 'any';
      const projectCibw = cibw ? await readProjectCibw(ctx) : undefined;
      const cibwRelease = cibw ? await pinnedCibuildwheel() : undefined;
      ctx.invocations = jobInvocations(ctx.plan!, ctx.job!, ctx.recipe!, { ...ctx.request, root: ctx.root!, workDir: ctx.scratch, projectCibw, cibwRelease });
    },
  },
  // Builders stream their output; in dry run world.run prints `$ command` instead.
  { name: 'run the builders', run: runBuilders },
  // Nothing was built in a dry run, so there is nothing to check or record.
  { name: 'make sdists and wheels PyPI-acceptable', skip: (ctx) => (ctx.dryRun ? 'dry run' : false), run: repairProduced },
  // Missing, pure-instead-of-platform and extra files fail here, naming package and target.
  {
    name: 'check the artifacts against the plan',
    skip: (ctx) => (ctx.dryRun ? 'dry run' : false),
    async run(ctx) {
      ctx.matched = matchProduced(ctx.job!.target, jobExpected(ctx.plan!, ctx.job!), ctx.produced!);
    },
  },
  { name: 'collect the artifacts into dist/', skip: (ctx) => (ctx.dryRun ? 'dry run' : false), run: collect },
  // verify merges every job's fragment into the manifest.
  {
    name: 'write the manifest fragment',
    skip: (ctx) => (ctx.dryRun ? 'dry run' : false),
    async run(ctx) {
      const fragment = { schemaVersion: SCHEMA_VERSION, job: ctx.job!.id, built: ctx.built! };
      await ctx.world.writeFile(path.join(ctx.distDir, FRAGMENT_DIR, `${ctx.job!.id}.json`), JSON.stringify(fragment, null, 2) + '\n');
    },
  },
];
