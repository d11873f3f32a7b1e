// The plan: packages × targets × Pythons → expected artifacts and build jobs. Pure computation, no I/O.
import type { DiscoveredPackage } from '../config/discovery/types.js';
import { ConfigError } from '../errors.js';
import type { BuildJob, BuilderName, ExpectedArtifact, ManifestPackage, ReleaseManifest } from '../manifest.js';
import { SCHEMA_VERSION } from '../manifest.js';
import { ANY_TARGET, getRecipe, type Recipe, type RecipeSet } from '../platforms/recipes.js';
import { allowsPython, cibwSelector, comparePythons, parsePython } from '../platforms/pythons.js';
import { splitsByPython } from './cost.js';

/** What the plan needs of a package: eight fields of the discovered package, and the plan's own. */
export interface PlanPackage extends Pick<DiscoveredPackage, 'name' | 'distName' | 'relDir' | 'kind' | 'builder' | 'targets' | 'python' | 'requiresPython'> {
  /** Which `packages` entry named it, for error locations. */
  entryIndex?: number;
  /** Keys the package entry sets itself (`targets`, `python`); others come from the top level of the config. */
  ownKeys?: string[];
  /** Whether an sdist is made (a Pants target's `sdist` field); default true. */
  sdist?: boolean;
}

export interface PlanInput {
  packages: PlanPackage[];
  recipes: RecipeSet;
  /** Normalised PEP 440 version. */
  version: string;
  tag: string;
  commit: string | null;
  createdAt: string;
  tool: { name: string; version: string };
  /** The config file, for error locations. */
  configFile?: string;
}

/** Build job id for a target (and builder, when a target is built by more than one). */
export function jobId(target: string, builder: BuilderName): string {
  if (target === ANY_TARGET) return builder === 'pants' ? `build-${target}-pants` : `build-${target}`;
  return builder === 'cibuildwheel' ? `build-${target}` : `build-${target}-${builder}`;
}

export function sdistFilename(distName: string, version: string): string {
  return `${distName}-${version}.tar.gz`;
}

export function pureWheelFilename(distName: string, version: string): string {
  return `${distName}-${version}-py3-none-any.whl`;
}

/** Exact filename or glob of one platform wheel. */
function platformWheel(distName: string, version: string, pyTag: string, abiTag: string, recipe: Recipe): { filename: string | null; pattern: string | null } {
  const plat = recipe.wheel.platform_pattern ?? recipe.wheel.platform_tag;
  const name = `${distName}-${version}-${pyTag}-${abiTag}-${plat}.whl`;
  return recipe.wheel.platform_pattern ? { filename: null, pattern: name } : { filename: name, pattern: null };
}

/** Where a package's setting was written: its own entry (`packages.1.targets.0`) or the top level (`targets.0`). */
function where(input: PlanInput, pkg: PlanPackage, key: string): { file?: string; field?: string } {
  const own = pkg.entryIndex !== undefined && (pkg.ownKeys === undefined || pkg.ownKeys.includes(key.split('.')[0]!));
  return { file: input.configFile, field: own ? `packages.${pkg.entryIndex}.${key}` : key };
}

/** The Pythons a package is built for on one target, after checking the recipe supports each. */
function pythonsFor(input: PlanInput, pkg: PlanPackage, recipe: Recipe): string[] {
  for (const py of pkg.python) {
    if (recipe.pythons.includes(py)) continue;
    const anyRecipe = [...input.recipes.recipes.values()].some((r) => r.pythons.includes(py));
    throw new ConfigError(
      anyRecipe
        ? `Python ${py} cannot be built for ${recipe.target} (package ${pkg.name})`
        : `Python ${py} is not supported by any recipe (package ${pkg.name})`,
      {
        ...where(input, pkg, 'python'),
        hint: `${recipe.target} builds ${recipe.pythons.join(', ')}; remove ${py} from \`python\`, or give this package its own \`python\` list`,
      },
    );
  }
  const allowed = pkg.python.filter((py) => allowsPython(pkg.requiresPython, py));
  if (allowed.length === 0) {
    throw new ConfigError(`package ${pkg.name} requires Python ${pkg.requiresPython}, which none of ${pkg.python.join(', ')} satisfies`, {
      ...where(input, pkg, 'python'),
      hint: 'list a Python version its requires-python allows',
    });
  }
  return [...allowed].sort(comparePythons);
}

