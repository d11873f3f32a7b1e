import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildWheel } from '../fixtures/broken/corpus.js';
import { releaseBin, repoRoot } from '../helpers/cli.js';

function loadedModules(args: string[], env: Record<string, string> = {}): string[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ww-trace-'));
  try {
    const trace = path.join(dir, 'trace.txt');
    const r = spawnSync(process.execPath, ['--import', path.join(repoRoot, 'test/fixtures/trace-loads.mjs'), releaseBin, ...args], {
      cwd: path.join(repoRoot, 'examples'),
      env: { ...process.env, TRACE_FILE: trace, WHEELWRIGHT_CACHE_DIR: path.join(dir, 'cache'), ...env },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    return readFileSync(trace, 'utf8').split('\n').filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('start-up stays small', () => {
  it('`release version show` never loads octokit, listr2, nunjucks, execa or semver', () => {
    const mods = loadedModules(['version', 'show']);
    expect(mods.some((m) => m.includes('/src/') || m.includes('/dist-js/cli.js'))).toBe(true);
    for (const heavy of ['@octokit', 'listr2', 'nunjucks', 'execa', 'node_modules/semver']) {
      expect(mods.filter((m) => m.includes(heavy))).toEqual([]);
    }
  });

  it('cold (no config cache, as on a fresh runner), `version show` on a plain release.yaml loads neither the YAML parser nor the schema library', () => {
    const mods = loadedModules(['version', 'show'], { WHEELWRIGHT_NO_CACHE: '1' });
    expect(mods.some((m) => m.endsWith('/config/fast.js'))).toBe(true);
    for (const heavy of ['node_modules/yaml', 'node_modules/zod', '/config/schema.js', '@octokit', 'listr2', 'execa']) {
      expect(mods.filter((m) => m.includes(heavy))).toEqual([]);
    }
  });

  it('with the config cached, it does not load the YAML parser or the schema library either', () => {
    const env = { WHEELWRIGHT_CACHE_DIR: path.join(os.tmpdir(), `ww-cache-${process.pid}`) };
    loadedModules(['version', 'show'], env);
    const mods = loadedModules(['version', 'show'], env);
    expect(mods.filter((m) => m.includes('node_modules/yaml') || m.includes('node_modules/zod'))).toEqual([]);
    rmSync(env.WHEELWRIGHT_CACHE_DIR, { recursive: true, force: true });
  });

  it('`release verify` without a plan loads no schema library once the config is cached, and its main thread loads the wheel checks only after handing out the work', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ww-verify-startup-'));
    try {
      const dist = path.join(dir, 'dist');
      mkdirSync(dist);
      writeFileSync(path.join(dist, 'demo_core-0.3.0-py3-none-any.whl'), buildWheel({ filename: 'demo_core-0.3.0-py3-none-any.whl' }));
      const env = { WHEELWRIGHT_CACHE_DIR: path.join(dir, 'cache') };
      loadedModules(['verify', '--dist', dist, '--jobs', '1'], env);
      const mods = loadedModules(['verify', '--dist', dist, '--jobs', '1'], env);
      expect(mods.filter((m) => m.includes('node_modules/zod') || m.includes('node_modules/yaml'))).toEqual([]);
      const at = (name: string) => mods.findIndex((m) => m.endsWith(name));
      // With one job the scan runs in this thread: the pool is loaded before the checks, which follow it.
      expect(at('/verify/wheel-checks.js')).toBeGreaterThan(at('/verify/scan.js'));
      expect(at('/verify/scan.js')).toBeGreaterThan(at('/workers/pool.js'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
