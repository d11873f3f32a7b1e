// The one out-of-process test seam: a hook set in the environment injects a failure after a named step.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/context.js';
import { InternalError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { runSteps, type Step } from '../../src/pipeline.js';
import { TEST_HOOKS, testHook, withInjectedFailure } from '../../src/testseam.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ww-seam-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ctx = createContext({ cwd: dir, log: createLogger({ stderr: () => undefined, stdout: () => undefined }), env: { CI: 'true' } });

function steps(ran: string[]): Step[] {
  return ['one', 'two', 'three'].map((name) => ({ name, run: () => void ran.push(name) }));
}

describe('the test seam', () => {
  it('fails right after the step the hook names, once that step has run', async () => {
    const ran: string[] = [];
    const env = { [TEST_HOOKS.failAfterStep.env]: 'two' };
    const err = await runSteps(ctx, withInjectedFailure(env, steps(ran))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InternalError);
    expect((err as Error).message).toBe('two: injected failure after `two` (test hook WHEELWRIGHT_TEST_FAIL_AFTER_STEP)');
    expect(ran).toEqual(['one', 'two']);
  });

  it('changes nothing when the hook is unset or empty', async () => {
    for (const env of [{}, { WHEELWRIGHT_TEST_FAIL_AFTER_STEP: '' }, { WHEELWRIGHT_FAIL_AFTER_STEP: 'two' }]) {
      const list = steps([]);
      expect(withInjectedFailure(env, list)).toBe(list);
      expect(testHook(env, 'failAfterStep')).toBeUndefined();
    }
    const ran: string[] = [];
    await runSteps(ctx, withInjectedFailure({}, steps(ran)));
    expect(ran).toEqual(['one', 'two', 'three']);
  });
});
