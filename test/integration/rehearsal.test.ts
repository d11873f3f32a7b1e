// The generated release.yml, rehearsed on this machine for each trigger: its `run:` steps in `needs:` order with
// GitHub's environment, only `uses:` steps emulated, against the local PyPI (trusted publishing through a fake
// Actions ID-token endpoint) and GitHub servers. The jobs this machine can run: tag, plan, build-any,
// build-linux-x86_64 (the native path: host Python, then retag), verify, publish.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRelease } from '../helpers/cli.js';
import { profile, rehearsalCache, rehearse, type JobRun, type RehearsalCache, type RehearsalOptions } from '../helpers/rehearsal.js';
import { hasCommand, hasPythonModule, requireTools } from '../helpers/tools.js';
import { startGithubServer, type GithubServer } from '../servers/github.js';
import { startSigstore, type SigstoreServer } from '../servers/sigstore.js';
import { startActionsOidcServer, startPypiServer, type ActionsOidcServer, type PypiServer } from '../servers/pypi.js';
import { repoRoot } from '../helpers/cli.js';

const ok = requireTools('workflow rehearsal', [
  ['git', hasCommand('git')],
  ['python3-build', hasPythonModule('build')],
  ['python3-setuptools', hasPythonModule('setuptools')],
  ['python3-dev (Python.h)', hasCommand('/usr/include/python3.11/Python.h')],
  ['gcc', hasCommand('gcc')],
]);

const REPOSITORY = 'acme/demo';
const PROJECTS = ['demo-cli', 'demo-core', 'demo-speedups'];

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' } }).trim();
}

