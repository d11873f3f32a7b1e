// The steps of `release plan`: compute the expected artifacts and build jobs, write the release manifest.
import type { Context } from '../context.js';
import { appendRunnerFile } from '../github/runner-files.js';
import { serializeManifest } from '../manifest.js';
import type { Step } from '../pipeline.js';
import { planFromConfig, type PlanResult } from './from-config.js';
import { githubOutputLines, markdownTable } from './output.js';

export const PLAN_FORMATS = ['summary', 'table', 'github', 'json'] as const;
export type PlanFormat = (typeof PLAN_FORMATS)[number];

/** What the plan steps share: the format asked for, then the plan. */
export interface PlanState {
  format: PlanFormat;
  plan: PlanResult;
}

export type PlanStep = Step<Context, PlanState>;

export const PLAN_STEPS: PlanStep[] = [
  // Read config, packages, VERSION and recipes, and compute the plan (no network, no processes).
  {
    name: 'compute the plan',
    async run(ctx, s) {
      s.set('plan', await planFromConfig(await ctx.config(), { env: ctx.env, now: ctx.now() }));
    },
  },
  // The manifest is the hand-off to every later job; dist/ is written even in dry run.
  {
    name: 'write the release manifest',
    async run(ctx, s) {
      await ctx.world.writeFile(ctx.manifestPath, serializeManifest(s.need('plan').manifest));
    },
  },
  // The build job's strategy.matrix reads `matrix` from the plan job's outputs.
  {
    name: 'write the matrix to $GITHUB_OUTPUT',
    skip: (ctx, s) => (s.need('format') !== 'github' ? 'not --format github' : !ctx.env.GITHUB_OUTPUT ? 'GITHUB_OUTPUT is not set' : false),
    async run(ctx, s) {
      const { manifest, recipes } = s.need('plan');
      await appendRunnerFile(ctx.world, ctx.env.GITHUB_OUTPUT!, githubOutputLines(manifest, recipes));
    },
  },
  // The run's summary page shows the same table as the terminal.
  {
    name: 'write the table to $GITHUB_STEP_SUMMARY',
    skip: (ctx, s) => (s.need('format') !== 'table' && s.need('format') !== 'github' ? 'not --format table or github' : !ctx.env.GITHUB_STEP_SUMMARY ? 'GITHUB_STEP_SUMMARY is not set' : false),
    async run(ctx, s) {
      await appendRunnerFile(ctx.world, ctx.env.GITHUB_STEP_SUMMARY!, markdownTable(s.need('plan').manifest, s.need('plan').recipes));
    },
  },
];
