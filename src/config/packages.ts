// Package discovery: every Python project the config names, its PEP 621 name and how it gets its version.
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import type { BuilderName, PackageKind } from '../manifest.js';
import { normalizeName, filenameName } from '../version/pep440.js';
import type { LoadedConfig } from './load.js';
import type { PackageEntry } from './schema.js';

export interface DiscoveredPackage {
  /** PEP 503 normalised name. */
  name: string;
  /** The name in filenames: `demo_core`. */
  distName: string;
  /** The name as written in pyproject.toml. */
  rawName: string;
  /** Absolute directory. */
  dir: string;
  /** Directory relative to the repository root, with `/`. */
  relDir: string;
  kind: PackageKind;
  builder: BuilderName;
  /** Targets this package is built for; empty for pure packages. */
  targets: string[];
  /** Python versions (for native packages; abi3 builds on the lowest). */
  python: string[];
  requiresPython: string | null;
  /** Absolute path of its pyproject.toml. */
  pyproject: string;
  /** The parsed pyproject.toml. */
  toml: Record<string, unknown>;
  /** Which entry of `packages` named it (for error messages). */
  entryIndex: number;
}

const GLOB_CHARS = /[*?[\]{}]/;

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

function entryOf(e: string | PackageEntry): PackageEntry {
  return typeof e === 'string' ? { path: e, kind: 'pure' } : e;
}

async function expandEntry(root: string, entry: PackageEntry, index: number, configFile: string): Promise<string[]> {
  if (GLOB_CHARS.test(entry.path)) {
    const { glob } = await import('tinyglobby');
    const found = await glob(`${entry.path.replace(/\/$/, '')}/pyproject.toml`, { cwd: root, absolute: true });
    if (found.length === 0) {
      throw new ConfigError(`the glob \`${entry.path}\` matches no directory with a pyproject.toml`, {
        file: configFile,
        field: `packages.${index}.path`,
        hint: 'check the pattern, relative to the repository root',
      });
    }
    return found.map((f) => path.dirname(f)).sort();
  }
  const dir = path.resolve(root, entry.path);
  if (!(await isFile(path.join(dir, 'pyproject.toml')))) {
    throw new ConfigError(`\`${entry.path}\` has no pyproject.toml`, {
      file: configFile,
      field: `packages.${index}.path`,
      hint: `point it at a Python project directory (looked for ${path.join(dir, 'pyproject.toml')})`,
    });
  }
  return [dir];
}

export async function readToml(file: string): Promise<Record<string, unknown>> {
  const { parse } = await import('smol-toml');
  const text = await readFile(file, 'utf8');
  try {
    return parse(text) as Record<string, unknown>;
  } catch (err) {
    const e = err as { message: string; line?: number };
    throw new ConfigError(`invalid TOML: ${e.message.split('\n')[0]}`, { file: e.line ? `${file}:${e.line}` : file });
  }
}

/** Find every package the config names, in config order, each once. */
export async function discoverPackages(loaded: LoadedConfig): Promise<DiscoveredPackage[]> {
  const { root, config } = loaded;
  const configFile = loaded.file ?? path.join(root, 'release.yaml');
  let entries = config.packages.map(entryOf);
  if (entries.length === 0 && (await isFile(path.join(root, 'pyproject.toml')))) entries = [{ path: '.', kind: 'pure' }];
  const out: DiscoveredPackage[] = [];
  const seen = new Map<string, string>();
  for (const [index, entry] of entries.entries()) {
    for (const dir of await expandEntry(root, entry, index, configFile)) {
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
      const name = normalizeName(rawName);
      if (seen.has(name)) {
        if (seen.get(name) === dir) continue;
        throw new ConfigError(`two packages are named ${name}: ${seen.get(name)} and ${dir}`, {
          file: configFile,
          field: `packages.${index}`,
          hint: 'each package needs its own PEP 503 name',
        });
      }
      seen.set(name, dir);
      const kind = entry.kind;
      const builder = entry.builder ?? (kind === 'pure' ? 'build' : 'cibuildwheel');
      if (kind === 'pure' && entry.targets?.length) {
        throw new ConfigError('a pure package is never built per target', {
          file: configFile,
          field: `packages.${index}.targets`,
          hint: 'remove `targets`, or set `kind: native` (or abi3) if it has compiled extensions',
        });
      }
      const requiresPython = typeof project?.['requires-python'] === 'string' ? (project['requires-python'] as string) : null;
      out.push({
        name,
        distName: filenameName(rawName),
        rawName,
        dir,
        relDir: path.relative(root, dir).split(path.sep).join('/') || '.',
        kind,
        builder,
        targets: kind === 'pure' ? [] : (entry.targets ?? config.targets),
        python: entry.python ?? config.python,
        requiresPython,
        pyproject,
        toml,
        entryIndex: index,
      });
    }
  }
  return out;
}

