// Minimal valid wheels and sdists for tests and benchmarks, written without Python: a STORED zip with
// METADATA/WHEEL/RECORD, and a pax .tar.gz with PKG-INFO.
import { createCipheriv, createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { writeZip } from '../../fixtures/broken/zip-writer.js';

export interface DistSpec {
  /** Project name as written in METADATA, e.g. `demo-core`. */
  name: string;
  version: string;
  /** Wheel tag, default `py3-none-any`. */
  tag?: string;
  /** Extra payload bytes inside the archive (stored, so the file grows by about this much). */
  payloadBytes?: number;
  /** Seed for the payload, so two specs with different seeds give different files. */
  seed?: number;
  requiresPython?: string;
  metadataVersion?: string;
  /** Extra METADATA header lines, e.g. ['Requires-Dist: foo>=1']. */
  extraHeaders?: string[];
  /** Override the filename's name part (for mismatch tests). */
  filenameName?: string;
  description?: string;
}

const distName = (n: string) => n.replace(/[-_.]+/g, '_').toLowerCase();

export function metadataText(spec: DistSpec): string {
  const lines = [
    `Metadata-Version: ${spec.metadataVersion ?? '2.1'}`,
    `Name: ${spec.name}`,
    `Version: ${spec.version}`,
    `Summary: Test package ${spec.name}`,
    ...(spec.requiresPython ? [`Requires-Python: ${spec.requiresPython}`] : []),
    ...(spec.extraHeaders ?? []),
    'Description-Content-Type: text/markdown',
  ];
  return `${lines.join('\n')}\n\n${spec.description ?? `# ${spec.name}\n\nA test package.\n`}`;
}

function payload(bytes: number, seed: number): Buffer {
  // Pseudo-random and incompressible, deterministic per seed, and fast: AES-CTR over zeros.
  const key = createHash('sha256').update(`seed-${seed}`).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(bytes));
}

/** A STORED zip from [name, data] entries. */
export function zipStored(entries: Array<[string, Buffer]>): Buffer {
  return writeZip(entries.map(([name, data]) => ({ name, data, method: 0 })));
}

const recordHash = (d: Buffer) => `sha256=${createHash('sha256').update(d).digest('base64url')}`;

export function wheelFilename(spec: DistSpec): string {
  return `${spec.filenameName ?? distName(spec.name)}-${spec.version}-${spec.tag ?? 'py3-none-any'}.whl`;
}

export function makeWheelBuffer(spec: DistSpec): Buffer {
  const dn = distName(spec.name);
  const di = `${spec.filenameName ?? dn}-${spec.version}.dist-info`;
  const files: Array<[string, Buffer]> = [
    [`${dn}/__init__.py`, Buffer.from(`__version__ = "${spec.version}"\n`)],
    [`${dn}/payload.bin`, payload(spec.payloadBytes ?? 64, spec.seed ?? 0)],
    [`${di}/METADATA`, Buffer.from(metadataText(spec))],
    [`${di}/WHEEL`, Buffer.from(`Wheel-Version: 1.0\nGenerator: wheelwright-tests\nRoot-Is-Purelib: true\nTag: ${spec.tag ?? 'py3-none-any'}\n\n`)],
  ];
  const record = files.map(([n, d]) => `${n},${recordHash(d)},${d.length}`).join('\n') + `\n${di}/RECORD,,\n`;
  files.push([`${di}/RECORD`, Buffer.from(record)]);
  return zipStored(files);
}

export async function makeSdistBuffer(spec: DistSpec): Promise<Buffer> {
  const top = `${spec.filenameName ?? distName(spec.name)}-${spec.version}`;
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => pack.on('end', resolve));
  const meta = metadataText({ ...spec, metadataVersion: spec.metadataVersion ?? '2.2' });
  pack.entry({ name: `${top}/PKG-INFO`, pax: {} }, meta);
  pack.entry({ name: `${top}/pyproject.toml` }, `[project]\nname = "${spec.name}"\nversion = "${spec.version}"\n`);
  pack.entry({ name: `${top}/payload.bin` }, payload(spec.payloadBytes ?? 64, spec.seed ?? 0));
  pack.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

export function sdistFilename(spec: DistSpec): string {
  return `${spec.filenameName ?? distName(spec.name)}-${spec.version}.tar.gz`;
}

/** Writes a wheel into `dir`; returns its path. */
export async function writeWheel(dir: string, spec: DistSpec): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, wheelFilename(spec));
  await writeFile(file, makeWheelBuffer(spec));
  return file;
}

export async function writeSdist(dir: string, spec: DistSpec): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, sdistFilename(spec));
  await writeFile(file, await makeSdistBuffer(spec));
  return file;
}
