// The abuse suite (wheelwright#17): hostile files for every reader, hostile names and numbers, hostile
// servers. Each case runs the built CLI and asserts the exit code, that the message names the file or
// field, that nothing in the repository changed, that no planted secret appears in any output or any
// file, and that the run ended within its bound.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIZE_CAPS, type FileKind } from '../../src/files.js';
import { runRelease, type CliResult } from '../helpers/cli.js';
import { hasCommand, hasPythonModule } from '../helpers/tools.js';

/** Credentials planted in the environment of every run; none may appear anywhere. */
const PLANTED = {
  PYPI_TOKEN: 'pypi-AgEIcHlwaS5vcmcPLANTED0000000001',
  GITHUB_TOKEN: 'ghp_PLANTEDPLANTEDPLANTED00000000000002',
  RELEASE_TOKEN: 'planted-release-token-0003',
  TWINE_PASSWORD: 'planted-twine-password-0004',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'planted-oidc-request-0005',
  DEPLOY_API_KEY: 'planted-api-key-0006',
};
const OUTSIDE_SECRET = 'planted-outside-file-secret-0007';
const URL_PASSWORD = 'planted-url-password-0008';
const SECRETS = [...Object.values(PLANTED), OUTSIDE_SECRET, URL_PASSWORD];

/** Every run must end well within this; a hang is killed and fails the case. */
const BOUND_MS = 30_000;

const base = mkdtempSync(path.join(os.tmpdir(), 'ww-abuse-'));
const outsideFile = path.join(base, 'outside-secret.txt');
const outsideDir = path.join(base, 'outside-dir');
const cacheDir = path.join(base, 'cache');
afterAll(() => rmSync(base, { recursive: true, force: true }));

const TOWNCRIER = '[tool.towncrier]\ndirectory = "changes"\nfilename = "CHANGELOG.md"\n';
const RELEASE_YAML = 'packages: []\n';
const MANIFEST = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    schemaVersion: 1,
    tool: { name: 'wheelwright', version: '0.0.0' },
    version: '1.0.0',
    tag: 'v1.0.0',
    commit: null,
    createdAt: '2026-01-01T00:00:00Z',
    packages: [],
    jobs: [],
    expected: [],
    built: [],
    verify: null,
    publish: {},
    ...over,
  });

/** A small project: VERSION, release.yaml, towncrier config, one fragment, a changelog. */
function baseTree(): Record<string, string> {
  return {
    VERSION: '1.0.0\n',
    'release.yaml': RELEASE_YAML,
    'towncrier.toml': TOWNCRIER,
    'changes/1.feature.md': 'A feature.\n',
    'CHANGELOG.md': '# Changelog\n\n<!-- towncrier release notes start -->\n',
  };
}

type Hostile = 'environ' | 'passwd' | 'zero' | 'outside' | 'dangling' | 'directory' | 'link-to-dir' | 'fifo' | 'loop' | 'huge' | 'not-utf8' | 'urandom';
const HOSTILE: Hostile[] = ['environ', 'passwd', 'zero', 'outside', 'dangling', 'directory', 'link-to-dir', 'fifo', 'loop', 'huge', 'not-utf8', 'urandom'];

/** Put a hostile entry at `file`. */
function plant(file: string, how: Hostile, kind: FileKind): void {
  rmSync(file, { recursive: true, force: true });
  mkdirSync(path.dirname(file), { recursive: true });
  switch (how) {
    case 'environ':
      return symlinkSync('/proc/self/environ', file);
    case 'passwd':
      return symlinkSync('/etc/passwd', file);
    case 'zero':
      return symlinkSync('/dev/zero', file);
    case 'urandom':
      return symlinkSync('/dev/urandom', file);
    case 'outside':
      return symlinkSync(outsideFile, file);
    case 'dangling':
      return symlinkSync(path.join(path.dirname(file), 'no-such-file'), file);
    case 'directory':
      return mkdirSync(file);
    case 'link-to-dir':
      return symlinkSync(outsideDir, file);
    case 'fifo':
      execFileSync('mkfifo', [file]);
      return;
    case 'loop':
      return symlinkSync(path.basename(file), file);
    case 'huge':
      return writeFileSync(file, 'x'.repeat(SIZE_CAPS[kind] + 1));
    case 'not-utf8':
      return writeFileSync(file, Buffer.from([0x31, 0x2e, 0x30, 0xc3, 0x28, 0xff, 0x0a]));
  }
}

/** A stable digest of the tree: paths, types, link targets and file contents (FIFOs are never opened). */
function treeHash(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      if (d === dir && name === '.git') continue;
      const p = path.join(d, name);
      let st;
      try {
        st = lstatSync(p);
      } catch {
        continue; // a concurrent case's temp file, renamed away between the listing and here
      }
      h.update(`${path.relative(dir, p)}\0${st.mode}\0`);
      if (st.isSymbolicLink()) h.update(readlinkSync(p));
      else if (st.isDirectory()) walk(p);
      else if (st.isFile()) h.update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

/** Every regular file's text below `dir` (symlinks not followed). */
function allText(dir: string): string {
  let out = '';
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const p = path.join(d, name);
      let st;
      try {
        st = lstatSync(p);
      } catch {
        continue; // a concurrent case's temp file, renamed away between the listing and here
      }
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && st.size < 64 << 20) {
        try {
          out += readFileSync(p, 'latin1') + '\n';
        } catch {
          // renamed away since the lstat, as above
        }
      }
    }
  };
  walk(dir);
  return out;
}

let counter = 0;
function repo(tree: Record<string, string>): string {
  const dir = path.join(base, `r${counter++}`);
  mkdirSync(dir);
  for (const [rel, content] of Object.entries(tree)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir });
  return dir;
}

interface Outcome {
  result: CliResult;
  ms: number;
}

async function run(dir: string, args: string[], env: Record<string, string> = {}, boundMs = BOUND_MS): Promise<Outcome> {
  const started = Date.now();
  const result = await runRelease(args, {
    cwd: dir,
    timeoutMs: boundMs,
    env: { ...PLANTED, WHEELWRIGHT_CACHE_DIR: cacheDir, WHEELWRIGHT_RETRY_DEADLINE: '2', WHEELWRIGHT_TEMPLATE_BUDGET: '1', ...env },
  });
  return { result, ms: Date.now() - started };
}

/** The assertions every case shares. */
function expectContained(o: Outcome, dir: string, before: string, code: number, names: string | RegExp): void {
  const { result } = o;
  const output = `${result.stdout}\n${result.stderr}`;
  expect(result.signal, `killed after ${o.ms} ms (bound ${BOUND_MS} ms)`).toBeNull();
  expect(o.ms).toBeLessThan(BOUND_MS);
  expect({ code: result.code, stderr: result.stderr.slice(0, 600) }).toMatchObject({ code });
  if (typeof names === 'string') expect(result.stderr).toContain(names);
  else expect(result.stderr).toMatch(names);
  expect(result.stderr).not.toMatch(/internal error|This is a bug/);
  expect(treeHash(dir)).toBe(before);
  const everything = output + allText(dir) + allText(cacheDir);
  for (const s of SECRETS) expect(everything.includes(s), `secret ${s.slice(0, 14)}… leaked`).toBe(false);
  expect(everything).not.toMatch(/root:x:0:0/);
}

beforeAll(() => {
  writeFileSync(outsideFile, `${OUTSIDE_SECRET}\n`);
  mkdirSync(outsideDir, { recursive: true });
  writeFileSync(path.join(outsideDir, 'inner.txt'), `${OUTSIDE_SECRET}\n`);
});

/** One reader of a user file: where the file is, how it is set up, which command reads it. */
interface Reader {
  name: string;
  kind: FileKind;
  file: string;
  tree?: Record<string, string>;
  args: string[];
  code: number;
  /** Entries this reader passes over, as towncrier does (a directory among the fragments). */
  skips?: Hostile[];
}

const DRAFT = ['notes', 'draft', '--version', '1.0.0', '--date', '2026-01-01'];
const READERS: Reader[] = [
  { name: 'VERSION', kind: 'version', file: 'VERSION', args: ['version', 'show'], code: 2 },
  { name: 'release.yaml', kind: 'config', file: 'release.yaml', args: ['config', 'show'], code: 2 },
  { name: 'pyproject.toml config', kind: 'pyproject', file: 'pkg/pyproject.toml', tree: { 'release.yaml': 'packages: [pkg]\n' }, args: ['version', 'check'], code: 2 },
  { name: 'towncrier.toml', kind: 'pyproject', file: 'towncrier.toml', args: DRAFT, code: 2 },
  { name: 'a news fragment', kind: 'fragment', file: 'changes/2.bugfix.md', args: DRAFT, code: 2, skips: ['directory'] },
  { name: 'a template', kind: 'template', file: 'tpl.md.j2', tree: { 'towncrier.toml': `${TOWNCRIER}template = "tpl.md.j2"\n` }, args: DRAFT, code: 2 },
  { name: 'the changelog', kind: 'changelog', file: 'CHANGELOG.md', args: DRAFT, code: 2 },
  { name: 'a recipe', kind: 'recipe', file: '.wheelwright/recipes/extra.yaml', args: ['plan'], code: 2 },
  { name: 'the release manifest', kind: 'manifest', file: 'dist/release-manifest.json', args: ['verify', '--jobs', '1'], code: 2 },
  { name: 'a build fragment', kind: 'manifest', file: 'dist/manifest-fragments/build-any.json', tree: { 'dist/release-manifest.json': MANIFEST() }, args: ['verify', '--jobs', '1'], code: 2 },
];

