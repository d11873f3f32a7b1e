import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorld, execProcess } from '../../src/context.js';
import { createLogger } from '../../src/log.js';
import { childEnvironment, clearSecrets, redact, registerEnvironmentSecrets, splitUrlCredentials } from '../../src/secrets.js';

afterEach(() => clearSecrets());

describe('the redaction layer', () => {
  it('learns every credential of the environment, by name and inside URLs', () => {
    registerEnvironmentSecrets({
      PYPI_TOKEN: 'tok-pypi-0001',
      MY_SERVICE_PASSWORD: 'hunter2hunter2',
      DEPLOY_API_KEY: 'key-0002-xyz',
      PIP_INDEX_URL: 'https://alice:s%40cret-0003@pypi.example.invalid/simple/',
      CI: 'true',
      HOME: '/home/someone',
    });
    const text = 'a tok-pypi-0001 b hunter2hunter2 c key-0002-xyz d s@cret-0003 e s%40cret-0003 /home/someone true';
    expect(redact(text)).toBe('a *** b *** c *** d *** e *** /home/someone true');
  });

  it('hides the password of any URL with userinfo, registered or not', () => {
    expect(redact('fetch https://bob:p4ss-word@host.invalid/simple/ failed')).toBe('fetch https://bob:***@host.invalid/simple/ failed');
  });

  it('hides a literal Authorization credential but keeps a shell expansion that computes one (a generated workflow)', () => {
    const literal = `Authorization: Basic ${Buffer.from('x-access-token:ghs_secretsecret').toString('base64')}`;
    expect(redact(literal)).toBe('Authorization: Basic ***');
    const workflow = `auth="AUTHORIZATION: basic $(printf 'x-access-token:%s' "$TOKEN" | base64 | tr -d '\\n')"`;
    expect(redact(workflow)).toBe(workflow);
  });

  it('replaces a longer secret whole when it contains a shorter one', () => {
    registerEnvironmentSecrets({ A_TOKEN: 'abcd', B_TOKEN: 'abcdefgh' });
    expect(redact('x abcdefgh y')).toBe('x *** y');
  });

  it('splits an index URL into a clean URL and Basic auth, and never prints the password', () => {
    const { url, authorization } = splitUrlCredentials('https://user:t0ken%2Fx@idx.invalid/simple/');
    expect(url).toBe('https://idx.invalid/simple/');
    expect(authorization).toBe(`Basic ${Buffer.from('user:t0ken/x').toString('base64')}`);
    expect(redact(`${authorization} t0ken/x`)).not.toMatch(/t0ken|dXNlcjp0MGtlbi94/);
  });
});

describe('children and files', () => {
  it('a child gets no publishing credential, by name or copied under another name, and keeps the build\'s own', () => {
    const env = childEnvironment({ GITHUB_TOKEN: 'gt-value-5678', AWS_SESSION_TOKEN: 'k-1234', CARGO_REGISTRY_TOKEN: 'c-1234', COPY: 'gt-value-5678', PIP_INDEX_URL: 'https://u:p-9@host.invalid/simple/', PATH: '/usr/bin' });
    expect(env).toEqual({ AWS_SESSION_TOKEN: 'k-1234', CARGO_REGISTRY_TOKEN: 'c-1234', PIP_INDEX_URL: 'https://u:p-9@host.invalid/simple/', PATH: '/usr/bin' });
    // A username is dropped by name only: USER holding the same value stays.
    expect(childEnvironment({ TWINE_USERNAME: 'alice', USER: 'alice', UV_PUBLISH_USERNAME: '__token__', TWINE_PASSWORD: 'tw-secret-1' })).toEqual({ USER: 'alice', UV_PUBLISH_USERNAME: '__token__' });
  });

  it('a child process gets no publishing credential', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { PYPI_TOKEN: 'pt-1234', GITHUB_TOKEN: 'gt-1234', RELEASE_TOKEN: 'rt-1234', TWINE_PASSWORD: 'tw-1234', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oi-1234' });
    try {
      expect(Object.keys(childEnvironment()).filter((k) => /TOKEN|TWINE/.test(k))).toEqual([]);
      const r = await execProcess('sh', ['-c', 'env'], { env: { EXTRA: 'given' } });
      expect(r.stdout).not.toMatch(/pt-1234|gt-1234|rt-1234|tw-1234|oi-1234/);
      expect(r.stdout).toContain('EXTRA=given');
    } finally {
      process.env = saved;
    }
  });

  it('text written through the world carries no registered secret', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ww-sec-'));
    try {
      registerEnvironmentSecrets({ GITHUB_TOKEN: 'ghs_planted0000000000000000000000' });
      const world = createWorld({ dryRun: false, log: createLogger({ quiet: true, stderr: () => undefined }), distDir: path.join(dir, 'dist') });
      await world.writeFile(path.join(dir, 'CHANGELOG.md'), 'leak: ghs_planted0000000000000000000000\n');
      expect(readFileSync(path.join(dir, 'CHANGELOG.md'), 'utf8')).toBe('leak: ***\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
