#!/usr/bin/env node
// Time to get wheelwright onto a runner and run its first command (issue #14), in the same run, interleaved:
//   vendored: what the generated workflow does: the bundle is in the checkout (.github/wheelwright/wheelwright.mjs);
//             check its sha256 with node (the workflow's own one-liner), then the first command, cold (a fresh data
//             folder, no config cache);
//   npm:      the unbundled package from a local tarball (`npm pack`), installed offline (`npm ci --offline`) into a
//             fresh node_modules from a pre-filled npm cache, every dependency locked (our package-lock.json, dev
//             entries dropped), then the same first command. This is the best case for npm: no registry round trips,
//             no resolution. `npx --yes ./wheelwright-x.tgz` itself cannot run offline: it resolves every dependency
//             range and so needs packuments, which `npm ci` never puts in the cache (ENOTCACHED).
// Requires a built dist-js/ and bundle/ (npx tsc -p tsconfig.build.json; node .ci/bundle.mjs) and the npm cache that
// `npm ci` filled on this machine (`npm config get cache`), copied once to a scratch folder. RUNS (default 5) each.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const runs = Number(process.env.RUNS ?? 5);
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const bundle = path.join(root, 'bundle/wheelwright.mjs');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'ww-bench-runner-'));
const examples = path.join(root, 'examples');
const npmCache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
if (!existsSync(path.join(npmCache, '_cacache'))) {
  console.error(`no npm cache at ${npmCache}/_cacache: run \`npm ci\` once, then this bench`);
  process.exit(2);
}

// The tarball, and a consumer project that locks it and every runtime dependency.
const consumer = path.join(scratch, 'consumer');
mkdirSync(consumer);
const tgz = execFileSync('npm', ['pack', '--silent', '--pack-destination', consumer], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop();
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
const packages = {
  '': { name: 'runner', dependencies: { [pkg.name]: `file:${tgz}` } },
  [`node_modules/${pkg.name}`]: { version: pkg.version, resolved: `file:${tgz}`, dependencies: pkg.dependencies, bin: pkg.bin },
};
for (const [k, v] of Object.entries(lock.packages)) if (k.startsWith('node_modules/') && !v.dev && !v.devOptional) packages[k] = v;
writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'runner', private: true, dependencies: { [pkg.name]: `file:${tgz}` } }));
writeFileSync(path.join(consumer, 'package-lock.json'), JSON.stringify({ name: 'runner', lockfileVersion: 3, requires: true, packages }));
const cache = path.join(scratch, 'npm-cache');
cpSync(path.join(npmCache, '_cacache'), path.join(cache, '_cacache'), { recursive: true });

// The vendored file, as `release ci init` writes it, with the sha256 the workflow carries.
const vendored = path.join(scratch, 'repo/.github/wheelwright/wheelwright.mjs');
mkdirSync(path.dirname(vendored), { recursive: true });
cpSync(bundle, vendored);
const sha = createHash('sha256').update(readFileSync(vendored)).digest('hex');
const check = `const h=require('crypto').createHash('sha256').update(require('fs').readFileSync(process.env.WHEELWRIGHT)).digest('hex');if(h!==process.env.WHEELWRIGHT_SHA256){process.exit(1)}`;

function run(cmd, args, env = {}, cwd = examples) {
  const r = spawnSync(cmd, args, { cwd, env: { ...process.env, WHEELWRIGHT_NO_CACHE: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}
const steps = {
  vendored: (i) => {
    const env = { WHEELWRIGHT: vendored, WHEELWRIGHT_SHA256: sha, WHEELWRIGHT_DATA_DIR: path.join(scratch, `data-${i}`) };
    run(process.execPath, ['-e', check], env);
    return run(process.execPath, [vendored, 'version', 'show'], env);
  },
  npm: () => {
    run('npm', ['ci', '--offline', '--cache', cache, '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {}, consumer);
    return run(path.join(consumer, 'node_modules/.bin/release'), ['version', 'show']);
  },
};
const reset = { vendored: () => {}, npm: () => rmSync(path.join(consumer, 'node_modules'), { recursive: true, force: true }) };

const times = { vendored: [], npm: [] };
const answers = new Set();
for (let i = 0; i < runs; i++) {
  for (const k of Object.keys(steps)) {
    reset[k]();
    const t = process.hrtime.bigint();
    answers.add(steps[k](i).trim());
    times[k].push(Number(process.hrtime.bigint() - t) / 1e6);
  }
}
rmSync(scratch, { recursive: true, force: true });
if (answers.size !== 1) throw new Error(`the two ways answered differently: ${[...answers].join(' / ')}`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`runs: ${runs} each, interleaved; first command: release version show (${[...answers][0]}), cold`);
console.log(`vendored single file (sha256 check + command)        ${median(times.vendored).toFixed(0).padStart(7)} ms (median)`);
console.log(`npm ci --offline of the packed tarball + command     ${median(times.npm).toFixed(0).padStart(7)} ms (median)  ${(median(times.npm) / median(times.vendored)).toFixed(1)}x the vendored file`);