describe.concurrent('hostile files, for every reader', () => {
  const cases = READERS.flatMap((r) => HOSTILE.map((h) => [r.name, h, r] as const));
  it('covers at least 100 cases with the named ones below', () => {
    expect(cases.length + NAMED.length).toBeGreaterThanOrEqual(100);
  });
  it.each(cases)('%s as %s: exit code, message naming the file, nothing written, no secret', async (_name, how, reader) => {
    const dir = repo({ ...baseTree(), ...reader.tree });
    const file = path.join(dir, reader.file);
    plant(file, how, reader.kind);
    const before = treeHash(dir);
    const o = await run(dir, reader.args);
    if (reader.skips?.includes(how)) expectContained(o, dir, before, 0, '');
    else expectContained(o, dir, before, reader.code, file);
  });
});

interface Named {
  name: string;
  tree: Record<string, string>;
  args: string[] | ((dir: string) => string[]);
  code: number;
  names: string | RegExp;
  env?: Record<string, string>;
  setup?: (dir: string) => void;
}

const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
for (let i = 1; i < 9; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);

const NAMED: Named[] = [
  { name: 'a YAML alias bomb in release.yaml', tree: { 'release.yaml': `${bomb.join('\n')}\npackages: []\n` }, args: ['config', 'show'], code: 2, names: /release\.yaml.*alias/s },
  { name: 'a 2 MB release.yaml', tree: { 'release.yaml': `packages: []\n#${'x'.repeat(2 << 20)}\n` }, args: ['config', 'show'], code: 2, names: /release\.yaml.*bytes/ },
  { name: 'release.yaml with Latin-1 bytes', tree: { 'release.yaml': 'packages: []\n# caf\xe9\n' }, setup: (d) => writeFileSync(path.join(d, 'release.yaml'), Buffer.from('packages: []\n# caf\xe9\n', 'latin1')), args: ['config', 'show'], code: 2, names: /release\.yaml.*UTF-8/ },
  { name: 'a template looping over range(10**8)', tree: { 'towncrier.toml': `${TOWNCRIER}template = "t.j2"\n`, 't.j2': '{% for i in range(100000000) %}{{ i }}{% endfor %}' }, args: DRAFT, code: 2, names: /t\.j2.*template (ran longer|produced more)/s },
  { name: 'a template repeating a string 10**9 times', tree: { 'towncrier.toml': `${TOWNCRIER}template = "t.j2"\n`, 't.j2': '{{ "x" * 1000000000 }}' }, args: DRAFT, code: 2, names: /t\.j2.*produced more than/s },
  { name: 'a template whose loop swallows the budget error', tree: { 'towncrier.toml': `${TOWNCRIER}template = "t.j2"\n`, 't.j2': '{% for i in range(100000000) %}{% for j in range(10) %}{{ j }}{% endfor %}{% endfor %}' }, args: DRAFT, code: 2, names: /t\.j2/ },
  { name: 'a template outside the repository', tree: { 'towncrier.toml': `${TOWNCRIER}template = "../outside-secret.txt"\n` }, args: DRAFT, code: 2, names: /outside the repository/ },
  { name: 'notes create ../../escape.feature', tree: {}, args: ['notes', 'create', '../../escape.feature', '-m', 'x'], code: 2, names: /name.*path separator/ },
  { name: 'notes create with a backslash', tree: {}, args: ['notes', 'create', '..\\escape.feature', '-m', 'x'], code: 2, names: /path separator/ },
  { name: 'notes create ..', tree: {}, args: ['notes', 'create', '..', '-m', 'x'], code: 2, names: /name/ },
  { name: 'a build fragment naming ../../escape-0.4.0-py3-none-any.whl', tree: { 'dist/release-manifest.json': MANIFEST(), 'dist/manifest-fragments/build-any.json': JSON.stringify({ schemaVersion: 1, job: 'build-any', built: [{ filename: '../../escape-0.4.0-py3-none-any.whl', package: 'escape', target: null, job: 'build-any', size: 1, sha256: 'a'.repeat(64) }] }) }, args: ['verify', '--jobs', '1'], code: 2, names: /build-any\.json.*built\.0\.filename.*plain file name/s },
  { name: 'a manifest with an absolute built filename', tree: { 'dist/release-manifest.json': MANIFEST({ built: [{ filename: '/etc/passwd', package: 'x', target: null, job: 'j', size: 1, sha256: 'a'.repeat(64) }] }) }, args: ['verify', '--jobs', '1'], code: 2, names: /release-manifest\.json.*built\.0\.filename/s },
  { name: 'a manifest with a package path leaving the repository', tree: { 'dist/release-manifest.json': MANIFEST({ packages: [{ name: 'x', distName: 'x', path: '../../x', kind: 'pure', builder: 'build' }] }) }, args: ['verify', '--jobs', '1'], code: 2, names: /packages\.0\.path/ },
  { name: 'a manifest with a publish record key that is a path', tree: { 'dist/release-manifest.json': MANIFEST({ publish: { pypi: { files: { '../x.whl': { sha256: 'a', size: 1, status: 'uploaded', at: 'now' } } } } }) }, args: ['verify', '--jobs', '1'], code: 2, names: /publish\.pypi\.files/ },
  { name: 'a tampered built sha256 (the same job reports two digests)', tree: { 'dist/release-manifest.json': MANIFEST({ built: [{ filename: 'x-1.0.0-py3-none-any.whl', package: 'x', target: null, job: 'build-any', size: 1, sha256: 'b'.repeat(64) }] }), 'dist/manifest-fragments/build-any.json': JSON.stringify({ schemaVersion: 1, job: 'build-any', built: [{ filename: 'x-1.0.0-py3-none-any.whl', package: 'x', target: null, job: 'build-any', size: 1, sha256: 'a'.repeat(64) }] }) }, args: ['verify', '--jobs', '1'], code: 2, names: /release-manifest\.json.*edited after the build/s },
  { name: 'a manifest that is not JSON', tree: { 'dist/release-manifest.json': '{"schemaVersion": 1,' }, args: ['verify', '--jobs', '1'], code: 2, names: /release-manifest\.json.*not valid JSON/s },
  { name: 'VERSION past 2^53, shown exactly', tree: { VERSION: '9007199254740993.0\n' }, args: ['version', 'show'], code: 0, names: '' },
  { name: 'a 400-digit VERSION component, shown exactly', tree: { VERSION: `1.${'9'.repeat(400)}\n` }, args: ['version', 'show'], code: 0, names: '' },
  { name: 'a VERSION with a local label', tree: { VERSION: '1.0.0+evil\n' }, args: ['version', 'show'], code: 2, names: /VERSION.*local version/s },
  { name: 'a VERSION with NUL bytes', tree: { VERSION: '1.0.0\0\n' }, args: ['version', 'show'], code: 2, names: /VERSION/ },
  { name: 'version_file pointing outside the repository', tree: { 'release.yaml': 'packages: []\nversion_file: ../outside-secret.txt\n' }, args: ['version', 'show'], code: 2, names: /outside the repository/ },
  { name: 'towncrier directory of fragments linked outside', tree: {}, setup: (d) => symlinkSync(outsideDir, path.join(d, 'changes', '3.misc.md')), args: DRAFT, code: 2, names: /3\.misc\.md/ },
  { name: 'a fragment linked to another fragment (allowed)', tree: {}, setup: (d) => symlinkSync('1.feature.md', path.join(d, 'changes', '1.bugfix.md')), args: DRAFT, code: 0, names: '' },
  { name: 'recipes_dir outside the repository', tree: { 'release.yaml': 'packages: []\nrecipes_dir: ../outside-dir\n' }, setup: () => writeFileSync(path.join(outsideDir, 'evil.yaml'), 'target: evil\n'), args: ['plan', '--dry-run'], code: 2, names: /outside the repository/ },
  { name: 'compat --from a directory whose sets index lists ../ paths', tree: { 'idx/_sets/index.json': JSON.stringify({ schemaVersion: 1, sets: [{ version: '1.0.0', tag: 'v1.0.0', commit: null, createdAt: '2026-01-01T00:00:00Z', path: '../../../outside-secret.txt' }] }) }, args: ['compat', 'fetch', '1.0.0', '--from', 'idx'], code: 8, names: /outside|not a valid|_sets/ },
];

describe.concurrent('hostile names, numbers and programs', () => {
  it.each(NAMED.map((n) => [n.name, n] as const))('%s', async (_name, c) => {
    const dir = repo({ ...baseTree(), ...c.tree });
    c.setup?.(dir);
    const before = treeHash(dir);
    const o = await run(dir, typeof c.args === 'function' ? c.args(dir) : c.args, c.env);
    expectContained(o, dir, before, c.code, c.names);
    if (c.name.includes('2^53')) expect(o.result.stdout.trim()).toBe('9007199254740993.0');
    if (c.name.includes('400-digit')) expect(o.result.stdout.trim()).toBe(`1.${'9'.repeat(400)}`);
  });

  it('version bump minor past 2^53 writes the exact next version', async () => {
    const dir = repo({ ...baseTree(), VERSION: '9007199254740993.0\n' });
    const o = await run(dir, ['version', 'bump', 'minor']);
    expect(o.result.code).toBe(0);
    expect(readFileSync(path.join(dir, 'VERSION'), 'utf8')).toBe('9007199254740993.1\n');
  });
});

