// The steps of `release demo`: the whole flow on a copy of examples/, offline, into a directory of its own.
// Each step runs one `release` command in-process, as a user would type it; so, like commands/, this folder
// puts the stages together (it is an entry folder in test/unit/import-rules.test.ts).
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandResult } from '../commands/types.js';
import { createContext, execProcess, type Context } from '../context.js';
import { ConfigError, InternalError, WheelwrightError } from '../errors.js';
import { runSteps, State, type Step } from '../pipeline.js';

/** What the demo steps share: where the demo runs, then what each command reported. */
export interface DemoState {
  /** The demo's own directory: a git repository made from examples/. */
  dir: string;
  /** YYYY-MM-DD, the release date in the notes. */
  date: string;
  /** The version `release prepare` made. */
  released: string;
  /** Each command's JSON result, by command. */
  results: Record<string, unknown>;
}

/** One step of `release demo`. */
export type DemoStep = Step<Context, DemoState>;

/** Run another command in-process, in the demo's directory, as `release <key> <argv>` would. */
async function runCommand(ctx: Context, s: State<DemoState>, key: string, argv: string[]): Promise<CommandResult | void> {
  const { COMMANDS, toParseArgsOptions } = await import('../cli.js');
  const entry = COMMANDS[key]!;
  const def = (await entry.load()).commands[entry.name];
  if (!def) throw new ConfigError(`the demo needs \`release ${key}\`, which this build does not have`);
  const { parseArgs } = await import('node:util');
  const parsed = parseArgs({ args: argv, options: toParseArgsOptions(def.options ?? {}), allowPositionals: true, strict: true });
  const inDemo = createContext({ cwd: s.need('dir'), json: true, verbose: ctx.verbose, log: ctx.log, env: ctx.env });
  ctx.log.info(`$ release ${key} ${argv.join(' ')}`.trimEnd());
  const result = await def.run(inDemo, { positionals: parsed.positionals, values: parsed.values as Record<string, string | boolean | string[] | undefined> });
  if (result?.exitCode) throw new WheelwrightError(`release ${key} exited with ${result.exitCode}`, result.exitCode as 2);
  s.need('results')[key] = result?.json;
  return result;
}

const examplesDir = () => path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples');

