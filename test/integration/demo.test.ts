import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runRelease } from '../helpers/cli.js';
import { git } from '../helpers/gitdir.js';
import { hasCommand, hasPythonModule, requireTools } from '../helpers/tools.js';

const ok = requireTools('README demo', [
  ['git', hasCommand('git')],
  ['python3-build', hasPythonModule('build')],
  ['python3-venv', hasPythonModule('ensurepip')],
  ['python3-dev (Python.h)', hasCommand('/usr/include/python3.11/Python.h')],
]);

describe.skipIf(!ok)('the README demo (`release demo`)', () => {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'ww-demo-')), 'demo');
  afterAll(() => rmSync(path.dirname(out), { recursive: true, force: true }));

  it('runs the whole flow on examples/ and pip installs the released set by hash', async () => {
    const r = await runRelease(['demo', '--out', out, '--date', '2026-11-23', '--json'], { timeoutMs: 600_000 });
    expect(r.stderr).not.toMatch(/^error:/m);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.version).toBe('0.4.0');
    expect(result.files).toEqual([
      'demo_cli-0.4.0-py3-none-any.whl',
      'demo_cli-0.4.0.tar.gz',
      'demo_core-0.4.0-py3-none-any.whl',
      'demo_core-0.4.0.tar.gz',
      'demo_speedups-0.4.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
      'demo_speedups-0.4.0.tar.gz',
    ]);
    // prepare committed and tagged for real
    expect(git(out, 'log', '-1', '--format=%s')).toBe('release: 0.4.0');
    expect(git(out, 'tag', '--list')).toBe('v0.4.0');
    expect(readFileSync(path.join(out, 'VERSION'), 'utf8')).toBe('0.4.0\n');
    expect(readFileSync(path.join(out, 'packages/demo-cli/pyproject.toml'), 'utf8')).toContain('"demo-core==0.4.0"');
    // the second publish was a no-op, and pip installed exactly the set; the C extension adds 2^40 + 2^40
    expect(r.stderr).toMatch(/nothing to do: v0\.4\.0 is already published to index/);
    expect(result.results.publish.nothingToDo).toBe(true);
    expect(result.results.install.output).toBe('2199023255552 0.4.0 0.4.0 0.4.0');
    const constraints = readFileSync(path.join(out, 'dist/constraints.txt'), 'utf8');
    expect(constraints.match(/--hash=sha256:[0-9a-f]{64}/g)).toHaveLength(3);
  }, 600_000);
});
