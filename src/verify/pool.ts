// A small pool of worker threads for scan tasks; with one job (or no compiled worker) tasks run in this thread.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ScanResult, ScanTask } from './scan.js';

export interface ScanPool {
  run(task: ScanTask): Promise<ScanResult>;
  close(): Promise<void>;
}

const workerFile = fileURLToPath(new URL('./worker.js', import.meta.url));

/**
 * Tasks a worker holds at once while there is plenty of work queued: while one waits on I/O (opening a zip,
 * a streamed entry) the next one runs, so the core does not idle between tasks. Near the end each worker
 * takes one at a time, so that a task never waits behind a long one while another worker is free.
 */
const DEPTH = 2;

/**
 * `jobs` workers; tasks queue and run as workers free up. `preload`: the workers load the wheel checks as
 * they start (while the caller is still reading its inputs), not on their first wheel.
 */
export function createPool(jobs: number, opts: { preload?: boolean } = {}): ScanPool {
  if (jobs <= 1 || !existsSync(workerFile)) return inlinePool(jobs);
  type Job = { task: ScanTask; resolve: (r: ScanResult) => void; reject: (e: Error) => void };
  const queue: Job[] = [];
  const held = new Map<Worker, Map<number, Job>>();
  let nextId = 0;
  const dead = new Set<Worker>();
  let closing = false;
  const workers = Array.from({ length: jobs }, () => new Worker(workerFile, { workerData: { preload: opts.preload === true } }));
  const pump = () => {
    if (dead.size === workers.length) {
      for (const job of queue.splice(0)) job.reject(new Error('every verify worker thread has stopped'));
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
  const settle = (w: Worker, id: number, msg: { result?: ScanResult; error?: string }) => {
    const job = held.get(w)!.get(id);
    if (!job) return;
    held.get(w)!.delete(id);
    if (msg.error !== undefined) job.reject(new Error(msg.error));
    else job.resolve(msg.result!);
    pump();
  };
  for (const w of workers) {
    held.set(w, new Map());
    w.on('message', (msg: { id: number; result?: ScanResult; error?: string }) => settle(w, msg.id, msg));
    // A worker that dies fails every task it held; the others take the rest.
    const died = (message: string) => {
      dead.add(w);
      for (const id of [...held.get(w)!.keys()]) settle(w, id, { error: message });
      pump();
    };
    w.on('error', (err) => died(err.message));
    w.on('exit', (code) => {
      if (!closing) died(`a verify worker thread stopped (exit code ${code})`);
    });
  }
  return {
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
      for (const job of unfinished) job.reject(new Error('the verify worker pool was closed'));
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** In-thread execution, with at most `jobs` tasks in flight (I/O still overlaps). */
function inlinePool(jobs: number): ScanPool {
  let active = 0;
  const waiting: Array<() => void> = [];
  return {
    async run(task) {
      if (active >= Math.max(1, jobs)) await new Promise<void>((r) => waiting.push(r));
      active++;
      try {
        // Loaded on first use: a caller that only hashes on worker threads never loads the wheel checks.
        const { runScanTask } = await import('./scan.js');
        return await runScanTask(task);
      } finally {
        active--;
        waiting.shift()?.();
      }
    },
    close: async () => undefined,
  };
}