/** A server that misbehaves in one way, on 127.0.0.1. */
async function hostileServer(how: string): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server = http.createServer((req, res) => {
    n++;
    switch (how) {
      case '500':
        res.writeHead(500).end('internal');
        return;
      case '429':
        res.writeHead(429, { 'retry-after': '1' }).end('slow down');
        return;
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>login</body></html>');
        return;
      case 'bad-json':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"schemaVersion": 1, "sets": [');
        return;
      case 'redirect-loop':
        res.writeHead(302, { location: req.url ?? '/' }).end();
        return;
      case 'trickle': {
        res.writeHead(200, { 'content-type': 'application/json' });
        const t = setInterval(() => res.write(' '), 200);
        res.on('close', () => clearInterval(t));
        return;
      }
      case 'stall':
        return; // never answers
      case 'auth':
        if (req.headers.authorization !== `Basic ${Buffer.from(`user:${URL_PASSWORD}`).toString('base64')}`) res.writeHead(401).end('who are you');
        else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ schemaVersion: 1, sets: [] }));
        return;
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/simple/`,
    requests: () => n,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe.concurrent('hostile servers, with credentials in the index URL', () => {
  it.each([
    ['answers 500 forever', '500', []],
    ['answers 429 forever', '429', []],
    ['answers an HTML login page', 'html', []],
    ['answers malformed JSON', 'bad-json', []],
    ['redirects to itself', 'redirect-loop', []],
    ['answers 500 forever (--verbose)', '500', ['--verbose']],
    ['answers malformed JSON (--json)', 'bad-json', ['--json']],
    ['answers malformed JSON (--verbose --json)', 'bad-json', ['--verbose', '--json']],
  ])('compat list from an index that %s: a compat error, the URL without its password', async (_what, how, flags) => {
    const srv = await hostileServer(how);
    try {
      const dir = repo(baseTree());
      const before = treeHash(dir);
      const from = srv.url.replace('http://', `http://user:${URL_PASSWORD}@`);
      const o = await run(dir, ['compat', 'list', ...flags, '--from', from]);
      expectContained(o, dir, before, 8, srv.url);
    } finally {
      await srv.close();
    }
  });

  it('sends the index URL\'s credentials as Basic auth, as pip does', async () => {
    const srv = await hostileServer('auth');
    try {
      const dir = repo(baseTree());
      const before = treeHash(dir);
      const o = await run(dir, ['compat', 'list', '--json', '--from', srv.url.replace('http://', `http://user:${URL_PASSWORD}@`)]);
      expect(o.result.stderr).not.toMatch(/401/);
      expect(o.result.code).toBe(0);
      expectContained(o, dir, before, 0, '');
    } finally {
      await srv.close();
    }
  });
});

describe.concurrent('a sets index whose paths are not plain names', () => {
  const PATHS = ['../../secret/versions.json', '/etc/passwd', '%2e%2e/%2e%2e/secret/versions.json', '1.0.0/%2E%2E/%2E%2E/x', '..\\..\\secret\\versions.json', '1.0.0/../../x'];
  const outside: string[] = [];
  let server: http.Server;
  let origin = '';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const m = /^\/c(\d+)\/simple\/_sets\/index\.json$/.exec(req.url ?? '');
      if (!m) {
        outside.push(req.url ?? '');
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ schemaVersion: 1, version: '1.0.0', tag: 'v1.0.0', commit: null, createdAt: null, packages: [] }));
        return;
      }
      const entry = { version: '1.0.0', tag: 'v1.0.0', commit: null, createdAt: '2026-01-01T00:00:00Z', path: PATHS[Number(m[1])] };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ schemaVersion: 1, sets: [entry] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it.each(PATHS.map((p, i) => [p, i] as const))('compat fetch from a URL refuses the path %s and requests nothing outside _sets/', async (p, i) => {
    const dir = repo(baseTree());
    const before = treeHash(dir);
    const o = await run(dir, ['compat', 'fetch', '1.0.0', '--from', `${origin}/c${i}/simple/`]);
    expectContained(o, dir, before, 8, /sets\.0\.path/);
    expect(outside).toEqual([]);
  });

  it('compat fetch from a directory refuses the same paths (1.0.0/../../x)', async () => {
    const dir = repo({ ...baseTree(), 'idx/_sets/index.json': JSON.stringify({ schemaVersion: 1, sets: [{ version: '1.0.0', tag: 'v1.0.0', commit: null, createdAt: '2026-01-01T00:00:00Z', path: '1.0.0/../../x' }] }), 'idx/x': '{}' });
    const before = treeHash(dir);
    const o = await run(dir, ['compat', 'fetch', '1.0.0', '--from', 'idx']);
    expectContained(o, dir, before, 8, /sets\.0\.path/);
  });
});

/**
 * Servers that accept and then send nothing, or send a byte every 100 ms forever: every network client
 * gives up within WHEELWRIGHT_NETWORK_TIMEOUT (shrunk to 0.5 s here), names the URL and the fix, and
 * leaves nothing half-written.
 */
