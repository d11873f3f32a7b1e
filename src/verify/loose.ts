// Verify named files without a plan, as `release verify FILE...` does: every per-file check, the config's
// limits, strictness and ignores, no set check. `release publish FILE...` runs it before it uploads anything.
import type { LoadedConfig } from '../config/load.js';
import { ConfigError } from '../errors.js';
import { defaultJobs } from '../workers/pool.js';
import { verifyArtifacts } from './artifacts.js';
import { CODES } from './findings.js';
import { applyIgnore, codesOf, type VerifyOutcome } from './report.js';
import type { Limits } from './scan.js';

export interface VerifySettings {
  limits: Limits;
  strict: boolean;
  /** verify.ignore: code → reason. */
  ignore: Map<string, string>;
}

/** The `verify:` section of the release config as the checks take it; an ignore of an unknown code is a config error. */
export function verifySettings(loaded: LoadedConfig): VerifySettings {
  // Outside a project the defaults may carry no verify section (as `release verify` reads it).
  const v = (loaded.config as Partial<LoadedConfig['config']>).verify;
  const ignore = new Map<string, string>();
  const limits = { maxUncompressed: (v?.max_uncompressed_mb ?? 4096) * 1024 * 1024, maxRatio: v?.max_ratio ?? 200 };
  for (const i of v?.ignore ?? []) {
    if (!CODES[i.code]) {
      throw new ConfigError(`verify.ignore names ${i.code}, which is not a code release verify emits`, { file: loaded.file ?? undefined, field: 'verify.ignore', hint: 'see the table of codes in the README (Verifying)' });
    }
    ignore.set(i.code, i.reason);
  }
  return { limits, strict: v?.strict ?? false, ignore };
}

/** Every per-file check of `release verify` on `files` (absolute paths); `set` is null: there is no plan to hold them to. */
export async function verifyLooseFiles(loaded: LoadedConfig, files: string[], releaseVersion: string): Promise<VerifyOutcome> {
  const settings = verifySettings(loaded);
  const results = await verifyArtifacts(files, { jobs: Math.min(defaultJobs(), files.length), limits: settings.limits, releaseVersion });
  const { artifacts, ignored } = applyIgnore(results, settings.ignore);
  const ok = artifacts.every((a) => codesOf(a, settings.strict).length === 0);
  return { ok, version: releaseVersion, artifacts, set: null, strict: settings.strict, ignored: ignored.length ? ignored : undefined };
}
