import { ByteView, type SparseBytes } from './bytes.js';

export type MachOVersion = [major: number, minor: number, patch: number];

export interface MachOSlice {
  cputype: number;
  cpusubtype: number;
  /** Architecture name (`x86_64`, `arm64`, `i386`, `ppc`, `ppc64`, `arm64_32`) or `cputype:0x…` when unknown. */
  arch: string;
  is64: boolean;
  littleEndian: boolean;
  /** `LC_BUILD_VERSION` minos or `LC_VERSION_MIN_MACOSX` version; null when the file has neither. */
  minos: MachOVersion | null;
  /** LC_BUILD_VERSION platform (1 = macOS, 2 = iOS, …) or 1 for LC_VERSION_MIN_MACOSX; null when absent. */
  platform: number | null;
}

export interface MachOInfo {
  format: 'macho';
  fat: boolean;
  slices: MachOSlice[];
}

const MH_MAGIC = 0xfeedface;
const MH_MAGIC_64 = 0xfeedfacf;
const MH_CIGAM = 0xcefaedfe;
const MH_CIGAM_64 = 0xcffaedfe;
const FAT_MAGIC = 0xcafebabe;
const FAT_MAGIC_64 = 0xcafebabf;
const LC_VERSION_MIN_MACOSX = 0x24;
const LC_BUILD_VERSION = 0x32;
/** A Java class file also starts with 0xCAFEBABE; its next u32 is the class version (≥ 45), never a small slice count. */
const MAX_FAT_ARCHS = 20;
const MAX_LOAD_COMMANDS = 1 << 16;

const CPU_NAMES = new Map<number, string>([
  [7, 'i386'],
  [0x01000007, 'x86_64'],
  [12, 'arm'],
  [0x0100000c, 'arm64'],
  [0x0200000c, 'arm64_32'],
  [18, 'ppc'],
  [0x01000012, 'ppc64'],
]);

export function machOArchName(cputype: number): string {
  return CPU_NAMES.get(cputype) ?? `cputype:0x${cputype.toString(16)}`;
}

/** Is this the start of a thin or fat Mach-O file? (fat only with a plausible slice count, to tell it from a Java class). */
export function isMachO(head: Uint8Array): boolean {
  if (head.length < 4) return false;
  const v = new ByteView(head, false);
  const magic = v.u32(0);
  if (magic === MH_MAGIC || magic === MH_MAGIC_64 || magic === MH_CIGAM || magic === MH_CIGAM_64) return true;
  if (magic !== FAT_MAGIC && magic !== FAT_MAGIC_64) return false;
  if (head.length < 8) return true;
  const n = v.u32(4);
  return n > 0 && n < MAX_FAT_ARCHS;
}

export function readMachO(bytes: Uint8Array | SparseBytes): MachOInfo {
  const be = new ByteView(bytes, false);
  const magic = be.u32(0, 'Mach-O magic');
  if (magic === FAT_MAGIC || magic === FAT_MAGIC_64) return { format: 'macho', fat: true, slices: readFat(be, magic === FAT_MAGIC_64) };
  return { format: 'macho', fat: false, slices: [readThin(be)] };
}

function readFat(be: ByteView, wide: boolean): MachOSlice[] {
  const n = be.u32(4, 'nfat_arch');
  if (n === 0 || n >= MAX_FAT_ARCHS) throw new Error(`fat header declares ${n} architectures`);
  const entSize = wide ? 32 : 20;
  const slices: MachOSlice[] = [];
  for (let i = 0; i < n; i++) {
    const at = 8 + i * entSize;
    const cputype = be.u32(at, 'fat_arch.cputype');
    const offset = wide ? be.u64(at + 8, 'fat_arch.offset') : be.u32(at + 8, 'fat_arch.offset');
    const size = wide ? be.u64(at + 16, 'fat_arch.size') : be.u32(at + 12, 'fat_arch.size');
    const slice = readThin(sliceHeaders(be, offset, size, i));
    if (slice.cputype !== cputype) {
      throw new Error(`fat slice ${i} says cputype 0x${cputype.toString(16)} but its header says 0x${slice.cputype.toString(16)}`);
    }
    slices.push(slice);
  }
  return slices;
}

