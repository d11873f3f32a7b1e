import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { getRecipe, loadRecipes, parseRecipe, shippedRecipesDir } from '../../src/platforms/recipes.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const temps: string[] = [];
afterEach(async () => {
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const REQUIRED = [
  'linux-x86_64',
  'linux-i686',
  'linux-aarch64',
  'linux-ppc64le',
  'linux-s390x',
  'musllinux-x86_64',
  'musllinux-aarch64',
  'macos-x86_64',
  'macos-arm64',
  'macos-universal2',
  'windows-amd64',
  'windows-x86',
  'windows-arm64',
];

describe('shipped recipes', () => {
  it('cover every required target, and each validates', async () => {
    const set = await loadRecipes(repoRoot, undefined);
    for (const t of REQUIRED) expect(set.recipes.has(t), t).toBe(true);
    expect(set.files.get('linux-x86_64')).toBe(path.join(shippedRecipesDir(), 'targets', 'linux-x86_64.yaml'));
  });

  it('use native runners where GitHub has them and QEMU only for ppc64le and s390x', async () => {
    const set = await loadRecipes(repoRoot, undefined);
    const runner = (t: string) => set.recipes.get(t)!.runner;
    expect(runner('linux-aarch64')).toBe('ubuntu-24.04-arm');
    expect(runner('musllinux-aarch64')).toBe('ubuntu-24.04-arm');
    expect(runner('macos-arm64')).toBe('macos-15');
    expect(runner('macos-x86_64')).toBe('macos-15-intel');
    expect(runner('windows-arm64')).toBe('windows-11-arm');
    const emulated = [...set.recipes.values()].filter((r) => r.emulation).map((r) => r.target).sort();
    expect(emulated).toEqual(['linux-ppc64le', 'linux-s390x']);
  });

  it('carry platform tags PyPI accepts (exact for Windows, patterns where the repair step decides)', async () => {
    const set = await loadRecipes(repoRoot, undefined);
    const tag = (t: string) => set.recipes.get(t)!.wheel;
    expect(tag('linux-x86_64')).toEqual({ platform_tag: 'manylinux_2_17_x86_64.manylinux2014_x86_64', platform_pattern: 'manylinux*_x86_64' });
    expect(tag('macos-arm64').platform_tag).toBe('macosx_11_0_arm64');
    expect(tag('musllinux-x86_64').platform_tag).toBe('musllinux_1_2_x86_64');
    expect(tag('windows-amd64')).toEqual({ platform_tag: 'win_amd64', platform_pattern: null });
    expect(tag('windows-x86').platform_tag).toBe('win32');
    expect(tag('windows-arm64').platform_tag).toBe('win_arm64');
    // cibuildwheel identifiers: cp312-<identifier>
    expect(set.recipes.get('macos-universal2')!.cibuildwheel!.identifier).toBe('macosx_universal2');
    expect(set.recipes.get('windows-x86')!.cibuildwheel!.identifier).toBe('win32');
  });
});

describe('recipe errors', () => {
  it('a wrong key names file, line and the nearest key', async () => {
    const text = (await readFile(path.join(shippedRecipesDir(), 'targets/linux-x86_64.yaml'), 'utf8')).replace('runner:', 'runer:');
    const err = await parseRecipe(text, '/r/linux-x86_64.yaml').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe('invalid recipe: unknown key `runer` (did you mean `runner`?)');
    expect((err as ConfigError).file).toBe('/r/linux-x86_64.yaml:7');
  });

  it('a target that does not match the file name', async () => {
    const text = (await readFile(path.join(shippedRecipesDir(), 'targets/linux-x86_64.yaml'), 'utf8'));
    await expect(parseRecipe(text, '/r/linux-amd64.yaml')).rejects.toThrow(/says `target: linux-x86_64` but its file is named linux-amd64.yaml/);
  });

  it('an unknown target suggests the nearest', async () => {
    const set = await loadRecipes(repoRoot, undefined);
    expect(() => getRecipe(set, 'macos-arm')).toThrow(/unknown target `macos-arm` \(did you mean `macos-arm64`\?\)/);
  });
});

describe('recipe overrides from the user repository', () => {
  it('a file in recipes_dir replaces the shipped recipe and a new file adds a target', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'ww-recipes-'));
    temps.push(root);
    await mkdir(path.join(root, '.wheelwright/recipes/targets'), { recursive: true });
    const shipped = await readFile(path.join(shippedRecipesDir(), 'targets/linux-aarch64.yaml'), 'utf8');
    await writeFile(path.join(root, '.wheelwright/recipes/targets/linux-aarch64.yaml'), shipped.replace('runner: ubuntu-24.04-arm', 'runner: my-arm-box'));
    await writeFile(
      path.join(root, '.wheelwright/recipes/linux-riscv64.yaml'),
      shipped.replace(/aarch64/g, 'riscv64').replace('runner: ubuntu-24.04-arm', 'runner: ubuntu-24.04'),
    );
    const set = await loadRecipes(root, '.wheelwright/recipes');
    expect(set.recipes.get('linux-aarch64')!.runner).toBe('my-arm-box');
    expect(set.recipes.get('linux-riscv64')!.wheel.platform_tag).toBe('manylinux_2_17_riscv64.manylinux2014_riscv64');
    expect(set.recipes.get('linux-x86_64')!.runner).toBe('ubuntu-24.04');
  });

  it('a broken override fails before anything runs', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'ww-recipes-'));
    temps.push(root);
    await mkdir(path.join(root, 'rec'), { recursive: true });
    await writeFile(path.join(root, 'rec/linux-x86_64.yaml'), 'target: linux-x86_64\nos: linux\n');
    await expect(loadRecipes(root, 'rec')).rejects.toThrow(ConfigError);
  });
});
