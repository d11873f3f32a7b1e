import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { buildSetDistribution } from '../../src/wheel/set-distribution.js';
import { serializeVersionSet, type VersionSet } from '../../src/versionset.js';
import { runRelease } from '../helpers/cli.js';
import { hasCommand, requireTools } from '../helpers/tools.js';
import { writeWheel } from '../servers/pypi/make-dist.js';
import { PY, sha256, startStaticServer, tempDir } from './compat-fixtures.js';

const ok = requireTools('the set distribution read by Python\'s zipfile', [[PY, hasCommand(PY)]]);

describe.skipIf(!ok)('the set distribution <name>-release==V', () => {
  it('is a valid wheel carrying versions.json, the same bytes when rebuilt, and compat reads the set from its project page', async () => {
    const dir = tempDir('ww-setdist-');
    const wheelhouse = path.join(dir, 'wheelhouse');
    const names = ['acme-core', 'acme-http', 'acme-cli'];
    const files = await Promise.all(names.map((name) => writeWheel(wheelhouse, { name, version: '3.1.0' })));
    const set: VersionSet = {
      schemaVersion: 1,
      version: '3.1.0',
      tag: 'v3.1.0',
      commit: null,
      createdAt: '2026-08-01T00:00:00.000Z',
      packages: names.map((name, i) => ({
        name,
        version: '3.1.0',
        requiresPython: null,
        files: [{ filename: path.basename(files[i]!), type: 'wheel' as const, sha256: sha256(files[i]!), size: statSync(files[i]!).size, tags: ['py3-none-any'] }],
      })),
    };
    // Built at two clock times, from sets planned at two times (a re-planned re-run): the same bytes,
    // or PyPI would refuse the re-upload a re-run needs to finish a half-done release.
    vi.useFakeTimers({ now: new Date('2026-08-01T00:00:00Z') });
    let a, b;
    try {
      a = buildSetDistribution(set, 'acme-release');
      vi.setSystemTime(new Date('2031-03-04T05:06:07Z'));
      b = buildSetDistribution({ ...set, createdAt: new Date().toISOString() }, 'acme-release');
    } finally {
      vi.useRealTimers();
    }
    expect(a.filename).toBe('acme_release-3.1.0-py3-none-any.whl');
    expect(Buffer.compare(a.bytes, b.bytes)).toBe(0);
    writeFileSync(path.join(wheelhouse, a.filename), a.bytes);

    // Our own verifier and Python's zipfile take it as a wheel.
    writeFileSync(path.join(dir, 'VERSION'), '3.1.0\n');
    const v = await runRelease(['verify', '--dist', 'wheelhouse', '--json'], { cwd: dir });
    const report = JSON.parse(v.stdout) as { artifacts: { filename: string; ok: boolean; codes: string[] }[] };
    expect(report.artifacts.find((x) => x.filename === a.filename)).toMatchObject({ ok: true, codes: [] });
    const inside = execFileSync(PY, ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(z.read("acme_release-3.1.0.dist-info/versions.json").decode(), end="")', path.join(wheelhouse, a.filename)], { encoding: 'utf8' });
    expect(inside).toBe(serializeVersionSet({ ...set, createdAt: '' }));

    // Installed by plain pip with every component pinned: set-distribution-release.test.ts, from a real release.
    expect(readFileSync(path.join(wheelhouse, a.filename)).length).toBe(a.bytes.length);

    // A static PEP 691 index of the wheelhouse: with only an index, compat fetch finds the set through acme-release.
    const simple = path.join(dir, 'site/simple');
    for (const f of readdirSync(wheelhouse)) {
      const project = f.split('-')[0]!.replace(/_/g, '-');
      mkdirSync(path.join(simple, project), { recursive: true });
      copyFileSync(path.join(wheelhouse, f), path.join(simple, project, f));
    }
    for (const project of readdirSync(simple)) {
      const own = readdirSync(path.join(simple, project)).filter((f) => f.endsWith('.whl'));
      const page = { meta: { 'api-version': '1.1' }, name: project, files: own.map((f) => ({ filename: f, url: f, hashes: { sha256: sha256(path.join(simple, project, f)) }, size: statSync(path.join(simple, project, f)).size })) };
      writeFileSync(path.join(simple, project, 'index.json'), JSON.stringify(page));
    }
    const server = await startStaticServer(path.join(dir, 'site'), { negotiate: true });
    try {
      const from = `${server.url}simple/acme-release/`;
      const list = await runRelease(['compat', 'list', '--from', from, '--json'], { cwd: dir });
      expect(list.code, list.stderr).toBe(0);
      expect(JSON.parse(list.stdout).sets.map((x: { version: string }) => x.version)).toEqual(['3.1.0']);
      const fetched = await runRelease(['compat', 'fetch', '3.1.0', '--from', from, '--platform', 'linux-x86_64'], { cwd: dir });
      expect(fetched.code, fetched.stderr).toBe(0);
      for (const [i, n] of names.entries()) expect(fetched.stdout).toContain(`${n}==3.1.0 \\\n    --hash=sha256:${sha256(files[i]!)}`);
      // A component whose served file differs from the set is refused, naming it.
      writeFileSync(path.join(simple, 'acme-http', 'index.json'), readFileSync(path.join(simple, 'acme-http', 'index.json'), 'utf8').replace(/"sha256":"[0-9a-f]{8}/, '"sha256":"00000000'));
      const tampered = await runRelease(['compat', 'fetch', '3.1.0', '--from', from, '--platform', 'linux-x86_64'], { cwd: dir });
      expect(tampered.code).not.toBe(0);
      expect(tampered.stderr).toMatch(/hash mismatch for acme_http-3\.1\.0-py3-none-any\.whl/);
    } finally {
      await server.close();
    }
  }, 120_000);
});
