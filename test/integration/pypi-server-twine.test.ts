import { createHash } from 'node:crypto';
import http from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { execProcess } from '../../src/context.js';
import { multipartBody } from '../../src/publish/pypi/multipart.js';
import { hasCommand, hasPythonModule, requireTools } from '../helpers/tools.js';
import { startPypiServer, type PypiServer } from '../servers/pypi.js';
import { makeWheelBuffer, wheelFilename, writeSdist, writeWheel } from '../servers/pypi/make-dist.js';

// Real twine (Debian) against the test server: it must get the answers PyPI would give.
const ok = requireTools('twine against the test PyPI server', [
  ['/usr/bin/python3', hasCommand('/usr/bin/python3')],
  ['twine (python3-twine)', hasPythonModule('twine')],
]);

function twine(server: PypiServer, files: string[], extra: string[] = [], password = server.token) {
  return execProcess(
    '/usr/bin/python3',
    ['-m', 'twine', 'upload', '--non-interactive', '--disable-progress-bar', '--repository-url', server.uploadUrl, '-u', '__token__', '-p', password, ...extra, ...files],
    { reject: false, env: { COLUMNS: '400', TWINE_USERNAME: undefined, TWINE_PASSWORD: undefined, TWINE_REPOSITORY_URL: undefined } },
  );
}

