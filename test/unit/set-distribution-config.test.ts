import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { commonNamePrefix, setDistributionName } from '../../src/config/set-distribution.js';
import { ConfigError } from '../../src/errors.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function load(yaml: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ww-setdist-cfg-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, 'release.yaml'), yaml);
  return loadConfig(dir);
}

async function failure(p: Promise<unknown>): Promise<ConfigError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

const BAI = ['backend.ai-manager', 'backend.ai-common', 'backend.ai-agent'];

describe('set_distribution in the config', () => {
  it('is off by default: no set distribution', async () => {
    expect(await setDistributionName(await load('python: ["3.12"]\n'), BAI)).toBeNull();
  });

  it('true names it after the components\' common name prefix, in whole segments', async () => {
    expect(await setDistributionName(await load('set_distribution: true\n'), BAI)).toBe('backend-ai-release');
    expect(await setDistributionName(await load('set_distribution: {}\n'), ['demo-core', 'demo_cli', 'Demo.Speedups'])).toBe('demo-release');
    expect(commonNamePrefix(['acme-core', 'acmex-http'])).toBeNull();
    expect(commonNamePrefix(['solo'])).toBe('solo');
  });

  it('a given name is used as written', async () => {
    expect(await setDistributionName(await load('set_distribution:\n  name: Backend.AI-Release\n'), BAI)).toBe('Backend.AI-Release');
  });

  it('components without a common prefix need a name, and the error names the file and the field', async () => {
    const loaded = await load('python: ["3.12"]\nset_distribution: true\n');
    const err = await failure(setDistributionName(loaded, ['numpy', 'scipy']));
    expect(err.message).toMatch(/share no name prefix/);
    expect(err.file).toBe(`${loaded.file}:2`);
    expect(err.field).toBe('set_distribution');
  });

  it('a name that is a component\'s (after PEP 503 normalisation) is refused, naming file:line and field', async () => {
    const loaded = await load('set_distribution:\n  name: Backend_AI.Manager\n');
    const err = await failure(setDistributionName(loaded, BAI));
    expect(err.message).toMatch(/`Backend_AI\.Manager` has the name of the component backend\.ai-manager/);
    expect(err.file).toBe(`${loaded.file}:2`);
    expect(err.field).toBe('set_distribution.name');
  });

  it('a name that is not a PEP 508 name is refused when the config loads', async () => {
    for (const bad of ['-acme-release', 'acme release', 'acme-release.', 'ácme']) {
      const err = await failure(load(`set_distribution:\n  name: "${bad}"\n`));
      expect(err.message).toMatch(/PEP 508 distribution name/);
      expect(err.field).toBe('set_distribution.name');
      expect(err.file).toMatch(/release\.yaml:2$/);
    }
    const unknown = await failure(load('set_distribution:\n  nmae: acme-release\n'));
    expect(unknown.message).toMatch(/unknown key `nmae`.*did you mean `name`/);
  });
});