describe.skipIf(!ok)('the generated workflow, rehearsed', () => {
  let base: string;
  let work: string;
  let workflow: string;
  let head: string;
  let pypi: PypiServer;
  let gh: GithubServer;
  let oidc: ActionsOidcServer;
  let sigstore: SigstoreServer;
  let runnerEnv: Record<string, string>;
  let cache: RehearsalCache;
  let front: http.Server;

  beforeAll(async () => {
    base = mkdtempSync(path.join(os.tmpdir(), 'ww-rehearsal-'));
    // setup-python: `python` on PATH is Debian's, with its build tools; pip installs are skipped (no network here).
    const shims = path.join(base, 'shims');
    mkdirSync(shims);
    writeFileSync(path.join(shims, 'python'), '#!/bin/sh\nif [ "$1" = "-m" ] && [ "$2" = "pip" ]; then echo "(rehearsal) skipped: python $*"; exit 0; fi\nexec /usr/bin/python3 "$@"\n', { mode: 0o755 });
    runnerEnv = {
      PATH: [shims, path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
      HOME: path.join(base, 'home'),
      LANG: 'C.UTF-8',
      // the runner builds offline, natively (this machine is linux x86_64 with Python 3.11, as the plan wants)
      WHEELWRIGHT_OFFLINE: '1',
      WHEELWRIGHT_NATIVE: '1',
      WHEELWRIGHT_DATA_DIR: path.join(base, 'tool-cache'),
    };
    cache = rehearsalCache(path.join(base, 'job-cache'));
    // The repository names PyPI's URL in release.yaml: a fixed loopback front that forwards to each trigger's server.
    front = http.createServer((req, res) => {
      const up = http.request({ host: '127.0.0.1', port: new URL(pypi.url).port, path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    await prepare();
  });

  afterAll(async () => {
    await close();
    front?.closeAllConnections();
    front?.close();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  async function close(): Promise<void> {
    await pypi?.close();
    await gh?.close();
    await oidc?.close();
    await sigstore?.close();
  }

  /**
   * One repository for every trigger (so a job with the same inputs is rehearsed once and reused): examples/ with
   * the local PyPI (through the fixed front) as its upload endpoint, `release ci init`, one commit.
   */
  async function prepare(): Promise<void> {
    work = path.join(base, 'work');
    cpSync(path.join(repoRoot, 'examples'), work, { recursive: true, verbatimSymlinks: true });
    const upload = `http://127.0.0.1:${(front.address() as AddressInfo).port}/legacy/`;
    // The GitHub API comes from GITHUB_API_URL, as on Actions.
    const config = readFileSync(path.join(work, 'release.yaml'), 'utf8').replace('publish:\n', `publish:\n  pypi:\n    repository_url: ${upload}\n`);
    writeFileSync(path.join(work, 'release.yaml'), config);
    const init = await runRelease(['ci', 'init'], { cwd: work });
    expect(init.code, init.stderr).toBe(0);
    workflow = readFileSync(path.join(work, '.github/workflows/release.yml'), 'utf8');
    git(work, 'init', '--quiet', '--initial-branch=main');
    git(work, 'add', '-A');
    git(work, 'commit', '--quiet', '-m', 'release: 0.3.0');
    head = git(work, 'rev-parse', 'HEAD');
  }

  /**
   * New servers for each trigger (PyPI keeps the first bytes of a file, and each run signs with its own identity):
   * trusted publishing for the three projects, the Actions ID-token endpoint signing for `ref` (the run's GITHUB_REF),
   * a Sigstore on loopback whose trusted root PyPI and `verify --published` trust, and GitHub.
   */
  async function servers(ref = 'refs/tags/v0.3.0'): Promise<void> {
    await close();
    sigstore = await startSigstore();
    pypi = await startPypiServer({
      trustedPublishers: PROJECTS.map((project) => ({ repository: REPOSITORY, workflow: 'release.yml', project })),
      projects: PROJECTS,
      sigstoreTrustedRoot: sigstore.trustedRoot,
    });
    oidc = await startActionsOidcServer({ repository: REPOSITORY, workflow: 'release.yml', ref });
    gh = await startGithubServer({ owner: 'acme', repo: 'demo' });
    Object.assign(runnerEnv, sigstore.env);
  }

  /** A fresh origin (bare clone of the work repository), optionally with the release tag already pushed. */
  function origin(name: string, tagged: boolean): string {
    const dir = path.join(base, name, 'server', REPOSITORY + '.git');
    mkdirSync(path.dirname(dir), { recursive: true });
    execFileSync('git', ['clone', '--quiet', '--bare', work, dir]);
    if (tagged) execFileSync('git', ['--git-dir', dir, 'tag', '-a', 'v0.3.0', '-m', 'v0.3.0', head], { env: { ...process.env, GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' } });
    return dir;
  }

  function options(name: string, over: Partial<RehearsalOptions['github']>, inputs: Record<string, unknown> = {}, text = workflow, tagged = true): RehearsalOptions {
    const o = origin(name, tagged);
    return {
      workflowText: text,
      origin: o,
      github: { event_name: 'push', ref: 'refs/tags/v0.3.0', sha: head, repository: REPOSITORY, server_url: `file://${path.join(base, name, 'server')}`, api_url: gh.apiUrl, token: gh.token!, event: {}, ...over },
      inputs,
      runnerEnv,
      idTokenEnv: oidc.env,
      log: process.env.REHEARSAL_LOG ? (l) => console.log(l) : undefined,
      // build and verify depend only on the commit and the plan: the triggers share them
      reuse: { cache, jobs: ['build', 'verify'] },
      canRun: (m) => m.runner === 'ubuntu-24.04' && m.emulation === '' && m.builder !== 'maturin',
    };
  }

  const ran = (runs: JobRun[]) => {
    if (process.env.REHEARSAL_PROFILE) console.log(profile(runs));
    return runs.map((r) => `${r.job}${r.matrix ? `:${r.matrix.job}` : ''}=${r.result}`);
  };

  it('tag push: plans, builds any and linux-x86_64, verifies, and publishes to PyPI and a GitHub release', async () => {
    await servers();
    const runs = await rehearse(options('push', {}));
    expect(ran(runs)).toEqual(['tag=skipped', 'plan=success', 'build:build-any=success', 'build:build-linux-x86_64=success', 'verify=success', 'publish=success', 'verify-published=success']);
    const plan = runs.find((r) => r.job === 'plan')!;
    expect(plan.outputs).toMatchObject({ version: '0.3.0', tag: 'v0.3.0', ref: 'refs/tags/v0.3.0' });
    expect(plan.summary).toContain('### Release plan: v0.3.0');
    expect(plan.summary).toContain('modelled wall time');
    const files = pypi.files().map((f) => f.filename).sort();
    expect(files).toEqual([
      'demo_cli-0.3.0-py3-none-any.whl',
      'demo_cli-0.3.0.tar.gz',
      'demo_core-0.3.0-py3-none-any.whl',
      'demo_core-0.3.0.tar.gz',
      'demo_speedups-0.3.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
      'demo_speedups-0.3.0.tar.gz',
    ]);
    const release = gh.state().releases.find((r) => r.tag_name === 'v0.3.0')!;
    expect(release.draft).toBe(false);
    expect(release.assets.map((a) => a.name)).toEqual(expect.arrayContaining(files));
    // SHA256SUMS is signed with the publish job's identity, on the loopback Sigstore, and attached.
    expect(release.assets.map((a) => a.name)).toContain('SHA256SUMS.sigstore.json');
    expect(sigstore.stats().certificates).toBeGreaterThan(0);
    // Uploaded with trusted publishing, each file with its PEP 740 attestation; the last job checked them all.
    expect(oidc.issued()).toBeGreaterThan(0);
    expect(pypi.files().filter((f) => f.provenance === null).map((f) => f.filename)).toEqual([]);
    const last = runs.at(-1)!;
    expect(last.steps.at(-1)).toMatchObject({ result: 'success' });
  }, 600_000);

  it('merged release/* pull request: the tag job tags the merge commit, the run releases it, and a re-run accepts the tag', async () => {
    // The run's GITHUB_REF is the pull request's merge ref, and so is the identity its publish job signs with.
    await servers('refs/pull/7/merge');
    const opts = options('pr', {
      event_name: 'pull_request',
      ref: 'refs/pull/7/merge',
      event: { pull_request: { merged: true, merge_commit_sha: head, head: { ref: 'release/0.3.0' } } },
    }, {}, workflow, false);
    const runs = await rehearse(opts);
    expect(ran(runs)).toEqual(['tag=success', 'plan=success', 'build:build-any=success', 'build:build-linux-x86_64=success', 'verify=success', 'publish=success', 'verify-published=success']);
    expect(runs[0]!.outputs).toEqual({ ref: 'refs/tags/v0.3.0' });
    expect(pypi.files()).toHaveLength(6);
    expect(execFileSync('git', ['--git-dir', opts.origin, 'rev-parse', 'v0.3.0^{commit}'], { encoding: 'utf8' }).trim()).toBe(head);
    // Re-running the tag job (the tag now exists on this commit) succeeds and hands on the same ref.
    const again = await rehearse({ ...opts, stopAfter: 'tag' });
    expect(again[0]).toMatchObject({ job: 'tag', result: 'success', outputs: { ref: 'refs/tags/v0.3.0' } });
    expect(again[0]!.steps.find((s) => s.name === 'push')).toMatchObject({ result: 'success' });
  }, 600_000);

  it('workflow_dispatch dry run: builds and verifies, the publish job sends nothing, and nothing is checked after it', async () => {
    await servers();
    const before = { pypi: pypi.files().length, releases: gh.state().releases.length, requests: gh.history().length };
    const runs = await rehearse(options('dispatch', { event_name: 'workflow_dispatch' }, { 'dry-run': true, repository: 'pypi' }));
    expect(ran(runs)).toEqual(['tag=skipped', 'plan=success', 'build:build-any=success', 'build:build-linux-x86_64=success', 'verify=success', 'publish=success', 'verify-published=skipped']);
    expect(pypi.files().length).toBe(before.pypi);
    expect(gh.state().releases.length).toBe(before.releases);
    expect(gh.history().slice(before.requests).filter((e) => e.type === 'request' && e.method !== 'GET')).toEqual([]);
  }, 600_000);

  describe('catches', () => {
    beforeAll(() => servers(), 120_000);

    it('a file changed on PyPI after publish: the last job fails on it', async () => {
      await servers();
      const tamper = (job: string) => {
        if (job !== 'verify-published') return;
        const stored = pypi.file('demo_core-0.3.0-py3-none-any.whl')!;
        stored.data![stored.data!.length - 50]! ^= 1;
      };
      await expect(rehearse({ ...options('tampered', {}), beforeJob: tamper })).rejects.toThrow(
        /jobs\.verify-published\.steps\.\d+ \(verify-published, "set -- --published [^\n]*\) exited with 4:[\s\S]*pypi: content: the bytes served for demo_core-0\.3\.0-py3-none-any\.whl have sha256/,
      );
    }, 600_000);

    it('a wrong artifact path', async () => {
      const broken = workflow.replace('path: dist/release-manifest.json', 'path: dist/release_manifest.json');
      await expect(rehearse(options('bad-path', {}, {}, broken))).rejects.toThrow(/jobs\.plan\.steps\.\d+: no files were found with the provided path: dist\/release_manifest\.json/);
    });

    it('a missing output', async () => {
      const broken = workflow.replace('      - id: plan\n', '      - id: planner\n');
      await expect(rehearse(options('bad-output', {}, {}, broken))).rejects.toThrow(/jobs\.plan\.outputs\.matrix: `[^`]*` reads steps\.plan\.outputs\.matrix, which no earlier step or job wrote/);
    });

    it('a step that reads a value no earlier step wrote', async () => {
      const broken = workflow.replace('          JOB: ${{ matrix.job }}\n', '          JOBS: ${{ matrix.job }}\n');
      await expect(rehearse(options('bad-env', {}, {}, broken))).rejects.toThrow(/jobs\.build\.steps\.\d+ \(build \(build-any\), "build"\) exited with 1:[\s\S]*JOB: unbound variable/);
    });
  });
});
