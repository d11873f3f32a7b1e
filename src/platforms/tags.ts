// Platform tags: the one set of tables (legacy manylinux names, architectures, macOS multi-arch names, Windows
// machines) and the parse of a tag into what it promises. compat (pip's tag order), verify and the binary
// checks (what a tag promises, PyPI's allow-list) read them from here.

/** What a platform tag promises about the binaries in a wheel (PROTOCOLS §4.1). */
export type PlatformTarget =
  | { kind: 'any'; tag: string }
  | { kind: 'linux'; tag: string; arch: string; libc: 'glibc' | 'musl' | null; libcVersion: [number, number] | null }
  | { kind: 'android'; tag: string; arch: string }
  | { kind: 'macos'; tag: string; arch: string; archs: string[]; version: [number, number] }
  | { kind: 'ios'; tag: string; arch: string; simulator: boolean }
  | { kind: 'windows'; tag: string; machine: number }
  | { kind: 'other'; tag: string };

/** PEP 600 legacy aliases and the glibc each stands for (packaging `_LEGACY_MANYLINUX_MAP`). */
export const LEGACY_MANYLINUX: Readonly<Record<string, [number, number]>> = {
  manylinux1: [2, 5],
  manylinux2010: [2, 12],
  manylinux2014: [2, 17],
};

/** The legacy alias of a glibc level, if it has one: `2.17` → `manylinux2014`. */
export function legacyManylinuxName(major: number, minor: number): string | undefined {
  return Object.keys(LEGACY_MANYLINUX).find((name) => LEGACY_MANYLINUX[name]![0] === major && LEGACY_MANYLINUX[name]![1] === minor);
}

/** Linux architectures a machine can be (uname -m as wheel tags spell it); PyPI accepts fewer (see pypi.ts). */
export const LINUX_ARCHS: readonly string[] = ['x86_64', 'i686', 'aarch64', 'armv7l', 'ppc64le', 'ppc64', 's390x', 'riscv64', 'loongarch64'];

/** Multi-architecture macOS names (PUG platform-compatibility-tags). */
export const MACOS_MULTI_ARCH: Record<string, string[]> = {
  universal2: ['arm64', 'x86_64'],
  intel: ['i386', 'x86_64'],
  fat64: ['ppc64', 'x86_64'],
  fat32: ['i386', 'ppc'],
  fat: ['i386', 'ppc'],
  fat3: ['i386', 'ppc', 'x86_64'],
  universal: ['i386', 'ppc', 'ppc64', 'x86_64'],
};

export const WINDOWS_MACHINE: Record<string, number> = {
  win32: 0x14c,
  win_amd64: 0x8664,
  win_arm64: 0xaa64,
  win_ia64: 0x200,
};

export const ANDROID_ABI: Record<string, string> = {
  armeabi_v7a: 'android_arm',
  arm64_v8a: 'aarch64',
  x86: 'i686',
  x86_64: 'x86_64',
};

export function parsePlatformTag(tag: string): PlatformTarget {
  if (tag === 'any') return { kind: 'any', tag };
  const machine = WINDOWS_MACHINE[tag];
  if (machine !== undefined) return { kind: 'windows', tag, machine };
  let m = /^manylinux_(\d+)_(\d+)_(.+)$/.exec(tag);
  if (m) return { kind: 'linux', tag, arch: m[3]!, libc: 'glibc', libcVersion: [Number(m[1]), Number(m[2])] };
  m = /^(manylinux1|manylinux2010|manylinux2014)_(.+)$/.exec(tag);
  if (m) return { kind: 'linux', tag, arch: m[2]!, libc: 'glibc', libcVersion: LEGACY_MANYLINUX[m[1]!]! };
  m = /^musllinux_(\d+)_(\d+)_(.+)$/.exec(tag);
  if (m) return { kind: 'linux', tag, arch: m[3]!, libc: 'musl', libcVersion: [Number(m[1]), Number(m[2])] };
  m = /^linux_(.+)$/.exec(tag);
  if (m) return { kind: 'linux', tag, arch: m[1]!, libc: null, libcVersion: null };
  m = /^macosx_(\d+)_(\d+)_(.+)$/.exec(tag);
  if (m) {
    const arch = m[3]!;
    return { kind: 'macos', tag, arch, archs: MACOS_MULTI_ARCH[arch] ?? [arch], version: [Number(m[1]), Number(m[2])] };
  }
  m = /^ios_\d+_\d+_(arm64|x86_64)_(iphoneos|iphonesimulator)$/.exec(tag);
  if (m) return { kind: 'ios', tag, arch: m[1]!, simulator: m[2] === 'iphonesimulator' };
  m = /^android_\d+_(.+)$/.exec(tag);
  if (m && ANDROID_ABI[m[1]!]) return { kind: 'android', tag, arch: ANDROID_ABI[m[1]!]! };
  return { kind: 'other', tag };
}

/** The expanded tags of a wheel filename (`py2.py3-none-any` → two tags), or null if it is not a wheel. */
export function wheelTags(filename: string): string[] | null {
  if (!filename.endsWith('.whl')) return null;
  const parts = filename.slice(0, -4).split('-');
  if (parts.length !== 5 && parts.length !== 6) return null;
  const [interps, abis, plats] = parts.slice(-3) as [string, string, string];
  const out: string[] = [];
  for (const i of interps.split('.')) for (const a of abis.split('.')) for (const p of plats.split('.')) out.push(`${i}-${a}-${p}`);
  return out;
}
