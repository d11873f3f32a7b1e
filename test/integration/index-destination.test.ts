// The static index destination with real builds of examples/ and real pip (file:// and HTTP).
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PublishError } from '../../src/errors.js';
import type { BuiltArtifact, ReleaseManifest } from '../../src/manifest.js';
import { createIndexDestination } from '../../src/publish/static-index.js';
import { requireTools } from '../helpers/tools.js';
import {
  buildExamples,
  installed,
  makeVenv,
  manifestFor,
  publishRun,
  pythonToolChecks,
  quietContext,
  startStaticServer,
  tempDir,
} from './compat-fixtures.js';

const ok = requireTools('static index with real pip', pythonToolChecks());

describe.skipIf(!ok)('static index destination', () => {
  let v3: { root: string; dist: string; built: BuiltArtifact[] };
  let v2: { root: string; dist: string; built: BuiltArtifact[] };
  let work: string;
  let indexDir: string;
  let manifest: ReleaseManifest;
  const recorded: string[] = [];

  beforeAll(async () => {
    v3 = buildExamples('0.3.0');
    v2 = buildExamples('0.2.0');
    work = tempDir();
    indexDir = path.join(work, 'site/simple');
    manifest = manifestFor('0.3.0', v3.built);
    const ctx = quietContext(work);
    const dest = createIndexDestination({ dir: 'site/simple' });
    const run = publishRun(ctx, manifest, v3.dist);
    const record = run.record;
    run.record = async (f, e) => {
      recorded.push(f);
      await record(f, e);
    };
    await dest.preflight(run);
    const result = await dest.publish(run);
    expect(result.uploaded.sort()).toEqual(v3.built.map((b) => b.filename).sort());
  }, 600_000);

  afterAll(() => {
    for (const d of [work]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('writes PEP 503 pages with sha256 fragments, escaped requires-python and PEP 658 metadata hashes', () => {
    const root = readFileSync(path.join(indexDir, 'index.html'), 'utf8');
    expect(root).toContain('<meta name="pypi:repository-version" content="1.1">');
    for (const p of ['demo-cli', 'demo-core', 'demo-speedups']) expect(root).toContain(`<a href="${p}/">${p}</a>`);
    const page = readFileSync(path.join(indexDir, 'demo-core/index.html'), 'utf8');
    const wheel = v3.built.find((b) => b.filename === 'demo_core-0.3.0-py3-none-any.whl')!;
    const metadata = readFileSync(path.join(indexDir, 'demo-core', `${wheel.filename}.metadata`));
    const metaSha = createHash('sha256').update(metadata).digest('hex');
    expect(metadata.toString()).toMatch(/^Name: demo-core$/m);
    expect(page).toContain(
      `<a href="${wheel.filename}#sha256=${wheel.sha256}" data-requires-python="&gt;=3.9" data-core-metadata="sha256=${metaSha}" data-dist-info-metadata="sha256=${metaSha}">${wheel.filename}</a>`,
    );
    const sdist = v3.built.find((b) => b.package === 'demo-core' && b.filename.endsWith('.tar.gz'))!;
    expect(page).toContain(`href="${sdist.filename}#sha256=${sdist.sha256}" data-requires-python="&gt;=3.9">`);
    expect(existsSync(path.join(indexDir, 'demo-core', `${sdist.filename}.metadata`))).toBe(false);
  });

  it('writes PEP 691 JSON pages with size, upload-time, core-metadata and versions', () => {
    const page = JSON.parse(readFileSync(path.join(indexDir, 'demo-speedups/index.json'), 'utf8'));
    expect(page.meta).toEqual({ 'api-version': '1.1' });
    expect(page.name).toBe('demo-speedups');
    expect(page.versions).toEqual(['0.3.0']);
    const whl = page.files.find((f: { filename: string }) => f.filename.endsWith('.whl'));
    const built = v3.built.find((b) => b.filename === whl.filename)!;
    expect(whl).toMatchObject({ url: built.filename, hashes: { sha256: built.sha256 }, size: built.size, 'requires-python': '>=3.9', 'upload-time': '2026-11-23T12:30:00.000000Z' });
    expect(whl['core-metadata'].sha256).toMatch(/^[0-9a-f]{64}$/);
    const rootJson = JSON.parse(readFileSync(path.join(indexDir, 'index.json'), 'utf8'));
    expect(rootJson.projects).toEqual([{ name: 'demo-cli' }, { name: 'demo-core' }, { name: 'demo-speedups' }]);
  });

  it('records every file in the manifest exactly once and writes the version set under _sets/', () => {
    expect(recorded.sort()).toEqual(v3.built.map((b) => b.filename).sort());
    expect(Object.values(manifest.publish.index!.files).every((f) => f.status === 'uploaded')).toBe(true);
    const set = JSON.parse(readFileSync(path.join(indexDir, '_sets/0.3.0/versions.json'), 'utf8'));
    expect(set.version).toBe('0.3.0');
    expect(set.packages.map((p: { name: string }) => p.name)).toEqual(['demo-cli', 'demo-core', 'demo-speedups']);
    const sets = JSON.parse(readFileSync(path.join(indexDir, '_sets/index.json'), 'utf8'));
    expect(sets.sets.map((s: { version: string }) => s.version)).toEqual(['0.3.0']);
    expect(readdirSync(indexDir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('real pip installs the demo from the index over file://', async () => {
    const venv = makeVenv();
    try {
      await venv.pip('install', '--no-cache-dir', '--index-url', pathToFileURL(indexDir).href + '/', 'demo-cli', 'demo-speedups');
      expect(installed(venv.python)).toMatchObject({ 'demo-cli': '0.3.0', 'demo-core': '0.3.0', 'demo-speedups': '0.3.0' });
    } finally {
      rmSync(venv.dir, { recursive: true, force: true });
    }
  }, 600_000);

  it('real pip installs over HTTP from a plain static host (HTML, PEP 658 metadata) and from a negotiating one (JSON)', async () => {
    const plain = await startStaticServer(indexDir);
    const negotiating = await startStaticServer(indexDir, { negotiate: true });
    const venv = makeVenv();
    try {
      await venv.pip('install', '--no-cache-dir', '--index-url', plain.url, 'demo-core');
      expect(plain.requests).toContain('GET /demo-core/ text/html');
      expect(plain.requests).toContain('GET /demo-core/demo_core-0.3.0-py3-none-any.whl.metadata');
      await venv.pip('install', '--no-cache-dir', '--index-url', negotiating.url, 'demo-cli');
      expect(negotiating.requests).toContain('GET /demo-cli/ application/vnd.pypi.simple.v1+json');
      expect(installed(venv.python)).toMatchObject({ 'demo-cli': '0.3.0', 'demo-core': '0.3.0' });
    } finally {
      await plain.close();
      await negotiating.close();
      rmSync(venv.dir, { recursive: true, force: true });
    }
  }, 600_000);

  it('a second run finds every file already there, changes no page and records nothing new', async () => {
    const before = readFileSync(path.join(indexDir, 'demo-core/index.json'), 'utf8');
    const ctx = quietContext(work);
    const run = publishRun(ctx, manifest, v3.dist);
    let records = 0;
    run.record = async () => void records++;
    const result = await createIndexDestination({ dir: 'site/simple' }).publish(run);
    expect(result.uploaded).toEqual([]);
    expect(result.existing.length).toBe(v3.built.length);
    expect(records).toBe(0);
    expect(readFileSync(path.join(indexDir, 'demo-core/index.json'), 'utf8')).toBe(before);
  });

  it('publishing another release keeps the earlier one and pip can pin either', async () => {
    const m2 = manifestFor('0.2.0', v2.built);
    const later = quietContext(work);
    const dest = createIndexDestination({ dir: 'site/simple' });
    const run = publishRun(later, m2, v2.dist);
    await dest.preflight(run);
    await dest.publish(run);
    const page = JSON.parse(readFileSync(path.join(indexDir, 'demo-core/index.json'), 'utf8'));
    expect(page.versions).toEqual(['0.2.0', '0.3.0']);
    expect(page.files.map((f: { filename: string }) => f.filename)).toEqual([
      'demo-core-0.2.0.tar.gz',
      'demo-core-0.3.0.tar.gz',
      'demo_core-0.2.0-py3-none-any.whl',
      'demo_core-0.3.0-py3-none-any.whl',
    ]);
    const sets = JSON.parse(readFileSync(path.join(indexDir, '_sets/index.json'), 'utf8'));
    expect(sets.sets.map((s: { version: string }) => s.version)).toEqual(['0.3.0', '0.2.0']);
  });

  it('refuses a file whose name is in the index with other content, before and during publish', async () => {
    const other = tempDir();
    try {
      const name = 'demo_core-0.3.0-py3-none-any.whl';
      const orig = path.join(v3.dist, name);
      const fake = path.join(other, name);
      writeFileSync(fake, Buffer.concat([readFileSync(orig), Buffer.from('x')]));
      const m = manifestFor('0.3.0', v3.built.map((b) => (b.filename === name ? { ...b, sha256: createHash('sha256').update(readFileSync(fake)).digest('hex'), size: statSync(fake).size } : b)));
      const run = publishRun(quietContext(work), m, v3.dist);
      run.files = run.files.map((f) => (f.filename === name ? { ...f, path: fake } : f));
      const dest = createIndexDestination({ dir: 'site/simple' });
      await expect(dest.preflight(run)).rejects.toThrow(PublishError);
      await expect(dest.preflight(run)).rejects.toThrow(/already in the index with other content/);
      await expect(dest.publish(run)).rejects.toThrow(/already in the index with other content/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('uploads the versions.json the manifest lists, and refuses one changed after verify', async () => {
    publishRun(quietContext(work), manifestFor('0.3.0', v3.built), v3.dist); // lists (and writes) the set of v3 again
    const listed = readFileSync(path.join(v3.dist, 'versions.json'));
    expect(readFileSync(path.join(indexDir, '_sets/0.3.0/versions.json')).equals(listed)).toBe(true);
    const m = manifestFor('0.3.0', v3.built);
    m.assets = [{ filename: 'versions.json', sha256: createHash('sha256').update('other bytes').digest('hex'), size: listed.length }];
    const run = publishRun(quietContext(work), m, v3.dist);
    await expect(createIndexDestination({ dir: 'site/simple' }).publish(run)).rejects.toThrow(/versions\.json changed after `release verify`/);
  });

  it('resumes after a crash: a file copied but never recorded counts as existing, a recorded file that vanished is copied again', async () => {
    const fresh = tempDir();
    try {
      const dir = path.join(fresh, 'idx');
      const core = v3.built.find((b) => b.filename === 'demo_core-0.3.0-py3-none-any.whl')!;
      const cli = v3.built.find((b) => b.filename === 'demo_cli-0.3.0-py3-none-any.whl')!;
      mkdirSync(path.join(dir, 'demo-core'), { recursive: true });
      copyFileSync(path.join(v3.dist, core.filename), path.join(dir, 'demo-core', core.filename));
      // A half-written copy of a killed run (pid 2^22+1 is above Linux's pid_max, so never alive).
      const stale = path.join(dir, 'demo-core', `.${core.filename}.tmp-4194305-abc123`);
      writeFileSync(stale, 'half');
      const m = manifestFor('0.3.0', v3.built);
      m.publish.index = { files: { [cli.filename]: { sha256: cli.sha256, size: cli.size, status: 'uploaded', at: '2026-11-23T12:00:00.000Z' } }, complete: false };
      const run = publishRun(quietContext(fresh), m, v3.dist);
      const result = await createIndexDestination({ dir }).publish(run);
      expect(result.existing).toEqual([core.filename]);
      expect(result.uploaded).toContain(cli.filename);
      expect(m.publish.index!.files[core.filename]!.status).toBe('existing');
      const page = JSON.parse(readFileSync(path.join(dir, 'demo-core/index.json'), 'utf8'));
      expect(page.files.map((f: { filename: string }) => f.filename)).toContain(core.filename);
      expect(existsSync(path.join(dir, 'demo-cli', cli.filename))).toBe(true);
      expect(existsSync(stale)).toBe(false);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('in dry run says what it would write and writes nothing', async () => {
    const fresh = tempDir();
    try {
      const logs: string[] = [];
      const m = manifestFor('0.3.0', v3.built);
      const run = publishRun(quietContext(fresh, { dryRun: true, logs }), m, v3.dist);
      await createIndexDestination({ dir: 'dist/index' }).publish(run);
      expect(existsSync(path.join(fresh, 'dist/index'))).toBe(false);
      expect(logs.join('')).toContain('[dry-run] copy demo_core-0.3.0-py3-none-any.whl');
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
