#!/usr/bin/env node
// Start-up cost: `release version show` on examples/ against `node -e 0`, in the same run, for the unbundled CLI
// (bin/release) and the single-file build (bundle/wheelwright.mjs).
// Targets: unbundled ≤ 2.0× (config cached); single-file cold ≤ 1.5× (issue #14).
// Median of RUNS (default 21) each, interleaved so load hits every case alike.
//   cold: nothing cached: the config cache is off and, for the bundle, its data folder does not exist yet
//         (it writes its data files on first use);
//   warm: the config cache and the bundle's data folder exist (every run after the first on a runner).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const runs = Number(process.env.RUNS ?? 21);
const bin = path.join(root, 'bin/release');
const bundle = path.join(root, 'bundle/wheelwright.mjs');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'ww-bench-startup-'));
const warmData = path.join(scratch, 'warm-data');
let coldCount = 0;
const cases = {
  'node -e 0': () => [process.execPath, ['-e', '0'], {}],
  'release version show': () => [process.execPath, [bin, 'version', 'show'], {}],
  'release version show (cold)': () => [process.execPath, [bin, 'version', 'show'], { WHEELWRIGHT_NO_CACHE: '1' }],
  'single-file version show': () => [process.execPath, [bundle, 'version', 'show'], { WHEELWRIGHT_DATA_DIR: warmData }],
  // A fresh data folder every run: the bundle writes its files as on a new runner.
  'single-file version show (cold)': () => [process.execPath, [bundle, 'version', 'show'], { WHEELWRIGHT_NO_CACHE: '1', WHEELWRIGHT_DATA_DIR: path.join(scratch, `cold-${coldCount++}`) }],
};

function timeOnce([cmd, args, env]) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: path.join(root, 'examples'), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return ms;
}

const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (const c of Object.values(cases)) timeOnce(c()); // warm the page cache (and the warm data folder)
for (let i = 0; i < runs; i++) for (const [k, c] of Object.entries(cases)) times[k].push(timeOnce(c()));
rmSync(scratch, { recursive: true, force: true });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times['node -e 0']);
console.log(`runs: ${runs} each, interleaved`);
for (const k of Object.keys(cases)) console.log(`${k.padEnd(34)} ${median(times[k]).toFixed(1).padStart(7)} ms (median)  ${(median(times[k]) / base).toFixed(2)}x`);
console.log(`unbundled ratio: ${(median(times['release version show']) / base).toFixed(2)}x (target <= 2.00x); cold: ${(median(times['release version show (cold)']) / base).toFixed(2)}x`);
console.log(`single-file ratio: cold ${(median(times['single-file version show (cold)']) / base).toFixed(2)}x (target <= 1.50x); warm ${(median(times['single-file version show']) / base).toFixed(2)}x`);
