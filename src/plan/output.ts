// Ways to show a plan: the GitHub Actions matrix and a packages × targets × Pythons table.
import type { ReleaseManifest } from '../manifest.js';
import type { RecipeSet } from '../platforms/recipes.js';
import { ANY_TARGET } from '../platforms/recipes.js';
import { comparePythons } from '../platforms/pythons.js';
import { criticalPath, jobMinutes, jobTimeout } from './cost.js';

export interface MatrixEntry {
  job: string;
  target: string;
  runner: string;
  builder: string;
  /** `qemu` or "" (GitHub expressions compare strings). */
  emulation: string;
  /** docker/setup-qemu-action `platforms`, or "". */
  qemu_platforms: string;
  /** timeout-minutes of the job, from the cost model. */
  timeout: number;
  /** PyO3/maturin-action inputs (maturin jobs hold one package), else "". */
  package_dir: string;
  maturin_target: string;
  maturin_manylinux: string;
  maturin_args: string;
  /** Where a builder action leaves the wheels for `release build --from`, or "" when `release build` runs the builder. */
  from: string;
}

/** The maturin-action inputs of a maturin job: one package, its planned interpreters, the recipe's target. */
function maturinInputs(m: ReleaseManifest, j: ReleaseManifest['jobs'][number], recipes: RecipeSet): Pick<MatrixEntry, 'package_dir' | 'maturin_target' | 'maturin_manylinux' | 'maturin_args' | 'from'> {
  const recipe = recipes.recipes.get(j.target);
  const pkg = m.packages.find((p) => p.name === j.packages[0]);
  if (j.builder !== 'maturin' || !recipe?.maturin || !pkg) return { package_dir: '', maturin_target: '', maturin_manylinux: '', maturin_args: '', from: '' };
  const pythons = [...new Set(m.expected.filter((e) => e.job === j.id && e.python).map((e) => e.python!))].sort(comparePythons);
  return {
    package_dir: pkg.path,
    maturin_target: recipe.maturin.target,
    maturin_manylinux: recipe.maturin.compatibility ?? 'auto',
    maturin_args: ['--release', '--out', 'wheelhouse', '--interpreter', ...pythons.map((p) => `python${p}`)].join(' '),
    from: `${pkg.path.replace(/\/+$/, '')}/wheelhouse`,
  };
}

/** The `strategy.matrix` for the build job: `{ include: [...] }`, one entry per build job. */
export function githubMatrix(m: ReleaseManifest, recipes: RecipeSet): { include: MatrixEntry[] } {
  return {
    include: m.jobs.map((j) => ({
      job: j.id,
      target: j.target,
      runner: j.runner,
      builder: j.builder,
      emulation: j.emulation ?? '',
      qemu_platforms: recipes.recipes.get(j.target)?.emulation?.platforms ?? '',
      timeout: jobTimeout(jobMinutes(j, recipes.recipes.get(j.target))),
      ...maturinInputs(m, j, recipes),
    })),
  };
}

/** The lines appended to $GITHUB_OUTPUT (single-line values, so no heredoc delimiter is needed). */
export function githubOutputLines(m: ReleaseManifest, recipes: RecipeSet): string {
  return [`matrix=${JSON.stringify(githubMatrix(m, recipes))}`, `version=${m.version}`, `tag=${m.tag}`].join('\n') + '\n';
}

interface Grid {
  header: string[];
  rows: string[][];
}

/** One row per package and Python (`py3` for pure wheels, `sdist`), one column per target; ✓ where an artifact is expected. */
export function planGrid(m: ReleaseManifest): Grid {
  const targets: string[] = [];
  for (const e of m.expected) if (e.target && !targets.includes(e.target)) targets.push(e.target);
  const header = ['package', 'python', ...targets, ANY_TARGET];
  const rows: string[][] = [];
  for (const p of m.packages) {
    const mine = m.expected.filter((e) => e.package === p.name);
    const pythons = [...new Set(mine.filter((e) => e.target && e.python).map((e) => e.python!))].sort(comparePythons);
    for (const py of pythons) {
      const abi3 = mine.some((e) => e.python === py && e.id.endsWith(':abi3'));
      rows.push([p.name, abi3 ? `${py} (abi3)` : py, ...targets.map((t) => (mine.some((e) => e.target === t && e.python === py) ? '✓' : '')), '']);
    }
    // Pure code with one platform's resources: a py3-none-<platform> wheel per target.
    if (mine.some((e) => e.target && !e.python)) rows.push([p.name, 'py3', ...targets.map((t) => (mine.some((e) => e.target === t && !e.python) ? '✓' : '')), '']);
    if (mine.some((e) => e.type === 'wheel' && !e.target)) rows.push([p.name, 'py3', ...targets.map(() => ''), '✓']);
    if (mine.some((e) => e.type === 'sdist')) rows.push([p.name, 'sdist', ...targets.map(() => ''), '✓']);
  }
  return { header, rows };
}

function summary(m: ReleaseManifest): string {
  const wheels = m.expected.filter((e) => e.type === 'wheel').length;
  const sdists = m.expected.length - wheels;
  return `${m.tag}: ${wheels} wheel${wheels === 1 ? '' : 's'} + ${sdists} sdist${sdists === 1 ? '' : 's'} from ${m.jobs.length} job${m.jobs.length === 1 ? '' : 's'}`;
}

/** The modelled critical path, in a few lines (plain text; Markdown adds nothing it needs). */
export function criticalPathLines(m: ReleaseManifest, recipes: RecipeSet): string[] {
  const cp = criticalPath(m, recipes);
  const native = cp.slowestNative ? `; slowest native job ${cp.slowestNative.id} ~${Math.round(cp.slowestNative.minutes)} min` : '';
  return [
    `build jobs: ${cp.jobCount} (a matrix holds at most 256)`,
    `modelled wall time: ~${Math.round(cp.wallMinutes)} min = plan + ${cp.slowest.id} ~${Math.round(cp.slowest.minutes)} min + verify + publish${native}`,
  ];
}

/** A plain-text table for the terminal; with the recipes, the modelled critical path below it. */
export function terminalTable(m: ReleaseManifest, recipes?: RecipeSet): string {
  const { header, rows } = planGrid(m);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const cp = recipes ? ['', ...criticalPathLines(m, recipes)] : [];
  return [summary(m), '', line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ...cp].join('\n');
}

/** The same table in GitHub-flavoured Markdown, with the jobs below it (for $GITHUB_STEP_SUMMARY). */
export function markdownTable(m: ReleaseManifest, recipes?: RecipeSet): string {
  const { header, rows } = planGrid(m);
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const line = (cells: string[]) => `| ${cells.map(esc).join(' | ')} |`;
  const jobs = m.jobs.map((j) => `| \`${j.id}\` | \`${j.runner}\` | ${j.builder} | ${j.emulation ?? ''} | ${j.packages.join(', ')} |`);
  return [
    `### Release plan: ${summary(m)}`,
    '',
    line(header),
    line(header.map(() => '---')),
    ...rows.map(line),
    '',
    '| job | runner | builder | emulation | packages |',
    '| --- | --- | --- | --- | --- |',
    ...jobs,
    '',
    ...(recipes ? [...criticalPathLines(m, recipes).map((l) => `- ${l}`), ''] : []),
  ].join('\n');
}
