// A small pool of worker threads for tasks of any kind; with one job (or no compiled worker) tasks run in this
// thread. Each kind of task names the module that runs it (its `runTask` export), so the pool knows no task.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** A unit of work: plain data (it crosses to a worker thread), told apart by `kind`. */
export interface Task {
  kind: string;
}

/** What a task kind's module exports. */
export interface TaskRunner<T extends Task = Task, R = unknown> {
  runTask(task: T): R | Promise<R>;
}

/**
 * The code of one task kind: the module's URL (a worker thread imports it) and the same module loaded in this
 * thread (a literal `import()`, so bundlers and test runners see it) for when tasks run here.
 */
export interface TaskModule<T extends Task = Task, R = unknown> {
  url: string;
  load: () => Promise<TaskRunner<T, R>>;
}

export interface PoolOptions {
  /** The code of every task kind the pool runs, by kind. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each kind has its own task and result types
  tasks: Record<string, TaskModule<any, any>>;
  /** Kinds whose code loads as each worker starts (while the caller still reads its inputs), not on their first task. */
  preload?: string[];
}

/** What a worker thread is started with. */
export interface WorkerData {
  tasks: Record<string, string>;
  preload: string[];
}

export interface Pool<T extends Task = Task, R = unknown> {
  /** The worker threads' ids (none when tasks run in this thread). */
  readonly threads: number[];
  run(task: T): Promise<R>;
  close(): Promise<void>;
}

const workerFile = fileURLToPath(new URL('./worker.js', import.meta.url));

/**
 * A worker's V8 young generation, in MB. Node's default (up to 3 × 16 MB semi-spaces) let each worker
 * hold dozens of MB of short-lived objects (a 12,000-entry central directory parsed per shard) between
 * scavenges, and that memory stays resident: `release verify --jobs 2` of the five largest real wheels
 * peaked at 545 MB, with this at 398 MB, in the same time. At 4 (was 8), once verify kept only the ranges
 * its binary checks read, the 967 real wheels peaked at 320 MB instead of 368 MB, with less CPU (84 s vs 98 s;
 * 2 MB gave 341 MB and 96 s).
 */
export const WORKER_YOUNG_GENERATION_MB = 4;

/** How every worker thread is started. */
export function workerOptions(data: WorkerData): WorkerOptions {
  return { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } };
}

function workerData(opts: PoolOptions): WorkerData {
  const tasks = Object.fromEntries(Object.entries(opts.tasks).map(([kind, m]) => [kind, m.url]));
  return { tasks, preload: (opts.preload ?? []).map((kind) => tasks[kind]!) };
}

/**
 * Tasks a worker holds at once while there is plenty of work queued: while one waits on I/O (opening a zip,
 * a streamed entry) the next one runs, so the core does not idle between tasks. Near the end each worker
 * takes one at a time, so that a task never waits behind a long one while another worker is free.
 */
const DEPTH = 2;

/** The default number of workers: one per core, at most 8. */
export function defaultJobs(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}

/** Workers started by `prestart` and not yet taken by a pool, with the listener that drops one that dies. */
const spares: Array<{ worker: Worker; gone: () => void; key: string }> = [];

/**
 * Starts `jobs` workers now, for the pool (with the same options) the caller is about to create: they boot
 * (Node, and the code of the preloaded kinds) on the other cores while this thread still loads the command.
 * Unclaimed spares do not keep the process alive.
 */
export function prestart(jobs: number, opts: PoolOptions): number[] {
  if (jobs <= 1 || spares.length || !existsSync(workerFile)) return [];
  const data = workerData(opts);
  const key = JSON.stringify(data);
  for (let i = 0; i < jobs; i++) {
    const worker = new Worker(workerFile, workerOptions(data));
    worker.unref();
    const gone = () => {
      const at = spares.findIndex((s) => s.worker === worker);
      if (at >= 0) spares.splice(at, 1);
    };
    worker.on('error', gone).on('exit', gone);
    spares.push({ worker, gone, key });
  }
  return spares.map((s) => s.worker.threadId);
}

/** How many prestarted workers wait to be claimed (for tests). */
export function spareCount(): number {
  return spares.length;
}

/** A `--jobs` value: the default when absent, null when it is not a whole number from 1 to 256. */
export function jobsValue(value: string | undefined): number | null {
  if (value === undefined) return defaultJobs();
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= 256 ? n : null;
}

