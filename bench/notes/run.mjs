// Benchmark: `release notes draft` against the newest towncrier's (26.9.0) `towncrier build --draft` on the
// same 5,000 fragments. The oracle is where .ci/setup extracts it (or WHEELWRIGHT_TOWNCRIER).
// Run after `npm run build`: node bench/notes/run.mjs [--fragments N] [--runs N]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
function time(cmd, argv, env = process.env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { cwd: dir, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  return { ms, out: r.stdout };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const ours = [];
const theirs = [];
let same = true;
for (let i = 0; i < RUNS; i++) {
  // Interleave so both see the same machine load.
  const a = time(process.execPath, [releaseBin, 'notes', 'draft', ...args]);
  const b = time('/usr/bin/python3', ['-m', 'towncrier', 'build', '--draft', ...args], towncrierEnv);
  ours.push(a.ms);
  theirs.push(b.ms);
  same &&= a.out === b.out;
}
rmSync(dir, { recursive: true, force: true });
const mo = median(ours);
const mt = median(theirs);
console.log(`fragments: ${N}, runs: ${RUNS} each (interleaved)`);
console.log(`release notes draft     median ${mo.toFixed(0)} ms  (${ours.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`towncrier 26.9 --draft  median ${mt.toFixed(0)} ms  (${theirs.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`output identical: ${same}`);
console.log(`ratio (ours / towncrier): ${(mo / mt).toFixed(2)}x  (target <= 0.50x)`);
