import { describe, expect, it } from 'vitest';
import { listPaths, parsePorcelainZ } from '../../src/git/status.js';
import { httpOrigin, tokenPushEnv } from '../../src/git/auth.js';
import { redact } from '../../src/secrets.js';

describe('git status porcelain -z', () => {
  it('reads staged, modified and untracked entries with paths that contain spaces and arrows', () => {
    const out = 'M  VERSION\0 M CHANGELOG.md\0?? changes/12 -> x.md\0';
    expect(parsePorcelainZ(out)).toEqual([
      { path: 'VERSION', index: 'M', worktree: ' ' },
      { path: 'CHANGELOG.md', index: ' ', worktree: 'M' },
      { path: 'changes/12 -> x.md', index: '?', worktree: '?' },
    ]);
  });

  it('takes the source of a rename from the next NUL field', () => {
    expect(parsePorcelainZ('R  new.md\0old.md\0D  gone.txt\0')).toEqual([
      { path: 'new.md', from: 'old.md', index: 'R', worktree: ' ' },
      { path: 'gone.txt', index: 'D', worktree: ' ' },
    ]);
  });

  it('an empty status is a clean tree', () => {
    expect(parsePorcelainZ('')).toEqual([]);
  });

  it('lists at most ten paths and counts the rest', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ path: `f${i}` }));
    expect(listPaths(many)).toBe('f0, f1, f2, f3, f4, f5, f6, f7, f8, f9 and 2 more');
    expect(listPaths([{ path: 'a.txt' }, { path: 'b.txt' }])).toBe('a.txt, b.txt');
  });
});

describe('pushing with RELEASE_TOKEN', () => {
  it('only http(s) remotes get a header; ssh and local paths need none', () => {
    expect(httpOrigin('https://user:pw@github.com/o/r.git')).toBe('https://github.com/');
    expect(httpOrigin('git@github.com:o/r.git')).toBeNull();
    expect(httpOrigin('/tmp/remote.git')).toBeNull();
    expect(tokenPushEnv('/tmp/remote.git', 'tok-123456')).toBeNull();
  });

  it('resets the checkout header under the same key, then sets the token as basic auth, after existing GIT_CONFIG entries', () => {
    const env = tokenPushEnv('https://github.com/o/r', 'ghp_abcdefghijklmnopqrstuvwxyz0123', { GIT_CONFIG_COUNT: '1' })!;
    expect(env.GIT_CONFIG_COUNT).toBe('3');
    expect(env.GIT_CONFIG_KEY_1).toBe('http.https://github.com/.extraheader');
    expect(env.GIT_CONFIG_VALUE_1).toBe('');
    expect(env.GIT_CONFIG_KEY_2).toBe('http.https://github.com/.extraheader');
    const basic = Buffer.from('x-access-token:ghp_abcdefghijklmnopqrstuvwxyz0123').toString('base64');
    expect(env.GIT_CONFIG_VALUE_2).toBe(`AUTHORIZATION: basic ${basic}`);
    // the token and its base64 form are registered as secrets, so no log line can carry them
    expect(redact(`header ${basic}`)).toBe('header ***');
  });
});
