// uv workspaces: `[tool.uv.workspace] members` and `exclude` globs in the root pyproject.toml.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../errors.js';
import { isFile, readProject, readToml } from './pyproject.js';
import type { FoundPackage, PackageSourceReader } from './types.js';

function workspaceOf(toml: Record<string, unknown>): Record<string, unknown> | undefined {
  const ws = ((toml.tool as Record<string, unknown> | undefined)?.uv as Record<string, unknown> | undefined)?.workspace;
  return ws && typeof ws === 'object' && !Array.isArray(ws) ? (ws as Record<string, unknown>) : undefined;
}

function globList(v: unknown, file: string, field: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw new ConfigError(`\`${field}\` must be a list of globs`, { file, field, hint: 'e.g. members = ["packages/*"]' });
  }
  return v as string[];
}

/** Directories (not files) a glob matches, relative to root, as uv's glob walk sees them. */
async function matchDirs(root: string, pattern: string): Promise<string[]> {
  const { glob } = await import('tinyglobby');
  const clean = pattern.replace(/^\.\//, '').replace(/\/+$/, '');
  if (clean === '' || clean === '.') return ['.'];
  const found = await glob(clean, { cwd: root, onlyDirectories: true, dot: true, expandDirectories: false });
  return found.map((f) => f.replace(/\/+$/, ''));
}

export const uvSource: PackageSourceReader = {
  name: 'uv',
  async detect(root) {
    const file = path.join(root, 'pyproject.toml');
    return (await isFile(file)) && workspaceOf(await readToml(file)) !== undefined;
  },
  async find(root) {
    const file = path.join(root, 'pyproject.toml');
    const toml = await readToml(file);
    const ws = workspaceOf(toml)!;
    const members = globList(ws.members, file, 'tool.uv.workspace.members');
    const excludes = globList(ws.exclude, file, 'tool.uv.workspace.exclude');
    const excluded = new Set((await Promise.all(excludes.map((e) => matchDirs(root, e)))).flat());
    const dirs = new Map<string, string>();
    for (const m of members) {
      for (const rel of await matchDirs(root, m)) if (!excluded.has(rel) && !dirs.has(rel)) dirs.set(rel, m);
    }
    const out: FoundPackage[] = [];
    // The root is a member too when it is a project itself (not a virtual workspace).
    if (toml.project && !excluded.has('.')) out.push(await readProject(root, 'uv'));
    for (const [rel, pattern] of [...dirs].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (rel === '.') continue;
      const dir = path.join(root, rel);
      if (!(await isFile(path.join(dir, 'pyproject.toml')))) {
        // uv skips hidden directories without a project, and rejects any other member that has none.
        if (path.basename(rel).startsWith('.')) continue;
        const entries = await readdir(dir).catch(() => []);
        throw new ConfigError(`workspace member \`${rel}\` has no pyproject.toml (matched by \`${pattern}\`)`, {
          file,
          field: 'tool.uv.workspace.members',
          hint: entries.length ? `add \`${rel}\` to tool.uv.workspace.exclude, or give it a pyproject.toml` : `remove the empty directory ${rel}, or exclude it`,
        });
      }
      const pkg = await readProject(dir, 'uv');
      // `tool.uv.package = false` marks a member that is never built or published.
      if (((pkg.toml.tool as Record<string, unknown> | undefined)?.uv as Record<string, unknown> | undefined)?.package === false) continue;
      out.push(pkg);
    }
    return out;
  },
};
