// The exact builder commands for one build job: what `release build` runs, and what --dry-run prints.
import path from 'node:path';
import { BuildError } from '../errors.js';
import type { BuilderName, BuildJob, ExpectedArtifact, ManifestPackage, ReleaseManifest } from '../manifest.js';
import { cibwEnableFor, type CibuildwheelRelease } from '../platforms/facts.js';
import { cibwSelector, comparePythons } from '../platforms/pythons.js';
import type { Recipe } from '../platforms/recipes.js';

export interface BuildOptions {
  /** The Python that drives the builders (`python -m build`, `python -m cibuildwheel`). */
  python: string;
  /** No network: build without isolation (the build backend must already be installed). */
  offline: boolean;
  /** Build native packages with the host Python instead of cibuildwheel, then retag (linux recipes with `native`). */
  native: boolean;
  /** The repository root; package paths in the manifest are relative to it. */
  root: string;
  /** Where builders write; one folder per package below it. */
  workDir: string;
  /** Options each package's own cibuildwheel config sets (normalised `manylinux_x86_64_image`), by package name. */
  projectCibw?: Map<string, Set<string>>;
  /** The pinned cibuildwheel release's rules (which Pythons need an enable group). */
  cibwRelease?: CibuildwheelRelease;
}

/** `CIBW_MANYLINUX_X86_64_IMAGE` and `manylinux-x86_64-image` both become `manylinux_x86_64_image`. */
export function cibwOptionKey(name: string): string {
  return name.replace(/^CIBW_/, '').toLowerCase().replace(/-/g, '_');
}

/** Every option a `[tool.cibuildwheel]` table sets, its platform sub-tables (`[tool.cibuildwheel.linux]`) included. */
export function cibwOptionsSet(table: Record<string, unknown> | undefined): Set<string> {
  const out = new Set<string>();
  for (const [k, v] of Object.entries(table ?? {})) {
    if (['linux', 'macos', 'windows', 'ios', 'android', 'pyodide'].includes(k) && v && typeof v === 'object' && !Array.isArray(v)) {
      for (const sub of Object.keys(v)) out.add(cibwOptionKey(sub));
    } else if (k !== 'overrides') {
      out.add(cibwOptionKey(k));
    }
  }
  return out;
}

export interface Invocation {
  package: string;
  /** What this run must produce: sdist, wheels, or both (pure packages in the `any` job). */
  produces: Array<'sdist' | 'wheel'>;
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  outDir: string;
  /** Wheels from this run need retagging to the recipe's tag (native mode). */
  repair: boolean;
  /** The builder makes more than this job needs (Pants packages sdist and wheel together): keep only `produces`. */
  keepOnly?: boolean;
  /** A pure wheel from this run carries one platform's resources: retag py3-none-any to the recipe's platform tag. */
  platformRetag?: boolean;
}

/** Pythons the plan expects of one package in one job (abi3: the lowest one; a split target: the job's one). */
export function expectedPythons(m: ReleaseManifest, pkg: string, job: string): string[] {
  const set = new Set(m.expected.filter((e) => e.package === pkg && e.job === job && e.python).map((e) => e.python!));
  return [...set].sort(comparePythons);
}

function buildArgs(opts: BuildOptions, what: Array<'sdist' | 'wheel'>, outDir: string, dir: string): string[] {
  return ['-m', 'build', ...what.map((w) => `--${w}`), ...(opts.offline ? ['--no-isolation'] : []), '--outdir', outDir, dir];
}

/** One package on one target, as a builder sees it. */
export interface BuilderInput {
  recipe: Recipe;
  pkg: ManifestPackage;
  /** The Pythons the plan expects, oldest first. */
  pythons: string[];
  opts: BuildOptions;
  /** The package's folder. */
  dir: string;
  outDir: string;
  /** The job's target, for messages. */
  target: string;
}

/** A wheel builder: how it is run for one package on one (non-`any`) target. */
export interface Builder {
  invocation(input: BuilderInput): Invocation;
}

/** The `any` job: sdists (and pure wheels) with `python -m build`, whatever the package's builder. */
function sdistAndPure({ pkg, opts, dir, outDir }: BuilderInput): Invocation {
  const what: Array<'sdist' | 'wheel'> = pkg.kind === 'pure' ? ['sdist', 'wheel'] : ['sdist'];
  return { package: pkg.name, produces: what, file: opts.python, args: buildArgs(opts, what, outDir, dir), env: {}, cwd: opts.root, outDir, repair: false };
}

/** --native: a host build with `python -m build`, retagged to the recipe's tag afterwards. */
function hostBuild({ pkg, opts, dir, outDir }: BuilderInput): Invocation {
  return { package: pkg.name, produces: ['wheel'], file: opts.python, args: buildArgs(opts, ['wheel'], outDir, dir), env: {}, cwd: opts.root, outDir, repair: true };
}

/**
 * cibuildwheel's environment: wheelwright chooses only what to build (CIBW_BUILD, CIBW_ARCHS, CIBW_PLATFORM) and,
 * when a planned Python needs it, CIBW_ENABLE. The recipe's other CIBW_* defaults apply only where the project's own
 * config sets nothing (environment variables take precedence over pyproject.toml in cibuildwheel), and plain
 * variables such as MACOSX_DEPLOYMENT_TARGET go into the process environment, never CIBW_ENVIRONMENT, so a project's
 * `environment` stays whole.
 */
