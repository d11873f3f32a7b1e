// Soak: hundreds of seeded publishes with random faults on the GitHub and PyPI servers and the index
// directory, some with the `release` process killed by SIGKILL at a random moment and re-run. After each:
// every file exactly once with the right sha256 everywhere, the GitHub release published with every
// asset, and (from the server's history) never published before it was complete.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/context.js';
import { WheelwrightError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { parseManifest } from '../../src/manifest.js';
import type { DestinationName } from '../../src/publish/types.js';
import { publishTestSeam } from '../../src/publish/run.js';
import { spawn } from 'node:child_process';
import { releaseBin, runRelease } from '../helpers/cli.js';
import { startGithubServer, type GithubFault, type GithubRoute, type GithubServer } from '../servers/github.js';
import { makeReleaseFixture, writePublishConfig, type ReleaseFixture } from './publish-fixture.js';
import { rng } from '../helpers/rng.js';
import { startActionsOidcServer, type ActionsOidcServer } from '../servers/pypi/oidc.js';
import { startSigstore, type SigstoreServer } from '../servers/sigstore.js';

const RUNS = Number(process.env.SOAK_RUNS ?? 200);
/** Every KILL_EVERY-th run is a real `release` process killed with SIGKILL, then re-run. */
const KILL_EVERY = Number(process.env.SOAK_KILL_EVERY ?? 10);
const MAX_ATTEMPTS = 10;
/** Every SIGNED_EVERY-th run publishes with trusted publishing: every file signed (PEP 740), SHA256SUMS signed, build provenance sent. */
const SIGNED_EVERY = Number(process.env.SOAK_SIGNED_EVERY ?? 15);
/** Runs whose PyPI and GitHub servers are killed mid-upload and restarted (SOAK_SERVER_KILLS for more). */
const SERVER_KILL_RUNS = Number(process.env.SOAK_SERVER_KILLS ?? 3);
const HAS_PYPI = existsSync(path.resolve(import.meta.dirname, '../../src/publish/pypi.ts'));

const pick = <T,>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const ROUTES: GithubRoute[] = ['get-repo', 'list-releases', 'create-release', 'list-assets', 'upload-asset', 'upload-asset', 'upload-asset', 'update-release', 'delete-asset'];

function randomGithubFault(r: () => number): GithubFault {
  const route = pick(r, ROUTES);
  switch (pick(r, ['drop', 'status', 'starter', 'rate-limit', 'hang', 'store-then-fail', 'store-then-drop'] as const)) {
    case 'drop':
      return { kind: 'drop', route };
    case 'status':
      return { kind: 'status', status: pick(r, [500, 502, 503]), route };
    case 'starter':
      return { kind: 'status', status: 502, route: 'upload-asset', starter: true };
    case 'rate-limit':
      return { kind: 'rate-limit', status: pick(r, [403, 429] as const), retryAfter: 1, route };
    case 'hang':
      return { kind: 'hang', route };
    case 'store-then-fail':
      return { kind: 'store-then-fail', status: pick(r, [500, 502]), route };
    case 'store-then-drop':
      return { kind: 'store-then-fail', drop: true, route };
  }
}

interface Servers {
  gh: GithubServer;
  pypi: import('../servers/pypi.js').PypiServer | null;
  /** Signed runs: the loopback Sigstore and the workflow's OIDC endpoint. */
  signing: { sig: SigstoreServer; actions: ActionsOidcServer } | null;
}

async function startServers(latencyMs = 0, signed = false): Promise<Servers> {
  const gh = await startGithubServer({ owner: 'acme', repo: 'demo', latencyMs });
  const signing = signed && HAS_PYPI ? { sig: await startSigstore(), actions: await startActionsOidcServer({ repository: 'acme/demo', workflow: 'release.yml', ref: 'refs/tags/v1.0.0' }) } : null;
  const pypiOpts = signing
    ? { trustedPublishers: [{ repository: 'acme/demo', workflow: 'release.yml', project: 'soak-core' }, { repository: 'acme/demo', workflow: 'release.yml', project: 'soak-cli' }], projects: ['soak-core', 'soak-cli'], sigstoreTrustedRoot: signing.sig.trustedRoot }
    : {};
  const pypi = HAS_PYPI ? await (await import('../servers/pypi.js')).startPypiServer(pypiOpts) : null;
  return { gh, pypi, signing };
}

const sha256 = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('publish soak', () => {
  let fx: ReleaseFixture;
  let pristine: string;
  const to: DestinationName[] = HAS_PYPI ? ['pypi', 'index', 'github'] : ['index', 'github'];
  const counts = { runs: 0, attempts: 0, faults: 0, kills: 0, files: 0, duplicates: 0, lost: 0, earlyPublish: 0, signedRuns: 0, unattested: 0 };

  beforeAll(async () => {
    fx = await makeReleaseFixture({ packages: ['soak-core', 'soak-cli'], wheelTags: ['py3-none-any'], payloadBytes: 256 });
    pristine = readFileSync(fx.manifestPath, 'utf8');
  });
  afterAll(() => fx?.cleanup());

  function reset(s: Servers): void {
    writeFileSync(fx.manifestPath, pristine);
    rmSync(path.join(fx.dist, 'release-assets'), { recursive: true, force: true });
    const index = path.join(fx.root, 'public', 'simple');
    rmSync(index, { recursive: true, force: true });
    writePublishConfig(fx.root, {
      to,
      github: { repository: 'acme/demo', api_url: s.gh.apiUrl },
      ...(s.pypi ? { pypi: { repository_url: s.pypi.uploadUrl } } : {}),
      index: { dir: 'public/simple' },
    });
  }

  /** An earlier release already in the index, and a temp file a crashed writer left behind. */
  function dirtyIndex(r: () => number): string | null {
    if (r() < 0.5) return null;
    const project = path.join(fx.root, 'public', 'simple', 'soak-core');
    mkdirSync(project, { recursive: true });
    writeFileSync(path.join(project, '.soak_core-1.0.0-py3-none-any.whl.tmp-999-abc'), 'half');
    return project;
  }

  function env(s: Servers): Record<string, string> {
    if (s.signing) {
      // Trusted publishing (no PYPI_TOKEN): the job's OIDC endpoint, and Sigstore on loopback.
      const { GITHUB_ACTIONS: _ga, ...oidc } = s.signing.actions.env;
      return { GITHUB_TOKEN: s.gh.token!, WHEELWRIGHT_GITHUB_PACE: 'off', ...oidc, ...s.signing.sig.env };
    }
    return { GITHUB_TOKEN: s.gh.token!, WHEELWRIGHT_GITHUB_PACE: 'off', ...(s.pypi ? { PYPI_TOKEN: s.pypi.token } : {}) };
  }

  /**
   * The real CLI, killed with SIGKILL at a random moment: after `afterMs`, or once the GitHub server has
   * seen `afterRequests` requests (so that some kills land in the middle of the GitHub phase).
   */
  function killedRun(s: Servers, when: { afterMs?: number; afterRequests?: number }): Promise<{ killed: boolean; code: number | null }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [releaseBin, 'publish'], {
        cwd: fx.root,
        env: { ...process.env, WHEELWRIGHT_PLAIN_OUTPUT: '1', GITHUB_ACTIONS: '', ...env(s) },
        stdio: 'ignore',
      });
      let killed = false;
      const kill = () => {
        if (child.exitCode === null && !killed) {
          killed = child.kill('SIGKILL');
        }
      };
      const timer = when.afterMs !== undefined ? setTimeout(kill, when.afterMs) : undefined;
      const poll =
        when.afterRequests !== undefined
          ? setInterval(() => {
              if (s.gh.history().filter((e) => e.type === 'request').length >= when.afterRequests!) kill();
            }, 2)
          : undefined;
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        clearInterval(poll);
        resolve({ killed: signal === 'SIGKILL', code });
      });
    });
  }

  async function inProcess(s: Servers): Promise<void> {
    const log = createLogger({ stderr: () => undefined, stdout: () => undefined });
    const ctx = createContext({ cwd: fx.root, log, env: env(s) });
    await publishTestSeam.run(ctx, {
      to,
      github: { secondMs: 1, timeoutMs: 250, pace: false },
      pypi: { retryBaseMs: 1, timeoutMs: 250, sleep: (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 5))) },
    });
  }

  function check(s: Servers, seed: number): void {
    const where = `seed ${seed}`;
    const dists = fx.files;
    counts.files += dists.length;
    // PyPI: each file exactly once, right digest.
    if (s.pypi) {
      const stored = s.pypi.files();
      for (const f of dists) {
        const hits = stored.filter((x) => x.filename === f.filename);
        if (hits.length === 0) counts.lost += 1;
        if (hits.length > 1) counts.duplicates += hits.length - 1;
        expect(hits.map((h) => h.sha256), `${where}: pypi ${f.filename}`).toEqual([f.sha256]);
      }
      expect(stored.length, where).toBe(dists.length);
      // Signed runs: no file reached PyPI without its attestation, whatever crashed in between.
      if (s.signing) {
        const bare = stored.filter((x) => !x.provenance).map((x) => x.filename);
        counts.unattested += bare.length;
        expect(bare, `${where}: stored without an attestation`).toEqual([]);
        expect(s.gh.state().attestations.length, `${where}: build provenance sent once`).toBe(1);
      }
    }
    // GitHub: one release, published, every asset once and finished, never public before that.
    const { releases } = s.gh.state();
    if (releases.length > 1) counts.duplicates += releases.length - 1;
    expect(releases.length, `${where}: releases`).toBe(1);
    const rel = releases[0]!;
    expect(rel.draft, where).toBe(false);
    const wanted = [...dists.map((f) => f.filename), 'SHA256SUMS', 'release-manifest.json', 'versions.json', ...(s.signing ? ['SHA256SUMS.sigstore.json'] : [])].sort();
    const names = rel.assets.map((a) => a.name).sort();
    counts.duplicates += names.length - new Set(names).size;
    counts.lost += wanted.filter((w) => !names.includes(w)).length;
    expect(names, where).toEqual(wanted);
    for (const f of dists) expect(rel.assets.find((a) => a.name === f.filename)?.sha256, `${where}: ${f.filename}`).toBe(f.sha256);
    expect(rel.assets.every((a) => a.state === 'uploaded'), where).toBe(true);
    const published = s.gh.history().filter((e) => e.type === 'release-published');
    expect(published.length, `${where}: publications`).toBe(1);
    for (const p of published) {
      if (p.type !== 'release-published') continue;
      const complete = wanted.every((w) => p.assets.some((a) => a.name === w && a.state === 'uploaded'));
      if (!complete) counts.earlyPublish += 1;
      expect(complete, `${where}: published before complete`).toBe(true);
    }
    // Index: each file once, right digest.
    for (const f of dists) {
      const file = path.join(fx.root, 'public', 'simple', f.package, f.filename);
      if (!existsSync(file)) counts.lost += 1;
      else expect(sha256(file), `${where}: index ${f.filename}`).toBe(f.sha256);
    }
    // The manifest says every destination is complete.
    const m = parseManifest(readFileSync(fx.manifestPath, 'utf8'), fx.manifestPath);
    for (const d of to) expect(m.publish[d]?.complete, `${where}: ${d} complete`).toBe(true);
  }

  it(`ends every one of ${RUNS} faulty runs with each file exactly once and the release published complete`, { timeout: 900_000 }, async () => {
    if (!HAS_PYPI) console.warn('soak: src/publish/pypi.ts is not in this build; the soak covers github and index');
    const started = Date.now();
    for (let i = 0; i < RUNS; i++) {
      const t0 = Date.now();
      if (i > 0 && i % 25 === 0) console.log(`soak: ${i} runs in ${Math.round((Date.now() - started) / 1000)} s`);
      const seed = 7000 + i;
      const r = rng(seed);
      const kill = KILL_EVERY > 0 && i % KILL_EVERY === KILL_EVERY - 1;
      const signed = SIGNED_EVERY > 0 && i % SIGNED_EVERY === SIGNED_EVERY - 1;
      const s = await startServers(kill ? 15 : 0, signed);
      if (s.signing) counts.signedRuns += 1;
      try {
        reset(s);
        const earlier = dirtyIndex(r);
        if (kill) {
          // A real process, killed at a random moment, then run again until it succeeds.
          const when = r() < 0.5 ? { afterMs: 300 + Math.floor(r() * 2000) } : { afterRequests: 1 + Math.floor(r() * 14) };
          const first = await killedRun(s, when);
          if (first.killed) counts.kills += 1;
          counts.attempts += 1;
          s.gh.setLatency(0);
          let last = { code: first.code, stderr: '' };
          for (let a = 0; a < 4 && last.code !== 0; a++) {
            last = await runRelease(['publish'], { cwd: fx.root, env: env(s) });
            counts.attempts += 1;
          }
          expect(last.code, `seed ${seed}: ${last.stderr}`).toBe(0);
        } else {
          const n = Math.floor(r() * 5);
          for (let k = 0; k < n; k++) s.gh.inject(randomGithubFault(r));
          s.pypi?.randomFaults({ seed, rate: 0.15 });
          let done = false;
          for (let a = 0; a < MAX_ATTEMPTS && !done; a++) {
            counts.attempts += 1;
            try {
              await inProcess(s);
              done = true;
            } catch (err) {
              if (!(err instanceof WheelwrightError)) throw err;
              if (process.env.SOAK_TRACE) console.log(`soak: seed ${seed}: ${err.message}`);
            }
          }
          expect(done, `seed ${seed}: did not finish in ${MAX_ATTEMPTS} runs`).toBe(true);
          s.pypi?.randomFaults(null);
        }
        counts.faults += s.gh.faultsFired() + (s.pypi?.stats().faultsTotal ?? 0);
        check(s, seed);
        if (earlier) {
          const page = readFileSync(path.join(earlier, 'index.html'), 'utf8');
          expect(page, `seed ${seed}: a leftover temp file is served`).not.toContain('.tmp-');
          expect(readdirSync(earlier).filter((n) => n.endsWith('.whl')), `seed ${seed}`).toEqual(['soak_core-1.0.0-py3-none-any.whl']);
        }
        // A run after a complete release changes nothing.
        const before = s.gh.history().length;
        await inProcess(s);
        expect(s.gh.history().length, `seed ${seed}: second run sent requests`).toBe(before);
        counts.runs += 1;
        if (process.env.SOAK_TRACE) console.log(`soak: seed ${seed}${kill ? ' (kill)' : ''}: ${Date.now() - t0} ms`);
      } finally {
        await s.gh.close();
        await s.pypi?.close();
        await s.signing?.sig.close();
        await s.signing?.actions.close();
      }
    }
    console.log(
      `soak: runs ${counts.runs}, publish attempts ${counts.attempts}, faults injected ${counts.faults}, kills ${counts.kills}, ` +
        `files ${counts.files}, duplicates ${counts.duplicates}, lost ${counts.lost}, published early ${counts.earlyPublish}, ` +
        `signed runs ${counts.signedRuns} (files without attestation ${counts.unattested})` +
        ` (destinations: ${to.join(', ')})`,
    );
    expect(counts.runs).toBe(RUNS);
    expect(counts.duplicates).toBe(0);
    expect(counts.lost).toBe(0);
    expect(counts.earlyPublish).toBe(0);
    expect(counts.unattested).toBe(0);
    expect(counts.faults).toBeGreaterThan(RUNS / 2);
    if (KILL_EVERY > 0) expect(counts.kills).toBeGreaterThan(0);
  });

  it(`ends ${SERVER_KILL_RUNS} runs whose servers are killed mid-upload with each file exactly once`, { timeout: 600_000 }, async () => {
    const k = { runs: 0, publishRuns: 0, pypiKills: 0, githubKills: 0, files: 0, duplicates: 0, lost: 0, earlyPublish: 0 };
    const before = { ...counts };
    for (let i = 0; i < SERVER_KILL_RUNS; i++) {
      const seed = 9000 + i;
      const r = rng(seed);
      const s = await startServers();
      try {
        reset(s);
        // Each server dies once or twice while a file's bytes are arriving, and is back 100-400 ms later
        // with what it had stored: the client sees a cut upload, then refused connections.
        const kills = 1 + Math.floor(r() * 2);
        for (let n = 0; n < kills; n++) {
          s.pypi?.inject({ kind: 'crash', filename: pick(r, fx.files).filename, afterBytes: 64 + Math.floor(r() * 128), downMs: 100 + Math.floor(r() * 300) });
          s.gh.inject({ kind: 'crash', route: 'upload-asset', downMs: 100 + Math.floor(r() * 300) });
        }
        let done = false;
        for (let a = 0; a < MAX_ATTEMPTS && !done; a++) {
          k.publishRuns += 1;
          try {
            await inProcess(s);
            done = true;
          } catch (err) {
            if (!(err instanceof WheelwrightError)) throw err;
            if (process.env.SOAK_TRACE) console.log(`soak: server kills: seed ${seed}: ${err.message}`);
            // A re-run comes after the killed server is back: each is down at most 400 ms from its crash, which
            // happened before this run gave up. Without the pause, a fast machine spends every re-run while it is
            // still down, and the test measures the machine's speed, not the release's recovery.
            await new Promise((resolve) => setTimeout(resolve, 500));
          }
        }
        expect(done, `seed ${seed}: did not finish in ${MAX_ATTEMPTS} runs`).toBe(true);
        k.pypiKills += s.pypi?.stats().faults.crash ?? 0;
        k.githubKills += s.gh.history().filter((e) => e.type === 'request' && e.fault === 'crash').length;
        check(s, seed);
        k.runs += 1;
      } finally {
        await s.gh.close();
        await s.pypi?.close();
      }
    }
    // check() counts into the shared totals: take this test's share.
    k.files = counts.files - before.files;
    k.duplicates = counts.duplicates - before.duplicates;
    k.lost = counts.lost - before.lost;
    k.earlyPublish = counts.earlyPublish - before.earlyPublish;
    console.log(`soak: server kills: runs ${k.runs}, publish runs ${k.publishRuns}, pypi killed ${k.pypiKills}, github killed ${k.githubKills}, files ${k.files}, duplicates ${k.duplicates}, lost ${k.lost}, published early ${k.earlyPublish}`);
    expect(k.runs).toBe(SERVER_KILL_RUNS);
    expect(k.duplicates).toBe(0);
    expect(k.lost).toBe(0);
    expect(k.earlyPublish).toBe(0);
    if (HAS_PYPI) expect(k.pypiKills).toBeGreaterThanOrEqual(SERVER_KILL_RUNS);
    expect(k.githubKills).toBeGreaterThanOrEqual(SERVER_KILL_RUNS);
  });
});
