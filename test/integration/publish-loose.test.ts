// `release publish dist/*` without a plan (files from the project's own cibuildwheel workflow), as a real
// process against the test PyPI server: verified first, recorded next to the files, exactly once across a crash.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execProcess } from '../../src/context.js';
import { releaseBin, runRelease } from '../helpers/cli.js';
import { hasCommand, hasPythonModule, requireTools } from '../helpers/tools.js';
import { startPypiServer, type PypiServer } from '../servers/pypi.js';
import { writeSdist, writeWheel } from '../servers/pypi/make-dist.js';

const twineOk = requireTools('twine uploading part of a release before `release publish`', [
  ['/usr/bin/python3', hasCommand('/usr/bin/python3')],
  ['twine (python3-twine)', hasPythonModule('twine')],
]);

let server: PypiServer;
let tmp: string;
let n = 0;
beforeAll(async () => {
  server = await startPypiServer();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'ww-loose-'));
});
afterAll(async () => {
  await server.close();
  await rm(tmp, { recursive: true, force: true });
});

/** A project directory (no release.yaml, no plan) whose dist/ holds what its own workflow built. */
async function project(name: string, version: string, wheels = 2): Promise<{ root: string; dist: string; files: string[] }> {
  const root = path.join(tmp, `p${n++}`);
  const dist = path.join(root, 'dist');
  const tags = ['py3-none-any', 'cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64', 'cp312-cp312-win_amd64'];
  const files = [];
  for (let i = 0; i < wheels; i++) files.push(await writeWheel(dist, { name, version, tag: tags[i]!, payloadBytes: 4000, seed: i }));
  files.push(await writeSdist(dist, { name, version }));
  return { root, dist, files };
}

const env = () => ({ PYPI_TOKEN: server.token, WHEELWRIGHT_RETRY_DEADLINE: '2' });
const toPypi = () => ['publish', '--to', 'pypi', '--repository-url', server.uploadUrl];
const record = (dist: string) => JSON.parse(readFileSync(path.join(dist, 'release-manifest.json'), 'utf8'));
const storedCount = (filename: string) => server.files().filter((f) => f.filename === filename).length;

/** Start `release publish`, and SIGKILL it as soon as its record confirms `confirmed` files at PyPI. */
function publishUntilKilled(root: string, dist: string, args: string[], confirmed: number): Promise<{ killed: boolean; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [releaseBin, ...args], { cwd: root, env: { ...process.env, WHEELWRIGHT_PLAIN_OUTPUT: '1', GITHUB_ACTIONS: '', ...env() } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const poll = setInterval(() => {
      try {
        if (Object.keys(record(dist).publish?.pypi?.files ?? {}).length >= confirmed) child.kill('SIGKILL');
      } catch {
        // not written yet, or being renamed into place
      }
    }, 20);
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearInterval(poll);
      resolve({ killed: signal === 'SIGKILL', stderr });
    });
  });
}

