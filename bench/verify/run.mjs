// bench/verify: `release verify` against the one-core floor (inflate + sha256 only) and a Python peer
// (zipfile + hashlib RECORD check), on (a) 60 wheels of ~20 MB, (b) one 1 GB wheel and (c) every real wheel
// on the machine (BENCH_REAL_DIRS, default /opt/pypi:/opt/pypi-more:/opt/wheels; skipped when there are none).
// Run after `npm run build`:  node bench/verify/run.mjs   (BENCH_KEEP=1 keeps the files, BENCH_REPEAT=n, default 3,
// BENCH_ONLY=c runs one case)
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import process from 'node:process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compressibleBlock, preparePayload, randomBlock, writeWheel } from './make-wheels.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const release = path.join(repo, 'bin/release');
const repeat = Number(process.env.BENCH_REPEAT ?? 3);
const MB = 1024 * 1024;

async function makeSmall(dir) {
  // ~20 MB each: 12 MB of incompressible "binaries" and 40 MB of text that deflates ~5:1.
  const bin = preparePayload(randomBlock(4 * MB));
  const text = preparePayload(compressibleBlock(4 * MB));
  const entries = [
    ...Array.from({ length: 3 }, (_, i) => ({ name: `benchpkg/_ext${i}.so`, payload: bin })),
    ...Array.from({ length: 10 }, (_, i) => ({ name: `benchpkg/mod${i}.py`, payload: text })),
  ];
  for (let i = 0; i < 60; i++) {
    await writeWheel(path.join(dir, `benchpkg${i}-1.0.0-py3-none-any.whl`), { name: `benchpkg${i}`, version: '1.0.0', tag: 'py3-none-any', entries });
  }
}

async function makeLarge(dir) {
  // ~1 GB uncompressed: 640 MB incompressible, 384 MB compressible, in 8 MB entries.
  const bin = preparePayload(randomBlock(8 * MB));
  const text = preparePayload(compressibleBlock(8 * MB));
  const entries = [
    ...Array.from({ length: 80 }, (_, i) => ({ name: `bigpkg/data/blob${i}.bin`, payload: bin })),
    ...Array.from({ length: 48 }, (_, i) => ({ name: `bigpkg/src/mod${i}.py`, payload: text })),
  ];
  await writeWheel(path.join(dir, 'bigpkg-1.0.0-py3-none-any.whl'), { name: 'bigpkg', version: '1.0.0', tag: 'py3-none-any', entries });
}

