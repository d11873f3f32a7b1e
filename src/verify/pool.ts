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
 * `jobs` workers; tasks queue and run as workers free up. `preload`: the workers load the wheel checks as
 * they start (while the caller is still reading its inputs), not on their first wheel.
 */
export function createPool(jobs: number, opts: { preload?: boolean } = {}): ScanPool {
  if (jobs <= 1 || !existsSync(workerFile)) return inlinePool(jobs);
  const queue: Array<{ task: ScanTask; resolve: (r: ScanResult) => void; reject: (e: Error) => void }> = [];
  const idle: Worker[] = [];
  const busy = new Map<Worker, (msg: { result?: ScanResult; error?: string }) => void>();
  const workers = Array.from({ length: jobs }, () => new Worker(workerFile, { workerData: { preload: opts.preload === true } }));
  const pump = () => {
    while (idle.length && queue.length) {
      const w = idle.pop()!;
      const job = queue.shift()!;
      busy.set(w, (msg) => {
        busy.delete(w);
        idle.push(w);
        if (msg.error !== undefined) job.reject(new Error(msg.error));
        else job.resolve(msg.result!);
        pump();
      });
      w.postMessage({ id: 0, task: job.task });
    }
  };
  for (const w of workers) {
    w.on('message', (msg) => busy.get(w)?.(msg));
    w.on('error', (err) => busy.get(w)?.({ error: err.message }));
    idle.push(w);
  }
  return {
    run: (task) =>
      new Promise((resolve, reject) => {
        queue.push({ task, resolve, reject });
        pump();
      }),
    close: async () => {
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
