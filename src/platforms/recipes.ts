// Build recipes: one YAML file per target, shipped in recipes/targets/ and overridable from the user's repository.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError, suggestion } from '../errors.js';
import { yamlLine } from '../config/yaml-line.js';
import { readUserFile } from '../files.js';

/** A CPython version a recipe can build: `3.12`, or `3.13t` for the free-threaded build. */
export const PYTHON_VERSION = /^3\.\d+t?$/;

export const recipeSchema = z
  .object({
    target: z.string().regex(/^[a-z0-9]+(-[a-z0-9_]+)*$/, 'a target name like `linux-x86_64`').describe('The target name; must equal the file name'),
    description: z.string().describe('One line for humans'),
    os: z.enum(['linux', 'macos', 'windows', 'any']).describe('Operating system of the wheels'),
    arch: z.string().min(1).describe('Architecture as cibuildwheel spells it (x86_64, aarch64, arm64, universal2, AMD64, x86, ARM64)'),
    runner: z.string().min(1).describe('GitHub Actions runner label the job runs on'),
    emulation: z
      .object({
        kind: z.literal('qemu'),
        platforms: z.string().min(1).describe('docker/setup-qemu-action `platforms`'),
      })
      .strict()
      .nullable()
      .default(null)
      .describe('Emulation the runner needs (only where GitHub has no native runner)'),
    pythons: z.array(z.string().regex(PYTHON_VERSION, 'a CPython version like "3.12" or "3.13t"')).describe('CPython versions this target can build'),
    cost: z.number().positive().optional().describe('Build time per Python relative to a native Linux build (default: QEMU 8, universal2 2, Windows 1.3, else 1)'),
    split: z.boolean().optional().describe('One CI job per Python instead of one per target (default: true when emulated)'),
    wheel: z
      .object({
        platform_tag: z.string().min(1).describe('The platform tag the wheels carry, e.g. manylinux_2_17_x86_64.manylinux2014_x86_64'),
        platform_pattern: z
          .string()
          .nullable()
          .default(null)
          .describe('A glob over the platform part when the repair step decides the exact tag; null when platform_tag is exact'),
      })
      .strict(),
    cibuildwheel: z
      .object({
        platform: z.enum(['linux', 'macos', 'windows']),
        archs: z.string().min(1).describe('CIBW_ARCHS'),
        identifier: z.string().min(1).describe('Identifier suffix: cp312-<identifier>'),
        env: z.record(z.string(), z.string()).default({}).describe('Environment for cibuildwheel (CIBW_* image choices, MACOSX_DEPLOYMENT_TARGET)'),
      })
      .strict()
      .optional(),
    maturin: z
      .object({
        target: z.string().min(1).describe('Rust target triple'),
        compatibility: z.string().optional().describe('maturin --compatibility (manylinux2014, musllinux_1_2)'),
      })
      .strict()
      .optional(),
    pants: z
      .object({
        platform: z.string().regex(/^[a-z0-9_]+$/).optional().describe('Pants\' name for this platform (a `platform_resources` key, e.g. linux_x86_64)'),
        args: z.array(z.string()).default([]).describe('Global options before `package`; `{platform}` is replaced (e.g. a plugin\'s --platform-specific-resources-target={platform})'),
      })
      .strict()
      .optional()
      .describe('How `pants package` builds wheels for this target'),
    native: z
      .object({
        machine: z.string().min(1).describe('The host architecture (uname -m) that can build this target natively'),
        policy: z.string().regex(/^manylinux_\d+_\d+$/).describe('The manylinux policy the retagged wheel must satisfy'),
      })
      .strict()
      .optional()
      .describe('Build with the host Python (no container) and retag after checking the binaries fit the policy'),
  })
  .strict();

export type Recipe = z.infer<typeof recipeSchema>;

/** The pseudo-target that builds sdists and pure wheels. */
export const ANY_TARGET = 'any';

/** recipes/ shipped with wheelwright: the nearest `recipes/actions.yaml` above this module (src/, dist-js/ or a bundle). */
export function shippedRecipesDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(path.join(dir, 'recipes', 'actions.yaml'))) return path.join(dir, 'recipes');
    dir = path.dirname(dir);
  }
  return fileURLToPath(new URL('../../recipes/', import.meta.url));
}

