// Twenty real projects' towncrier setups (config, template, fragments, changelog head at a pinned
// commit; see test/fixtures/notes/real/): `release notes draft` prints, and the changelog `release
// prepare` writes holds, the bytes towncrier 26.9.0 produced on them. Where the oracle is installed
// (CI installs it), it is run again on each case, so a recording cannot drift from it.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/context.js';
import { renderReleaseWith } from '../../src/notes/release.js';
import { runRelease } from '../helpers/cli.js';
import { hasTowncrierOracle, requireTools, towncrierOracle } from '../helpers/tools.js';

const REAL = path.resolve(import.meta.dirname, '../fixtures/notes/real');
interface Case {
  name: string;
  version: string;
  date: string;
  projectName: string | null;
  changelog: string;
  removed: string[];
}
const cases: Case[] = readdirSync(REAL, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => {
    const info = JSON.parse(readFileSync(path.join(REAL, d.name, 'case.json'), 'utf8'));
    return { name: d.name, version: info.version, date: info.date, projectName: info.name, changelog: info.changelog, removed: info.removed };
  });

const root = mkdtempSync(path.join(os.tmpdir(), 'ww-notes-real-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
function copyOf(c: Case, what: string): string {
  const dir = path.join(root, `${c.name}-${what}`);
  cpSync(path.join(REAL, c.name, 'tree'), dir, { recursive: true });
  return dir;
}
const args = (c: Case) => ['--version', c.version, '--date', c.date, ...(c.projectName ? ['--name', c.projectName] : [])];
const expected = (c: Case, f: string) => readFileSync(path.join(REAL, c.name, f), 'utf8');

describe('real towncrier projects, as towncrier 26.9.0 renders them', () => {
  it('has at least 15 projects, recorded from towncrier 26.9.0', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
    for (const c of cases) expect(JSON.parse(readFileSync(path.join(REAL, c.name, 'case.json'), 'utf8')).oracle).toMatch(/version 26\.9\.0$/);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: notes draft prints the same bytes', async (_n, c) => {
    const r = await runRelease(['notes', 'draft', ...args(c)], { cwd: copyOf(c, 'draft') });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected(c, 'expected-draft.txt'));
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: the changelog release prepare writes is the same file', async (_n, c) => {
    const dir = copyOf(c, 'build');
    const ctx = createContext({ cwd: dir });
    const r = await renderReleaseWith(ctx, { root: dir, version: c.version, date: c.date, name: c.projectName ?? undefined, consolidate: false }, {});
    expect(path.relative(dir, r.changelogFile)).toBe(c.changelog);
    expect(r.changelogAfter).toBe(expected(c, 'expected-changelog.txt'));
    expect(r.fragmentFiles.map((f) => path.relative(dir, f)).sort()).toEqual(c.removed);
  });
});

const live = requireTools('towncrier 26.9.0 oracle', [['towncrier 26.9.0 (.ci/setup extracts it)', hasTowncrierOracle()]]);
describe.skipIf(!live)('the recordings still hold against the live towncrier 26.9.0', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const o = towncrierOracle();
    const r = spawnSync(o.cmd, [...o.args, 'build', '--draft', ...args(c)], { cwd: copyOf(c, 'live'), env: o.env, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(expected(c, 'expected-draft.txt'));
  });
});
