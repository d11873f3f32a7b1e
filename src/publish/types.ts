// The contract every publish destination (pypi, github, index) implements.
import type { Context } from '../context.js';
import type { PublishedFile, ReleaseManifest } from '../manifest.js';

export type DestinationName = 'pypi' | 'github' | 'index';

/** One verified file to publish. */
export interface PublishFile {
  /** Absolute path on disk. */
  path: string;
  filename: string;
  /** Lowercase hex. */
  sha256: string;
  size: number;
  /** PEP 503 normalised project name. */
  package: string;
  /** Normalised PEP 440 version. */
  version: string;
  type: 'wheel' | 'sdist' | 'extra';
}

export interface PublishRun {
  ctx: Context;
  manifest: ReleaseManifest;
  /** Every file of the release for this destination (wheels and sdists; GitHub also gets extras). */
  files: PublishFile[];
  /** What the manifest says is already confirmed at this destination (filename → record). */
  confirmed: Record<string, PublishedFile>;
  /** Record a file as confirmed; persisted to the manifest at once (so a crash loses nothing). */
  record(filename: string, entry: PublishedFile): Promise<void>;
  /** Write the manifest now (after changing `manifest.attestations`); nothing in a dry run. */
  save?(): Promise<void>;
  /** Release notes for a GitHub release body. */
  notes: string;
  /** `--replace`: replace mismatched assets (GitHub) instead of failing. */
  replace: boolean;
}

export interface DestinationResult {
  /** Where the release can be seen. */
  url?: string;
  /** Files sent now, files found already there. */
  uploaded: string[];
  existing: string[];
  /** GitHub: the release id. */
  releaseId?: number;
}

export interface Destination {
  readonly name: DestinationName;
  /**
   * Before any upload to any destination: credentials present and accepted, and the version not
   * already published with different files. Throws PublishError; changes nothing.
   */
  preflight(run: PublishRun): Promise<void>;
  /** Publish every file exactly once; idempotent; resumable from `run.confirmed`. */
  publish(run: PublishRun): Promise<DestinationResult>;
}
