import type { ElfInfo } from './elf.js';
import { EF_ARM_ABI_FLOAT_HARD, EF_ARM_EABI_VER5, EF_ARM_EABIMASK, ELF_IDENTITY, elfMachineName } from './identity.js';
import { findPolicy, type LinuxPolicy } from './policy.js';
import type { PlatformTarget } from '../platforms/tags.js';
import type { BinaryFinding, CheckOptions } from './types.js';

type LinuxTarget = Extract<PlatformTarget, { kind: 'linux' | 'android' }>;

/** vn_file entries auditwheel skips: the dynamic loader's own versions are not policy-checked (AW elfutils.py). */
function isLoaderFile(file: string): boolean {
  return file.startsWith('ld-linux') || file === 'ld64.so.1' || file === 'ld64.so.2';
}

export function isMuslElf(info: ElfInfo): boolean {
  return (info.interpreter !== null && /\/ld-musl-[^/]*\.so\.1$/.test(info.interpreter)) || info.needed.includes('libc.so');
}

export function isGlibcElf(info: ElfInfo): boolean {
  return info.needed.includes('libc.so.6') || (info.interpreter !== null && /\/ld-linux[^/]*\.so\.\d+$/.test(info.interpreter));
}

/** Architecture, class and byte order against the tag's arch; one finding for the first mismatch, or null. */
function identityFinding(entry: string, info: ElfInfo, target: LinuxTarget): BinaryFinding | null {
  const want = ELF_IDENTITY[target.arch];
  if (!want) return null; // an arch we have no identity for is the platform allow-list's business
  const what = `\`${entry}\``;
  if (info.machine !== want.machine) {
    return { code: 'W-BIN-ARCH', message: `${what} is ${elfMachineName(info.machine)} (e_machine ${info.machine}), but the tag \`${target.tag}\` needs ${elfMachineName(want.machine)} (${want.machine})` };
  }
  if (info.elfClass !== want.elfClass) {
    return { code: 'W-BIN-ELFCLASS', message: `${what} is a ${info.elfClass}-bit ELF (EI_CLASS), but the tag \`${target.tag}\` needs ${want.elfClass}-bit` };
  }
  if (info.littleEndian !== want.littleEndian) {
    const order = (le: boolean): string => (le ? 'little-endian (LSB)' : 'big-endian (MSB)');
    return { code: 'W-BIN-ENDIAN', message: `${what} is ${order(info.littleEndian)} (EI_DATA), but the tag \`${target.tag}\` needs ${order(want.littleEndian)}` };
  }
  if (want.armHardFloat) {
    const eabi5 = (info.flags & EF_ARM_EABIMASK) >>> 0 === EF_ARM_EABI_VER5;
    const hard = (info.flags & EF_ARM_ABI_FLOAT_HARD) !== 0;
    if (!eabi5 || !hard) {
      return {
        code: 'W-BIN-ARCH',
        message: `${what} is ARM with e_flags 0x${info.flags.toString(16)} (${eabi5 ? 'EABI5' : 'not EABI5'}, ${hard ? 'hard-float' : 'soft-float'}), but the tag \`${target.tag}\` needs EABI5 hard-float (armhf)`,
      };
    }
  }
  return null;
}

function libcFinding(entry: string, info: ElfInfo, target: LinuxTarget): BinaryFinding | null {
  if (target.kind !== 'linux') return null;
  if (target.libc === 'glibc' && isMuslElf(info)) {
    const why = info.interpreter && info.interpreter.includes('ld-musl') ? `interpreter ${info.interpreter}` : 'DT_NEEDED libc.so';
    return { code: 'W-GLIBC-ON-MUSL', message: `\`${entry}\` is linked against musl (${why}), but the tag \`${target.tag}\` is a glibc (manylinux) tag` };
  }
  if (target.libc === 'musl' && isGlibcElf(info) && !isMuslElf(info)) {
    return { code: 'W-MUSL-ON-GLIBC', message: `\`${entry}\` is linked against glibc (DT_NEEDED libc.so.6), but the tag \`${target.tag}\` is a musl (musllinux) tag` };
  }
  return null;
}

/**
 * The dynamic loader, which a binary may name in DT_NEEDED (glibc 2.34+ toolchains do, for TLS): auditwheel
 * never counts it as an external library (`"ld-linux" in lib`, `ld64.so.1`, `ld64.so.2`), so neither do we.
 */
export function isDynamicLoader(lib: string): boolean {
  return lib.includes('ld-linux') || lib === 'ld64.so.1' || lib === 'ld64.so.2';
}

/** `a/b/../c` → `a/c`; null when `..` climbs out of the wheel's root. */
function normalizeEntryPath(p: string): string | null {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return null;
      out.pop();
    } else out.push(seg);
  }
  return out.join('/');
}

/**
 * The directories inside the wheel where the loader looks for `entry`'s DT_NEEDED libraries, the way
 * auditwheel's lddtree resolves them: DT_RPATH unless there is a DT_RUNPATH, then DT_RUNPATH, with
 * `$ORIGIN` / `${ORIGIN}` the entry's own directory. Other paths are the host's (outside the wheel).
 */
export function searchDirsInWheel(entry: string, info: Pick<ElfInfo, 'rpath' | 'runpath'>): string[] {
  const origin = entry.includes('/') ? entry.slice(0, entry.lastIndexOf('/')) : '';
  const dirs: string[] = [];
  for (const p of [...(info.runpath.length ? [] : info.rpath), ...info.runpath]) {
    if (!/\$(ORIGIN|\{ORIGIN\})/.test(p)) continue;
    const dir = normalizeEntryPath(p.replace(/\$(ORIGIN|\{ORIGIN\})/g, origin));
    if (dir !== null && !dirs.includes(dir)) dirs.push(dir);
  }
  return dirs;
}

