// Package discovery: Pants BUILD files and uv workspaces found on their own, narrowed and overridden by release.yaml.
import path from 'node:path';
import { ConfigError } from '../../errors.js';
import { filenameName, normalizeName } from '../../version/pep440.js';
import type { LoadedConfig } from '../load.js';
import type { PackageEntry } from '../schema.js';
import { findGlob } from './globs.js';
import { findPath } from './paths.js';
import { pantsSource } from './pants.js';
import { isFile, readProject } from './pyproject.js';
import type { DiscoveredPackage, FoundPackage, PackageSourceReader } from './types.js';
import { uvSource } from './uv.js';

export type { DiscoveredPackage, FoundPackage, PackageSource, PantsDistribution } from './types.js';
export { readToml } from './pyproject.js';

/** Sources that find packages without being told where: tried in this order. */
export const AUTO_SOURCES: PackageSourceReader[] = [pantsSource, uvSource];

const GLOB_CHARS = /[*?[\]{}]/;

type Entry = Omit<PackageEntry, 'kind'> & { kind?: PackageEntry['kind'] };

function entryOf(e: string | PackageEntry): Entry {
  return typeof e === 'string' ? { path: e } : e;
}

/** Everything the repository's own layout declares (Pants targets, uv members), each source once. */
export async function findAutomatic(root: string): Promise<FoundPackage[]> {
  const out: FoundPackage[] = [];
  for (const source of AUTO_SOURCES) if (await source.detect(root)) out.push(...(await source.find(root)));
  return out;
}

/** Find every package: what the layout declares, or what release.yaml names; release.yaml narrows and overrides. */
export async function discoverPackages(loaded: LoadedConfig): Promise<DiscoveredPackage[]> {
  const { root, config } = loaded;
  const configFile = loaded.file ?? path.join(root, 'release.yaml');
  const automatic = await findAutomatic(root);
  const picked: { found: FoundPackage; entry: Entry | null; index: number }[] = [];
  if (config.packages.length === 0) {
    for (const found of automatic) picked.push({ found, entry: null, index: -1 });
    if (picked.length === 0 && (await isFile(path.join(root, 'pyproject.toml')))) picked.push({ found: await readProject(root, 'paths'), entry: null, index: -1 });
  } else {
    for (const [index, raw] of config.packages.entries()) {
      const entry = entryOf(raw);
      const where = { file: configFile, field: `packages.${index}.path` };
      const found = GLOB_CHARS.test(entry.path) ? await findGlob(root, entry.path, automatic, where) : await findPath(root, entry.path, automatic, where);
      for (const f of found) picked.push({ found: f, entry, index });
    }
  }
  const out: DiscoveredPackage[] = [];
  const seen = new Map<string, FoundPackage>();
  for (const { found, entry, index } of picked) {
    const name = normalizeName(found.rawName);
    const prior = seen.get(name);
    if (prior) {
      if (prior.dir === found.dir && prior.declaredIn === found.declaredIn) continue;
      throw new ConfigError(`two packages are named ${name}: ${prior.declaredIn} and ${found.declaredIn}`, {
        file: index >= 0 ? configFile : found.declaredIn,
        ...(index >= 0 ? { field: `packages.${index}` } : {}),
        hint: 'each package needs its own PEP 503 name',
      });
    }
    seen.set(name, found);
    const kind = entry?.kind ?? found.kind ?? 'pure';
    const builder = entry?.builder ?? found.builder ?? (kind === 'pure' ? 'build' : 'cibuildwheel');
    if (kind === 'pure' && entry?.targets?.length) {
      throw new ConfigError('a pure package is never built per target', {
        file: configFile,
        field: `packages.${index}.targets`,
        hint: 'remove `targets`, or set `kind: native` (or abi3) if it has compiled extensions',
      });
    }
    if (found.source === 'pants' && builder !== 'pants') {
      throw new ConfigError(`${name} is a Pants python_distribution; only Pants can build it`, {
        file: configFile,
        field: `packages.${index}.builder`,
        hint: `remove \`builder\` (it is declared in ${found.declaredIn})`,
      });
    }
    out.push({
      ...found,
      name,
      distName: filenameName(found.rawName),
      relDir: path.relative(root, found.dir).split(path.sep).join('/') || '.',
      kind,
      builder,
      targets: kind === 'pure' ? [] : (entry?.targets ?? found.targets ?? config.targets),
      python: entry?.python ?? config.python,
      entryIndex: index,
    });
  }
  return out;
}
