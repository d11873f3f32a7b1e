// The prepare pipeline in-process on a small real repository, with the notes engine replaced by fixed notes:
// what is tested here is the git side (commit, tag, rm, restore), independent of rendering.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createContext } from '../../src/context.js';
import { WheelwrightError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { git, tempRepo } from '../helpers/gitdir.js';
import { addHook, fingerprint, tagMessage } from './prepare-fixture.js';

const NOTES = '## proj 1.1.0 (2026-11-23)\n\n### Features\n\n- Fast. (#1)\n';

vi.mock('../../src/notes/release.js', () => ({
  renderRelease: vi.fn(async (_ctx: unknown, opts: { root: string; version: string }) => {
    const changelogFile = path.join(opts.root, 'CHANGELOG.md');
    const before = readFileSync(changelogFile, 'utf8');
    return {
      notes: NOTES.replace('1.1.0', opts.version),
      changelogFile,
      changelogBefore: before,
      changelogAfter: before.replace('<!-- start -->\n', `<!-- start -->\n\n${NOTES.replace('1.1.0', opts.version)}\n`),
      fragmentFiles: [path.join(opts.root, 'changes/1.feature.md')],
      source: 'towncrier',
    };
  }),
}));

const { prepareRelease } = await import('../../src/prepare/steps.js');

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function project() {
  const r = tempRepo({
    'release.yaml': 'packages: []\n',
    VERSION: '1.0.0\n',
    'CHANGELOG.md': '# Log\n<!-- start -->\n',
    'changes/1.feature.md': 'Fast.\n',
  });
  cleanups.push(r.cleanup);
  return r.dir;
}

function run(dir: string, o: { bump?: 'minor'; version?: string; dryRun?: boolean; env?: Record<string, string> } = {}) {
  const lines: string[] = [];
  const sink = (s: string) => void lines.push(s);
  const ctx = createContext({ cwd: dir, dryRun: o.dryRun, env: { ...process.env, ...o.env }, log: createLogger({ stderr: sink, stdout: sink }) });
  return { lines, done: prepareRelease(ctx, { bump: o.bump, version: o.version, date: '2026-11-23', push: false, pr: false }) };
}

describe('prepare pipeline (fixed notes)', () => {
  it('writes VERSION and the changelog, removes the fragment, commits and tags with the notes', async () => {
    const dir = project();
    const state = await run(dir, { bump: 'minor' }).done;
    expect(state.need('next')).toBe('1.1.0');
    expect(readFileSync(path.join(dir, 'VERSION'), 'utf8')).toBe('1.1.0\n');
    expect(readFileSync(path.join(dir, 'CHANGELOG.md'), 'utf8')).toBe(`# Log\n<!-- start -->\n\n${NOTES}\n`);
    expect(git(dir, 'ls-files')).toBe('CHANGELOG.md\nVERSION\nrelease.yaml');
    expect(git(dir, 'log', '-1', '--format=%B')).toBe('release: 1.1.0');
    expect(tagMessage(dir, 'v1.1.0')).toBe(NOTES);
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  it('dry run changes nothing and says what it would run', async () => {
    const dir = project();
    const before = fingerprint(dir);
    const { lines, done } = run(dir, { bump: 'minor', dryRun: true });
    await done;
    expect(fingerprint(dir)).toEqual(before);
    const out = lines.join('');
    expect(out).toContain('version: 1.0.0 → 1.1.0');
    expect(out).toMatch(/\[dry-run\] write .*VERSION/);
    expect(out).toContain('[dry-run] $ git rm -q -- changes/1.feature.md');
  });

  it('a failing commit-msg hook: the error says what failed and that nothing changed', async () => {
    const dir = project();
    addHook(dir, 'commit-msg', '#!/bin/sh\necho "commit message must reference an issue" >&2\nexit 1\n');
    const before = fingerprint(dir);
    const err = await run(dir, { bump: 'minor' }).done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WheelwrightError);
    expect((err as Error).message).toMatch(/^commit: git commit failed: commit message must reference an issue/);
    expect((err as Error).message).toContain('Nothing was changed');
    expect(fingerprint(dir)).toEqual(before);
  });

  it('a failure after staging restores the index and the removed fragment', async () => {
    const dir = project();
    const before = fingerprint(dir);
    const { done } = run(dir, { bump: 'minor', env: { WHEELWRIGHT_TEST_FAIL_AFTER_STEP: 'stage the release files' } });
    const err = await done.catch((e: unknown) => e);
    expect((err as Error).message).toContain('injected failure after `stage the release files`');
    expect(fingerprint(dir)).toEqual(before);
    expect(readFileSync(path.join(dir, 'changes/1.feature.md'), 'utf8')).toBe('Fast.\n');
  });
});
