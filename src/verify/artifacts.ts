// Verify many artifacts at once: wheels are split into scan tasks (large ones into several shards) that
// run on a worker pool, next to one whole-file hash per artifact for SHA256SUMS.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { isSdistFilename, parseWheelFilename } from '../wheel/filename.js';
import type { ZipEntryInfo } from '../wheel/zip.js';
import { withLevels, type Finding } from './findings.js';
import { createPool, type Pool } from '../workers/pool.js';
import type { HashResult } from '../wheel/hash-task.js';
import type { Limits, ScanResult, ScanTask, WheelShardResult } from './scan.js';
import { VERIFY_POOL } from './tasks.js';

/** Verify's worker pool (see tasks.ts). */
export type ScanPool = Pool<ScanTask, ScanResult>;

export interface ArtifactResult {
  filename: string;
  path: string;
  kind: 'wheel' | 'sdist';
  sha256: string;
  size: number;
  findings: Finding[];
  /** Findings that do not fail the artifact (W-DEV-STATUS). */
}

export interface VerifyOptions {
  jobs: number;
  /** Started by the caller (and closed by it); else one of `jobs` workers for this call. */
  pool?: ScanPool;
  limits: Limits;
  releaseVersion: string | null;
}

/**
 * Wheels above this size are split into several shards per job, handed out as workers free up, so one large
 * wheel keeps every core busy even when its cheap and expensive entries cluster.
 */
const SHARD_ABOVE = 32 * 1024 * 1024;
const SHARDS_PER_JOB = 4;

export function isArtifact(filename: string): boolean {
  return filename.endsWith('.whl') || isSdistFilename(filename);
}

export async function verifyArtifacts(files: string[], opts: VerifyOptions): Promise<ArtifactResult[]> {
  const pool = opts.pool ?? createPool<ScanTask, ScanResult>(opts.jobs, VERIFY_POOL);
  try {
    return await Promise.all(files.map((f) => verifyOne(pool, f, opts)));
  } finally {
    if (!opts.pool) await pool.close();
  }
}

async function verifyOne(pool: ScanPool, file: string, opts: VerifyOptions): Promise<ArtifactResult> {
  const filename = path.basename(file);
  if (!filename.endsWith('.whl')) return verifySdist(pool, file, opts);
  const { size } = await stat(file);
  const shards = size > SHARD_ABOVE && opts.jobs > 1 ? opts.jobs * SHARDS_PER_JOB : 1;
  const platformTags = platformTagsOf(filename);
  const pure = platformTags.length > 0 && platformTags.every((t) => t === 'any');
  // One shard reads the wheel once and hashes the whole file as it goes; shards of a large wheel leave the
  // whole-file hash to a task of its own.
  const tasks: ScanTask[] = Array.from({ length: shards }, (_, shard) => ({ kind: 'wheel', file, shard, shards, limits: opts.limits, platformTags, pure, hashFile: shards === 1 }));
  const [hashed, ...parts] = await Promise.all([shards === 1 ? null : pool.run({ kind: 'hash', file }), ...tasks.map((t) => pool.run(t))]);
  const shardResults = parts as WheelShardResult[];
  // Loaded once the first results are in, so this thread hands out the work before it loads the checks.
  const { checkWheel } = await import('./wheel-checks.js');
  const first = shardResults[0]!;
  const h = (hashed as HashResult | null) ?? first.fileHash ?? ((await pool.run({ kind: 'hash', file })) as HashResult);
  const texts = Object.assign({}, ...shardResults.map((r) => r.texts)) as Record<string, string>;
  const findings = checkWheel(
    {
      artifact: filename,
      entries: first.entries ?? ([] as ZipEntryInfo[]),
      hashed: shardResults.flatMap((r) => r.hashed),
      errors: shardResults.flatMap((r) => r.errors),
      texts,
      binaries: shardResults.flatMap((r) => r.binaries),
      misnamed: shardResults.flatMap((r) => r.misnamed),
      openError: first.openError,
    },
    opts,
  );
  const { devStatusWarnings } = await import('./dev-status.js');
  return { filename, path: file, kind: 'wheel', sha256: h.sha256, size: h.size, findings: withLevels([...findings, ...devStatusWarnings(texts, opts.releaseVersion)]) };
}

function platformTagsOf(filename: string): string[] {
  try {
    return parseWheelFilename(filename).platformTags.map((t) => t.toLowerCase());
  } catch {
    return [];
  }
}

async function verifySdist(pool: ScanPool, file: string, opts: VerifyOptions): Promise<ArtifactResult> {
  const filename = path.basename(file);
  const { checkSdist, checkSdistFormat } = await import('./sdist-checks.js');
  const format = checkSdistFormat(filename);
  if (format.length) {
    const h = (await pool.run({ kind: 'hash', file })) as HashResult;
    return { filename, path: file, kind: 'sdist', sha256: h.sha256, size: h.size, findings: withLevels(format) };
  }
  const { readSdist } = await import('../wheel/sdist.js');
  const sd = await readSdist(file);
  return { filename, path: file, kind: 'sdist', sha256: sd.sha256, size: sd.size, findings: withLevels(checkSdist(filename, sd, opts.releaseVersion)) };
}
