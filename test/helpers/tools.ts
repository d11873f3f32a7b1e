import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

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
