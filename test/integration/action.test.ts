// action.yml as GitHub's runner uses it: read `runs`, turn `with:` into INPUT_* variables (defaults for the
// inputs not given), and start `runs.main` with no arguments. An existing workflow adopts wheelwright one step at
// a time: `with: { command: verify }`, then `with: { command: publish }` on the files its own jobs built.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../helpers/cli.js';
import { startPypiServer, type PypiServer } from '../servers/pypi.js';
import { writeSdist, writeWheel } from '../servers/pypi/make-dist.js';

interface ActionYml {
  inputs: Record<string, { required?: boolean; default?: string }>;
  runs: { using: string; main: string };
}

const action = parse(readFileSync(path.join(repoRoot, 'action.yml'), 'utf8')) as ActionYml;

/** The environment the runner gives a JavaScript action's process for `with:` (actions/runner: INPUT_<NAME upper-cased, spaces as _>). */
function inputsEnv(withInputs: Record<string, string>): Record<string, string> {
  const unknown = Object.keys(withInputs).filter((k) => !(k in action.inputs));
  if (unknown.length) throw new Error(`action.yml has no input ${unknown.join(', ')}`);
  const env: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) {
    const value = withInputs[name] ?? spec.default;
    if (value === undefined && spec.required) throw new Error(`input ${name} is required`);
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value ?? '';
  }
  return env;
}

/** `uses: ./` with these inputs, in `cwd` (the workspace), as the runner starts it: node <main>, no arguments. */
function runAction(cwd: string, withInputs: Record<string, string>, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, action.runs.main)], {
      cwd,
      env: { ...process.env, GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: cwd, RUNNER_TEMP: path.join(cwd, '..'), WHEELWRIGHT_PLAIN_OUTPUT: '1', ...inputsEnv(withInputs), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let server: PypiServer;
let tmp: string;
let workspace: string;
let files: string[];
beforeAll(async () => {
  server = await startPypiServer();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'ww-action-'));
  workspace = path.join(tmp, 'workspace');
  // What a project's own cibuildwheel jobs downloaded into dist/: no plan, no manifest.
  files = [await writeWheel(path.join(workspace, 'dist'), { name: 'action-demo', version: '0.9.0' }), await writeSdist(path.join(workspace, 'dist'), { name: 'action-demo', version: '0.9.0' })];
});
afterAll(async () => {
  await server.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('action.yml', () => {
  it('is a node24 JavaScript action whose main is the single-file build, with a required `command` input', () => {
    expect(action.runs.using).toBe('node24');
    expect(action.runs.main).toBe('bundle/wheelwright.mjs');
    expect(action.inputs.command?.required).toBe(true);
    expect(action.inputs.args?.default).toBe('');
  });

  it('`with: { command: verify, args: dist }` verifies the files an existing workflow built, without a plan', async () => {
    const r = await runAction(workspace, { command: 'verify', args: 'dist' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('the set check is skipped');
    for (const f of files) expect(r.stdout + r.stderr).toMatch(new RegExp(`${path.basename(f).replace(/\./g, '\\.')} +✓`));
  });

  it('`with: { command: publish, args: … }` verifies, then uploads each file once to the repository', async () => {
    const r = await runAction(workspace, { command: 'publish', args: `--to pypi --repository-url ${server.uploadUrl} --json dist` }, { PYPI_TOKEN: server.token });
    expect(r.code, r.stderr).toBe(0);
    // Workflow commands (::add-mask:: for the token) share stdout with the JSON, as on a runner.
    const json = r.stdout.split('\n').filter((l) => !l.startsWith('::')).join('\n');
    expect(JSON.parse(json).destinations[0].uploaded.sort()).toEqual(files.map((f) => path.basename(f)).sort());
    for (const f of files) expect(server.files().filter((s) => s.filename === path.basename(f))).toHaveLength(1);
    // The token reaches the runner only to be masked.
    expect(r.stdout).toContain(`::add-mask::${server.token}`);
    expect(json + r.stderr).not.toContain(server.token);
  });
});