/** The wheels of one native or abi3 package on one target. */
function platformArtifacts(input: PlanInput, pkg: PlanPackage, recipe: Recipe, job: string): { expected: ExpectedArtifact[]; pythons: string[] } {
  const pythons = pythonsFor(input, pkg, recipe);
  const built = pkg.kind === 'abi3' ? abi3Pythons(pythons) : pythons;
  const expected = built.map((spec) => {
    const py = parsePython(spec);
    const stable = pkg.kind === 'abi3' && !py.freeThreaded;
    const names = platformWheel(pkg.distName, input.version, py.interpreter, stable ? 'abi3' : py.abi, recipe);
    return {
      id: `${pkg.name}:wheel:${recipe.target}:${stable ? 'abi3' : spec}`,
      package: pkg.name,
      type: 'wheel' as const,
      target: recipe.target,
      python: spec,
      ...names,
      job,
    };
  });
  return { expected, pythons: built };
}

/** abi3 builds once on the lowest Python; free-threaded Pythons have no stable ABI and get their own wheels. */
function abi3Pythons(pythons: string[]): string[] {
  const stable = pythons.filter((p) => !p.endsWith('t'));
  return [...stable.slice(0, 1), ...pythons.filter((p) => p.endsWith('t'))];
}

/**
 * A pure-code wheel carrying one platform's resources (Backend.AI's kernel-binary): `py3-none-<platform>`, whose
 * WHEEL `Tag:` lines must say the same (a wheel renamed from py3-none-any keeps the old tag, and verify fails it).
 */
function platformResourceWheel(input: PlanInput, pkg: PlanPackage, recipe: Recipe, draft: JobDraft): ExpectedArtifact {
  addUnique(draft.job.packages, [pkg.name]);
  return {
    id: `${pkg.name}:wheel:${recipe.target}:any`,
    package: pkg.name,
    type: 'wheel',
    target: recipe.target,
    python: null,
    ...platformWheel(pkg.distName, input.version, 'py3', 'none', recipe),
    job: draft.job.id,
  };
}

interface JobDraft {
  job: BuildJob;
  recipe: Recipe;
}

function draftJob(jobs: Map<string, JobDraft>, recipe: Recipe, builder: BuilderName): JobDraft {
  const id = jobId(recipe.target, builder);
  let d = jobs.get(id);
  if (!d) {
    d = {
      recipe,
      job: {
        id,
        target: recipe.target,
        runner: recipe.runner,
        builder,
        emulation: recipe.emulation?.kind ?? null,
        packages: [],
        pythons: [],
        env: builder === 'cibuildwheel' && recipe.cibuildwheel ? { CIBW_ARCHS: recipe.cibuildwheel.archs, ...recipe.cibuildwheel.env } : {},
      },
    };
    jobs.set(id, d);
  }
  return d;
}

function addUnique(list: string[], items: string[]): void {
  for (const i of items) if (!list.includes(i)) list.push(i);
}

/** A target or Python listed twice would plan the same wheel twice. */
function rejectDuplicates(input: PlanInput, pkg: PlanPackage, key: 'targets' | 'python', list: string[]): void {
  const i = list.findIndex((x, j) => list.indexOf(x) !== j);
  if (i >= 0) {
    throw new ConfigError(`${list[i]} is listed twice in \`${key}\` (package ${pkg.name})`, { ...where(input, pkg, `${key}.${i}`), hint: 'list each once' });
  }
}

/** GitHub's limit on the jobs one matrix may generate. */
export const MAX_MATRIX_JOBS = 256;

/**
 * Targets that split (emulated ones by default) get one job per Python; their artifacts move to that job.
 * maturin jobs get one job per package: PyO3/maturin-action builds one project per step.
 */
function splitJobs(drafts: JobDraft[], expected: ExpectedArtifact[]): BuildJob[] {
  const out: BuildJob[] = [];
  for (const { job, recipe } of drafts) {
    if (job.builder === 'maturin' && job.packages.length > 1) {
      for (const pkg of job.packages) {
        const id = `${job.id}-${pkg}`;
        const mine = expected.filter((e) => e.job === job.id && e.package === pkg);
        for (const e of mine) e.job = id;
        out.push({ ...job, id, packages: [pkg], pythons: [...new Set(mine.map((e) => e.python!))].sort(comparePythons) });
      }
      continue;
    }
    if (!splitsByPython(recipe) || job.pythons.length < 2) {
      out.push(job);
      continue;
    }
    for (const py of job.pythons) {
      const id = `${job.id}-${cibwSelector(py)}`;
      const mine = expected.filter((e) => e.job === job.id && e.python === py);
      for (const e of mine) e.job = id;
      out.push({ ...job, id, packages: job.packages.filter((p) => mine.some((e) => e.package === p)), pythons: [py] });
    }
  }
  return out;
}

