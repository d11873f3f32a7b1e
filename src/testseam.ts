// @internal The one test seam of product code that tests reach from outside the process: hooks read from
// the environment, each named WHEELWRIGHT_TEST_<HOOK> and listed in TEST_HOOKS below. Not part of
// wheelwright's interface, never documented for users; no other file under src/ names a WHEELWRIGHT_TEST_
// variable (test/unit/import-rules.test.ts checks it). Hooks a test can set in-process (exported setters)
// stay next to their code as an `export const <module>TestSeam` (see verify/scan.ts).
import type { Context } from './context.js';
import { InternalError } from './errors.js';
import type { Step } from './pipeline.js';

/** Every hook: the variable that sets it and what it does. Adding a hook means adding it here. */
export const TEST_HOOKS = {
  failAfterStep: {
    env: 'WHEELWRIGHT_TEST_FAIL_AFTER_STEP',
    does: 'the step with this name fails right after it ran (release prepare: proves the undo of every change step)',
  },
} as const satisfies Record<string, { env: `WHEELWRIGHT_TEST_${string}`; does: string }>;

export type TestHook = keyof typeof TEST_HOOKS;

/** The hook's value in this environment (the context's `env`), or undefined when the hook is not set. */
export function testHook(env: NodeJS.ProcessEnv, hook: TestHook): string | undefined {
  return env[TEST_HOOKS[hook].env] || undefined;
}

/**
 * The steps, with the one named by the `failAfterStep` hook failing right after it ran (an InternalError,
 * exit 70); unchanged when the hook is not set.
 */
export function withInjectedFailure<C extends Context, S extends object>(env: NodeJS.ProcessEnv, steps: Step<C, S>[]): Step<C, S>[] {
  const target = testHook(env, 'failAfterStep');
  if (!target) return steps;
  return steps.map((s) =>
    s.name !== target
      ? s
      : {
          ...s,
          run: async (ctx, state) => {
            await s.run(ctx, state);
            throw new InternalError(`injected failure after \`${s.name}\` (test hook ${TEST_HOOKS.failAfterStep.env})`);
          },
        },
  );
}
