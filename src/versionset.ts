// The version set (`versions.json`): which package versions and files were released together.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { CompatError, ConfigError } from './errors.js';
import { entryExists, readUserFile } from './files.js';
import type { ReleaseManifest } from './manifest.js';
import { normalizeName } from './version/pep440.js';
import { wheelTags } from './platforms/tags.js';
import { hashFile } from './wheel/hash.js';
import { artifactKind } from './wheel/filename.js';

export const VERSIONS_FILE = 'versions.json';
export const VERSION_SET_SCHEMA = 1;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256');

export const setFileSchema = z.object({
  filename: z.string().min(1),
  type: z.enum(['wheel', 'sdist']),
  sha256,
  size: z.number().int().nonnegative(),
  /** Expanded wheel tags (`cp312-cp312-manylinux_2_17_x86_64`); empty for an sdist. */
  tags: z.array(z.string()),
});

export const setPackageSchema = z.object({
  /** PEP 503 normalised name. */
  name: z.string().min(1),
  version: z.string().min(1),
  requiresPython: z.string().nullable(),
  files: z.array(setFileSchema),
});

export const versionSetSchema = z.object({
  schemaVersion: z.literal(VERSION_SET_SCHEMA),
  /** The release version (normalised PEP 440). */
  version: z.string().min(1),
  tag: z.string(),
  commit: z.string().nullable(),
  createdAt: z.string(),
  packages: z.array(setPackageSchema),
});

export type SetFile = z.infer<typeof setFileSchema>;
export type SetPackage = z.infer<typeof setPackageSchema>;
export type VersionSet = z.infer<typeof versionSetSchema>;

/** What a version set needs to know of one released file. */
export interface SetInputFile {
  filename: string;
  package: string;
  sha256: string;
  size: number;
}

/** The version set of a manifest's release, from files already known (name, digest, size). */
export function versionSetFromFiles(manifest: ReleaseManifest, files: SetInputFile[]): VersionSet {
  const packages: SetPackage[] = manifest.packages.map((p) => {
    const name = normalizeName(p.name);
    const own = files
      .filter((f) => normalizeName(f.package) === name && artifactKind(f.filename) !== null)
      .sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
    return {
      name,
      version: manifest.version,
      requiresPython: p.requiresPython,
      files: own.map((f) => ({
        filename: f.filename,
        type: artifactKind(f.filename)!,
        sha256: f.sha256,
        size: f.size,
        tags: wheelTags(f.filename) ?? [],
      })),
    };
  });
  return versionSetSchema.parse({
    schemaVersion: VERSION_SET_SCHEMA,
    version: manifest.version,
    tag: manifest.tag,
    commit: manifest.commit,
    createdAt: manifest.createdAt,
    // By code unit, not localeCompare: the order (and so the bytes of versions.json and of the set
    // distribution) would follow LANG / LC_ALL of the machine verify runs on (`y` sorts after `i` in lt).
    packages: packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  });
}

export async function sha256File(file: string): Promise<string> {
  return (await hashFile(file)).sha256;
}

/** A release file whose digest and size are known already (`release verify` hashed it). */
export interface KnownFile {
  filename: string;
  sha256: string;
  size: number;
}

/** The package a release file belongs to: as built, else by its distribution name (the plan names both). */
function packageOfFile(manifest: ReleaseManifest, filename: string): string {
  const built = manifest.built.find((b) => b.filename === filename);
  if (built) return built.package;
  const dist = normalizeName(filename.split('-')[0]!);
  return manifest.packages.find((p) => normalizeName(p.distName) === dist || normalizeName(p.name) === dist)?.name ?? '';
}

/**
 * The one builder of a release's version set, the versions.json `release verify` writes and `release
 * compat` reads back. With `verified`, the files verify has just hashed are the release (each assigned to
 * its package); without, the manifest's built files are, each checked against `distDir` first (a set must
 * describe exactly the files that were published).
 */
