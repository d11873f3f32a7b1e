export interface BinaryFinding {
  code: string;
  message: string;
}

export interface CheckOptions {
  /** Basenames of the shared libraries shipped in the same wheel (e.g. `*.libs/libfoo-ab12cd34.so.1`); they need not be whitelisted. */
  bundledLibraries?: Iterable<string>;
  /**
   * Every regular file in the wheel, by archive path. When given, a DT_NEEDED library counts as bundled only
   * where the loader would find it: through the binary's $ORIGIN RPATH/RUNPATH (auditwheel's lddtree).
   */
  wheelFiles?: ReadonlySet<string>;
}
