// Wheel and sdist filename grammar, as packaging's parse_wheel_filename / parse_tag read it. No policy here.
import { normalizeName, normalizeVersion } from '../version/pep440.js';

export interface WheelTag {
  interpreter: string;
  abi: string;
  platform: string;
}

export interface WheelFilename {
  filename: string;
  /** The raw name component, e.g. `demo_core`. */
  namePart: string;
  /** PEP 503 normalised, e.g. `demo-core`. */
  name: string;
  /** The raw version component. */
  versionPart: string;
  /** str(Version(versionPart)). */
  version: string;
  /** `[number, rest]`, or null when absent. */
  build: [number, string] | null;
  buildPart: string | null;
  /** The compressed tag set as written, e.g. `py2.py3-none-any`. */
  tagPart: string;
  pythonTags: string[];
  abiTags: string[];
  platformTags: string[];
  /** The expanded tags, lowercased, deduplicated, in written order. */
  tags: WheelTag[];
}

export class FilenameError extends Error {}

/** `interp-abi-plat` (components may be `.`-compressed) → the expanded set, as packaging.tags.parse_tag. */
export function parseTag(tag: string): WheelTag[] {
  const parts = tag.split('-');
  if (parts.length !== 3) throw new FilenameError(`a tag has three \`-\`-separated parts, \`${tag}\` has ${parts.length}`);
  const [interps, abis, plats] = parts.map((p) => p.split('.')) as [string[], string[], string[]];
  const seen = new Set<string>();
  const out: WheelTag[] = [];
  for (const i of interps)
    for (const a of abis)
      for (const p of plats) {
        const t = { interpreter: i.toLowerCase(), abi: a.toLowerCase(), platform: p.toLowerCase() };
        const key = tagString(t);
        if (!seen.has(key)) out.push(t);
        seen.add(key);
      }
  return out;
}

export function tagString(t: WheelTag): string {
  return `${t.interpreter}-${t.abi}-${t.platform}`;
}

// packaging: `^[\w\d._]*$` with re.UNICODE; \w is letters, digits and `_`.
const NAME_PART = /^[\p{L}\p{N}\p{M}_.]*$/u;

/** Parse a wheel filename exactly as packaging's parse_wheel_filename accepts it. */
export function parseWheelFilename(filename: string): WheelFilename {
  if (!filename.endsWith('.whl')) throw new FilenameError(`the extension must be \`.whl\`: ${filename}`);
  const stem = filename.slice(0, -4);
  const dashes = stem.split('-').length - 1;
  if (dashes !== 4 && dashes !== 5) {
    throw new FilenameError(`wrong number of parts (${dashes + 1}; a wheel has 5, or 6 with a build tag): ${filename}`);
  }
  const all = stem.split('-');
  const namePart = all[0]!;
  const versionPart = all[1]!;
  const buildPart = dashes === 5 ? all[2]! : null;
  const tagPart = all.slice(dashes === 5 ? 3 : 2).join('-');
  if (namePart.includes('__') || !NAME_PART.test(namePart)) throw new FilenameError(`invalid project name \`${namePart}\`: ${filename}`);
  const version = normalizeVersion(versionPart);
  if (version === null) throw new FilenameError(`invalid version \`${versionPart}\`: ${filename}`);
  let build: [number, string] | null = null;
  if (buildPart !== null) {
    const m = /^(\d+)(.*)$/su.exec(buildPart);
    if (!m) throw new FilenameError(`invalid build tag \`${buildPart}\` (must start with a digit): ${filename}`);
    build = [Number(m[1]), m[2]!];
  }
  const [py, abi, plat] = tagPart.split('-') as [string, string, string];
  return {
    filename,
    namePart,
    name: normalizeName(namePart),
    versionPart,
    version,
    build,
    buildPart,
    tagPart,
    pythonTags: py.split('.'),
    abiTags: abi.split('.'),
    platformTags: plat.split('.'),
    tags: parseTag(tagPart),
  };
}

export interface SdistFilename {
  filename: string;
  namePart: string;
  name: string;
  versionPart: string;
  version: string | null;
  /** `.tar.gz`, `.zip`, `.tar.bz2`, … as found. */
  extension: string;
}

const SDIST_EXTENSIONS = ['.tar.gz', '.zip', '.tar.bz2', '.tar.xz', '.tgz', '.tar'];

export function isSdistFilename(filename: string): boolean {
  return SDIST_EXTENSIONS.some((e) => filename.endsWith(e));
}

/** What a release file is as PyPI takes it: a wheel, an sdist (`.tar.gz`, or a legacy `.zip`), else null. */
export function artifactKind(filename: string): 'wheel' | 'sdist' | null {
  if (filename.endsWith('.whl')) return 'wheel';
  if (filename.endsWith('.tar.gz') || filename.endsWith('.zip')) return 'sdist';
  return null;
}

/** Split `{name}-{version}.tar.gz` at its last `-` (legacy sdist names may hold `-` in the name). */
export function parseSdistFilename(filename: string): SdistFilename {
  const extension = SDIST_EXTENSIONS.find((e) => filename.endsWith(e));
  if (!extension) throw new FilenameError(`not an sdist filename (expected \`.tar.gz\`): ${filename}`);
  const stem = filename.slice(0, -extension.length);
  const dash = stem.lastIndexOf('-');
  if (dash <= 0) throw new FilenameError(`an sdist is named \`{name}-{version}${extension}\`: ${filename}`);
  const namePart = stem.slice(0, dash);
  const versionPart = stem.slice(dash + 1);
  return { filename, namePart, name: normalizeName(namePart), versionPart, version: normalizeVersion(versionPart), extension };
}
