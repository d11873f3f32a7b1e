// `compat check`: which version set an environment's installed distributions belong to.
import type { Context } from '../context.js';
import { CompatError } from '../errors.js';
import { compareVersions, normalizeName, normalizeVersion } from '../version/pep440.js';
import type { VersionSet } from '../versionset.js';

/** One installed distribution, as importlib.metadata sees it through the interpreter. */
export interface InstalledDist {
  name: string;
  version: string;
}

// The first distribution of a name on sys.path wins, as `import` and importlib.metadata.version() do.
const LIST_SCRIPT = `
import json, importlib.metadata as m
seen, out = set(), []
for d in m.distributions():
    name = d.metadata["Name"]
    if name and name.lower() not in seen:
        seen.add(name.lower())
        out.append({"name": name, "version": d.version})
print(json.dumps(out))
`;

/** The installed distributions of the environment of `python` (its `*.dist-info` metadata). */
export async function installedDistributions(ctx: Context, python: string): Promise<InstalledDist[]> {
  let stdout: string;
  try {
    ({ stdout } = await ctx.exec(python, ['-c', LIST_SCRIPT], { timeoutMs: 60_000 }));
  } catch (err) {
    const e = err as { code?: string; stderr?: string; exitCode?: number };
    const tail = e.stderr?.trim().split('\n').pop();
    let why = 'it could not run';
    if (e.code === 'ENOENT') why = 'no such interpreter';
    else if (tail) why = tail;
    else if (e.exitCode !== undefined) why = `it exited with ${e.exitCode}`;
    throw new CompatError(`cannot list the distributions of ${python}: ${why}`, {
      field: '--python',
      hint: 'pass --python with the interpreter of the environment to check (e.g. .venv/bin/python)',
      cause: err,
    });
  }
  try {
    return (JSON.parse(stdout) as InstalledDist[]).map((d) => ({ name: normalizeName(d.name), version: normalizeVersion(d.version) ?? d.version }));
  } catch {
    throw new CompatError(`${python} printed no distribution list`, { field: '--python', hint: 'pass a CPython 3.8+ interpreter' });
  }
}

export type ComponentStatus = 'ok' | 'other-set' | 'unknown-version' | 'missing';

export interface ComponentReport {
  name: string;
  expected: string;
  installed: string | null;
  status: ComponentStatus;
  /** For `other-set`: the sets the installed version is part of. */
  sets: string[];
}

export interface CheckReport {
  /** The set most installed components belong to (newest on a tie), or null when none is installed. */
  set: string | null;
  ok: boolean;
  components: ComponentReport[];
}

/** Compare the environment with every known set and report against the best match. */
export function checkEnvironment(installed: InstalledDist[], sets: VersionSet[], opts: { partial?: boolean } = {}): CheckReport {
  const have = new Map(installed.map((d) => [d.name, d.version]));
  const sameVersion = (a: string, b: string) => {
    const na = normalizeVersion(a);
    const nb = normalizeVersion(b);
    return na !== null && nb !== null ? compareVersions(na, nb) === 0 : a === b;
  };
  let best: VersionSet | null = null;
  let bestScore = 0;
  for (const s of sets) {
    const score = s.packages.filter((p) => have.has(p.name) && sameVersion(have.get(p.name)!, p.version)).length;
    if (score > bestScore) {
      best = s;
      bestScore = score;
    }
  }
  if (!best) {
    const anyInstalled = sets.some((s) => s.packages.some((p) => have.has(p.name)));
    if (!anyInstalled) return { set: null, ok: false, components: [] };
    best = sets[0]!;
  }
  const components: ComponentReport[] = best.packages.map((p) => {
    const v = have.get(p.name) ?? null;
    if (v === null) return { name: p.name, expected: p.version, installed: null, status: 'missing', sets: [] };
    if (sameVersion(v, p.version)) return { name: p.name, expected: p.version, installed: v, status: 'ok', sets: [best!.version] };
    const others = sets.filter((s) => s.packages.some((q) => q.name === p.name && sameVersion(q.version, v))).map((s) => s.version);
    return { name: p.name, expected: p.version, installed: v, status: others.length ? 'other-set' : 'unknown-version', sets: others };
  });
  const ok = components.every((c) => c.status === 'ok' || (opts.partial && c.status === 'missing'));
  return { set: best.version, ok, components };
}

/** The report as lines for a terminal. */
export function describeReport(r: CheckReport, python: string): string {
  if (r.set === null) return `no component of any known version set is installed in ${python}`;
  const lines = [r.ok ? `${python}: one version set, ${r.set}` : `${python}: NOT one version set (closest: ${r.set})`];
  for (const c of r.components) {
    if (c.status === 'ok') lines.push(`  ok       ${c.name}==${c.installed}`);
    else if (c.status === 'missing') lines.push(`  missing  ${c.name} (set ${r.set} has ${c.expected})`);
    else if (c.status === 'other-set') lines.push(`  MIXED    ${c.name}==${c.installed} is from set ${c.sets.join(', ')}, set ${r.set} has ${c.expected}`);
    else lines.push(`  MIXED    ${c.name}==${c.installed} is in no released set, set ${r.set} has ${c.expected}`);
  }
  return lines.join('\n');
}
