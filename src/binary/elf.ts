import { ByteView, headBytes, TruncatedError, type SparseBytes } from './bytes.js';

/** A `.gnu.version_r` entry: the library (`vn_file`) and the version nodes needed from it (`vna_name`). */
export interface ElfVersionNeed {
  file: string;
  versions: string[];
}

export interface ElfUndefinedSymbol {
  name: string;
  /** The library the symbol's version points at (via `.gnu.version`), or null when unversioned. */
  file: string | null;
  version: string | null;
  /** STB_WEAK: the loader leaves it null when no library defines it, so auditwheel does not count it as a use. */
  weak: boolean;
}

export interface ElfInfo {
  format: 'elf';
  elfClass: 32 | 64;
  littleEndian: boolean;
  machine: number;
  flags: number;
  /** PT_INTERP, e.g. `/lib/ld-musl-x86_64.so.1`; null for most shared objects. */
  interpreter: string | null;
  /** DT_NEEDED sonames in file order. */
  needed: string[];
  /** DT_RPATH and DT_RUNPATH, each split at `:`, in file order ($ORIGIN unexpanded). */
  rpath: string[];
  runpath: string[];
  versionNeeds: ElfVersionNeed[];
  undefinedSymbols: ElfUndefinedSymbol[];
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const SHT_DYNAMIC = 6;
const SHT_DYNSYM = 11;
const SHT_GNU_VERNEED = 0x6ffffffe;
const SHT_GNU_VERSYM = 0x6fffffff;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_STRSZ = 10;
const DT_RPATH = 15;
const DT_RUNPATH = 29;
const STB_WEAK = 2;
const DT_VERNEED = 0x6ffffffe;
const DT_VERNEEDNUM = 0x6fffffff;
/** Upper bound on entries walked in any one table, so a crafted file cannot make us loop for long. */
const MAX_ENTRIES = 1 << 20;

interface Section {
  type: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  entsize: number;
}

interface Header {
  is64: boolean;
  phoff: number;
  phentsize: number;
  phnum: number;
  shoff: number;
  shentsize: number;
  shnum: number;
}

export function isElf(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
}

/** Parses the parts of an ELF file that the platform checks need. Throws TruncatedError/Error on malformed input. */
export function readElf(bytes: Uint8Array | SparseBytes): ElfInfo {
  const { v, header, data, machine, flags } = readHeader(bytes);
  const info: ElfInfo = {
    format: 'elf',
    elfClass: header.is64 ? 64 : 32,
    littleEndian: data === 1,
    machine,
    flags,
    interpreter: null,
    needed: [],
    rpath: [],
    runpath: [],
    versionNeeds: [],
    undefinedSymbols: [],
  };
  const segments = listSegments(v, header);
  for (const s of segments) if (s.type === PT_INTERP) info.interpreter = v.slice(s.offset, s.filesz, 'PT_INTERP').cstring(0, 'PT_INTERP path');
  const hadDynamicSection = readSections(v, header, info);
  // Section headers are optional at run time: without them, read the same tables through PT_DYNAMIC.
  if (!hadDynamicSection) readDynamicSegment(v, segments, header.is64, info);
  return info;
}

function readHeader(bytes: Uint8Array | SparseBytes): { v: ByteView; header: Header; data: number; machine: number; flags: number } {
  if (!isElf(headBytes(bytes))) throw new Error('not an ELF file (no \\x7fELF magic)');
  const raw = new ByteView(bytes);
  const cls = raw.u8(4, 'EI_CLASS');
  const data = raw.u8(5, 'EI_DATA');
  if (cls !== 1 && cls !== 2) throw new Error(`EI_CLASS is ${cls}, expected 1 (32-bit) or 2 (64-bit)`);
  if (data !== 1 && data !== 2) throw new Error(`EI_DATA is ${data}, expected 1 (LSB) or 2 (MSB)`);
  const v = raw.withEndian(data === 1);
  const is64 = cls === 2;
  const machine = v.u16(18, 'e_machine');
  const flags = v.u32(is64 ? 48 : 36, 'e_flags');
  const header: Header = is64
    ? { is64, phoff: v.u64(32), shoff: v.u64(40), phentsize: v.u16(54), phnum: v.u16(56), shentsize: v.u16(58), shnum: v.u16(60) }
    : { is64, phoff: v.u32(28), shoff: v.u32(32), phentsize: v.u16(42), phnum: v.u16(44), shentsize: v.u16(46), shnum: v.u16(48) };
  return { v, header, data, machine, flags };
}

/**
 * Where a large ELF file keeps what readElf reads besides its first and last bytes, as far as its first
 * bytes tell: PT_INTERP and PT_DYNAMIC (the dynamic table sits in the data segment, mid-file). Empty when
 * the head does not parse; the reader then asks for what it misses.
 */
export function elfRangesOfInterest(head: Uint8Array): Array<{ offset: number; size: number }> {
  try {
    const { v, header } = readHeader(head);
    return listSegments(v, header)
      .filter((s) => s.type === PT_INTERP || s.type === PT_DYNAMIC)
      // At most 1 MiB each (a real .dynamic is a few KiB): the sizes come from the file, not from us.
      .map((s) => ({ offset: s.offset, size: Math.min(s.filesz, 1 << 20) }));
  } catch {
    return [];
  }
}

interface Segment {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

function listSegments(v: ByteView, h: Header): Segment[] {
  const segments: Segment[] = [];
  if (h.phnum === 0) return segments;
  if (h.phentsize < (h.is64 ? 56 : 32)) throw new Error(`e_phentsize ${h.phentsize} is too small`);
  for (let i = 0; i < h.phnum; i++) {
    const at = h.phoff + i * h.phentsize;
    const type = v.u32(at, 'p_type');
    if (type !== PT_INTERP && type !== PT_DYNAMIC && type !== PT_LOAD) continue;
    const offset = h.is64 ? v.u64(at + 8, 'p_offset') : v.u32(at + 4, 'p_offset');
    const vaddr = h.is64 ? v.u64(at + 16, 'p_vaddr') : v.u32(at + 8, 'p_vaddr');
    const filesz = h.is64 ? v.u64(at + 32, 'p_filesz') : v.u32(at + 16, 'p_filesz');
    segments.push({ type, offset, vaddr, filesz });
  }
  return segments;
}

function readSectionTable(v: ByteView, h: Header): Section[] {
  if (h.shnum === 0 || h.shoff === 0) return [];
  if (h.shentsize < (h.is64 ? 64 : 40)) throw new Error(`e_shentsize ${h.shentsize} is too small`);
  const sections: Section[] = [];
  for (let i = 0; i < h.shnum; i++) {
    const at = h.shoff + i * h.shentsize;
    sections.push(
      h.is64
        ? { type: v.u32(at + 4), offset: v.u64(at + 24), size: v.u64(at + 32), link: v.u32(at + 40), info: v.u32(at + 44), entsize: v.u64(at + 56) }
        : { type: v.u32(at + 4), offset: v.u32(at + 16), size: v.u32(at + 20), link: v.u32(at + 24), info: v.u32(at + 28), entsize: v.u32(at + 36) },
    );
  }
  return sections;
}

/** The bytes of the string table a section links to (sh_link), checked. */
function linkedStrings(v: ByteView, sections: Section[], s: Section, what: string): ByteView {
  const strtab = sections[s.link];
  if (!strtab) throw new Error(`${what} links to section ${s.link}, which does not exist`);
  return v.slice(strtab.offset, strtab.size, `${what} string table`);
}

function readSections(v: ByteView, h: Header, info: ElfInfo): boolean {
  const sections = readSectionTable(v, h);
  const dynamic = sections.find((s) => s.type === SHT_DYNAMIC);
  if (dynamic) Object.assign(info, readNeeded(v, sections, dynamic, h.is64));
  const verneed = sections.find((s) => s.type === SHT_GNU_VERNEED);
  const versionByIndex = new Map<number, { file: string; version: string }>();
  if (verneed) info.versionNeeds = readVerneed(v, sections, verneed, versionByIndex);
  const dynsym = sections.find((s) => s.type === SHT_DYNSYM);
  const versym = sections.find((s) => s.type === SHT_GNU_VERSYM);
  if (dynsym) info.undefinedSymbols = readUndefined(v, sections, dynsym, versym, versionByIndex, h.is64);
  return dynamic !== undefined;
}

/** DT_NEEDED, DT_RPATH and DT_RUNPATH from the dynamic section. */
function readNeeded(v: ByteView, sections: Section[], dynamic: Section, is64: boolean): Pick<ElfInfo, 'needed' | 'rpath' | 'runpath'> {
  const strings = linkedStrings(v, sections, dynamic, '.dynamic');
  const entSize = is64 ? 16 : 8;
  const table = v.slice(dynamic.offset, dynamic.size, '.dynamic');
  const out: Pick<ElfInfo, 'needed' | 'rpath' | 'runpath'> = { needed: [], rpath: [], runpath: [] };
  const count = Math.min(Math.floor(table.length / entSize), MAX_ENTRIES);
  for (let i = 0; i < count; i++) {
    const tag = is64 ? table.u64(i * entSize) : table.u32(i * entSize);
    if (tag === DT_NULL) break;
    if (tag !== DT_NEEDED && tag !== DT_RPATH && tag !== DT_RUNPATH) continue;
    const val = is64 ? table.u64(i * entSize + 8) : table.u32(i * entSize + 4);
    if (tag === DT_NEEDED) out.needed.push(strings.cstring(val, 'DT_NEEDED name'));
    else (tag === DT_RPATH ? out.rpath : out.runpath).push(...splitSearchPath(strings.cstring(val, tag === DT_RPATH ? 'DT_RPATH' : 'DT_RUNPATH')));
  }
  return out;
}

/** `a:b::c` → [a, b, c]: empty elements are dropped, as auditwheel's parse_ld_paths drops them. */
function splitSearchPath(value: string): string[] {
  return value.split(':').filter((p) => p !== '');
}

function readVerneed(v: ByteView, sections: Section[], sec: Section, byIndex: Map<number, { file: string; version: string }>): ElfVersionNeed[] {
  const strings = linkedStrings(v, sections, sec, '.gnu.version_r');
  // sh_info is the number of Verneed entries; vn_next chains them.
  return walkVerneed(v.slice(sec.offset, sec.size, '.gnu.version_r'), sec.info, strings, byIndex);
}

function walkVerneed(table: ByteView, count: number, strings: ByteView, byIndex: Map<number, { file: string; version: string }>): ElfVersionNeed[] {
  const needs: ElfVersionNeed[] = [];
  let at = 0;
  for (let n = 0; n < Math.min(count, MAX_ENTRIES); n++) {
    const cnt = table.u16(at + 2, 'vn_cnt');
    const file = strings.cstring(table.u32(at + 4, 'vn_file'), 'vn_file');
    const need: ElfVersionNeed = { file, versions: [] };
    let aux = at + table.u32(at + 8, 'vn_aux');
    for (let k = 0; k < cnt; k++) {
      const other = table.u16(aux + 6, 'vna_other');
      const version = strings.cstring(table.u32(aux + 8, 'vna_name'), 'vna_name');
      need.versions.push(version);
      byIndex.set(other & 0x7fff, { file, version });
      const next = table.u32(aux + 12, 'vna_next');
      if (next === 0) break;
      aux += next;
    }
    needs.push(need);
    const next = table.u32(at + 12, 'vn_next');
    if (next === 0) break;
    at += next;
  }
  return needs;
}

/** File offset of a virtual address, through the PT_LOAD segment that maps it. */
function fileOffset(segments: Segment[], vaddr: number, what: string): number {
  const load = segments.find((s) => s.type === PT_LOAD && vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz);
  if (!load) throw new Error(`${what} address 0x${vaddr.toString(16)} is in no PT_LOAD segment`);
  return load.offset + (vaddr - load.vaddr);
}

/** DT_NEEDED and DT_VERNEED read through PT_DYNAMIC, for files without section headers. */
function readDynamicSegment(v: ByteView, segments: Segment[], is64: boolean, info: ElfInfo): void {
  const dyn = segments.find((s) => s.type === PT_DYNAMIC);
  if (!dyn) return;
  const entSize = is64 ? 16 : 8;
  const table = v.slice(dyn.offset, dyn.filesz, 'PT_DYNAMIC');
  const neededOffsets: number[] = [];
  const pathOffsets: Array<{ tag: number; at: number }> = [];
  const tags = new Map<number, number>();
  const count = Math.min(Math.floor(table.length / entSize), MAX_ENTRIES);
  for (let i = 0; i < count; i++) {
    const tag = is64 ? table.u64(i * entSize) : table.u32(i * entSize);
    if (tag === DT_NULL) break;
    const val = is64 ? table.u64(i * entSize + 8) : table.u32(i * entSize + 4);
    if (tag === DT_NEEDED) neededOffsets.push(val);
    else if (tag === DT_RPATH || tag === DT_RUNPATH) pathOffsets.push({ tag, at: val });
    else tags.set(tag, val);
  }
  const strtab = tags.get(DT_STRTAB);
  const strsz = tags.get(DT_STRSZ);
  if (strtab === undefined || strsz === undefined) {
    if (neededOffsets.length) throw new Error('PT_DYNAMIC has DT_NEEDED but no DT_STRTAB/DT_STRSZ');
    return;
  }
  const strings = v.slice(fileOffset(segments, strtab, 'DT_STRTAB'), strsz, 'dynamic string table');
  info.needed = neededOffsets.map((o) => strings.cstring(o, 'DT_NEEDED name'));
  for (const p of pathOffsets) (p.tag === DT_RPATH ? info.rpath : info.runpath).push(...splitSearchPath(strings.cstring(p.at, 'DT_RPATH/DT_RUNPATH')));
  const verneed = tags.get(DT_VERNEED);
  if (verneed !== undefined) {
    const start = fileOffset(segments, verneed, 'DT_VERNEED');
    info.versionNeeds = walkVerneed(v.slice(start, v.length - start, 'DT_VERNEED'), tags.get(DT_VERNEEDNUM) ?? 0, strings, new Map());
  }
}

function readUndefined(
  v: ByteView,
  sections: Section[],
  dynsym: Section,
  versym: Section | undefined,
  byIndex: Map<number, { file: string; version: string }>,
  is64: boolean,
): ElfUndefinedSymbol[] {
  const strings = linkedStrings(v, sections, dynsym, '.dynsym');
  const entSize = is64 ? 24 : 16;
  const table = v.slice(dynsym.offset, dynsym.size, '.dynsym');
  const versions = versym ? v.slice(versym.offset, versym.size, '.gnu.version') : null;
  const out: ElfUndefinedSymbol[] = [];
  const count = Math.min(Math.floor(table.length / entSize), MAX_ENTRIES);
  for (let i = 1; i < count; i++) {
    const at = i * entSize;
    const shndx = table.u16(at + (is64 ? 6 : 14), 'st_shndx');
    if (shndx !== 0) continue;
    const bind = table.u8(at + (is64 ? 4 : 12), 'st_info') >> 4;
    const name = strings.cstring(table.u32(at, 'st_name'), 'symbol name');
    if (name === '') continue;
    const index = versions && 2 * i + 2 <= versions.length ? versions.u16(2 * i) & 0x7fff : 0;
    const ver = byIndex.get(index);
    out.push({ name, file: ver?.file ?? null, version: ver?.version ?? null, weak: bind === STB_WEAK });
  }
  return out;
}

export { TruncatedError };
