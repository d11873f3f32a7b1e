// The floor: inflate and sha256 every entry of every wheel given, on one core, with no checks at all.
// The cheapest way in Node: each entry's stored bytes in one read, inflated in one synchronous call into one
// buffer, hashed once; no streams, so no second thread (run.mjs also pins it to one core with taskset).
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import process from 'node:process';
import { inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';

function entries(file) {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: false }, (err, zip) => {
      if (err) return reject(err);
      const all = [];
      zip.on('entry', (e) => {
        all.push(e);
        zip.readEntry();
      });
      zip.on('end', () => resolve({ zip, all }));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

let stored = Buffer.alloc(0);

async function hashWheel(file) {
  const { zip, all } = await entries(file);
  const fd = openSync(file, 'r');
  let bytes = 0;
  for (const e of all) {
    if (e.compressedSize === 0) continue;
    const { fileDataStart } = await zip.readLocalFileHeaderPromise(e, { minimal: true });
    if (stored.length < e.compressedSize) stored = Buffer.allocUnsafe(e.compressedSize);
    const raw = stored.subarray(0, e.compressedSize);
    readSync(fd, raw, 0, e.compressedSize, fileDataStart);
    const data = e.compressionMethod === 8 ? inflateRawSync(raw, { chunkSize: Math.max(64, e.uncompressedSize + 1) }) : raw;
    createHash('sha256').update(data).digest();
    bytes += data.length;
  }
  closeSync(fd);
  zip.close();
  return bytes;
}

let total = 0;
for (const f of process.argv.slice(2)) total += await hashWheel(f);
process.stdout.write(`${total}\n`);
