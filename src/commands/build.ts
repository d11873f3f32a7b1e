// `release build --target T`: flags → the build steps (src/builders/steps.ts) → the files built, as text or JSON.
import { buildTarget } from '../builders/steps.js';
import { UsageError } from '../errors.js';
import { bool, str, type CommandDefinition } from './types.js';

function defaultPython(env: NodeJS.ProcessEnv): string {
  return env.WHEELWRIGHT_PYTHON || (process.platform === 'win32' ? 'python' : 'python3');
}

const build: CommandDefinition = {
  usage: 'release build --target T [--job ID] [--from DIR] [--python PATH] [--offline] [--native]',
  description:
    "Build the packages and Pythons the plan gives target T with the target's builder (pypa/build for sdists and pure wheels, cibuildwheel, maturin), streaming its output; check the files against the plan (a missing wheel, a pure wheel where a platform wheel was expected, or an extra file fails, naming package and target); copy them into dist/ and record filename, size and sha256 in dist/manifest-fragments/<job>.json. Use target `any` for sdists and pure wheels. --dry-run prints the commands and their environment.",
  options: {
    target: { type: 'string', valueName: 'T', description: 'the target to build (a recipe name, or `any` for sdists and pure wheels)' },
    python: { type: 'string', valueName: 'PATH', description: 'the Python that runs the builders (default: $WHEELWRIGHT_PYTHON, else python3)' },
    offline: { type: 'boolean', description: 'no network: build without isolation (also $WHEELWRIGHT_OFFLINE=1); the build backend must be installed' },
    job: { type: 'string', valueName: 'ID', description: 'the build job, where the plan splits a target into several (one per Python for emulated targets)' },
    from: { type: 'string', valueName: 'DIR', description: 'take the wheels a builder action already wrote to DIR (e.g. PyO3/maturin-action), then check and record them' },
    native: { type: 'boolean', description: 'build native packages with the host Python (no container) and retag linux_* wheels after checking their glibc symbol versions fit the recipe policy' },
  },
  examples: [
    'release build --target linux-x86_64',
    'release build --target any --python /usr/bin/python3 --offline',
    'release build --target macos-arm64 --dry-run   # print the cibuildwheel command and CIBW_* environment',
  ],
  async run(ctx, args) {
    const target = str(args, 'target');
    if (!target) throw new UsageError('--target is required', { hint: 'e.g. `release build --target linux-x86_64` (see `release plan --format table`)' });
    const request = {
      target,
      job: str(args, 'job'),
      from: str(args, 'from'),
      python: str(args, 'python') ?? defaultPython(ctx.env),
      offline: bool(args, 'offline') || ctx.env.WHEELWRIGHT_OFFLINE === '1',
      // WHEELWRIGHT_NATIVE=1 (a runner that is the target, e.g. the local rehearsal) applies to platform targets only.
      native: bool(args, 'native') || (ctx.env.WHEELWRIGHT_NATIVE === '1' && target !== 'any'),
    };
    const state = await buildTarget(ctx, request);
    const built = state.get('built') ?? [];
    const invocations = state.get('invocations');
    return {
      json: { job: state.get('job')?.id, target, dryRun: ctx.dryRun, commands: invocations?.map((i) => ({ package: i.package, command: [i.file, ...i.args], env: i.env, cwd: i.cwd })), built },
      text: ctx.dryRun ? `dry run: ${invocations?.length ?? 0} builder command(s) printed` : built.map((b) => b.filename).join('\n'),
    };
  },
};

export const commands: Record<string, CommandDefinition> = { build };
