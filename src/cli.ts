// The `release` command: a table of commands, each imported only when it runs. The one catch lives here.
import { parseArgs } from 'node:util';
import type { CommandDefinition, CommandResult, OptionSpec, ParsedArgs } from './commands/types.js';
import { ExitCode, UsageError, WheelwrightError, suggestion } from './errors.js';
import { redact } from './secrets.js';

type Loader = () => Promise<{ commands: Record<string, CommandDefinition> }>;

interface Entry {
  summary: string;
  load: Loader;
  /** The key in the module's `commands` export. */
  name: string;
  /** Work to start before the command's module loads (given the arguments after the command words). */
  warm?: (args: string[]) => void;
}

const version: Loader = () => import('./commands/version.js');
const config: Loader = () => import('./commands/config.js');
const notes: Loader = () => import('./commands/notes.js');
const prepare: Loader = () => import('./commands/prepare.js');
const plan: Loader = () => import('./commands/plan.js');
const ci: Loader = () => import('./commands/ci.js');
const build: Loader = () => import('./commands/build.js');
const verify: Loader = () => import('./commands/verify.js');
const publish: Loader = () => import('./commands/publish.js');
const compat: Loader = () => import('./commands/compat.js');
const demo: Loader = () => import('./commands/demo.js');

/** Every command, in the order of a release. */
export const COMMANDS: Record<string, Entry> = {
  'version show': { summary: 'print the version from VERSION, normalised', load: version, name: 'show' },
  'version bump': { summary: 'bump VERSION by PEP 440, calver or semver rules', load: version, name: 'bump' },
  'version set': { summary: 'validate and write a version to VERSION', load: version, name: 'set' },
  'version check': { summary: 'check that every package takes its version from VERSION', load: version, name: 'check' },
  'config show': { summary: 'print the effective release config', load: config, name: 'show' },
  'notes draft': { summary: 'print the release notes for the next release', load: notes, name: 'draft' },
  'notes check': { summary: 'fail a change that touches code but adds no news fragment', load: notes, name: 'check' },
  'notes create': { summary: 'write a news fragment', load: notes, name: 'create' },
  prepare: { summary: 'bump, render notes, commit and tag a release', load: prepare, name: 'prepare' },
  plan: { summary: 'compute the expected wheels and build jobs (the release manifest)', load: plan, name: 'plan' },
  'ci init': { summary: 'write the tag-triggered release workflow', load: ci, name: 'init' },
  build: { summary: 'build the wheels of one target on a runner', load: build, name: 'build' },
  verify: {
    summary: 'check every artifact and the set as a whole',
    load: verify,
    name: 'verify',
    // Its worker threads boot while the command loads. Best effort: the command starts any that are missing.
    warm: (args) =>
      void Promise.all([import('./workers/pool.js'), import('./verify/tasks.js')]).then(
        ([m, t]) => m.prestart(m.jobsFromArgs(args), t.VERIFY_POOL),
        () => undefined,
      ),
  },
  publish: { summary: 'upload to PyPI, a GitHub release and a static index, exactly once', load: publish, name: 'publish' },
  'compat list': { summary: 'list the version sets available', load: compat, name: 'list' },
  'compat fetch': { summary: 'write a pip constraints file (with hashes) for a version set', load: compat, name: 'fetch' },
  'compat resolve': { summary: 'print the version set a component version belongs to', load: compat, name: 'resolve' },
  'compat check': { summary: 'check that an environment holds one version set', load: compat, name: 'check' },
  demo: { summary: 'run the whole release flow on a copy of examples/ (no network)', load: demo, name: 'demo' },
};

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  cwd: { type: 'string', valueName: 'DIR', description: 'work in DIR instead of the current directory' },
  dist: { type: 'string', valueName: 'DIR', description: 'the release directory: artifacts, release-manifest.json, build fragments (default dist/)' },
  'dry-run': { type: 'boolean', description: 'change nothing; say what would have happened' },
  json: { type: 'boolean', description: 'machine-readable result on stdout (human output on stderr)' },
  verbose: { type: 'boolean', short: 'v', description: 'more output, and stack traces for errors' },
  help: { type: 'boolean', short: 'h', description: 'show help' },
};

