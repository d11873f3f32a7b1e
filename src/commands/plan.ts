// `release plan`: compute the expected artifacts and build jobs, write the release manifest.
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { appendRunnerFile } from '../github/runner-files.js';
import { serializeManifest } from '../manifest.js';
import { runSteps, type Step } from '../pipeline.js';
import { planFromConfig, type PlanResult } from '../plan/from-config.js';
import { githubMatrix, githubOutputLines, markdownTable, terminalTable } from '../plan/output.js';
import { str, type CommandDefinition } from './types.js';

const FORMATS = ['summary', 'table', 'github', 'json'] as const;
type Format = (typeof FORMATS)[number];

interface PlanContext extends Context {
  plan?: PlanResult;
  format: Format;
}

const steps: Step<PlanContext>[] = [
  // Read config, packages, VERSION and recipes, and compute the plan (no network, no processes).
  {
    name: 'compute the plan',
    async run(ctx) {
      ctx.plan = await planFromConfig(await ctx.config(), { env: ctx.env, now: ctx.now() });
    },
  },
  // The manifest is the hand-off to every later job; dist/ is written even in dry run.
  {
    name: 'write the release manifest',
    async run(ctx) {
      await ctx.world.writeFile(ctx.manifestPath, serializeManifest(ctx.plan!.manifest));
    },
  },
  // The build job's strategy.matrix reads `matrix` from the plan job's outputs.
  {
    name: 'write the matrix to $GITHUB_OUTPUT',
    skip: (ctx) => (ctx.format !== 'github' ? 'not --format github' : !ctx.env.GITHUB_OUTPUT ? 'GITHUB_OUTPUT is not set' : false),
    async run(ctx) {
      await appendRunnerFile(ctx.world, ctx.env.GITHUB_OUTPUT!, githubOutputLines(ctx.plan!.manifest, ctx.plan!.recipes));
    },
  },
  // The run's summary page shows the same table as the terminal.
  {
    name: 'write the table to $GITHUB_STEP_SUMMARY',
    skip: (ctx) => (ctx.format !== 'table' && ctx.format !== 'github' ? 'not --format table or github' : !ctx.env.GITHUB_STEP_SUMMARY ? 'GITHUB_STEP_SUMMARY is not set' : false),
    async run(ctx) {
      await appendRunnerFile(ctx.world, ctx.env.GITHUB_STEP_SUMMARY!, markdownTable(ctx.plan!.manifest, ctx.plan!.recipes));
    },
  },
];

const plan: CommandDefinition = {
  usage: 'release plan [--format summary|table|github|json]',
  description:
    'Compute the release manifest from the config: every expected wheel and sdist (exact filename, or a pattern where the repair step picks the platform tag) and one build job per target. Writes dist/release-manifest.json. Pure computation: no network, no processes.',
  options: {
    format: { type: 'string', valueName: 'summary|table|github|json', description: 'table: draw packages × targets × Pythons (and write Markdown to $GITHUB_STEP_SUMMARY); github: write matrix=<json> to $GITHUB_OUTPUT; json: print the manifest on stdout (as --json)' },
  },
  examples: ['release plan --format table', 'release plan --format github   # in the plan job of the release workflow', 'release plan --json | jq .expected'],
  async run(ctx, args) {
    const format = (str(args, 'format') ?? 'summary') as Format;
    if (!FORMATS.includes(format)) throw new UsageError(`unknown --format \`${format}\``, { hint: `use one of: ${FORMATS.join(', ')}` });
    const pctx: PlanContext = { ...ctx, format };
    await runSteps(pctx, steps);
    const { manifest, recipes } = pctx.plan!;
    const text =
      format === 'table'
        ? terminalTable(manifest, recipes)
        : format === 'github'
          ? `matrix=${JSON.stringify(githubMatrix(manifest, recipes))}`
          : format === 'json'
            ? JSON.stringify(manifest, null, 2)
            : terminalTable(manifest).split('\n')[0]!;
    return { json: manifest, text };
  },
};

export const commands: Record<string, CommandDefinition> = { plan };
