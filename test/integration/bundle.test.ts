// The single-file build: the committed bundle is what the source builds today, and it behaves like the CLI.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { releaseBin, repoRoot } from '../helpers/cli.js';

const bundle = path.join(repoRoot, 'bundle/wheelwright.mjs');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ww-bundle-data-'));
// `plan` writes dist/: run in a copy of examples/.
const work = mkdtempSync(path.join(os.tmpdir(), 'ww-bundle-examples-'));
cpSync(path.join(repoRoot, 'examples'), work, { recursive: true, verbatimSymlinks: true });
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

function run(file: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [file, ...args], {
    cwd: work,
    env: { ...process.env, WHEELWRIGHT_PLAIN_OUTPUT: '1', GITHUB_ACTIONS: '', WHEELWRIGHT_DATA_DIR: dataDir, ...env },
    encoding: 'utf8',
  });
}

describe('bundle/wheelwright.mjs', () => {
  it('is exactly what `node .ci/bundle.mjs` builds from the source now', () => {
    const r = spawnSync(process.execPath, [path.join(repoRoot, '.ci/bundle.mjs'), '--check'], { cwd: repoRoot, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/matches the source \(sha256 [0-9a-f]{64}, \d+ bytes\)/);
  });

  it('answers like the unbundled CLI, reading its recipes from the data it carries', () => {
    for (const args of [['version', 'show', '--json'], ['plan', '--format', 'table'], ['config', 'show', '--json']]) {
      const a = run(bundle, args);
      const b = run(releaseBin, args);
      expect(a.status, `${args.join(' ')}: ${a.stderr}`).toBe(0);
      expect(a.stdout.replace(/"createdAt": "[^"]+"/g, '')).toBe(b.stdout.replace(/"createdAt": "[^"]+"/g, ''));
    }
  });

  it('runs as a JavaScript action: the command comes from the `command` and `args` inputs', () => {
    const r = run(bundle, [], { INPUT_COMMAND: 'version show', INPUT_ARGS: '--json' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ version: '0.3.0' });
  });
});
