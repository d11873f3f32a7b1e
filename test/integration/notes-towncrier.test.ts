// Differential test: `release notes draft` against the newest towncrier (26.9.0) on a generated corpus.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runRelease } from '../helpers/cli.js';
import { writeTree } from '../helpers/gitdir.js';
import { hasTowncrierOracle, requireTools, towncrierOracle } from '../helpers/tools.js';
import { generateCorpus } from '../fixtures/notes/corpus.js';

const ok = requireTools('towncrier parity', [['towncrier 26.9.0 (.ci/setup extracts it)', hasTowncrierOracle()]]);
const oracle = towncrierOracle();

function towncrierVersion(): string {
  return spawnSync(oracle.cmd, ['-c', 'import importlib.metadata as m; print(m.version("towncrier"))'], { env: oracle.env, encoding: 'utf8' }).stdout.trim();
}

describe.skipIf(!ok)('notes draft is byte-identical to towncrier build --draft', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ww-notes-corpus-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const corpus = generateCorpus();

  it('runs against towncrier 26.9.0 with at least 30 repositories', () => {
    expect(towncrierVersion()).toBe('26.9.0');
    expect(corpus.length).toBeGreaterThanOrEqual(30);
  });

  it.each(corpus.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const dir = path.join(root, c.id);
    writeTree(dir, c.tree);
    const args = ['--version', c.version, '--date', c.date, '--name', c.name];
    const theirs = spawnSync(oracle.cmd, [...oracle.args, 'build', '--draft', ...args], { cwd: dir, encoding: 'utf8', env: oracle.env });
    expect(theirs.status, `towncrier failed on ${c.id}: ${theirs.stderr}`).toBe(0);
    const ours = await runRelease(['notes', 'draft', ...args], { cwd: dir });
    expect(ours.stderr).toBe('');
    expect(ours.code).toBe(0);
    expect(ours.stdout).toBe(theirs.stdout);
  });
});
