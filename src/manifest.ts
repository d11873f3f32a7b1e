// The release manifest: the one file that flows from plan → build → verify → publish → compat.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { MANIFEST_FILE } from './context.js';
import { ConfigError, InternalError } from './errors.js';
import { entryExists, plainNameProblem, readUserFile } from './files.js';
import { compareCodePoints } from './order.js';

export { MANIFEST_FILE };
export const FRAGMENT_DIR = 'manifest-fragments';
export const SCHEMA_VERSION = 1;

/** A file name taken from data: never a path (it is joined to directories when files are read and written). */
const fileName = z.string().superRefine((name, ctx) => {
  const problem = plainNameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: `must be a plain file name, but ${problem}` });
});

/** A package directory relative to the repository root: no absolute path, no `..`. */
const relativeDir = z.string().superRefine((p, ctx) => {
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p) || p.split(/[/\\]/).includes('..') || p.includes('\0')) {
    ctx.addIssue({ code: 'custom', message: `must be a directory inside the repository, got ${JSON.stringify(p)}` });
  }
});

const kind = z.enum(['pure', 'native', 'abi3', 'platform']);
const builder = z.enum(['build', 'cibuildwheel', 'maturin', 'pants']);

export const manifestPackageSchema = z.object({
  /** PEP 503 normalised name, e.g. `demo-core`. */
  name: z.string(),
  /** The name as it appears in filenames, e.g. `demo_core`. */
  distName: z.string(),
  /** The project's directory, relative to the repository root, with `/`. */
  path: relativeDir,
  kind,
  builder,
  requiresPython: z.string().nullable().default(null),
});

export const expectedArtifactSchema = z.object({
  /** Stable key: `<package>:<wheel|sdist>:<target|any>:<python|any>`. */
  id: z.string(),
  package: z.string(),
  type: z.enum(['wheel', 'sdist']),
  /** Recipe target (`linux-x86_64`), or null for pure wheels and sdists. */
  target: z.string().nullable(),
  /** `3.12` for version-specific wheels, null otherwise. */
  python: z.string().nullable(),
  /** The exact filename, when the plan can know it. */
  filename: fileName.nullable().default(null),
  /** A glob (`*` and `?`) the filename must match when the exact platform tag is only known after the build. */
  pattern: z.string().nullable().default(null),
  /** The build job that produces it. */
  job: z.string(),
});

export const buildJobSchema = z.object({
  /** Unique job id, also the artifact name in CI (`build-linux-x86_64`). */
  id: z.string(),
  target: z.string(),
  runner: z.string(),
  builder,
  /** Emulation needed on that runner (`qemu`), or null when native. */
  emulation: z.string().nullable().default(null),
  packages: z.array(z.string()),
  pythons: z.array(z.string()),
  env: z.record(z.string(), z.string()).default({}),
});

