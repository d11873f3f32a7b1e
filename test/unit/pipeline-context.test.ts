import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { createContext } from '../../src/context.js';
import { ConfigError, ExitCode, InternalError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { runSteps, type Step } from '../../src/pipeline.js';
import { clearSecrets, redact, registerSecret } from '../../src/secrets.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function capture(opts: { dryRun?: boolean } = {}) {
  const lines: string[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ww-ctx-'));
  dirs.push(dir);
  const log = createLogger({ stderr: (s) => lines.push(s), stdout: (s) => lines.push(s) });
  const ctx = createContext({ cwd: dir, dryRun: opts.dryRun, log, env: { CI: 'true' } });
  return { ctx, lines, dir };
}

describe('pipeline runner', () => {
  it('runs steps in order, logs skips with their reason, and does not run skipped steps', async () => {
    const { ctx, lines } = capture();
    const ran: string[] = [];
    const steps: Step[] = [
      { name: 'first', run: () => void ran.push('first') },
      { name: 'second', skip: () => 'nothing to push', run: () => void ran.push('second') },
      { name: 'third', run: () => void ran.push('third') },
    ];
    const outcomes = await runSteps(ctx, steps);
    expect(ran).toEqual(['first', 'third']);
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'skipped', 'done']);
    expect(lines.join('')).toContain('second (skipped: nothing to push)');
  });

  it('stops at the first failure and prefixes its message with the step name, keeping the exit code', async () => {
    const { ctx } = capture();
    const ran: string[] = [];
    const steps: Step[] = [
      { name: 'read VERSION', run: () => { throw new ConfigError('is empty', { file: 'VERSION' }); } },
      { name: 'never', run: () => void ran.push('never') },
    ];
    const err = await runSteps(ctx, steps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe('read VERSION: is empty');
    expect((err as ConfigError).exitCode).toBe(ExitCode.config);
    expect(ran).toEqual([]);
  });

  it('describes an error as step: file: field: message, then the hint', async () => {
    const { ctx } = capture();
    const inner: Step = { name: 'render the notes', run: () => { throw new ConfigError('unknown template', { file: 'towncrier.toml', field: 'tool.towncrier.template', hint: 'use towncrier:default' }); } };
    const err = (await runSteps(ctx, [{ name: 'prepare', run: () => runSteps(ctx, [inner]).then(() => undefined) }]).catch((e: unknown) => e)) as ConfigError;
    expect(err.describe()).toBe('prepare: render the notes: towncrier.toml: tool.towncrier.template: unknown template\n  hint: use towncrier:default');
  });

  it('turns an unexpected error into an internal error naming the step', async () => {
    const { ctx } = capture();
    const err = await runSteps(ctx, [{ name: 'boom', run: () => { throw new TypeError('x is undefined'); } }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InternalError);
    expect((err as InternalError).message).toBe('boom: x is undefined');
  });
});

describe('the dry-run boundary', () => {
  it('in dry run, prints mutations and returns the placeholder without running them', async () => {
    const { ctx, lines, dir } = capture({ dryRun: true });
    let ran = false;
    const out = await ctx.world.mutate('octokit repos.createRelease (v1.2.0)', async () => { ran = true; return { id: 1 }; }, { id: 0 });
    expect(ran).toBe(false);
    expect(out).toEqual({ id: 0 });
    await ctx.world.writeFile(path.join(dir, 'CHANGELOG.md'), 'x');
    await ctx.world.writeFile(path.join(dir, 'dist', 'release-manifest.json'), '{}');
    const r = await ctx.world.run('git', ['tag', 'v1'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(existsSync(path.join(dir, 'CHANGELOG.md'))).toBe(false);
    expect(readFileSync(path.join(dir, 'dist', 'release-manifest.json'), 'utf8')).toBe('{}');
    const text = lines.join('');
    expect(text).toContain('[dry-run] octokit repos.createRelease (v1.2.0)');
    expect(text).toContain(`[dry-run] write ${path.join(dir, 'CHANGELOG.md')} (1 bytes)`);
    expect(text).toContain('[dry-run] $ git tag v1');
  });

  it('outside dry run, writes atomically and runs', async () => {
    const { ctx, dir } = capture();
    await ctx.world.writeFile(path.join(dir, 'a', 'b.txt'), 'hello');
    expect(readFileSync(path.join(dir, 'a', 'b.txt'), 'utf8')).toBe('hello');
    const r = await ctx.world.run('sh', ['-c', 'echo hi']);
    expect(r.stdout.trim()).toBe('hi');
  });

  it('removes the temp file a killed writer left, and keeps a live writer\'s', async () => {
    const { ctx, dir } = capture();
    const dist = path.join(dir, 'dist');
    mkdirSync(dist);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(path.join(dist, `.release-manifest.json.tmp-${dead}-abc`), '{');
    writeFileSync(path.join(dist, `.release-manifest.json.tmp-${process.ppid}-def`), '{');
    await ctx.world.writeFile(path.join(dist, 'release-manifest.json'), '{}\n');
    expect(readdirSync(dist).sort()).toEqual([`.release-manifest.json.tmp-${process.ppid}-def`, 'release-manifest.json']);
  });
});

describe('secrets', () => {
  afterEach(() => clearSecrets());
  it('never reach a log line', () => {
    registerSecret('s3cr3t-value-123');
    const lines: string[] = [];
    const log = createLogger({ stderr: (s) => lines.push(s) });
    log.error('upload failed with token s3cr3t-value-123 and pypi-AgEIcHlwaS5vcmcCJGFiY2RlZmdoaWprbG1ub3A');
    expect(lines.join('')).not.toContain('s3cr3t-value-123');
    expect(lines.join('')).not.toContain('AgEIcHlwaS5vcmcCJGFiY2RlZmdoaWprbG1ub3A');
    expect(redact('Authorization: Basic X19fdG9rZW5fXzpweXBp')).toBe('Authorization: Basic ***');
  });
});

describe('the config cache', () => {
  async function load(dryRun: boolean) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ww-cache-'));
    dirs.push(dir);
    const { writeFileSync, readdirSync } = await import('node:fs');
    writeFileSync(path.join(dir, 'release.yaml'), 'version_scheme: calver\n');
    const cache = path.join(dir, 'cache');
    // In dry run process.env names the same folder too: only the dry-run rule keeps it empty.
    const before = process.env.WHEELWRIGHT_CACHE_DIR;
    if (dryRun) process.env.WHEELWRIGHT_CACHE_DIR = cache;
    onTestFinished(() => {
      if (before === undefined) delete process.env.WHEELWRIGHT_CACHE_DIR;
      else process.env.WHEELWRIGHT_CACHE_DIR = before;
    });
    const ctx = createContext({ cwd: dir, dryRun, env: { WHEELWRIGHT_CACHE_DIR: cache }, log: createLogger({ stderr: () => undefined, stdout: () => undefined }) });
    expect((await ctx.config()).config.version_scheme).toBe('calver');
    return existsSync(path.join(cache, 'config')) ? readdirSync(path.join(cache, 'config')) : [];
  }

  it('lives where the context environment says', async () => {
    expect(await load(false)).toHaveLength(1);
  });

  it('is not written in dry run', async () => {
    expect(await load(true)).toEqual([]);
  });

  it('serves an entry only for the exact text it was made from (its file name is no proof)', async () => {
    const { readFileSync, writeFileSync, readdirSync } = await import('node:fs');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ww-cache-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'release.yaml'), 'version_scheme: calver\n');
    const cache = path.join(dir, 'cache');
    const scheme = async () =>
      (await createContext({ cwd: dir, env: { WHEELWRIGHT_CACHE_DIR: cache }, log: createLogger({ stderr: () => undefined, stdout: () => undefined }) }).config()).config
        .version_scheme;
    expect(await scheme()).toBe('calver');
    const [name] = readdirSync(path.join(cache, 'config'));
    expect(name).toMatch(/^[0-9a-f]{16}\.json$/);
    const file = path.join(cache, 'config', name!);
    const entry = JSON.parse(readFileSync(file, 'utf8')) as { sha256: string; config: { version_scheme: string } };
    // The entry holds a digest of the text, never the text (it may hold other tools' settings).
    expect(readFileSync(file, 'utf8')).not.toContain('version_scheme: calver');
    expect(entry.sha256).toMatch(/^[0-9a-f]{64}$/);
    // The entry is what the next run reads: changed under the same source, it is served.
    writeFileSync(file, JSON.stringify({ ...entry, config: { ...entry.config, version_scheme: 'semver' } }));
    expect(await scheme()).toBe('semver');
    // Under the same name but for another text (a colliding config of another project), it is not.
    writeFileSync(file, JSON.stringify({ sha256: `${entry.sha256.slice(0, 63)}${entry.sha256.endsWith('0') ? '1' : '0'}`, config: { ...entry.config, version_scheme: 'semver' } }));
    expect(await scheme()).toBe('calver');
  });
});

