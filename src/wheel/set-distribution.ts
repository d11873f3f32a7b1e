// The version set as a distribution of its own, `<name>-release==V`: reachable wherever the wheels are.
//
// Like Jupyter's `jupyter` metapackage (a wheel of nothing but .dist-info whose Requires-Dist names the
// components), but every component is pinned `==V`, and the wheel carries versions.json in its .dist-info,
// so `pip install <name>-release==V` installs the set with plain pip, and importlib.metadata (or a
// downloader reading the wheel) finds the set from PyPI alone. The bytes depend only on the release: building
// it twice gives the same file and the same sha256, so a re-run uploads nothing new (PyPI refuses the same
// filename with other bytes, which would block a re-run finishing a half-done release). So nothing of the
// clock goes in: zip entries carry the fixed 1980-01-01 date (zip-write.ts), and the embedded versions.json
// has an empty `createdAt` (the set's own is when a plan was made, which a re-planned re-run changes);
// `release compat` shows no date for a set read from the set distribution's page.
import { createHash } from 'node:crypto';
import { filenameName, normalizeName } from '../version/pep440.js';
import { serializeVersionSet, type VersionSet } from '../versionset.js';
import { storedZip } from './zip-write.js';

export interface SetDistribution {
  /** PEP 503 name, `backend-ai-release`. */
  name: string;
  filename: string;
  bytes: Buffer;
}

function recordHash(data: Buffer): string {
  return `sha256=${createHash('sha256').update(data).digest('base64url')}`;
}

/** The set distribution's wheel filename for a release (`backend.ai-release`, 26.8.0 → `backend_ai_release-26.8.0-py3-none-any.whl`). */
export function setDistributionFilename(name: string, version: string): string {
  return `${filenameName(normalizeName(name))}-${version}-py3-none-any.whl`;
}

/** The versions.json the set distribution embeds: the set without its clock-dependent `createdAt` (empty). */
export function setDistributionVersionSet(set: VersionSet): VersionSet {
  return { ...set, createdAt: '' };
}

/** The `<name>-release` wheel of a version set (`name` as config/set-distribution.ts chose it): METADATA pinning every component, and versions.json. */
export function buildSetDistribution(set: VersionSet, distribution: string): SetDistribution {
  const name = normalizeName(distribution);
  const project = name.replace(/-release$/, '');
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
    [`${info}/versions.json`, Buffer.from(serializeVersionSet(setDistributionVersionSet(set)), 'utf8')],
  ];
  const record = [...files.map(([n, d]) => `${n},${recordHash(d)},${d.length}`), `${info}/RECORD,,`, ''].join('\n');
  files.push([`${info}/RECORD`, Buffer.from(record, 'utf8')]);
  return { name, filename: setDistributionFilename(name, set.version), bytes: storedZip(files) };
}
