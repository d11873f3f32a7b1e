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

/** The policy named exactly `{family}_{major}_{minor}`, or null when auditwheel has none for it. */
export function findPolicy(family: 'manylinux' | 'musllinux', version: [number, number]): LinuxPolicy | null {
  const name = `${family}_${version[0]}_${version[1]}`;
  const list = family === 'manylinux' ? manylinuxPolicies() : musllinuxPolicies();
  return list.find((p) => p.name === name) ?? null;
}
