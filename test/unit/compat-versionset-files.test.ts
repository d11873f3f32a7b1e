// Building a version set from the files on disk and reading one back against them (temp files only).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CompatError } from '../../src/errors.js';
import type { ReleaseManifest } from '../../src/manifest.js';
import { directorySource } from '../../src/compat/sources.js';
import { createContext } from '../../src/context.js';
import { createLogger } from '../../src/log.js';
import { runSteps, State } from '../../src/pipeline.js';
import { VERIFY_STEPS, type VerifyState } from '../../src/verify/steps.js';
import { buildVersionSet, readVersionSet, serializeVersionSet } from '../../src/versionset.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function dist(): { dir: string; manifest: ReleaseManifest } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ww-set-'));
  dirs.push(dir);
  const files = { 'pkg_a-1.0-py3-none-any.whl': 'wheel bytes', 'pkg_a-1.0.tar.gz': 'sdist bytes' };
  const built = Object.entries(files).map(([filename, body]) => {
    writeFileSync(path.join(dir, filename), body);
    return { filename, package: 'pkg-a', target: null, job: 'build', size: Buffer.byteLength(body), sha256: createHash('sha256').update(body).digest('hex') };
  });
  const manifest: ReleaseManifest = {
    schemaVersion: 1,
    tool: { name: 'wheelwright', version: '0.1.0' },
    version: '1.0',
    tag: 'v1.0',
    commit: null,
    createdAt: '2026-11-23T00:00:00.000Z',
    packages: [{ name: 'pkg-a', distName: 'pkg_a', path: '.', kind: 'pure', builder: 'build', requiresPython: '>=3.9' }],
    jobs: [],
    expected: [],
    built,
    verify: null,
    assets: [],
    publish: {},
  };
  return { dir, manifest };
}

describe('version set from files on disk', () => {
  it('describes exactly the built files and reads back clean', async () => {
    const { dir, manifest } = dist();
    const set = await buildVersionSet(manifest, dir);
    expect(set.packages[0]!.files.map((f) => [f.filename, f.type])).toEqual([
      ['pkg_a-1.0-py3-none-any.whl', 'wheel'],
      ['pkg_a-1.0.tar.gz', 'sdist'],
    ]);
    writeFileSync(path.join(dir, 'versions.json'), serializeVersionSet(set));
    expect(await readVersionSet(path.join(dir, 'versions.json'))).toEqual(set);
  });

  it('refuses a file that changed since the manifest recorded it', async () => {
    const { dir, manifest } = dist();
    writeFileSync(path.join(dir, 'pkg_a-1.0.tar.gz'), 'other bytes');
    await expect(buildVersionSet(manifest, dir)).rejects.toThrow(/pkg_a-1\.0\.tar\.gz does not match the manifest/);
  });

  it('a file swapped after the set was written is a hash mismatch', async () => {
    const { dir, manifest } = dist();
    writeFileSync(path.join(dir, 'versions.json'), serializeVersionSet(await buildVersionSet(manifest, dir)));
    writeFileSync(path.join(dir, 'pkg_a-1.0-py3-none-any.whl'), 'evil bytes!');
    const err = await readVersionSet(path.join(dir, 'versions.json')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CompatError);
    expect((err as CompatError).message).toContain('hash mismatch for pkg_a-1.0-py3-none-any.whl');
  });

  it('the set `release verify` writes is the one `release compat` reads back, and the one the manifest makes', async () => {
    const { dir, manifest } = dist();
    // verify's own steps, after the artifacts passed: they build the set from the files just hashed and write it.
    const write = VERIFY_STEPS.filter((s) => s.name === 'make the version set' || s.name === 'write SHA256SUMS and versions.json');
    expect(write).toHaveLength(2);
    const artifacts = manifest.built.map((b) => ({ filename: b.filename, path: path.join(dir, b.filename), kind: b.filename.endsWith('.whl') ? ('wheel' as const) : ('sdist' as const), sha256: b.sha256, size: b.size, findings: [] }));
    const state = new State<VerifyState>({
      inputs: { loose: null, manifestFile: path.join(dir, 'release-manifest.json'), manifestGiven: false, jobs: 1, strict: false },
      plan: manifest,
      artifacts,
      outcome: { ok: true, version: manifest.version, artifacts, set: [], strict: false },
    });
    const log = createLogger({ stderr: () => undefined, stdout: () => undefined });
    await runSteps(createContext({ cwd: dir, dist: dir, log, env: { CI: 'true' } }), write, state);
    const fromCompat = await directorySource(dir).get('1.0');
    expect(fromCompat).toEqual(await buildVersionSet(manifest, dir));
    expect(fromCompat.packages.map((p) => [p.name, p.requiresPython, p.files.length])).toEqual([['pkg-a', '>=3.9', 2]]);
    expect(state.need('assets').map((a) => a.filename)).toEqual(['SHA256SUMS', 'versions.json']);
  });
});
