import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backendAiTree } from '../fixtures/monorepos.js';
import { runRelease } from '../helpers/cli.js';
import { tempRepo } from '../helpers/gitdir.js';
import { hasCommand, hasPythonModule, requireTools } from '../helpers/tools.js';
import { writeSdist, writeWheel } from '../servers/pypi/make-dist.js';

const PY = '/usr/bin/python3';
const ok = requireTools('release build with the pants builder (retag with Debian python3-wheel)', [
  [PY, hasCommand(PY)],
  ['python3-wheel', hasPythonModule('wheel')],
]);

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/**
 * Pants itself is a download this machine cannot make, so a stand-in `pants` on PATH does what
 * `pants package <dir>:` leaves in --pants-distdir: an sdist and a py3-none-any wheel per distribution.
 */
function standInPants(bin: string, files: string, log: string): void {
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    path.join(bin, 'pants'),
    `#!/bin/sh\nfor a; do case "$a" in --pants-distdir=*) out="\${a#--pants-distdir=}";; esac; last="$a"; done\necho "$*" >> "${log}"\ncp "${files}/\${last%:}"/* "$out"/\n`,
  );
  chmodSync(path.join(bin, 'pants'), 0o755);
}

describe.skipIf(!ok)('release build with the pants builder', () => {
  it('runs `pants package` per distribution, keeps what each job plans, and retags platform-resource wheels', async () => {
    const r = tempRepo({ ...backendAiTree(), 'release.yaml': 'packages:\n  - src/ai/backend/common\n  - src/ai/backend/runner\n' });
    cleanups.push(r.cleanup);
    const dir = r.dir;
    const files = path.join(dir, '.pants-out');
    for (const [rel, name] of [['src/ai/backend/common', 'backend.ai-common'], ['src/ai/backend/runner', 'backend.ai-kernel-binary']] as const) {
      await writeWheel(path.join(files, rel), { name, version: '26.8.0rc1' });
      await writeSdist(path.join(files, rel), { name, version: '26.8.0rc1' });
    }
    const log = path.join(dir, '.pants-log');
    standInPants(path.join(dir, '.bin'), files, log);
    const env = { PATH: `${path.join(dir, '.bin')}:${process.env.PATH}` };

    expect((await runRelease(['plan'], { cwd: dir })).code).toBe(0);
    const any = await runRelease(['build', '--target', 'any', '--python', PY, '--json'], { cwd: dir, env });
    expect(any.code, any.stderr).toBe(0);
    const x86 = await runRelease(['build', '--target', 'linux-x86_64', '--python', PY, '--json'], { cwd: dir, env });
    expect(x86.code, x86.stderr).toBe(0);

    expect(readFileSync(log, 'utf8').trim().split('\n').map((l) => l.replace(/--pants-distdir=\S+/, '--pants-distdir=D'))).toEqual([
      '--pants-distdir=D --filter-target-type=python_distribution package src/ai/backend/common:',
      '--pants-distdir=D --filter-target-type=python_distribution package src/ai/backend/runner:',
      '--pants-distdir=D --filter-target-type=python_distribution package src/ai/backend/runner:',
    ]);
    const built = readdirSync(path.join(dir, 'dist')).filter((f) => /\.(whl|tar\.gz)$/.test(f)).sort();
    // The any job keeps kernel-binary's sdist only; the target job keeps its wheel only, retagged.
    expect(built).toEqual([
      'backend_ai_common-26.8.0rc1-py3-none-any.whl',
      'backend_ai_common-26.8.0rc1.tar.gz',
      'backend_ai_kernel_binary-26.8.0rc1-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
      'backend_ai_kernel_binary-26.8.0rc1.tar.gz',
    ]);
    const wheel = path.join(dir, 'dist', built[2]!);
    const tags = execFileSync(PY, ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(z.read([n for n in z.namelist() if n.endswith(".dist-info/WHEEL")][0]).decode())', wheel], { encoding: 'utf8' });
    expect(tags.split('\n').filter((l) => l.startsWith('Tag: '))).toEqual(['Tag: py3-none-manylinux_2_17_x86_64', 'Tag: py3-none-manylinux2014_x86_64']);
  });
});
