import { describe, expect, it } from 'vitest';
import { COMMANDS, mainHelp } from '../../src/cli.js';

describe('the command table', () => {
  it.each(Object.keys(COMMANDS))('`release %s` exists, with usage, a description and examples', async (key) => {
    const entry = COMMANDS[key]!;
    const def = (await entry.load()).commands[entry.name];
    expect(def, `src/commands has no \`${entry.name}\` for \`release ${key}\``).toBeDefined();
    expect(def!.usage).toContain(`release ${key}`);
    expect(def!.description.length).toBeGreaterThan(20);
    expect(def!.examples?.length ?? 0).toBeGreaterThan(0);
  });

  it('the main help lists every command', () => {
    const help = mainHelp();
    for (const key of Object.keys(COMMANDS)) expect(help).toMatch(new RegExp(`^ {2}${key} +\\S`, 'm'));
  });
});
