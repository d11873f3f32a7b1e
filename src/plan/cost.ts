// The plan's cost model: how long each build job takes relative to a native Linux build of one Python, which jobs
// split into one per Python, each job's timeout, and the modelled wall time of the whole release (its critical path).
import type { BuildJob, ReleaseManifest } from '../manifest.js';
import type { Recipe, RecipeSet } from '../platforms/recipes.js';
import { compareCodePoints } from '../order.js';

/** Minutes one package × Python takes natively on Linux; the factors below scale it. */
export const BASE_MINUTES = 5;
/** Checkout, download, setting up the builder: every job pays it once. */
export const JOB_OVERHEAD_MINUTES = 2;
/** The plan, verify and publish jobs around the builds. */
export const FIXED_JOBS_MINUTES = { plan: 1, verify: 2, publish: 2 };
/** GitHub cancels a hosted job after 6 hours. */
export const MAX_JOB_MINUTES = 360;

/**
 * Build time per Python relative to native Linux. QEMU: 5–10× measured (Boolector PR#196 ~6×, PyTables#1337 ~10.6×,
 * cibuildwheel PR#482 ~50 min vs 5–10 min per Python); 8 is the middle. universal2 compiles twice. Windows ~1.3×.
 * The `any` job (sdists, pure wheels) compiles nothing: 0.2.
 */
export function costFactor(recipe: Recipe): number {
  if (recipe.cost !== undefined) return recipe.cost;
  // sdists and pure wheels: no compiler, about a minute each.
  if (recipe.os === 'any') return 0.2;
  if (recipe.emulation) return 8;
  if (recipe.arch === 'universal2') return 2;
  if (recipe.os === 'windows') return 1.3;
  return 1;
}

/** Emulated targets build one Python per job unless their recipe says otherwise. */
export function splitsByPython(recipe: Recipe): boolean {
  return recipe.split ?? recipe.emulation !== null;
}

/** Modelled minutes of one build job. */
export function jobMinutes(job: BuildJob, recipe: Recipe | undefined): number {
  const factor = recipe ? costFactor(recipe) : 1;
  const units = Math.max(1, job.packages.length * Math.max(1, job.pythons.length));
  return JOB_OVERHEAD_MINUTES + units * BASE_MINUTES * factor;
}

/** timeout-minutes for a job: three times the model (a slow runner is not a hung one), 30 at least, 6 h at most. */
export function jobTimeout(minutes: number): number {
  return Math.min(MAX_JOB_MINUTES, Math.max(30, Math.ceil(minutes * 3)));
}

export interface CriticalPath {
  /** Build jobs with their modelled minutes, slowest first. */
  jobs: Array<{ id: string; minutes: number; emulated: boolean }>;
  slowest: { id: string; minutes: number };
  /** The slowest job without emulation (the floor no split can lower). */
  slowestNative: { id: string; minutes: number } | null;
  /** plan + slowest build + verify + publish. */
  wallMinutes: number;
  jobCount: number;
}

export function criticalPath(m: ReleaseManifest, recipes: RecipeSet): CriticalPath {
  const jobs = m.jobs
    .map((j) => ({ id: j.id, minutes: jobMinutes(j, recipes.recipes.get(j.target)), emulated: j.emulation !== null }))
    .sort((a, b) => b.minutes - a.minutes || compareCodePoints(a.id, b.id));
  const slowest = jobs[0] ?? { id: '(none)', minutes: 0 };
  const native = jobs.find((j) => !j.emulated) ?? null;
  const wallMinutes = FIXED_JOBS_MINUTES.plan + slowest.minutes + FIXED_JOBS_MINUTES.verify + FIXED_JOBS_MINUTES.publish;
  return { jobs, slowest, slowestNative: native, wallMinutes, jobCount: m.jobs.length };
}