describe('release publish on files without a plan', () => {
  it('verifies named files, uploads each once, records them next to the files; a second run does nothing', async () => {
    const p = await project('loose-one', '1.0.0');
    const r = await runRelease([...toPypi(), '--json', ...p.files.map((f) => path.relative(p.root, f))], { cwd: p.root, env: env() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('no release plan: the set check is skipped');
    expect(r.stderr).toMatch(/3 artifact\(s\) for version 1\.0\.0/);
    const summary = JSON.parse(r.stdout);
    expect(summary.destinations[0].uploaded.sort()).toEqual(p.files.map((f) => path.basename(f)).sort());
    for (const f of p.files) expect(storedCount(path.basename(f))).toBe(1);
    const m = record(p.dist);
    expect(m.loose).toBe(true);
    expect(m.verify.ok).toBe(true);
    expect(m.publish.pypi.complete).toBe(true);
    expect(Object.keys(m.publish.pypi.files).sort()).toEqual(p.files.map((f) => path.basename(f)).sort());
    // `release publish` with no arguments on that directory: the same files, already complete.
    const before = server.stats().uploadRequests;
    const again = await runRelease(toPypi(), { cwd: p.root, env: env() });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('nothing to do: v1.0.0 is already published to pypi');
    expect(server.stats().uploadRequests).toBe(before);
    // The same command again as a shell expands it (`dist/*` now holds the record too): resumes, sends nothing.
    const expanded = readdirSync(p.dist).map((f) => path.join('dist', f));
    expect(expanded).toContain(path.join('dist', 'release-manifest.json'));
    const globbed = await runRelease([...toPypi(), ...expanded], { cwd: p.root, env: env() });
    expect(globbed.code, globbed.stderr).toBe(0);
    expect(globbed.stdout).toContain('nothing to do: v1.0.0 is already published to pypi');
    expect(server.stats().uploadRequests).toBe(before);
    // A re-run naming fewer files keeps what destinations hold: a later run with other bytes under a name
    // already uploaded is refused before anything is sent.
    const dropped = p.files[0]!;
    const fewer = await runRelease([...toPypi(), ...p.files.slice(1)], { cwd: p.root, env: env() });
    expect(fewer.code, fewer.stderr).toBe(0);
    const saved = await readFile(dropped);
    await writeWheel(p.dist, { name: 'loose-one', version: '1.0.0', tag: 'py3-none-any', payloadBytes: 4000, seed: 42 });
    const changed = await runRelease([...toPypi(), ...p.files], { cwd: p.root, env: env() });
    expect(changed.code, changed.stderr).toBe(4);
    expect(changed.stderr).toContain(`${path.basename(dropped)} changed since an earlier run verified it`);
    expect(server.stats().uploadRequests).toBe(before);
    await writeFile(dropped, saved);
    // verify on that directory takes the record for what it is: no plan, so no set check, and it keeps the record.
    const v = await runRelease(['verify'], { cwd: p.root });
    expect(v.code, v.stderr).toBe(0);
    expect(v.stderr).toContain('records files published without a plan: the set check is skipped');
    expect(record(p.dist).publish.pypi.complete).toBe(true);
  });

  it('after a crash, a re-run uploads only what is missing, and refuses a file whose bytes changed since it was verified', async () => {
    const p = await project('loose-crash', '2.0.0', 2);
    const [first, second, sdist] = p.files.map((f) => path.basename(f)) as [string, string, string];
    // The upload of one wheel never gets an answer: the process is killed while it waits.
    server.inject({ kind: 'hang', filename: second, times: 1 });
    const crashed = await publishUntilKilled(p.root, p.dist, [...toPypi(), 'dist'], 2);
    server.clearFaults();
    expect(crashed.killed, crashed.stderr).toBe(true);
    const confirmed = Object.keys(record(p.dist).publish.pypi.files).sort();
    expect(confirmed).toEqual([first, sdist].sort());
    // Changed bytes under a recorded name: refused before anything is sent.
    const saved = path.join(tmp, `saved-${second}`);
    await copyFile(path.join(p.dist, second), saved);
    await writeWheel(p.dist, { name: 'loose-crash', version: '2.0.0', tag: 'cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64', payloadBytes: 4000, seed: 99 });
    const uploadsBefore = server.stats().uploadRequests;
    const refused = await runRelease(toPypi(), { cwd: p.root, env: env() });
    expect(refused.code, refused.stderr).toBe(4);
    expect(refused.stderr).toContain(`${second} changed since an earlier run verified it`);
    expect(server.stats().uploadRequests).toBe(uploadsBefore);
    // The verified bytes back: the re-run sends only that file; every file is on the index exactly once.
    await copyFile(saved, path.join(p.dist, second));
    const rerun = await runRelease([...toPypi(), '--json'], { cwd: p.root, env: env() });
    expect(rerun.code, rerun.stderr).toBe(0);
    const pypi = JSON.parse(rerun.stdout).destinations[0];
    // The files the crashed run confirmed are neither sent nor looked up again.
    expect(pypi.uploaded).toEqual([second]);
    expect(pypi.existing).toEqual([]);
    for (const f of [first, second, sdist]) expect(storedCount(f)).toBe(1);
    expect(record(p.dist).publish.pypi.complete).toBe(true);
  });

  it.skipIf(!twineOk)('after twine uploaded part of the release, publishes the rest and counts twine\'s file as there', async () => {
    const p = await project('loose-twine', '3.0.0', 1);
    const [wheel, sdist] = p.files as [string, string];
    const t = await execProcess('/usr/bin/python3', ['-m', 'twine', 'upload', '--non-interactive', '--disable-progress-bar', '--repository-url', server.uploadUrl, '-u', '__token__', '-p', server.token, wheel], {
      reject: false,
      env: { TWINE_USERNAME: undefined, TWINE_PASSWORD: undefined, TWINE_REPOSITORY_URL: undefined },
    });
    expect(t.exitCode, t.stdout + t.stderr).toBe(0);
    const r = await runRelease([...toPypi(), '--json', 'dist/'], { cwd: p.root, env: env() });
    expect(r.code, r.stderr).toBe(0);
    const pypi = JSON.parse(r.stdout).destinations[0];
    expect(pypi.existing).toEqual([path.basename(wheel)]);
    expect(pypi.uploaded).toEqual([path.basename(sdist)]);
    expect(storedCount(path.basename(wheel))).toBe(1);
  });

  it('refuses, naming the file and the fix: not an artifact, two versions mixed, a broken wheel, files next to a plan', async () => {
    const p = await project('loose-bad', '4.0.0', 1);
    await writeFile(path.join(p.root, 'notes.txt'), 'x');
    const other = await writeWheel(p.dist, { name: 'loose-bad', version: '4.1.0' });
    const broken = path.join(p.root, 'wheels', 'loose_bad-4.0.0-py3-none-any.whl');
    await writeWheel(path.dirname(broken), { name: 'loose-bad', version: '4.0.0' });
    await writeFile(broken, 'not a zip');
    const uploads = server.stats().uploadRequests;
    const cases: Array<[string[], number, RegExp]> = [
      [['notes.txt'], 64, /not a wheel or an sdist: `notes\.txt`/],
      [[...p.files, other], 64, /the files mix 2 versions: 4\.0\.0 \(.*\); 4\.1\.0 \(loose_bad-4\.1\.0-py3-none-any\.whl\)[\s\S]*hint: publish one version at a time/],
      [[broken], 4, /the files fail `release verify`'s checks: loose_bad-4\.0\.0-py3-none-any\.whl \(/],
    ];
    for (const [files, code, message] of cases) {
      const r = await runRelease([...toPypi(), ...files], { cwd: p.root, env: env() });
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(path.join(path.dirname(broken), 'release-manifest.json'))).toBe(false);
    await writeFile(path.join(p.dist, 'release-manifest.json'), JSON.stringify(planned()));
    const next = await runRelease([...toPypi(), path.relative(p.root, p.files[0]!)], { cwd: p.root, env: env() });
    expect(next.code, next.stderr).toBe(64);
    expect(next.stderr).toContain('is the plan of release v4.0.0: named files are not published next to it');
    expect(server.stats().uploadRequests).toBe(uploads);
  });
  it('names the tag\'s commit when the checkout has the tag, and refuses GitHub without one (GitHub would tag the default branch)', async () => {
    const p = await project('loose-tagged', '3.0.0', 1);
    const names = p.files.map((f) => path.relative(p.root, f));
    // No tag here: GitHub is refused before anything is sent, and the PyPI-only route still works.
    const gh = await runRelease(['publish', '--to', 'github', ...names], {
      cwd: p.root,
      env: { ...env(), GITHUB_TOKEN: 'ghp_unused', GITHUB_REPOSITORY: 'o/r', GITHUB_API_URL: 'http://127.0.0.1:9' },
    });
    expect(gh.code, gh.stderr).toBe(6);
    expect(gh.stderr).toContain('tag v3.0.0 does not exist');
    expect(gh.stderr).toContain('--to pypi');
    expect(record(p.dist).publish.github).toBeUndefined();
    // With the tag in the checkout, the record names its commit.
    const git = (...a: string[]) => execProcess('git', a, { cwd: p.root });
    await git('init', '-q');
    await git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'release');
    await git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'tag', '-a', 'v3.0.0', '-m', 'v3.0.0');
    const sha = (await git('rev-parse', 'HEAD')).stdout.trim();
    const r = await runRelease([...toPypi(), ...names], { cwd: p.root, env: env() });
    expect(r.code, r.stderr).toBe(0);
    expect(record(p.dist).commit).toBe(sha);
  });
});

/** The smallest planned manifest: one expected sdist. */
function planned() {
  return {
    schemaVersion: 1, tool: { name: 'wheelwright', version: '0' }, version: '4.0.0', tag: 'v4.0.0', commit: null, createdAt: '2026-12-01T00:00:00Z',
    packages: [], jobs: [], expected: [{ id: 'loose-bad:sdist:any:any', package: 'loose-bad', type: 'sdist', target: null, python: null, filename: 'loose_bad-4.0.0.tar.gz', pattern: null, job: 'sdist' }],
  };
}