describe.concurrent('servers that stall or trickle', () => {
  const NETWORK_ENV = { WHEELWRIGHT_NETWORK_TIMEOUT: '0.5', WHEELWRIGHT_RETRY_DEADLINE: '1', WHEELWRIGHT_GITHUB_PACE: 'off' };
  let origin = '';
  let server: http.Server;
  let fx: import('./publish-fixture.js').ReleaseFixture;
  let sig: import('../servers/sigstore.js').SigstoreServer;
  beforeAll(async () => {
    // /stall/… never answers; /trickle/… sends its head, then one byte every 100 ms (never idle 0.5 s).
    server = http.createServer((req, res) => {
      req.resume();
      if ((req.url ?? '').startsWith('/trickle/')) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000000' });
        const t = setInterval(() => res.write(' '), 100);
        res.on('close', () => clearInterval(t));
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { makeReleaseFixture } = await import('./publish-fixture.js');
    fx = await makeReleaseFixture({ packages: ['hostile-core'], wheelTags: ['py3-none-any'], payloadBytes: 256 });
    sig = await (await import('../servers/sigstore.js')).startSigstore();
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    fx?.cleanup();
    await sig?.close();
  });

  function expectGaveUp(o: Outcome, code: number, url: string): void {
    // Unbounded, a trickle never ends and a stall waits out the 30-120 s defaults: both are killed at BOUND_MS.
    expect(o.result.signal, `killed after ${o.ms} ms (bound ${BOUND_MS} ms)`).toBeNull();
    expect(o.ms).toBeLessThan(BOUND_MS);
    expect({ code: o.result.code, stderr: o.result.stderr.slice(0, 800) }).toMatchObject({ code });
    expect(o.result.stderr).toContain(url);
    expect(o.result.stderr).toMatch(/within 0\.5 s/);
    expect(o.result.stderr).toContain('WHEELWRIGHT_NETWORK_TIMEOUT');
    expect(o.result.stderr).not.toMatch(/internal error|This is a bug/);
    const output = `${o.result.stdout}\n${o.result.stderr}`;
    for (const s of SECRETS) expect(output.includes(s), `secret ${s.slice(0, 14)}… leaked`).toBe(false);
  }

  const MODES = ['stall', 'trickle'] as const;

  it.each(MODES)('compat list from an index URL that %ss', async (mode) => {
    const dir = repo(baseTree());
    const before = treeHash(dir);
    const o = await run(dir, ['compat', 'list', '--from', `http://user:${URL_PASSWORD}@127.0.0.1:${origin.split(':')[2]}/${mode}/simple/`], NETWORK_ENV);
    expectGaveUp(o, 8, `${origin}/${mode}/simple/_sets/index.json`);
    expect(treeHash(dir)).toBe(before);
  });

  it.each(MODES)('compat fetch from a set distribution page that %ss', async (mode) => {
    const dir = repo(baseTree());
    const before = treeHash(dir);
    const o = await run(dir, ['compat', 'fetch', '1.0.0', '--from', `${origin}/${mode}/simple/demo-release/`, '-o', 'constraints.txt'], NETWORK_ENV);
    expectGaveUp(o, 8, `${origin}/${mode}/simple/demo-release/`);
    expect(treeHash(dir)).toBe(before);
  });

  it.each(MODES)('compat list from github: whose API %ss', async (mode) => {
    const dir = repo(baseTree());
    const before = treeHash(dir);
    const o = await run(dir, ['compat', 'list', '--from', 'github:acme/demo'], { ...NETWORK_ENV, GITHUB_API_URL: `${origin}/${mode}` });
    expectGaveUp(o, 8, `${origin}/${mode}/repos/acme/demo/releases`);
    expect(treeHash(dir)).toBe(before);
  });

  it.each(MODES)('verify --published against an index whose JSON API %ss', async (mode) => {
    const dir = fx.copy(path.join(base, `vp-${mode}`));
    const before = treeHash(dir);
    const o = await run(dir, ['verify', '--published', fx.version, '--index-url', `${origin}/${mode}/`, '--repository', 'acme/demo', '--trusted-root', sig.trustedRootPath], NETWORK_ENV);
    expectGaveUp(o, 4, `${origin}/${mode}/pypi/hostile-core/${fx.version}/json`);
    expect(treeHash(dir)).toBe(before);
  });

  it.each(MODES)('verify --published against a GitHub API that %ss', async (mode) => {
    const dir = fx.copy(path.join(base, `vg-${mode}`));
    const { writePublishConfig } = await import('./publish-fixture.js');
    writePublishConfig(dir, { to: ['github'], github: { repository: 'acme/demo', api_url: `${origin}/${mode}` } });
    const before = treeHash(dir);
    const o = await run(dir, ['verify', '--published', fx.version, '--from', 'github'], NETWORK_ENV);
    expectGaveUp(o, 4, `${origin}/${mode}/repos/acme/demo/releases/tags/${fx.tag}`);
    expect(treeHash(dir)).toBe(before);
  });

  /** A publish that gave up: the manifest confirms nothing the server does not hold, and no temp file is left. */
  function expectNothingHalfWritten(dir: string, stored: string[]): void {
    const m = JSON.parse(readFileSync(path.join(dir, 'dist', 'release-manifest.json'), 'utf8')) as { publish?: Record<string, { files?: Record<string, unknown> }> };
    for (const [dest, rec] of Object.entries(m.publish ?? {})) {
      for (const name of Object.keys(rec.files ?? {})) expect(stored, `${dest} confirms ${name}`).toContain(name);
    }
    expect(allText(path.join(dir, 'dist')).includes('.tmp-')).toBe(false);
    expect(readdirSync(path.join(dir, 'dist')).filter((n) => n.includes('.tmp-'))).toEqual([]);
  }

  it.each(MODES)('publish to a PyPI repository whose upload endpoint %ss (the credential probe)', async (mode) => {
    const dir = fx.copy(path.join(base, `pp-${mode}`));
    const { writePublishConfig } = await import('./publish-fixture.js');
    writePublishConfig(dir, { to: ['pypi'], pypi: { repository_url: `${origin}/${mode}/legacy/` } });
    const o = await run(dir, ['publish'], NETWORK_ENV);
    expectGaveUp(o, 5, `${origin}/${mode}/legacy/`);
    expectNothingHalfWritten(dir, []);
  });

  it.each(MODES)('publish to PyPI when the file upload %ss (probe and lookups answered)', async (mode) => {
    const { startPypiServer } = await import('../servers/pypi.js');
    const pypi = await startPypiServer();
    try {
      // Every file of the release (the credential probe carries none and is answered).
      pypi.inject({ kind: mode === 'stall' ? 'hang' : 'trickle', filename: 'hostile_core', times: 1000 });
      const dir = fx.copy(path.join(base, `pu-${mode}`));
      const { writePublishConfig } = await import('./publish-fixture.js');
      writePublishConfig(dir, { to: ['pypi'], pypi: { repository_url: pypi.uploadUrl } });
      const o = await run(dir, ['publish'], { ...NETWORK_ENV, PYPI_TOKEN: pypi.token });
      expectGaveUp(o, 5, pypi.uploadUrl);
      expect(o.result.stderr).not.toContain(pypi.token);
      expect(pypi.files()).toEqual([]);
      expectNothingHalfWritten(dir, []);
    } finally {
      await pypi.close();
    }
  });

  it.each(MODES)('publish to a GitHub API that %ss', async (mode) => {
    const dir = fx.copy(path.join(base, `pg-${mode}`));
    const { writePublishConfig } = await import('./publish-fixture.js');
    writePublishConfig(dir, { to: ['github'], github: { repository: 'acme/demo', api_url: `${origin}/${mode}` } });
    const o = await run(dir, ['publish'], NETWORK_ENV);
    expectGaveUp(o, 5, `${origin}/${mode}/repos/acme/demo`);
    expectNothingHalfWritten(dir, []);
  });

  it('refuses a WHEELWRIGHT_NETWORK_TIMEOUT that is not a number of seconds, naming it', async () => {
    const dir = repo(baseTree());
    const o = await run(dir, ['compat', 'list', '--from', `${origin}/stall/simple/`], { WHEELWRIGHT_NETWORK_TIMEOUT: 'soon' });
    expect(o.result.code).toBe(2);
    expect(o.result.stderr).toMatch(/WHEELWRIGHT_NETWORK_TIMEOUT.*"soon"/);
  });
});

/** `publish --repository-url https://user:token@host/legacy/`: the userinfo is the credential, as twine takes it. */
describe.concurrent('publish with credentials in the repository URL', () => {
  const URL_TOKEN = 'planted-url-token-0009';
  let fx: import('./publish-fixture.js').ReleaseFixture;
  beforeAll(async () => {
    const { makeReleaseFixture } = await import('./publish-fixture.js');
    fx = await makeReleaseFixture({ packages: ['cred-core'], wheelTags: ['py3-none-any'], payloadBytes: 256 });
  });
  afterAll(() => fx?.cleanup());

  /** The token in no output, no file of the repository (the manifest included), no cache. */
  function expectNoToken(o: Outcome, dir: string): void {
    // release.yaml is where the second case's user wrote the URL; everything else is the tool's.
    const places = { stdout: o.result.stdout, stderr: o.result.stderr, dist: allText(path.join(dir, 'dist')), git: allText(path.join(dir, '.git')), cache: allText(cacheDir) };
    for (const s of [URL_TOKEN, encodeURIComponent(URL_TOKEN), Buffer.from(`__token__:${URL_TOKEN}`).toString('base64'), ...SECRETS]) {
      for (const [where, text] of Object.entries(places)) expect(text.includes(s), `secret ${s.slice(0, 14)}… leaked in ${where}`).toBe(false);
    }
  }

  it('uploads with them (over PYPI_TOKEN), never printing or recording the token (--verbose --json)', async () => {
    const { startPypiServer } = await import('../servers/pypi.js');
    const pypi = await startPypiServer({ tokens: [URL_TOKEN] });
    try {
      const dir = fx.copy(path.join(base, 'cred-ok'));
      const { writePublishConfig } = await import('./publish-fixture.js');
      writePublishConfig(dir, { to: ['pypi'] });
      const withCreds = pypi.uploadUrl.replace('http://', `http://__token__:${URL_TOKEN}@`);
      // A whole publish (re-hashing, the tag check, two uploads): more than a hostile case's bound on a loaded machine.
      const o = await run(dir, ['publish', '--verbose', '--json', '--repository-url', withCreds], {}, 3 * BOUND_MS);
      expect({ code: o.result.code, stderr: o.result.stderr.slice(-800) }).toMatchObject({ code: 0 });
      expect(pypi.files().map((f) => f.filename).sort()).toEqual(fx.files.map((f) => f.filename).sort());
      expectNoToken(o, dir);
    } finally {
      await pypi.close();
    }
  });

  it('names the URL without them when the server refuses them', async () => {
    const { startPypiServer } = await import('../servers/pypi.js');
    const pypi = await startPypiServer({ tokens: ['some-other-token-0010'] });
    try {
      const dir = fx.copy(path.join(base, 'cred-refused'));
      const { writePublishConfig } = await import('./publish-fixture.js');
      writePublishConfig(dir, { to: ['pypi'], pypi: { repository_url: pypi.uploadUrl.replace('http://', `http://__token__:${encodeURIComponent(URL_TOKEN)}@`) } });
      const o = await run(dir, ['publish', '--verbose']);
      expect(o.result.code).toBe(5);
      expect(o.result.stderr).toContain(new URL(pypi.uploadUrl).origin);
      expect(o.result.stderr).toMatch(/refused the credentials/);
      expect(pypi.files()).toEqual([]);
      expectNoToken(o, dir);
    } finally {
      await pypi.close();
    }
  });
});

/** Readers found late: a Pants plugin's register.py, a package's VERSION copy. */
describe.concurrent('hostile files for the Pants readers', () => {
  async function pantsRepo(): Promise<string> {
    const { backendAiTree } = await import('../fixtures/monorepos.js');
    const { writeTree } = await import('../helpers/gitdir.js');
    const dir = path.join(base, `pants${counter++}`);
    mkdirSync(dir);
    writeTree(dir, backendAiTree());
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir });
    return dir;
  }

  it.each(['outside', 'huge', 'fifo'] as const)('the version plugin register.py as %s', async (how) => {
    const dir = await pantsRepo();
    const file = path.join(dir, 'tools/pants-plugins/setupgen/register.py');
    plant(file, how, 'source');
    const before = treeHash(dir);
    expectContained(await run(dir, ['version', 'check']), dir, before, 2, file);
  });

  it.each(['huge', 'fifo'] as const)('a distribution\'s VERSION copy as %s', async (how) => {
    const dir = await pantsRepo();
    const file = path.join(dir, 'src/ai/backend/agent/VERSION');
    plant(file, how, 'version');
    const before = treeHash(dir);
    expectContained(await run(dir, ['version', 'check']), dir, before, 2, file);
  });
});

/**
 * `release publish` and what is in dist/: an entry named like a wheel that is not a regular file (a
 * directory, a FIFO, a device, a link to outside) is refused by its path before anything is sent, with a
 * plan or without; a malformed VERSION next to files without a plan is the user's to fix, not ignored.
 */
