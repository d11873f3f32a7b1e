// PEP 658: the core metadata of a wheel (its `.dist-info/METADATA`), served next to the wheel.
import yauzl from 'yauzl';
import { PublishError } from '../../errors.js';

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: true }, (err, zip) => (err ? reject(err) : resolve(zip)));
  });
}

function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) return reject(err);
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => resolve(Buffer.concat(chunks)));
      stream.on('error', reject);
    });
  });
}

/** The bytes of the one top-level `*.dist-info/METADATA` of a wheel. */
export async function readWheelMetadata(file: string, filename: string): Promise<Buffer> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(file);
  } catch (err) {
    throw new PublishError(`${filename} is not a readable zip: ${(err as Error).message}`, { file, hint: 'rebuild the wheel and run `release verify`' });
  }
  return new Promise<Buffer>((resolve, reject) => {
    let found = false;
    zip.on('entry', (entry: yauzl.Entry) => {
      if (/^[^/]+\.dist-info\/METADATA$/.test(entry.fileName)) {
        found = true;
        readEntry(zip, entry).then((b) => {
          zip.close();
          resolve(b);
        }, reject);
      } else zip.readEntry();
    });
    zip.on('end', () => {
      if (!found) reject(new PublishError(`${filename} has no .dist-info/METADATA`, { file, hint: 'rebuild the wheel and run `release verify`' }));
    });
    zip.on('error', reject);
    zip.readEntry();
  });
}

/** The value of a core-metadata header (first occurrence), or null. */
export function metadataField(metadata: Buffer, field: string): string | null {
  const text = metadata.toString('utf8');
  const head = text.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const re = new RegExp(`^${field}:[ \\t]*(.*)$`, 'im');
  const m = re.exec(head);
  return m ? m[1]!.trim() || null : null;
}