/** The steps of `release demo`, in order: each runs one command as a user would, in the demo's directory. */
export const DEMO_STEPS: DemoStep[] = [
  {
    // A fresh git repository holding examples/, so prepare can commit and tag for real.
    name: 'copy examples/ into a new git repository',
    async run(ctx, s) {
      const dir = s.need('dir');
      await cp(examplesDir(), dir, { recursive: true, verbatimSymlinks: true });
      const git = (...args: string[]) => execProcess('git', args, { cwd: dir, env: { GIT_AUTHOR_NAME: 'wheelwright demo', GIT_AUTHOR_EMAIL: 'demo@example.invalid', GIT_COMMITTER_NAME: 'wheelwright demo', GIT_COMMITTER_EMAIL: 'demo@example.invalid' } });
      await git('init', '-q', '-b', 'main');
      await git('config', 'user.name', 'wheelwright demo');
      await git('config', 'user.email', 'demo@example.invalid');
      await git('config', 'commit.gpgsign', 'false');
      await git('config', 'tag.gpgsign', 'false');
      await git('add', '-A');
      await git('commit', '-q', '-m', 'demo: the examples monorepo');
      ctx.log.info(`demo repository: ${dir}`);
    },
  },
  // Bump, render the towncrier fragments into CHANGELOG.md, commit and tag.
  { name: 'prepare the release (bump minor, notes, commit, tag)', run: async (ctx, s) => void (await runCommand(ctx, s, 'prepare', ['--bump', 'minor', '--date', s.need('date')])) },
  {
    name: 'read the new version',
    async run(ctx, s) {
      const r = await runCommand(ctx, s, 'version show', []);
      s.set('released', (r?.json as { version: string }).version);
    },
  },
  // Which wheels must exist: packages × Pythons × targets.
  { name: 'plan the wheels', run: async (ctx, s) => void (await runCommand(ctx, s, 'plan', [])) },
  {
    // Every job this machine can run for real: the pure packages and the linux-x86_64 C extension.
    name: 'build every planned job',
    async run(ctx, s) {
      const manifest = await createContext({ cwd: s.need('dir') }).manifest();
      const python = ctx.env.WHEELWRIGHT_PYTHON ?? '/usr/bin/python3';
      for (const job of manifest.jobs) {
        const native = job.target === 'any' ? [] : ['--native'];
        await runCommand(ctx, s, 'build', ['--target', job.target, '--python', python, '--offline', ...native]);
      }
    },
  },
  // Every artifact, and the set against the plan.
  { name: 'verify the artifacts and the set', run: async (ctx, s) => void (await runCommand(ctx, s, 'verify', [])) },
  // Into the static PEP 503/691 index at dist/index (the embedded default destination).
  { name: 'publish to the static index', run: async (ctx, s) => void (await runCommand(ctx, s, 'publish', ['--to', 'index'])) },
  {
    // Running it again must do nothing: every file is already there. Nothing to do is success (exit 0).
    name: 'publish again (must be a no-op)',
    async run(ctx, s) {
      const again = (await runCommand(ctx, s, 'publish', ['--to', 'index']))?.json as { nothingToDo?: boolean } | undefined;
      if (again?.nothingToDo !== true) throw new InternalError('publishing the same release again did something: it must be a no-op');
    },
  },
  {
    // What a downstream engineer would fetch: the version set as a pip file with hashes.
    name: 'fetch the version set for linux-x86_64',
    async run(ctx, s) {
      const dist = path.join(s.need('dir'), 'dist');
      await runCommand(ctx, s, 'compat fetch', [s.need('released'), '--from', path.join(dist, 'index'), '--platform', 'linux-x86_64', '--python', '3.11', '-o', path.join(dist, 'constraints.txt')]);
    },
  },
  {
    // The proof: real pip installs exactly that set, by hash, from the index, and the C extension runs.
    name: 'install the set with pip --require-hashes into a fresh venv',
    async skip(ctx) {
      const python = ctx.env.WHEELWRIGHT_PYTHON ?? '/usr/bin/python3';
      const r = await execProcess(python, ['-c', 'import venv, ensurepip'], { reject: false }).catch(() => null);
      return r?.exitCode === 0 ? false : `${python} has no venv/ensurepip (Debian: apt-get install python3-venv)`;
    },
    async run(ctx, s) {
      const python = ctx.env.WHEELWRIGHT_PYTHON ?? '/usr/bin/python3';
      const dist = path.join(s.need('dir'), 'dist');
      const venv = path.join(dist, 'venv');
      await execProcess(python, ['-m', 'venv', venv]);
      const index = `file://${path.join(dist, 'index')}/`;
      await execProcess(path.join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--no-cache-dir', '--disable-pip-version-check', '--index-url', index, '--require-hashes', '-r', path.join(dist, 'constraints.txt')], { env: { PIP_NO_INPUT: '1' } });
      const r = await execProcess(path.join(venv, 'bin', 'python'), ['-c', 'import demo_speedups, demo_cli, importlib.metadata as m; print(demo_speedups.add(2**40, 2**40), *(m.version(p) for p in ("demo-core", "demo-speedups", "demo-cli")))']);
      ctx.log.info(`installed and imported: ${r.stdout.trim()}`);
      s.need('results').install = { venv, output: r.stdout.trim() };
    },
  },
];

/** Run the demo steps in `dir` (new or empty); the state bag holds the version released and every result. */
export async function runDemo(ctx: Context, dir: string, date: string): Promise<State<DemoState>> {
  const state = new State<DemoState>({ dir, date, results: {} });
  await runSteps(ctx, DEMO_STEPS, state);
  return state;
}
