// The multipart/form-data body of one upload, streamed from disk: its exact length is known up front
// (Content-Length, no chunking), the file is never held whole in memory, and its sha256 is checked as it
// streams, so a file that changed since `release verify` is never completed on the wire.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';

export interface MultipartFile {
  path: string;
  filename: string;
  size: number;
  /** Expected lowercase hex sha256; the stream fails before its last boundary when the bytes differ. */
  sha256: string;
}

export interface MultipartBody {
  contentType: string;
  length: number;
  /** A fresh stream of the whole body (call once per attempt). */
  stream(): Readable;
}

export class FileChangedError extends Error {}

/** Quote a form name or filename as browsers do: `"` → %22, CR/LF → %0D/%0A. */
const quote = (s: string) => `"${s.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}"`;

export function multipartBody(fields: Array<[string, string]>, file: MultipartFile): MultipartBody {
  const boundary = `----wheelwright${randomBytes(16).toString('hex')}`;
  const parts = fields.map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name=${quote(name)}\r\n\r\n${value}\r\n`);
  parts.push(
    `--${boundary}\r\nContent-Disposition: form-data; name="content"; filename=${quote(file.filename)}\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const head = Buffer.from(parts.join(''), 'utf8');
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');
  async function* generate(): AsyncGenerator<Buffer> {
    yield head;
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of createReadStream(file.path, { highWaterMark: 1024 * 1024 })) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size > file.size) break;
      yield chunk as Buffer;
    }
    const digest = hash.digest('hex');
    if (size !== file.size || digest !== file.sha256) {
      throw new FileChangedError(`${file.filename} changed on disk since it was verified (now ${size} bytes, sha256 ${digest})`);
    }
    yield tail;
  }
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: head.length + file.size + tail.length,
    stream: () => Readable.from(generate(), { objectMode: false }),
  };
}