export const builtArtifactSchema = z.object({
  filename: fileName,
  package: z.string(),
  target: z.string().nullable(),
  job: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export const verifiedFileSchema = z.object({
  filename: fileName,
  sha256: z.string(),
  size: z.number(),
  ok: z.boolean(),
  codes: z.array(z.string()),
  /** Codes reported as warnings (they did not fail the file). */
  warnings: z.array(z.string()).optional(),
});

export const verifyRecordSchema = z.object({
  at: z.string(),
  ok: z.boolean(),
  version: z.string(),
  files: z.array(verifiedFileSchema),
  missing: z.array(z.string()).default([]),
  unexpected: z.array(z.string()).default([]),
  duplicate: z.array(z.string()).default([]),
  strict: z.boolean().optional(),
  /** Codes silenced by verify.ignore, with the reason the config gives. */
  ignored: z.array(z.object({ code: z.string(), reason: z.string(), count: z.number().int().nonnegative() })).optional(),
});

/** A file made from the release (versions.json, SHA256SUMS) at the end of verify: publish uploads what is listed. */
export const releaseAssetSchema = z.object({
  filename: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
});

export const publishedFileSchema = z.object({
  sha256: z.string(),
  size: z.number(),
  /** `uploaded`: we sent it and the destination confirmed; `existing`: it was already there, identical. */
  status: z.enum(['uploaded', 'existing']),
  at: z.string(),
  url: z.string().optional(),
  /** PyPI: the upload carried the file's PEP 740 attestation (see `attestations`). */
  attested: z.boolean().optional(),
});

/** A PEP 740 attestation object (src/attest/pep740.ts), as uploaded. */
export const attestationSchema = z.object({
  version: z.literal(1),
  verification_material: z.object({
    certificate: z.string(),
    transparency_entries: z.array(z.record(z.string(), z.unknown())).min(1),
  }),
  envelope: z.object({ statement: z.string(), signature: z.string() }),
});

/** One file's signed publish attestation: recorded before the upload, so a re-run sends the same one. */
export const attestationRecordSchema = z.object({
  sha256: z.string(),
  predicateType: z.string(),
  at: z.string(),
  attestation: attestationSchema,
});

export const destinationRecordSchema = z.object({
  files: z.record(fileName, publishedFileSchema).default({}),
  /** Every file of the release is confirmed at this destination (and, for GitHub, the release is published). */
  complete: z.boolean().default(false),
  url: z.string().optional(),
  releaseId: z.number().optional(),
});

export const manifestSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  tool: z.object({ name: z.string(), version: z.string() }),
  /** Normalised PEP 440 version of the release. */
  version: z.string(),
  tag: z.string(),
  /** The commit the tag points at, when known. */
  commit: z.string().nullable(),
  createdAt: z.string(),
  packages: z.array(manifestPackageSchema),
  jobs: z.array(buildJobSchema),
  expected: z.array(expectedArtifactSchema),
  built: z.array(builtArtifactSchema).default([]),
  verify: verifyRecordSchema.nullable().default(null),
  /** Files made from the release, in dist/ next to the artifacts (absent in manifests before it: none). */
  assets: z.array(releaseAssetSchema).default([]),
  publish: z.record(z.string(), destinationRecordSchema).default({}),
  /** GitHub build provenance sent for the release's files: the attestation id and what it covers. */
  provenance: z.object({ id: z.number(), subjects: z.string(), at: z.string() }).optional(),
  /** PEP 740 attestations by filename, signed at publish time. */
  attestations: z.record(z.string(), attestationRecordSchema).optional(),
  /**
   * Not a plan: the record `release publish FILE...` keeps of files built elsewhere (no expected set, no jobs),
   * what it verified and what each destination confirmed, so that a re-run resumes.
   */
  loose: z.boolean().optional(),
});

export const fragmentSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  job: z.string(),
  built: z.array(builtArtifactSchema),
});

export type PackageKind = z.infer<typeof kind>;
export type BuilderName = z.infer<typeof builder>;
export type ManifestPackage = z.infer<typeof manifestPackageSchema>;
export type ExpectedArtifact = z.infer<typeof expectedArtifactSchema>;
export type BuildJob = z.infer<typeof buildJobSchema>;
export type BuiltArtifact = z.infer<typeof builtArtifactSchema>;
export type VerifyRecord = z.infer<typeof verifyRecordSchema>;
export type ReleaseAsset = z.infer<typeof releaseAssetSchema>;
export type PublishedFile = z.infer<typeof publishedFileSchema>;
export type DestinationRecord = z.infer<typeof destinationRecordSchema>;
export type AttestationRecord = z.infer<typeof attestationRecordSchema>;
export type ReleaseManifest = z.infer<typeof manifestSchema>;
export type ManifestFragment = z.infer<typeof fragmentSchema>;

function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** The dot-path of the first problem, for the error's `field`. */
function firstField(error: z.ZodError): string | undefined {
  return error.issues[0]?.path.join('.') || undefined;
}

/** Where each built entry was read from, so that a conflict names the files. */
const builtSource = new WeakMap<object, string>();

/** Parse and validate a manifest from JSON text; `file` names it in errors. */
export function parseManifest(text: string, file: string): ReleaseManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`not valid JSON: ${(err as Error).message}`, {
      file,
      hint: 'regenerate it with `release plan`',
    });
  }
  const version = (raw as { schemaVersion?: unknown })?.schemaVersion;
  if (version !== SCHEMA_VERSION) {
    throw new ConfigError(`schemaVersion is ${JSON.stringify(version)}, this wheelwright reads ${SCHEMA_VERSION}`, {
      file,
      field: 'schemaVersion',
      hint: 'use the wheelwright version that wrote it, or regenerate it with `release plan`',
    });
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`invalid release manifest: ${formatIssues(parsed.error)}`, {
      file,
      field: firstField(parsed.error),
      hint: 'regenerate it with `release plan`',
    });
  }
  for (const b of parsed.data.built) builtSource.set(b, file);
  return parsed.data;
}

