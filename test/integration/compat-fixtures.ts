// Shared by the index and compat integration tests: real builds of examples/, a manifest for them,
// a publish run for the index destination, a static HTTP server and fresh venvs.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, createReadStream, existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { atDist, createContext, type Context } from '../../src/context.js';
import { createLogger } from '../../src/log.js';
import type { BuiltArtifact, ReleaseManifest } from '../../src/manifest.js';
import type { PublishFile, PublishRun } from '../../src/publish/types.js';
import { serializeVersionSet, versionSetFromFiles, VERSIONS_FILE } from '../../src/versionset.js';
import { hasCommand, hasPythonModule } from '../helpers/tools.js';
import { repoRoot } from '../helpers/cli.js';

const execFileAsync = promisify(execFile);

export const PY = '/usr/bin/python3';
export const PACKAGES = ['demo-core', 'demo-speedups', 'demo-cli'];

/** The tools the real-client tests need (all from Debian). */
export function pythonToolChecks(): Array<[string, boolean]> {
  return [
    ['/usr/bin/python3', hasCommand(PY)],
    ['python3-build', hasPythonModule('build', PY)],
    ['python3-venv', hasPythonModule('ensurepip', PY)],
    ['gcc', hasCommand('gcc')],
  ];
}

export function tempDir(prefix = 'ww-compat-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** A digest of examples/ (paths, symlink targets, contents), so a build can be reused while it is unchanged. */
function examplesDigest(): string {
  const h = createHash('sha256');
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      h.update(path.relative(repoRoot, p));
      if (e.isSymbolicLink()) h.update(readlinkSync(p));
      else if (e.isDirectory()) walk(p);
      else h.update(readFileSync(p));
    }
  };
  walk(path.join(repoRoot, 'examples'));
  return h.digest('hex').slice(0, 16);
}

/**
 * Build the examples/ packages at `version` (wheel + sdist each) into `<copy>/dist`. Builds are cached
 * in the temp dir by version and examples/ digest (the machine is shared; a build is the slow part);
 * a cached build is read-only for tests.
 */
