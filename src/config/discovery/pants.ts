// Pants monorepos: `python_distribution` targets in BUILD files, read statically (never executed).
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { readUserFile } from '../../files.js';
import { ConfigError } from '../../errors.js';
import { boolArg, kwarg, parseBuildFile, stringArg, stringListArg, type BuildCall, type BuildFile } from './build-file.js';
import type { FoundPackage, PackageSourceReader, PantsDistribution } from './types.js';


/** Pants' own default for `pants_ignore`. */
const DEFAULT_IGNORE = ['.*/', '/dist/', '__pycache__'];

interface PantsToml {
  ignore: string[];
  backendPackages: string[];
  pythonpath: string[];
}

async function readPantsToml(root: string): Promise<PantsToml> {
  const file = path.join(root, 'pants.toml');
  const { parse } = await import('smol-toml');
  let toml: Record<string, unknown>;
  try {
    toml = parse(await readUserFile(file, { kind: 'config', root })) as Record<string, unknown>;
  } catch (err) {
    const e = err as { message: string; line?: number };
    throw new ConfigError(`invalid TOML: ${e.message.split('\n')[0]}`, { file: e.line ? `${file}:${e.line}` : file });
  }
  const global = (toml.GLOBAL ?? {}) as Record<string, unknown>;
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  // `pants_ignore = [...]` replaces the default; `pants_ignore.add = [...]` extends it.
  const pi = global.pants_ignore;
  const ignore = Array.isArray(pi) ? list(pi) : [...DEFAULT_IGNORE, ...list((pi as Record<string, unknown> | undefined)?.add)];
  const bp = global.backend_packages;
  const backendPackages = Array.isArray(bp) ? list(bp) : list((bp as Record<string, unknown> | undefined)?.add);
  const pythonpath = list(global.pythonpath).map((p) => p.replace(/%\(buildroot\)s\/?/g, ''));
  return { ignore, backendPackages, pythonpath };
}

/** A gitignore-style pattern (what `pants_ignore` holds) as a test on a relative path. */
function ignoreTest(pattern: string): ((rel: string, isDir: boolean) => boolean) | null {
  if (pattern.startsWith('!') || pattern.trim() === '') return null;
  const dirOnly = pattern.endsWith('/');
  let p = dirOnly ? pattern.slice(0, -1) : pattern;
  const anchored = p.startsWith('/') || p.includes('/');
  p = p.replace(/^\//, '');
  const body = p
    .split('/')
    .map((seg) => (seg === '**' ? '(?:.*)' : seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
    .join('/');
  const re = new RegExp(anchored ? `^${body}$` : `(?:^|/)${body}$`);
  return (rel, isDir) => (!dirOnly || isDir) && re.test(rel);
}

/** Every BUILD file under root (`BUILD` and `BUILD.*`), skipping what pants_ignore names. */
async function findBuildFiles(root: string, ignore: string[]): Promise<string[]> {
  const tests = ignore.map(ignoreTest).filter((t): t is NonNullable<typeof t> => t !== null);
  const skipped = (rel: string, isDir: boolean) => tests.some((t) => t(rel, isDir));
  const out: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name === 'node_modules' || skipped(r, true)) continue;
        await walk(path.join(dir, e.name), r);
      } else if (e.isFile() && (e.name === 'BUILD' || e.name.startsWith('BUILD.')) && !skipped(r, false)) out.push(path.join(dir, e.name));
    }
  };
  await walk(root, '');
  return out;
}

