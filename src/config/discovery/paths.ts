// release.yaml `packages` entries that name one directory.
import path from 'node:path';
import { ConfigError } from '../../errors.js';
import { isFile, readProject } from './pyproject.js';
import type { FoundPackage } from './types.js';

/** The package(s) at one directory: what the layout declares there (Pants, uv), else its pyproject.toml. */
export async function findPath(root: string, entryPath: string, automatic: FoundPackage[], where: { file: string; field: string }): Promise<FoundPackage[]> {
  const dir = path.resolve(root, entryPath);
  const declared = automatic.filter((f) => f.dir === dir);
  if (declared.length) return declared;
  if (!(await isFile(path.join(dir, 'pyproject.toml')))) {
    throw new ConfigError(`\`${entryPath}\` has no pyproject.toml`, {
      ...where,
      hint: `point it at a Python project directory (looked for ${path.join(dir, 'pyproject.toml')}) or at a directory whose BUILD file has a python_distribution`,
    });
  }
  return [await readProject(dir, 'paths')];
}
