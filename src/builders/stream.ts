// Run a builder through the dry-run boundary, streaming its stdout and stderr to our stderr (stdout is for results).
import type { Context } from '../context.js';

export interface StreamResult {
  exitCode: number;
  /** The last lines of output, for the error message. */
  tail: string;
}

/** In dry run, prints `$ command` and returns exit 0. A builder that cannot start throws. */
export async function runStreaming(ctx: Context, file: string, args: string[], opts: { cwd: string; env: Record<string, string> }): Promise<StreamResult> {
  const command = [file, ...args].join(' ');
  return ctx.world.mutate(
    `$ ${command}`,
    async () => {
      const { execa } = await import('execa');
      const r = await execa(file, args, { cwd: opts.cwd, env: opts.env, extendEnv: true, reject: false, stdout: ['pipe', 2], stderr: ['pipe', 2], all: true });
      if (r.exitCode === undefined) throw new Error(`${command}: ${r.shortMessage ?? 'could not start'}`);
      return { exitCode: r.exitCode, tail: String(r.all ?? '').trim().split('\n').slice(-15).join('\n') };
    },
    { exitCode: 0, tail: '' },
  );
}
