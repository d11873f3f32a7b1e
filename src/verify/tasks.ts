// The worker-pool task kinds verify runs, and the code of each: loading this module loads none of it.
import type { PoolOptions } from '../workers/pool.js';
import { HASH_TASK } from '../wheel/hash-task.js';

/** Verify's pool: wheel shards (the wheel checks load as each worker starts) and whole-file hashes. */
export const VERIFY_POOL: PoolOptions = {
  tasks: {
    hash: HASH_TASK,
    wheel: { url: new URL('./scan.js', import.meta.url).href, load: () => import('./scan.js') },
  },
  preload: ['wheel'],
};