describe.concurrent('publish and the entries of dist/', () => {
  const EVIL = 'evil-1.0.0-py3-none-any.whl';
  let fx: import('./publish-fixture.js').ReleaseFixture;
  let pypi: import('../servers/pypi.js').PypiServer;
  beforeAll(async () => {
    const { makeReleaseFixture } = await import('./publish-fixture.js');
    fx = await makeReleaseFixture({ packages: ['entry-core'], wheelTags: ['py3-none-any'], payloadBytes: 256 });
    pypi = await (await import('../servers/pypi.js')).startPypiServer();
    // A wheel of the release outside the repository: a link to it must not be published from there.
    writeFileSync(path.join(base, fx.files[0]!.filename), readFileSync(path.join(fx.dist, fx.files[0]!.filename)));
  });
  afterAll(async () => {
    fx?.cleanup();
    await pypi?.close();
  });

  type Entry = 'directory' | 'fifo' | 'device' | 'outside' | 'to-device' | 'dangling' | 'loop';
  const ENTRIES: Entry[] = ['directory', 'fifo', 'device', 'outside', 'to-device', 'dangling', 'loop'];
  function plantEntry(file: string, how: Entry, outside: string): void {
    rmSync(file, { recursive: true, force: true });
    mkdirSync(path.dirname(file), { recursive: true });
    if (how === 'directory') mkdirSync(file);
    else if (how === 'fifo') execFileSync('mkfifo', [file]);
    // A character device (1,3 is /dev/null): the suite runs as root in CI's container; a link to /dev/zero otherwise.
    else if (how === 'device' && process.getuid?.() === 0) execFileSync('mknod', [file, 'c', '1', '3']);
    else if (how === 'device') symlinkSync('/dev/zero', file);
    else if (how === 'outside') symlinkSync(outside, file);
    else if (how === 'to-device') symlinkSync('/dev/zero', file);
    else if (how === 'dangling') symlinkSync(path.join(path.dirname(file), 'no-such.whl'), file);
    else symlinkSync(path.basename(file), file);
  }

  /** Publish to the shared server; the config is written first, so the tree is hashed after it. */
  async function configure(dir: string): Promise<string> {
    const { writePublishConfig } = await import('./publish-fixture.js');
    writePublishConfig(dir, { to: ['pypi'], pypi: { repository_url: pypi.uploadUrl } });
    return treeHash(dir);
  }
  const publish = (dir: string, args: string[] = []) => run(dir, ['publish', ...args], { PYPI_TOKEN: pypi.token });

  /** Nothing reached the server, the message names the path, and nothing was recorded. */
  function expectRefused(o: Outcome, dir: string, before: string, names: string | RegExp): void {
    expectContained(o, dir, before, 2, names);
    expect(pypi.files().filter((f) => f.filename.startsWith('entry_core') || f.filename.startsWith('evil'))).toEqual([]);
  }

  // With the plan: an extra entry named like a wheel, and the release's own wheel replaced.
  it.each(ENTRIES)('with a plan, dist/more/%s named like a wheel', async (how) => {
    const dir = fx.copy(path.join(base, `pe-extra-${how}`));
    const file = path.join(dir, 'dist', 'more', EVIL);
    plantEntry(file, how, outsideFile);
    const before = await configure(dir);
    expectRefused(await publish(dir), dir, before, file);
  });

  it.each(['fifo', 'device', 'outside', 'directory'] as const)('with a plan, the release\'s own wheel replaced by a %s', async (how) => {
    const dir = fx.copy(path.join(base, `pe-own-${how}`));
    const file = path.join(dir, 'dist', fx.files[0]!.filename);
    plantEntry(file, how, path.join(base, fx.files[0]!.filename));
    const before = await configure(dir);
    expectRefused(await publish(dir), dir, before, file);
  });

  // Without a plan: the same entries at the top of a dist/ that holds a good wheel, found or named.
  it.each(ENTRIES)('without a plan, dist/ holding a %s named like a wheel', async (how) => {
    const dir = repo({ ...baseTree(), [`dist/${fx.files[0]!.filename}`]: '' });
    writeFileSync(path.join(dir, 'dist', fx.files[0]!.filename), readFileSync(path.join(fx.dist, fx.files[0]!.filename)));
    const file = path.join(dir, 'dist', EVIL);
    plantEntry(file, how, path.join(base, fx.files[0]!.filename));
    const before = await configure(dir);
    expectRefused(await publish(dir), dir, before, file);
  });

  it.each(['fifo', 'device', 'outside'] as const)('without a plan, a %s named on the command line', async (how) => {
    const dir = repo(baseTree());
    const file = path.join(dir, 'wheelhouse', fx.files[0]!.filename);
    plantEntry(file, how, path.join(base, fx.files[0]!.filename));
    const before = await configure(dir);
    expectRefused(await publish(dir, [`wheelhouse/${fx.files[0]!.filename}`]), dir, before, file);
  });

  it('without a plan, a wheel linked from inside the repository is published', async () => {
    const dir = repo(baseTree());
    const { writePublishConfig } = await import('./publish-fixture.js');
    const server = await (await import('../servers/pypi.js')).startPypiServer();
    try {
      writePublishConfig(dir, { to: ['pypi'], pypi: { repository_url: server.uploadUrl } });
      mkdirSync(path.join(dir, 'build'));
      mkdirSync(path.join(dir, 'dist'));
      writeFileSync(path.join(dir, 'build', fx.files[0]!.filename), readFileSync(path.join(fx.dist, fx.files[0]!.filename)));
      symlinkSync(path.join('..', 'build', fx.files[0]!.filename), path.join(dir, 'dist', fx.files[0]!.filename));
      const o = await run(dir, ['publish'], { PYPI_TOKEN: server.token }, 3 * BOUND_MS);
      expect({ code: o.result.code, stderr: o.result.stderr.slice(-600) }).toMatchObject({ code: 0 });
      expect(server.files().map((f) => f.filename)).toEqual([fx.files[0]!.filename]);
    } finally {
      await server.close();
    }
  });

  const BAD_VERSIONS: Array<[string, string | Buffer, RegExp]> = [
    ['empty', '', /is empty/],
    ['two lines', '1.0.0\n1.0.1\n', /has 2 lines/],
    ['not a version', 'one point oh\n', /not a valid PEP 440 version/],
    ['NUL bytes', '1.0.0\0\n', /not a valid PEP 440 version/],
    ['a byte-order mark', '\ufeff1.0.0\n', /byte-order mark/],
    ['Latin-1 bytes', Buffer.from('1.0.0\xe9\n', 'latin1'), /not valid UTF-8/],
    ['a FIFO', 'fifo', /named pipe/],
  ];
  it.each(BAD_VERSIONS)('without a plan, a VERSION that is %s: exit 2 naming it and the fix, nothing sent', async (_what, content, message) => {
    const dir = repo(baseTree());
    const version = path.join(dir, 'VERSION');
    if (content === 'fifo') {
      rmSync(version);
      execFileSync('mkfifo', [version]);
    } else writeFileSync(version, content);
    mkdirSync(path.join(dir, 'dist'));
    writeFileSync(path.join(dir, 'dist', fx.files[0]!.filename), readFileSync(path.join(fx.dist, fx.files[0]!.filename)));
    const before = await configure(dir);
    const o = await publish(dir);
    expectRefused(o, dir, before, version);
    expect(o.result.stderr).toMatch(message);
    expect(o.result.stderr).toMatch(/hint: /);
  });
});

/**
 * Which GitHub API a command talks to (#17 item 6): GITHUB_API_URL (a GitHub Enterprise runner's) wins over
 * publish.github.api_url's default, with a release config or without, spelled with a trailing slash or not;
 * only an explicit other api_url wins over it. Two recording servers on 127.0.0.1: the runner's and the config's.
 */
