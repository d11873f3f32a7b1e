// release demo: the whole flow on a copy of examples/, offline, into a directory of its own.
import { cp, mkdtemp, readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContext, execProcess, type Context } from '../context.js';
import { ConfigError, InternalError, WheelwrightError } from '../errors.js';
import { runSteps, type Step } from '../pipeline.js';
import { str, type CommandDefinition, type CommandResult } from './types.js';

interface DemoState extends Context {
  dir: string;
  date: string;
  released?: string;
  results: Record<string, unknown>;
}

/** Run another command in-process, in the demo's directory, as `release <key> <argv>` would. */
async function runCommand(state: DemoState, key: string, argv: string[]): Promise<CommandResult | void> {
  const { COMMANDS, toParseArgsOptions } = await import('../cli.js');
  const entry = COMMANDS[key]!;
  const def = (await entry.load()).commands[entry.name];
  if (!def) throw new ConfigError(`the demo needs \`release ${key}\`, which this build does not have`);
  const { parseArgs } = await import('node:util');
  const parsed = parseArgs({ args: argv, options: toParseArgsOptions(def.options ?? {}), allowPositionals: true, strict: true });
  const ctx = createContext({ cwd: state.dir, json: true, verbose: state.verbose, log: state.log, env: state.env });
  state.log.info(`$ release ${key} ${argv.join(' ')}`.trimEnd());
  const result = await def.run(ctx, { positionals: parsed.positionals, values: parsed.values as Record<string, string | boolean | string[] | undefined> });
  if (result?.exitCode) throw new WheelwrightError(`release ${key} exited with ${result.exitCode}`, result.exitCode as 2);
  state.results[key] = result?.json;
  return result;
}

const examplesDir = () => path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples');

