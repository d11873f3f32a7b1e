/**
 * Binary checks for wheel entries (PROTOCOLS §4): which format a file is, and whether it fits the
 * wheel's platform tags. Finding codes (stable; every message names the entry in backticks):
 * - W-BIN-CORRUPT: malformed/truncated ELF, Mach-O or PE, or a shared-library name on a non-binary.
 * - W-BIN-ARCH: e_machine / cputype / OS family (or armv7l EABI5 hard-float, Mach-O platform) does not fit the tag.
 * - W-BIN-ELFCLASS, W-BIN-ENDIAN: right e_machine, wrong EI_CLASS / EI_DATA.
 * - W-BIN-IN-PURE: any binary under the `any` tag.
 * - W-MANYLINUX-SYMBOL: a `.gnu.version_r` node not in the auditwheel policy's list for that prefix and arch.
 * - W-MANYLINUX-LIB / W-MUSLLINUX-LIB: DT_NEEDED neither whitelisted nor bundled in the wheel.
 * - W-MANYLINUX-BLACKLIST / W-MUSLLINUX-BLACKLIST: an imported symbol the policy blacklists.
 * - W-MUSL-ON-GLIBC: musllinux tag on a glibc binary; W-GLIBC-ON-MUSL: manylinux tag on a musl binary.
 * - W-MACOS-MINOS: deployment target above the tag; W-MACOS-ARCHS: slice set differs from the tags' archs.
 * - W-PE-MACHINE: PE Machine does not match win32 / win_amd64 / win_arm64.
 * An identity failure (arch, class, byte order, libc) stops the policy checks for that tag: one defect, one code.
 */
import { headBytes, MissingBytes, type SparseBytes } from './bytes.js';
import { checkElfAgainst, searchDirsInWheel } from './check-elf.js';
import { checkMachOAgainst } from './check-macho.js';
import { elfWantedRanges, isElf, readElf, type ElfInfo, type WantedRange } from './elf.js';
import { isMachO, machORangesOfInterest, readMachO, type MachOInfo } from './macho.js';
import { isPe, peMachineName, readPe, type PeInfo } from './pe.js';
import { blacklistNameLimit } from './policy.js';
import { parsePlatformTag, type PlatformTarget } from '../platforms/tags.js';
import type { BinaryFinding, CheckOptions } from './types.js';

export type { BinaryFinding, CheckOptions, ElfLinks } from './types.js';
export type { ElfInfo, ElfVersionNeed, ElfUndefinedSymbol, WantedRange } from './elf.js';
export type { MachOInfo, MachOSlice, MachOVersion } from './macho.js';
export type { PeInfo } from './pe.js';
export type { PlatformTarget } from '../platforms/tags.js';
export { readElf } from './elf.js';
export { MissingBytes, SparseBytes, type ByteRange } from './bytes.js';
export { readMachO } from './macho.js';
export { machODeploymentTarget } from './check-macho.js';
export { readPe } from './pe.js';
export { parsePlatformTag } from '../platforms/tags.js';
export { findPolicy, manylinuxPolicies, musllinuxPolicies, type LinuxPolicy } from './policy.js';

/** How many leading bytes sniffBinary needs to decide (pass at least this much of an entry's start). */
export const SNIFF_BYTES = 8;

/** Which binary format the first bytes of a file announce; null for anything else (text, data, Java classes). */
export function sniffBinary(head: Uint8Array): 'elf' | 'macho' | 'pe' | null {
  if (isElf(head)) return 'elf';
  if (isMachO(head)) return 'macho';
  if (isPe(head)) return 'pe';
  return null;
}

/** File names that claim to be loadable binaries: a non-binary under such a name is a defect. */
const BINARY_NAME = /\.(so(\.\d+)*|pyd|dll|dylib)$/i;
const FORMAT_NAME = { elf: 'ELF', macho: 'Mach-O', pe: 'PE' } as const;

type Parsed = ElfInfo | MachOInfo | PeInfo;

function corrupt(entry: string, message: string): BinaryFinding {
  return { code: 'W-BIN-CORRUPT', message: `\`${entry}\`: ${message}` };
}

function describe(info: Parsed): string {
  if (info.format === 'pe') return `a PE file (${peMachineName(info.machine)})`;
  if (info.format === 'macho') return `a Mach-O file (${info.slices.map((s) => s.arch).join(' + ')})`;
  return `an ELF file (e_machine ${info.machine})`;
}

/** A binary under a tag of another OS family (or `any`): one finding, no further checks. */
function familyFinding(entry: string, info: Parsed, target: PlatformTarget): BinaryFinding | null {
  if (target.kind === 'any') {
    return { code: 'W-BIN-IN-PURE', message: `\`${entry}\` is ${describe(info)}, but the wheel's platform tag is \`any\` (a pure wheel holds no binaries)` };
  }
  const fits =
    (info.format === 'elf' && (target.kind === 'linux' || target.kind === 'android')) ||
    (info.format === 'macho' && (target.kind === 'macos' || target.kind === 'ios')) ||
    (info.format === 'pe' && target.kind === 'windows') ||
    target.kind === 'other';
  if (fits) return null;
  return { code: 'W-BIN-ARCH', message: `\`${entry}\` is ${describe(info)}, which cannot load on the platform of tag \`${target.tag}\`` };
}

