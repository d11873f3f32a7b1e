import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSetDistribution } from '../../src/compat/set-distribution.js';
import { serializeVersionSet, type VersionSet } from '../../src/compat/versionset.js';
import { runRelease } from '../helpers/cli.js';
import { hasCommand, hasPythonModule, requireTools } from '../helpers/tools.js';
import { writeWheel } from '../servers/pypi/make-dist.js';
import { PY, installed, makeVenv, sha256, tempDir } from './compat-fixtures.js';

const ok = requireTools('the set distribution installed by real pip', [
  [PY, hasCommand(PY)],
  ['python3-venv', hasPythonModule('ensurepip', PY)],
]);

describe.skipIf(!ok)('the set distribution <name>-release==V', () => {
  it('is a valid wheel that plain pip installs with every component pinned, carrying versions.json; rebuilt, it is the same bytes', async () => {
    const dir = tempDir('ww-setdist-');
    const wheelhouse = path.join(dir, 'wheelhouse');
    const names = ['acme-core', 'acme-http', 'acme-cli'];
    const files = await Promise.all(names.map((name) => writeWheel(wheelhouse, { name, version: '3.1.0' })));
    // A newer acme-core is there too: only the pin keeps pip from taking it.
    await writeWheel(wheelhouse, { name: 'acme-core', version: '3.2.0' });
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
    const a = buildSetDistribution(set, 'Acme');
    const b = buildSetDistribution(set, 'Acme');
    expect(a.filename).toBe('acme_release-3.1.0-py3-none-any.whl');
    expect(Buffer.compare(a.bytes, b.bytes)).toBe(0);
    writeFileSync(path.join(wheelhouse, a.filename), a.bytes);

    // Our own verifier and Python's zipfile take it as a wheel.
    writeFileSync(path.join(dir, 'VERSION'), '3.1.0\n');
    const v = await runRelease(['verify', '--dist', 'wheelhouse', '--json'], { cwd: dir });
    const report = JSON.parse(v.stdout) as { artifacts: { filename: string; ok: boolean; codes: string[] }[] };
    expect(report.artifacts.find((x) => x.filename === a.filename)).toMatchObject({ ok: true, codes: [] });
    execFileSync(PY, ['-c', 'import sys, zipfile; assert zipfile.ZipFile(sys.argv[1]).testzip() is None', path.join(wheelhouse, a.filename)]);

    const venv = makeVenv();
    await venv.pip('install', '--no-index', '--find-links', wheelhouse, 'acme-release==3.1.0');
    const got = installed(venv.python);
    expect(Object.fromEntries(Object.entries(got).filter(([n]) => n.startsWith('acme')))).toEqual({ 'acme-release': '3.1.0', 'acme-core': '3.1.0', 'acme-http': '3.1.0', 'acme-cli': '3.1.0' });
    const inside = execFileSync(venv.python, ['-c', 'import importlib.metadata as m; print(m.distribution("acme-release").read_text("versions.json"), end="")'], { encoding: 'utf8' });
    expect(inside).toBe(serializeVersionSet(set));
    expect(readFileSync(path.join(wheelhouse, a.filename)).length).toBe(a.bytes.length);
  }, 120_000);
});
