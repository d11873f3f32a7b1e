import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/manifest.js';
import { repoRoot, runRelease } from '../helpers/cli.js';

const temps: string[] = [];
async function copyExamples(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ww-planit-'));
  temps.push(dir);
  await cp(path.join(repoRoot, 'examples'), dir, { recursive: true, verbatimSymlinks: true });
  return dir;
}
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

describe('release plan (CLI)', () => {
  it('writes dist/release-manifest.json and the matrix to $GITHUB_OUTPUT, without starting any process', async () => {
    const dir = await copyExamples();
    const out = path.join(dir, 'gh-output');
    await writeFile(out, 'earlier=1\n');
    // An empty PATH: any attempt to run git, python or a builder would fail.
    const r = await runRelease(['plan', '--format', 'github'], { cwd: dir, env: { GITHUB_OUTPUT: out, PATH: '/nonexistent' } });
    expect(r.code, r.stderr).toBe(0);
    const manifest = parseManifest(await readFile(path.join(dir, 'dist/release-manifest.json'), 'utf8'), 'm');
    expect(manifest.version).toBe('0.3.0');
    expect(manifest.expected).toHaveLength(6);
    const lines = (await readFile(out, 'utf8')).split('\n');
    expect(lines[0]).toBe('earlier=1');
    const matrix = JSON.parse(lines[1]!.replace(/^matrix=/, ''));
    expect(matrix.include.map((e: { job: string; runner: string }) => [e.job, e.runner])).toEqual([
      ['build-any', 'ubuntu-24.04'],
      ['build-linux-x86_64', 'ubuntu-24.04'],
    ]);
    expect(lines).toContain('version=0.3.0');
    expect(lines).toContain('tag=v0.3.0');
  });

  it('--format table draws the grid on the terminal and writes Markdown to $GITHUB_STEP_SUMMARY', async () => {
    const dir = await copyExamples();
    const summary = path.join(dir, 'summary.md');
    const r = await runRelease(['plan', '--format', 'table'], { cwd: dir, env: { GITHUB_STEP_SUMMARY: summary } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^v0\.3\.0: 3 wheels \+ 3 sdists from 2 jobs/);
    expect(r.stdout).toMatch(/demo-speedups\s+3\.11\s+✓/);
    const md = await readFile(summary, 'utf8');
    expect(md).toContain('| demo-speedups | 3.11 | ✓ |  |');
    expect(md).toContain('| `build-linux-x86_64` | `ubuntu-24.04` | cibuildwheel |  | demo-speedups |');
  });

  it('--format json prints the manifest on stdout, as --json does', async () => {
    const dir = await copyExamples();
    const r = await runRelease(['plan', '--format', 'json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const m = parseManifest(r.stdout, 'stdout');
    expect(m.jobs.map((j) => j.id)).toEqual(['build-any', 'build-linux-x86_64']);
    expect(r.stdout).toBe(await readFile(path.join(dir, 'dist/release-manifest.json'), 'utf8'));
  });

  it('--dist puts the manifest where build, verify and publish read it', async () => {
    const dir = await copyExamples();
    const r = await runRelease(['plan', '--dist', 'out'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(parseManifest(await readFile(path.join(dir, 'out/release-manifest.json'), 'utf8'), 'm').version).toBe('0.3.0');
    const b = await runRelease(['build', '--target', 'macos-arm64', '--dist', 'out'], { cwd: dir });
    expect(b.stderr).toContain('the plan has no build job for target `macos-arm64`');
  });

  it('--json prints the manifest on stdout', async () => {
    const dir = await copyExamples();
    const r = await runRelease(['plan', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const m = parseManifest(r.stdout, 'stdout');
    expect(m.jobs.map((j) => j.id)).toEqual(['build-any', 'build-linux-x86_64']);
  });

  it('an unknown target in release.yaml exits 2 naming the file and suggesting the nearest', async () => {
    const dir = await copyExamples();
    const yaml = await readFile(path.join(dir, 'release.yaml'), 'utf8');
    await writeFile(path.join(dir, 'release.yaml'), yaml.replace('targets: [linux-x86_64]', 'targets: [linux-aarch46]'));
    const r = await runRelease(['plan'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/release\.yaml:12: targets\.0: .*unknown target `linux-aarch46` \(did you mean `linux-aarch64`\?\)/);
  });

  it('a Python no recipe builds exits 2', async () => {
    const dir = await copyExamples();
    const yaml = await readFile(path.join(dir, 'release.yaml'), 'utf8');
    await writeFile(path.join(dir, 'release.yaml'), yaml.replace('python: ["3.11"]', 'python: ["3.11", "3.7"]'));
    const r = await runRelease(['plan'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Python 3\.7 is not supported by any recipe \(package demo-speedups\)/);
  });
});
