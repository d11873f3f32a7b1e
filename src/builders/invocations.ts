// The exact builder commands for one build job: what `release build` runs, and what --dry-run prints.
import path from 'node:path';
import { BuildError } from '../errors.js';
import type { BuilderName, BuildJob, ExpectedArtifact, ManifestPackage, ReleaseManifest } from '../manifest.js';
import { cibwSelector, comparePythons, parsePython } from '../platforms/pythons.js';
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

/** Pythons the plan expects for one package on one target (abi3: the lowest one). */
export function expectedPythons(m: ReleaseManifest, pkg: string, target: string): string[] {
  const set = new Set(m.expected.filter((e) => e.package === pkg && e.target === target && e.python).map((e) => e.python!));
  return [...set].sort(comparePythons);
}

function buildArgs(opts: BuildOptions, what: Array<'sdist' | 'wheel'>, outDir: string, dir: string): string[] {
  return ['-m', 'build', ...what.map((w) => `--${w}`), ...(opts.offline ? ['--no-isolation'] : []), '--outdir', outDir, dir];
}

/** `KEY="value" …` as cibuildwheel's CIBW_ENVIRONMENT reads it (bash-like, values double-quoted). */
export function cibwEnvironment(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => `${k}="${v.replace(/(["\\$`])/g, '\\$1')}"`)
    .join(' ');
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

function cibuildwheel(input: BuilderInput): Invocation {
  if (input.opts.native) return hostBuild(input);
  const { recipe, pkg, pythons, opts, dir, outDir } = input;
  const cibw = recipe.cibuildwheel;
  if (!cibw) throw new BuildError(`recipe ${recipe.target} has no \`cibuildwheel\` section (package ${pkg.name})`, { hint: 'use a recipe with a cibuildwheel section, or another builder' });
  const imageEnv = Object.fromEntries(Object.entries(cibw.env).filter(([k]) => k.startsWith('CIBW_')));
  const buildEnv = Object.fromEntries(Object.entries(cibw.env).filter(([k]) => !k.startsWith('CIBW_')));
  const env: Record<string, string> = {
    CIBW_PLATFORM: cibw.platform,
    CIBW_ARCHS: cibw.archs,
    CIBW_BUILD: pythons.map((p) => `${cibwSelector(p)}-${cibw.identifier}`).join(' '),
    CIBW_BUILD_FRONTEND: 'build',
    ...imageEnv,
    ...buildEnv,
  };
  if (Object.keys(buildEnv).length) env.CIBW_ENVIRONMENT = cibwEnvironment(buildEnv);
  if (pythons.some((p) => parsePython(p).freeThreaded)) env.CIBW_ENABLE = 'cpython-freethreading';
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
    const input: BuilderInput = { recipe, pkg, pythons: expectedPythons(m, pkg.name, job.target), opts, dir, outDir, target: job.target };
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
