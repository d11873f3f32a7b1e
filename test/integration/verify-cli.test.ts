import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildSdist, buildWheel, wheelFile } from '../fixtures/broken/corpus.js';
import { writeZip } from '../fixtures/broken/zip-writer.js';
import { repoRoot, runRelease } from '../helpers/cli.js';

const CORE = 'demo_core-0.3.0-py3-none-any.whl';
const SDIST = 'demo_core-0.3.0.tar.gz';

function manifest(expected: Array<{ id: string; filename?: string; pattern?: string; target?: string | null }>, version = '0.3.0') {
  return {
    schemaVersion: 1,
    tool: { name: 'wheelwright', version: '0.1.0' },
    version,
    tag: `v${version}`,
    commit: null,
    createdAt: '2026-01-01T00:00:00Z',
    packages: [{ name: 'demo-core', distName: 'demo_core', path: 'packages/core', kind: 'pure', builder: 'build', requiresPython: null }],
    jobs: [],
    expected: expected.map((e) => ({ package: 'demo-core', type: e.id.includes('sdist') ? 'sdist' : 'wheel', target: e.target ?? null, python: null, filename: e.filename ?? null, pattern: e.pattern ?? null, job: 'build-any', id: e.id })),
    built: [],
    verify: null,
    publish: {},
  };
}

const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

let root: string;
let dist: string;

