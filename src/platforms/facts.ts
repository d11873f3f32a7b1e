// Dated facts about GitHub's runners and the pinned builders (recipes/runners.yaml, recipes/builders/*.yaml), and
// the checks `release ci init --check` makes with them: retired runner labels, removed action runtimes, Pythons the
// pinned cibuildwheel cannot build. Each finding names the replacement.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import type { Recipe } from './recipes.js';
import { shippedRecipesDir } from './recipes.js';
import { cibwSelector } from './pythons.js';

/** What the runtime check needs of recipes/actions.yaml (src/ci/actions.ts reads it). */
export interface PinnedRuntimes {
  actions: Map<string, { name: string; sha: string; version: string }>;
  runtimes: Map<string, string>;
  removedRuntimes: string[];
}

export interface RunnerFact {
  arch: string;
  status: 'available' | 'preview' | 'deprecated' | 'retired';
  introduced?: string;
  deprecated?: string;
  retired?: string;
  replacement?: string;
  source: string;
}

export interface CibuildwheelRelease {
  commit: string;
  date: string;
  /** fnmatch pattern of CPython selectors that need CIBW_ENABLE=cpython-prerelease (`cp316*`). */
  prerelease: string;
  enable_groups: string[];
  /** Platform identifier (`manylinux_x86_64`) → CPython selectors (`cp312`, `cp314t`). */
  identifiers: Record<string, string[]>;
}

export interface Facts {
  runners: Map<string, RunnerFact>;
  cibuildwheel: Map<string, CibuildwheelRelease>;
}

export interface FactFinding {
  /** What it is about: `recipes/targets/macos-arm64.yaml: runner`, `jobs.build.steps.0.uses`. */
  at: string;
  message: string;
}

// The tool's own packaged data (shippedRecipesDir), not a file a user or a pull request writes: read
// directly, outside src/files.ts's repository boundary, which it lies outside of.
async function readYaml(file: string): Promise<unknown> {
  const { parse } = await import('yaml');
  return parse(await readFile(file, 'utf8'), { schema: 'core' });
}

/** YAML reads `2026-11-02` as a string under the core schema; keep dates as ISO days. */
export async function loadFacts(dir = shippedRecipesDir()): Promise<Facts> {
  const runnersFile = path.join(dir, 'runners.yaml');
  const r = (await readYaml(runnersFile)) as { runners?: Record<string, RunnerFact> };
  if (!r?.runners) throw new ConfigError('no `runners` map', { file: runnersFile, field: 'runners' });
  const c = (await readYaml(path.join(dir, 'builders', 'cibuildwheel.yaml'))) as { versions: Record<string, CibuildwheelRelease> };
  return { runners: new Map(Object.entries(r.runners)), cibuildwheel: new Map(Object.entries(c.versions)) };
}

/** The status of a label on `today` (ISO day): a passed `retired` date retires it, a passed `deprecated` date deprecates it. */
export function runnerStatus(facts: Facts, label: string, today: string): RunnerFact['status'] | 'unknown' {
  const f = facts.runners.get(label);
  if (!f) return 'unknown';
  if (f.retired && f.retired <= today) return 'retired';
  if (f.deprecated && f.deprecated <= today && f.status !== 'retired') return 'deprecated';
  return f.status;
}

/** A retired label makes its jobs queue forever; a deprecated one fails during brownouts. */
export function checkRunners(facts: Facts, recipes: Array<{ recipe: Recipe; file: string }>, today: string): FactFinding[] {
  const out: FactFinding[] = [];
  for (const { recipe, file } of recipes) {
    const status = runnerStatus(facts, recipe.runner, today);
    const f = facts.runners.get(recipe.runner);
    if (status === 'retired' || status === 'deprecated') {
      const when = status === 'retired' ? `was retired on ${f!.retired}` : `is deprecated and will be retired on ${f!.retired ?? 'a date GitHub has not announced'}`;
      out.push({ at: `${file}: runner`, message: `runner \`${recipe.runner}\` (target ${recipe.target}) ${when} (${f!.source}); use \`${f!.replacement ?? 'a current label'}\`` });
    } else if (status === 'unknown' && !/self-hosted/.test(recipe.runner)) {
      out.push({ at: `${file}: runner`, message: `runner \`${recipe.runner}\` (target ${recipe.target}) is not a GitHub-hosted label wheelwright knows; known: ${[...facts.runners.keys()].join(', ')}` });
    }
  }
  return out;
}

/** `uses:` lines of a workflow whose commit runs on a runtime GitHub removed (e.g. node20). */
export function checkActionRuntimes(workflowText: string, table: PinnedRuntimes): FactFinding[] {
  const out: FactFinding[] = [];
  for (const [i, line] of workflowText.split('\n').entries()) {
    const m = /uses:\s*([\w.-]+\/[\w.-]+)(?:\/[^@\s]*)?@([0-9a-f]{40})/.exec(line);
    if (!m) continue;
    const runtime = table.runtimes.get(m[2]!);
    if (runtime && table.removedRuntimes.includes(runtime)) {
      const current = table.actions.get(m[1]!);
      out.push({ at: `line ${i + 1}`, message: `${m[1]}@${m[2]!.slice(0, 12)} runs on ${runtime}, which GitHub's runners no longer offer; use ${current ? `${current.name}@${current.sha} # ${current.version}` : 'a release on node24'}` });
    }
  }
  return out;
}

/** Simple fnmatch for cibuildwheel's `cp316*` patterns. */
function fnmatch(s: string, pattern: string): boolean {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(s);
}

/** The CIBW_ENABLE groups the pinned cibuildwheel needs to build these Pythons (only `cpython-prerelease` ever). */
export function cibwEnableFor(release: CibuildwheelRelease, pythons: string[]): string[] {
  return pythons.some((p) => fnmatch(cibwSelector(p), release.prerelease)) ? ['cpython-prerelease'] : [];
}

/** Pythons a target asks for that the pinned cibuildwheel has no identifier for, with the nearest it has. */
export function checkBuilderPythons(facts: Facts, version: string, wanted: Array<{ target: string; recipe: Recipe; pythons: string[]; where: string }>): FactFinding[] {
  const release = facts.cibuildwheel.get(version);
  if (!release) return [{ at: 'recipes/actions.yaml: tools.cibuildwheel', message: `no identifier data for cibuildwheel ${version}; known: ${[...facts.cibuildwheel.keys()].join(', ')} (regenerate recipes/builders/cibuildwheel.yaml)` }];
  const out: FactFinding[] = [];
  for (const w of wanted) {
    if (!w.recipe.cibuildwheel) continue;
    const have = release.identifiers[w.recipe.cibuildwheel.identifier] ?? [];
    for (const py of w.pythons) {
      const sel = cibwSelector(py);
      if (have.includes(sel)) continue;
      const freeThreaded = have.filter((h) => h.endsWith('t'));
      const instead = sel.endsWith('t') && freeThreaded.length ? `free-threaded builds it has: ${freeThreaded.join(', ')}` : `it builds ${have.join(', ') || 'nothing there'}`;
      out.push({ at: w.where, message: `cibuildwheel ${version} cannot build ${sel}-${w.recipe.cibuildwheel.identifier} (Python ${py}, target ${w.target}); ${instead}` });
    }
  }
  return out;
}
