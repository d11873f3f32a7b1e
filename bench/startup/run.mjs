#!/usr/bin/env node
// Start-up cost: `release version show` on examples/ against `node -e 0`, in the same run.
// Target: at most 2.0× (median of at least 10 runs each, interleaved so load hits both alike).
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const runs = Number(process.env.RUNS ?? 21);
// "warm": the validated config is in wheelwright's cache (every run after the first);
// "cold": the cache is off, so the YAML parser and the schema library load too.
const bin = path.join(root, 'bin/release');
const cases = {
  'node -e 0': [process.execPath, ['-e', '0'], {}],
  'release version show': [process.execPath, [bin, 'version', 'show'], {}],
  'release version show (cold)': [process.execPath, [bin, 'version', 'show'], { WHEELWRIGHT_NO_CACHE: '1' }],
};

function timeOnce([cmd, args, env]) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: path.join(root, 'examples'), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return ms;
}

const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (const c of Object.values(cases)) timeOnce(c); // warm the file cache
for (let i = 0; i < runs; i++) for (const [k, c] of Object.entries(cases)) times[k].push(timeOnce(c));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times['node -e 0']);
const ours = median(times['release version show']);
const cold = median(times['release version show (cold)']);
console.log(`runs: ${runs} each, interleaved`);
console.log(`node -e 0:                   ${base.toFixed(1)} ms (median)`);
console.log(`release version show:        ${ours.toFixed(1)} ms (median)`);
console.log(`release version show (cold): ${cold.toFixed(1)} ms (median, config cache off)`);
console.log(`ratio: ${(ours / base).toFixed(2)}x (target <= 2.00x); cold: ${(cold / base).toFixed(2)}x`);
