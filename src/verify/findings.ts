// Findings: one stable code per rule, and a message that names the artifact and the entry.

export interface Finding {
  code: string;
  /** The entry inside the artifact (`pkg/_speedups.so`), when the finding is about one. */
  entry?: string;
  message: string;
}

/** Every code `release verify` emits, with the rule it stands for. Codes never change meaning. */
export const CODES: Record<string, string> = {
  'W-FILENAME': 'the wheel filename does not parse (name-version[-build]-python-abi-platform.whl)',
  'W-NAME-MISMATCH': 'METADATA Name and the filename name differ after PEP 503 normalisation',
  'W-NAME-NORMALIZED': 'the filename name is not the normalised name with `_` (PyPI: "should contain the normalized project name")',
  'W-VERSION-MISMATCH': 'METADATA Version and the filename version are different versions',
  'W-VERSION-RELEASE': 'the artifact version is not the release version (VERSION / manifest)',
  'W-LOCAL-VERSION': 'a local version (`+…`); PyPI rejects it',
  'W-METADATA-MISSING': 'no METADATA in the .dist-info directory',
  'W-METADATA-VERSION': 'Metadata-Version is not one PyPI accepts (1.0, 1.1, 1.2, 2.1–2.5; 2.0 is rejected)',
  'W-METADATA-FIELD': 'a required METADATA field (Name, Version) is missing or invalid',
  'W-DESCRIPTION-TYPE': 'Description-Content-Type is missing or not text/plain, text/x-rst or text/markdown',
  'W-DESCRIPTION-MISSING': 'the long description is the placeholder UNKNOWN (twine check --strict fails)',
  'W-LICENSE-FILE': 'a License-File is not at .dist-info/licenses/{path} (Metadata-Version ≥ 2.4)',
  'W-ENTRY-POINTS': 'entry_points.txt is not valid INI, or a console/gui script name is not [\\w.-]+',
  'W-DISTINFO-COUNT': 'not exactly one top-level .dist-info directory',
  'W-DISTINFO-NAME': 'the .dist-info directory is not byte-exactly {filename name}-{filename version}.dist-info',
  'W-WHEEL-MISSING': 'no WHEEL file in the .dist-info directory',
  'W-WHEEL-VERSION': 'WHEEL Wheel-Version is missing or has a major version other than 1',
  'W-WHEEL-TAGS': 'WHEEL Tag lines differ from the filename\'s expanded tags',
  'W-WHEEL-BUILD': 'WHEEL Build differs from the filename build tag',
  'W-PURELIB': 'Root-Is-Purelib disagrees with the binaries present',
  'W-RECORD-MISSING': 'no RECORD in the .dist-info directory',
  'W-RECORD-MALFORMED': 'a RECORD row is not `path,hash,size`',
  'W-RECORD-MISSING-ENTRY': 'a file in the wheel is not listed in RECORD',
  'W-RECORD-EXTRA-ENTRY': 'RECORD lists a file that is not in the wheel',
  'W-RECORD-HASH': 'a RECORD hash is missing, malformed or wrong',
  'W-RECORD-SIZE': 'a RECORD size is missing or wrong',
  'W-RECORD-SELF-HASH': 'RECORD\'s own row has a hash or size (it must be `…/RECORD,,`)',
  'W-RECORD-DUPLICATE': 'RECORD lists a path twice',
  'W-RECORD-ALGO': 'a RECORD hash uses md5, sha1 or an unknown algorithm (sha256 or stronger required)',
  'W-PLATFORM-TAG': 'a platform tag is not on PyPI\'s allow-list (e.g. linux_x86_64)',
  'W-MACOS-TAG-MINOR': 'a macOS ≥ 11 platform tag with a minor other than 0',
  'W-PURE-HAS-BINARY': 'a pure wheel (platform `any`) contains an ELF, Mach-O or PE binary',
  'W-ZIP-PATH': 'an entry path is absolute, has `..`, a backslash or a drive letter',
  'W-ZIP-NAME': 'an entry name is not UTF-8 or holds control characters',
  'W-ZIP-DUPLICATE': 'two entries have the same name',
  'W-ZIP-SYMLINK': 'an entry is a symlink or another special file',
  'W-ZIP-ENCRYPTED': 'an entry is encrypted',
  'W-ZIP-BOMB': 'an entry or the archive exceeds the uncompressed size or ratio limit (verify.max_uncompressed_mb, verify.max_ratio)',
  'W-ZIP-COMPRESSION': 'an entry uses a compression method other than stored or deflate',
  'W-ZIP-CORRUPT': 'the archive or an entry is truncated or corrupt (CRC, sizes, headers)',
  'S-FORMAT': 'an sdist that is not a .tar.gz (PEP 625; PyPI rejects .zip sdists)',
  'S-CORRUPT': 'the sdist is not a readable gzip-compressed tar',
  'S-NAME': 'the sdist filename name is not the normalised PKG-INFO Name with `_` (PEP 625)',
  'S-VERSION': 'the sdist filename version is not the normalised PKG-INFO Version, or not the release version',
  'S-LOCAL-VERSION': 'a local version (`+…`); PyPI rejects it',
  'S-PKG-INFO': 'no PKG-INFO in the top-level directory, or it lacks Name/Version',
  'S-METADATA-VERSION': 'PKG-INFO Metadata-Version is not one PyPI accepts',
  'S-DESCRIPTION-TYPE': 'Description-Content-Type is missing or not text/plain, text/x-rst or text/markdown',
  'S-DESCRIPTION-MISSING': 'the long description is the placeholder UNKNOWN (twine check --strict fails)',
  'S-TOPLEVEL': 'the sdist does not hold exactly one top-level directory {name}-{version}/',
  'S-PATH': 'a member path is absolute or has `..`',
  'S-SPECIAL': 'a member is a device, fifo or link pointing outside the archive',
  'SET-MISSING': 'an expected artifact of the release plan is not in dist/',
  'SET-UNEXPECTED': 'an artifact in dist/ that the release plan does not expect',
  'SET-DUPLICATE': 'two artifacts satisfy the same expected artifact',
  'SET-DIGEST': 'an artifact differs from the file its build job recorded (manifest `built` / build fragments)',
};

/** `demo_core-0.3.0-py3-none-any.whl: demo_core/x.py: detail`. */
export function describe(artifact: string, f: Finding): string {
  return `${artifact}${f.entry ? `: ${f.entry}` : ''}: ${f.message}`;
}
