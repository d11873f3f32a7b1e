import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lineOf } from '../../src/commands/compat.js';
import { checkEnvironment, describeReport } from '../../src/compat/check.js';
import { versionSetFromFiles } from '../../src/versionset.js';
import { releaseLines } from '../../src/config/lines.js';
import { configSchema } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';
import { planFromConfig } from '../../src/plan/from-config.js';
import { BACKEND_AI_COMPONENTS, backendAiTree } from '../fixtures/monorepos.js';
import { writeTree } from '../helpers/gitdir.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function backendAi(version: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ww-sets-'));
  dirs.push(dir);
  writeTree(dir, backendAiTree(version));
  return dir;
}

/** The version set of a Backend.AI-shaped release, with a made-up digest per planned file. */
async function releasedSet(version: string) {
  const root = backendAi(version);
  const { manifest } = await planFromConfig({ root, file: null, config: configSchema.parse({}) }, { env: {}, now: new Date('2026-08-01T00:00:00Z') });
  const files = manifest.expected.map((e, i) => ({
    filename: (e.filename ?? e.pattern!).replace('manylinux*', 'manylinux_2_17'),
    package: e.package,
    sha256: i.toString(16).padStart(64, '0'),
    size: 100 + i,
  }));
  return versionSetFromFiles(manifest, files);
}

describe('version sets of a Pants monorepo', () => {
  it('versions.json lists every distribution with its files', async () => {
    const set = await releasedSet('26.8.0rc1');
    expect(set.packages.map((p) => p.name)).toEqual(BACKEND_AI_COMPONENTS.map(([, n]) => n.replace(/\./g, '-')).sort());
    expect(set.packages.find((p) => p.name === 'backend-ai-kernel-binary')!.files.map((f) => f.filename)).toEqual([
      'backend_ai_kernel_binary-26.8.0rc1-py3-none-manylinux_2_17_aarch64.whl',
      'backend_ai_kernel_binary-26.8.0rc1-py3-none-manylinux_2_17_x86_64.whl',
      'backend_ai_kernel_binary-26.8.0rc1.tar.gz',
    ]);
  });

  it('compat check on an environment with 22 components names each one from another set', async () => {
    const sets = [await releasedSet('26.8.0rc1'), await releasedSet('26.4.2')];
    const older = new Set(['backend-ai-agent', 'backend-ai-common', 'backend-ai-kernel', 'backend-ai-kernel-binary', 'backend-ai-accelerator-rocm']);
    const installed = sets[0]!.packages.map((p) => ({ name: p.name, version: older.has(p.name) ? '26.4.2' : '26.8.0rc1' }));
    installed.push({ name: 'aiohttp', version: '3.13.0' });
    const report = checkEnvironment(installed, sets);
    expect(report.set).toBe('26.8.0rc1');
    expect(report.ok).toBe(false);
    expect(report.components).toHaveLength(22);
    const mixed = report.components.filter((c) => c.status !== 'ok');
    expect(mixed.map((c) => [c.name, c.status, c.sets])).toEqual([...older].sort().map((n) => [n, 'other-set', ['26.4.2']]));
    const text = describeReport(report, '.venv/bin/python');
    for (const n of older) expect(text).toContain(`MIXED    ${n}==26.4.2 is from set 26.4.2, set 26.8.0rc1 has 26.8.0rc1`);
    expect(text.split('\n').filter((l) => l.startsWith('  ok '))).toHaveLength(17);
  });
});

describe('lines: from a maintained-versions.yml file', () => {
  function loaded(text: string, file = '.github/maintained-versions.yml') {
    const root = mkdtempSync(path.join(os.tmpdir(), 'ww-lines-'));
    dirs.push(root);
    writeTree(root, { [file]: text });
    return { root, file: path.join(root, 'release.yaml'), config: configSchema.parse({ lines: { file: '.github/maintained-versions.yml' } }) };
  }

  it('reads Backend.AI\'s shape: LTS lines with end dates, the newest line edge and the newest LTS stable', async () => {
    const tree = backendAiTree();
    const lines = await releaseLines(loaded(tree['.github/maintained-versions.yml'] as string));
    expect(lines).toEqual([
      { name: '26.8', series: '26.8', lts: false, channel: 'edge' },
      { name: '26.4', series: '26.4', lts: true, end: '2027-04-30', channel: 'stable' },
      { name: '25.15', series: '25.15', lts: true, end: '2026-10-31' },
    ]);
    expect(lineOf('26.4.7', lines)?.end).toBe('2027-04-30');
    expect(lineOf('26.8.0rc1', lines)?.channel).toBe('edge');
  });

  it.each<[string, string, RegExp, number | null]>([
    ['an entry without a version', 'versions:\n  - version: "26.8"\n  - lts: true\n', /each entry needs `version: "X.Y"`/, 3],
    ['a date that is not a date', 'versions:\n  - version: "26.4"\n    lts: true\n    retire_after: "April 2027"\n', /retire_after of 26\.4 must be a date/, 2],
    ['no versions list', 'lines: []\n', /has no `versions:` list/, null],
  ])('%s is an error naming the file and line', async (_what, text, message, line) => {
    const l = loaded(text);
    const err = await releaseLines(l).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(message);
    const file = path.join(l.root, '.github/maintained-versions.yml');
    expect((err as ConfigError).file).toBe(line === null ? file : `${file}:${line}`);
  });

  it('a missing file names the config field', async () => {
    const l = loaded('versions: []\n', 'elsewhere.yml');
    writeFileSync(path.join(l.root, 'release.yaml'), 'lines:\n  file: .github/maintained-versions.yml\n');
    await expect(releaseLines(l)).rejects.toMatchObject({ field: 'lines.file' });
  });
});