function formatOptions(opts: Record<string, OptionSpec>): string {
  const rows = Object.entries(opts).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.valueName ?? 'VALUE'}` : ''}`;
    return [flag, o.description] as const;
  });
  const width = Math.max(...rows.map(([f]) => f.length));
  return rows.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`).join('\n');
}

export function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const cmds = Object.entries(COMMANDS)
    .map(([k, e]) => `  ${k.padEnd(width)}  ${e.summary}`)
    .join('\n');
  return `release: a release bot for Python projects that ship wheels for many platforms

Usage: release <command> [options]

Commands:
${cmds}

Global options:
${formatOptions(GLOBAL_OPTIONS)}

Examples:
  release version show
  release version bump minor --pre rc
  release prepare --bump minor --dry-run
  release plan --format table
  release verify && release publish --to pypi,github

Run \`release <command> --help\` for a command's options and examples.
Exit codes: 0 ok (also when there is nothing to do), 2 config or input, 4 verify, 5 publish, 6 git, 7 build, 8 compat, 64 usage, 70 internal.`;
}

function commandHelp(key: string, def: CommandDefinition): string {
  const opts = def.options && Object.keys(def.options).length ? `\nOptions:\n${formatOptions(def.options)}\n` : '';
  const ex = def.examples?.length ? `\nExamples:\n${def.examples.map((e) => `  ${e}`).join('\n')}\n` : '';
  return `Usage: ${def.usage}\n\n${def.description}\n${opts}\nGlobal options:\n${formatOptions(GLOBAL_OPTIONS)}\n${ex}`.replace(
    /^Usage: (?!release )/,
    `Usage: release ${key} `,
  );
}

/** Split argv into the command key and its arguments: the longest table key made of leading words. */
function findCommand(argv: string[]): { key: string | undefined; rest: string[] } {
  const words: string[] = [];
  for (const a of argv) {
    if (a.startsWith('-')) break;
    words.push(a);
    if (words.length === 2) break;
  }
  for (let n = words.length; n > 0; n--) {
    const key = words.slice(0, n).join(' ');
    if (COMMANDS[key]) {
      // remove the command words wherever they were in argv (they are leading non-flag words)
      const rest = [...argv];
      for (const w of words.slice(0, n)) rest.splice(rest.indexOf(w), 1);
      return { key, rest };
    }
  }
  return { key: undefined, rest: argv };
}

/** The command `argv` names (a COMMANDS key), if any: the single-file build runs a few of them without unpacking. */
export function commandOf(argv: string[]): string | undefined {
  return findCommand(argv).key;
}

