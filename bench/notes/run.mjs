// Benchmark: `release notes draft` against the newest towncrier's (26.9.0) `towncrier build --draft` on the
// same 5,000 fragments. The oracle is where .ci/setup extracts it (or WHEELWRIGHT_TOWNCRIER).
// Run after `npm run build`: node bench/notes/run.mjs [--fragments N] [--runs N]
// Beside the two, the floors measured in the same run: `node -e 0` (starting Node), Node reading every
// fragment with readFileSync and nothing else, and `python3 -c 0`. Wall and CPU (user + system, from
// /usr/bin/time) are both reported: on a loaded machine wall time punishes a process's start more.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { fragments: { type: 'string', default: '5000' }, runs: { type: 'string', default: '7' } } });
const N = Number(values.fragments);
const RUNS = Math.max(5, Number(values.runs));
const releaseBin = path.resolve(import.meta.dirname, '../../bin/release');
const towncrierPath = process.env.WHEELWRIGHT_TOWNCRIER ?? '/opt/towncrier-26.9.0-1/usr/lib/python3/dist-packages';
const towncrierEnv = { ...process.env, PYTHONPATH: towncrierPath, GIT_CEILING_DIRECTORIES: '/' };

const dir = mkdtempSync(path.join(os.tmpdir(), 'ww-bench-notes-'));
writeFileSync(path.join(dir, 'towncrier.toml'), [
  '[tool.towncrier]', 'name = "bench"', 'directory = "changes"', 'filename = "CHANGELOG.md"',
  'issue_format = "[#{issue}](https://example.invalid/issues/{issue})"', 'wrap = true', '',
].join('\n'));
mkdirSync(path.join(dir, 'changes'));
mkdirSync(path.join(dir, '.git'));
const types = ['feature', 'bugfix', 'doc', 'removal', 'misc'];
for (let i = 0; i < N; i++) {
  const type = types[i % types.length];
  const name = i % 10 === 0 ? `+orphan${i}.${type}.md` : `${i + 1}.${type}.md`;
  const text = type === 'misc' ? '' : `Change number ${i}: ${'a fairly long sentence that will need wrapping '.repeat(1 + (i % 3))}done.\n`;
  writeFileSync(path.join(dir, 'changes', name), text);
}

const args = ['--version', '1.0.0', '--date', '2026-11-23', '--name', 'bench'];
const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const cpuFile = path.join(os.tmpdir(), `ww-bench-notes-cpu-${process.pid}`);
/** Wall time of a run, and its CPU time (user + system) when /usr/bin/time is there. */
function time(cmd, argv, env = process.env) {
  const [c, a] = timeBin ? [timeBin, ['-f', '%U %S', '-o', cpuFile, cmd, ...argv]] : [cmd, argv];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(c, a, { cwd: dir, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  let cpu = NaN;
  if (timeBin) {
    const [u, s] = readFileSync(cpuFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
    cpu = (u + s) * 1000;
  }
  return { ms, cpu, out: r.stdout };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const floorRead = [
  "const fs = require('node:fs'); const d = 'changes'; let n = 0;",
  'for (const f of fs.readdirSync(d)) n += fs.readFileSync(d + "/" + f).length;',
  'if (n < 0) console.log(n);',
].join(' ');
const contenders = [
  ['release notes draft', () => time(process.execPath, [releaseBin, 'notes', 'draft', ...args])],
  ['towncrier 26.9 --draft', () => time('/usr/bin/python3', ['-m', 'towncrier', 'build', '--draft', ...args], towncrierEnv)],
  ['floor: node reads them', () => time(process.execPath, ['-e', floorRead])],
  ['floor: node -e 0', () => time(process.execPath, ['-e', '0'])],
  ['floor: python3 -c 0', () => time('/usr/bin/python3', ['-c', '0'])],
];
const results = contenders.map(() => []);
let same = true;
for (let i = 0; i < RUNS; i++) {
  // Interleave so all see the same machine load.
  const outs = contenders.map(([, run], k) => {
    const r = run();
    results[k].push(r);
    return r.out;
  });
  same &&= outs[0] === outs[1];
}
rmSync(dir, { recursive: true, force: true });
rmSync(cpuFile, { force: true });
const wall = results.map((rs) => median(rs.map((r) => r.ms)));
const cpu = results.map((rs) => median(rs.map((r) => r.cpu)));
const load = os.loadavg()[0].toFixed(1);
console.log(`fragments: ${N}, runs: ${RUNS} each (interleaved), load average ${load}`);
contenders.forEach(([name], k) => {
  const ratio = `${(wall[k] / wall[1]).toFixed(2)}x wall, ${(cpu[k] / cpu[1]).toFixed(2)}x CPU of towncrier`;
  console.log(`${name.padEnd(24)} median ${wall[k].toFixed(0).padStart(5)} ms wall ${cpu[k].toFixed(0).padStart(5)} ms CPU  ${ratio}`);
});
console.log(`output identical: ${same}`);
console.log(`ratio (ours / towncrier): ${(wall[0] / wall[1]).toFixed(2)}x wall, ${(cpu[0] / cpu[1]).toFixed(2)}x CPU  (target <= 0.50x)`);
