// The `<name>-release` set distribution at the end of verify: made from the verified set, checked like any
// wheel, and listed with the built files (job `verify`) so that publish sends it wherever the wheels go.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { setDistributionName } from '../config/set-distribution.js';
import { InternalError } from '../errors.js';
import type { BuiltArtifact, ReleaseManifest } from '../manifest.js';
import { buildSetDistribution, setDistributionFilename } from '../wheel/set-distribution.js';
import type { VersionSet } from '../versionset.js';

/** The job name that marks a built file verify made (not a build job). */
export const SET_DISTRIBUTION_JOB = 'verify';

export interface SetDistributionPlan {
  name: string;
  filename: string;
}

/** What the config asks for (null: nothing), named for this release. */
export async function planSetDistribution(loaded: LoadedConfig, plan: ReleaseManifest): Promise<SetDistributionPlan | null> {
  const name = await setDistributionName(loaded, plan.packages.map((p) => p.name));
  return name === null ? null : { name, filename: setDistributionFilename(name, plan.version) };
}

/**
 * The plan without what an earlier verify added: its set distribution is made again from this run's
 * set (the same bytes when the set is the same), never carried over.
 */
export function withoutVerifyMade(plan: ReleaseManifest): ReleaseManifest {
  return { ...plan, built: plan.built.filter((b) => b.job !== SET_DISTRIBUTION_JOB) };
}

/** The set wheel written to `dist`, and its entry for the manifest's built files. */
export async function writeSetDistribution(
  set: VersionSet,
  want: SetDistributionPlan,
  dist: string,
  write: (file: string, data: Uint8Array) => Promise<void>,
): Promise<{ file: string; built: BuiltArtifact }> {
  const wheel = buildSetDistribution(set, want.name);
  if (wheel.filename !== want.filename) throw new InternalError(`the set distribution was built as ${wheel.filename}, not ${want.filename}`);
  const file = path.join(dist, wheel.filename);
  await write(file, wheel.bytes);
  const sha256 = createHash('sha256').update(wheel.bytes).digest('hex');
  return { file, built: { filename: wheel.filename, package: want.name, target: null, job: SET_DISTRIBUTION_JOB, size: wheel.bytes.length, sha256 } };
}