export interface VersionSourceProblem {
  package: string;
  /** The file to fix. */
  file: string;
  message: string;
  hint: string;
}

export interface VersionSource {
  package: string;
  /** How it gets its version, in words. */
  how: string;
  ok: boolean;
}

async function resolvesTo(file: string, target: string): Promise<boolean> {
  try {
    return (await realpath(file)) === (await realpath(target));
  } catch {
    return false;
  }
}

function table(t: Record<string, unknown>, ...keys: string[]): Record<string, unknown> | undefined {
  let cur: unknown = t;
  for (const k of keys) cur = (cur as Record<string, unknown> | undefined)?.[k];
  return cur && typeof cur === 'object' && !Array.isArray(cur) ? (cur as Record<string, unknown>) : undefined;
}

/** Where a setuptools `attr:` or flit module lives, for src/ and flat layouts. */
async function findModuleFile(pkg: DiscoveredPackage, dotted: string): Promise<string | null> {
  const parts = dotted.split('.');
  const where = table(pkg.toml, 'tool', 'setuptools', 'packages', 'find')?.where;
  const roots = [...(Array.isArray(where) ? (where as string[]) : []), 'src', '.'];
  for (const r of roots) {
    for (const cand of [path.join(pkg.dir, r, ...parts) + '.py', path.join(pkg.dir, r, ...parts, '__init__.py')]) {
      if (await isFile(cand)) return cand;
    }
  }
  return null;
}

