import { mkdtempSync, rmSync, unlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverPackages } from '../../src/config/discovery/index.js';
import { configSchema } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';
import { checkVersionSources } from '../../src/version/check.js';
import { BACKEND_AI_COMPONENTS, backendAiTree, uvWorkspaceTree } from '../fixtures/monorepos.js';
import { writeTree, type FileTree } from '../helpers/gitdir.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function repo(tree: FileTree): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ww-disc-'));
  dirs.push(dir);
  writeTree(dir, tree);
  return dir;
}

function discover(root: string, config: Record<string, unknown> = {}) {
  return discoverPackages({ root, file: path.join(root, 'release.yaml'), config: configSchema.parse(config) });
}

async function configError(p: Promise<unknown>): Promise<ConfigError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('Pants discovery (a repository shaped like Backend.AI)', () => {
  it('finds every python_distribution, skips pants_ignore, and marks platform-resource wheels', async () => {
    const root = repo(backendAiTree());
    const found = await discover(root);
    expect(new Set(found.map((p) => p.rawName))).toEqual(new Set(BACKEND_AI_COMPONENTS.map(([, n]) => n)));
    expect(found.every((p) => p.source === 'pants' && p.builder === 'pants')).toBe(true);
    const binary = found.find((p) => p.name === 'backend-ai-kernel-binary')!;
    expect(binary).toMatchObject({ kind: 'platform', relDir: 'src/ai/backend/runner', distName: 'backend_ai_kernel_binary' });
    expect(binary.pants).toMatchObject({ address: 'src/ai/backend/runner:dist', description: 'Backend.AI kernel binary', license: 'LGPLv3', sdist: true, platforms: ['linux_x86_64', 'linux_arm64'] });
    expect(found.find((p) => p.name === 'backend-ai-agent')).toMatchObject({ kind: 'pure', targets: [] });
  });

  it('release.yaml packages narrows the set and overrides what Pants declares', async () => {
    const root = repo(backendAiTree());
    const found = await discover(root, { packages: ['src/ai/backend/common', { path: 'src/ai/backend/runner', targets: ['linux-x86_64'] }, 'src/ai/backend/accelerator/*'] });
    expect(found.map((p) => p.name)).toEqual([
      'backend-ai-common',
      'backend-ai-kernel-binary',
      'backend-ai-accelerator-cuda-open',
      'backend-ai-accelerator-mock',
      'backend-ai-accelerator-rocm',
      'backend-ai-accelerator-tpu',
    ]);
    expect(found[1]).toMatchObject({ kind: 'platform', targets: ['linux-x86_64'], entryIndex: 1 });
  });

  it('version check passes on every distribution, and names the BUILD file of a broken link or a hard-coded version', async () => {
    const root = repo(backendAiTree());
    const version = path.join(root, 'VERSION');
    const ok = await checkVersionSources(await discover(root), version, '26.8.0rc1');
    expect(ok.problems).toEqual([]);
    expect(ok.sources).toHaveLength(22);

    const agent = path.join(root, 'src/ai/backend/agent');
    unlinkSync(path.join(agent, 'VERSION'));
    symlinkSync('../../../../VERSON', path.join(agent, 'VERSION'));
    const build = path.join(root, 'src/ai/backend/cli/BUILD');
    writeFileSync(build, (await import('node:fs')).readFileSync(build, 'utf8').replace('license="LGPLv3",', 'license="LGPLv3",\n        version="26.4.0",'));
    const bad = await checkVersionSources(await discover(root), version, '26.8.0rc1');
    expect(bad.problems.map((p) => [p.package, p.file.replace(root, ''), p.message])).toEqual([
      ['backend-ai-agent', '/src/ai/backend/agent/BUILD:29', 'src/ai/backend/agent:dist: VERSION is a broken symlink (→ ../../../../VERSON)'],
      ['backend-ai-cli', '/src/ai/backend/cli/BUILD:19', 'src/ai/backend/cli:dist hard-codes version 26.4.0, but VERSION is 26.8.0rc1'],
    ]);
  });

  it('without a plugin that sets the version from VERSION, each distribution is reported', async () => {
    const tree = backendAiTree();
    delete tree['tools/pants-plugins/setupgen/register.py'];
    const root = repo(tree);
    const r = await checkVersionSources(await discover(root), path.join(root, 'VERSION'), '26.8.0rc1');
    expect(r.problems).toHaveLength(22);
    expect(r.problems[0]!.message).toMatch(/nothing gives it a version/);
  });

  it.each<[string, (t: FileTree) => void, RegExp, string]>([
    [
      'a duplicate distribution name',
      (t) => {
        t['src/ai/backend/cli/BUILD'] = (t['src/ai/backend/cli/BUILD'] as string).replace('backend.ai-cli', 'backend.ai-Client');
      },
      /two python_distribution targets provide backend\.ai-client: \S*\/cli\/BUILD:9 and \S*\/client\/BUILD:9/,
      'src/ai/backend/client/BUILD:9',
    ],
    [
      'a target without provides',
      (t) => {
        t['src/ai/backend/web/BUILD'] = 'python_sources()\n\npython_distribution(\n    name="dist",\n    generate_setup=True,\n)\n';
      },
      /python_distribution `dist` has no `provides`/,
      'src/ai/backend/web/BUILD:3',
    ],
    [
      'syntax the reader does not take',
      (t) => {
        t['src/ai/backend/web/BUILD'] = 'python_sources()\n\nfor x in ["a"]:\n    pass\n';
      },
      /`for` is not read/,
      'src/ai/backend/web/BUILD:3',
    ],
    [
      'fields behind a spread',
      (t) => {
        t['src/ai/backend/web/BUILD'] = 'python_distribution(\n    **dist_kwargs("web"),\n)\n';
      },
      /only keyword arguments with literal values/,
      'src/ai/backend/web/BUILD:2',
    ],
  ])('%s is an error naming the BUILD file and line', async (_what, edit, message, where) => {
    const tree = backendAiTree();
    edit(tree);
    const root = repo(tree);
    const err = await configError(discover(root));
    expect(err.message).toMatch(message);
    expect(err.file!.replace(`${root}/`, '')).toBe(where);
  });
});

