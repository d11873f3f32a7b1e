// `release plan`: --format → the plan steps (src/plan/steps.ts) → the manifest, drawn in that format.
import { UsageError } from '../errors.js';
import { runSteps, State } from '../pipeline.js';
import { githubMatrix, terminalTable } from '../plan/output.js';
import { PLAN_FORMATS, PLAN_STEPS, type PlanFormat, type PlanState } from '../plan/steps.js';
import { str, type CommandDefinition } from './types.js';

const plan: CommandDefinition = {
  usage: 'release plan [--format summary|table|github|json]',
  description:
    'Compute the release manifest from the config: every expected wheel and sdist (exact filename, or a pattern where the repair step picks the platform tag) and one build job per target. Writes dist/release-manifest.json. Pure computation: no network, no processes.',
  options: {
    format: { type: 'string', valueName: 'summary|table|github|json', description: 'table: draw packages × targets × Pythons (and write Markdown to $GITHUB_STEP_SUMMARY); github: write matrix=<json> to $GITHUB_OUTPUT; json: print the manifest on stdout (as --json)' },
  },
  examples: ['release plan --format table', 'release plan --format github   # in the plan job of the release workflow', 'release plan --json | jq .expected'],
  async run(ctx, args) {
    const format = (str(args, 'format') ?? 'summary') as PlanFormat;
    if (!PLAN_FORMATS.includes(format)) throw new UsageError(`unknown --format \`${format}\``, { hint: `use one of: ${PLAN_FORMATS.join(', ')}` });
    const state = new State<PlanState>({ format });
    await runSteps(ctx, PLAN_STEPS, state);
    const { manifest, recipes } = state.need('plan');
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