/** Our option table in the form node:util parseArgs takes. */
export function toParseArgsOptions(opts: Record<string, OptionSpec>) {
  return Object.fromEntries(
    Object.entries(opts).map(([k, o]) => [
      k,
      { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
    ]),
  ) as Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;
}

/** Every command refuses words it does not take, naming them, rather than ignoring them. */
export function checkPositionals(key: string, def: CommandDefinition, positionals: string[]): void {
  const max = def.positionals?.max ?? 0;
  if (positionals.length <= max) return;
  const extra = positionals.slice(max);
  const named = extra.map((a) => `\`${a}\``).join(', ');
  throw new UsageError(`unexpected argument${extra.length > 1 ? 's' : ''} ${named} for \`release ${key}\``, {
    hint: max ? `it takes at most ${max} ${def.positionals!.name}; run \`release ${key} --help\`` : `it takes options only; run \`release ${key} --help\``,
  });
}

/**
 * The command line of the single-file build run as a JavaScript action (action.yml): the `command` and `args` inputs,
 * `with: { command: publish, args: --to pypi }` → `publish --to pypi` (split on whitespace; no quoting). Null outside one.
 */
export function actionArgv(env: NodeJS.ProcessEnv): string[] | null {
  const command = env.INPUT_COMMAND?.trim();
  if (!command) return null;
  return [...command.split(/\s+/), ...(env.INPUT_ARGS?.trim() ? env.INPUT_ARGS.trim().split(/\s+/) : [])];
}

export async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  const json = argv.includes('--json');
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      process.stdout.write(mainHelp() + '\n');
      return argv.length === 0 ? ExitCode.usage : ExitCode.ok;
    }
    if (argv[0] === '--version') {
      const { toolVersion } = await import('./tool.js');
      process.stdout.write(`${toolVersion()}\n`);
      return ExitCode.ok;
    }
    const { key, rest } = findCommand(argv);
    if (!key) {
      const attempted = argv.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ');
      const groups = new Set(Object.keys(COMMANDS).map((k) => k.split(' ')[0]!));
      const sub = Object.keys(COMMANDS).filter((k) => k.startsWith(`${attempted.split(' ')[0]} `));
      if (groups.has(attempted.split(' ')[0]!) && sub.length) {
        throw new UsageError(`\`release ${attempted}\` is not a command`, {
          hint: `try one of: ${sub.map((s) => `release ${s}`).join(', ')}`,
        });
      }
      throw new UsageError(`unknown command \`${attempted}\`${suggestion(attempted, Object.keys(COMMANDS))}`, {
        hint: 'run `release --help` for the list of commands',
      });
    }
    const entry = COMMANDS[key]!;
    if (!rest.includes('--help') && !rest.includes('-h')) entry.warm?.(rest);
    const mod = await entry.load();
    const def = mod.commands[entry.name];
    if (!def) throw new UsageError(`command \`${key}\` is not available in this build`);
    const optionSpecs = { ...GLOBAL_OPTIONS, ...(def.options ?? {}) };
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: toParseArgsOptions(optionSpecs), allowPositionals: true, strict: true });
    } catch (err) {
      const msg = (err as Error).message;
      const m = /Unknown option '--?([^']+)'/.exec(msg);
      throw new UsageError(
        m ? `unknown option \`--${m[1]}\` for \`release ${key}\`${suggestion(m[1]!, Object.keys(optionSpecs)).replace('`', '`--')}` : msg,
        { hint: `run \`release ${key} --help\`` },
      );
    }
    if (parsed.values.help) {
      process.stdout.write(commandHelp(key, def) + '\n');
      return ExitCode.ok;
    }
    checkPositionals(key, def, parsed.positionals);
    const { createContext } = await import('./context.js');
    const ctx = createContext({
      cwd: parsed.values.cwd as string | undefined,
      dist: parsed.values.dist as string | undefined,
      dryRun: parsed.values['dry-run'] === true,
      json,
      verbose,
    });
    const result: CommandResult | void = await def.run(ctx, { positionals: parsed.positionals, values: parsed.values as ParsedArgs["values"] });
    if (result) {
      if (json && result.json !== undefined) process.stdout.write(redact(JSON.stringify(result.json, null, 2)) + '\n');
      else if (!json && result.text !== undefined) process.stdout.write(redact(result.text).replace(/\n?$/, '\n'));
      return result.exitCode ?? ExitCode.ok;
    }
    return ExitCode.ok;
  } catch (err) {
    return report(err, { verbose, json });
  }
}

function report(err: unknown, opts: { verbose: boolean; json: boolean }): number {
  const known = err instanceof WheelwrightError;
  const code = known ? err.exitCode : ExitCode.internal;
  const message = known ? err.describe() : `internal error: ${err instanceof Error ? err.message : String(err)}`;
  process.stderr.write(redact(`error: ${message}`) + '\n');
  if (!known) process.stderr.write('This is a bug in wheelwright; run again with --verbose and report the output.\n');
  if (opts.verbose && err instanceof Error && err.stack) process.stderr.write(redact(err.stack) + '\n');
  if (opts.json) {
    const e = err as Partial<WheelwrightError>;
    process.stdout.write(
      redact(JSON.stringify({ error: { message: known ? err.message : message, exitCode: code, file: e.file, field: e.field, hint: e.hint } }, null, 2)) + '\n',
    );
  }
  if (process.env.GITHUB_ACTIONS === 'true') process.stdout.write(`::error::${redact(message).replace(/\n/g, '%0A')}\n`);
  return code;
}
