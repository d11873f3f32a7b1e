// PyPI's upload rules (PROTOCOLS.md §1.3, §3.1, §4.2) as pure functions: each returns PyPI's message or null.
import { canonicalizeVersion, normalizeName, normalizeVersion, parseVersion } from '../../../src/version/pep440.js';

export const META_HELP = 'See https://packaging.python.org/specifications/core-metadata for more information.';
export const HELP = 'https://pypi.org/help/';

const KNOWN_METADATA_VERSIONS = ['1.0', '1.1', '1.2', '2.1', '2.2', '2.3', '2.4', '2.5'];
const NAME_RE = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;

const invalid = (value: string | undefined, field: string, err: string) =>
  `${pyRepr(value ?? '')} is an invalid value for ${field}. Error: ${err} ${META_HELP}`;

/** Python's repr() of a str, as PyPI interpolates it with !r. */
export function pyRepr(s: string): string {
  return s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** §1.3 #2: form errors, in the order metadata-version, name, version. */
export function checkForm(metadataVersion?: string, name?: string, version?: string): string | null {
  if (!metadataVersion) return invalid(metadataVersion, 'Metadata-Version', 'This field is required.');
  if (!KNOWN_METADATA_VERSIONS.includes(metadataVersion))
    return invalid(metadataVersion, 'Metadata-Version', 'Use a known metadata version.');
  if (!name) return invalid(name, 'Name', 'This field is required.');
  if (!NAME_RE.test(name))
    return invalid(name, 'Name', "Start and end with a letter or numeral containing only ASCII numeric and '.', '_' and '-'.");
  if (!version) return invalid(version, 'Version', 'This field is required.');
  if (!parseVersion(version)) return invalid(version, 'Version', 'Invalid version.');
  return null;
}

/** §1.3 #3: PyPI's own metadata rules (the ones a release bot can trip over). */
export function checkMetadata(version: string, summary?: string): string | null {
  const parsed = parseVersion(version);
  if (parsed?.local) return `The use of local versions in ${pyRepr(version)} is not allowed. ${META_HELP}`;
  if (summary && summary.length > 512) return `'summary' field must be 512 characters or less. ${META_HELP}`;
  return null;
}

/** §1.3 #9: bad characters, and an extension that fits the filetype. */
export function checkFilenameChars(filename: string, filetype: string): string | null {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(filename)) return 'Cannot upload a file with non-printable characters (ascii 0-31) or the DEL character (ascii 127) in the name.';
  if (/[/\\]/.test(filename)) return 'Cannot upload a file with \'/\' or \'\\\' in the name.';
  const ok = filetype === 'bdist_wheel' ? filename.endsWith('.whl') : filename.endsWith('.tar.gz') || filename.endsWith('.zip');
  if (!ok) return 'Invalid file extension: Use .tar.gz, .whl or .zip extension. See https://www.python.org/dev/peps/pep-0527 and https://peps.python.org/pep-0715/ for more information.';
  return null;
}

export interface WheelName {
  name: string;
  version: string;
  build: string | null;
  tags: { python: string[]; abi: string[]; platform: string[] };
}

/** packaging 26.2 parse_wheel_filename, with its messages (§3.1). */
export function parseWheelName(filename: string): WheelName | string {
  if (!filename.endsWith('.whl')) return `Invalid wheel filename (extension must be '.whl'): ${pyRepr(filename)}`;
  const parts = filename.slice(0, -4).split('-');
  if (parts.length !== 5 && parts.length !== 6) return `Invalid wheel filename (wrong number of parts): ${pyRepr(filename)}`;
  const name = parts[0]!;
  if (name.includes('__') || !/^[\w\d._]*$/u.test(name)) return `Invalid project name: ${pyRepr(filename)}`;
  const version = parts[1]!;
  if (!parseVersion(version)) return `Invalid wheel filename (invalid version): ${pyRepr(filename)}`;
  let build: string | null = null;
  if (parts.length === 6) {
    build = parts[2]!;
    if (!/^\d/.test(build)) return `Invalid build number: ${build} in ${pyRepr(filename)}`;
  }
  const [py, abi, plat] = parts.slice(-3) as [string, string, string];
  return { name, version, build, tags: { python: py.split('.'), abi: abi.split('.'), platform: plat.split('.') } };
}

