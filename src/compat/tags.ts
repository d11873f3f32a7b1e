// Wheel tag selection as pip does it: the ordered list of tags a (platform, CPython version) supports,
// generated like packaging.tags.sys_tags (cpython_tags, then compatible_tags) for an explicit platform.
import { CompatError } from '../errors.js';
import { LEGACY_MANYLINUX, legacyManylinuxName, LINUX_ARCHS, wheelTags } from '../platforms/tags.js';

export { wheelTags };

/** A machine a set is installed on: its platform tags, most specific first. */
export interface PlatformSpec {
  /** What the user asked for, e.g. `linux-aarch64` or `manylinux_2_31_x86_64`. */
  input: string;
  /** The platform tags of that machine, in pip's priority order. */
  platforms: string[];
}

/** Defaults for a target name without an explicit level (documented in `release compat fetch --help`). */
export const DEFAULT_GLIBC: [number, number] = [2, 28];
export const DEFAULT_MUSL: [number, number] = [1, 2];
export const DEFAULT_MACOS: Record<string, [number, number]> = { x86_64: [10, 13], arm64: [11, 0] };

const WINDOWS: Record<string, string> = { amd64: 'win_amd64', x86_64: 'win_amd64', x86: 'win32', win32: 'win32', arm64: 'win_arm64' };
const MACOS_ARCH: Record<string, string> = { x86_64: 'x86_64', arm64: 'arm64', aarch64: 'arm64' };

// packaging._manylinux: the last minor of each glibc major, to walk across majors.
const LAST_GLIBC_MINOR: Record<number, number> = { 1: 0, 2: 50 };

/** packaging._manylinux.platform_tags for a machine with glibc `glibc` (every level assumed compatible). */
export function manylinuxPlatforms(arch: string, glibc: [number, number]): string[] {
  const out: string[] = [];
  const tooOld: [number, number] = arch === 'x86_64' || arch === 'i686' ? [2, 4] : [2, 16];
  const maxList: Array<[number, number]> = [glibc];
  for (let major = glibc[0] - 1; major > 1; major--) maxList.push([major, LAST_GLIBC_MINOR[major] ?? 0]);
  for (const [major, maxMinor] of maxList) {
    const minMinor = major === tooOld[0] ? tooOld[1] : -1;
    for (let minor = maxMinor; minor > minMinor; minor--) {
      out.push(`manylinux_${major}_${minor}_${arch}`);
      const legacy = legacyManylinuxName(major, minor);
      if (legacy) out.push(`${legacy}_${arch}`);
    }
  }
  return out;
}

/** packaging._musllinux.platform_tags for musl `musl`. */
export function musllinuxPlatforms(arch: string, musl: [number, number]): string[] {
  const out: string[] = [];
  for (let minor = musl[1]; minor >= 0; minor--) out.push(`musllinux_${musl[0]}_${minor}_${arch}`);
  return out;
}

function macBinaryFormats(version: [number, number], arch: string): string[] {
  const older = (a: [number, number], b: [number, number]) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
  const formats = [arch];
  if (arch === 'x86_64') {
    if (older(version, [10, 4])) return [];
    formats.push('intel', 'fat64', 'fat32');
  } else if (arch === 'i386') {
    if (older(version, [10, 4])) return [];
    formats.push('intel', 'fat32', 'fat');
  } else if (arch === 'ppc64') {
    if (older([10, 5], version) || older(version, [10, 4])) return [];
    formats.push('fat64');
  } else if (arch === 'ppc') {
    if (older([10, 6], version)) return [];
    formats.push('fat32', 'fat');
  }
  if (arch === 'arm64' || arch === 'x86_64') formats.push('universal2');
  if (['x86_64', 'i386', 'ppc64', 'ppc', 'intel'].includes(arch)) formats.push('universal');
  return formats;
}

/** packaging.tags.mac_platforms(version, arch). */
export function macPlatforms(version: [number, number], arch: string): string[] {
  const out: string[] = [];
  const [major] = version;
  if (major === 10) {
    for (let minor = version[1]; minor >= 0; minor--) {
      for (const f of macBinaryFormats([10, minor], arch)) out.push(`macosx_10_${minor}_${f}`);
    }
  }
  if (major >= 11) {
    for (let m = major; m > 10; m--) for (const f of macBinaryFormats([m, 0], arch)) out.push(`macosx_${m}_0_${f}`);
    for (let minor = 16; minor > 3; minor--) {
      if (arch === 'x86_64') for (const f of macBinaryFormats([10, minor], arch)) out.push(`macosx_10_${minor}_${f}`);
      else out.push(`macosx_10_${minor}_universal2`);
    }
  }
  return out;
}

function badPlatform(input: string): CompatError {
  return new CompatError(`unknown platform \`${input}\``, {
    field: '--platform',
    hint:
      'use a target (linux-x86_64, linux-aarch64, musllinux-x86_64, macos-arm64, macos-x86_64, windows-amd64) ' +
      'or a wheel platform tag with its level (manylinux_2_31_x86_64, musllinux_1_2_aarch64, macosx_14_0_arm64, win_amd64)',
  });
}

function linuxArch(arch: string, input: string): string {
  if (!LINUX_ARCHS.includes(arch)) throw badPlatform(input);
  return arch;
}

/**
 * Parse a platform: a recipe target (`linux-x86_64`, default glibc 2.28; `musllinux-aarch64`, musl 1.2;
 * `macos-arm64`, macOS 11.0; `macos-x86_64`, 10.13; `windows-amd64`) or a platform tag that names the
 * machine's level (`manylinux_2_31_x86_64`, `manylinux2014_aarch64`, `musllinux_1_1_x86_64`,
 * `macosx_14_0_arm64`, `win_amd64`, `linux_x86_64` for a Linux machine that takes no manylinux wheels).
 */
