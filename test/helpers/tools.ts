import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** In CI (`CI` set by .ci/run) nothing may be skipped for a missing tool. */
export const mustHaveTools = Boolean(process.env.CI);

export function hasCommand(cmd: string): boolean {
  if (cmd.startsWith('/')) return existsSync(cmd);
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

export function hasPythonModule(mod: string, python = '/usr/bin/python3'): boolean {
  try {
    execFileSync(python, ['-c', `import ${mod}`], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns true when the tools are there. When one is missing: on a newcomer's machine, print why and
 * return false (the caller skips); in CI, throw, because .ci/run installs everything.
 */
export function requireTools(what: string, checks: Array<[string, boolean]>): boolean {
  const missing = checks.filter(([, ok]) => !ok).map(([name]) => name);
  if (missing.length === 0) return true;
  const msg = `${what}: skipped, missing ${missing.join(', ')} (install with .ci/run or apt-get)`;
  if (mustHaveTools) throw new Error(`${msg}; CI must not skip`);
  console.warn(msg);
  return false;
}

/** Where .ci/setup extracts the newest towncrier (Debian sid's python3-towncrier), the notes oracle. */
export const TOWNCRIER_ORACLE_DIR = process.env.WHEELWRIGHT_TOWNCRIER ?? '/opt/towncrier-26.9.0-1/usr/lib/python3/dist-packages';

export function hasTowncrierOracle(): boolean {
  return existsSync(path.join(TOWNCRIER_ORACLE_DIR, 'towncrier', '__init__.py')) && hasPythonModule('click') && hasPythonModule('jinja2');
}

/** argv and environment that run the oracle towncrier: `[cmd, ...args]`, run with `env`. */
export function towncrierOracle(): { cmd: string; args: string[]; env: NodeJS.ProcessEnv } {
  return { cmd: '/usr/bin/python3', args: ['-m', 'towncrier'], env: { ...process.env, PYTHONPATH: TOWNCRIER_ORACLE_DIR, LC_ALL: 'C.UTF-8', GIT_CEILING_DIRECTORIES: '/' } };
}
