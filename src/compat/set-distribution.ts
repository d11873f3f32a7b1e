// The version set as a distribution of its own, `<name>-release==V`: reachable wherever the wheels are.
//
// Like Jupyter's `jupyter` metapackage (a wheel of nothing but .dist-info whose Requires-Dist names the
// components), but every component is pinned `==V`, and the wheel carries versions.json in its .dist-info,
// so `pip install <name>-release==V` installs the set with plain pip, and importlib.metadata (or a
// downloader reading the wheel) finds the set from PyPI alone. The bytes depend only on the set: building
// it twice gives the same file and the same sha256, so a re-run uploads nothing new.
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { filenameName, normalizeName } from '../version/pep440.js';
import { serializeVersionSet, type VersionSet } from '../versionset.js';

export interface SetDistribution {
  /** PEP 503 name, `backend-ai-release`. */
  name: string;
  filename: string;
  bytes: Buffer;
}

/** The set distribution's name for a project (`backend.ai` → `backend-ai-release`). */
export function setDistributionName(project: string): string {
  return `${normalizeName(project)}-release`;
}

function recordHash(data: Buffer): string {
  return `sha256=${createHash('sha256').update(data).digest('base64url')}`;
}

/** A stored (uncompressed) zip with fixed timestamps: the same entries always give the same bytes. */
function storedZip(entries: Array<[string, Buffer]>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  // 1980-01-01 00:00, the zip epoch; a time of day would make the bytes depend on the clock.
  const dosTime = 0;
  const dosDate = (0 << 9) | (1 << 5) | 1;
  for (const [name, data] of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8);
    local.writeUInt16LE(dosTime, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x031e, 4); // made by Unix, so the mode below is read
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(dosTime, 12);
    central.writeUInt16LE(dosDate, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** The `<name>-release` wheel of a version set: METADATA pinning every component, and versions.json. */
export function buildSetDistribution(set: VersionSet, project: string): SetDistribution {
  const name = setDistributionName(project);
  const dist = filenameName(name);
  const info = `${dist}-${set.version}.dist-info`;
  const components = [...set.packages].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const metadata = [
    'Metadata-Version: 2.1',
    `Name: ${name}`,
    `Version: ${set.version}`,
    `Summary: The version set of ${project} ${set.version}: every component released together, pinned`,
    'Description-Content-Type: text/markdown',
    ...components.map((p) => `Requires-Dist: ${p.name}==${p.version}`),
    '',
    `# ${project} ${set.version}, the version set`,
    '',
    `\`pip install ${name}==${set.version}\` installs these components at the versions released together`,
    `(tag ${set.tag}${set.commit ? `, commit ${set.commit}` : ''}); \`${info}/versions.json\` lists their files and sha256.`,
    '',
    ...components.map((p) => `- ${p.name} ${p.version}`),
    '',
  ].join('\n');
  const wheel = ['Wheel-Version: 1.0', 'Generator: wheelwright', 'Root-Is-Purelib: true', 'Tag: py3-none-any', ''].join('\n');
  const files: Array<[string, Buffer]> = [
    [`${info}/METADATA`, Buffer.from(metadata, 'utf8')],
    [`${info}/WHEEL`, Buffer.from(wheel, 'utf8')],
    [`${info}/versions.json`, Buffer.from(serializeVersionSet(set), 'utf8')],
  ];
  const record = [...files.map(([n, d]) => `${n},${recordHash(d)},${d.length}`), `${info}/RECORD,,`, ''].join('\n');
  files.push([`${info}/RECORD`, Buffer.from(record, 'utf8')]);
  return { name, filename: `${dist}-${set.version}-py3-none-any.whl`, bytes: storedZip(files) };
}
