// Worker-thread entry: run the tasks a pool sends (up to two at once, interleaved only at awaits: a task's read
// and inflate buffers are used in synchronous stretches). Each task kind's module loads on its first task, or
// when the worker starts if the pool asked to preload it: a pool that only hashes never loads the wheel checks.
import { parentPort, workerData } from 'node:worker_threads';
import type { Task, TaskRunner, WorkerData } from './pool.js';

const data = workerData as WorkerData;
const loaded = new Map<string, Promise<TaskRunner>>();

function load(url: string): Promise<TaskRunner> {
  let mod = loaded.get(url);
  if (!mod) loaded.set(url, (mod = import(url) as Promise<TaskRunner>));
  return mod;
}

for (const url of data.preload) void load(url).catch(() => undefined);

async function run(task: Task): Promise<unknown> {
  const url = data.tasks[task.kind];
  if (url === undefined) throw new Error(`no worker code for task kind "${task.kind}"`);
  return (await load(url)).runTask(task);
}

parentPort?.on('message', (msg: { id: number; task: Task }) => {
  run(msg.task).then(
    (result) => parentPort!.postMessage({ id: msg.id, result }),
    (err: Error) => parentPort!.postMessage({ id: msg.id, error: err.message }),
  );
});
