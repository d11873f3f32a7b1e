// Streaming sdist reader: gzip + tar, one pass, with the whole file's sha256 computed on the way.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { hashFile } from './hash.js';

export interface TarEntryInfo {
  name: string;
  type: string;
  size: number;
}

export interface SdistContents {
  entries: TarEntryInfo[];
  /** Text of `<top>/PKG-INFO` for each top-level directory that has one. */
  pkgInfo: Map<string, string>;
  sha256: string;
  size: number;
  /** Set when the archive could not be read to the end. */
  error: string | null;
}

const MAX_PKG_INFO = 4 * 1024 * 1024;

/** Read a `.tar.gz` sdist; never throws for a bad archive (the error is returned). */
export async function readSdist(file: string): Promise<SdistContents> {
  const hash = createHash('sha256');
  let size = 0;
  const entries: TarEntryInfo[] = [];
  const pkgInfo = new Map<string, string>();
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    entries.push({ name: header.name, type: header.type ?? 'file', size: header.size ?? 0 });
    const parts = header.name.replace(/^\.\//, '').split('/').filter(Boolean);
    const keep = parts.length === 2 && parts[1] === 'PKG-INFO' && (header.size ?? 0) <= MAX_PKG_INFO;
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => {
      if (keep) chunks.push(c as Buffer);
    });
    stream.on('end', () => {
      if (keep) pkgInfo.set(parts[0]!, Buffer.concat(chunks).toString('utf8'));
      next();
    });
    stream.on('error', next);
  });
  try {
    await pipeline(createReadStream(file), tap, createGunzip(), extract);
    return { entries, pkgInfo, sha256: hash.digest('hex'), size, error: null };
  } catch (err) {
    // The archive is broken; SHA256SUMS must still describe the file as it is.
    const whole = await hashFile(file);
    return { entries, pkgInfo, ...whole, error: (err as Error).message };
  }
}