export async function readManifest(file: string): Promise<ReleaseManifest> {
  if (!entryExists(file)) {
    throw new ConfigError('release manifest not found', {
      file,
      hint: 'run `release plan` first (in CI, download the plan job\'s artifact into dist/)',
    });
  }
  return parseManifest(await readUserFile(file, { kind: 'manifest' }), file);
}

export function serializeManifest(m: ReleaseManifest): string {
  const checked = manifestSchema.safeParse(m);
  if (!checked.success) throw new InternalError(`refusing to write an invalid manifest: ${formatIssues(checked.error)}`);
  return JSON.stringify(checked.data, null, 2) + '\n';
}

/**
 * Every file below `dir`, at most four folders deep (CI artifact downloads nest files in folders);
 * `enter(path, name)` decides which folders to walk into. A folder that cannot be read is skipped.
 * With `anyEntry`, links, pipes and folders named `*.json` are listed too, for a reader to refuse.
 */
export async function filesBelow(dir: string, enter: (folder: string, name: string) => boolean = () => true, anyEntry = false): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string, depth: number): Promise<void> {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && !(anyEntry && e.name.endsWith('.json'))) {
        if (depth < 4 && enter(p, e.name)) await walk(p, depth + 1);
      } else if (e.isFile() || anyEntry) out.push(p);
    }
  }
  await walk(dir, 0);
  return out;
}

/** Find build fragments anywhere below `dir`. */
export async function findFragments(dir: string): Promise<string[]> {
  // Links, pipes and folders named like a fragment are listed too: reading them says what is wrong.
  const all = await filesBelow(dir, undefined, true);
  return all.filter((p) => p.endsWith('.json') && path.basename(path.dirname(p)) === FRAGMENT_DIR).sort();
}

export async function readFragment(file: string): Promise<ManifestFragment> {
  const text = await readUserFile(file, { kind: 'manifest' });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`build fragment is not valid JSON: ${(err as Error).message}`, { file });
  }
  const parsed = fragmentSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`invalid build fragment: ${formatIssues(parsed.error)}`, { file, field: firstField(parsed.error) });
  for (const b of parsed.data.built) builtSource.set(b, file);
  return parsed.data;
}

/**
 * Add the artifacts of build fragments to the manifest. The same file reported twice with the same
 * digest is one file; the same filename with two digests is an error (two jobs built it differently).
 */
export function mergeFragments(m: ReleaseManifest, fragments: ManifestFragment[]): ReleaseManifest {
  const byName = new Map(m.built.map((b) => [b.filename, b]));
  for (const f of fragments) {
    for (const b of f.built) {
      const prior = byName.get(b.filename);
      if (prior && prior.sha256 !== b.sha256) {
        const from = (x: object) => (builtSource.has(x) ? ` in ${builtSource.get(x)}` : '');
        const same = prior.job === b.job;
        throw new ConfigError(
          `${b.filename} was reported twice with different contents (job ${prior.job}${from(prior)}: ${prior.sha256.slice(0, 12)}…, job ${b.job}${from(b)}: ${b.sha256.slice(0, 12)}…)`,
          {
            file: builtSource.get(prior) ?? builtSource.get(b),
            field: `built.${m.built.indexOf(prior as BuiltArtifact)}.sha256`.replace('built.-1.sha256', 'built'),
            hint: same
              ? 'the same job reported two digests: one of these files was edited after the build; download the build artifacts again'
              : 'two build jobs produced the same filename; make each wheel come from exactly one job',
          },
        );
      }
      byName.set(b.filename, b);
    }
  }
  return { ...m, built: [...byName.values()].sort((a, b) => compareCodePoints(a.filename, b.filename)) };
}

/**
 * The one reader of a release: the manifest in `dist` (or at `file`) with every build fragment found
 * below `dist` merged in.
 */
export async function loadRelease(dist: string, file: string = path.join(dist, MANIFEST_FILE)): Promise<ReleaseManifest> {
  const m = await readManifest(file);
  const fragments = await findFragments(dist);
  return fragments.length ? mergeFragments(m, await Promise.all(fragments.map((f) => readFragment(f)))) : m;
}

/** Convert a glob with `*` and `?` (the only wildcards a manifest pattern uses) to a RegExp. */
export function patternToRegExp(pattern: string): RegExp {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${re}$`);
}

/** Does `filename` satisfy the expected artifact? */
export function matchesExpected(e: ExpectedArtifact, filename: string): boolean {
  if (e.filename) return e.filename === filename;
  if (e.pattern) return patternToRegExp(e.pattern).test(filename);
  return false;
}
