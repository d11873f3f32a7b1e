// Step contract and runner: a command is an ordered array of small steps.
import type { Context } from './context.js';
import { InternalError, prefixError, WheelwrightError } from './errors.js';

/**
 * What a command's steps share, carried one way: a step `set`s what it found, a later step `need`s it.
 * Asking for something no earlier step set is a bug in the step order, so `need` throws an
 * InternalError naming the key and the step that asked, instead of a `!` that fails later.
 */
export class State<T extends object> {
  readonly #values: Partial<T>;
  #step = '(no step yet)';

  constructor(initial: Partial<T> = {}) {
    this.#values = { ...initial };
  }

  set<K extends keyof T>(key: K, value: T[K]): T[K] {
    this.#values[key] = value;
    return value;
  }

  /** A value an earlier step must have set. */
  need<K extends keyof T>(key: K): NonNullable<T[K]> {
    const value = this.#values[key];
    if (value === undefined || value === null) {
      throw new InternalError(`step \`${this.#step}\` needs \`${String(key)}\`, which no earlier step set (step order)`);
    }
    return value as NonNullable<T[K]>;
  }

  /** A value that may legitimately be absent (an optional part of the release). */
  get<K extends keyof T>(key: K): T[K] | undefined {
    return this.#values[key];
  }

  /** Internal to runSteps: the step now running, named by `need`'s error. */
  enter(step: string): void {
    this.#step = step;
  }
}

export interface Step<C extends Context = Context, S extends object = object> {
  /** Short, imperative: "check the working tree". Prefixes any error the step throws. */
  name: string;
  /** A reason to skip this step, or false to run it. */
  skip?(ctx: C, state: State<S>): string | false | Promise<string | false>;
  run(ctx: C, state: State<S>): void | Promise<void>;
}

export interface StepOutcome {
  name: string;
  status: 'done' | 'skipped';
  reason?: string;
  ms: number;
}

/** Prefix an error with the step name, keeping its class and exit code. */
function prefixed(step: string, err: unknown): WheelwrightError {
  if (err instanceof WheelwrightError) return prefixError(step, err);
  const message = err instanceof Error ? err.message : String(err);
  return new InternalError(`${step}: ${message}`, { cause: err });
}

function useListr(ctx: Context): boolean {
  return (
    !ctx.json &&
    !ctx.verbose &&
    process.stderr.isTTY === true &&
    !ctx.env.CI &&
    !ctx.env.WHEELWRIGHT_PLAIN_OUTPUT
  );
}

/**
 * Run steps in order. On a terminal they are drawn as a listr2 task list; elsewhere (CI, --json,
 * pipes) each step is one plain line. The first failing step stops the run.
 */
export async function runSteps<C extends Context, S extends object = object>(
  ctx: C,
  steps: Step<C, S>[],
  state: State<S> = new State<S>(),
): Promise<StepOutcome[]> {
  if (useListr(ctx)) return runWithListr(ctx, steps, state);
  const outcomes: StepOutcome[] = [];
  for (const step of steps) {
    const started = Date.now();
    state.enter(step.name);
    const reason = step.skip ? await step.skip(ctx, state) : false;
    if (reason) {
      ctx.log.info(`- ${step.name} (skipped: ${reason})`);
      outcomes.push({ name: step.name, status: 'skipped', reason, ms: 0 });
      continue;
    }
    ctx.log.info(`• ${step.name}`);
    try {
      await step.run(ctx, state);
    } catch (err) {
      throw prefixed(step.name, err);
    }
    outcomes.push({ name: step.name, status: 'done', ms: Date.now() - started });
  }
  return outcomes;
}

async function runWithListr<C extends Context, S extends object>(ctx: C, steps: Step<C, S>[], state: State<S>): Promise<StepOutcome[]> {
  const { Listr } = await import('listr2');
  const outcomes: StepOutcome[] = [];
  const list = new Listr(
    steps.map((step) => ({
      title: step.name,
      task: async (_: unknown, task: { skip(reason: string): void }) => {
        const started = Date.now();
        state.enter(step.name);
        const reason = step.skip ? await step.skip(ctx, state) : false;
        if (reason) {
          task.skip(`${step.name} (skipped: ${reason})`);
          outcomes.push({ name: step.name, status: 'skipped', reason, ms: 0 });
          return;
        }
        try {
          await step.run(ctx, state);
        } catch (err) {
          throw prefixed(step.name, err);
        }
        outcomes.push({ name: step.name, status: 'done', ms: Date.now() - started });
      },
    })),
    { exitOnError: true, rendererOptions: { collapseSkips: false }, registerSignalListeners: false },
  );
  await list.run();
  return outcomes;
}
