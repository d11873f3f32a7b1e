import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS, mainHelp } from '../../src/cli.js';
import { ExitCode } from '../../src/errors.js';

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

  it('the help and the README list exactly the exit codes that exist (nothing to do is 0, not a code of its own)', () => {
    const codes = Object.values(ExitCode).filter((c) => c !== ExitCode.failure).sort((a, b) => a - b);
    const help = /^Exit codes: (.*)$/m.exec(mainHelp())![1]!;
    expect([...help.matchAll(/(\d+) /g)].map((m) => Number(m[1]))).toEqual(codes);
    const readme = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    const table = readme.split('### Exit codes')[1]!.split('\n\n')[1]!;
    expect([...table.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]))).toEqual(codes);
    expect(help).toContain('0 ok (also when there is nothing to do)');
  });
});
