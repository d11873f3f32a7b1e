// The multipart/form-data body of one upload, streamed from disk: its exact length is known up front
// (Content-Length, no chunking), and the file goes out through two reused 256 KiB buffers, so memory stays
// flat however large the file and however many uploads run at once (1 and 4 MiB measured no faster).
// The sha256 is not recomputed here: the index checks the `sha256_digest` we send against the bytes (PyPI
// checks every digest sent), so a file that changed since `release verify` is refused there; a changed size
// is caught here.
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';

export interface MultipartFile {
  path: string;
  filename: string;
  size: number;
}

export interface MultipartBody {
  contentType: string;
  length: number;
  /** Writes the whole body into `dest` (not ending it); rejects when `dest` closes first. */
  write(dest: Writable): Promise<void>;
}

export class FileChangedError extends Error {}

const CHUNK = 256 * 1024;

/** Quote a form name or filename as browsers do: `"` → %22, CR/LF → %0D/%0A. */
const quote = (s: string) => `"${s.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}"`;

function writeChunk(dest: Writable, chunk: Buffer, closed: Promise<never>): Promise<void> {
  const written = new Promise<void>((resolve, reject) => dest.write(chunk, (err) => (err ? reject(err) : resolve())));
  return Promise.race([written, closed]);
}

export function multipartBody(fields: Array<[string, string]>, file: MultipartFile): MultipartBody {
  const boundary = `----wheelwright${randomBytes(16).toString('hex')}`;
  const parts = fields.map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name=${quote(name)}\r\n\r\n${value}\r\n`);
  parts.push(
    `--${boundary}\r\nContent-Disposition: form-data; name="content"; filename=${quote(file.filename)}\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const head = Buffer.from(parts.join(''), 'utf8');
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');
  const changed = (now: number) => new FileChangedError(`${file.filename} changed on disk since it was verified (${now} bytes, verified ${file.size})`);

  async function write(dest: Writable): Promise<void> {
    const closed = new Promise<never>((_, reject) => dest.once('close', () => reject(new Error('the connection closed'))));
    closed.catch(() => undefined);
    const fh = await open(file.path, 'r');
    try {
      const stat = await fh.stat();
      if (stat.size !== file.size) throw changed(stat.size);
      await writeChunk(dest, head, closed);
      const buffers = [Buffer.allocUnsafe(Math.min(CHUNK, file.size) || 1), Buffer.allocUnsafe(Math.min(CHUNK, file.size) || 1)];
      const inFlight: Array<Promise<void> | null> = [null, null];
      let pos = 0;
      for (let i = 0; pos < file.size; i++) {
        const k = i % 2;
        // A buffer is reused only after the socket has taken its previous contents.
        if (inFlight[k]) await inFlight[k];
        const { bytesRead } = await fh.read(buffers[k]!, 0, Math.min(buffers[k]!.length, file.size - pos), pos);
        if (bytesRead === 0) throw changed(pos);
        pos += bytesRead;
        inFlight[k] = writeChunk(dest, buffers[k]!.subarray(0, bytesRead), closed);
        inFlight[k]!.catch(() => undefined);
      }
      await Promise.all(inFlight);
      const after = await fh.stat();
      if (after.size !== file.size) throw changed(after.size);
      await writeChunk(dest, tail, closed);
    } finally {
      await fh.close();
    }
  }

  return { contentType: `multipart/form-data; boundary=${boundary}`, length: head.length + file.size + tail.length, write };
}
