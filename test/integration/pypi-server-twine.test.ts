import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execProcess } from '../../src/context.js';
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
