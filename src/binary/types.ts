export interface BinaryFinding {
  code: string;
  message: string;
}

export interface CheckOptions {
  /** Basenames of the shared libraries shipped in the same wheel (e.g. `*.libs/libfoo-ab12cd34.so.1`); they need not be whitelisted. */
  bundledLibraries?: Iterable<string>;
}