export function buildExamples(version: string, packages = PACKAGES): { root: string; dist: string; built: BuiltArtifact[] } {
  const cached = path.join(os.tmpdir(), `ww-compat-examples-${version}-${packages.join('+')}-${examplesDigest()}`);
  if (!existsSync(path.join(cached, 'dist', '.complete'))) {
    const root = tempDir('ww-examples-');
    cpSync(path.join(repoRoot, 'examples'), root, { recursive: true, verbatimSymlinks: true });
    writeFileSync(path.join(root, 'VERSION'), `${version}\n`);
    const cli = path.join(root, 'packages/demo-cli/pyproject.toml');
    writeFileSync(cli, readFileSync(cli, 'utf8').replace(/demo-core==[^"]+/, `demo-core==${version}`));
    for (const p of packages) {
      execFileSync(PY, ['-m', 'build', '--no-isolation', '--wheel', '--sdist', '--outdir', path.join(root, 'dist'), path.join(root, 'packages', p)], {
        cwd: root,
        stdio: 'pipe',
      });
    }
    writeFileSync(path.join(root, 'dist', '.complete'), '');
    try {
      renameSync(root, cached);
    } catch {
      // Another test file finished the same build first: use its copy.
      rmSync(root, { recursive: true, force: true });
    }
  }
  const dist = path.join(cached, 'dist');
  const built = readdirSync(dist)
    .filter((f) => f.endsWith('.whl') || f.endsWith('.tar.gz'))
    .sort()
    .map((filename) => {
      const file = path.join(dist, filename);
      const pkg = PACKAGES.find((p) => filename.startsWith(`${p}-`) || filename.startsWith(`${p.replace(/-/g, '_')}-`))!;
      return { filename, package: pkg, target: filename.includes('linux_x86_64') ? 'linux-x86_64' : null, job: 'build-linux-x86_64', size: statSync(file).size, sha256: sha256(file) };
    });
  return { root: cached, dist, built };
}

/** A final manifest for a build of the examples. */
export function manifestFor(version: string, built: BuiltArtifact[]): ReleaseManifest {
  const pkg = (name: string, kind: 'pure' | 'native') => ({
    name,
    distName: name.replace(/-/g, '_'),
    path: `packages/${name}`,
    kind,
    builder: 'build' as const,
    requiresPython: '>=3.9',
  });
  return {
    schemaVersion: 1,
    tool: { name: 'wheelwright', version: '0.1.0' },
    version,
    tag: `v${version}`,
    commit: createHash('sha1').update(version).digest('hex'),
    createdAt: '2026-11-23T12:00:00.000Z',
    packages: [pkg('demo-core', 'pure'), pkg('demo-speedups', 'native'), pkg('demo-cli', 'pure')],
    jobs: [],
    expected: [],
    built,
    verify: null,
    assets: [],
    publish: {},
  };
}

/** A context whose log lines go to `logs` (dry-run lines included), with a fixed clock. */
export function quietContext(cwd: string, opts: { dryRun?: boolean; logs?: string[] } = {}): Context {
  const sink = (s: string) => void opts.logs?.push(s);
  const log = createLogger({ verbose: false, json: false, stderr: sink, stdout: sink });
  return createContext({ cwd, dryRun: opts.dryRun, log, now: () => new Date('2026-11-23T12:30:00.000Z') });
}

/** A publish run for one destination; records go into `manifest.publish[dest]` (like the orchestrator). */
export function publishRun(ctx: Context, manifest: ReleaseManifest, dist: string, dest = 'index'): PublishRun {
  const files: PublishFile[] = manifest.built.map((b) => ({
    path: path.join(dist, b.filename),
    filename: b.filename,
    sha256: b.sha256,
    size: b.size,
    package: b.package,
    version: manifest.version,
    type: b.filename.endsWith('.whl') ? 'wheel' : 'sdist',
  }));
  manifest.publish[dest] ??= { files: {}, complete: false };
  if (!manifest.assets.some((a) => a.filename === VERSIONS_FILE)) {
    // What `release verify` makes and lists: the destination uploads it as it is.
    const text = serializeVersionSet(versionSetFromFiles(manifest, manifest.built));
    writeFileSync(path.join(dist, VERSIONS_FILE), text);
    manifest.assets.push({ filename: VERSIONS_FILE, sha256: createHash('sha256').update(text).digest('hex'), size: Buffer.byteLength(text) });
  }
  return {
    ctx: atDist(ctx, dist),
    manifest,
    files,
    confirmed: { ...manifest.publish[dest]!.files },
    async record(filename, entry) {
      manifest.publish[dest]!.files[filename] = entry;
    },
    notes: '',
    replace: false,
  };
}

/**
 * A static file server for an index directory, as a plain web host serves it: `dir/` → index.html.
 * With `negotiate`, an Accept header asking for PEP 691 JSON gets index.json instead.
 */
export async function startStaticServer(root: string, opts: { negotiate?: boolean } = {}): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = path.join(root, urlPath);
    if (!file.startsWith(root)) return void res.writeHead(403).end();
    let type = 'application/octet-stream';
    if (urlPath.endsWith('/')) {
      const json = opts.negotiate && /application\/vnd\.pypi\.simple\.v1\+json/.test(req.headers.accept ?? '');
      file = path.join(file, json ? 'index.json' : 'index.html');
      type = json ? 'application/vnd.pypi.simple.v1+json' : 'text/html';
    } else if (urlPath.endsWith('.json')) type = 'application/json';
    requests.push(`${req.method} ${urlPath}${urlPath.endsWith('/') ? ` ${type}` : ''}`);
    try {
      if (!statSync(file).isFile()) throw new Error('not a file');
    } catch {
      return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
    res.writeHead(200, { 'content-type': type, 'content-length': statSync(file).size });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The environment without this machine's pip settings (find-links, extra indexes): pip sees only our index. */
export function isolatedPipEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PIP_CONFIG_FILE: '/dev/null' };
  for (const k of Object.keys(env)) if (k.startsWith('PIP_') && !['PIP_CONFIG_FILE', 'PIP_DISABLE_PIP_VERSION_CHECK'].includes(k)) delete env[k];
  return env;
}

/** A fresh venv from Debian's python3-venv (pip comes from the wheel in /usr/share/python-wheels, offline). */
export function makeVenv(): { dir: string; python: string; pip: (...args: string[]) => Promise<string> } {
  const dir = tempDir('ww-venv-');
  execFileSync(PY, ['-m', 'venv', dir], { stdio: 'pipe' });
  const python = path.join(dir, 'bin/python');
  return {
    dir,
    python,
    // Asynchronous: a test's HTTP server runs in this process and must keep answering.
    pip: async (...args) => {
      try {
        const { stdout } = await execFileAsync(python, ['-m', 'pip', '--disable-pip-version-check', '--no-input', ...args], { encoding: 'utf8', env: isolatedPipEnv() });
        return stdout;
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string; message: string };
        throw new Error(`pip ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`, { cause: err });
      }
    },
  };
}

/** The installed distributions of a venv as { name: version }. */
export function installed(python: string): Record<string, string> {
  const out = execFileSync(python, ['-c', 'import json, importlib.metadata as m; print(json.dumps({d.metadata["Name"]: d.version for d in m.distributions()}))'], { encoding: 'utf8' });
  return JSON.parse(out) as Record<string, string>;
}
