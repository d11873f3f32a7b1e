// The local GitHub server answers as GitHub does (PROTOCOLS.md §7), checked with plain HTTP and with octokit.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { githubAssetName } from '../../src/publish/github.js';
import { githubAssetName as serverAssetName, startGithubServer, type GithubServer } from '../servers/github.js';

let gh: GithubServer;
let auth: Record<string, string>;

beforeEach(async () => {
  gh = await startGithubServer({ owner: 'acme', repo: 'demo' });
  auth = { authorization: `Bearer ${gh.token}`, 'content-type': 'application/json' };
});
afterEach(() => gh.close());

async function createRelease(body: Record<string, unknown>) {
  const res = await fetch(`${gh.apiUrl}/repos/acme/demo/releases`, { method: 'POST', headers: auth, body: JSON.stringify(body) });
  return { status: res.status, data: (await res.json()) as Record<string, unknown> };
}

function upload(uploadUrl: string, name: string, body: string) {
  const url = uploadUrl.replace('{?name,label}', `?name=${encodeURIComponent(name)}`);
  return fetch(url, { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body });
}

describe('local GitHub server', () => {
  it('hides drafts from get-by-tag but lists them', async () => {
    const { status } = await createRelease({ tag_name: 'v1', draft: true });
    expect(status).toBe(201);
    expect((await fetch(`${gh.apiUrl}/repos/acme/demo/releases/tags/v1`, { headers: auth })).status).toBe(404);
    const list = (await (await fetch(`${gh.apiUrl}/repos/acme/demo/releases?per_page=100`, { headers: auth })).json()) as Array<{ tag_name: string; draft: boolean }>;
    expect(list).toEqual([expect.objectContaining({ tag_name: 'v1', draft: true })]);
  });

  it('answers 422 already_exists for a second release of a published tag', async () => {
    await createRelease({ tag_name: 'v1' });
    const again = await createRelease({ tag_name: 'v1' });
    expect(again.status).toBe(422);
    expect(again.data.errors).toEqual([{ resource: 'Release', code: 'already_exists', field: 'tag_name' }]);
  });

  it('takes uploads on the upload host only, and answers a duplicate name with the body GitHub recorded', async () => {
    const { data } = await createRelease({ tag_name: 'v1', draft: true });
    const uploadUrl = String(data.upload_url);
    expect(uploadUrl.startsWith(`${gh.uploadUrl}/repos/acme/demo/releases/`)).toBe(true);
    expect(uploadUrl.endsWith('/assets{?name,label}')).toBe(true);
    expect(gh.uploadUrl).not.toBe(gh.apiUrl);
    const onApi = await fetch(`${gh.apiUrl}/repos/acme/demo/releases/${data.id}/assets?name=x.txt`, { method: 'POST', headers: auth, body: 'x' });
    expect(onApi.status).toBe(404);
    const first = await upload(uploadUrl, 'test-upload.txt', 'Hello, world!\n');
    expect(first.status).toBe(201);
    const asset = (await first.json()) as { digest: string; size: number; state: string };
    expect(asset).toMatchObject({ size: 14, state: 'uploaded', digest: 'sha256:d9014c4624844aa5bac314773d6b689ad467fa4e1d1a50a1b8a99d5a95f72ff5' });
    const dup = await upload(uploadUrl, 'test-upload.txt', 'Hello, world!\n');
    expect(dup.status).toBe(422);
    const recorded = JSON.parse(
      readFileSync(path.resolve(import.meta.dirname, '../../node_modules/@octokit/fixtures/scenarios/api.github.com/release-assets-conflict/normalized-fixture.json'), 'utf8'),
    ) as Array<{ status: number; response: unknown }>;
    expect(await dup.json()).toEqual(recorded.find((e) => e.status === 422)!.response);
  });

  it('renames special characters as GitHub does, and the client predicts the same name', async () => {
    const { data } = await createRelease({ tag_name: 'v1', draft: true });
    const res = await upload(String(data.upload_url), 'pkg-1.0+cpu-py3-none-any.whl', 'x');
    expect(((await res.json()) as { name: string }).name).toBe('pkg-1.0.cpu-py3-none-any.whl');
    for (const n of ['a b.txt', '.hidden', 'trailing.', 'ok-1_2.whl', 'x+y~z.tar.gz']) expect(githubAssetName(n)).toBe(serverAssetName(n));
  });

  it('leaves an empty starter asset after an injected 502, and records when a release went public', async () => {
    const { data } = await createRelease({ tag_name: 'v1', draft: true });
    gh.inject({ kind: 'status', status: 502, route: 'upload-asset', starter: true });
    expect((await upload(String(data.upload_url), 'a.txt', 'abc')).status).toBe(502);
    expect(gh.state().releases[0]!.assets).toEqual([expect.objectContaining({ name: 'a.txt', state: 'starter', size: 0 })]);
    await fetch(`${gh.apiUrl}/repos/acme/demo/releases/${data.id}`, { method: 'PATCH', headers: auth, body: JSON.stringify({ draft: false }) });
    const pub = gh.history().find((e) => e.type === 'release-published');
    expect(pub).toMatchObject({ assets: [{ name: 'a.txt', state: 'starter', size: 0 }] });
  });

  it('refuses asset changes on an immutable published release', async () => {
    await gh.close();
    gh = await startGithubServer({ owner: 'acme', repo: 'demo', immutable: true });
    auth.authorization = `Bearer ${gh.token}`;
    const { data } = await createRelease({ tag_name: 'v1' });
    const res = await upload(String(data.upload_url), 'a.txt', 'abc');
    expect(res.status).toBe(422);
    expect(((await res.json()) as { message: string }).message).toBe('Cannot upload assets to an immutable release.');
  });

  it('answers 401 Bad credentials for a wrong token, and works with octokit for pull requests', async () => {
    expect((await fetch(`${gh.apiUrl}/repos/acme/demo`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    const octokit = new Octokit({ auth: gh.token!, baseUrl: gh.apiUrl });
    const pr = await octokit.rest.pulls.create({ owner: 'acme', repo: 'demo', title: 'Release 1.0.0', head: 'release/1.0.0', base: 'main' });
    expect(pr.status).toBe(201);
    const dup = await octokit.rest.pulls.create({ owner: 'acme', repo: 'demo', title: 'again', head: 'release/1.0.0', base: 'main' }).catch((e: { status: number }) => e);
    expect((dup as { status: number }).status).toBe(422);
    const open = await octokit.rest.pulls.list({ owner: 'acme', repo: 'demo', head: 'acme:release/1.0.0', state: 'open' });
    expect(open.data.map((p) => p.number)).toEqual([pr.data.number]);
  });

  it('rate-limits with Retry-After, and hangs until the client gives up', async () => {
    gh.inject({ kind: 'rate-limit', status: 403, retryAfter: 7, route: 'get-repo' });
    const limited = await fetch(`${gh.apiUrl}/repos/acme/demo`, { headers: auth });
    expect(limited.status).toBe(403);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(((await limited.json()) as { message: string }).message).toMatch(/secondary rate limit/);
    gh.inject({ kind: 'hang', route: 'get-repo' });
    const hung = await fetch(`${gh.apiUrl}/repos/acme/demo`, { headers: auth, signal: AbortSignal.timeout(200) }).catch((e: Error) => e);
    expect(hung).toBeInstanceOf(Error);
  });
});
