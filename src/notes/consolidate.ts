// Placeholder: replaced below.
import type { Context } from '../context.js';
import type { RenderedRelease } from './release.js';
export async function consolidateRc(_ctx: Context, _args: unknown): Promise<RenderedRelease> {
  throw new Error('not yet');
}
