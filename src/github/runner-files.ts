// The files a GitHub Actions runner gives a step to write to: $GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY.
import { appendFile } from 'node:fs/promises';
import type { World } from '../context.js';

/** Append `text` to a runner file ($GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY); through the World, so dry run prints it instead. */
export async function appendRunnerFile(world: World, file: string, text: string): Promise<void> {
  await world.mutate(`append ${text.length} bytes to ${file}`, () => appendFile(file, text), undefined);
}
