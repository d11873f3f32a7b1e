// release config show
import type { CommandDefinition } from './types.js';

const show: CommandDefinition = {
  usage: 'release config show [--json]',
  description: 'Print the effective release config: the file it came from, with every default filled in.',
  examples: ['release config show', 'release config show --json | jq .targets'],
  async run(ctx) {
    const loaded = await ctx.config();
    const { stringify } = await import('yaml');
    const header = `# ${loaded.file ?? 'no release.yaml or [tool.wheelwright]: defaults'}\n# root: ${loaded.root}\n`;
    return {
      text: header + stringify(loaded.config),
      json: { root: loaded.root, file: loaded.file, config: loaded.config },
    };
  },
};

export const commands: Record<string, CommandDefinition> = { show };
