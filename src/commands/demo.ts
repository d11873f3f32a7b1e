// `release demo`: --out and --date → the demo steps (src/demo/steps.ts) → what was released, where.
import { mkdtemp, readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runDemo } from '../demo/steps.js';
import { ConfigError } from '../errors.js';
import { str, type CommandDefinition } from './types.js';

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
    const state = await runDemo(ctx, dir, date);
    const [released, results] = [state.need('released'), state.need('results')];
    const dist = path.join(dir, 'dist');
    const files = (await listFiles(dist)).filter((f) => f.endsWith('.whl') || f.endsWith('.tar.gz'));
    const summary = [
      `released ${released} from ${dir}`,
      ...files.map((f) => `  ${f}`),
      `index:       ${path.join(dist, 'index')}`,
      `constraints: ${path.join(dist, 'constraints.txt')}`,
      ...(results.install ? [`venv:        ${(results.install as { venv: string }).venv}`] : []),
    ].join('\n');
    return { text: summary, json: { dir, version: released, files, index: path.join(dist, 'index'), results } };
  },
};

export const commands: Record<string, CommandDefinition> = { demo };
