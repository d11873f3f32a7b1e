// Writes the benchmark wheels with a streaming zip writer (no whole wheel in memory): valid RECORDs, deflated entries.
import { Buffer } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { crc32, deflateRawSync } from 'node:zlib';

/** A block of Python-like text that deflates about 5:1. */
export function compressibleBlock(size) {
  const words = ['def', 'return', 'self', 'import', 'value', 'result', 'numpy', 'array', 'for', 'in', 'range', 'if', 'else', 'None', 'True'];
  const parts = [];
  let n = 0;
  let seed = 12345;
  while (n < size) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const line = `    ${words[seed % words.length]} ${words[(seed >> 4) % words.length]}_${seed % 997} = ${words[(seed >> 8) % words.length]}(${seed % 10007})\n`;
    parts.push(line);
    n += line.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

/** One prepared entry payload: raw bytes, deflated bytes, crc and RECORD hash, made once and reused. */
export function preparePayload(data) {
  return {
    data,
    deflated: deflateRawSync(data, { level: 1 }),
    crc: crc32(data) >>> 0,
    digest: createHash('sha256').update(data).digest('base64url'),
  };
}

export function randomBlock(size) {
  return randomBytes(size);
}

/**
 * Write a wheel: `entries` is [{name, payload}], payloads from preparePayload. The dist-info files are
 * added with a correct RECORD.
 */
export async function writeWheel(file, { name, version, tag, entries }) {
  const out = createWriteStream(file);
  const central = [];
  let offset = 0;
  const write = async (buf) => {
    if (!out.write(buf)) await once(out, 'drain');
    offset += buf.length;
  };
  const add = async (entryName, p) => {
    const nameBuf = Buffer.from(entryName);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(p.crc, 14);
    local.writeUInt32LE(p.deflated.length, 18);
    local.writeUInt32LE(p.data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    const at = offset;
    await write(local);
    await write(nameBuf);
    await write(p.deflated);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE((3 << 8) | 20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(0x800, 8);
    c.writeUInt16LE(8, 10);
    c.writeUInt32LE(p.crc, 16);
    c.writeUInt32LE(p.deflated.length, 20);
    c.writeUInt32LE(p.data.length, 24);
    c.writeUInt16LE(nameBuf.length, 28);
    c.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    c.writeUInt32LE(at, 42);
    central.push(c, nameBuf);
  };
  const di = `${name}-${version}.dist-info`;
  const records = [];
  for (const e of entries) {
    await add(e.name, e.payload);
    records.push(`${e.name},sha256=${e.payload.digest},${e.payload.data.length}`);
  }
  const meta = [
    [`${di}/METADATA`, `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\nSummary: bench\nDescription-Content-Type: text/markdown\n\n# bench\n`],
    [`${di}/WHEEL`, `Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: ${tag}\n`],
  ];
  for (const [n, text] of meta) {
    const p = preparePayload(Buffer.from(text));
    await add(n, p);
    records.push(`${n},sha256=${p.digest},${p.data.length}`);
  }
  records.push(`${di}/RECORD,,`);
  await add(`${di}/RECORD`, preparePayload(Buffer.from(records.join('\n') + '\n')));
  const cd = Buffer.concat(central);
  const count = central.length / 2;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  await write(cd);
  await write(end);
  out.end();
  await once(out, 'finish');
}