/** Compute the release manifest (without `built`, `verify`, `publish`). */
export function computePlan(input: PlanInput): ReleaseManifest {
  if (input.packages.length === 0) {
    throw new ConfigError('no packages to release', { file: input.configFile, field: 'packages', hint: 'list your Python projects under `packages`' });
  }
  const anyRecipe = getRecipe(input.recipes, ANY_TARGET);
  const jobs = new Map<string, JobDraft>();
  const expected: ExpectedArtifact[] = [];
  for (const pkg of input.packages) {
    // Pants builds its own sdists and pure wheels; everything else goes through pypa/build.
    const anyJob = draftJob(jobs, anyRecipe, pkg.builder === 'pants' ? 'pants' : 'build');
    if (pkg.sdist !== false || pkg.kind === 'pure') anyJob.job.packages.push(pkg.name);
    if (pkg.sdist !== false) expected.push({
      id: `${pkg.name}:sdist:any:any`,
      package: pkg.name,
      type: 'sdist',
      target: null,
      python: null,
      filename: sdistFilename(pkg.distName, input.version),
      pattern: null,
      job: anyJob.job.id,
    });
    if (pkg.kind === 'pure') {
      if (pkg.targets.length) {
        throw new ConfigError(`package ${pkg.name} is pure but lists targets ${pkg.targets.join(', ')}`, {
          ...where(input, pkg, 'targets'),
          hint: 'a pure package gets one py3-none-any wheel; remove `targets`, or set `kind: native` if it has compiled code',
        });
      }
      expected.push({
        id: `${pkg.name}:wheel:any:any`,
        package: pkg.name,
        type: 'wheel',
        target: null,
        python: null,
        filename: pureWheelFilename(pkg.distName, input.version),
        pattern: null,
        job: anyJob.job.id,
      });
      continue;
    }
    if (pkg.targets.length === 0) {
      throw new ConfigError(`package ${pkg.name} is ${pkg.kind} but has no targets`, { ...where(input, pkg, 'targets'), hint: 'list at least one target, e.g. linux-x86_64' });
    }
    rejectDuplicates(input, pkg, 'targets', pkg.targets);
    rejectDuplicates(input, pkg, 'python', pkg.python);
    for (const [i, target] of pkg.targets.entries()) {
      const fieldWhere = where(input, pkg, `targets.${i}`);
      if (target === ANY_TARGET) {
        throw new ConfigError(`\`${ANY_TARGET}\` is not a platform target (package ${pkg.name})`, { ...fieldWhere, hint: 'the plan adds the sdist/pure job itself; list platform targets only' });
      }
      const recipe = getRecipe(input.recipes, target, fieldWhere);
      if (recipe.os === 'any') {
        throw new ConfigError(`target ${target} builds no platform wheels (package ${pkg.name})`, { ...fieldWhere, hint: 'list platform targets for native and abi3 packages' });
      }
      if (pkg.kind === 'platform') {
        expected.push(platformResourceWheel(input, pkg, recipe, draftJob(jobs, recipe, pkg.builder)));
        continue;
      }
      if (pkg.builder === 'build' || pkg.builder === 'pants') {
        throw new ConfigError(`package ${pkg.name} is ${pkg.kind} but uses the \`${pkg.builder}\` builder, which cannot target ${target}`, {
          ...where(input, pkg, 'builder'),
          hint: 'use `builder: cibuildwheel` (C/C++/Cython) or `builder: maturin` (Rust)',
        });
      }
      const draft = draftJob(jobs, recipe, pkg.builder);
      const { expected: wheels, pythons } = platformArtifacts(input, pkg, recipe, draft.job.id);
      expected.push(...wheels);
      addUnique(draft.job.packages, [pkg.name]);
      addUnique(draft.job.pythons, pythons);
      draft.job.pythons.sort(comparePythons);
    }
  }
  const planned = splitJobs([...jobs.values()], expected);
  if (planned.length > MAX_MATRIX_JOBS) {
    throw new ConfigError(`the plan has ${planned.length} build jobs; a GitHub Actions matrix holds at most ${MAX_MATRIX_JOBS}`, {
      file: input.configFile,
      field: 'targets',
      hint: 'build fewer targets or Pythons, or set `split: false` in the recipes of split targets (recipes_dir)',
    });
  }
  const packages: ManifestPackage[] = input.packages.map((p) => ({
    name: p.name,
    distName: p.distName,
    path: p.relDir,
    kind: p.kind,
    builder: p.builder,
    requiresPython: p.requiresPython,
  }));
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: input.tool,
    version: input.version,
    tag: input.tag,
    commit: input.commit,
    createdAt: input.createdAt,
    packages,
    jobs: planned,
    expected,
    built: [],
    verify: null,
    assets: [],
    publish: {},
  };
}
