import { existsSync, readFileSync, unlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReleaseManifest } from '../../src/manifest.js';
import { BACKEND_AI_COMPONENTS, backendAiTree, uvWorkspaceTree } from '../fixtures/monorepos.js';
import { runRelease } from '../helpers/cli.js';
import { tempRepo, type FileTree } from '../helpers/gitdir.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function repo(tree: FileTree): string {
  const r = tempRepo(tree);
  cleanups.push(r.cleanup);
  return r.dir;
}

describe('a Pants monorepo shaped like Backend.AI', () => {
  it('version check lists every distribution and passes; plan plans every distribution, platform-resource wheels per target', async () => {
    const dir = repo(backendAiTree());
    const check = await runRelease(['version', 'check', '--json'], { cwd: dir });
    expect(check.code, check.stderr).toBe(0);
    const out = JSON.parse(check.stdout) as { version: string; packages: { package: string; ok: boolean; how: string }[] };
    expect(out.version).toBe('26.8.0rc1');
    expect(out.packages).toHaveLength(BACKEND_AI_COMPONENTS.length);
    expect(out.packages.every((p) => p.ok && /Pants plugin setupgen/.test(p.how))).toBe(true);

    const plan = await runRelease(['plan', '--json'], { cwd: dir });
    expect(plan.code, plan.stderr).toBe(0);
    const m = JSON.parse(plan.stdout) as ReleaseManifest;
    expect(m.packages.map((p) => p.name).sort()).toEqual(BACKEND_AI_COMPONENTS.map(([, n]) => n.replace(/\./g, '-')).sort());
    expect(m.jobs.map((j) => [j.id, j.builder])).toEqual([
      ['build-any-pants', 'pants'],
      ['build-linux-x86_64-pants', 'pants'],
      ['build-linux-aarch64-pants', 'pants'],
    ]);
    const names = (pkg: string) => m.expected.filter((e) => e.package === pkg).map((e) => e.filename ?? e.pattern);
    expect(names('backend-ai-agent')).toEqual(['backend_ai_agent-26.8.0rc1.tar.gz', 'backend_ai_agent-26.8.0rc1-py3-none-any.whl']);
    // Not the py3-none-any wheel Backend.AI's script renames: the plan expects a platform tag, which WHEEL must carry too.
    expect(names('backend-ai-kernel-binary')).toEqual([
      'backend_ai_kernel_binary-26.8.0rc1.tar.gz',
      'backend_ai_kernel_binary-26.8.0rc1-py3-none-manylinux*_x86_64.whl',
      'backend_ai_kernel_binary-26.8.0rc1-py3-none-manylinux*_aarch64.whl',
    ]);
  });

  it('a broken VERSION symlink or a hard-coded version fails naming the BUILD file', async () => {
    const dir = repo(backendAiTree());
    const storage = path.join(dir, 'src/ai/backend/storage');
    unlinkSync(path.join(storage, 'VERSION'));
    symlinkSync('../../../VERSION', path.join(storage, 'VERSION'));
    const web = path.join(dir, 'src/ai/backend/web/BUILD');
    writeFileSync(web, readFileSync(web, 'utf8').replace('license="LGPLv3",', 'license="LGPLv3",\n        version="26.8.0rc1",'));
    const r = await runRelease(['version', 'check'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${storage}/BUILD:29: backend-ai-storage-proxy src/ai/backend/storage:dist: VERSION is a broken symlink (→ ../../../VERSION)`);
    expect(r.stderr).toContain(`${web}:19: backend-ai-webserver src/ai/backend/web:dist hard-codes version 26.8.0rc1 instead of taking it from VERSION`);
    expect(r.stdout).toMatch(/2 problem\(s\) in 2 of 22 packages/);
  });

  it.each<[string, string, RegExp]>([
    ['syntax the static reader does not take', 'python_sources()\n\nif True:\n    python_sources()\n', /BUILD:3: `if` is not read: BUILD files are not executed/],
    ['a target without provides', 'python_distribution(\n    name="dist",\n)\n', /BUILD:1: python_distribution `dist` has no `provides`/],
    ['a duplicate distribution name', 'python_distribution(\n    name="dist",\n    provides=python_artifact(name="backend.ai_common"),\n)\n', /two python_distribution targets provide backend\.ai_common: .*common\/BUILD:9 and .*web\/BUILD:1/],
  ])('%s: plan exits 2 with file:line and writes nothing', async (_what, text, message) => {
    const dir = repo(backendAiTree());
    writeFileSync(path.join(dir, 'src/ai/backend/web/BUILD'), text);
    const r = await runRelease(['plan'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(path.join(dir, 'dist'))).toBe(false);
  });
});

describe('a uv workspace', () => {
  it('version check and plan cover every member, and release.yaml narrows them', async () => {
    const dir = repo(uvWorkspaceTree());
    const check = await runRelease(['version', 'check', '--json'], { cwd: dir });
    expect(check.code, check.stderr).toBe(0);
    expect(JSON.parse(check.stdout).packages.map((p: { package: string }) => p.package)).toEqual(['acme-server', 'acme-cli', 'acme-core', 'acme-http']);
    const plan = await runRelease(['plan', '--json'], { cwd: dir });
    expect(plan.code, plan.stderr).toBe(0);
    expect((JSON.parse(plan.stdout) as ReleaseManifest).expected.map((e) => e.filename)).toEqual([
      'acme_server-3.1.0.tar.gz',
      'acme_server-3.1.0-py3-none-any.whl',
      'acme_cli-3.1.0.tar.gz',
      'acme_cli-3.1.0-py3-none-any.whl',
      'acme_core-3.1.0.tar.gz',
      'acme_core-3.1.0-py3-none-any.whl',
      'acme_http-3.1.0.tar.gz',
      'acme_http-3.1.0-py3-none-any.whl',
    ]);
    writeFileSync(path.join(dir, 'release.yaml'), 'packages:\n  - packages/core\n  - path: packages/http\n');
    const narrowed = await runRelease(['plan', '--json'], { cwd: dir });
    expect((JSON.parse(narrowed.stdout) as ReleaseManifest).packages.map((p) => p.name)).toEqual(['acme-core', 'acme-http']);
  });
});

describe('the Development Status classifier follows the version', () => {
  it('verify warns (exit 0) when a wheel of an rc says Production/Stable', async () => {
    const { writeWheel } = await import('../servers/pypi/make-dist.js');
    const dir = repo({ VERSION: '2.0.0rc1\n' });
    await writeWheel(path.join(dir, 'wheelhouse'), { name: 'acme-core', version: '2.0.0rc1', extraHeaders: ['Classifier: Development Status :: 5 - Production/Stable'] });
    const r = await runRelease(['verify', '--dist', 'wheelhouse', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { artifacts: { ok: boolean; warnings: string[]; findings: { code: string; level: string }[] }[] };
    expect(out.artifacts[0]!.ok).toBe(true);
    expect(out.artifacts[0]!.warnings).toEqual(['W-DEV-STATUS']);
    expect(out.artifacts[0]!.findings.map((f) => [f.code, f.level])).toEqual([['W-DEV-STATUS', 'warning']]);
  });

  it('version set rewrites the classifier in pyproject.toml when development_status is on', async () => {
    const tree = uvWorkspaceTree();
    tree['release.yaml'] = 'development_status: true\n';
    const dir = repo(tree);
    const r = await runRelease(['version', 'set', '3.2.0b1'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const core = readFileSync(path.join(dir, 'packages/core/pyproject.toml'), 'utf8');
    expect(core).toContain('"Development Status :: 4 - Beta"');
    expect(core).not.toContain('Production/Stable');
    // Sibling pins moved in the same write.
    expect(readFileSync(path.join(dir, 'packages/http/pyproject.toml'), 'utf8')).toContain('"acme-core==3.2.0b1"');
  });
});
