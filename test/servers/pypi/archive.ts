// What the test PyPI server reads inside an upload (§1.3 #16, §3.3): the wheel's zip and the sdist's tar.
import { gunzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import yauzl from 'yauzl';

export interface ArchiveInfo {
  /** The core metadata (wheel METADATA or sdist PKG-INFO), served as the PEP 658 `.metadata` file. */
  metadata: Buffer | null;
}

function openZip(data: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.fromBuffer(data, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (err, zip) =>
      err || !zip ? reject(err ?? new Error('no zip')) : resolve(zip),
    ),
  );
}

function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) return reject(err ?? new Error('no stream'));
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => resolve(Buffer.concat(chunks)));
      stream.on('error', reject);
    }),
  );
}

/** Checks a wheel as PyPI does; returns the message after "Invalid distribution file. " or the metadata. */
export async function inspectWheel(data: Buffer, distInfo: string): Promise<string | ArchiveInfo> {
  if (data.subarray(0, 4).toString('latin1') !== 'PK\x03\x04') return 'File is not a zipfile';
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(data);
  } catch (err) {
    return `ZIP archive not accepted: ${(err as Error).message}. See https://packaging.python.org/specifications/binary-distribution-format/ for more information.`;
  }
  const names = new Set<string>();
  let wheel = false;
  let metadata: Buffer | null = null;
  let record = false;
  let problem: string | null = null;
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      void (async () => {
        if (names.has(entry.fileName)) problem ??= `ZIP archive not accepted: Duplicate filename in local headers. See https://packaging.python.org/specifications/binary-distribution-format/ for more information.`;
        names.add(entry.fileName);
        if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) problem ??= 'File does not use a supported compression type';
        if (entry.fileName === `${distInfo}/WHEEL`) wheel = true;
        if (entry.fileName === `${distInfo}/RECORD`) record = true;
        if (entry.fileName === `${distInfo}/METADATA`) metadata = await readEntry(zip, entry);
        zip.readEntry();
      })().catch(reject);
    });
    zip.on('end', () => resolve());
    zip.on('error', reject);
    zip.readEntry();
  }).catch((err: Error) => {
    problem ??= `ZIP archive not accepted: ${err.message}.`;
  });
  zip.close();
  if (problem) return problem;
  if (!wheel) return `WHEEL not found at ${distInfo}/WHEEL`;
  if (!metadata) return `Wheel does not contain the required METADATA file: ${distInfo}/METADATA`;
  if (!record) return `Wheel does not contain the required RECORD file: ${distInfo}/RECORD`;
  return { metadata };
}

/** Checks an sdist (.tar.gz): one top-level directory holding PKG-INFO. */
export async function inspectSdist(data: Buffer): Promise<string | ArchiveInfo> {
  let raw: Buffer;
  try {
    raw = gunzipSync(data);
  } catch {
    return 'File is not a tarfile';
  }
  const tops = new Set<string>();
  let pkgInfo: Buffer | null = null;
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const name = header.name.replace(/^\.\//, '');
      const top = name.split('/')[0]!;
      if (top) tops.add(top);
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        if (name === `${top}/PKG-INFO`) pkgInfo = Buffer.concat(chunks);
        next();
      });
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  Readable.from([raw]).pipe(extract);
  try {
    await done;
  } catch {
    return 'File is not a tarfile';
  }
  if (tops.size > 1) return 'Too many top-level members in sdist archive';
  if (!pkgInfo) return 'No PKG-INFO in archive';
  return { metadata: pkgInfo };
}
