// Differential test: `release notes draft` against Debian's towncrier 22.12 on a generated corpus.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runRelease } from '../helpers/cli.js';
import { writeTree } from '../helpers/gitdir.js';
import { hasCommand, requireTools } from '../helpers/tools.js';
import { generateCorpus } from '../fixtures/notes/corpus.js';

const ok = requireTools('towncrier parity', [['towncrier', hasCommand('towncrier')]]);

function towncrierVersion(): string {
  return execFileSync('/usr/bin/python3', ['-c', 'import towncrier; print(towncrier.__version__.public())'], { encoding: 'utf8' }).trim();
}

describe.skipIf(!ok)('notes draft is byte-identical to towncrier build --draft', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ww-notes-corpus-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const corpus = generateCorpus();

  it('runs against towncrier 22.12 with at least 30 repositories', () => {
    expect(towncrierVersion()).toBe('22.12.0');
    expect(corpus.length).toBeGreaterThanOrEqual(30);
  });

  it.each(corpus.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const dir = path.join(root, c.id);
    writeTree(dir, c.tree);
    const args = ['--version', c.version, '--date', c.date, '--name', c.name];
    const theirs = spawnSync('towncrier', ['build', '--draft', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8' } });
    expect(theirs.status, `towncrier failed on ${c.id}: ${theirs.stderr}`).toBe(0);
    const ours = await runRelease(['notes', 'draft', ...args], { cwd: dir });
    expect(ours.stderr).toBe('');
    expect(ours.code).toBe(0);
    expect(ours.stdout).toBe(theirs.stdout);
  });
});