export interface RecipeSet {
  recipes: Map<string, Recipe>;
  /** Where each recipe came from (for errors). */
  files: Map<string, string>;
}

function allowedKeys(at: PropertyKey[]): string[] {
  let shape: Record<string, unknown> | undefined = recipeSchema.shape;
  for (const k of at) {
    let s = shape?.[String(k)] as { def?: { type?: string; innerType?: unknown; shape?: Record<string, unknown> } } | undefined;
    while (s?.def && s.def.type !== 'object' && s.def.innerType) s = s.def.innerType as typeof s;
    shape = s?.def?.shape;
  }
  return Object.keys(shape ?? {});
}

/** Parse and validate one recipe file's text. */
export async function parseRecipe(text: string, file: string): Promise<Recipe> {
  const { parseDocument } = await import('yaml');
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new ConfigError(`invalid YAML: ${e.message.split('\n')[0]}`, { file: `${file}:${e.linePos?.[0]?.line ?? '?'}`, hint: 'fix the YAML syntax' });
  }
  const parsed = recipeSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    // An unknown key (a typo) explains the "missing key" issue it usually comes with, so report it first.
    const issue = parsed.error.issues.find((i) => i.code === 'unrecognized_keys') ?? parsed.error.issues[0]!;
    let at: PropertyKey[] = [...issue.path];
    let message = issue.code === 'invalid_type' && /received undefined/.test(issue.message) ? `missing key \`${String(at[at.length - 1])}\`` : issue.message;
    let hint = 'see recipes/targets/*.yaml shipped with wheelwright for complete examples';
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0]!;
      const allowed = allowedKeys(at);
      at = [...at, key];
      message = `unknown key \`${key}\`${suggestion(key, allowed)}`;
      hint = `allowed here: ${allowed.join(', ')}`;
    }
    const line = await yamlLine(text, at);
    throw new ConfigError(`invalid recipe: ${message}`, { file: line ? `${file}:${line}` : file, field: at.join('.') || undefined, hint });
  }
  const expected = path.basename(file).replace(/\.ya?ml$/, '');
  if (parsed.data.target !== expected) {
    throw new ConfigError(`the recipe says \`target: ${parsed.data.target}\` but its file is named ${path.basename(file)}`, {
      file,
      field: 'target',
      hint: `name the file ${parsed.data.target}.yaml, or set target: ${expected}`,
    });
  }
  return parsed.data;
}

async function readDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Load the shipped recipes, then the user's `recipes_dir` (its `targets/` folder, or the folder itself),
 * where a file replaces the shipped recipe of the same target or adds a new target.
 */
export async function loadRecipes(root: string, recipesDir: string | undefined, shippedDir = shippedRecipesDir()): Promise<RecipeSet> {
  const recipes = new Map<string, Recipe>();
  const files = new Map<string, string>();
  const dirs = [path.join(shippedDir, 'targets')];
  if (recipesDir) {
    const user = path.resolve(root, recipesDir);
    dirs.push(user, path.join(user, 'targets'));
  }
  for (const dir of dirs) {
    for (const name of await readDir(dir)) {
      const file = path.join(dir, name);
      // Shipped recipes live with wheelwright; the project's own only inside its repository.
      const recipe = await parseRecipe(await readUserFile(file, { kind: 'recipe', root: dir === dirs[0] ? null : root }), file);
      recipes.set(recipe.target, recipe);
      files.set(recipe.target, file);
    }
  }
  return { recipes, files };
}

/** The recipe of `target`, or a ConfigError suggesting the nearest name. */
export function getRecipe(set: RecipeSet, target: string, where: { file?: string; field?: string } = {}): Recipe {
  const r = set.recipes.get(target);
  if (r) return r;
  const known = [...set.recipes.keys()].filter((t) => t !== ANY_TARGET).sort();
  throw new ConfigError(`unknown target \`${target}\`${suggestion(target, known)}`, {
    ...where,
    hint: `known targets: ${known.join(', ')} (or add recipes/targets/${target}.yaml under recipes_dir)`,
  });
}