describe.concurrent('the GitHub API URL: GITHUB_API_URL unless the config names another', () => {
  interface Recorder {
    url: string;
    paths: string[];
    close: () => Promise<void>;
  }
  async function recorder(): Promise<Recorder> {
    const paths: string[] = [];
    const server = http.createServer((req, res) => {
      req.resume();
      paths.push(req.url ?? '');
      // An empty release list for compat; 404 for a release by tag (verify); 401 for publish's first call.
      if (/\/releases(\?|$)/.test(req.url ?? '') && req.method === 'GET') res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
      else if ((req.url ?? '').includes('/releases/tags/')) res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
      else res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"Bad credentials"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v3`,
      paths,
      close: () =>
        new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    };
  }
  let runner: Recorder;
  let configured: Recorder;
  let fx: import('./publish-fixture.js').ReleaseFixture;
  beforeAll(async () => {
    [runner, configured] = await Promise.all([recorder(), recorder()]);
    const { makeReleaseFixture } = await import('./publish-fixture.js');
    fx = await makeReleaseFixture({ packages: ['route-core'], wheelTags: ['py3-none-any'], payloadBytes: 256 });
  });
  afterAll(async () => {
    await runner?.close();
    await configured?.close();
    fx?.cleanup();
  });

  type Config = 'no config' | 'a config without publish.github' | 'publish.github without api_url' | 'the default api_url with a slash' | 'another api_url';
  const CONFIGS: Config[] = ['no config', 'a config without publish.github', 'publish.github without api_url', 'the default api_url with a slash', 'another api_url'];
  /** The publish section for each case; null: no release.yaml at all. */
  function publishSection(c: Config): Record<string, unknown> | null {
    if (c === 'no config') return null;
    if (c === 'a config without publish.github') return { to: ['pypi'] };
    const github: Record<string, unknown> = { repository: 'acme/demo' };
    if (c === 'the default api_url with a slash') github.api_url = 'https://api.github.com/';
    if (c === 'another api_url') github.api_url = configured.url;
    return { to: ['github'], github };
  }
  /** Which server must have been asked, and the other never. */
  function expectReached(c: Config, pathPart: string): void {
    const [want, other] = c === 'another api_url' ? [configured, runner] : [runner, configured];
    expect(want.paths.filter((p) => p.includes(pathPart)).length, `${want.url} got ${JSON.stringify(want.paths)}`).toBeGreaterThan(0);
    expect(other.paths.filter((p) => p.includes(pathPart))).toEqual([]);
  }
  const ENV = () => ({ GITHUB_API_URL: runner.url, WHEELWRIGHT_GITHUB_PACE: 'off' });

  it.each(CONFIGS)('compat list --from github:OWNER/NAME with %s', async (c) => {
    const section = publishSection(c);
    const dir = repo({ ...baseTree(), 'release.yaml': section ? `publish: ${JSON.stringify(section)}\n` : RELEASE_YAML });
    if (!section) rmSync(path.join(dir, 'release.yaml'));
    const owner = `compat${CONFIGS.indexOf(c)}`;
    const before = treeHash(dir);
    const o = await run(dir, ['compat', 'list', '--json', '--from', `github:${owner}/demo`], ENV());
    expectContained(o, dir, before, 0, '');
    expectReached(c, `/api/v3/repos/${owner}/demo/releases`);
  });

  it.each(CONFIGS.filter((c) => c !== 'a config without publish.github'))('verify --published --from github with %s', async (c) => {
    const dir = fx.copy(path.join(base, `api-verify-${CONFIGS.indexOf(c)}`));
    const section = publishSection(c);
    if (section) (await import('./publish-fixture.js')).writePublishConfig(dir, section);
    else rmSync(path.join(dir, 'release.yaml'));
    // The repository names the case, so the two servers' records tell the cases apart.
    const owner = `verify${CONFIGS.indexOf(c)}`;
    const o = await run(dir, ['verify', '--published', fx.version, '--from', 'github', '--repository', `${owner}/demo`], ENV());
    expect({ code: o.result.code, stderr: o.result.stderr.slice(0, 600) }).toMatchObject({ code: 4 });
    expectReached(c, `/api/v3/repos/${owner}/demo/releases/tags/${fx.tag}`);
  });

  it.each(CONFIGS.filter((c) => c.includes('api_url')))('publish to GitHub with %s', async (c) => {
    const dir = fx.copy(path.join(base, `api-publish-${CONFIGS.indexOf(c)}`));
    const section = publishSection(c)!;
    const owner = `publish${CONFIGS.indexOf(c)}`;
    (await import('./publish-fixture.js')).writePublishConfig(dir, { ...section, github: { ...(section.github as object), repository: `${owner}/demo` } });
    const o = await run(dir, ['publish'], ENV());
    expect({ code: o.result.code, stderr: o.result.stderr.slice(0, 600) }).toMatchObject({ code: 5 });
    expectReached(c, `/api/v3/repos/${owner}/demo`);
  });
});

/**
 * A build backend is the project's code, run with our environment (#17 item 10): it must find no
 * publishing credential there (by name, or a publishing credential's value under another name), while
 * ordinary variables and the build's own credentials (DEPLOY_API_KEY here) pass through. The backend is setuptools behind an in-tree
 * wrapper (backend-path) that writes os.environ to a file outside the repository, run as `release build
 * --offline` runs it (Debian's python3 -m build --no-isolation); the tree's git status is the same after.
 */
describe.concurrent('what a build backend sees', () => {
  const PY = '/usr/bin/python3';
  const ok = hasCommand(PY) && ['build', 'setuptools', 'wheel'].every((m) => hasPythonModule(m));
  const BACKEND = [
    'import json, os',
    'from setuptools.build_meta import *  # noqa: F401,F403',
    'from setuptools import build_meta as _sb',
    'def _dump(hook):',
    "    with open(os.environ['WW_ENV_DUMP'] + '.' + hook, 'w') as f:",
    '        json.dump(dict(os.environ), f)',
    'def build_wheel(*a, **k):',
    "    _dump('wheel')",
    '    return _sb.build_wheel(*a, **k)',
    'def build_sdist(*a, **k):',
    "    _dump('sdist')",
    '    return _sb.build_sdist(*a, **k)',
    '',
  ].join('\n');
  const PYPROJECT = [
    '[build-system]',
    'requires = ["setuptools>=61"]',
    'build-backend = "envdump"',
    'backend-path = ["_backend"]',
    '',
    '[project]',
    'name = "envpkg"',
    'version = "1.0.0"',
    'requires-python = ">=3.9"',
    '',
    '[tool.setuptools.packages.find]',
    'where = ["src"]',
    '',
  ].join('\n');
  /** Credentials the suite does not plant everywhere; each must be kept from the backend too. */
  const MORE = {
    GH_TOKEN: 'planted-gh-token-0011',
    TWINE_USERNAME: '__token__',
    ACTIONS_ID_TOKEN_REQUEST_URL: 'https://planted-oidc.invalid/token?id=0012',
    // A credential's value under a name no rule knows: the secrets layer knows the value.
    SOME_COPY: PLANTED.PYPI_TOKEN,
  };

  it.skipIf(!ok)('release build --offline: no credential in the backend\'s environment, ordinary variables kept, the tree as it was', async () => {
    const dir = repo({
      VERSION: '1.0.0\n',
      'release.yaml': 'packages:\n  - path: packages/envpkg\n    kind: pure\npython: ["3.11"]\ntargets: [linux-x86_64]\n',
      '.gitignore': 'dist/\n',
      'packages/envpkg/pyproject.toml': PYPROJECT,
      'packages/envpkg/_backend/envdump.py': BACKEND,
      'packages/envpkg/src/envpkg/__init__.py': '"""A package whose build backend records its environment."""\n',
    });
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, encoding: 'utf8' });
    git('add', '-A');
    git('commit', '-q', '-m', 'envpkg');
    const dump = path.join(base, `env-dump-${counter++}`);
    const env = { ...MORE, WW_ENV_DUMP: dump, SOURCE_DATE_EPOCH: '1767225600' };
    const planned = await run(dir, ['plan'], env);
    expect({ code: planned.result.code, stderr: planned.result.stderr.slice(-600) }).toMatchObject({ code: 0 });
    const status = git('status', '--porcelain', '--ignored', '--untracked-files=all');
    const built = await run(dir, ['build', '--target', 'any', '--python', PY, '--offline'], env, 4 * BOUND_MS);
    expect({ code: built.result.code, stderr: built.result.stderr.slice(-800) }).toMatchObject({ code: 0 });
    expect(readdirSync(path.join(dir, 'dist')).filter((f) => f.startsWith('envpkg')).sort()).toEqual(['envpkg-1.0.0-py3-none-any.whl', 'envpkg-1.0.0.tar.gz']);
    // No build/ or envpkg.egg-info left behind: the next `release prepare` needs a clean tree (#17 item 12b).
    expect(git('status', '--porcelain', '--ignored', '--untracked-files=all').split('\n').filter((l) => !l.includes('dist/'))).toEqual(status.split('\n').filter((l) => !l.includes('dist/')));
    for (const hook of ['wheel', 'sdist']) {
      const seen = JSON.parse(readFileSync(`${dump}.${hook}`, 'utf8')) as Record<string, string>;
      expect(seen.SOURCE_DATE_EPOCH, hook).toBe('1767225600');
      expect(seen.PATH, hook).toBeTruthy();
      // The build's own credential (not a publishing one) is the build's business: it stays.
      expect(seen.DEPLOY_API_KEY, hook).toBe(PLANTED.DEPLOY_API_KEY);
      const names = [...Object.keys(PLANTED), ...Object.keys(MORE)].filter((n) => n in seen && n !== 'DEPLOY_API_KEY');
      expect(names, `${hook}: credentials by name`).toEqual([]);
      const text = JSON.stringify(seen);
      for (const s of [...SECRETS, MORE.GH_TOKEN, MORE.ACTIONS_ID_TOKEN_REQUEST_URL].filter((v) => v !== PLANTED.DEPLOY_API_KEY)) expect(text.includes(s), `${hook}: secret ${s.slice(0, 14)}… reached the backend`).toBe(false);
    }
  });
});

/**
 * A front on 127.0.0.1 before the test index: `answer` handles the requests it wants (true), the rest
 * (the credential probe, uploads) go through to the index.
 */
async function frontServer(upstreamUrl: string, answer: (req: http.IncomingMessage, res: http.ServerResponse) => boolean): Promise<{ url: string; close: () => Promise<void> }> {
  const upstream = new URL(upstreamUrl);
  const front = http.createServer((req, res) => {
    if (answer(req, res)) return void req.resume();
    const up = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(front.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        front.closeAllConnections();
        front.close(() => r());
      }),
  };
}

/**
 * Indexes that are not PyPI (#17 item 12): a pypiserver sends every project it does not hold to its
 * fallback index (pypi.org) with a 302/303 from /simple/<name>/, so the lookups of a first release all
 * answer that way: publish says so once for the run, not once per package, and uploads. A server that
 * lost an upload's bytes lists a 0-byte copy, on a PEP 503 page with only its digest: publish names it
 * empty and says what to do, not "publish a new version".
 */
describe.concurrent('indexes that are not PyPI', () => {
  it('a fallback redirect for each of 3 packages: one warning, all uploaded, no redirect followed', async () => {
    const { startPypiServer } = await import('../servers/pypi.js');
    const { makeReleaseFixture, writePublishConfig } = await import('./publish-fixture.js');
    const pypi = await startPypiServer();
    const redirected: string[] = [];
    const front = await frontServer(pypi.url, (req, res) => {
      const url = req.url ?? '/';
      const m = /^\/(?:simple|pypi)\/([^/]+)\//.exec(url);
      if (!m || req.method !== 'GET') return false;
      redirected.push(url);
      res.writeHead(url.startsWith('/simple/') ? 303 : 302, { location: `https://pypi.org/simple/${m[1]}/` }).end();
      return true;
    });
    const fx = await makeReleaseFixture({ packages: ['fall-a', 'fall-b', 'fall-c'], wheelTags: ['py3-none-any'], payloadBytes: 256 });
    try {
      const dir = fx.copy(path.join(base, 'fallback'));
      writePublishConfig(dir, { to: ['pypi'], pypi: { repository_url: `${front.url}/legacy/` } });
      const o = await run(dir, ['publish'], { PYPI_TOKEN: pypi.token, WHEELWRIGHT_RETRY_DEADLINE: '5' }, 3 * BOUND_MS);
      expect({ code: o.result.code, stderr: o.result.stderr.slice(-800) }).toMatchObject({ code: 0 });
      expect(pypi.files().map((f) => f.filename).sort()).toEqual(fx.files.map((f) => f.filename).sort());
      expect(redirected.length).toBeGreaterThanOrEqual(3);
      const warnings = o.result.stderr.split('\n').filter((l) => /cannot read|redirect|fallback/i.test(l));
      expect(warnings, o.result.stderr.slice(-1500)).toHaveLength(1);
      expect(warnings[0]).toMatch(/fall-a 1\.0\.0, fall-b 1\.0\.0, fall-c 1\.0\.0/);
      for (const s of [...SECRETS, pypi.token]) expect(`${o.result.stdout}${o.result.stderr}`.includes(s)).toBe(false);
    } finally {
      fx.cleanup();
      await front.close();
      await pypi.close();
    }
  });

  it('a 0-byte copy listed by digest only (PEP 503): named as truncated, the fix for that server, nothing uploaded', async () => {
    const { startPypiServer } = await import('../servers/pypi.js');
    const { makeReleaseFixture, writePublishConfig } = await import('./publish-fixture.js');
    const pypi = await startPypiServer();
    const fx = await makeReleaseFixture({ packages: ['lost-core'], wheelTags: ['py3-none-any'], payloadBytes: 256 });
    const wheel = fx.files.find((f) => f.filename.endsWith('.whl'))!;
    const empty = createHash('sha256').digest('hex');
    // No JSON API (pypiserver), and a simple page with the wheel's name and the digest of no bytes.
    const front = await frontServer(pypi.url, (req, res) => {
      const url = req.url ?? '/';
      if (url.startsWith('/pypi/')) res.writeHead(404).end('not found');
      else if (url.startsWith('/simple/')) res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><body><a href="/packages/${wheel.filename}#sha256=${empty}">${wheel.filename}</a></body></html>`);
      else return false;
      return true;
    });
    try {
      const dir = fx.copy(path.join(base, 'lost'));
      writePublishConfig(dir, { to: ['pypi'], pypi: { repository_url: `${front.url}/legacy/` } });
      const before = treeHash(dir);
      const o = await run(dir, ['publish'], { PYPI_TOKEN: pypi.token }, 3 * BOUND_MS);
      expectContained(o, dir, before, 5, `${wheel.filename} is on the index truncated: 0 of ${wheel.size} bytes`);
      const hint = /hint: (.*)/.exec(o.result.stderr)?.[1] ?? '';
      expect(hint).toMatch(new RegExp(`delete ${wheel.filename.replace(/\./g, '\\.')} from the server's storage, then re-run`));
      expect(hint).not.toMatch(/publish a new version/);
      expect(pypi.files()).toEqual([]);
    } finally {
      fx.cleanup();
      await front.close();
      await pypi.close();
    }
  });
});

