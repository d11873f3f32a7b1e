import { existsSync, readFileSync } from 'node:fs';

/** One auditwheel policy, trimmed to the fields the checks use (src/binary/data/manylinux-policy.json). */
export interface LinuxPolicy {
  name: string;
  aliases: string[];
  priority: number;
  /** arch → prefix (`GLIBC`, `GLIBCXX`, …) → allowed version nodes (without the prefix). */
  symbol_versions: Record<string, Record<string, string[]>>;
  lib_whitelist: string[];
  blacklist: Record<string, string[]>;
}

interface PolicyFile {
  source: { repo: string; path: string; commit: string; retrieved: string; note?: string };
  policies: LinuxPolicy[];
}

const cache = new Map<string, PolicyFile>();

/** Data files live in src/binary/data; from dist-js/binary they are two levels up. */
function loadPolicyFile(name: string): PolicyFile {
  const hit = cache.get(name);
  if (hit) return hit;
  const candidates = [new URL(`./data/${name}`, import.meta.url), new URL(`../../src/binary/data/${name}`, import.meta.url)];
  const found = candidates.find((u) => existsSync(u));
  if (!found) throw new Error(`policy data ${name} not found (looked in ${candidates.map((u) => u.pathname).join(', ')})`);
  const parsed = JSON.parse(readFileSync(found, 'utf8')) as PolicyFile;
  cache.set(name, parsed);
  return parsed;
}

export function manylinuxPolicies(): LinuxPolicy[] {
  return loadPolicyFile('manylinux-policy.json').policies;
}

export function musllinuxPolicies(): LinuxPolicy[] {
  return loadPolicyFile('musllinux-policy.json').policies;
}

function policyVersion(p: LinuxPolicy): [number, number] | null {
  const m = /_(\d+)_(\d+)$/.exec(p.name);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/**
 * The policy a `{family}_{major}_{minor}` tag is held to: auditwheel's policy of that name, else the newest one
 * below it (a `manylinux_2_25` wheel may use no more than `manylinux_2_24` allows: policies only grow, and
 * nothing between two policies is known to be allowed). Null only below the oldest policy.
 */
export function findPolicy(family: 'manylinux' | 'musllinux', version: [number, number]): LinuxPolicy | null {
  const list = family === 'manylinux' ? manylinuxPolicies() : musllinuxPolicies();
  let best: { p: LinuxPolicy; v: [number, number] } | null = null;
  for (const p of list) {
    const v = policyVersion(p);
    if (!v || v[0] > version[0] || (v[0] === version[0] && v[1] > version[1])) continue;
    if (!best || v[0] > best.v[0] || (v[0] === best.v[0] && v[1] > best.v[1])) best = { p, v };
  }
  return best?.p ?? null;
}

let nameLimit: number | null = null;

/**
 * How much of an imported symbol's name the blacklist check needs: one byte more than the longest name any
 * policy blacklists. A longer name cannot be on a blacklist, whatever its remaining bytes.
 */
export function blacklistNameLimit(): number {
  nameLimit ??= 1 + Math.max(0, ...[...manylinuxPolicies(), ...musllinuxPolicies()].flatMap((p) => Object.values(p.blacklist).flat().map((name) => Buffer.byteLength(name, 'latin1'))));
  return nameLimit;
}
