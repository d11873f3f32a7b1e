// Whole-file sha256: streamed (async, for the main thread) or read synchronously into one reused buffer (for
// worker threads, whose core should stay busy rather than wait on the thread pool).
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';

export interface FileHash {
  /** Hex. */
  sha256: string;
  size: number;
}

export async function hashFile(file: string): Promise<FileHash> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** One read buffer per thread, reused: a buffer per file would pile up as garbage between collections. */
let readBuffer: Buffer | null = null;

export function hashFileSync(file: string): FileHash {
  const hash = createHash('sha256');
  const buf = (readBuffer ??= Buffer.allocUnsafe(1 << 20));
  const fd = openSync(file, 'r');
  let size = 0;
  try {
    for (let n; (n = readSync(fd, buf, 0, buf.length, size)) > 0; size += n) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return { sha256: hash.digest('hex'), size };
}
