import { ByteView, headBytes, TruncatedError, type ByteRange, type SparseBytes } from './bytes.js';

/** A `.gnu.version_r` entry: the library (`vn_file`) and the version nodes needed from it (`vna_name`). */
export interface ElfVersionNeed {
  file: string;
  versions: string[];
}

export interface ElfUndefinedSymbol {
  /** The symbol's name; its first `symbolNameLimit` bytes when it is longer (then `cut` is set). */
  name: string;
  cut?: true;
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

export interface ReadElfOptions {
  /**
   * Read at most this many bytes of each undefined symbol's name (the checks compare names with a list whose
   * longest is one byte shorter): a 400 MB library's 80 MB `.dynstr` need not be at hand. Default: whole names.
   */
  symbolNameLimit?: number;
}

/** Parses the parts of an ELF file that the platform checks need. Throws TruncatedError/Error on malformed input. */
export function readElf(bytes: Uint8Array | SparseBytes, options: ReadElfOptions = {}): ElfInfo {
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
  const hadDynamicSection = readSections(v, header, info, options.symbolNameLimit ?? Infinity);
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

/** A range a reader will read; `leads`: once it is at hand, it tells where more wanted ranges are. */
export interface WantedRange extends ByteRange {
  leads: boolean;
}

/** A string table up to this size is wanted whole; of a larger one (80 MB in tensorflow) only where names start. */
const STRINGS_WHOLE_MAX = 1 << 20;
/** Bytes wanted where a library name, search path or version name starts; a longer one is fetched when read. */
const NAME_BYTES = 256;

/**
 * What readElf (with the same symbolNameLimit) reads of a file too large to hold, as far as the bytes at
 * hand tell: the header; the program and section header tables; PT_INTERP and PT_DYNAMIC; the dynamic,
 * version and dynamic-symbol sections; and of their string tables, the whole table when it is small, else
 * only the names those tables point at (an undefined symbol's first symbolNameLimit bytes). Called again as
 * the `leads` ranges come in, it names more; what is malformed is left for readElf to report.
 */
export function elfWantedRanges(bytes: Uint8Array | SparseBytes, symbolNameLimit: number): WantedRange[] {
  const out: WantedRange[] = [];
  const want = (offset: number, size: number, leads: boolean): void => {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || offset >= bytes.length || size <= 0) return;
    out.push({ offset, size: Math.min(size, bytes.length - offset), leads });
  };
  // A step whose bytes are not at hand yet (MissingBytes), or are malformed, names nothing this time.
  const attempt = <T>(step: () => T): T | null => {
    try {
      return step();
    } catch {
      return null; // not at hand yet, or readElf's to report
    }
  };
  want(0, 64, true);
  let parsed: ReturnType<typeof readHeader>;
  try {
    parsed = readHeader(bytes);
  } catch {
    return out;
  }
  const { v, header: h } = parsed;
  if (h.phnum) want(h.phoff, h.phnum * h.phentsize, true);
  if (h.shnum && h.shoff) want(h.shoff, h.shnum * h.shentsize, true);
  const segments = attempt(() => listSegments(v, h)) ?? [];
  // At most 1 MiB each (a real .dynamic is a few KiB): the sizes come from the file, not from us.
  for (const s of segments) if (s.type === PT_INTERP || s.type === PT_DYNAMIC) want(s.offset, Math.min(s.filesz, 1 << 20), s.type === PT_DYNAMIC);
  const sections = attempt(() => readSectionTable(v, h));
  /** A string table: whole when small, else where `names` (offsets into it) start. */
  const strings = (offset: number, size: number, names: () => Iterable<number>, limit: number): void => {
    if (size <= STRINGS_WHOLE_MAX) return want(offset, size, false);
    attempt(() => {
      for (const at of names()) if (at < size) want(offset + at, Math.min(limit, size - at), false);
    });
  };
  for (const s of sections ?? []) {
    const strtab = sections?.[s.link];
    const table = (what: string): ByteView => v.slice(s.offset, s.size, what);
    if (s.type === SHT_GNU_VERSYM) want(s.offset, s.size, false);
    if (s.type !== SHT_DYNAMIC && s.type !== SHT_GNU_VERNEED && s.type !== SHT_DYNSYM) continue;
    want(s.offset, s.size, true);
    if (!strtab) continue;
    if (s.type === SHT_DYNAMIC) strings(strtab.offset, strtab.size, () => dynamicNames(dynamicEntries(table('.dynamic'), h.is64)), NAME_BYTES);
    else if (s.type === SHT_GNU_VERNEED) strings(strtab.offset, strtab.size, () => verneedNames(table('.gnu.version_r'), s.info), NAME_BYTES);
    else strings(strtab.offset, strtab.size, () => [...undefinedEntries(table('.dynsym'), h.is64)].map((u) => u.name), symbolNameLimit);
  }
  // Without a dynamic section (once the section headers tell), readElf reads the tables PT_DYNAMIC points at.
  const dyn = segments.find((s) => s.type === PT_DYNAMIC);
  if (sections !== null && !sections.some((s) => s.type === SHT_DYNAMIC) && dyn) {
    attempt(() => {
      const entries = [...dynamicEntries(v.slice(dyn.offset, dyn.filesz, 'PT_DYNAMIC'), h.is64)];
      // The last of a repeated tag, as readDynamicSegment takes it.
      const tags = new Map(entries.map((e) => [e.tag, e.val]));
      const tag = (t: number): number | undefined => tags.get(t);
      const strtab = tag(DT_STRTAB);
      const strsz = tag(DT_STRSZ);
      if (strtab === undefined || strsz === undefined) return;
      const stroff = fileOffset(segments, strtab, 'DT_STRTAB');
      strings(stroff, strsz, () => dynamicNames(entries), NAME_BYTES);
      const verneed = tag(DT_VERNEED);
      if (verneed === undefined) return;
      const start = fileOffset(segments, verneed, 'DT_VERNEED');
      want(start, 4096, true);
      strings(stroff, strsz, () => verneedNames(v.slice(start, v.length - start, 'DT_VERNEED'), tag(DT_VERNEEDNUM) ?? 0), NAME_BYTES);
    });
  }
  return out;
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

function readSections(v: ByteView, h: Header, info: ElfInfo, nameLimit: number): boolean {
  const sections = readSectionTable(v, h);
  const dynamic = sections.find((s) => s.type === SHT_DYNAMIC);
  if (dynamic) Object.assign(info, readNeeded(v, sections, dynamic, h.is64));
  const verneed = sections.find((s) => s.type === SHT_GNU_VERNEED);
  const versionByIndex = new Map<number, { file: string; version: string }>();
  if (verneed) info.versionNeeds = readVerneed(v, sections, verneed, versionByIndex);
  const dynsym = sections.find((s) => s.type === SHT_DYNSYM);
  const versym = sections.find((s) => s.type === SHT_GNU_VERSYM);
  if (dynsym) info.undefinedSymbols = readUndefined(v, sections, dynsym, versym, versionByIndex, h.is64, nameLimit);
  return dynamic !== undefined;
}

/** A dynamic table's entries up to DT_NULL. */
function* dynamicEntries(table: ByteView, is64: boolean): Generator<{ tag: number; val: number }> {
  const entSize = is64 ? 16 : 8;
  const count = Math.min(Math.floor(table.length / entSize), MAX_ENTRIES);
  for (let i = 0; i < count; i++) {
    const tag = is64 ? table.u64(i * entSize) : table.u32(i * entSize);
    if (tag === DT_NULL) return;
    yield { tag, val: is64 ? table.u64(i * entSize + 8) : table.u32(i * entSize + 4) };
  }
}

/** Where the names a dynamic table points at start in its string table: DT_NEEDED, DT_RPATH, DT_RUNPATH. */
function* dynamicNames(entries: Iterable<{ tag: number; val: number }>): Generator<number> {
  for (const e of entries) if (e.tag === DT_NEEDED || e.tag === DT_RPATH || e.tag === DT_RUNPATH) yield e.val;
}

/** DT_NEEDED, DT_RPATH and DT_RUNPATH from the dynamic section. */
function readNeeded(v: ByteView, sections: Section[], dynamic: Section, is64: boolean): Pick<ElfInfo, 'needed' | 'rpath' | 'runpath'> {
  const strings = linkedStrings(v, sections, dynamic, '.dynamic');
  const out: Pick<ElfInfo, 'needed' | 'rpath' | 'runpath'> = { needed: [], rpath: [], runpath: [] };
  for (const { tag, val } of dynamicEntries(v.slice(dynamic.offset, dynamic.size, '.dynamic'), is64)) {
    if (tag === DT_NEEDED) out.needed.push(strings.cstring(val, 'DT_NEEDED name'));
    else if (tag === DT_RPATH || tag === DT_RUNPATH) (tag === DT_RPATH ? out.rpath : out.runpath).push(...splitSearchPath(strings.cstring(val, tag === DT_RPATH ? 'DT_RPATH' : 'DT_RUNPATH')));
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

/** A version-needs table's Verneed entries (vn_next chains them), each with its Vernaux entries; names as string offsets. */
function* verneedEntries(table: ByteView, count: number): Generator<{ file: number; aux: Array<{ other: number; name: number }> }> {
  let at = 0;
  for (let n = 0; n < Math.min(count, MAX_ENTRIES); n++) {
    const cnt = table.u16(at + 2, 'vn_cnt');
    const entry = { file: table.u32(at + 4, 'vn_file'), aux: [] as Array<{ other: number; name: number }> };
    let aux = at + table.u32(at + 8, 'vn_aux');
    for (let k = 0; k < cnt; k++) {
      entry.aux.push({ other: table.u16(aux + 6, 'vna_other'), name: table.u32(aux + 8, 'vna_name') });
      const next = table.u32(aux + 12, 'vna_next');
      if (next === 0) break;
      aux += next;
    }
    yield entry;
    const next = table.u32(at + 12, 'vn_next');
    if (next === 0) return;
    at += next;
  }
}

function* verneedNames(table: ByteView, count: number): Generator<number> {
  for (const e of verneedEntries(table, count)) {
    yield e.file;
    for (const a of e.aux) yield a.name;
  }
}

function walkVerneed(table: ByteView, count: number, strings: ByteView, byIndex: Map<number, { file: string; version: string }>): ElfVersionNeed[] {
  const needs: ElfVersionNeed[] = [];
  for (const e of verneedEntries(table, count)) {
    const file = strings.cstring(e.file, 'vn_file');
    const need: ElfVersionNeed = { file, versions: [] };
    for (const a of e.aux) {
      const version = strings.cstring(a.name, 'vna_name');
      need.versions.push(version);
      byIndex.set(a.other & 0x7fff, { file, version });
    }
    needs.push(need);
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
  const neededOffsets: number[] = [];
  const pathOffsets: Array<{ tag: number; at: number }> = [];
  const tags = new Map<number, number>();
  for (const { tag, val } of dynamicEntries(v.slice(dyn.offset, dyn.filesz, 'PT_DYNAMIC'), is64)) {
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

/** A dynamic symbol table's undefined symbols (st_shndx 0; entry 0 is reserved): index, name offset, binding. */
function* undefinedEntries(table: ByteView, is64: boolean): Generator<{ index: number; name: number; bind: number }> {
  const entSize = is64 ? 24 : 16;
  const count = Math.min(Math.floor(table.length / entSize), MAX_ENTRIES);
  for (let i = 1; i < count; i++) {
    const at = i * entSize;
    if (table.u16(at + (is64 ? 6 : 14), 'st_shndx') !== 0) continue;
    yield { index: i, bind: table.u8(at + (is64 ? 4 : 12), 'st_info') >> 4, name: table.u32(at, 'st_name') };
  }
}

function readUndefined(
  v: ByteView,
  sections: Section[],
  dynsym: Section,
  versym: Section | undefined,
  byIndex: Map<number, { file: string; version: string }>,
  is64: boolean,
  nameLimit: number,
): ElfUndefinedSymbol[] {
  const strings = linkedStrings(v, sections, dynsym, '.dynsym');
  const versions = versym ? v.slice(versym.offset, versym.size, '.gnu.version') : null;
  const out: ElfUndefinedSymbol[] = [];
  for (const sym of undefinedEntries(v.slice(dynsym.offset, dynsym.size, '.dynsym'), is64)) {
    const { text: name, cut } = strings.cstringUpTo(sym.name, nameLimit, 'symbol name');
    if (name === '') continue;
    const i = sym.index;
    const index = versions && 2 * i + 2 <= versions.length ? versions.u16(2 * i) & 0x7fff : 0;
    const ver = byIndex.get(index);
    out.push({ name, ...(cut ? { cut } : {}), file: ver?.file ?? null, version: ver?.version ?? null, weak: sym.bind === STB_WEAK });
  }
  return out;
}

export { TruncatedError };
