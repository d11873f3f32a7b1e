// PyPI's platform-tag allow-list (PROTOCOLS §4.2, warehouse legacy.py `_valid_platform_tag`). It is narrower
// than what a machine can be (no loongarch64, no fat32, no linux_x86_64), so its arch lists are its own.
import { WINDOWS_MACHINE } from './tags.js';

const EXACT = new Set([
  'any',
  ...Object.keys(WINDOWS_MACHINE),
  'manylinux1_x86_64',
  'manylinux1_i686',
  'manylinux2010_x86_64',
  'manylinux2010_i686',
  'manylinux2014_x86_64',
  'manylinux2014_i686',
  'manylinux2014_aarch64',
  'manylinux2014_armv7l',
  'manylinux2014_ppc64',
  'manylinux2014_ppc64le',
  'manylinux2014_s390x',
  'linux_armv6l',
  'linux_armv7l',
]);

const MANYLINUX_ARCHES = 'x86_64|i686|aarch64|armv7l|ppc64le|s390x|riscv64|ppc64';
const MUSLLINUX_ARCHES = 'x86_64|i686|aarch64|armv7l|ppc64le|s390x|riscv64';
const MACOS_ARCHES = 'ppc|ppc64|i386|x86_64|arm64|intel|fat|fat3|fat64|universal|universal2';

const PATTERNS = [
  new RegExp(`^manylinux_\\d+_\\d+_(${MANYLINUX_ARCHES})$`),
  new RegExp(`^musllinux_\\d+_\\d+_(${MUSLLINUX_ARCHES})$`),
  new RegExp(`^macosx_10_\\d+_(${MACOS_ARCHES})$`),
  new RegExp(`^macosx_(11|12|13|14|15|26)_0_(${MACOS_ARCHES})$`),
  /^ios_\d+_\d+_(arm64|x86_64)_(iphoneos|iphonesimulator)$/,
  /^android_\d+_(armeabi_v7a|arm64_v8a|x86|x86_64)$/,
  /^pyemscripten_\d+_\d+_wasm32$/,
];

export function isAllowedPlatformTag(tag: string): boolean {
  return EXACT.has(tag) || PATTERNS.some((p) => p.test(tag));
}

/** `macosx_11_1_arm64`: a macOS ≥ 11 tag whose minor is not 0 (PyPI rejects it; the tag must say `_0`). */
export function isMacosNonZeroMinor(tag: string): boolean {
  const m = /^macosx_(\d+)_(\d+)_(.+)$/.exec(tag);
  return m !== null && Number(m[1]) >= 11 && Number(m[2]) !== 0 && new RegExp(`^(${MACOS_ARCHES})$`).test(m[3]!);
}