const LINUX_ARCHES = ['x86_64', 'i686', 'aarch64', 'armv7l', 'ppc64le', 's390x', 'riscv64', 'ppc64'];
const MAC_ARCHES = ['ppc', 'ppc64', 'i386', 'x86_64', 'arm64', 'intel', 'fat', 'fat3', 'fat64', 'universal', 'universal2'];
const EXACT_TAGS = new Set([
  'any', 'win32', 'win_amd64', 'win_arm64', 'win_ia64', 'manylinux1_x86_64', 'manylinux1_i686', 'manylinux2010_x86_64',
  'manylinux2010_i686', 'linux_armv6l', 'linux_armv7l',
  ...['x86_64', 'i686', 'aarch64', 'armv7l', 'ppc64', 'ppc64le', 's390x'].map((a) => `manylinux2014_${a}`),
]);

/** §4.2: PyPI's platform tag allow-list (WH legacy.py `_valid_platform_tag`). */
export function validPlatformTag(tag: string): boolean {
  if (EXACT_TAGS.has(tag)) return true;
  let m = /^manylinux_\d+_\d+_(.+)$/.exec(tag);
  if (m) return LINUX_ARCHES.includes(m[1]!);
  m = /^musllinux_\d+_\d+_(.+)$/.exec(tag);
  if (m) return LINUX_ARCHES.includes(m[1]!) && m[1] !== 'ppc64';
  m = /^macosx_(10_\d+|11_0|12_0|13_0|14_0|15_0|26_0)_(.+)$/.exec(tag);
  if (m) return MAC_ARCHES.includes(m[2]!);
  if (/^ios_\d+_\d+_(arm64|x86_64)_(iphoneos|iphonesimulator)$/.test(tag)) return true;
  if (/^android_\d+_(armeabi_v7a|arm64_v8a|x86|x86_64)$/.test(tag)) return true;
  return /^pyemscripten_\d+_\d+_wasm32$/.test(tag);
}

/** §1.3 #17: the sdist filename PEP 625 requires. */
export function expectedSdistName(project: string, version: string): string {
  return `${normalizeName(project).replace(/-/g, '_')}-${normalizeVersion(version) ?? version}.tar.gz`;
}

/** §1.3 #18: the wheel checks against the release's project and version. */
export function checkWheelName(filename: string, project: string, version: string): string | null {
  const parsed = parseWheelName(filename);
  if (typeof parsed === 'string') return parsed;
  for (const tag of parsed.tags.platform) {
    if (!validPlatformTag(tag)) return `Binary wheel ${pyRepr(filename)} has an unsupported platform tag ${pyRepr(tag)}.`;
  }
  if (normalizeName(parsed.name) !== normalizeName(project)) return `Start filename for ${pyRepr(project)} with ${pyRepr(normalizeName(project).replace(/-/g, '_'))}.`;
  const want = normalizeName(project).replace(/-/g, '_');
  if (parsed.name !== want) return `Filename ${pyRepr(filename)} should contain the normalized project name ${pyRepr(want)}, not ${pyRepr(parsed.name)}.`;
  if (canonicalizeVersion(parsed.version) !== canonicalizeVersion(version) || normalizeVersion(parsed.version) !== normalizeVersion(version)) {
    // Version objects compare equal for 1.0 and 1.0.0; anything else is a mismatch.
    if (!sameVersion(parsed.version, version)) return `Version in filename should be ${pyRepr(normalizeVersion(version) ?? version)} not ${pyRepr(parsed.version)}.`;
  }
  return null;
}

function sameVersion(a: string, b: string): boolean {
  return canonicalizeVersion(a) === canonicalizeVersion(b);
}

/** §1.3 #17 for an sdist: the exact PEP 625 name. */
export function checkSdistName(filename: string, project: string, version: string): string | null {
  const expected = expectedSdistName(project, version);
  return filename === expected ? null : `Filename ${pyRepr(filename)} is invalid, should be ${pyRepr(expected)}.`;
}
