// Step contract and runner: a command is an ordered array of small steps.
import type { Context } from './context.js';
import { InternalError, prefixError, WheelwrightError } from './errors.js';

export interface Step<C extends Context = Context> {
  /** Short, imperative: "check the working tree". Prefixes any error the step throws. */
  name: string;
  /** A reason to skip this step, or false to run it. */
  skip?(ctx: C): string | false | Promise<string | false>;
  run(ctx: C): void | Promise<void>;
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
export async function runSteps<C extends Context>(ctx: C, steps: Step<C>[]): Promise<StepOutcome[]> {
  if (useListr(ctx)) return runWithListr(ctx, steps);
  const outcomes: StepOutcome[] = [];
  for (const step of steps) {
    const started = Date.now();
    const reason = step.skip ? await step.skip(ctx) : false;
    if (reason) {
      ctx.log.info(`- ${step.name} (skipped: ${reason})`);
      outcomes.push({ name: step.name, status: 'skipped', reason, ms: 0 });
      continue;
    }
    ctx.log.info(`• ${step.name}`);
    try {
      await step.run(ctx);
    } catch (err) {
      throw prefixed(step.name, err);
    }
    outcomes.push({ name: step.name, status: 'done', ms: Date.now() - started });
  }
  return outcomes;
}

async function runWithListr<C extends Context>(ctx: C, steps: Step<C>[]): Promise<StepOutcome[]> {
  const { Listr } = await import('listr2');
  const outcomes: StepOutcome[] = [];
  const list = new Listr(
    steps.map((step) => ({
      title: step.name,
      task: async (_: unknown, task: { skip(reason: string): void }) => {
        const started = Date.now();
        const reason = step.skip ? await step.skip(ctx) : false;
        if (reason) {
          task.skip(`${step.name} (skipped: ${reason})`);
          outcomes.push({ name: step.name, status: 'skipped', reason, ms: 0 });
          return;
        }
        try {
          await step.run(ctx);
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
