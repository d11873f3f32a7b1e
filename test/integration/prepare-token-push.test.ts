// `release prepare --push` with RELEASE_TOKEN over real smart HTTP (git http-backend behind a local server that checks
// the Authorization header): the token replaces the header actions/checkout persisted, and never shows in the output.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runRelease } from '../helpers/cli.js';
import { git } from '../helpers/gitdir.js';
import { hasCommand, requireTools, hasTowncrierOracle } from '../helpers/tools.js';
import { exampleRepo, fingerprint, type Fixture } from './prepare-fixture.js';

const PAT = 'github_pat_releasetoken0000000000000000';
const CHECKOUT_TOKEN = 'ghs_checkouttoken000000000000000000000';
const basic = (token: string) => `basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;

const backend = path.join(execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim(), 'git-http-backend');

interface GitHttpServer {
  url: string;
  /** The Authorization header of every request, in order. */
  seen: (string | undefined)[];
  close(): Promise<void>;
}

/** Smart HTTP for the bare repositories under `root`, answering 401 unless Authorization is `basic x-access-token:PAT`. */
async function startGitHttp(root: string): Promise<GitHttpServer> {
  const seen: (string | undefined)[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers.authorization);
    if (req.headers.authorization?.toLowerCase() !== basic(PAT).toLowerCase()) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
      res.end('bad credentials\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const child = spawn(backend, [], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        REMOTE_USER: 'x-access-token',
        REMOTE_ADDR: '127.0.0.1',
        REQUEST_METHOD: req.method,
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      },
    });
    req.pipe(child.stdin);
    // CGI: header lines, a blank line, then the body.
    let head = Buffer.alloc(0);
    let body = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (body) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      let status = 200;
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const [k, ...v] = line.split(':');
        if (k!.toLowerCase() === 'status') status = Number.parseInt(v.join(':').trim(), 10);
        else res.setHeader(k!, v.join(':').trim());
      }
      res.writeHead(status);
      body = true;
      res.write(head.subarray(end + 4));
    });
    child.on('close', () => res.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const fixtures: Fixture[] = [];
const servers: GitHttpServer[] = [];
afterEach(async () => {
  while (fixtures.length) fixtures.pop()!.cleanup();
  while (servers.length) await servers.pop()!.close();
});

/** A copy of examples/ whose origin is served over HTTP, with the header actions/checkout would have persisted. */
async function setup() {
  const fx = exampleRepo();
  fixtures.push(fx);
  const root = mkdtempSync(path.join(os.tmpdir(), 'ww-http-'));
  fixtures.push({ dir: root, cleanup: () => rmSync(root, { recursive: true, force: true }) });
  const bare = path.join(root, 'demo.git');
  execFileSync('git', ['clone', '-q', '--bare', fx.dir, bare]);
  const srv = await startGitHttp(root);
  servers.push(srv);
  git(fx.dir, 'remote', 'add', 'origin', `${srv.url}/demo.git`);
  git(fx.dir, 'config', `http.${srv.url}/.extraheader`, `AUTHORIZATION: ${basic(CHECKOUT_TOKEN)}`);
  return { dir: fx.dir, bare, srv };
}

const ok = requireTools('release prepare --push over http', [
  ['towncrier 26.9.0 (.ci/setup extracts it)', hasTowncrierOracle()],
  ['git-http-backend', hasCommand(backend)],
]);

describe.skipIf(!ok)('release prepare --push with RELEASE_TOKEN', () => {
  it('on GitHub Actions, pushes with RELEASE_TOKEN instead of the checkout token, and never prints it', async () => {
    const { dir, bare, srv } = await setup();
    const r = await runRelease(['prepare', '--bump', 'minor', '--date', '2026-11-23', '--push'], {
      cwd: dir,
      env: { GITHUB_ACTIONS: 'true', RELEASE_TOKEN: PAT },
    });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    expect(git(bare, 'rev-parse', 'v0.4.0^{commit}')).toBe(git(dir, 'rev-parse', 'HEAD'));
    expect(git(bare, 'rev-parse', 'main')).toBe(git(dir, 'rev-parse', 'HEAD'));
    // ls-remote (preflight) and push both went out with the release token only
    expect(r.stderr).toContain('pushing with RELEASE_TOKEN: the tag starts `on: push: tags` workflows');
    expect(srv.seen.length).toBeGreaterThanOrEqual(2);
    expect(srv.seen.every((h) => h === basic(PAT))).toBe(true);
    // on Actions the runner is asked to mask both forms; apart from that request the token appears nowhere
    expect(r.stdout).toContain(`::add-mask::${PAT}\n`);
    const shown = r.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n');
    for (const out of [shown, r.stderr]) {
      expect(out).not.toContain(PAT);
      expect(out).not.toContain(Buffer.from(`x-access-token:${PAT}`).toString('base64'));
    }
  });

  it('control: with only the checkout token the server refuses, and prepare fails in preflight leaving nothing', async () => {
    const { dir, bare, srv } = await setup();
    const before = fingerprint(dir);
    const remoteBefore = git(bare, 'for-each-ref');
    const r = await runRelease(['prepare', '--bump', 'minor', '--date', '2026-11-23', '--push'], { cwd: dir, env: { RELEASE_TOKEN: '' } });
    expect(r.stderr).toMatch(/could not ask remote `origin` whether refs\/tags\/v0\.4\.0 exists/);
    expect(r.code).toBe(6);
    expect(srv.seen).toContain(basic(CHECKOUT_TOKEN));
    expect(fingerprint(dir)).toEqual(before);
    expect(git(bare, 'for-each-ref')).toBe(remoteBefore);
  });
});
