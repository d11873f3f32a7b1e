// Gather the plan's inputs from the repository (config, packages, VERSION, recipes, HEAD) without running anything.
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { discoverPackages, type PantsDistribution } from '../config/packages.js';
import { setDistributionName } from '../config/set-distribution.js';
import { yamlLine } from '../config/yaml-line.js';
import { ConfigError } from '../errors.js';
import { readUserFile } from '../files.js';
import type { ReleaseManifest } from '../manifest.js';
import { toolVersion } from '../tool.js';
import { readVersionFile } from '../version/file.js';
import { computePlan } from './compute.js';
import { loadRecipes, type RecipeSet } from '../platforms/recipes.js';

/** A file git wrote (a worktree's git dir lives outside the repository); anything unreadable is unknown. */
function readGitFile(p: string): Promise<string | null> {
  return readUserFile(p, { kind: 'source', root: null, optional: true }).catch(() => null);
}

/** The commit HEAD points at, read from .git without running git; null when unknown. */
export async function readHeadCommit(root: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  if (env.GITHUB_SHA && /^[0-9a-f]{40}$/.test(env.GITHUB_SHA)) return env.GITHUB_SHA;
  let gitDir = path.join(root, '.git');
  const dotGit = await readGitFile(gitDir);
  // A worktree or submodule has a `.git` file pointing at the real directory.
  if (dotGit?.startsWith('gitdir:')) gitDir = path.resolve(root, dotGit.slice(7).trim());
  const head = (await readGitFile(path.join(gitDir, 'HEAD')))?.trim();
  if (!head) return null;
  if (/^[0-9a-f]{40}$/.test(head)) return head;
  const ref = /^ref: (.+)$/.exec(head)?.[1];
  if (!ref) return null;
  const common = (await readGitFile(path.join(gitDir, 'commondir')))?.trim();
  const dirs = [gitDir, ...(common ? [path.resolve(gitDir, common)] : [])];
  for (const d of dirs) {
    const loose = (await readGitFile(path.join(d, ref)))?.trim();
    if (loose && /^[0-9a-f]{40}$/.test(loose)) return loose;
    const packed = await readGitFile(path.join(d, 'packed-refs'));
    const line = packed?.split('\n').find((l) => l.endsWith(` ${ref}`));
    if (line) return line.slice(0, 40);
  }
  return null;
}

/** Add `:line` to a ConfigError about a field of release.yaml, so the message points at the line to fix. */
async function withLine<T>(loaded: LoadedConfig, fn: () => T): Promise<T> {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof ConfigError) || !err.field || !loaded.file || err.file !== loaded.file || !/\.ya?ml$/.test(loaded.file)) throw err;
    const at = err.field.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k));
    const line = await yamlLine(await readUserFile(loaded.file, { kind: 'config', root: loaded.root }), at);
    if (line) (err as { file?: string }).file = `${loaded.file}:${line}`;
    throw err;
  }
}

/** The targets whose recipe names one of the Pants platforms a distribution carries resources for. */
function pantsTargets(pants: PantsDistribution, recipes: RecipeSet): string[] {
  const targets: string[] = [];
  for (const platform of pants.platforms) {
    const found = [...recipes.recipes.values()].filter((r) => r.pants?.platform === platform).map((r) => r.target);
    if (found.length === 0) {
      throw new ConfigError(`platform_resources names Pants platform ${platform}, which no recipe's \`pants.platform\` names`, {
        file: pants.buildFile,
        hint: 'add a recipe with `pants: {platform: …}` in recipes_dir, or give the package `targets` in release.yaml',
      });
    }
    for (const t of found) if (!targets.includes(t)) targets.push(t);
  }
  return targets;
}

export interface PlanResult {
  manifest: ReleaseManifest;
  recipes: RecipeSet;
}

/** Everything `release plan` computes, from the loaded config. */
export async function planFromConfig(loaded: LoadedConfig, opts: { env: NodeJS.ProcessEnv; now: Date }): Promise<PlanResult> {
  const { root, config } = loaded;
  const recipes = await loadRecipes(root, config.recipes_dir);
  const packages = (await discoverPackages(loaded)).map((p) => {
    const entry = p.entryIndex >= 0 ? config.packages[p.entryIndex] : undefined;
    const ownKeys = typeof entry === 'object' ? Object.keys(entry) : [];
    const targets = p.pants && p.kind === 'platform' && !ownKeys.includes('targets') && p.pants.platforms.length ? pantsTargets(p.pants, recipes) : p.targets;
    return { ...p, targets, ownKeys, entryIndex: p.entryIndex >= 0 ? p.entryIndex : undefined, sdist: p.pants?.sdist ?? true };
  });
  // A bad set_distribution (no name to give it, or a component's name) fails here, before any build.
  await setDistributionName(loaded, packages.map((p) => p.name));
  const version = await readVersionFile(root, config);
  const commit = await readHeadCommit(root, opts.env);
  const manifest = await withLine(loaded, () => computePlan({
    packages,
    recipes,
    version: version.version,
    tag: `${config.git.tag_prefix}${version.version}`,
    commit,
    createdAt: opts.now.toISOString(),
    tool: { name: 'wheelwright', version: toolVersion() },
    configFile: loaded.file ?? undefined,
  }));
  return { manifest, recipes };
}
