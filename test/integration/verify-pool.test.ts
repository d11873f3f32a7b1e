// The verify worker pool as built (dist-js): workers started before the command loads are the ones it uses.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';

const poolUrl = pathToFileURL(path.join(repoRoot, 'dist-js/workers/pool.js')).href;
const tasksUrl = pathToFileURL(path.join(repoRoot, 'dist-js/verify/tasks.js')).href;
type PoolModule = typeof import('../../src/workers/pool.js');
type TasksModule = typeof import('../../src/verify/tasks.js');
const dir = mkdtempSync(path.join(tmpdir(), 'ww-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('prestarted verify workers', () => {
  it('are claimed by the pool, run its tasks, and extra ones are stopped', async () => {
    const { createPool, prestart, spareCount } = (await import(poolUrl)) as PoolModule;
    const { VERIFY_POOL } = (await import(tasksUrl)) as TasksModule;
    const started = prestart(3, VERIFY_POOL);
    expect(started).toHaveLength(3);
    expect(spareCount()).toBe(3);
    const pool = createPool<{ kind: 'hash'; file: string }, unknown>(2, VERIFY_POOL);
    expect(pool.threads).toEqual(started.slice(0, 2));
    expect(spareCount()).toBe(0);
    const file = path.join(dir, 'data.bin');
    const bytes = Buffer.from('spare workers hash this\n'.repeat(1000));
    writeFileSync(file, bytes);
    const results = await Promise.all([1, 2, 3, 4].map(() => pool.run({ kind: 'hash', file })));
    expect(results).toEqual(Array(4).fill({ kind: 'hash', sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length }));
    await pool.close();
  });

  it('do not keep a process alive when nothing claims them', () => {
    const script = `const m = await import(${JSON.stringify(poolUrl)}); const t = await import(${JSON.stringify(tasksUrl)}); m.prestart(2, t.VERIFY_POOL); console.log(m.spareCount());`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('2');
  });

  it('follow --jobs as the command will read it', async () => {
    const { defaultJobs, jobsFromArgs } = (await import(poolUrl)) as PoolModule;
    expect(jobsFromArgs(['--dist', 'x', '--jobs', '3'])).toBe(3);
    expect(jobsFromArgs(['--jobs=5'])).toBe(5);
    expect(jobsFromArgs(['--jobs', 'many'])).toBe(defaultJobs());
    expect(jobsFromArgs([])).toBe(defaultJobs());
  });
});
