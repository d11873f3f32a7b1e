// End to end: build examples/ for real (0.3.0 and 0.2.0), publish both to the static index and to the
// local GitHub server, `release compat fetch` through the built CLI, install with real pip
// --require-hashes into a fresh venv, then mix in a component of the other set and `compat check` it.
import { existsSync, readFileSync, rmSync, cpSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuiltArtifact } from '../../src/manifest.js';
import { createIndexDestination } from '../../src/publish/static-index.js';
import { buildVersionSet, serializeVersionSet } from '../../src/versionset.js';
import { runRelease } from '../helpers/cli.js';
import { requireTools } from '../helpers/tools.js';
import { startGithubServer, type GithubServer } from '../servers/github.js';
import {
  buildExamples,
  installed,
  makeVenv,
  manifestFor,
  publishRun,
  pythonToolChecks,
  quietContext,
  startStaticServer,
  tempDir,
} from './compat-fixtures.js';

const ok = requireTools('compat end to end with real pip', pythonToolChecks());
const TOKEN = 'ghs_compattesttoken0000000000000000000';

/** Publish a release to the GitHub test server by hand: a published release with every asset. */
async function githubRelease(gh: GithubServer, tag: string, assets: Array<{ name: string; data: Buffer }>): Promise<void> {
  const headers = { authorization: `Bearer ${TOKEN}`, accept: 'application/vnd.github+json' };
  const res = await fetch(`${gh.apiUrl}/repos/acme/demo/releases`, { method: 'POST', headers, body: JSON.stringify({ tag_name: tag, draft: false }) });
  expect(res.status).toBe(201);
  const rel = (await res.json()) as { upload_url: string };
  const upload = rel.upload_url.replace(/\{.*\}$/, '');
  for (const a of assets) {
    const up = await fetch(`${upload}?name=${encodeURIComponent(a.name)}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(a.data.length) },
      body: a.data,
    });
    expect(up.status).toBe(201);
  }
}

describe.skipIf(!ok)('release compat end to end', () => {
  let v3: { root: string; dist: string; built: BuiltArtifact[] };
  let v2: { root: string; dist: string; built: BuiltArtifact[] };
  let work: string;
  let indexDir: string;
  let venv: ReturnType<typeof makeVenv>;

  beforeAll(async () => {
    v3 = buildExamples('0.3.0');
    v2 = buildExamples('0.2.0');
    work = tempDir();
    indexDir = path.join(work, 'index');
    for (const [v, b] of [['0.3.0', v3], ['0.2.0', v2]] as const) {
      const run = publishRun(quietContext(work), manifestFor(v, b.built), b.dist);
      const dest = createIndexDestination({ dir: indexDir });
      await dest.preflight(run);
      await dest.publish(run);
    }
    venv = makeVenv();
  }, 600_000);

  afterAll(() => {
    for (const d of [work, venv?.dir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('fetch writes pins with hashes for exactly the fitting files, pip --require-hashes installs the set, check says one set', async () => {
    const out = path.join(work, 'constraints.txt');
    const r = await runRelease(['compat', 'fetch', '0.3.0', '--from', indexDir, '--platform', 'linux-x86_64', '--python', '3.11', '-o', out], { cwd: work });
    expect(r.stderr).toContain('wrote');
    expect(r.code).toBe(0);
    const text = readFileSync(out, 'utf8');
    for (const b of v3.built.filter((x) => x.filename.endsWith('.whl'))) expect(text).toContain(`--hash=sha256:${b.sha256}`);
    for (const b of v3.built.filter((x) => x.filename.endsWith('.tar.gz'))) expect(text).not.toContain(b.sha256);
    expect(text).toMatch(/^demo-cli==0\.3\.0 \\$/m);
    expect(text).toMatch(/^demo-speedups==0\.3\.0 \\$/m);
    await venv.pip('install', '--no-cache-dir', '--require-hashes', '-r', out, '--index-url', pathToFileURL(indexDir).href + '/');
    const have = installed(venv.python);
    expect(have).toMatchObject({ 'demo-cli': '0.3.0', 'demo-core': '0.3.0', 'demo-speedups': '0.3.0' });
    const check = await runRelease(['compat', 'check', '--python', venv.python, '--from', indexDir], { cwd: work });
    expect(check.stdout).toContain('one version set, 0.3.0');
    expect(check.code).toBe(0);
  }, 600_000);

  it('check names the component installed from another set and exits non-zero', async () => {
    await venv.pip('install', '--no-cache-dir', '--no-deps', '--index-url', pathToFileURL(indexDir).href + '/', 'demo-speedups==0.2.0');
    const check = await runRelease(['compat', 'check', '--python', venv.python, '--from', indexDir, '--json'], { cwd: work });
    expect(check.code).toBe(1);
    const report = JSON.parse(check.stdout);
    expect(report.set).toBe('0.3.0');
    expect(report.components.find((c: { name: string }) => c.name === 'demo-speedups')).toEqual({
      name: 'demo-speedups',
      expected: '0.3.0',
      installed: '0.2.0',
      status: 'other-set',
      sets: ['0.2.0'],
    });
    const human = await runRelease(['compat', 'check', '--python', venv.python, '--from', indexDir], { cwd: work });
    expect(human.stdout).toContain('demo-speedups==0.2.0 is from set 0.2.0, set 0.3.0 has 0.3.0');
    expect(human.code).toBe(1);
  }, 600_000);

  it('list shows the sets newest first with their release line from the config', async () => {
    const r = await runRelease(['compat', 'list', '--from', indexDir], { cwd: v3.root });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^0\.3\.0\s+v0\.3\.0\s+2026-11-23\s+0\.3, edge$/);
    expect(lines[1]).toMatch(/^0\.2\.0\s+v0\.2\.0\s+2026-11-23$/);
  });

  it('resolve prints the whole set a component version belongs to', async () => {
    const r = await runRelease(['compat', 'resolve', 'demo_core==0.2', '--from', indexDir, '--json'], { cwd: work });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).packages).toEqual([
      { name: 'demo-cli', version: '0.2.0' },
      { name: 'demo-core', version: '0.2.0' },
      { name: 'demo-speedups', version: '0.2.0' },
    ]);
  });

  it('fetch over HTTP from the index URL gives the same file as from the directory', async () => {
    const server = await startStaticServer(indexDir);
    try {
      const args = ['compat', 'fetch', '0.3.0', '--platform', 'linux-x86_64', '--python', '3.11'];
      const [viaHttp, viaDir] = await Promise.all([runRelease([...args, '--from', server.url], { cwd: work }), runRelease([...args, '--from', indexDir], { cwd: work })]);
      expect(viaHttp.code).toBe(0);
      const pins = (s: string) => s.split('\n').filter((l) => !l.startsWith('#'));
      expect(pins(viaHttp.stdout)).toEqual(pins(viaDir.stdout));
      expect(server.requests).toContain('GET /_sets/0.3.0/versions.json');
    } finally {
      await server.close();
    }
  });

  it('a tampered versions.json is a hash mismatch (exit 8) and nothing is written', async () => {
    const copy = path.join(tempDir(), 'index');
    cpSync(indexDir, copy, { recursive: true });
    const setFile = path.join(copy, '_sets/0.3.0/versions.json');
    const core = v3.built.find((b) => b.filename.startsWith('demo_core'))!;
    writeFileSync(setFile, readFileSync(setFile, 'utf8').replace(core.sha256, 'f'.repeat(64)));
    const out = path.join(work, 'tampered.txt');
    const server = await startStaticServer(copy);
    try {
      for (const from of [copy, server.url]) {
        const r = await runRelease(['compat', 'fetch', '0.3.0', '--from', from, '--platform', 'linux-x86_64', '--python', '3.11', '-o', out], { cwd: work });
        expect(r.code).toBe(8);
        expect(r.stderr).toContain(`hash mismatch for ${core.filename}`);
        expect(existsSync(out)).toBe(false);
      }
    } finally {
      await server.close();
      rmSync(path.dirname(copy), { recursive: true, force: true });
    }
  });

  it('no wheel for the platform names the package and suggests the sdist; --allow-sdist pins it', async () => {
    const out = path.join(work, 'mac.txt');
    const r = await runRelease(['compat', 'fetch', '0.3.0', '--from', indexDir, '--platform', 'macos-arm64', '--python', '3.12', '-o', out], { cwd: work });
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/demo-speedups 0\.3\.0 has no wheel for macos-arm64 and CPython 3\.12 \(wheels: demo_speedups-0\.3\.0-cp311-cp311-linux_x86_64\.whl\); its sdist is demo-speedups-0\.3\.0\.tar\.gz/);
    expect(r.stderr).toContain('--allow-sdist');
    expect(existsSync(out)).toBe(false);
    const sdist = v3.built.find((b) => b.filename === 'demo-speedups-0.3.0.tar.gz')!;
    const allowed = await runRelease(['compat', 'fetch', '0.3.0', '--from', indexDir, '--platform', 'macos-arm64', '--python', '3.12', '--allow-sdist'], { cwd: work });
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain(`--hash=sha256:${sdist.sha256}`);
  });

  it('an unknown version and an unreachable source are clear errors with exit 8', async () => {
    const unknown = await runRelease(['compat', 'fetch', '9.9.9', '--from', indexDir, '--platform', 'linux-x86_64'], { cwd: work });
    expect(unknown.code).toBe(8);
    expect(unknown.stderr).toContain('no version set 9.9.9 in');
    expect(unknown.stderr).toContain('available: 0.3.0, 0.2.0');
    // A port that was free a moment ago: nothing listens there.
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const down = await runRelease(['compat', 'list', '--from', `http://127.0.0.1:${port}/simple/`], { cwd: work });
    expect(down.code).toBe(8);
    expect(down.stderr).toContain(`error: cannot reach http://127.0.0.1:${port}/simple/_sets/index.json: ECONNREFUSED`);
    expect(down.stdout).toBe('');
  });

  it('fetches the set from a GitHub release (versions.json asset) and refuses one that does not match the assets', async () => {
    const gh = await startGithubServer({ owner: 'acme', repo: 'demo', token: TOKEN });
    try {
      const assets = (b: typeof v3) => b.built.map((x) => ({ name: x.filename, data: readFileSync(path.join(b.dist, x.filename)) }));
      const set3 = serializeVersionSet(await buildVersionSet(manifestFor('0.3.0', v3.built), v3.dist));
      await githubRelease(gh, 'v0.3.0', [...assets(v3), { name: 'versions.json', data: Buffer.from(set3) }]);
      // 0.2.0's versions.json claims another digest for one wheel than the asset the release holds.
      const set2 = serializeVersionSet(await buildVersionSet(manifestFor('0.2.0', v2.built), v2.dist));
      const cli2 = v2.built.find((b) => b.filename.startsWith('demo_cli'))!;
      await githubRelease(gh, 'v0.2.0', [...assets(v2), { name: 'versions.json', data: Buffer.from(set2.replace(cli2.sha256, '0'.repeat(64))) }]);
      const env = { GITHUB_API_URL: gh.apiUrl, GITHUB_TOKEN: TOKEN };
      const list = await runRelease(['compat', 'list', '--from', 'github:acme/demo', '--json'], { cwd: work, env });
      expect(list.code).toBe(0);
      expect(JSON.parse(list.stdout).sets.map((s: { version: string }) => s.version)).toEqual(['0.3.0', '0.2.0']);
      const fetched = await runRelease(['compat', 'fetch', '0.3.0', '--from', 'github:acme/demo', '--platform', 'linux-x86_64', '--python', '3.11'], { cwd: work, env });
      expect(fetched.code).toBe(0);
      const fromIndex = await runRelease(['compat', 'fetch', '0.3.0', '--from', indexDir, '--platform', 'linux-x86_64', '--python', '3.11'], { cwd: work });
      const pins = (s: string) => s.split('\n').filter((l) => !l.startsWith('#'));
      expect(pins(fetched.stdout)).toEqual(pins(fromIndex.stdout));
      const tampered = await runRelease(['compat', 'fetch', '0.2.0', '--from', 'github:acme/demo'], { cwd: work, env });
      expect(tampered.code).toBe(8);
      expect(tampered.stderr).toContain(`hash mismatch for ${cli2.filename}`);
      expect(tampered.stderr).not.toContain(TOKEN);
    } finally {
      await gh.close();
    }
  });
});