/**
 * The part of a fat slice that readThin reads: its header and load commands (sizeofcmds, read in either
 * byte order; a bad magic is readThin's to report). A large file need not be held whole for this.
 */
function sliceHeaders(be: ByteView, offset: number, size: number, i: number): ByteView {
  const what = `fat slice ${i}`;
  be.need(offset, size, what);
  if (size < 32) return be.slice(offset, size, what);
  const magicLE = be.withEndian(true).u32(offset, 'Mach-O magic');
  if (![MH_MAGIC, MH_MAGIC_64, MH_CIGAM, MH_CIGAM_64].includes(magicLE)) return be.slice(offset, 32, what);
  const littleEndian = magicLE === MH_MAGIC || magicLE === MH_MAGIC_64;
  const sizeofcmds = be.withEndian(littleEndian).u32(offset + 20, 'sizeofcmds');
  return be.slice(offset, Math.min(size, 32 + sizeofcmds), what);
}

/** Where a large fat Mach-O file keeps its slices' headers (each slice's first 1 MiB, as its fat header says). */
export function machORangesOfInterest(head: Uint8Array): Array<{ offset: number; size: number }> {
  try {
    const be = new ByteView(head, false);
    const magic = be.u32(0);
    if (magic !== FAT_MAGIC && magic !== FAT_MAGIC_64) return [];
    const wide = magic === FAT_MAGIC_64;
    const n = Math.min(be.u32(4), MAX_FAT_ARCHS);
    return Array.from({ length: n }, (_, i) => {
      const at = 8 + i * (wide ? 32 : 20);
      const offset = wide ? be.u64(at + 8) : be.u32(at + 8);
      const size = wide ? be.u64(at + 16) : be.u32(at + 12);
      return { offset, size: Math.min(size, 1 << 20) };
    });
  } catch {
    return [];
  }
}

function readThin(region: ByteView): MachOSlice {
  const magicLE = region.withEndian(true).u32(0, 'Mach-O magic');
  let littleEndian: boolean;
  let is64: boolean;
  if (magicLE === MH_MAGIC || magicLE === MH_MAGIC_64) [littleEndian, is64] = [true, magicLE === MH_MAGIC_64];
  else if (magicLE === MH_CIGAM || magicLE === MH_CIGAM_64) [littleEndian, is64] = [false, magicLE === MH_CIGAM_64];
  else throw new Error(`not a Mach-O header (magic 0x${magicLE.toString(16)})`);
  const v = region.withEndian(littleEndian);
  const cputype = v.u32(4, 'cputype');
  const cpusubtype = v.u32(8, 'cpusubtype');
  const ncmds = v.u32(16, 'ncmds');
  const sizeofcmds = v.u32(20, 'sizeofcmds');
  const start = is64 ? 32 : 28;
  v.need(start, sizeofcmds, 'load commands');
  if (ncmds > MAX_LOAD_COMMANDS) throw new Error(`ncmds ${ncmds} is implausible`);
  const slice: MachOSlice = { cputype, cpusubtype, arch: machOArchName(cputype), is64, littleEndian, minos: null, platform: null };
  let at = start;
  for (let i = 0; i < ncmds; i++) {
    const cmd = v.u32(at, 'load command');
    const cmdsize = v.u32(at + 4, 'cmdsize');
    if (cmdsize < 8) throw new Error(`load command ${i} has cmdsize ${cmdsize}`);
    if (at + cmdsize > start + sizeofcmds) throw new Error(`load command ${i} runs past sizeofcmds`);
    if (cmd === LC_BUILD_VERSION) {
      slice.platform = v.u32(at + 8, 'LC_BUILD_VERSION.platform');
      slice.minos = decodeVersion(v.u32(at + 12, 'LC_BUILD_VERSION.minos'));
    } else if (cmd === LC_VERSION_MIN_MACOSX) {
      slice.platform = 1;
      slice.minos = decodeVersion(v.u32(at + 8, 'LC_VERSION_MIN_MACOSX.version'));
    }
    at += cmdsize;
  }
  return slice;
}

/** X.Y.Z packed as xxxx.yy.zz nibbles: X = v >> 16, Y = (v >> 8) & 0xFF, Z = v & 0xFF. */
export function decodeVersion(v: number): MachOVersion {
  return [v >>> 16, (v >>> 8) & 0xff, v & 0xff];
}
