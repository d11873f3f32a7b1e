// The whole-file hash as a worker-pool task: small (node:crypto only), so a pool that only hashes stays small.
import type { TaskModule } from '../workers/pool.js';
import { hashFileSync, type FileHash } from './hash.js';

export interface HashTask {
  kind: 'hash';
  file: string;
}

export interface HashResult extends FileHash {
  kind: 'hash';
}

export function runTask(task: HashTask): HashResult {
  return { kind: 'hash', ...hashFileSync(task.file) };
}

/** This module as the pool's code for `hash` tasks. */
export const HASH_TASK: TaskModule<HashTask, HashResult> = {
  url: new URL('./hash-task.js', import.meta.url).href,
  load: () => import('./hash-task.js'),
};