/** Archs promised by all the wheel's tags of one Apple family, for the Mach-O arch-set rule. */
function appleArchs(targets: PlatformTarget[], kind: 'macos' | 'ios'): string[] {
  return [...new Set(targets.flatMap((t) => (t.kind === kind ? (t.kind === 'macos' ? t.archs : [t.arch]) : [])))];
}

function checkAgainst(entry: string, info: Parsed, target: PlatformTarget, all: PlatformTarget[], options: CheckOptions): BinaryFinding[] {
  const family = familyFinding(entry, info, target);
  if (family) return [family];
  if (info.format === 'elf' && (target.kind === 'linux' || target.kind === 'android')) return checkElfAgainst(entry, info, target, options);
  if (info.format === 'macho' && (target.kind === 'macos' || target.kind === 'ios')) return checkMachOAgainst(entry, info, target, appleArchs(all, target.kind));
  if (info.format === 'pe' && target.kind === 'windows' && info.machine !== target.machine) {
    return [
      {
        code: 'W-PE-MACHINE',
        message: `\`${entry}\` is a PE file for ${peMachineName(info.machine)} (Machine 0x${info.machine.toString(16)}), but the tag \`${target.tag}\` needs ${peMachineName(target.machine)} (0x${target.machine.toString(16)})`,
      },
    ];
  }
  return [];
}

/**
 * For a binary too large to hold whole: the ranges the checks will read, as far as the bytes at hand tell
 * (ELF: see elfWantedRanges; call again as the `leads` ranges come in. Fat Mach-O: each slice's headers,
 * from the first 4 KiB. PE: nothing beyond the first bytes). The checks ask for anything else they miss.
 */
export function wantedRanges(bytes: Uint8Array | SparseBytes): WantedRange[] {
  const head = headBytes(bytes);
  if (isElf(head)) return elfWantedRanges(bytes, blacklistNameLimit());
  if (isMachO(head)) return machORangesOfInterest(head).map((r) => ({ ...r, leads: false }));
  return [];
}

function parse(kind: 'elf' | 'macho' | 'pe', bytes: Uint8Array | SparseBytes): Parsed {
  // Symbol names only as far as the blacklist check reads them: the same findings, whole or sparse.
  if (kind === 'elf') return readElf(bytes, { symbolNameLimit: blacklistNameLimit() });
  if (kind === 'macho') return readMachO(bytes);
  return readPe(bytes);
}

/**
 * Checks one wheel entry against the wheel's expanded platform tags. Returns [] for non-binaries.
 * Throws only MissingBytes (for a SparseBytes lacking a range it needs): malformed input becomes W-BIN-CORRUPT. Findings are de-duplicated (aliases such as
 * manylinux_2_17 + manylinux2014 give one finding per defect).
 */
export function checkBinary(entryName: string, bytes: Uint8Array | SparseBytes, platformTags: string[], options: CheckOptions = {}): BinaryFinding[] {
  const kind = sniffBinary(headBytes(bytes));
  if (kind === null) {
    return BINARY_NAME.test(entryName) ? [corrupt(entryName, 'is named like a shared library but is not an ELF, Mach-O or PE file')] : [];
  }
  let info: Parsed;
  try {
    info = parse(kind, bytes);
  } catch (err) {
    // Part of a sparse file the reader needs is not at hand: the caller fetches it, this is no defect.
    if (err instanceof MissingBytes) throw err;
    // "MZ" alone is weak evidence: only files named as Windows binaries must be valid PE.
    if (kind === 'pe' && !/\.(pyd|dll|exe)$/i.test(entryName)) return [];
    return [corrupt(entryName, `corrupt ${FORMAT_NAME[kind]} file: ${err instanceof Error ? err.message : String(err)}`)];
  }
  if (info.format === 'elf') options.onElfLinks?.({ needed: info.needed, dirs: searchDirsInWheel(entryName, info) });
  const targets = platformTags.map(parsePlatformTag);
  const perTag = targets.map((target) => ({ tag: target.tag, findings: checkAgainst(entryName, info, target, targets, options) }));
  return mergeAcrossTags(perTag);
}

/** The same defect seen under several tags (manylinux_2_17_x86_64 + manylinux2014_x86_64) becomes one finding naming all of them. */
function mergeAcrossTags(perTag: Array<{ tag: string; findings: BinaryFinding[] }>): BinaryFinding[] {
  const TOKEN = '\u0000TAG\u0000';
  const groups = new Map<string, { code: string; template: string; tags: string[]; lib?: string }>();
  for (const { tag, findings } of perTag) {
    for (const f of findings) {
      const template = f.message.split(`\`${tag}\``).join(TOKEN);
      const key = `${f.code}\u0001${template}`;
      const group = groups.get(key) ?? { code: f.code, template, tags: [], ...(f.lib ? { lib: f.lib } : {}) };
      if (!group.tags.includes(tag)) group.tags.push(tag);
      groups.set(key, group);
    }
  }
  return [...groups.values()].map((g) => ({ code: g.code, message: g.template.split(TOKEN).join(g.tags.map((t) => `\`${t}\``).join(' / ')), ...(g.lib ? { lib: g.lib } : {}) }));
}

