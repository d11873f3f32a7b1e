import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { WORKER_YOUNG_GENERATION_MB, workerOptions } from '../../src/workers/pool.js';

describe('worker options', () => {
  it('start a worker with the small young generation that keeps verify under its memory target', async () => {
    const opts = workerOptions({ tasks: {}, preload: [] });
    const code = "const { parentPort, resourceLimits, workerData } = require('node:worker_threads'); parentPort.postMessage({ resourceLimits, workerData });";
    const worker = new Worker(code, { ...opts, eval: true });
    try {
      const seen = await new Promise<{ resourceLimits: { maxYoungGenerationSizeMb: number }; workerData: unknown }>((resolve, reject) => {
        worker.once('message', resolve).once('error', reject);
      });
      expect(seen.resourceLimits.maxYoungGenerationSizeMb).toBe(WORKER_YOUNG_GENERATION_MB);
      expect(WORKER_YOUNG_GENERATION_MB).toBeLessThanOrEqual(16);
      expect(seen.workerData).toEqual({ tasks: {}, preload: [] });
    } finally {
      await worker.terminate();
    }
  });
});