export async function buildVersionSet(manifest: ReleaseManifest, distDir: string, verified?: KnownFile[]): Promise<VersionSet> {
  if (verified) return versionSetFromFiles(manifest, verified.map(({ filename, sha256, size }) => ({ filename, sha256, size, package: packageOfFile(manifest, filename) })));
  const files: SetInputFile[] = [];
  for (const b of manifest.built) {
    if (!artifactKind(b.filename)) continue;
    const file = path.join(distDir, b.filename);
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch {
      throw new CompatError(`${b.filename} is in the manifest but not in ${distDir}`, {
        file,
        hint: 'download every build artifact into dist/ before building the version set',
      });
    }
    const digest = await sha256File(file);
    if (digest !== b.sha256 || size !== b.size) {
      throw new CompatError(`${b.filename} does not match the manifest (sha256 ${digest.slice(0, 12)}…, manifest ${b.sha256.slice(0, 12)}…)`, {
        file,
        hint: 'the file changed after it was built; rebuild it or run `release verify` again',
      });
    }
    files.push(b);
  }
  return versionSetFromFiles(manifest, files);
}

export function serializeVersionSet(set: VersionSet): string {
  return JSON.stringify(versionSetSchema.parse(set), null, 2) + '\n';
}

/** Parse a versions.json; `source` (a path or URL) names it in errors. */
export function parseVersionSet(text: string, source: string): VersionSet {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CompatError(`${VERSIONS_FILE} is not valid JSON: ${(err as Error).message}`, { file: source, hint: 'fetch it again; it may be truncated' });
  }
  const version = (raw as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== VERSION_SET_SCHEMA) {
    throw new CompatError(`schemaVersion is ${JSON.stringify(version)}, this wheelwright reads ${VERSION_SET_SCHEMA}`, {
      file: source,
      field: 'schemaVersion',
      hint: 'use the wheelwright version that published it',
    });
  }
  const parsed = versionSetSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CompatError(`invalid version set at ${issue.path.join('.') || '(root)'}: ${issue.message}`, {
      file: source,
      field: issue.path.join('.'),
      hint: 'the file was not written by `release publish`, or was edited',
    });
  }
  return parsed.data;
}

/** A file as the source that serves it reports it (index hashes, a local file's digest). */
export interface ServedFile {
  filename: string;
  sha256: string | null;
  size: number | null;
}

/**
 * Check a version set against the files its source serves: every file must be there with the same
 * sha256 (and size when known). A mismatch means the set or the files were tampered with.
 */
export function checkSetAgainstFiles(set: VersionSet, served: Map<string, ServedFile>, source: string): void {
  for (const pkg of set.packages) {
    for (const f of pkg.files) {
      const s = served.get(f.filename);
      if (!s) {
        throw new CompatError(`${f.filename} of set ${set.version} is not served by ${source}`, {
          file: source,
          field: `packages.${pkg.name}.files.${f.filename}`,
          hint: 'publish the release to this source again, or use the source the set was published to',
        });
      }
      if ((s.sha256 !== null && s.sha256 !== f.sha256) || (s.size !== null && s.size !== f.size)) {
        throw new CompatError(
          `hash mismatch for ${f.filename}: ${VERSIONS_FILE} says sha256 ${f.sha256.slice(0, 16)}…, ${source} serves ${s.sha256?.slice(0, 16) ?? '?'}…`,
          {
            file: source,
            field: `packages.${pkg.name}.files.${f.filename}`,
            hint: `the ${VERSIONS_FILE} or the file was tampered with; do not install from this source until the release is republished`,
          },
        );
      }
    }
  }
}

/** Check a set against a local directory of files (flat, or an index tree with `<project>/<file>`). */
export async function checkSetAgainstDir(set: VersionSet, dir: string): Promise<void> {
  const served = new Map<string, ServedFile>();
  for (const pkg of set.packages) {
    for (const f of pkg.files) {
      for (const candidate of [path.join(dir, f.filename), path.join(dir, pkg.name, f.filename)]) {
        try {
          const st = await stat(candidate);
          served.set(f.filename, { filename: f.filename, sha256: await sha256File(candidate), size: st.size });
          break;
        } catch {
          // try the next layout
        }
      }
    }
  }
  checkSetAgainstFiles(set, served, dir);
}

/**
 * Read a versions.json and check it against the files in `filesDir` (flat, or an index tree): the
 * reader `release verify` and the sources use. A tampered set or file is a CompatError.
 */
export async function readVersionSet(file: string, filesDir: string = path.dirname(file)): Promise<VersionSet> {
  if (!entryExists(file)) throw new CompatError(`${VERSIONS_FILE} not found`, { file, hint: 'it is written by `release publish` next to the release files' });
  let text: string;
  try {
    text = await readUserFile(file, { kind: 'versionset', root: null });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new CompatError(err.message, { file, hint: err.hint });
  }
  const set = parseVersionSet(text, file);
  await checkSetAgainstDir(set, filesDir);
  return set;
}
