// Worker-thread entry: run scan tasks sent by the pool, one at a time.
import { parentPort } from 'node:worker_threads';
import { runScanTask, type ScanTask } from './scan.js';

parentPort?.on('message', (msg: { id: number; task: ScanTask }) => {
  runScanTask(msg.task).then(
    (result) => parentPort!.postMessage({ id: msg.id, result }),
    (err: Error) => parentPort!.postMessage({ id: msg.id, error: err.message }),
  );
});
