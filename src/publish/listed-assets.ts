// The release assets verify made (SHA256SUMS, versions.json) as the manifest lists them: publish uploads
// these bytes and never makes them itself. A listed file that is missing or changed is refused.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PublishError } from '../errors.js';
import type { ReleaseManifest } from '../manifest.js';

export interface ListedAsset {
  filename: string;
  path: string;
  bytes: Buffer;
  sha256: string;
}

/** Every asset the manifest lists, read from `distDir` and checked byte for byte against the listing. */
export async function readListedAssets(manifest: ReleaseManifest, distDir: string, manifestPath: string): Promise<ListedAsset[]> {
  const out: ListedAsset[] = [];
  for (const a of manifest.assets) {
    const file = path.join(distDir, a.filename);
    const bytes = await readFile(file).catch(() => null);
    if (bytes === null) {
      throw new PublishError(`${a.filename} is listed in the manifest but not in ${distDir}`, { file, hint: 'download it with the other release files, or run `release verify` again' });
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== a.sha256 || bytes.length !== a.size) {
      throw new PublishError(`${a.filename} changed after \`release verify\` (sha256 ${sha256.slice(0, 12)}…, manifest ${a.sha256.slice(0, 12)}…)`, {
        file: manifestPath,
        field: 'assets',
        hint: 'run `release verify` again to make it from the verified files',
      });
    }
    out.push({ filename: a.filename, path: file, bytes, sha256 });
  }
  return out;
}
