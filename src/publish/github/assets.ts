// Release assets: the names GitHub gives them, their media types, and whether one on the server is our file.
import { createHash } from 'node:crypto';
import type { PublishFile } from '../types.js';

/** The fields of a release asset this module reads (GitHub's REST shape). */
export interface RemoteAsset {
  id: number;
  name: string;
  state: string;
  size: number;
  digest?: string | null;
  browser_download_url?: string;
}

/**
 * GitHub renames an uploaded asset whose name has characters outside `[A-Za-z0-9._-]` (each becomes
 * `.`), or leading or trailing dots. A wheel with a local version (`1.0+cpu`) is stored as `1.0.cpu`.
 */
export function githubAssetName(name: string): string {
  let out = name.replace(/[^A-Za-z0-9._-]/g, '.');
  if (out.startsWith('.')) out = `default${out}`;
  return out.replace(/\.+$/, '');
}

export function contentType(filename: string): string {
  if (filename.endsWith('.whl') || filename.endsWith('.zip')) return 'application/zip';
  if (filename.endsWith('.tar.gz')) return 'application/gzip';
  if (filename.endsWith('.json')) return 'application/json';
  if (filename === 'SHA256SUMS' || filename.endsWith('.txt')) return 'text/plain';
  return 'application/octet-stream';
}

export type AssetVerdict =
  /** Not on the release. */
  | { kind: 'missing' }
  /** There, same size and sha256 digest. */
  | { kind: 'same'; asset: RemoteAsset }
  /** There but an unfinished upload (state `starter`, or empty where our file is not). */
  | { kind: 'unfinished'; asset: RemoteAsset }
  /** There with other content. */
  | { kind: 'different'; asset: RemoteAsset; why: string }
  /** There with the right size but no digest (assets uploaded before GitHub computed digests). */
  | { kind: 'unknown'; asset: RemoteAsset };

/** Compare what the release holds under the file's name with the local file. */
export function judgeAsset(file: PublishFile, assets: RemoteAsset[]): AssetVerdict {
  const name = githubAssetName(file.filename);
  const asset = assets.find((a) => a.name === name);
  if (!asset) return { kind: 'missing' };
  if (asset.state !== 'uploaded' || (asset.size === 0 && file.size !== 0)) return { kind: 'unfinished', asset };
  if (asset.size !== file.size) return { kind: 'different', asset, why: `size ${asset.size} bytes, ours ${file.size}` };
  if (!asset.digest) return { kind: 'unknown', asset };
  const want = `sha256:${file.sha256}`;
  if (asset.digest.toLowerCase() !== want) {
    return { kind: 'different', asset, why: `digest ${asset.digest.slice(0, 19)}…, ours sha256:${file.sha256.slice(0, 12)}…` };
  }
  return { kind: 'same', asset };
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