beforeEach(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'ww-verify-cli-'));
  cpSync(path.join(repoRoot, 'examples'), root, { recursive: true, verbatimSymlinks: true });
  dist = path.join(root, 'dist');
  mkdirSync(dist);
  writeFileSync(path.join(dist, CORE), buildWheel({ filename: CORE }));
  writeFileSync(path.join(dist, SDIST), await buildSdist());
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('release verify', () => {
  it('passes a complete, correct release, writes SHA256SUMS and records the result in the manifest', async () => {
    writeFileSync(path.join(dist, 'release-manifest.json'), JSON.stringify(manifest([{ id: 'core:wheel', filename: CORE }, { id: 'core:sdist', pattern: 'demo_core-0.3.0.tar.*' }])));
    const r = await runRelease(['verify', '--json'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(true);
    expect(out.set).toEqual([]);
    expect(readFileSync(path.join(dist, 'SHA256SUMS'), 'utf8')).toBe(`${sha(path.join(dist, CORE))}  ${CORE}\n${sha(path.join(dist, SDIST))}  ${SDIST}\n`);
    const m = JSON.parse(readFileSync(path.join(dist, 'release-manifest.json'), 'utf8'));
    expect(m.verify).toMatchObject({ ok: true, version: '0.3.0', missing: [], unexpected: [], duplicate: [] });
    expect(m.verify.files.map((f: { filename: string; ok: boolean }) => [f.filename, f.ok]).sort()).toEqual([[CORE, true], [SDIST, true]]);
    // versions.json is made here, once, from the verified files, and both files are listed for publish.
    const set = JSON.parse(readFileSync(path.join(dist, 'versions.json'), 'utf8'));
    expect(set.packages.map((p: { name: string; files: Array<{ filename: string; sha256: string }> }) => [p.name, p.files.map((f) => [f.filename, f.sha256])])).toEqual([
      ['demo-core', [[CORE, sha(path.join(dist, CORE))], [SDIST, sha(path.join(dist, SDIST))]]],
    ]);
    expect(m.assets.map((a: { filename: string }) => a.filename)).toEqual(['SHA256SUMS', 'versions.json']);
    for (const a of m.assets) expect(a.sha256).toBe(sha(path.join(dist, a.filename)));
    // The same files named against the plan: they still pass, and what the directory verify listed for publish stays.
    const named = await runRelease(['verify', `dist/${CORE}`, `dist/${SDIST}`, '--manifest', 'dist/release-manifest.json'], { cwd: root });
    expect(named.code, named.stderr).toBe(0);
    expect(JSON.parse(readFileSync(path.join(dist, 'release-manifest.json'), 'utf8')).assets).toEqual(m.assets);
  });

  it('exits 4 with codes per artifact, the set summary, annotations and a step summary when something fails', async () => {
    const renamed = 'demo_core-0.3.0-py3-none-manylinux_2_17_x86_64.whl';
    writeFileSync(path.join(dist, renamed), buildWheel({ filename: renamed, wheel: wheelFile(['py3-none-any']) }));
    writeFileSync(path.join(dist, 'release-manifest.json'), JSON.stringify(manifest([{ id: 'core:wheel', filename: CORE }, { id: 'core:sdist', filename: SDIST }, { id: 'sp:wheel:linux', pattern: 'demo_speedups-*.whl', target: 'linux-x86_64' }])));
    const summary = path.join(root, 'summary.md');
    const r = await runRelease(['verify'], { cwd: root, env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary } });
    expect(r.code).toBe(4);
    // A renamed wheel is a warning (PyPI and pip accept it); the set findings fail the run.
    expect(r.stderr).toMatch(/demo_core-0\.3\.0-py3-none-manylinux_2_17_x86_64\.whl\s+⚠ W-WHEEL-TAGS/);
    expect(r.stderr).toMatch(new RegExp(`${CORE.replace(/\./g, '\\.')}\\s+✓`));
    expect(r.stderr).toContain('SET-MISSING');
    expect(r.stderr).toContain('SET-UNEXPECTED');
    expect(r.stdout).toMatch(/^::warning file=demo_core-0\.3\.0-py3-none-manylinux_2_17_x86_64\.whl,title=W-WHEEL-TAGS::W-WHEEL-TAGS /m);
    const md = readFileSync(summary, 'utf8');
    expect(md).toContain('## release verify: ❌ failed (0.3.0)');
    expect(md).toContain('| `demo_core-0.3.0-py3-none-manylinux_2_17_x86_64.whl` | ⚠️ `W-WHEEL-TAGS` |');
    const m = JSON.parse(readFileSync(path.join(dist, 'release-manifest.json'), 'utf8'));
    expect(m.verify).toMatchObject({ ok: false, missing: ['sp:wheel:linux'], unexpected: [renamed] });
    expect(m.verify.files.find((f: { filename: string }) => f.filename === renamed)).toMatchObject({ ok: true, codes: [], warnings: ['W-WHEEL-TAGS'] });
  });

  it('passes with warnings, and fails on them with --strict', async () => {
    const renamed = 'demo_core-0.3.0-py3-none-manylinux_2_17_x86_64.whl';
    writeFileSync(path.join(dist, renamed), buildWheel({ filename: renamed, wheel: wheelFile(['py3-none-any']) }));
    writeFileSync(path.join(dist, 'release-manifest.json'), JSON.stringify(manifest([{ id: 'core:wheel', filename: CORE }, { id: 'core:sdist', filename: SDIST }, { id: 'core:wheel2', filename: renamed }])));
    const lenient = await runRelease(['verify', '--json'], { cwd: root });
    expect(lenient.code).toBe(0);
    const out = JSON.parse(lenient.stdout);
    expect(out.artifacts.find((a: { filename: string }) => a.filename === renamed)).toMatchObject({ ok: true, codes: [], warnings: ['W-WHEEL-TAGS'] });
    const strict = await runRelease(['verify', '--strict'], { cwd: root });
    expect(strict.code).toBe(4);
    expect(strict.stderr).toMatch(/demo_core-0\.3\.0-py3-none-manylinux_2_17_x86_64\.whl\s+✗ W-WHEEL-TAGS/);
  });

  it('reads build fragments: the merged built list is recorded and a file that differs from its build record fails', async () => {
    writeFileSync(path.join(dist, 'release-manifest.json'), JSON.stringify(manifest([{ id: 'core:wheel', filename: CORE }, { id: 'core:sdist', filename: SDIST }])));
    const fragments = path.join(dist, 'artifacts-build-any', 'manifest-fragments');
    mkdirSync(fragments, { recursive: true });
    const built = [
      { filename: CORE, package: 'demo-core', target: null, job: 'build-any', size: 1, sha256: '0'.repeat(64) },
      { filename: SDIST, package: 'demo-core', target: null, job: 'build-any', size: 1, sha256: sha(path.join(dist, SDIST)) },
    ];
    writeFileSync(path.join(fragments, 'build-any.json'), JSON.stringify({ schemaVersion: 1, job: 'build-any', built }));
    const r = await runRelease(['verify', '--json'], { cwd: root });
    expect(r.code).toBe(4);
    const out = JSON.parse(r.stdout);
    expect(out.set.map((s: { code: string; subject: string }) => [s.code, s.subject])).toEqual([['SET-DIGEST', CORE]]);
    const m = JSON.parse(readFileSync(path.join(dist, 'release-manifest.json'), 'utf8'));
    expect(m.built.map((b: { filename: string }) => b.filename)).toEqual([CORE, SDIST]);
  });

  it('refuses a manifest planned for another version than VERSION (exit 2)', async () => {
    writeFileSync(path.join(dist, 'release-manifest.json'), JSON.stringify(manifest([{ id: 'core:wheel', filename: CORE }], '0.4.0')));
    const r = await runRelease(['verify'], { cwd: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the release manifest is for version 0.4.0, but VERSION says 0.3.0');
  });

  it('splits a large wheel across workers and still finds a bad hash in its last entry', async () => {
    rmSync(path.join(dist, SDIST));
    const big = 'demo_core-0.3.0-1-py3-none-any.whl';
    const blobs = Array.from({ length: 6 }, (_, i) => ({ name: `demo_core/blob${i}.bin`, data: createHash('sha512').update(String(i)).digest().toString('hex').repeat(100_000).slice(0, 8 << 20), method: 0 }));
    const payload = blobs.map((b) => ({ name: b.name, data: Buffer.from(b.data), method: 0 }));
    const wheel = buildWheel({
      filename: big,
      payload,
      wheel: wheelFile(['py3-none-any'], { build: '1' }),
      record: (rows) => rows.map((x) => (x[0] === 'demo_core/blob5.bin' ? [x[0], 'sha256=' + 'A'.repeat(43), x[2]] : x)),
    });
    writeFileSync(path.join(dist, big), wheel);
    const r = await runRelease(['verify', '--jobs', '2', '--json'], { cwd: root });
    expect(r.code).toBe(4);
    const out = JSON.parse(r.stdout);
    const bigResult = out.artifacts.find((a: { filename: string }) => a.filename === big);
    expect(bigResult.codes).toEqual(['W-RECORD-HASH']);
    expect(bigResult.findings[0].entry).toBe('demo_core/blob5.bin');
    expect(out.artifacts.find((a: { filename: string }) => a.filename === CORE).ok).toBe(true);
  });

  it('reports an unreadable archive as W-ZIP-CORRUPT instead of crashing', async () => {
    writeFileSync(path.join(dist, 'demo_core-0.3.0-2-py3-none-any.whl'), writeZip([{ name: 'a', data: Buffer.from('x') }]).subarray(0, 20));
    const r = await runRelease(['verify', '--json'], { cwd: root });
    expect(r.code).toBe(4);
    const out = JSON.parse(r.stdout);
    expect(out.artifacts.find((a: { filename: string }) => a.filename.endsWith('-2-py3-none-any.whl')).codes).toEqual(['W-ZIP-CORRUPT']);
  });
});

describe('release verify takes artifacts and directories as arguments, as twine does', () => {
  it('one directory is the dist directory', async () => {
    const other = path.join(root, 'wheelhouse');
    mkdirSync(other);
    writeFileSync(path.join(other, CORE), buildWheel({ filename: CORE }));
    rmSync(dist, { recursive: true });
    const r = await runRelease(['verify', 'wheelhouse', '--json'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).artifacts.map((a: { filename: string }) => a.filename)).toEqual([CORE]);
    expect(readFileSync(path.join(other, 'SHA256SUMS'), 'utf8')).toBe(`${sha(path.join(other, CORE))}  ${CORE}\n`);
  });

  it('named files are verified loose: only they, the set check skipped and said so, the manifest untouched', async () => {
    const m = JSON.stringify(manifest([{ id: 'core:wheel', filename: CORE }, { id: 'other:wheel', filename: 'other-0.3.0-py3-none-any.whl' }]));
    writeFileSync(path.join(dist, 'release-manifest.json'), m);
    writeFileSync(path.join(dist, 'demo_core-0.3.0-2-py3-none-any.whl'), writeZip([{ name: 'a', data: Buffer.from('x') }]).subarray(0, 20));
    const r = await runRelease(['verify', `dist/${CORE}`, `dist/${SDIST}`, '--json'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).artifacts.map((a: { filename: string }) => a.filename).sort()).toEqual([CORE, SDIST]);
    expect(r.stderr).toContain('the set check is skipped');
    expect(readFileSync(path.join(dist, 'release-manifest.json'), 'utf8')).toBe(m);
  });

  it('a path that is not there, or not an artifact, is exit 64 naming it', async () => {
    const r = await runRelease(['verify', 'somedir'], { cwd: root });
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('no such file or directory: `somedir`');
    const r2 = await runRelease(['verify', 'VERSION'], { cwd: root });
    expect(r2.code).toBe(64);
    expect(r2.stderr).toContain('not a wheel or an sdist: `VERSION`');
  });
});

describe('every command refuses arguments it does not take', () => {
  it.each([
    [['version', 'show', 'extra'], '`extra`'],
    [['plan', 'a', 'b'], '`a`, `b`'],
    [['version', 'bump', 'minor', 'major'], '`major`'],
  ])('release %j exits 64 naming %s', async (args, named) => {
    const r = await runRelease(args, { cwd: root });
    expect(r.code, r.stderr).toBe(64);
    expect(r.stderr).toContain(`unexpected argument${named.includes(',') ? 's' : ''} ${named}`);
  });

  it('publish, like verify, takes artifact files or one directory, and names a path that does not exist', async () => {
    const r = await runRelease(['publish', 'dist', 'more'], { cwd: root });
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('no such file or directory: `more`');
  });
});
