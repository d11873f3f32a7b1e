// A broken release.yaml is an error (exit 2) in every command, never a silent fall-back to the defaults.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildWheel } from '../fixtures/broken/corpus.js';
import { repoRoot, runRelease } from '../helpers/cli.js';

let root: string;

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'ww-broken-config-'));
  cpSync(path.join(repoRoot, 'examples'), root, { recursive: true, verbatimSymlinks: true });
  mkdirSync(path.join(root, 'dist'));
  writeFileSync(path.join(root, 'dist', 'demo_core-0.3.0-py3-none-any.whl'), buildWheel({ filename: 'demo_core-0.3.0-py3-none-any.whl' }));
  // An unknown key: the schema refuses it.
  writeFileSync(path.join(root, 'release.yaml'), 'version_file: VERSION\nverfiy:\n  max_ratio: 10\n');
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('an invalid release.yaml', () => {
  it('fails `release verify` with exit 2 naming the file', async () => {
    const r = await runRelease(['verify'], { cwd: root });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('release.yaml');
    expect(r.stderr).toContain('verfiy');
  });

  it('fails `release compat list --from DIR` with exit 2 naming the file', async () => {
    mkdirSync(path.join(root, 'sets', '_sets'), { recursive: true });
    writeFileSync(path.join(root, 'sets', '_sets', 'index.json'), JSON.stringify({ sets: [] }));
    const r = await runRelease(['compat', 'list', '--from', path.join(root, 'sets')], { cwd: root });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('release.yaml');
  });
});
