// A Python project directory (pyproject.toml with a PEP 621 name), as paths, globs and uv workspaces find it.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../errors.js';
import { readUserFile } from '../../files.js';
import type { FoundPackage, PackageSource } from './types.js';

export async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

export async function readToml(file: string): Promise<Record<string, unknown>> {
  const { parse } = await import('smol-toml');
  const text = await readUserFile(file, { kind: 'pyproject' });
  try {
    return parse(text) as Record<string, unknown>;
  } catch (err) {
    const e = err as { message: string; line?: number };
    throw new ConfigError(`invalid TOML: ${e.message.split('\n')[0]}`, { file: e.line ? `${file}:${e.line}` : file });
  }
}

/** Read dir/pyproject.toml as a package of `source`; its [project] name must be valid. */
export async function readProject(dir: string, source: PackageSource): Promise<FoundPackage> {
  const pyproject = path.join(dir, 'pyproject.toml');
  const toml = await readToml(pyproject);
  const project = toml.project as Record<string, unknown> | undefined;
  const rawName = project?.name;
  if (typeof rawName !== 'string' || !/^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i.test(rawName)) {
    throw new ConfigError(
      rawName === undefined ? 'has no [project] name' : `[project] name ${JSON.stringify(rawName)} is not a valid project name`,
      { file: pyproject, field: 'project.name', hint: 'set a PEP 621 name: letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit' },
    );
  }
  const requiresPython = typeof project?.['requires-python'] === 'string' ? (project['requires-python'] as string) : null;
  return { rawName, dir, source, pyproject, toml, requiresPython, declaredIn: pyproject };
}