describe.skipIf(!ok)('test PyPI server with real twine', () => {
  let server: PypiServer;
  let dir: string;
  beforeAll(async () => {
    server = await startPypiServer();
    dir = await mkdtemp(path.join(os.tmpdir(), 'ww-twine-'));
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts a first upload and stores the file with the sha256 twine computed', async () => {
    const whl = await writeWheel(dir, { name: 'demo-core', version: '0.3.0' });
    const r = await twine(server, [whl]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const stored = server.file(path.basename(whl));
    expect(stored?.project).toBe('demo-core');
    expect(stored?.version).toBe('0.3.0');
    expect(server.stats().stored).toBe(1);
  });

  it('answers an identical re-upload with 200 and stores nothing', async () => {
    const whl = path.join(dir, wheelFilename({ name: 'demo-core', version: '0.3.0' }));
    const r = await twine(server, [whl]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(server.stats().identical).toBe(1);
    expect(server.files()).toHaveLength(1);
  });

  it('rejects other content under the same filename with "File already exists", and --skip-existing skips it', async () => {
    const other = path.join(dir, 'other');
    const whl = await writeWheel(other, { name: 'demo-core', version: '0.3.0', seed: 7 });
    const r = await twine(server, [whl]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/HTTPError: 400 Bad Request from \S+\s+File already exists \('demo_core-0\.3\.0-py3-none-any\.whl', with blake2_256 hash '[0-9a-f]{64}'\)/);
    const skip = await twine(server, [whl], ['--skip-existing']);
    expect(skip.exitCode, skip.stdout + skip.stderr).toBe(0);
    expect(skip.stdout + skip.stderr).toMatch(/Skipping demo_core-0\.3\.0-py3-none-any\.whl because it appears to already exist/);
    expect(server.file(path.basename(whl))?.sha256).not.toBe(undefined);
    expect(server.files()).toHaveLength(1);
  });

  it('refuses a bad token with 403 and PyPI\'s message', async () => {
    const whl = await writeWheel(path.join(dir, 'bad'), { name: 'demo-core', version: '0.3.1' });
    const r = await twine(server, [whl], [], 'pypi-not-a-real-token');
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/HTTPError: 403 Forbidden from \S+\s+Invalid or non-existent authentication information/);
    expect(server.file(path.basename(whl))).toBeUndefined();
  });

  it('fails twine on the 308 redirect from /legacy without a slash', async () => {
    const whl = await writeWheel(path.join(dir, 'redirect'), { name: 'demo-core', version: '0.3.2' });
    const r = await execProcess('/usr/bin/python3', ['-m', 'twine', 'upload', '--non-interactive', '--disable-progress-bar', '--repository-url', server.uploadUrl.replace(/\/$/, ''), '-u', '__token__', '-p', server.token, whl], { reject: false });
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/redirect/i);
  });

  it('rejects a linux_x86_64 wheel, a non-PEP 625 sdist name and a local version as PyPI does', async () => {
    const d = path.join(dir, 'rules');
    const linux = await writeWheel(d, { name: 'demo-speedups', version: '0.3.0', tag: 'cp311-cp311-linux_x86_64' });
    let r = await twine(server, [linux]);
    expect(r.stdout + r.stderr).toMatch(/Binary wheel 'demo_speedups-0\.3\.0-cp311-cp311-linux_x86_64\.whl' has an unsupported platform tag 'linux_x86_64'/);
    const sdist = await writeSdist(d, { name: 'demo-core', version: '0.3.0', filenameName: 'demo-core' });
    r = await twine(server, [sdist]);
    expect(r.stdout + r.stderr).toMatch(/Filename 'demo-core-0\.3\.0\.tar\.gz' is invalid, should be 'demo_core-0\.3\.0\.tar\.gz'/);
    const local = await writeWheel(d, { name: 'demo-core', version: '0.4.0+local1' });
    r = await twine(server, [local]);
    expect(r.stdout + r.stderr).toMatch(/The use of local versions in '0\.4\.0\+local1' is not allowed/);
    const good = await writeSdist(d, { name: 'demo-core', version: '0.3.0' });
    r = await twine(server, [good]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const second = await writeSdist(path.join(d, 'again'), { name: 'Demo.Core', version: '0.3.0.0', filenameName: 'demo_core', seed: 3 });
    expect(second.endsWith('demo_core-0.3.0.0.tar.gz')).toBe(true);
    r = await twine(server, [second]);
    expect(r.stdout + r.stderr).toMatch(/Only one sdist may be uploaded per release/);
  });

  it('retries a 503 and then succeeds, as twine does', async () => {
    const whl = await writeWheel(path.join(dir, 'retry'), { name: 'demo-core', version: '0.5.0' });
    server.inject({ kind: 'status', status: 503 });
    const r = await twine(server, [whl]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/Received "503: Service Unavailable"/);
    expect(server.file(path.basename(whl))).toBeDefined();
  });

  it('serves what twine uploaded through the simple and JSON APIs', async () => {
    const json = (await (await fetch(`${server.url}/pypi/demo-core/0.3.0/json`)).json()) as { urls: Array<{ filename: string; digests: { sha256: string } }> };
    const whl = server.file('demo_core-0.3.0-py3-none-any.whl')!;
    expect(json.urls.find((u) => u.filename === whl.filename)?.digests.sha256).toBe(whl.sha256);
    const html = await (await fetch(`${server.url}/simple/demo-core/`)).text();
    expect(html).toContain(`#sha256=${whl.sha256}`);
    const buf = makeWheelBuffer({ name: 'demo-core', version: '0.3.0' });
    await writeFile(path.join(dir, 'x.whl'), buf);
    expect(buf.length).toBe(whl.size);
  });
});

describe.skipIf(!ok)('test PyPI server hashing on threads (as bench/publish runs it)', () => {
  let server: PypiServer;
  let dir: string;
  beforeAll(async () => {
    server = await startPypiServer({ hashThreads: 2 });
    dir = await mkdtemp(path.join(os.tmpdir(), 'ww-twine-threads-'));
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores the sha256 and md5 of the bytes twine sends', async () => {
    const whl = await writeWheel(dir, { name: 'demo-core', version: '0.4.0' });
    const r = await twine(server, [whl]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const bytes = await readFile(whl);
    const stored = server.file(path.basename(whl));
    expect(stored?.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(stored?.md5).toBe(createHash('md5').update(bytes).digest('hex'));
  });

  /** Two uploads whose bodies complete in the same tick (all but their last byte go out first); their statuses. */
  async function together(uploads: Array<{ file: string; filename: string; version: string }>): Promise<number[]> {
    const auth = `Basic ${Buffer.from(`__token__:${server.token}`).toString('base64')}`;
    const requests = await Promise.all(
      uploads.map(async (u) => {
        const bytes = await readFile(u.file);
        const fields: Array<[string, string]> = [
          [':action', 'file_upload'], ['protocol_version', '1'], ['metadata_version', '2.1'], ['name', 'demo-core'], ['version', u.version],
          ['filetype', 'bdist_wheel'], ['pyversion', 'py3'], ['sha256_digest', createHash('sha256').update(bytes).digest('hex')],
        ];
        const form = multipartBody(fields, { path: u.file, filename: u.filename, size: bytes.length });
        const parts: Buffer[] = [];
        await form.write(new Writable({ write: (c: Buffer, _e, cb) => void (parts.push(c), cb()) }));
        const body = Buffer.concat(parts);
        const req = http.request(server.uploadUrl, { method: 'POST', headers: { 'content-type': form.contentType, 'content-length': String(body.length), authorization: auth } });
        const status = new Promise<number>((resolve, reject) => req.on('response', (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject));
        await new Promise<void>((resolve) => req.write(body.subarray(0, body.length - 1), () => resolve()));
        return { req, last: body.subarray(body.length - 1), status };
      }),
    );
    await new Promise((r) => setTimeout(r, 200));
    for (const r of requests) r.req.end(r.last);
    return Promise.all(requests.map((r) => r.status));
  }

  it('settles two uploads of one file that arrive together as one stored and one identical (PyPI\'s unique filename)', async () => {
    const whl = await writeWheel(path.join(dir, 'race'), { name: 'demo-core', version: '0.4.1' });
    const u = { file: whl, filename: path.basename(whl), version: '0.4.1' };
    expect(await together([u, u])).toEqual([200, 200]);
    expect(server.files().filter((f) => f.filename === path.basename(whl))).toHaveLength(1);
    expect(server.stats().identical).toBe(1);
  });

  it('refuses the same bytes under a second name arriving together with the first (PyPI\'s unique sha256)', async () => {
    const whl = await writeWheel(path.join(dir, 'race2'), { name: 'demo-core', version: '0.4.2' });
    const statuses = await together([
      { file: whl, filename: path.basename(whl), version: '0.4.2' },
      { file: whl, filename: path.basename(whl).replace('-0.4.2-', '-0.4.2-1-'), version: '0.4.2' },
    ]);
    expect(statuses.sort()).toEqual([200, 400]);
    expect(server.files().filter((f) => f.version === '0.4.2')).toHaveLength(1);
  });

  it('refuses other content under a stored name, as PyPI does', async () => {
    const other = await writeWheel(path.join(dir, 'other'), { name: 'demo-core', version: '0.4.0', seed: 9 });
    const r = await twine(server, [other]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/File already exists/);
    expect(server.files().filter((f) => f.filename === 'demo_core-0.4.0-py3-none-any.whl')).toHaveLength(1);
  });
});