/** Wall seconds, CPU seconds (user + system) and peak RSS (MB) of one run of a child, from /usr/bin/time. */
function measureOnce(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M %U %S', cmd, ...args], { encoding: 'utf8', maxBuffer: 256 * MB });
  const m = /TIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  if (!m) throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} failed:\n${r.stderr.slice(-2000)}`);
  return { seconds: Number(m[1]), rssMB: Number(m[2]) / 1024, cpu: Number(m[3]) + Number(m[4]), status: r.status };
}

const best = (a, b) => (!a || b.seconds < a.seconds ? b : a);

/**
 * Reads the files once, untimed: this VM's memory manager (DAMON reclaim) evicts page cache that sat idle,
 * so without this whichever contender runs first after a pause would also time the disk.
 */
function warm(files) {
  const buf = Buffer.allocUnsafe(MB);
  for (const f of files) {
    const fd = openSync(f, 'r');
    try {
      for (let at = 0, n; (n = readSync(fd, buf, 0, MB, at)) > 0; at += n);
    } finally {
      closeSync(fd);
    }
  }
}

/** Every real wheel under BENCH_REAL_DIRS, linked into one directory (verify reads one --dist). */
function linkRealWheels(dir) {
  const dirs = (process.env.BENCH_REAL_DIRS ?? '/opt/pypi:/opt/pypi-more:/opt/wheels').split(':').filter((d) => existsSync(d));
  const found = dirs.flatMap((d) => spawnSync('find', [d, '-name', '*.whl', '-type', 'f'], { encoding: 'utf8', maxBuffer: 64 * MB }).stdout.split('\n').filter(Boolean));
  const seen = new Set();
  for (const f of found) {
    if (seen.has(path.basename(f))) continue;
    seen.add(path.basename(f));
    symlinkSync(f, path.join(dir, path.basename(f)));
  }
  return seen.size;
}

function scenario(label, dir) {
  const wheels = readdirSync(dir).filter((f) => f.endsWith('.whl')).map((f) => path.join(dir, f));
  const compressed = wheels.reduce((n, f) => n + statSync(f).size, 0);
  // The floor is one core by definition: pin it, or Node's async zlib would inflate on a second thread
  // (libuv's pool) while the main thread hashes. The three run in turn within each repeat, so a shift in
  // the machine's load hits all of them alike; each keeps its best run.
  let floor = null;
  let ours = null;
  let peer = null;
  for (let i = 0; i < repeat; i++) {
    warm(wheels);
    const f = measureOnce('taskset', ['-c', '0', process.execPath, path.join(here, 'floor.mjs'), ...wheels]);
    if (f.status !== 0) throw new Error(`the floor exited ${f.status}: its figures would be meaningless`);
    floor = best(floor, f);
    warm(wheels);
    ours = best(ours, measureOnce(process.execPath, [release, 'verify', '--dist', dir, '--jobs', '2', '--json']));
    warm(wheels);
    peer = best(peer, measureOnce('/usr/bin/python3', [path.join(here, 'peer.py'), ...wheels]));
  }
  if (ours.status !== 0 && label !== 'c') console.log(`  warning: release verify exited ${ours.status}`);
  const row = (name, r) => `  ${name.padEnd(16)} ${r.seconds.toFixed(2).padStart(7)} s  ${r.cpu.toFixed(1).padStart(7)} s CPU  ${r.rssMB.toFixed(0).padStart(5)} MB peak`;
  console.log(`\n(${label}) ${wheels.length} wheel(s), ${(compressed / MB).toFixed(0)} MB on disk, best of ${repeat}`);
  console.log(row('floor (1 core)', floor));
  console.log(row('release verify', ours));
  console.log(row('python peer', peer));
  console.log(`  ratio release/floor: ${(ours.seconds / floor.seconds).toFixed(2)}x   python/release: ${(peer.seconds / ours.seconds).toFixed(2)}x faster`);
  return { floor, ours, peer };
}

const root = mkdtempSync(path.join(process.env.BENCH_DIR ?? tmpdir(), 'ww-bench-verify-'));
try {
  const only = process.env.BENCH_ONLY ?? 'abc';
  const small = path.join(root, 'a');
  const large = path.join(root, 'b');
  const real = path.join(root, 'c');
  spawnSync('mkdir', ['-p', small, large, real]);
  // A shared machine skews every number: print the load so readers can judge the run.
  console.log(`${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`generating wheels in ${root} …`);
  if (only.includes('a')) await makeSmall(small);
  if (only.includes('b')) await makeLarge(large);
  const realCount = only.includes('c') ? linkRealWheels(real) : 0;
  const a = only.includes('a') ? scenario('a', small) : null;
  const b = only.includes('b') ? scenario('b', large) : null;
  const c = realCount ? scenario('c', real) : null;
  if (only.includes('c') && !realCount) console.log('\n(c) skipped: no real wheels under BENCH_REAL_DIRS');
  console.log('\ntargets: (a) ≤ 0.70x floor and ≥ 3x faster than Python; (b) ≤ 1.20x floor; peak < 200 MB on the 1 GB wheel;');
  console.log('         (c) ≥ 3x faster than Python in wall time, less CPU than it, peak < 300 MB');
  if (a) console.log(`(a) ${(a.ours.seconds / a.floor.seconds).toFixed(2)}x floor, ${(a.peer.seconds / a.ours.seconds).toFixed(2)}x vs Python`);
  if (b) console.log(`(b) ${(b.ours.seconds / b.floor.seconds).toFixed(2)}x floor, peak ${b.ours.rssMB.toFixed(0)} MB`);
  if (c) console.log(`(c) ${(c.peer.seconds / c.ours.seconds).toFixed(2)}x vs Python (wall), CPU ${c.ours.cpu.toFixed(0)} s vs ${c.peer.cpu.toFixed(0)} s, peak ${c.ours.rssMB.toFixed(0)} MB`);
  console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
} finally {
  if (!process.env.BENCH_KEEP) rmSync(root, { recursive: true, force: true });
}