/**
 * A run killed between writing the manifest's temp file and renaming it leaves `.release-manifest.json.tmp-<pid>-…`
 * in dist/ (#17 item 12c): the next run that writes the manifest removes those of dead processes, and keeps a
 * live writer's. (The unit test in pipeline-context.test.ts checks the world; this one, a real `release plan`.)
 */
describe.concurrent('temp files a killed run left', () => {
  it('release plan removes a dead writer\'s manifest temp file and keeps a live one\'s', async () => {
    const dir = repo({ ...baseTree(), 'release.yaml': 'packages:\n  - path: pkg\n    kind: pure\n', 'pkg/pyproject.toml': '[project]\nname = "tmp-core"\nversion = "1.0.0"\n' });
    const { spawnSync } = await import('node:child_process');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const stale = `.release-manifest.json.tmp-${dead}-abc123`;
    const live = `.release-manifest.json.tmp-${process.pid}-def456`;
    mkdirSync(path.join(dir, 'dist'));
    for (const name of [stale, live]) writeFileSync(path.join(dir, 'dist', name), '{"schemaVersion": 1,');
    const o = await run(dir, ['plan']);
    expect({ code: o.result.code, stderr: o.result.stderr.slice(-600) }).toMatchObject({ code: 0 });
    expect(readdirSync(path.join(dir, 'dist')).filter((n) => n.includes('.tmp-'))).toEqual([live]);
    expect(JSON.parse(readFileSync(path.join(dir, 'dist', 'release-manifest.json'), 'utf8'))).toMatchObject({ version: '1.0.0' });
  });
});

/**
 * The retry matrix (wheelwright#17): every network client against a server that answers 500 or 429
 * forever, asks for a Retry-After far past the deadline, redirects to another host, closes the socket
 * before the Content-Length it announced, or answers malformed JSON or a web page. Each run ends within
 * the retry deadline set here (WHEELWRIGHT_RETRY_DEADLINE=2) plus start-up, names the URL without
 * credentials, says what was tried and what to do, forwards no credential to the other host, and leaves
 * nothing half-written.
 */
