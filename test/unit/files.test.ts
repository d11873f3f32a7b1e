import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { SIZE_CAPS, plainNameProblem, readUserFileSync, userDirReader } from '../../src/files.js';

const base = mkdtempSync(path.join(os.tmpdir(), 'ww-files-'));
const repo = path.join(base, 'repo');
const outside = path.join(base, 'outside.txt');
mkdirSync(path.join(repo, '.git'), { recursive: true });
mkdirSync(path.join(repo, 'changes'), { recursive: true });
writeFileSync(outside, 'secret outside\n');
writeFileSync(path.join(repo, 'changes/1.feature.md'), 'A feature.\n');
symlinkSync('1.feature.md', path.join(repo, 'changes/2.feature.md'));
symlinkSync(outside, path.join(repo, 'changes/3.feature.md'));
symlinkSync('/dev/zero', path.join(repo, 'changes/4.feature.md'));
symlinkSync('missing.md', path.join(repo, 'changes/5.feature.md'));
symlinkSync('.', path.join(repo, 'changes/6.feature.md'));
mkdirSync(path.join(repo, 'changes/7.feature.md'));
execFileSync('mkfifo', [path.join(repo, 'changes/8.feature.md')]);
writeFileSync(path.join(repo, 'changes/9.feature.md'), Buffer.from([0x41, 0x42, 0xff, 0x43]));
writeFileSync(path.join(repo, 'changes/10.feature.md'), 'x'.repeat(SIZE_CAPS.fragment + 1));
symlinkSync('11.feature.md', path.join(repo, 'changes/11.feature.md'));
mkdirSync(path.join(base, 'elsewhere'));
writeFileSync(path.join(base, 'elsewhere/1.feature.md'), 'secret elsewhere\n');
symlinkSync(path.join(base, 'elsewhere'), path.join(repo, 'linked'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const read = (name: string) => readUserFileSync(path.join(repo, 'changes', name), { kind: 'fragment' });

describe('readUserFileSync', () => {
  it('reads a regular file and a symlink that stays inside the repository', () => {
    expect(read('1.feature.md')).toBe('A feature.\n');
    expect(read('2.feature.md')).toBe('A feature.\n');
  });

  it.each([
    ['3.feature.md', /outside the repository/],
    ['4.feature.md', /outside the repository/],
    ['5.feature.md', /dangling/],
    ['6.feature.md', /directory/],
    ['7.feature.md', /directory/],
    ['8.feature.md', /named pipe/],
    ['9.feature.md', /not valid UTF-8 \(byte offset 2\)/],
    ['10.feature.md', /more than the 262144 bytes a fragment file may have/],
    ['11.feature.md', /symlink loop/],
    ['12.feature.md', /not found/],
  ])('refuses %s with a config error naming the file', (name, message) => {
    let err: unknown;
    try {
      read(name);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    expect((err as ConfigError).file).toBe(path.join(repo, 'changes', name));
    expect((err as ConfigError).message).toMatch(message);
  });

  it('reads a device or an outside file only where the caller said the path is the user\'s own (root: null)', () => {
    expect(readUserFileSync(path.join(repo, 'changes/3.feature.md'), { kind: 'fragment', root: null })).toBe('secret outside\n');
    expect(() => readUserFileSync('/dev/zero', { kind: 'fragment', root: null })).toThrow(/a device, not a regular file/);
  });

  it('gives null for a missing optional file but an error for a dangling optional one', () => {
    expect(readUserFileSync(path.join(repo, 'nope'), { kind: 'config', optional: true })).toBeNull();
    expect(() => readUserFileSync(path.join(repo, 'changes/5.feature.md'), { kind: 'config', optional: true })).toThrow(/dangling/);
  });
});

describe('userDirReader', () => {
  const names = Array.from({ length: 12 }, (_, i) => `${i + 1}.feature.md`);
  const outcome = (f: () => string) => {
    try {
      return { text: f() };
    } catch (e) {
      return { error: (e as ConfigError).message, file: (e as ConfigError).file, exitCode: (e as ConfigError).exitCode };
    }
  };

  it('reads or refuses every file exactly as readUserFileSync does', () => {
    const dir = path.join(repo, 'changes');
    const reader = userDirReader(dir, { kind: 'fragment', root: repo });
    const fast = names.map((n) => outcome(() => reader(n)));
    expect(fast).toEqual(names.map((n) => outcome(() => readUserFileSync(path.join(dir, n), { kind: 'fragment', root: repo }))));
    expect(fast[0]).toEqual({ text: 'A feature.\n' });
    expect(fast.filter((o) => 'error' in o)).toHaveLength(10);
  });

  it('reads or refuses the entries of a listing exactly as readUserFileSync does, the regular files without an fstat', () => {
    const dir = path.join(repo, 'changes');
    const reader = userDirReader(dir, { kind: 'fragment', root: repo });
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    const listed = entries.map((e) => outcome(() => reader(e)));
    expect(listed).toEqual(entries.map((e) => outcome(() => readUserFileSync(path.join(dir, e.name), { kind: 'fragment', root: repo }))));
    expect(listed.filter((o) => 'text' in o)).toHaveLength(2);
    // A regular file over the cap is listed as a file and still refused with the cap's message.
    expect(entries.find((e) => e.name === '10.feature.md')?.isFile()).toBe(true);
  });

  it('refuses a FIFO swapped in after the listing called the name a regular file', () => {
    const dir = path.join(repo, 'changes');
    const reader = userDirReader(dir, { kind: 'fragment', root: repo });
    // The listing's word is stale: 8.feature.md is a FIFO (with no writer, it reads as end of file at once).
    const stale = { name: '8.feature.md', isFile: () => true };
    expect(outcome(() => reader(stale))).toEqual(outcome(() => readUserFileSync(path.join(dir, '8.feature.md'), { kind: 'fragment', root: repo })));
    expect(outcome(() => reader(stale))).toMatchObject({ error: expect.stringMatching(/not a regular file/) });
    // An empty regular file still reads as empty.
    mkdirSync(path.join(repo, 'empty'));
    writeFileSync(path.join(repo, 'empty/1.feature.md'), '');
    const [entry] = readdirSync(path.join(repo, 'empty'), { withFileTypes: true });
    expect(userDirReader(path.join(repo, 'empty'), { kind: 'fragment', root: repo })(entry!)).toBe('');
  });

  it('checks an empty listed file on the fd it opened, not by opening its path again', () => {
    // The reader's directory is a link; by the time the empty file is read, the link leads elsewhere.
    // The file opened is the one read: a second open by path would read the other directory's file.
    mkdirSync(path.join(repo, 'swap-a'));
    mkdirSync(path.join(repo, 'swap-b'));
    writeFileSync(path.join(repo, 'swap-a/1.feature.md'), '');
    writeFileSync(path.join(repo, 'swap-b/1.feature.md'), 'swapped in\n');
    symlinkSync('swap-a', path.join(repo, 'swap'));
    const [entry] = readdirSync(path.join(repo, 'swap'), { withFileTypes: true });
    const reader = userDirReader(path.join(repo, 'swap'), { kind: 'fragment', root: repo });
    rmSync(path.join(repo, 'swap'));
    symlinkSync('swap-b', path.join(repo, 'swap'));
    expect(reader(entry!)).toBe('');
  });

  it('refuses the files of a directory that is a symlink out of the repository', () => {
    const reader = userDirReader(path.join(repo, 'linked'), { kind: 'fragment', root: repo });
    expect(outcome(() => reader('1.feature.md'))).toMatchObject({ error: expect.stringMatching(/outside the repository/), file: path.join(repo, 'linked/1.feature.md') });
  });
});

describe('plainNameProblem', () => {
  it.each(['../../escape-0.4.0-py3-none-any.whl', 'a/b.whl', 'a\\b.whl', '..', '.', '', 'a\nb'])('refuses %j', (n) => {
    expect(plainNameProblem(n)).not.toBeNull();
  });
  it('accepts a plain name', () => expect(plainNameProblem('pkg-1.0-py3-none-any.whl')).toBeNull());
});
