// `release publish`: run the publish steps (src/publish/steps.ts) over one state bag and sum up what they did.
import { atDist, type Context } from '../context.js';
import { runSteps, State } from '../pipeline.js';
import { PUBLISH_STEPS, withOverrides, type DestinationSummary, type PublishOptions, type PublishState, type PublishTestOptions } from './steps.js';

export { ASSETS_DIR, DESTINATION_ORDER, type DestinationSummary, type PublishOptions, type PublishTestOptions } from './steps.js';

export interface PublishSummary {
  version: string;
  tag: string;
  nothingToDo: boolean;
  files: number;
  destinations: DestinationSummary[];
}

export function runPublish(base: Context, opts: PublishOptions = {}): Promise<PublishSummary> {
  return publish(base, opts, {});
}

/**
 * @internal Publish's one test seam: not part of wheelwright's interface, never called by product code
 * (test/unit/import-rules.test.ts checks that no file under src/ uses it). The GitHub destination's short
 * waits and switched-off pacing, the PyPI destination's short retries and stand-in destinations reach the
 * steps only from here.
 */
export const publishTestSeam = {
  /** runPublish with test-only options next to the command's. */
  run(base: Context, opts: PublishOptions & PublishTestOptions = {}): Promise<PublishSummary> {
    const { destinations, github, pypi, ...product } = opts;
    return publish(base, product, { destinations, github, pypi });
  },
};

async function publish(base: Context, opts: PublishOptions, test: PublishTestOptions): Promise<PublishSummary> {
  const ctx = opts.distDir ? atDist(base, opts.distDir) : base;
  const cfgCtx = withOverrides(ctx, await ctx.config(), opts);
  const state = new State<PublishState>({
    opts,
    test,
    loaded: await cfgCtx.config(),
    names: [],
    pending: [],
    files: [],
    extras: [],
    destinations: new Map(),
    runs: new Map(),
    summary: [],
    writing: Promise.resolve(),
    pool: null,
  });
  try {
    await runSteps(cfgCtx, PUBLISH_STEPS, state);
  } finally {
    // Stops a re-hash that a failed step left running.
    await state.get('pool')?.close();
  }
  await state.need('writing');
  const manifest = state.need('manifest');
  return {
    version: manifest.version,
    tag: manifest.tag,
    nothingToDo: state.need('pending').length === 0,
    files: state.need('files').length,
    destinations: state.need('summary'),
  };
}