export function cibuildwheelEnv(recipe: Recipe, pythons: string[], projectSets: Set<string>, release?: CibuildwheelRelease): Record<string, string> {
  const cibw = recipe.cibuildwheel!;
  const env: Record<string, string> = {
    CIBW_PLATFORM: cibw.platform,
    CIBW_ARCHS: cibw.archs,
    CIBW_BUILD: pythons.map((p) => `${cibwSelector(p)}-${cibw.identifier}`).join(' '),
  };
  for (const [k, v] of Object.entries(cibw.env)) {
    if (k.startsWith('CIBW_') ? !projectSets.has(cibwOptionKey(k)) : !projectSets.has('environment')) env[k] = v;
  }
  const enable = release ? cibwEnableFor(release, pythons) : [];
  if (enable.length && !projectSets.has('enable')) env.CIBW_ENABLE = enable.join(' ');
  return env;
}

function cibuildwheel(input: BuilderInput): Invocation {
  if (input.opts.native) return hostBuild(input);
  const { recipe, pkg, pythons, opts, dir, outDir } = input;
  if (!recipe.cibuildwheel) throw new BuildError(`recipe ${recipe.target} has no \`cibuildwheel\` section (package ${pkg.name})`, { hint: 'use a recipe with a cibuildwheel section, or another builder' });
  const env = cibuildwheelEnv(recipe, pythons, opts.projectCibw?.get(pkg.name) ?? new Set(), opts.cibwRelease);
  return { package: pkg.name, produces: ['wheel'], file: opts.python, args: ['-m', 'cibuildwheel', '--output-dir', outDir, dir], env, cwd: opts.root, outDir, repair: false };
}

function maturin({ recipe, pkg, pythons, dir, outDir }: BuilderInput): Invocation {
  const m = recipe.maturin;
  if (!m) throw new BuildError(`recipe ${recipe.target} has no \`maturin\` section (package ${pkg.name})`, { hint: 'add a maturin section with the Rust target triple' });
  const interpreters = pythons.map((p) => `python${p}`);
  const args = ['build', '--release', '--out', outDir, '--target', m.target, '--interpreter', ...interpreters];
  if (m.compatibility) args.push('--compatibility', m.compatibility);
  return { package: pkg.name, produces: ['wheel'], file: 'maturin', args, env: {}, cwd: dir, outDir, repair: false };
}

/**
 * `pants package` of the package directory's python_distribution, into outDir. Pants makes the sdist and a
 * py3-none-any wheel together; the `any` job keeps what the plan expects of it, a target job keeps the wheel,
 * retagged to the target's platform (pure code with that platform's resources, Backend.AI's kernel-binary).
 */
function pants({ recipe, pkg, opts, outDir }: BuilderInput, planned: Array<'sdist' | 'wheel'>): Invocation {
  const platform = recipe.pants?.platform;
  if (recipe.os !== 'any' && !platform) {
    throw new BuildError(`recipe ${recipe.target} has no \`pants.platform\` (package ${pkg.name})`, { hint: 'add `pants: {platform: linux_x86_64}` (the platform_resources key) to the recipe' });
  }
  const global = (recipe.pants?.args ?? []).map((a) => a.replace(/\{platform\}/g, platform ?? ''));
  const args = [...global, `--pants-distdir=${outDir}`, '--filter-target-type=python_distribution', 'package', `${pkg.path === '.' ? '' : pkg.path}:`];
  return { package: pkg.name, produces: planned, file: 'pants', args, env: {}, cwd: opts.root, outDir, repair: false, keepOnly: true, platformRetag: recipe.os !== 'any' };
}

/** Every builder a package can name (`builder:` in release.yaml), by name. */
export const BUILDERS: Record<BuilderName, Builder> = {
  cibuildwheel: { invocation: cibuildwheel },
  maturin: { invocation: maturin },
  pants: { invocation: (input) => pants(input, ['wheel']) },
  build: {
    invocation({ pkg, target }) {
      throw new BuildError(`package ${pkg.name} uses \`build\`, which cannot make ${target} wheels`, { hint: 'use cibuildwheel or maturin for native packages' });
    },
  },
};

/** Every builder run of one job, in package order. */
export function jobInvocations(m: ReleaseManifest, job: BuildJob, recipe: Recipe, opts: BuildOptions): Invocation[] {
  const out: Invocation[] = [];
  for (const name of job.packages) {
    const pkg = m.packages.find((p) => p.name === name);
    if (!pkg) throw new BuildError(`job ${job.id} names package ${name}, which the manifest does not list`, { hint: 'regenerate the manifest with `release plan`' });
    const dir = path.resolve(opts.root, pkg.path);
    const outDir = path.join(opts.workDir, pkg.name);
    const input: BuilderInput = { recipe, pkg, pythons: expectedPythons(m, pkg.name, job.id), opts, dir, outDir, target: job.target };
    if (recipe.os === 'any' && pkg.builder === 'pants') {
      const planned = [...new Set(m.expected.filter((e) => e.job === job.id && e.package === pkg.name).map((e) => e.type))];
      out.push(pants(input, planned));
    } else out.push(recipe.os === 'any' ? sdistAndPure(input) : BUILDERS[pkg.builder].invocation(input));
  }
  return out;
}

/** The artifacts one job must produce, by package. */
export function jobExpected(m: ReleaseManifest, job: BuildJob): ExpectedArtifact[] {
  return m.expected.filter((e) => e.job === job.id);
}
