// Worker-thread entry: run scan tasks sent by the pool (up to two at once, interleaved only at awaits: the
// thread's read and inflate buffers are used in synchronous stretches). Whole-file hashes need only node:crypto,
// so the wheel checks (and their policy data) load on the first wheel task: a pool that only hashes stays small.
import { parentPort, workerData } from 'node:worker_threads';
import { hashFileSync } from '../wheel/hash.js';
import type { ScanResult, ScanTask } from './scan.js';

let scan: Promise<typeof import('./scan.js')> | null = (workerData as { preload?: boolean } | null)?.preload ? import('./scan.js') : null;

async function run(task: ScanTask): Promise<ScanResult> {
  if (task.kind === 'hash') return { kind: 'hash', ...hashFileSync(task.file) };
  scan ??= import('./scan.js');
  return (await scan).runScanTask(task);
}

parentPort?.on('message', (msg: { id: number; task: ScanTask }) => {
  run(msg.task).then(
    (result) => parentPort!.postMessage({ id: msg.id, result }),
    (err: Error) => parentPort!.postMessage({ id: msg.id, error: err.message }),
  );
});
