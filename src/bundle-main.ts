// Entry of the single-file build (bundle/wheelwright.mjs): the CLI, also run as a JavaScript action (action.yml),
// where the command comes from the `command` and `args` inputs instead of the command line.
import { main } from './cli.js';

/** `with: { command: publish, args: --to pypi }` → `publish --to pypi` (args split on whitespace; no quoting). */
export function actionArgv(env: NodeJS.ProcessEnv): string[] | null {
  const command = env.INPUT_COMMAND?.trim();
  if (!command) return null;
  return [...command.split(/\s+/), ...(env.INPUT_ARGS?.trim() ? env.INPUT_ARGS.trim().split(/\s+/) : [])];
}

const argv = process.argv.slice(2);
process.exitCode = await main(argv.length === 0 ? (actionArgv(process.env) ?? argv) : argv);