const steps: Step<DemoState>[] = [
  {
    // A fresh git repository holding examples/, so prepare can commit and tag for real.
    name: 'copy examples/ into a new git repository',
    async run(s) {
      await cp(examplesDir(), s.dir, { recursive: true, verbatimSymlinks: true });
      const git = (...args: string[]) => execProcess('git', args, { cwd: s.dir, env: { GIT_AUTHOR_NAME: 'wheelwright demo', GIT_AUTHOR_EMAIL: 'demo@example.invalid', GIT_COMMITTER_NAME: 'wheelwright demo', GIT_COMMITTER_EMAIL: 'demo@example.invalid' } });
      await git('init', '-q', '-b', 'main');
      await git('config', 'user.name', 'wheelwright demo');
      await git('config', 'user.email', 'demo@example.invalid');
      await git('config', 'commit.gpgsign', 'false');
      await git('config', 'tag.gpgsign', 'false');
      await git('add', '-A');
      await git('commit', '-q', '-m', 'demo: the examples monorepo');
      s.log.info(`demo repository: ${s.dir}`);
    },
  },
  // Bump, render the towncrier fragments into CHANGELOG.md, commit and tag.
  { name: 'prepare the release (bump minor, notes, commit, tag)', run: async (s) => void (await runCommand(s, 'prepare', ['--bump', 'minor', '--date', s.date])) },
  {
    name: 'read the new version',
    async run(s) {
      const r = await runCommand(s, 'version show', []);
      s.released = (r?.json as { version: string }).version;
    },
  },
  // Which wheels must exist: packages × Pythons × targets.
  { name: 'plan the wheels', run: async (s) => void (await runCommand(s, 'plan', [])) },
  {
    // Every job this machine can run for real: the pure packages and the linux-x86_64 C extension.
    name: 'build every planned job',
    async run(s) {
      const manifest = await createContext({ cwd: s.dir }).manifest();
      const python = s.env.WHEELWRIGHT_PYTHON ?? '/usr/bin/python3';
      for (const job of manifest.jobs) {
        const native = job.target === 'any' ? [] : ['--native'];
        await runCommand(s, 'build', ['--target', job.target, '--python', python, '--offline', ...native]);
      }
    },
  },
  // Every artifact, and the set against the plan.
  { name: 'verify the artifacts and the set', run: async (s) => void (await runCommand(s, 'verify', [])) },
  // Into the static PEP 503/691 index at dist/index (the embedded default destination).
  { name: 'publish to the static index', run: async (s) => void (await runCommand(s, 'publish', ['--to', 'index'])) },
  {
    // Running it again must do nothing: every file is already there. Nothing to do is success (exit 0).
    name: 'publish again (must be a no-op)',
    async run(s) {
      const again = (await runCommand(s, 'publish', ['--to', 'index']))?.json as { nothingToDo?: boolean } | undefined;
      if (again?.nothingToDo !== true) throw new InternalError('publishing the same release again did something: it must be a no-op');
    },
  },
  {
    // What a downstream engineer would fetch: the version set as a pip file with hashes.
    name: 'fetch the version set for linux-x86_64',
    async run(s) {
      await runCommand(s, 'compat fetch', [s.released!, '--from', path.join(s.dir, 'dist', 'index'), '--platform', 'linux-x86_64', '--python', '3.11', '-o', path.join(s.dir, 'dist', 'constraints.txt')]);
    },
  },
  {
    // The proof: real pip installs exactly that set, by hash, from the index, and the C extension runs.
    name: 'install the set with pip --require-hashes into a fresh venv',
    async skip(s) {
      const python = s.env.WHEELWRIGHT_PYTHON ?? '/usr/bin/python3';
      const r = await execProcess(python, ['-c', 'import venv, ensurepip'], { reject: false }).catch(() => null);
      return r?.exitCode === 0 ? false : `${python} has no venv/ensurepip (Debian: apt-get install python3-venv)`;
    },
    async run(s) {
      const python = s.env.WHEELWRIGHT_PYTHON ?? '/usr/bin/python3';
      const venv = path.join(s.dir, 'dist', 'venv');
      await execProcess(python, ['-m', 'venv', venv]);
      const index = `file://${path.join(s.dir, 'dist', 'index')}/`;
      await execProcess(path.join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--no-cache-dir', '--disable-pip-version-check', '--index-url', index, '--require-hashes', '-r', path.join(s.dir, 'dist', 'constraints.txt')], { env: { PIP_NO_INPUT: '1' } });
      const r = await execProcess(path.join(venv, 'bin', 'python'), ['-c', 'import demo_speedups, demo_cli, importlib.metadata as m; print(demo_speedups.add(2**40, 2**40), *(m.version(p) for p in ("demo-core", "demo-speedups", "demo-cli")))']);
      s.log.info(`installed and imported: ${r.stdout.trim()}`);
      s.results.install = { venv, output: r.stdout.trim() };
    },
  },
];

async function listFiles(dir: string): Promise<string[]> {
  try {
    const names = await readdir(dir);
    const out: string[] = [];
    for (const n of names.sort()) if ((await stat(path.join(dir, n))).isFile()) out.push(n);
    return out;
  } catch {
    return [];
  }
}

const demo: CommandDefinition = {
  usage: 'release demo [--out DIR] [--date YYYY-MM-DD]',
  description:
    'Run the whole release flow on a copy of examples/ (a monorepo with a pure package, a C extension and a package ' +
    'pinned to its sibling): prepare, plan, build (what this machine can build), verify, publish to a static index, ' +
    'publish again (a no-op), and fetch the version set. Offline; nothing outside the demo directory changes.',
  options: {
    out: { type: 'string', valueName: 'DIR', description: 'where to put the demo repository (default: a new temp dir)' },
    date: { type: 'string', valueName: 'YYYY-MM-DD', description: 'release date in the notes (default: today)' },
  },
  examples: ['release demo', 'release demo --out /tmp/demo && pip install --index-url file:///tmp/demo/dist/index/simple demo-cli'],
  async run(ctx, args) {
    if (ctx.dryRun) throw new ConfigError('the demo works in a directory of its own; run it without --dry-run', { hint: 'it changes nothing outside that directory' });
    const out = str(args, 'out');
    const dir = out ? path.resolve(ctx.cwd, out) : await mkdtemp(path.join(os.tmpdir(), 'wheelwright-demo-'));
    if (out && (await listFiles(dir)).length) throw new ConfigError(`${dir} is not empty`, { hint: 'give --out a new or empty directory' });
    const date = str(args, 'date') ?? ctx.now().toISOString().slice(0, 10);
    const state: DemoState = Object.assign(Object.create(ctx) as Context, ctx, { dir, date, results: {} });
    await runSteps(state, steps);
    const dist = path.join(dir, 'dist');
    const files = (await listFiles(dist)).filter((f) => f.endsWith('.whl') || f.endsWith('.tar.gz'));
    const summary = [
      `released ${state.released} from ${dir}`,
      ...files.map((f) => `  ${f}`),
      `index:       ${path.join(dist, 'index')}`,
      `constraints: ${path.join(dist, 'constraints.txt')}`,
      ...(state.results.install ? [`venv:        ${(state.results.install as { venv: string }).venv}`] : []),
    ].join('\n');
    return { text: summary, json: { dir, version: state.released, files, index: path.join(dist, 'index'), results: state.results } };
  },
};

export const commands: Record<string, CommandDefinition> = { demo };
