// What the build and verify step runners must undo on a failing step: the scratch folder, the worker pool.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { buildTarget } from '../../src/builders/steps.js';
import type { ReleaseConfig } from '../../src/config/schema.js';
import { createContext, type Context } from '../../src/context.js';
import { BuildError, VerifyError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { computePlan } from '../../src/plan/compute.js';
import { loadRecipes } from '../../src/platforms/recipes.js';
import { verifyRelease } from '../../src/verify/steps.js';

const pools = vi.hoisted(() => ({ made: 0, closed: 0 }));
vi.mock('../../src/workers/pool.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/workers/pool.js')>();
  return {
    ...real,
    createPool: (...args: Parameters<typeof real.createPool>) => {
      const pool = real.createPool(...args);
      pools.made++;
      return { ...pool, run: pool.run, close: async () => void (pools.closed++, await pool.close()) };
    },
  };
});

const dir = mkdtempSync(path.join(os.tmpdir(), 'ww-cleanup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const log = createLogger({ stderr: () => undefined, stdout: () => undefined });

function context(name: string): Context {
  const root = path.join(dir, name);
  mkdirSync(path.join(root, 'dist'), { recursive: true });
  return createContext({ cwd: root, log, env: { CI: 'true' }, config: { root, file: null, config: {} as ReleaseConfig } });
}

describe('a failing step still cleans up', () => {
  it('release build removes its scratch folder, and the error keeps its step and message', async () => {
    const base = context('build');
    const recipes = await loadRecipes(base.cwd, undefined);
    const plan = computePlan({
      version: '1.0.0', tag: 'v1.0.0', commit: null, createdAt: '2026-01-01T00:00:00.000Z', tool: { name: 'wheelwright', version: '0' }, recipes,
      packages: [{ name: 'p', distName: 'p', relDir: 'p', kind: 'pure', builder: 'build', targets: [], python: ['3.12'], requiresPython: null }],
    });
    const ctx: Context = { ...base, manifest: async () => plan };
    const empty = path.join(base.cwd, 'wheelhouse');
    mkdirSync(empty);
    // The scratch folder is made under os.tmpdir(), which follows TMPDIR: a folder of this test's own.
    const tmp = path.join(dir, 'tmp');
    mkdirSync(tmp);
    const before = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      // --from an empty folder fails in `run the builders`, after `prepare the builder commands` made the scratch folder.
      const err = await buildTarget(ctx, { target: 'any', python: 'python3', offline: true, native: false, from: empty }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BuildError);
      expect((err as Error).message).toMatch(/^run the builders: --from .*wheelhouse: no files there \(job build-any\)/);
    } finally {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
    }
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('release verify closes its worker pool, and the error keeps its step and message', async () => {
    const ctx = context('verify');
    const [made, closed] = [pools.made, pools.closed];
    const inputs = { loose: null, manifestFile: ctx.manifestPath, manifestGiven: false, jobs: 2, strict: false };
    const err = await verifyRelease(ctx, inputs).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerifyError);
    expect((err as Error).message).toBe('find the artifacts: no wheels or sdists to verify');
    expect([pools.made - made, pools.closed - closed]).toEqual([1, 1]);
  });
});
