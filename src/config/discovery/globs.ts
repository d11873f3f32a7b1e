// release.yaml `packages` entries that are globs (`packages/*`): hatch, PDM or any PEP 621 projects, or Pants/uv packages.
import path from 'node:path';
import { ConfigError } from '../../errors.js';
import { readProject } from './pyproject.js';
import type { FoundPackage } from './types.js';

/** Every package in a directory the glob matches, sorted by directory. */
export async function findGlob(root: string, pattern: string, automatic: FoundPackage[], where: { file: string; field: string }): Promise<FoundPackage[]> {
  const { glob } = await import('tinyglobby');
  const clean = pattern.replace(/\/+$/, '');
  const dirs = (await glob(clean, { cwd: root, absolute: true, onlyDirectories: true, expandDirectories: false })).map((d) => d.replace(/\/+$/, ''));
  const matched = new Set(dirs);
  const out = automatic.filter((f) => matched.has(f.dir));
  const taken = new Set(out.map((f) => f.dir));
  const projects = (await glob(`${clean}/pyproject.toml`, { cwd: root, absolute: true })).map((f) => path.dirname(f)).filter((d) => !taken.has(d));
  for (const dir of projects.sort()) out.push(await readProject(dir, 'globs'));
  if (out.length === 0) {
    throw new ConfigError(`the glob \`${pattern}\` matches no directory with a pyproject.toml or a python_distribution`, {
      ...where,
      hint: 'check the pattern, relative to the repository root',
    });
  }
  return out.sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
}
