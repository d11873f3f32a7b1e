// Findings: one stable code per rule, and a message that names the artifact and the entry.

export interface Finding {
  code: string;
  /** Set by `withLevels` from the code's entry in CODES (error unless the code is a warning). */
  level?: Level;
  /** The entry inside the artifact (`pkg/_speedups.so`), when the finding is about one. */
  entry?: string;
  message: string;
}

/**
 * Why a code has its level. Errors: PyPI rejects the upload today (`pypi`), an installer refuses or installs
 * wrongly (`installer`), the archive is unsafe to unpack (`unsafe`), the wheel claims a platform it does not
 * run on (`platform`), or the artifact is not the one the release plan expects (`release`). Warnings: a
 * deviation from the specs that PyPI accepts and installers tolerate (`spec`, `guard`).
 */
export type Reason = 'pypi' | 'installer' | 'unsafe' | 'platform' | 'release' | 'spec' | 'guard';
export type Level = 'error' | 'warning';

export interface CodeInfo {
  reason: Reason;
  /** The rule, as the README table states it. */
  rule: string;
}

export const REASON_LEVEL: Record<Reason, Level> = { pypi: 'error', installer: 'error', unsafe: 'error', platform: 'error', release: 'error', spec: 'warning', guard: 'warning' };

/** Every code `release verify` emits, with its rule and why it has its level. Codes never change meaning. */
export const CODES: Record<string, CodeInfo> = {
  'W-FILENAME': { reason: 'pypi', rule: 'the wheel filename does not parse (name-version[-build]-python-abi-platform.whl)' },
  'W-NAME-MISMATCH': { reason: 'pypi', rule: 'METADATA Name and the filename name differ after PEP 503 normalisation' },
  'W-NAME-NORMALIZED': { reason: 'pypi', rule: 'the filename name is not the normalised name with `_` (PyPI: "should contain the normalized project name")' },
  'W-VERSION-MISMATCH': { reason: 'pypi', rule: 'METADATA Version and the filename version are different versions' },
  'W-VERSION-RELEASE': { reason: 'release', rule: 'the artifact version is not the release version (VERSION / manifest)' },
  'W-LOCAL-VERSION': { reason: 'pypi', rule: 'a local version (`+…`); PyPI rejects it' },
  'W-METADATA-MISSING': { reason: 'pypi', rule: 'no METADATA in the .dist-info directory' },
  'W-METADATA-VERSION': { reason: 'pypi', rule: 'Metadata-Version is not one PyPI accepts (1.0, 1.1, 1.2, 2.1–2.5; 2.0 is rejected)' },
  'W-METADATA-FIELD-VERSION': { reason: 'pypi', rule: 'METADATA uses a field newer than its Metadata-Version (e.g. License-Expression below 2.4); License-File, which twine drops below 2.4, excepted' },
  'W-METADATA-FIELD': { reason: 'pypi', rule: 'a required METADATA field (Name, Version) is missing or invalid' },
  'W-DESCRIPTION-TYPE': { reason: 'spec', rule: 'Description-Content-Type is missing or not text/plain, text/x-rst or text/markdown' },
  'W-DESCRIPTION-MISSING': { reason: 'spec', rule: 'the long description is the placeholder UNKNOWN, or empty where twine reads it as missing or as reStructuredText that renders nothing (twine check fails; PyPI accepts it)' },
  'W-DESCRIPTION-RENDER': { reason: 'pypi', rule: 'the reStructuredText description has two explicit link targets of the same name and different URLs (docutils fails to render it)' },
  'W-LICENSE-FILE': { reason: 'pypi', rule: 'a License-File is not at .dist-info/licenses/{path} (Metadata-Version ≥ 2.4)' },
  'W-ENTRY-POINTS': { reason: 'pypi', rule: 'entry_points.txt is not valid INI, or a console/gui script name is not [\\w.-]+' },
  'W-DISTINFO-COUNT': { reason: 'installer', rule: 'not exactly one top-level .dist-info directory' },
  'W-DISTINFO-NAME': { reason: 'pypi', rule: 'the .dist-info directory is not byte-exactly {filename name}-{filename version}.dist-info' },
  'W-WHEEL-MISSING': { reason: 'pypi', rule: 'no WHEEL file in the .dist-info directory' },
  'W-WHEEL-VERSION': { reason: 'installer', rule: 'WHEEL Wheel-Version is missing or has a major version other than 1' },
  'W-WHEEL-TAGS': { reason: 'spec', rule: 'WHEEL Tag lines differ from the filename\'s expanded tags' },
  'W-WHEEL-BUILD': { reason: 'spec', rule: 'WHEEL Build differs from the filename build tag' },
  'W-PURELIB': { reason: 'spec', rule: 'Root-Is-Purelib is true while the root (not `.data/`) holds binaries, or it is not true/false; pip installs the root to purelib, which is platlib on most systems' },
  'W-RECORD-MISSING': { reason: 'pypi', rule: 'no RECORD in the .dist-info directory' },
  'W-RECORD-MALFORMED': { reason: 'installer', rule: 'a RECORD row is not `path,hash,size`' },
  'W-RECORD-MISSING-ENTRY': { reason: 'installer', rule: 'a file in the wheel is not listed in RECORD' },
  'W-RECORD-EXTRA-ENTRY': { reason: 'spec', rule: 'RECORD lists a file that is not in the wheel' },
  'W-RECORD-HASH': { reason: 'installer', rule: 'a RECORD hash is missing, malformed or wrong' },
  'W-RECORD-ENCODING': { reason: 'spec', rule: 'RECORD digests are right but written in hex (one finding for all rows); pip installs it, PyPI accepts it' },
  'W-RECORD-SIZE': { reason: 'installer', rule: 'a RECORD size is missing or wrong' },
  'W-RECORD-SELF-HASH': { reason: 'spec', rule: 'RECORD\'s own row has a hash or size (it must be `…/RECORD,,`)' },
  'W-RECORD-DUPLICATE': { reason: 'spec', rule: 'RECORD lists a path twice' },
  'W-RECORD-ALGO': { reason: 'installer', rule: 'a RECORD hash uses md5, sha1 or an unknown algorithm (sha256 or stronger required)' },
  'W-PLATFORM-TAG': { reason: 'pypi', rule: 'a platform tag is not on PyPI\'s allow-list (e.g. linux_x86_64)' },
  'W-MACOS-TAG-MINOR': { reason: 'pypi', rule: 'a macOS ≥ 11 platform tag with a minor other than 0' },
  'W-PURE-HAS-BINARY': { reason: 'platform', rule: 'a pure wheel (platform `any`) holds an extension module (an ELF, Mach-O or PE file Python would import: `.so`/`.pyd` on an identifier, outside `.data/data` and `.data/scripts`); launchers and data binaries are not' },
  'W-ZIP-PATH': { reason: 'unsafe', rule: 'an entry path is absolute, has `..`, a backslash or a drive letter' },
  'W-ZIP-NAME': { reason: 'pypi', rule: 'an entry name is not UTF-8 or holds control characters' },
  'W-ZIP-DUPLICATE': { reason: 'pypi', rule: 'two entries have the same name' },
  'W-ZIP-SYMLINK': { reason: 'unsafe', rule: 'an entry is a symlink or another special file' },
  'W-ZIP-ENCRYPTED': { reason: 'unsafe', rule: 'an entry is encrypted' },
  'W-ZIP-BOMB': { reason: 'pypi', rule: 'the archive expands above 64 MiB at a ratio over 50 (PyPI: "File exceeds compression ratio of 50"), or above verify.max_uncompressed_mb' },
  'W-ZIP-RATIO': { reason: 'guard', rule: 'one entry of 1 MiB or more expands more than verify.max_ratio (default 200); PyPI judges the archive as a whole' },
  'W-ZIP-COMPRESSION': { reason: 'pypi', rule: 'an entry uses a compression method other than stored or deflate' },
  'W-DEV-STATUS': { reason: 'guard', rule: 'the Development Status classifier contradicts the release version (a/dev → Alpha/Pre-Alpha, b/rc → Beta, final → Production/Stable)' },
  'W-ZIP-CORRUPT': { reason: 'unsafe', rule: 'the archive or an entry is truncated or corrupt (CRC, sizes, headers)' },
  'W-BIN-CORRUPT': { reason: 'platform', rule: 'a malformed or truncated ELF, Mach-O or PE file, or a file named like a shared library that is none' },
  'W-BIN-ARCH': { reason: 'platform', rule: 'a binary\'s machine (e_machine, cputype, OS family, ARM float ABI) does not fit the platform tag' },
  'W-BIN-ELFCLASS': { reason: 'platform', rule: 'right e_machine, wrong EI_CLASS (32/64-bit) for the tag' },
  'W-BIN-ENDIAN': { reason: 'platform', rule: 'right e_machine, wrong EI_DATA (byte order) for the tag' },
  'W-BIN-IN-PURE': { reason: 'platform', rule: 'a binary checked against the `any` tag' },
  'W-MANYLINUX-SYMBOL': { reason: 'platform', rule: 'a symbol version (GLIBC_, GLIBCXX_, CXXABI_, GCC_…) beyond the auditwheel policy of the tag (or the newest policy below it)' },
  'W-MANYLINUX-LIB': { reason: 'platform', rule: 'a DT_NEEDED library neither on the policy whitelist nor found in the wheel through the binary\'s $ORIGIN RPATH/RUNPATH (auditwheel lddtree)' },
  'W-MUSLLINUX-LIB': { reason: 'platform', rule: 'as W-MANYLINUX-LIB, for musllinux policies' },
  'W-MANYLINUX-BLACKLIST': { reason: 'platform', rule: 'a non-weak undefined symbol the policy blacklists' },
  'W-MUSLLINUX-BLACKLIST': { reason: 'platform', rule: 'as W-MANYLINUX-BLACKLIST, for musllinux policies' },
  'W-MUSL-ON-GLIBC': { reason: 'platform', rule: 'a glibc binary under a musllinux tag' },
  'W-GLIBC-ON-MUSL': { reason: 'platform', rule: 'a musl binary under a manylinux tag' },
  'W-MACOS-MINOS': { reason: 'platform', rule: 'a Mach-O deployment target above the macOS version of the tag' },
  'W-MACOS-ARCHS': { reason: 'platform', rule: 'a Mach-O slice set that differs from the tags\' architectures' },
  'W-PE-MACHINE': { reason: 'platform', rule: 'a PE Machine that does not match win32 / win_amd64 / win_arm64' },
  'S-FORMAT': { reason: 'pypi', rule: 'an sdist that is not a .tar.gz (PEP 625; PyPI rejects .zip sdists)' },
  'S-CORRUPT': { reason: 'unsafe', rule: 'the sdist is not a readable gzip-compressed tar' },
  'S-NAME': { reason: 'pypi', rule: 'the sdist filename name is not the normalised PKG-INFO Name with `_` (PEP 625)' },
  'S-VERSION': { reason: 'pypi', rule: 'the sdist filename version is not the normalised PKG-INFO Version, or not the release version' },
  'S-LOCAL-VERSION': { reason: 'pypi', rule: 'a local version (`+…`); PyPI rejects it' },
  'S-PKG-INFO': { reason: 'pypi', rule: 'no PKG-INFO in the top-level directory, or it lacks Name/Version' },
  'S-METADATA-VERSION': { reason: 'pypi', rule: 'PKG-INFO Metadata-Version is not one PyPI accepts' },
  'S-METADATA-FIELD-VERSION': { reason: 'pypi', rule: 'PKG-INFO uses a field newer than its Metadata-Version' },
  'S-DESCRIPTION-TYPE': { reason: 'spec', rule: 'Description-Content-Type is missing or not text/plain, text/x-rst or text/markdown' },
  'S-DESCRIPTION-MISSING': { reason: 'spec', rule: 'the long description is the placeholder UNKNOWN, or empty where twine reads it as missing or as reStructuredText that renders nothing (twine check fails; PyPI accepts it)' },
  'S-DESCRIPTION-RENDER': { reason: 'pypi', rule: 'the reStructuredText description has two explicit link targets of the same name and different URLs (docutils fails to render it)' },
  'S-TOPLEVEL': { reason: 'pypi', rule: 'the sdist does not hold exactly one top-level directory {name}-{version}/' },
  'S-PATH': { reason: 'unsafe', rule: 'a member path is absolute or has `..`' },
  'S-SPECIAL': { reason: 'unsafe', rule: 'a member is a device, fifo or link pointing outside the archive' },
  'SET-MISSING': { reason: 'release', rule: 'an expected artifact of the release plan is not in dist/' },
  'SET-UNEXPECTED': { reason: 'release', rule: 'an artifact in dist/ that the release plan does not expect' },
  'SET-DUPLICATE': { reason: 'release', rule: 'two artifacts satisfy the same expected artifact' },
  'SET-DIGEST': { reason: 'release', rule: 'an artifact differs from the file its build job recorded (manifest `built` / build fragments)' },
};

export function levelOf(code: string): Level {
  const info = CODES[code];
  return info ? REASON_LEVEL[info.reason] : 'error';
}

/** `demo_core-0.3.0-py3-none-any.whl: demo_core/x.py: detail`. */
export function describe(artifact: string, f: Finding): string {
  return `${artifact}${f.entry ? `: ${f.entry}` : ''}: ${f.message}`;
}

export function withLevels<T extends { code: string }>(findings: T[]): Array<T & { level: Level }> {
  return findings.map((f) => ({ ...f, level: levelOf(f.code) }));
}
