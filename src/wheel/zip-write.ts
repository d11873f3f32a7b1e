// Writing zips: the headers exactly as given (`zipArchive`, which tests use to write broken ones too), and
// the one shape the product makes (`storedZip`: stored entries, fixed timestamps, the same bytes every time).
import { crc32 } from 'node:zlib';

/** One entry's header fields, written as they are: nothing is checked or derived. */
export interface ZipRecord {
  /** Name bytes (UTF-8 when `flags` has bit 11). */
  name: Buffer;
  /** The entry's data as it sits in the archive (packed, possibly encrypted). */
  body: Buffer;
  flags: number;
  /** 0 stored, 8 deflate. */
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** Unix mode, in the high half of the external attributes. */
  mode: number;
  /** DOS time and date; 0 and 0x21 (1980-01-01 00:00) by default, so the bytes never depend on the clock. */
  dosTime?: number;
  dosDate?: number;
  /** "Version made by" (high byte 3: Unix, so installers read `mode`). */
  madeBy?: number;
}

/** Local headers with their data, the central directory, and the end record. */
export function zipArchive(records: ZipRecord[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const r of records) {
    const dosTime = r.dosTime ?? 0;
    const dosDate = r.dosDate ?? (1 << 5) | 1;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(r.flags, 6);
    local.writeUInt16LE(r.method, 8);
    local.writeUInt16LE(dosTime, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(r.crc >>> 0, 14);
    local.writeUInt32LE(r.compressedSize, 18);
    local.writeUInt32LE(r.size, 22);
    local.writeUInt16LE(r.name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(r.madeBy ?? 0x031e, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(r.flags, 8);
    central.writeUInt16LE(r.method, 10);
    central.writeUInt16LE(dosTime, 12);
    central.writeUInt16LE(dosDate, 14);
    central.writeUInt32LE(r.crc >>> 0, 16);
    central.writeUInt32LE(r.compressedSize, 20);
    central.writeUInt32LE(r.size, 24);
    central.writeUInt16LE(r.name.length, 28);
    central.writeUInt32LE((r.mode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, r.name, r.body);
    centrals.push(central, r.name);
    offset += local.length + r.name.length + r.body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(records.length, 8);
  end.writeUInt16LE(records.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** Stored (uncompressed) regular files with UTF-8 names and fixed timestamps: the same entries, the same bytes. */
export function storedZip(entries: Array<[string, Buffer]>): Buffer {
  return zipArchive(
    entries.map(([name, data]) => ({
      name: Buffer.from(name, 'utf8'),
      body: data,
      flags: 0x0800,
      method: 0,
      crc: crc32(data),
      compressedSize: data.length,
      size: data.length,
      mode: 0o100644,
    })),
  );
}