describe('Pants platforms become targets through the recipes', () => {
  it('maps platform_resources keys with each recipe\'s pants.platform, and names the BUILD file of one no recipe knows', async () => {
    const { planFromConfig } = await import('../../src/plan/from-config.js');
    const opts = { env: {}, now: new Date('2026-08-01T00:00:00Z') };
    const root = repo(backendAiTree());
    const { manifest } = await planFromConfig({ root, file: null, config: configSchema.parse({}) }, opts);
    expect(manifest.expected.filter((e) => e.package === 'backend-ai-accelerator-rocm' && e.type === 'wheel').map((e) => e.target)).toEqual(['linux-x86_64', 'linux-aarch64']);

    const tree = backendAiTree();
    tree['src/ai/backend/runner/BUILD'] = (tree['src/ai/backend/runner/BUILD'] as string).replace('"linux_arm64"', '"linux_riscv64"');
    const bad = repo(tree);
    const err = await configError(planFromConfig({ root: bad, file: null, config: configSchema.parse({}) }, opts));
    expect(err.message).toMatch(/Pants platform linux_riscv64, which no recipe's `pants.platform` names/);
    expect(err.file).toBe(path.join(bad, 'src/ai/backend/runner/BUILD'));
  });
});

describe('uv workspace discovery', () => {
  it('takes members by glob, drops excludes and hidden directories without a project, and ignores non-members', async () => {
    const root = repo(uvWorkspaceTree());
    const found = await discover(root);
    expect(found.map((p) => [p.name, p.relDir, p.source])).toEqual([
      ['acme-server', 'apps/server', 'uv'],
      ['acme-cli', 'packages/cli', 'uv'],
      ['acme-core', 'packages/core', 'uv'],
      ['acme-http', 'packages/http', 'uv'],
    ]);
    const r = await checkVersionSources(found, path.join(root, 'VERSION'), '3.1.0');
    expect(r.problems).toEqual([]);
  });

  it('a member directory without pyproject.toml is an error naming the glob', async () => {
    const tree = uvWorkspaceTree();
    tree['packages/docs/index.md'] = '# docs\n';
    const root = repo(tree);
    const err = await configError(discover(root));
    expect(err.message).toBe('workspace member `packages/docs` has no pyproject.toml (matched by `packages/*`)');
    expect(err.file).toBe(path.join(root, 'pyproject.toml'));
  });

  it('a root that is a project is a member too; `tool.uv.package = false` members are not released', async () => {
    const tree = uvWorkspaceTree();
    tree['pyproject.toml'] = `[project]\nname = "acme"\ndynamic = ["version"]\n${tree['pyproject.toml']}`;
    tree['packages/core/pyproject.toml'] += '\n[tool.uv]\npackage = false\n';
    const root = repo(tree);
    expect((await discover(root)).map((p) => p.name)).toEqual(['acme', 'acme-server', 'acme-cli', 'acme-http']);
  });

  it('a hard-coded version in one member fails naming its pyproject.toml', async () => {
    const tree = uvWorkspaceTree();
    tree['packages/http/pyproject.toml'] = (tree['packages/http/pyproject.toml'] as string).replace('dynamic = ["version"]', 'version = "3.0.0"');
    const root = repo(tree);
    const r = await checkVersionSources(await discover(root), path.join(root, 'VERSION'), '3.1.0');
    expect(r.problems.map((p) => [p.package, p.file.replace(root, '')])).toEqual([['acme-http', '/packages/http/pyproject.toml']]);
  });
});