describe('ctx.manifest()', () => {
  it('reads the manifest in --dist once, with every build fragment below it merged in', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ww-release-'));
    dirs.push(dir);
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const out = path.join(dir, 'out');
    mkdirSync(path.join(out, 'job-a', 'manifest-fragments'), { recursive: true });
    const manifest = { schemaVersion: 1, tool: { name: 'wheelwright', version: '0.1.0' }, version: '1.0.0', tag: 'v1.0.0', commit: null, createdAt: '2026-01-01T00:00:00Z', packages: [], jobs: [], expected: [] };
    writeFileSync(path.join(out, 'release-manifest.json'), JSON.stringify(manifest));
    const built = { filename: 'a-1.0.0-py3-none-any.whl', package: 'a', target: null, job: 'build-any', size: 3, sha256: 'a'.repeat(64) };
    writeFileSync(path.join(out, 'job-a', 'manifest-fragments', 'build-any.json'), JSON.stringify({ schemaVersion: 1, job: 'build-any', built: [built] }));
    const ctx = createContext({ cwd: dir, dist: 'out', env: {} });
    expect(ctx.manifestPath).toBe(path.join(out, 'release-manifest.json'));
    const m = await ctx.manifest();
    expect(m.built).toEqual([built]);
    expect(await ctx.manifest()).toBe(m);
  });
});