/** Where in the wheel `lib` resolves from `entry`, or null when the loader would look outside the wheel. */
function resolveInWheel(entry: string, info: ElfInfo, lib: string, files: ReadonlySet<string>): string | null {
  for (const dir of searchDirsInWheel(entry, info)) {
    const candidate = dir ? `${dir}/${lib}` : lib;
    if (files.has(candidate)) return candidate;
  }
  return null;
}

function libraryFindings(entry: string, info: ElfInfo, policy: LinuxPolicy, options: CheckOptions): BinaryFinding[] {
  const code = policy.name.startsWith('musllinux') ? 'W-MUSLLINUX-LIB' : 'W-MANYLINUX-LIB';
  const files = options.wheelFiles ?? null;
  const bundled = new Set(options.bundledLibraries ?? []);
  const where = (lib: string): boolean => (files ? resolveInWheel(entry, info, lib, files) !== null : bundled.has(lib));
  return info.needed
    .filter((lib) => !isDynamicLoader(lib) && !policy.lib_whitelist.includes(lib) && !where(lib))
    .map((lib) => {
      const sameName = files ? [...files].find((f) => f === lib || f.endsWith(`/${lib}`)) : undefined;
      const dirs = searchDirsInWheel(entry, info);
      const why = !files
        ? 'nor bundled in the wheel'
        : sameName
          ? `and the wheel's \`${sameName}\` is not on its search path (${dirs.length ? `RPATH/RUNPATH in the wheel: ${dirs.map((d) => d || '.').join(', ')}` : 'no $ORIGIN RPATH/RUNPATH'}), so the loader looks for it on the system`
          : 'nor bundled in the wheel';
      return {
        code,
        lib,
        message: `\`${entry}\` needs ${lib} (DT_NEEDED), which is neither in the ${policy.name} library whitelist ${why}; bundle it (auditwheel repair) or drop the dependency`,
      };
    });
}

/** Like auditwheel, every needed version counts, whichever library (bundled or not) provides it; only the loader's are skipped. */
function symbolVersionFindings(entry: string, info: ElfInfo, policy: LinuxPolicy, arch: string): BinaryFinding[] {
  const allowed = policy.symbol_versions[arch];
  if (!allowed) return [];
  const out: BinaryFinding[] = [];
  for (const need of info.versionNeeds) {
    if (isLoaderFile(need.file)) continue;
    for (const full of need.versions) {
      const cut = full.indexOf('_');
      const prefix = cut < 0 ? full : full.slice(0, cut);
      const node = cut < 0 ? '' : full.slice(cut + 1);
      const list = allowed[prefix];
      // Only prefixes the policy knows are checked (auditwheel intersects the two prefix sets).
      if (!list || list.includes(node)) continue;
      out.push({
        code: 'W-MANYLINUX-SYMBOL',
        message: `\`${entry}\` needs symbol version ${full} (from ${need.file}), which policy ${policy.name} does not allow on ${arch}; build on an older glibc (e.g. the ${policy.name} image) or raise the platform tag`,
      });
    }
  }
  return out;
}

/**
 * The blacklist applies to system libraries only: a bundled library is not resolved from the system (auditwheel
 * external refs). A weak undefined symbol is optional (the loader leaves it null when nothing defines it), and
 * auditwheel does not count it (elfutils.get_undefined_symbols): Rust's `__cxa_thread_atexit_impl` is one.
 */
function blacklistFindings(entry: string, info: ElfInfo, policy: LinuxPolicy, bundled: ReadonlySet<string>): BinaryFinding[] {
  const out: BinaryFinding[] = [];
  for (const sym of info.undefinedSymbols) {
    // A name cut at blacklistNameLimit() is longer than every blacklisted name.
    if (sym.weak || sym.cut) continue;
    const libs = (sym.file ? [sym.file] : info.needed).filter((lib) => !bundled.has(lib));
    for (const lib of libs) {
      if (!info.needed.includes(lib) || !policy.blacklist[lib]?.includes(sym.name)) continue;
      const code = policy.name.startsWith('musllinux') ? 'W-MUSLLINUX-BLACKLIST' : 'W-MANYLINUX-BLACKLIST';
      out.push({ code, message: `\`${entry}\` uses ${sym.name} from ${lib}, which policy ${policy.name} blacklists` });
    }
  }
  return out;
}

/** Every check of one ELF file against one Linux/Android tag. Identity and libc failures stop the policy checks. */
export function checkElfAgainst(entry: string, info: ElfInfo, target: LinuxTarget, options: CheckOptions): BinaryFinding[] {
  const first = identityFinding(entry, info, target) ?? libcFinding(entry, info, target);
  if (first) return [first];
  if (target.kind !== 'linux' || target.libc === null || target.libcVersion === null) return [];
  const policy = findPolicy(target.libc === 'glibc' ? 'manylinux' : 'musllinux', target.libcVersion);
  if (!policy) return [];
  const bundled = new Set(options.bundledLibraries ?? []);
  return [
    ...libraryFindings(entry, info, policy, options),
    ...symbolVersionFindings(entry, info, policy, target.arch),
    ...blacklistFindings(entry, info, policy, bundled),
  ];
}
