// Version check: every package takes its version from the root VERSION file (pyproject backends, Pants targets).
import { lstat, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { readUserFile } from '../files.js';
import type { DiscoveredPackage } from '../config/discovery/types.js';
import { normalizeName } from './pep440.js';

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
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
  const src = await readUserFile(file, { kind: 'source' });
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

/** What a VERSION file next to a package is: the root file (through a symlink), something else, or a dangling link. */
async function linkState(file: string, rootVersion: string): Promise<{ ok: true } | { ok: false; why: string }> {
  let st;
  try {
    st = await lstat(file);
  } catch {
    return { ok: false, why: `${path.basename(file)} does not exist` };
  }
  if (st.isSymbolicLink()) {
    const to = await readlink(file);
    let real: string;
    try {
      real = await realpath(file);
    } catch {
      return { ok: false, why: `${path.basename(file)} is a broken symlink (→ ${to})` };
    }
    return real === (await realpath(rootVersion)) ? { ok: true } : { ok: false, why: `${path.basename(file)} links to ${to}, not to the root VERSION` };
  }
  if (await resolvesTo(file, rootVersion)) return { ok: true };
  const text = ((await readUserFile(file, { kind: 'version', root: path.dirname(rootVersion), optional: true })) ?? '').trim();
  return { ok: false, why: `${path.basename(file)} is a copy (${JSON.stringify(text.slice(0, 40))}), not a symlink to the root VERSION` };
}

/** A Pants distribution: no hard-coded version, a plugin that sets it from VERSION, and an intact VERSION link. */
async function checkPants(pkg: DiscoveredPackage, rootVersion: string, version: string): Promise<{ source: VersionSource; problems: VersionSourceProblem[] }> {
  const d = pkg.pants!;
  const problems: VersionSourceProblem[] = [];
  const problem = (message: string, hint: string, line: number) => problems.push({ package: pkg.name, file: `${d.buildFile}:${line}`, message, hint });
  const rel = path.relative(pkg.dir, rootVersion);
  const how: string[] = [];
  if (d.version) {
    how.push(`python_artifact(version="${d.version.value}")`);
    problem(
      `${d.address} hard-codes version ${d.version.value}${d.version.value !== version ? `, but VERSION is ${version}` : ' instead of taking it from VERSION'}`,
      'remove `version=` from python_artifact(...); a setup-kwargs plugin (like Backend.AI\'s setupgen) sets it from VERSION',
      d.version.line,
    );
  } else if (d.versionPlugin) {
    how.push(`Pants plugin ${path.basename(path.dirname(d.versionPlugin))} sets it from VERSION`);
  } else {
    how.push('no version');
    problem(
      `${d.address}: nothing gives it a version (python_artifact has none and no backend plugin in pants.toml sets it from VERSION)`,
      'add a setup-kwargs plugin to pants.toml backend_packages that reads VERSION (see README: Pants monorepos)',
      d.line,
    );
  }
  if (d.versionResource) {
    const state = await linkState(d.versionResource.file, rootVersion);
    how.push(`VERSION → ${rel}`);
    if (!state.ok) problem(`${d.address}: ${state.why}`, `make ${path.relative(path.dirname(rootVersion), d.versionResource.file)} a symlink to ${rel} (ln -sf ${rel} VERSION)`, d.versionResource.line);
  }
  return { source: { package: pkg.name, how: how.join(', '), ok: problems.length === 0 }, problems };
}

/** One package: how it gets its version, and what is wrong with that. */
async function checkOne(pkg: DiscoveredPackage, rootVersion: string, version: string, siblings: Set<string>): Promise<{ source: VersionSource; problems: VersionSourceProblem[] }> {
  if (pkg.pants) return checkPants(pkg, rootVersion, version);
  const problems: VersionSourceProblem[] = [];
  const problem = (message: string, hint: string, file = pkg.pyproject!) => problems.push({ package: pkg.name, file, message, hint });
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
      if (!r.ok) problem(`flit reads __version__ from ${name}, which does not read the root VERSION file`, 'read __version__ from VERSION', mod ?? pkg.pyproject!);
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