/** The register.py of a backend plugin that sets setup() kwargs and reads VERSION (Backend.AI's `setupgen`). */
async function findVersionPlugin(root: string, toml: PantsToml): Promise<string | null> {
  for (const pkg of toml.backendPackages) {
    if (pkg.startsWith('pants.')) continue;
    for (const base of toml.pythonpath) {
      const file = path.join(root, base, ...pkg.split('.'), 'register.py');
      // A plugin of the repository: read like any user file (no link out of it, no FIFO, capped).
      const text = await readUserFile(file, { kind: 'source', root, optional: true });
      if (text === null) continue;
      if (/\bSetupKwargs\b/.test(text) && /["']VERSION["']/.test(text) && /\bversion\s*=/.test(text)) return file;
    }
  }
  return null;
}

function at(file: string, line: number): string {
  return `${file}:${line}`;
}

/** The `python_distribution` targets of one parsed BUILD file. */
function distributionsOf(root: string, build: BuildFile, versionPlugin: string | null): FoundPackage[] {
  const file = build.file;
  const dir = path.dirname(file);
  const spec = path.relative(root, dir).split(path.sep).join('/');
  const versionResource = build.calls
    .filter((c) => c.func === 'resource' || c.func === 'resources' || c.func === 'file' || c.func === 'files')
    .map((c) => {
      const sources = c.func.endsWith('s') ? (stringListArg(c, 'sources', file) ?? []) : [stringArg(c, 'source', file) ?? ''];
      return sources.includes('VERSION') ? { file: path.join(dir, 'VERSION'), line: c.line } : null;
    })
    .find((r) => r !== null) ?? null;
  const platforms: string[] = [];
  for (const c of build.calls.filter((c) => c.func === 'platform_resources')) {
    const map = kwarg(c, 'dependency_map');
    if (!map || map.type !== 'dict') throw new ConfigError('platform_resources(...) needs a literal `dependency_map={...}`', { file: at(file, c.line), hint: 'map each Pants platform (linux_x86_64, linux_arm64, macos_x86_64, macos_arm64) to a target' });
    for (const e of map.entries) {
      if (e.key.type !== 'str') throw new ConfigError('the keys of `dependency_map` must be string literals', { file: at(file, e.key.line) });
      platforms.push(e.key.value);
    }
  }
  const out: FoundPackage[] = [];
  for (const call of build.calls.filter((c) => c.func === 'python_distribution')) {
    const spread = call.args.find((a) => a.type === 'spread');
    if (spread || call.args.length) {
      throw new ConfigError('python_distribution(...) takes only keyword arguments with literal values', {
        file: at(file, (spread ?? call.args[0]!).line),
        hint: 'write its fields out (name=…, provides=python_artifact(…)) so they can be read without running the BUILD file',
      });
    }
    const target = stringArg(call, 'name', file) ?? path.basename(dir);
    const provides = kwarg(call, 'provides');
    if (!provides) {
      throw new ConfigError(`python_distribution \`${target}\` has no \`provides\``, {
        file: at(file, call.line),
        hint: 'add provides=python_artifact(name="…", description="…") naming the distribution',
      });
    }
    if (provides.type !== 'call' || (provides.func !== 'python_artifact' && provides.func !== 'setup_py')) {
      throw new ConfigError(`\`provides\` of python_distribution \`${target}\` must be python_artifact(...)`, { file: at(file, provides.line), hint: 'write provides=python_artifact(name="…", …)' });
    }
    const artifact = provides as BuildCall;
    if (artifact.args.length) throw new ConfigError('python_artifact(...) takes only keyword arguments', { file: at(file, artifact.args[0]!.line) });
    const rawName = stringArg(artifact, 'name', file, true);
    if (!/^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i.test(rawName)) {
      throw new ConfigError(`python_artifact name ${JSON.stringify(rawName)} is not a valid project name`, { file: at(file, kwarg(artifact, 'name')!.line), hint: 'letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit' });
    }
    const versionNode = kwarg(artifact, 'version');
    if (versionNode && versionNode.type !== 'str') throw new ConfigError('`version` of python_artifact(...) must be a string literal', { file: at(file, versionNode.line) });
    const tags = stringListArg(call, 'tags', file) ?? [];
    const platformSpecific = tags.includes('platform-specific') || platforms.length > 0;
    const pants: PantsDistribution = {
      buildFile: file,
      line: call.line,
      address: `${spec}:${target}`,
      description: stringArg(artifact, 'description', file) ?? null,
      license: stringArg(artifact, 'license', file) ?? null,
      version: versionNode?.type === 'str' ? { value: versionNode.value, line: versionNode.line } : null,
      versionResource,
      platforms,
      platformSpecific,
      sdist: boolArg(call, 'sdist', file) ?? true,
      versionPlugin,
    };
    out.push({
      rawName,
      dir,
      source: 'pants',
      pyproject: null,
      toml: {},
      requiresPython: null,
      declaredIn: at(file, call.line),
      kind: platformSpecific ? 'platform' : 'pure',
      builder: 'pants',
      pants,
    });
  }
  return out;
}

export const pantsSource: PackageSourceReader = {
  name: 'pants',
  async detect(root) {
    try {
      return (await stat(path.join(root, 'pants.toml'))).isFile();
    } catch {
      return false;
    }
  },
  async find(root) {
    const toml = await readPantsToml(root);
    const versionPlugin = await findVersionPlugin(root, toml);
    const files = await findBuildFiles(root, toml.ignore);
    const builds = await Promise.all(files.map(async (f) => parseBuildFile(await readUserFile(f, { kind: 'source', root }), f)));
    const found = builds.flatMap((b) => distributionsOf(root, b, versionPlugin));
    const byName = new Map<string, FoundPackage>();
    for (const p of found) {
      const key = p.rawName.toLowerCase().replace(/[-_.]+/g, '-');
      const first = byName.get(key);
      if (first) {
        throw new ConfigError(`two python_distribution targets provide ${p.rawName}: ${first.declaredIn} and ${p.declaredIn}`, {
          file: p.declaredIn,
          hint: 'each distribution needs its own python_artifact name',
        });
      }
      byName.set(key, p);
    }
    return found;
  },
};