/** Does this Python source take __version__ from the VERSION file (rather than a literal)? */
async function moduleReadsVersion(file: string, attr: string, rootVersion: string, version: string): Promise<{ ok: boolean; literal?: string }> {
  const src = await readFile(file, 'utf8');
  const literal = new RegExp(`^\\s*${attr}\\s*(?::\\s*str\\s*)?=\\s*["']([^"']+)["']`, 'm').exec(src);
  if (literal) return { ok: false, literal: literal[1] };
  const readsFile = /["']VERSION["']/.test(src) && /(read_text|\.read\(|open\(|read_bytes)/.test(src);
  if (!readsFile) return { ok: false };
  // The VERSION it reads must be the root one: next to the module, a parent, or a symlink to it.
  let dir = path.dirname(file);
  for (let i = 0; i < 6; i++) {
    const cand = path.join(dir, 'VERSION');
    if (await resolvesTo(cand, rootVersion)) return { ok: true };
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  void version;
  return { ok: false };
}

/** One package: how it gets its version, and what is wrong with that. */
async function checkOne(pkg: DiscoveredPackage, rootVersion: string, version: string, siblings: Set<string>): Promise<{ source: VersionSource; problems: VersionSourceProblem[] }> {
  const problems: VersionSourceProblem[] = [];
  const problem = (message: string, hint: string, file = pkg.pyproject) => problems.push({ package: pkg.name, file, message, hint });
  const project = table(pkg.toml, 'project') ?? {};
  const dynamic = Array.isArray(project.dynamic) ? (project.dynamic as string[]) : [];
  const rel = path.relative(pkg.dir, rootVersion);
  const makeDynamic = `declare \`dynamic = ["version"]\` and read it from VERSION: setuptools \`[tool.setuptools.dynamic] version = {file = "VERSION"}\` with VERSION a symlink to ${rel}, or hatch \`[tool.hatch.version] path\``;
  let how: string;
  let ok = false;

  if (typeof project.version === 'string') {
    how = `static version ${project.version}`;
    if (project.version.trim() !== version) problem(`hard-codes version ${project.version}, but VERSION is ${version}`, makeDynamic);
    else problem(`hard-codes version ${project.version} instead of taking it from VERSION`, makeDynamic);
  } else if (!dynamic.includes('version')) {
    how = 'no version';
    problem('has no [project] version and does not declare it dynamic', makeDynamic);
  } else {
    const backend = String(table(pkg.toml, 'build-system')?.['build-backend'] ?? '');
    const st = table(pkg.toml, 'tool', 'setuptools', 'dynamic')?.version as Record<string, unknown> | undefined;
    const hatch = table(pkg.toml, 'tool', 'hatch', 'version');
    const pdm = table(pkg.toml, 'tool', 'pdm', 'version');
    if (table(pkg.toml, 'tool', 'setuptools_scm') || (hatch && hatch.source === 'vcs') || (pdm && pdm.source === 'scm')) {
      how = 'version from git tags (scm)';
      problem('takes its version from git tags, not from VERSION', makeDynamic);
    } else if (st && (typeof st.file === 'string' || Array.isArray(st.file))) {
      const files = Array.isArray(st.file) ? (st.file as string[]) : [st.file as string];
      how = `setuptools file ${files.join(', ')}`;
      if (files.length !== 1) problem(`reads its version from several files (${files.join(', ')})`, 'read it from the one VERSION file');
      else if (!(await resolvesTo(path.join(pkg.dir, files[0]!), rootVersion))) {
        problem(`reads its version from ${files[0]}, which is not the root VERSION file`, `make ${path.join(pkg.relDir, files[0]!)} a symlink to ${rel}`);
      } else ok = true;
    } else if (st && typeof st.attr === 'string') {
      const dotted = st.attr.split('.');
      const attr = dotted.pop()!;
      how = `setuptools attr ${st.attr}`;
      const mod = await findModuleFile(pkg, dotted.join('.'));
      if (!mod) problem(`setuptools attr ${st.attr}: module not found`, 'check the attr path and [tool.setuptools.packages.find] where');
      else {
        const r = await moduleReadsVersion(mod, attr, rootVersion, version);
        if (r.literal !== undefined) problem(`${path.relative(pkg.dir, mod)} hard-codes ${attr} = "${r.literal}"${r.literal !== version ? `, but VERSION is ${version}` : ''}`, `read it from the VERSION file instead`, mod);
        else if (!r.ok) problem(`${path.relative(pkg.dir, mod)} does not read ${attr} from the root VERSION file`, `e.g. \`${attr} = (Path(__file__).parent / "VERSION").read_text().strip()\` with VERSION a symlink to the root file`, mod);
        else ok = true;
      }
    } else if (hatch && typeof hatch.path === 'string') {
      const file = path.join(pkg.dir, hatch.path);
      how = `hatch path ${hatch.path}`;
      if (await resolvesTo(file, rootVersion)) ok = true;
      else if (file.endsWith('.py') && (await isFile(file))) {
        const r = await moduleReadsVersion(file, '__version__', rootVersion, version);
        if (r.literal !== undefined) problem(`${hatch.path} hard-codes __version__ = "${r.literal}"${r.literal !== version ? `, but VERSION is ${version}` : ''}`, `point [tool.hatch.version] path at a symlink to ${rel}`, file);
        else if (!r.ok) problem(`${hatch.path} does not read the root VERSION file`, `point [tool.hatch.version] path at a symlink to ${rel}`, file);
        else ok = true;
      } else problem(`[tool.hatch.version] path ${hatch.path} is not the root VERSION file`, `make it a symlink to ${rel}`);
    } else if (pdm && pdm.source === 'file' && typeof pdm.path === 'string') {
      how = `pdm file ${pdm.path}`;
      if (await resolvesTo(path.join(pkg.dir, pdm.path), rootVersion)) ok = true;
      else problem(`[tool.pdm.version] path ${pdm.path} is not the root VERSION file`, `make it a symlink to ${rel}`);
    } else if (backend.startsWith('flit')) {
      const name = pkg.rawName.replace(/[-.]/g, '_');
      how = `flit ${name}.__version__`;
      const mod = await findModuleFile(pkg, name);
      const r = mod ? await moduleReadsVersion(mod, '__version__', rootVersion, version) : { ok: false };
      if (!r.ok) problem(`flit reads __version__ from ${name}, which does not read the root VERSION file`, 'read __version__ from VERSION', mod ?? pkg.pyproject);
      else ok = true;
    } else {
      how = `dynamic version (${backend || 'unknown backend'})`;
      problem(`declares the version dynamic, but wheelwright cannot see it come from VERSION (backend ${backend || 'unknown'})`, makeDynamic);
    }
  }

  // Sibling pins: `demo-core==X` must say the current version.
  for (const req of [...(Array.isArray(project.dependencies) ? (project.dependencies as string[]) : []), ...Object.values((project['optional-dependencies'] as Record<string, string[]>) ?? {}).flat()]) {
    const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*==\s*([^\s,;]+)/.exec(req);
    if (m && siblings.has(normalizeName(m[1]!)) && m[2] !== version) {
      problem(`pins ${m[1]}==${m[2]}, but VERSION is ${version}`, `pin it to ==${version} (\`release version set ${version}\` rewrites sibling pins)`);
    }
  }
  return { source: { package: pkg.name, how, ok: ok && problems.length === 0 }, problems };
}

/** Check that every package takes its version from the root VERSION file. */
export async function checkVersionSources(
  packages: DiscoveredPackage[],
  rootVersionFile: string,
  version: string,
): Promise<{ sources: VersionSource[]; problems: VersionSourceProblem[] }> {
  const siblings = new Set(packages.map((p) => p.name));
  const results = await Promise.all(packages.map((p) => checkOne(p, rootVersionFile, version, siblings)));
  return { sources: results.map((r) => r.source), problems: results.flatMap((r) => r.problems) };
}