/** `--jobs` as given to `release verify`, for `prestart` (a bad value is left for the command to report). */
export function jobsFromArgs(args: string[]): number {
  const at = args.findIndex((a) => a === '--jobs' || a.startsWith('--jobs='));
  const value = at < 0 ? undefined : args[at]!.startsWith('--jobs=') ? args[at]!.slice('--jobs='.length) : args[at + 1];
  return jobsValue(value) ?? defaultJobs();
}

/** A live spare started with the same worker data, ready for the pool's own listeners; else null. */
function claimSpare(key: string): Worker | null {
  const spare = spares[0]?.key === key ? spares.shift() : undefined;
  if (!spare) return null;
  spare.worker.off('error', spare.gone).off('exit', spare.gone);
  spare.worker.ref();
  return spare.worker;
}

/** `jobs` workers (spares from `prestart` first); tasks queue and run as workers free up. */
export function createPool<T extends Task, R>(jobs: number, opts: PoolOptions): Pool<T, R> {
  if (jobs <= 1 || !existsSync(workerFile)) return inlinePool(jobs, opts);
  type Job = { task: T; resolve: (r: R) => void; reject: (e: Error) => void };
  const data = workerData(opts);
  const key = JSON.stringify(data);
  const queue: Job[] = [];
  const held = new Map<Worker, Map<number, Job>>();
  let nextId = 0;
  const dead = new Set<Worker>();
  let closing = false;
  const workers = Array.from({ length: jobs }, () => claimSpare(key) ?? new Worker(workerFile, workerOptions(data)));
  // Spares the pool does not need (a smaller --jobs than guessed) are stopped.
  for (const { worker } of spares.splice(0)) void worker.terminate();
  const pump = () => {
    if (dead.size === workers.length) {
      for (const job of queue.splice(0)) job.reject(new Error('every worker thread has stopped'));
      return;
    }
    const live = workers.length - dead.size;
    for (let depth = 1; depth <= DEPTH; depth++) {
      if (depth > 1 && queue.length < live * DEPTH) return;
      for (const w of workers) {
        const mine = held.get(w)!;
        if (!queue.length) return;
        if (mine.size >= depth || dead.has(w)) continue;
        const job = queue.shift()!;
        const id = nextId++;
        mine.set(id, job);
        w.postMessage({ id, task: job.task });
      }
    }
  };
  const settle = (w: Worker, id: number, msg: { result?: R; error?: string }) => {
    const job = held.get(w)!.get(id);
    if (!job) return;
    held.get(w)!.delete(id);
    if (msg.error !== undefined) job.reject(new Error(msg.error));
    else job.resolve(msg.result!);
    pump();
  };
  for (const w of workers) {
    held.set(w, new Map());
    w.on('message', (msg: { id: number; result?: R; error?: string }) => settle(w, msg.id, msg));
    // A worker that dies fails every task it held; the others take the rest.
    const died = (message: string) => {
      dead.add(w);
      for (const id of [...held.get(w)!.keys()]) settle(w, id, { error: message });
      pump();
    };
    w.on('error', (err) => died(err.message));
    w.on('exit', (code) => {
      if (!closing) died(`a worker thread stopped (exit code ${code})`);
    });
  }
  return {
    threads: workers.map((w) => w.threadId),
    run: (task) =>
      new Promise((resolve, reject) => {
        queue.push({ task, resolve, reject });
        pump();
      }),
    close: async () => {
      closing = true;
      // Nothing is left waiting forever: whatever had not finished fails.
      const unfinished = [...queue.splice(0), ...[...held.values()].flatMap((m) => [...m.values()])];
      for (const m of held.values()) m.clear();
      for (const job of unfinished) job.reject(new Error('the worker pool was closed'));
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** In-thread execution, with at most `jobs` tasks in flight (I/O still overlaps). */
function inlinePool<T extends Task, R>(jobs: number, opts: PoolOptions): Pool<T, R> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return {
    threads: [],
    async run(task) {
      const code = opts.tasks[task.kind];
      if (!code) throw new Error(`no worker code for task kind "${task.kind}"`);
      if (active >= Math.max(1, jobs)) await new Promise<void>((r) => waiting.push(r));
      active++;
      try {
        // Loaded on first use: a caller that only hashes on worker threads never loads the wheel checks.
        return (await (await code.load()).runTask(task)) as R;
      } finally {
        active--;
        waiting.shift()?.();
      }
    },
    close: async () => undefined,
  };
}
