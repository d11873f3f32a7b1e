export interface BinaryFinding {
  code: string;
  message: string;
  /** W-MANYLINUX-LIB / W-MUSLLINUX-LIB: the DT_NEEDED library not found, for the wheel-wide second look. */
  lib?: string;
}

export interface CheckOptions {
  /** Basenames of the shared libraries shipped in the same wheel (e.g. `*.libs/libfoo-ab12cd34.so.1`); they need not be whitelisted. */
  bundledLibraries?: Iterable<string>;
  /**
   * Every regular file in the wheel, by archive path. When given, a DT_NEEDED library counts as bundled only
   * where the loader would find it: through the binary's $ORIGIN RPATH/RUNPATH (auditwheel's lddtree).
   */
  wheelFiles?: ReadonlySet<string>;
  /** Called with what the loader needs of each ELF file checked: its DT_NEEDED and its search directories in the wheel. */
  onElfLinks?: (links: ElfLinks) => void;
}

export interface ElfLinks {
  needed: string[];
  /** Directories inside the wheel its $ORIGIN RPATH/RUNPATH point at. */
  dirs: string[];
}
