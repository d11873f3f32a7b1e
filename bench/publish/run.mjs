// bench/publish: 60 wheels of about 10 MB (and the sdist) to the local test PyPI server, uploaded by
// `release publish --to pypi` and by `twine upload` (Debian) in the same run. Prints the wall-time ratio
// and both peak RSS values (from /usr/bin/time). Targets: >= 3x faster than twine, peak < 150 MB.
// Run after `npm run build`:  node bench/publish/run.mjs [--wheels 60] [--mb 10] [--concurrency 4] [--latency MS] [--repeat 3]
// (ours and twine run in turn, --repeat times, each on a fresh server; each keeps its best run)
// --latency makes the server answer each upload MS later, as PyPI's processing and storage do (default 0:
// a pure loopback run, where the server's own CPU per byte is a floor shared by both uploaders).
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const root = path.resolve(import.meta.dirname, '../..');
const here = import.meta.dirname;
const { values: args } = parseArgs({
  options: { wheels: { type: 'string', default: '60' }, mb: { type: 'string', default: '10' }, concurrency: { type: 'string', default: '4' }, latency: { type: 'string', default: '0' }, repeat: { type: 'string', default: '3' } },
});
const WHEELS = Number(args.wheels);
const REPEAT = Number(args.repeat);
// BENCH_PROF=dir writes V8 CPU profiles of `release publish` and of the servers there.
const prof = process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROF)}`] : [];
const BYTES = Math.round(Number(args.mb) * 1024 * 1024);

// 1. Compile the test server and the release fixture (TypeScript, outside dist-js) for this script.
execFileSync(process.execPath, [
  path.join(root, 'node_modules/typescript/bin/tsc'), '--outDir', path.join(here, '.build'), '--rootDir', root,
  '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node',
  '--resolveJsonModule', '--noCheck', '--ignoreConfig', path.join(root, 'test/servers/pypi.ts'), path.join(root, 'test/integration/publish-fixture.ts'),
], { cwd: root, stdio: 'inherit' });
const { makeReleaseFixture, writePublishConfig } = await import('./.build/test/integration/publish-fixture.js');

// 2. A verified release: one project, 60 wheels with distinct platform tags, one sdist.
const platforms = [
  'manylinux_2_17_x86_64.manylinux2014_x86_64', 'manylinux_2_17_aarch64.manylinux2014_aarch64', 'manylinux_2_17_i686.manylinux2014_i686',
  'manylinux_2_17_ppc64le.manylinux2014_ppc64le', 'manylinux_2_17_s390x.manylinux2014_s390x', 'manylinux_2_28_x86_64', 'manylinux_2_28_aarch64',
  'musllinux_1_2_x86_64', 'musllinux_1_2_aarch64', 'musllinux_1_2_i686', 'macosx_10_9_x86_64', 'macosx_11_0_arm64', 'macosx_10_9_universal2',
  'win_amd64', 'win32', 'win_arm64',
];
const pythons = ['cp310', 'cp311', 'cp312', 'cp313'];
const tags = pythons.flatMap((py) => platforms.map((p) => `${py}-${py}-${p}`)).slice(0, WHEELS);
console.error(`making ${tags.length} wheels of ${(BYTES / 1048576).toFixed(0)} MB and an sdist…`);
const fixture = await makeReleaseFixture({ version: '1.0.0', packages: ['bench-core'], wheelTags: tags, payloadBytes: BYTES });
const totalBytes = fixture.files.reduce((n, f) => n + f.size, 0);

function startServer() {
  const child = spawn(process.execPath, [...prof, path.join(here, 'server.mjs'), args.latency], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const next = () => new Promise((resolve) => lines.once('line', (l) => resolve(JSON.parse(l))));
  return next().then((info) => ({
    ...info,
    stats: () => (child.stdin.write('stats\n'), next()),
    close: () => new Promise((resolve) => (child.on('exit', resolve), child.stdin.end())),
  }));
}

/** Runs a command under /usr/bin/time; returns wall seconds and peak RSS (MB). */
function timed(cmd, argv, opts) {
  return new Promise((resolve, reject) => {
    const out = path.join(here, '.build', `time-${process.pid}-${Math.random().toString(36).slice(2)}.txt`);
    const started = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', '%U %S %M', '-o', out, cmd, ...argv], { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d) => (log += d));
    child.stderr.on('data', (d) => (log += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const [user, sys, peakKb] = String(execFileSync('tail', ['-1', out])).trim().split(' ').map(Number);
      rmSync(out, { force: true });
      resolve({ code, seconds, cpu: user + sys, peakMb: peakKb / 1024, log });
    });
  });
}

const results = {};
/** The faster run, but a failed run wins so that the failure is reported. */
const best = (a, b) => (!a || b.code !== 0 ? b : a.code !== 0 ? a : b.seconds < a.seconds ? b : a);
try {
  // 3. The fixture's config and tag, once. The config's repository URL is a placeholder: each run names its
  // fresh server with --repository-url.
  writePublishConfig(fixture.root, { to: ['pypi'], pypi: { repository_url: 'http://127.0.0.1:9/legacy/', concurrency: Number(args.concurrency) } });
  execFileSync('git', ['-C', fixture.root, 'commit', '-qam', 'bench config'], { stdio: 'ignore' });
  // The tag must point at the commit the manifest names: move both to the new commit.
  const head = String(execFileSync('git', ['-C', fixture.root, 'rev-parse', 'HEAD'])).trim();
  execFileSync('git', ['-C', fixture.root, 'tag', '-f', '-a', fixture.tag, '-m', `Release ${fixture.version}`], { stdio: 'ignore' });
  const manifest = JSON.parse(String(execFileSync('cat', [fixture.manifestPath])));
  manifest.commit = head;
  const manifestText = JSON.stringify(manifest, null, 2) + '\n';
  const dists = readdirSync(fixture.dist).filter((f) => f.endsWith('.whl') || f.endsWith('.tar.gz')).map((f) => path.join(fixture.dist, f));

  // 4. Ours and twine (Debian) in turn, each on its own fresh server, REPEAT times; each keeps its best run.
  for (let i = 0; i < REPEAT; i++) {
    writeFileSync(fixture.manifestPath, manifestText); // no publish progress recorded yet
    const ours = await startServer();
    const o = await timed(process.execPath, [...prof, path.join(root, 'bin/release'), 'publish', '--to', 'pypi', '--repository-url', ours.uploadUrl, '--cwd', fixture.root], {
      cwd: fixture.root,
      env: { ...process.env, PYPI_TOKEN: ours.token, GITHUB_ACTIONS: '', CI: '' },
    });
    o.server = await ours.stats();
    await ours.close();
    results.ours = best(results.ours, o);

    const theirs = await startServer();
    const t = await timed('/usr/bin/python3', ['-m', 'twine', 'upload', '--non-interactive', '--disable-progress-bar', '--repository-url', theirs.uploadUrl, '-u', '__token__', '-p', theirs.token, ...dists], {
      env: { ...process.env, TWINE_PASSWORD: '', TWINE_USERNAME: '' },
    });
    t.server = await theirs.stats();
    await theirs.close();
    results.twine = best(results.twine, t);
  }
} finally {
  fixture.cleanup();
}

for (const [who, r] of Object.entries(results)) {
  if (r.code !== 0) {
    console.error(`${who} failed (exit ${r.code}):\n${r.log.slice(-3000)}`);
    process.exitCode = 1;
  }
}
const { ours, twine } = results;
const mb = totalBytes / 1048576;
const row = (who, r) =>
  `${who.padEnd(16)} ${r.seconds.toFixed(2).padStart(7)} s  ${(mb / r.seconds).toFixed(0).padStart(5)} MB/s  CPU ${r.cpu.toFixed(2).padStart(6)} s  peak RSS ${r.peakMb.toFixed(0).padStart(4)} MB  server CPU ${r.server.cpu.toFixed(2)} s  stored ${r.server.files}`;
console.log(`bench/publish: ${fixture.files.length} files, ${mb.toFixed(0)} MB, concurrency ${args.concurrency}, server latency ${args.latency} ms per upload, best of ${REPEAT}`);
console.log(row('release publish', ours));
console.log(row('twine upload', twine));
console.log(`load average at the end: ${String(execFileSync('cat', ['/proc/loadavg'])).split(' ').slice(0, 3).join(' ')} on ${os.cpus().length} CPUs`);
console.log(`ratio: release publish is ${(twine.seconds / ours.seconds).toFixed(2)}x faster than twine in wall time (target >= 3x), and uses ${(twine.cpu / ours.cpu).toFixed(2)}x less CPU; peak memory ${ours.peakMb.toFixed(0)} MB (target < 150 MB)`);