export function parsePlatform(input: string): PlatformSpec {
  const s = input.trim();
  let m: RegExpExecArray | null;
  const linux = (arch: string, glibc: [number, number] | null, musl: [number, number] | null): PlatformSpec => ({
    input: s,
    platforms: [
      ...(glibc ? manylinuxPlatforms(arch, glibc) : []),
      ...(musl ? musllinuxPlatforms(arch, musl) : []),
      `linux_${arch}`,
    ],
  });
  if ((m = /^linux-(\w+)$/.exec(s))) return linux(linuxArch(m[1]!, s), DEFAULT_GLIBC, null);
  if ((m = /^musllinux-(\w+)$/.exec(s))) return linux(linuxArch(m[1]!, s), null, DEFAULT_MUSL);
  if ((m = /^manylinux_(\d+)_(\d+)_(\w+)$/.exec(s))) return linux(linuxArch(m[3]!, s), [+m[1]!, +m[2]!], null);
  if ((m = /^(manylinux1|manylinux2010|manylinux2014)_(\w+)$/.exec(s))) {
    return linux(linuxArch(m[2]!, s), LEGACY_MANYLINUX[m[1]!]!, null);
  }
  if ((m = /^musllinux_(\d+)_(\d+)_(\w+)$/.exec(s))) return linux(linuxArch(m[3]!, s), null, [+m[1]!, +m[2]!]);
  if ((m = /^linux_(\w+)$/.exec(s))) return linux(linuxArch(m[1]!, s), null, null);
  if ((m = /^macos-(\w+)$/.exec(s))) {
    const arch = MACOS_ARCH[m[1]!];
    if (!arch) throw badPlatform(s);
    return { input: s, platforms: macPlatforms(DEFAULT_MACOS[arch]!, arch) };
  }
  if ((m = /^macosx_(\d+)_(\d+)_(\w+)$/.exec(s))) return { input: s, platforms: macPlatforms([+m[1]!, +m[2]!], m[3]!) };
  if ((m = /^windows-(\w+)$/.exec(s))) {
    const tag = WINDOWS[m[1]!];
    if (!tag) throw badPlatform(s);
    return { input: s, platforms: [tag] };
  }
  if (/^(win32|win_amd64|win_arm64)$/.test(s)) return { input: s, platforms: [s] };
  throw badPlatform(s);
}

/** A CPython version: `3.12`, or `3.13t` for the free-threaded build. */
export interface PythonSpec {
  major: number;
  minor: number;
  freeThreaded: boolean;
}

export function parsePython(input: string): PythonSpec {
  const m = /^(\d+)\.(\d+)(t?)$/.exec(input.trim());
  if (!m || m[1] !== '3') {
    throw new CompatError(`\`${input}\` is not a CPython version`, { field: '--python', hint: 'write it as 3.12 (or 3.13t for free-threaded)' });
  }
  return { major: 3, minor: Number(m[2]), freeThreaded: m[3] === 't' };
}

/** packaging.tags.cpython_tags(python_version, abis=[cpXY(t)], platforms). */
export function cpythonTags(py: PythonSpec, platforms: string[]): string[] {
  const interp = `cp${py.major}${py.minor}`;
  // The free-threaded build cannot load abi3 extensions (packaging ≥ 24: _abi3_applies is false for it).
  const abi3 = !py.freeThreaded && (py.major > 3 || (py.major === 3 && py.minor >= 2));
  const out: string[] = [];
  const abi = `${interp}${py.freeThreaded ? 't' : ''}`;
  for (const p of platforms) out.push(`${interp}-${abi}-${p}`);
  if (abi3) for (const p of platforms) out.push(`${interp}-abi3-${p}`);
  for (const p of platforms) out.push(`${interp}-none-${p}`);
  if (abi3) {
    for (let minor = py.minor - 1; minor > 1; minor--) for (const p of platforms) out.push(`cp${py.major}${minor}-abi3-${p}`);
  }
  return out;
}

function pyInterpreterRange(py: PythonSpec): string[] {
  const out = [`py${py.major}${py.minor}`, `py${py.major}`];
  for (let minor = py.minor - 1; minor >= 0; minor--) out.push(`py${py.major}${minor}`);
  return out;
}

/** packaging.tags.compatible_tags(python_version, interpreter=cpXY, platforms). */
export function compatibleTags(py: PythonSpec, platforms: string[]): string[] {
  const out: string[] = [];
  const range = pyInterpreterRange(py);
  for (const v of range) for (const p of platforms) out.push(`${v}-none-${p}`);
  out.push(`cp${py.major}${py.minor}-none-any`);
  for (const v of range) out.push(`${v}-none-any`);
  return out;
}

/** Every tag CPython `py` on `platform` supports, most preferred first (sys_tags order). */
export function supportedTags(py: PythonSpec, platform: PlatformSpec): string[] {
  return [...cpythonTags(py, platform.platforms), ...compatibleTags(py, platform.platforms)];
}

/**
 * The priority of a wheel on a machine: the index of its best tag in `supported` (lower is better),
 * or null when it does not install there.
 */
export function wheelPriority(filename: string, supported: Map<string, number>): number | null {
  const tags = wheelTags(filename);
  if (!tags) return null;
  let best: number | null = null;
  for (const t of tags) {
    const i = supported.get(t);
    if (i !== undefined && (best === null || i < best)) best = i;
  }
  return best;
}

export function tagIndex(tags: string[]): Map<string, number> {
  const m = new Map<string, number>();
  tags.forEach((t, i) => {
    if (!m.has(t)) m.set(t, i);
  });
  return m;
}