describe.concurrent('hostile servers: the retry matrix', () => {
  type Mode = '500' | '429' | '429-long' | 'redirect' | 'truncated' | 'bad-json' | 'html';
  const MODES: Mode[] = ['500', '429', '429-long', 'redirect', 'truncated', 'bad-json', 'html'];
  const RETRY_S = 1;
  /**
   * Start-up, hashing and the final message on a loaded 2-core runner, on top of the deadline. Without
   * the deadline these runs sleep an hour (Retry-After) or back off for minutes (8 attempts, 1 s doubling).
   */
  const SLACK_MS = 20_000;
  // One request may take 8 s: on two loaded cores a local lookup took over 3 s (no case here stalls).
  const ENV = { WHEELWRIGHT_NETWORK_TIMEOUT: '8', WHEELWRIGHT_RETRY_DEADLINE: String(RETRY_S), WHEELWRIGHT_GITHUB_PACE: 'off' };
  const URL_TOKEN = 'planted-redirect-token-0011';

  /** What the other host saw: every request, its headers and its URL. */
  const elsewhereSaw: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders }> = [];
  let elsewhere = '';
  let origin = '';
  const servers: http.Server[] = [];
  let fx: import('./publish-fixture.js').ReleaseFixture;
  let sig: import('../servers/sigstore.js').SigstoreServer;

  /** The answer of a hostile server in `mode` (the redirect goes to the same path on the other host). */
  function misbehave(mode: Mode, req: http.IncomingMessage, res: http.ServerResponse, pathOnly: string): void {
    switch (mode) {
      case '500':
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal');
        return;
      case '429':
        res.writeHead(429, { 'retry-after': '1', 'content-type': 'text/plain' }).end('slow down');
        return;
      case '429-long':
        res.writeHead(429, { 'retry-after': '3600', 'content-type': 'text/plain' }).end('come back in an hour');
        return;
      case 'redirect':
        res.writeHead(302, { location: `${elsewhere}${pathOnly}` }).end();
        return;
      case 'truncated':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"urls": [', () => res.socket?.destroy());
        return;
      case 'bad-json':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"urls": [{"filename": ');
        return;
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Please log in</body></html>');
        return;
    }
  }

  async function listen(handler: http.RequestListener): Promise<string> {
    const server = http.createServer(handler);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Reads the whole request, then answers. */
  const withBody = (fn: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void): http.RequestListener => (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => fn(req, res, Buffer.concat(chunks).toString('latin1')));
  };

  beforeAll(async () => {
    elsewhere = await listen(withBody((req, res) => {
      elsewhereSaw.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message": "Not Found"}');
    }));
    // /<mode>/…: every request misbehaves. /upload-<mode>/legacy/: only a POST carrying a file does (the
    // credential probe gets PyPI's 400). Anything else (the lookups of /pypi/ and /simple/) is a 404.
    origin = await listen(withBody((req, res, body) => {
      const url = req.url ?? '/';
      const m = /^\/(upload-)?([^/]+)(\/.*)$/.exec(url);
      const known = m !== null && (MODES as string[]).includes(m[2]!);
      if (known && (m[1] === undefined || (req.method === 'POST' && /name="content"/.test(body)))) return misbehave(m[2] as Mode, req, res, url);
      if (known && m[1] && req.method === 'POST') return void res.writeHead(400, 'Invalid value for name').end();
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
    }));
    const { makeReleaseFixture } = await import('./publish-fixture.js');
    fx = await makeReleaseFixture({ packages: ['retry-core'], wheelTags: ['py3-none-any'], payloadBytes: 256 });
    sig = await (await import('../servers/sigstore.js')).startSigstore();
  });
  afterAll(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
    fx?.cleanup();
    await sig?.close();
  });

  /** The shared checks: bounded, the exit code, the URL without credentials, no secret, no crash. */
  function expectHandled(o: Outcome, mode: Mode, code: number, url: string | string[], extra: string[] = [], todo: RegExp = /hint: /): void {
    const { result } = o;
    expect(result.signal, `killed after ${o.ms} ms`).toBeNull();
    // A Retry-After of an hour, or 500s forever, must not outlast the retry deadline.
    expect(o.ms, `took ${o.ms} ms; the retry deadline is ${RETRY_S} s`).toBeLessThan(RETRY_S * 1000 + SLACK_MS);
    expect({ code: result.code, stderr: result.stderr.slice(-1200) }).toMatchObject({ code });
    // Any one of the URLs the failing exchange may have been (an upload, or the lookup after it).
    const urls = typeof url === 'string' ? [url] : url;
    expect(urls.some((u) => result.stderr.includes(u)), `stderr names one of ${urls.join(', ')}`).toBe(true);
    expect(result.stderr).not.toMatch(/internal error|This is a bug/);
    // What to do: an error's hint, or the advice in a verify finding.
    expect(result.stderr).toMatch(todo);
    if (mode === '500' || mode === '429' || mode === '429-long') {
      // What was tried: the attempts and the last answer.
      expect(result.stderr).toMatch(/\d+ attempts?/);
      expect(result.stderr).toContain(mode.slice(0, 3));
    }
    const output = `${result.stdout}\n${result.stderr}`;
    for (const s of [...SECRETS, URL_TOKEN, ...extra]) expect(output.includes(s), `secret ${s.slice(0, 14)}… leaked`).toBe(false);
  }

  /** No request that reached the other host carried a credential (header, userinfo or query). */
  function expectNothingForwarded(secrets: string[]): void {
    for (const seen of elsewhereSaw) {
      expect(seen.headers.authorization, `${seen.method} ${seen.url} carried Authorization`).toBeUndefined();
      const all = JSON.stringify(seen);
      for (const s of [...SECRETS, URL_TOKEN, ...secrets]) expect(all.includes(s), `${seen.url} carried ${s.slice(0, 14)}…`).toBe(false);
    }
  }

  function expectNothingHalfWritten(dir: string, stored: string[]): void {
    const m = JSON.parse(readFileSync(path.join(dir, 'dist', 'release-manifest.json'), 'utf8')) as { publish?: Record<string, { files?: Record<string, unknown> }> };
    for (const [dest, rec] of Object.entries(m.publish ?? {})) {
      for (const name of Object.keys(rec.files ?? {})) expect(stored, `${dest} confirms ${name}`).toContain(name);
    }
    expect(readdirSync(path.join(dir, 'dist')).filter((n) => n.includes('.tmp-'))).toEqual([]);
  }

  const port = () => origin.split(':')[2]!;
  /** A verify finding carries its advice in the line. */
  const VERIFY_TODO = /unreachable: .*(check|run the command again)/;

  it.each(['429-long', 'redirect', 'truncated'] as Mode[])('compat list from an index URL with credentials that answers %s', async (mode) => {
    const dir = repo(baseTree());
    const before = treeHash(dir);
    const o = await run(dir, ['compat', 'list', '--from', `http://user:${URL_TOKEN}@127.0.0.1:${port()}/${mode}/simple/`], ENV);
    expectHandled(o, mode, 8, `${origin}/${mode}/simple/`);
    expect(treeHash(dir)).toBe(before);
    expectNothingForwarded([Buffer.from(`user:${URL_TOKEN}`).toString('base64')]);
  });

  it.each(['500', 'html'] as Mode[])('compat fetch from a set distribution page that answers %s', async (mode) => {
    const dir = repo(baseTree());
    const before = treeHash(dir);
    const o = await run(dir, ['compat', 'fetch', '1.0.0', '--from', `${origin}/${mode}/simple/demo-release/`, '-o', 'constraints.txt'], ENV);
    expectHandled(o, mode, 8, `${origin}/${mode}/simple/demo-release/`);
    expect(treeHash(dir)).toBe(before);
  });

  it.each(['429', 'redirect', 'bad-json'] as Mode[])('compat list from github: whose API answers %s', async (mode) => {
    const dir = repo(baseTree());
    const before = treeHash(dir);
    const o = await run(dir, ['compat', 'list', '--from', 'github:acme/demo'], { ...ENV, GITHUB_API_URL: `${origin}/${mode}` });
    expectHandled(o, mode, 8, `${origin}/${mode}/repos/acme/demo/releases`);
    expect(treeHash(dir)).toBe(before);
    expectNothingForwarded([]);
  });

  it.each(['500', 'truncated', 'bad-json'] as Mode[])('verify --published against an index whose JSON API answers %s', async (mode) => {
    const dir = fx.copy(path.join(base, `rv-${mode}`));
    const before = treeHash(dir);
    const o = await run(dir, ['verify', '--published', fx.version, '--index-url', `${origin}/${mode}/`, '--repository', 'acme/demo', '--trusted-root', sig.trustedRootPath], ENV);
    expectHandled(o, mode, 4, `${origin}/${mode}/pypi/retry-core/${fx.version}/json`, [], VERIFY_TODO);
    expect(treeHash(dir)).toBe(before);
  });

  it.each(['429-long', 'redirect', 'html'] as Mode[])('verify --published against a GitHub API that answers %s', async (mode) => {
    const dir = fx.copy(path.join(base, `rg-${mode}`));
    const { writePublishConfig } = await import('./publish-fixture.js');
    writePublishConfig(dir, { to: ['github'], github: { repository: 'acme/demo', api_url: `${origin}/${mode}` } });
    const before = treeHash(dir);
    const o = await run(dir, ['verify', '--published', fx.version, '--from', 'github'], ENV);
    expectHandled(o, mode, 4, `${origin}/${mode}/repos/acme/demo/releases/tags/${fx.tag}`, [], VERIFY_TODO);
    expect(treeHash(dir)).toBe(before);
    expectNothingForwarded([]);
  });

  it.each(['429-long', 'redirect'] as Mode[])('publish to PyPI whose upload endpoint answers %s to everything (the credential probe)', async (mode) => {
    const dir = fx.copy(path.join(base, `rp-${mode}`));
    const { writePublishConfig } = await import('./publish-fixture.js');
    writePublishConfig(dir, { to: ['pypi'], pypi: { repository_url: `${origin}/${mode}/legacy/` } });
    const o = await run(dir, ['publish', '--repository-url', `http://__token__:${URL_TOKEN}@127.0.0.1:${port()}/${mode}/legacy/`], ENV);
    expectHandled(o, mode, 5, `${origin}/${mode}/legacy/`);
    expectNothingHalfWritten(dir, []);
    // An upload is never redirected (twine refuses to): the other host got no POST and no credential.
    expect(elsewhereSaw.filter((s) => s.method === 'POST')).toEqual([]);
    expectNothingForwarded([Buffer.from(`__token__:${URL_TOKEN}`).toString('base64')]);
  });

  it.each(['500', 'redirect', 'truncated'] as Mode[])('publish to PyPI when the file upload answers %s (probe and lookups answered)', async (mode) => {
    const dir = fx.copy(path.join(base, `ru-${mode}`));
    const { writePublishConfig } = await import('./publish-fixture.js');
    writePublishConfig(dir, { to: ['pypi'], pypi: { repository_url: `${origin}/upload-${mode}/legacy/` } });
    const o = await run(dir, ['publish'], ENV);
    expectHandled(o, mode, 5, `${origin}/upload-${mode}/legacy/`);
    expectNothingHalfWritten(dir, []);
    expect(elsewhereSaw.filter((s) => s.method === 'POST')).toEqual([]);
    expectNothingForwarded([Buffer.from(`__token__:${PLANTED.PYPI_TOKEN}`).toString('base64')]);
  });

  it.each(['429-long', 'bad-json'] as Mode[])('publish to PyPI when the project lookups (JSON API, simple page) answer %s: the upload settles it', async (mode) => {
    const stored: string[] = [];
    // This index answers the probe (400) and stores uploads; every GET misbehaves.
    const idx = await listen(withBody((req, res, body) => {
      if (req.method === 'POST') {
        const file = /name="content"; filename="([^"]*)"/.exec(body)?.[1];
        if (!file) return void res.writeHead(400, 'Invalid value for name').end();
        stored.push(file);
        return void res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
      }
      misbehave(mode, req, res, req.url ?? '/');
    }));
    const dir = fx.copy(path.join(base, `rl-${mode}`));
    const { writePublishConfig } = await import('./publish-fixture.js');
    writePublishConfig(dir, { to: ['pypi'], pypi: { repository_url: `${idx}/legacy/` } });
    const o = await run(dir, ['publish'], ENV);
    const { result } = o;
    expect(result.signal).toBeNull();
    expect(o.ms, `took ${o.ms} ms`).toBeLessThan(RETRY_S * 1000 + SLACK_MS);
    expect({ code: result.code, stderr: result.stderr.slice(-1200) }).toMatchObject({ code: 0 });
    expect(stored.sort()).toEqual(fx.files.map((f) => f.filename).sort());
    expectNothingHalfWritten(dir, stored);
    for (const s of SECRETS) expect(`${result.stdout}${result.stderr}`.includes(s)).toBe(false);
    expectNothingForwarded([Buffer.from(`__token__:${PLANTED.PYPI_TOKEN}`).toString('base64')]);
  });

  it.each(['500', 'redirect', 'bad-json'] as Mode[])('publish to a GitHub API that answers %s', async (mode) => {
    const dir = fx.copy(path.join(base, `rh-${mode}`));
    const { writePublishConfig } = await import('./publish-fixture.js');
    writePublishConfig(dir, { to: ['github'], github: { repository: 'acme/demo', api_url: `${origin}/${mode}` } });
    const o = await run(dir, ['publish'], ENV);
    expectHandled(o, mode, 5, `${origin}/${mode}/repos/acme/demo`);
    expectNothingHalfWritten(dir, []);
    expectNothingForwarded([]);
  });

  it.each([
    ['429 an hour', 'create-release', { kind: 'rate-limit', status: 429, retryAfter: 3600, times: 1000 }],
    ['500 forever', 'upload-asset', { kind: 'status', status: 500, times: 1000 }],
    ['429 an hour', 'upload-asset', { kind: 'rate-limit', status: 429, retryAfter: 3600, times: 1000 }],
    ['500 forever', 'update-release', { kind: 'status', status: 500, times: 1000 }],
  ] as const)('publish to GitHub when the server answers %s to %s', async (_what, route, fault) => {
    const { startGithubServer } = await import('../servers/github.js');
    const gh = await startGithubServer({ owner: 'acme', repo: 'demo' });
    try {
      gh.inject({ ...fault, route } as import('../servers/github.js').GithubFault);
      const dir = fx.copy(path.join(base, `rc-${route}-${fault.kind}-${'retryAfter' in fault ? fault.retryAfter : ''}`));
      const { writePublishConfig } = await import('./publish-fixture.js');
      writePublishConfig(dir, { to: ['github'], github: { repository: 'acme/demo', api_url: gh.apiUrl } });
      const o = await run(dir, ['publish'], { ...ENV, GITHUB_TOKEN: gh.token! });
      expectHandled(o, fault.kind === 'status' ? '500' : '429', 5, route === 'upload-asset' ? [gh.uploadUrl, gh.apiUrl] : gh.apiUrl, [gh.token!]);
      // Nothing published: the release, if created, is still a draft; the manifest confirms only what it holds.
      expect(gh.state().releases.filter((r) => !r.draft)).toEqual([]);
      expectNothingHalfWritten(dir, gh.state().releases.flatMap((r) => r.assets.map((a) => a.name)));
    } finally {
      await gh.close();
    }
  });
});
