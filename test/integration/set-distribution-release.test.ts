// End to end with `set_distribution: true`: plan a two-package monorepo, build fragments for it, verify (which
// makes acme-release==V), publish to the local PyPI server, then find the set from that index alone
// (`compat fetch --from …/simple/`) and install it with plain pip. A second verify + publish sends nothing.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuiltArtifact, ReleaseManifest } from '../../src/manifest.js';
import { runRelease } from '../helpers/cli.js';
import { git, tempRepo } from '../helpers/gitdir.js';
import { hasCommand, hasPythonModule, requireTools } from '../helpers/tools.js';
import { startPypiServer, type PypiServer } from '../servers/pypi.js';
import { makeSdistBuffer, makeWheelBuffer, sdistFilename, wheelFilename, writeWheel } from '../servers/pypi/make-dist.js';
import { PY, installed, makeVenv } from './compat-fixtures.js';

const ok = requireTools('the set distribution released end to end with real pip', [
  [PY, hasCommand(PY)],
  ['python3-venv', hasPythonModule('ensurepip', PY)],
  ['twine (python3-twine)', hasPythonModule('twine', PY)],
]);

const VERSION = '2.0.0';
const COMPONENTS = ['acme-core', 'acme-http'];
const SET_WHEEL = `acme_release-${VERSION}-py3-none-any.whl`;
/** versions.json as the set distribution embeds it: `createdAt` empty. */
const withoutClock = (json: string) => json.replace(/"createdAt": "[^"]*"/, '"createdAt": ""');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.skipIf(!ok)('the set distribution in a release (set_distribution: true)', () => {
  let pypi: PypiServer;
  let repo: { dir: string; cleanup: () => void };
  let dist: string;
  const env = () => ({ PYPI_TOKEN: pypi.token, WHEELWRIGHT_NO_CACHE: '1' });
  const manifest = () => JSON.parse(readFileSync(path.join(dist, 'release-manifest.json'), 'utf8')) as ReleaseManifest;

  beforeAll(async () => {
    pypi = await startPypiServer();
    const tree: Record<string, string> = {
      'VERSION': `${VERSION}\n`,
      '.gitignore': 'dist/\n',
      'release.yaml': stringify({
        packages: COMPONENTS.map((c) => ({ path: `packages/${c}`, kind: 'pure' })),
        python: ['3.12'],
        targets: ['linux-x86_64'],
        set_distribution: true,
        publish: { to: ['pypi'], pypi: { repository_url: pypi.uploadUrl } },
      }),
    };
    for (const c of COMPONENTS) {
      tree[`packages/${c}/pyproject.toml`] = `[project]\nname = "${c}"\ndynamic = ["version"]\n\n[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n`;
    }
    repo = tempRepo(tree);
    git(repo.dir, 'tag', '-a', `v${VERSION}`, '-m', `Release ${VERSION}`);
    dist = path.join(repo.dir, 'dist');
    const planned = await runRelease(['plan'], { cwd: repo.dir, env: env() });
    expect(planned.code, planned.stderr).toBe(0);
    // What each build job would report: the planned files, made here, as fragments next to them.
    const m = manifest();
    for (const job of m.jobs) {
      const built: BuiltArtifact[] = [];
      for (const e of m.expected.filter((x) => x.job === job.id)) {
        const spec = { name: e.package, version: VERSION, seed: built.length + 1 };
        const [filename, bytes] = e.type === 'wheel' ? [wheelFilename(spec), makeWheelBuffer(spec)] : [sdistFilename(spec), await makeSdistBuffer(spec)];
        writeFileSync(path.join(dist, filename), bytes);
        built.push({ filename, package: e.package, target: e.target, job: job.id, size: bytes.length, sha256: sha(bytes) });
      }
      const fragments = path.join(dist, `artifacts-${job.id}`, 'manifest-fragments');
      mkdirSync(fragments, { recursive: true });
      writeFileSync(path.join(fragments, `${job.id}.json`), JSON.stringify({ schemaVersion: 1, job: job.id, built }));
    }
  }, 120_000);

  afterAll(async () => {
    await pypi?.close();
    repo?.cleanup();
  });

  it('verify makes it from the set, checks it, and lists it with the built files and in SHA256SUMS', async () => {
    const v = await runRelease(['verify', '--json'], { cwd: repo.dir, env: env() });
    expect(v.code, v.stderr).toBe(0);
    const report = JSON.parse(v.stdout) as { artifacts: Array<{ filename: string; ok: boolean; codes: string[] }> };
    expect(report.artifacts.find((a) => a.filename === SET_WHEEL)).toMatchObject({ ok: true, codes: [] });
    const m = manifest();
    const bytes = readFileSync(path.join(dist, SET_WHEEL));
    expect(m.built.find((b) => b.filename === SET_WHEEL)).toEqual({ filename: SET_WHEEL, package: 'acme-release', target: null, job: 'verify', size: bytes.length, sha256: sha(bytes) });
    expect(m.verify!.files.map((f) => f.filename)).toContain(SET_WHEEL);
    expect(readFileSync(path.join(dist, 'SHA256SUMS'), 'utf8')).toContain(`${sha(bytes)}  ${SET_WHEEL}\n`);
    // It carries versions.json byte for byte but for its empty createdAt (no clock in its bytes), which lists the components and not itself.
    const inside = execFileSync(PY, ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(z.read(f"acme_release-{sys.argv[2]}.dist-info/versions.json").decode(), end="")', path.join(dist, SET_WHEEL), VERSION], { encoding: 'utf8' });
    const versionsJson = readFileSync(path.join(dist, 'versions.json'), 'utf8');
    expect(inside).toBe(withoutClock(versionsJson));
    expect((JSON.parse(versionsJson) as { packages: Array<{ name: string }> }).packages.map((p) => p.name)).toEqual(COMPONENTS);
  }, 60_000);

  it('publish uploads it to PyPI with the wheels; compat fetch finds the set from the index alone; pip installs it pinned', async () => {
    const p = await runRelease(['publish', '--json'], { cwd: repo.dir, env: env() });
    expect(p.code, p.stderr).toBe(0);
    const m = manifest();
    expect(pypi.files().map((f) => f.filename).sort()).toEqual(m.built.map((b) => b.filename).sort());
    expect(pypi.file(SET_WHEEL)?.sha256).toBe(sha(readFileSync(path.join(dist, SET_WHEEL))));

    const simple = `${pypi.url}/simple/`;
    const fetched = await runRelease(['compat', 'fetch', VERSION, '--from', simple, '--platform', 'linux-x86_64'], { cwd: repo.dir, env: env() });
    expect(fetched.code, fetched.stderr).toBe(0);
    for (const c of COMPONENTS) {
      const wheel = m.built.find((b) => b.package === c && b.filename.endsWith('.whl'))!;
      expect(fetched.stdout).toContain(`${c}==${VERSION} \\\n    --hash=sha256:${wheel.sha256}`);
    }

    // A newer acme-core on the index too: only the pin keeps pip from taking it.
    const newer = await writeWheel(path.join(repo.dir, 'later'), { name: 'acme-core', version: '2.1.0' });
    // Asynchronous: the PyPI server answers from this process.
    await promisify(execFile)(PY, ['-m', 'twine', 'upload', '--non-interactive', '--disable-progress-bar', '--repository-url', pypi.uploadUrl, '-u', '__token__', '-p', pypi.token, newer]);
    const venv = makeVenv();
    await venv.pip('install', '--index-url', simple, `acme-release==${VERSION}`);
    const got = installed(venv.python);
    expect(Object.fromEntries(Object.entries(got).filter(([n]) => n.startsWith('acme')))).toEqual({ 'acme-release': VERSION, 'acme-core': VERSION, 'acme-http': VERSION });
    const inside = execFileSync(venv.python, ['-c', 'import importlib.metadata as m; print(m.distribution("acme-release").read_text("versions.json"), end="")'], { encoding: 'utf8' });
    expect(inside).toBe(withoutClock(readFileSync(path.join(dist, 'versions.json'), 'utf8')));
  }, 120_000);

  it('a second verify makes the same bytes, and a second publish sends nothing', async () => {
    const before = readFileSync(path.join(dist, SET_WHEEL));
    const uploads = pypi.files().length;
    const v = await runRelease(['verify'], { cwd: repo.dir, env: env() });
    expect(v.code, v.stderr).toBe(0);
    expect(sha(readFileSync(path.join(dist, SET_WHEEL)))).toBe(sha(before));
    expect(manifest().built.filter((b) => b.filename === SET_WHEEL)).toHaveLength(1);
    const p = await runRelease(['publish', '--json'], { cwd: repo.dir, env: env() });
    expect(p.code, p.stderr).toBe(0);
    expect(pypi.files()).toHaveLength(uploads);
    const summary = JSON.parse(p.stdout) as { destinations: Array<{ name: string; uploaded: string[] }> };
    expect(summary.destinations.flatMap((d) => d.uploaded)).toEqual([]);
  }, 60_000);
});
