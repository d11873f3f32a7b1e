// Every rule for one wheel, from what the scan collected (central directory, hashes, texts, binary findings).
import { getAllFields, getField, parseHeaders } from '../wheel/headers.js';
import { FilenameError, parseWheelFilename, tagString, type WheelFilename } from '../wheel/filename.js';
import { parseRecord, splitHash } from '../wheel/record.js';
import { S_IFDIR, S_IFREG, type ZipEntryInfo } from '../wheel/zip.js';
import { compareVersions, filenameName, normalizeName, parseVersion } from '../version/pep440.js';
import type { Finding } from './findings.js';
import { checkEntryPoints } from './entry-points.js';
import { checkCoreMetadata } from './metadata.js';
import { isAllowedPlatformTag, isMacosNonZeroMinor } from '../platforms/pypi.js';
import { archiveBomb, isDirectoryEntry, isHighRatio, type BinaryEntry, type EntryError, type HashedEntry, type Limits } from './scan.js';

export interface WheelEvidence {
  artifact: string;
  entries: ZipEntryInfo[];
  hashed: HashedEntry[];
  errors: EntryError[];
  texts: Record<string, string>;
  binaries: BinaryEntry[];
  /** Entries named like shared libraries that are not binaries, with the binary checks' findings. */
  misnamed: Array<{ name: string; findings: Array<{ code: string; message: string; lib?: string }> }>;
  openError: string | null;
}

export interface CheckOptions {
  /** The release version (normalised); null skips that comparison. */
  releaseVersion: string | null;
  limits: Limits;
}

const STRONG = new Set(['sha256', 'sha384', 'sha512', 'sha3_256', 'sha3_384', 'sha3_512', 'blake2b', 'blake2s', 'sha224', 'sha3_224']);

export function tryParseWheelFilename(name: string): WheelFilename | string {
  try {
    return parseWheelFilename(name);
  } catch (err) {
    if (err instanceof FilenameError) return err.message;
    throw err;
  }
}

export function checkWheel(ev: WheelEvidence, opts: CheckOptions): Finding[] {
  const out: Finding[] = [];
  const fn = tryParseWheelFilename(ev.artifact);
  if (typeof fn === 'string') out.push({ code: 'W-FILENAME', message: fn });
  if (ev.openError !== null) {
    out.push({ code: 'W-ZIP-CORRUPT', message: `not a readable zip archive: ${ev.openError}` });
    return out;
  }
  out.push(...checkZip(ev, opts.limits));
  if (typeof fn !== 'string') {
    out.push(...checkPlatformTags(fn));
    out.push(...checkRelease(fn, opts.releaseVersion));
  }
  const dirs = distInfoDirs(ev.entries);
  if (dirs.length !== 1) {
    out.push({ code: 'W-DISTINFO-COUNT', message: dirs.length ? `${dirs.length} .dist-info directories (${dirs.join(', ')}); a wheel has exactly one` : 'no .dist-info directory' });
    return out;
  }
  const dir = dirs[0]!;
  if (typeof fn !== 'string' && dir !== `${fn.namePart}-${fn.versionPart}.dist-info`) {
    out.push({ code: 'W-DISTINFO-NAME', entry: `${dir}/`, message: `must be byte-exactly ${fn.namePart}-${fn.versionPart}.dist-info (PyPI reads WHEEL and METADATA at that path)` });
  }
  out.push(...checkMetadata(ev, dir, fn));
  out.push(...checkWheelFile(ev, dir, fn));
  out.push(...checkRecord(ev, dir));
  const ep = ev.texts[`${dir}/entry_points.txt`];
  if (ep !== undefined) out.push(...checkEntryPoints(ep, `${dir}/entry_points.txt`));
  out.push(...checkBinaries(ev, fn));
  return out;
}

function distInfoDirs(entries: ZipEntryInfo[]): string[] {
  const dirs = new Set<string>();
  for (const e of entries) {
    const top = e.name.split('/')[0]!;
    if (top.endsWith('.dist-info') && e.name.includes('/')) dirs.add(top);
  }
  return [...dirs].sort();
}

function checkZip(ev: WheelEvidence, limits: Limits): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  const reported = new Set<string>();
  const bomb = archiveBomb(ev.entries, limits);
  if (bomb) out.push({ code: 'W-ZIP-BOMB', message: `${bomb}; nothing was extracted` });
  for (const e of ev.entries) {
    const entry = e.name;
    if (!e.nameValid) out.push({ code: 'W-ZIP-NAME', entry, message: 'the name is not valid UTF-8 or holds control characters' });
    if (isUnsafePath(e.name)) out.push({ code: 'W-ZIP-PATH', entry, message: 'absolute path, `..`, backslash or drive letter; installers must refuse it' });
    if (seen.has(e.name) && !reported.has(e.name)) {
      out.push({ code: 'W-ZIP-DUPLICATE', entry, message: 'the archive holds two entries with this name' });
      reported.add(e.name);
    }
    seen.add(e.name);
    if (e.unixType !== 0 && e.unixType !== S_IFREG && e.unixType !== S_IFDIR) {
      out.push({ code: 'W-ZIP-SYMLINK', entry, message: `a symlink or special file (mode ${e.unixType.toString(8)}); wheels hold regular files only` });
    }
    if (e.encrypted) out.push({ code: 'W-ZIP-ENCRYPTED', entry, message: 'the entry is encrypted' });
    if (e.method !== 0 && e.method !== 8) out.push({ code: 'W-ZIP-COMPRESSION', entry, message: `compression method ${e.method}; PyPI accepts only stored (0) and deflate (8)` });
    else if (!e.isDirectory && !bomb && isHighRatio(e, limits)) {
      out.push({ code: 'W-ZIP-RATIO', entry, message: `expands ${Math.round(e.size / Math.max(1, e.compressedSize))}× (above verify.max_ratio ${limits.maxRatio}); PyPI judges the archive as a whole (64 MiB, 50×), which this wheel passes` });
    }
  }
  for (const err of ev.errors) out.push({ code: 'W-ZIP-CORRUPT', entry: err.name, message: `cannot be read: ${err.message}` });
  return out;
}

export function isUnsafePath(name: string): boolean {
  return name.startsWith('/') || name.includes('\\') || /^[A-Za-z]:/.test(name) || name.split('/').some((s) => s === '..');
}

function checkPlatformTags(fn: WheelFilename): Finding[] {
  const out: Finding[] = [];
  for (const tag of new Set(fn.platformTags.map((t) => t.toLowerCase()))) {
    if (isMacosNonZeroMinor(tag)) {
      out.push({ code: 'W-MACOS-TAG-MINOR', message: `platform tag ${tag}: for macOS 11 and later the minor must be 0 (${tag.replace(/^macosx_(\d+)_\d+_/, 'macosx_$1_0_')})` });
    } else if (!isAllowedPlatformTag(tag)) {
      out.push({ code: 'W-PLATFORM-TAG', message: `platform tag ${tag} is not accepted by PyPI${tag.startsWith('linux_') ? ' (repair it with auditwheel to a manylinux tag)' : ''}` });
    }
  }
  return out;
}

/** PyPI rejects a local version whatever the release version is; the release version is compared when known. */
function checkRelease(fn: WheelFilename, release: string | null): Finding[] {
  const out: Finding[] = [];
  const local = parseVersion(fn.version)?.local;
  if (local) out.push({ code: 'W-LOCAL-VERSION', message: `version ${fn.version} has a local part (+${local}); PyPI rejects local versions` });
  const publicVersion = fn.version.split('+')[0]!;
  if (release !== null && compareVersions(publicVersion, release) !== 0) {
    out.push({ code: 'W-VERSION-RELEASE', message: `version ${fn.version} is not the release version ${release}` });
  }
  return out;
}

function checkMetadata(ev: WheelEvidence, dir: string, fn: WheelFilename | string): Finding[] {
  const entry = `${dir}/METADATA`;
  const text = ev.texts[entry];
  if (text === undefined) return hasEntry(ev, entry) ? [] : [{ code: 'W-METADATA-MISSING', entry, message: 'METADATA is missing; PyPI refuses the upload' }];
  const block = parseHeaders(text);
  const { findings, facts } = checkCoreMetadata('W', block, entry);
  if (typeof fn !== 'string') {
    if (facts.name !== null) {
      if (normalizeName(facts.name) !== fn.name) {
        findings.push({ code: 'W-NAME-MISMATCH', entry, message: `Name ${facts.name} does not match the filename's ${fn.namePart} (PyPI: "Start filename for ${JSON.stringify(normalizeName(facts.name))} with ${JSON.stringify(filenameName(facts.name))}")` });
      } else if (fn.namePart !== filenameName(facts.name)) {
        findings.push({ code: 'W-NAME-NORMALIZED', message: `the filename must use the normalized name ${filenameName(facts.name)}, not ${fn.namePart}` });
      }
    }
    if (facts.version !== null && compareVersions(facts.version, fn.version) !== 0) {
      findings.push({ code: 'W-VERSION-MISMATCH', entry, message: `Version ${facts.version} is not the filename's version ${fn.versionPart}` });
    }
  }
  findings.push(...checkLicenseFiles(ev, dir, block, facts.metadataVersion));
  return findings;
}

function checkLicenseFiles(ev: WheelEvidence, dir: string, block: ReturnType<typeof parseHeaders>, mv: string | null): Finding[] {
  if (!mv || Number(mv) < 2.4) return [];
  return getAllFields(block, 'License-File')
    .filter((p) => !hasEntry(ev, `${dir}/licenses/${p.trim()}`))
    .map((p) => ({ code: 'W-LICENSE-FILE', entry: `${dir}/licenses/${p.trim()}`, message: `License-File ${p.trim()} is declared but not in the wheel` }));
}

function hasEntry(ev: WheelEvidence, name: string): boolean {
  return ev.entries.some((e) => e.name === name);
}

function checkWheelFile(ev: WheelEvidence, dir: string, fn: WheelFilename | string): Finding[] {
  const entry = `${dir}/WHEEL`;
  const text = ev.texts[entry];
  if (text === undefined) return hasEntry(ev, entry) ? [] : [{ code: 'W-WHEEL-MISSING', entry, message: 'WHEEL is missing; installers and PyPI refuse the wheel' }];
  const block = parseHeaders(text);
  const out: Finding[] = [];
  const wv = getField(block, 'Wheel-Version')?.trim();
  if (!wv || !/^1\.\d+$/.test(wv)) out.push({ code: 'W-WHEEL-VERSION', entry, message: `Wheel-Version ${wv ?? '(missing)'}: installers read major version 1` });
  if (typeof fn !== 'string') {
    const want = new Set(fn.tags.map(tagString));
    // A Tag line may itself hold a compressed tag set (maturin: `cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64`).
    const got = new Set(getAllFields(block, 'Tag').flatMap((t) => expandTagSet(t.trim())));
    const missing = [...want].filter((t) => !got.has(t));
    const extra = [...got].filter((t) => !want.has(t));
    if (missing.length || extra.length) {
      const parts = [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `not in the filename: ${extra.join(', ')}` : ''];
      out.push({ code: 'W-WHEEL-TAGS', entry, message: `Tag lines differ from the filename's tags (${parts.filter(Boolean).join('; ')}); was the wheel renamed without updating WHEEL?` });
    }
    const build = getField(block, 'Build')?.trim();
    if ((build ?? null) !== fn.buildPart) {
      out.push({ code: 'W-WHEEL-BUILD', entry, message: `Build is ${build ?? '(absent)'} but the filename's build tag is ${fn.buildPart ?? '(absent)'}` });
    }
    const purelib = getField(block, 'Root-Is-Purelib')?.trim().toLowerCase();
    const anyPlatform = fn.platformTags.every((t) => t.toLowerCase() === 'any');
    // Root-Is-Purelib says where the root goes; `.data/platlib` and `.data/data` go where they say.
    const atRoot = ev.binaries.filter((b) => !b.name.split('/')[0]!.endsWith('.data'));
    if (purelib === 'true' && atRoot.length > 0 && !anyPlatform) {
      out.push({ code: 'W-PURELIB', entry, message: `Root-Is-Purelib: true, but the wheel's root holds binaries (${atRoot[0]!.name}); it must be false` });
    } else if (purelib !== 'true' && purelib !== 'false') {
      out.push({ code: 'W-PURELIB', entry, message: `Root-Is-Purelib is ${purelib ?? 'missing'}; it must be true or false` });
    }
  }
  return out;
}

/** `py2.py3-none-a.b` → every combination (PEP 425 compressed tag sets); a line that is not three parts is kept as is. */
function expandTagSet(tag: string): string[] {
  const parts = tag.split('-');
  if (parts.length !== 3) return [tag];
  const [py, abi, plat] = parts.map((p) => p.split('.')) as [string[], string[], string[]];
  return py.flatMap((a) => abi.flatMap((b) => plat.map((c) => `${a}-${b}-${c}`)));
}

function checkRecord(ev: WheelEvidence, dir: string): Finding[] {
  const entry = `${dir}/RECORD`;
  const text = ev.texts[entry];
  if (text === undefined) return hasEntry(ev, entry) ? [] : [{ code: 'W-RECORD-MISSING', entry, message: 'RECORD is missing; PyPI refuses the upload' }];
  const out: Finding[] = [];
  const hashed = new Map(ev.hashed.map((h) => [h.name, h]));
  const files = new Set(ev.entries.filter((e) => !isDirectoryEntry(e)).map((e) => e.name));
  const listed = new Set<string>();
  /** Rows whose digest is right but spelled another way: one finding per spelling, not one per row. */
  const encodings = new Map<string, string[]>();
  for (const row of parseRecord(text)) {
    const where = `${entry} line ${row.line}`;
    const p = row.path.replace(/\\/g, '/');
    if (row.fieldCount !== 3) {
      out.push({ code: 'W-RECORD-MALFORMED', entry: where, message: `${row.fieldCount} fields; a row is path,hash,size` });
      continue;
    }
    if (listed.has(p)) {
      out.push({ code: 'W-RECORD-DUPLICATE', entry: where, message: `${p} is listed twice` });
      continue;
    }
    listed.add(p);
    if (p === entry) {
      if (row.hash || row.size) out.push({ code: 'W-RECORD-SELF-HASH', entry: where, message: 'RECORD\'s own row must be `' + entry + ',,` (no hash, no size)' });
      continue;
    }
    if (!files.has(p)) {
      out.push({ code: 'W-RECORD-EXTRA-ENTRY', entry: p, message: `listed in RECORD (line ${row.line}) but not in the wheel` });
      continue;
    }
    const rowFindings = checkRecordRow(row.hash, row.size, p, hashed.get(p));
    const encoding = recordEncoding(row.hash, hashed.get(p));
    if (encoding) encodings.set(encoding, [...(encodings.get(encoding) ?? []), p]);
    else out.push(...rowFindings);
  }
  for (const [how, paths] of encodings) {
    out.push({
      code: 'W-RECORD-ENCODING',
      entry,
      message: `${paths.length} sha256 digest(s) are right but written ${how} (e.g. ${paths[0]}); RECORD wants urlsafe base64 without padding, and installers that check digests (installer) would refuse them`,
    });
  }
  for (const f of files) {
    if (listed.has(f) || f === `${dir}/RECORD.jws` || f === `${dir}/RECORD.p7s` || f === entry) continue;
    out.push({ code: 'W-RECORD-MISSING-ENTRY', entry: f, message: 'in the wheel but not listed in RECORD' });
  }
  return out;
}

/** `in hex` when a sha256 row holds the right digest in hex (gmsh writes hexdigest()); else null. */
function recordEncoding(hash: string, actual: HashedEntry | undefined): string | null {
  const h = splitHash(hash);
  if (!h || h.algorithm !== 'sha256' || !actual || h.digest === actual.digest) return null;
  if (/^[0-9a-f]{64}$/i.test(h.digest) && h.digest.toLowerCase() === Buffer.from(actual.digest, 'base64url').toString('hex')) return 'in hex';
  return null;
}

function checkRecordRow(hash: string, size: string, entry: string, actual: HashedEntry | undefined): Finding[] {
  const out: Finding[] = [];
  const h = splitHash(hash);
  if (!h) out.push({ code: 'W-RECORD-HASH', entry, message: hash ? `hash ${JSON.stringify(hash)} is not algorithm=digest` : 'RECORD has no hash for it' });
  else if (!STRONG.has(h.algorithm)) {
    out.push({ code: 'W-RECORD-ALGO', entry, message: `hash algorithm ${h.algorithm} is not allowed; use sha256` });
  } else if (h.algorithm === 'sha256' && actual) {
    if (h.digest !== actual.digest) {
      const why = h.digest.replace(/=+$/, '') === actual.digest ? 'has `=` padding, which RECORD must not have' : `is ${h.digest}, the file's is ${actual.digest}`;
      out.push({ code: 'W-RECORD-HASH', entry, message: `sha256 in RECORD ${why}` });
    }
  }
  if (actual && size !== String(actual.size)) {
    out.push({ code: 'W-RECORD-SIZE', entry, message: size ? `size in RECORD is ${size}, the file has ${actual.size} bytes` : `RECORD has no size (the file has ${actual.size} bytes)` });
  }
  return out;
}

function checkBinaries(ev: WheelEvidence, fn: WheelFilename | string): Finding[] {
  if (typeof fn === 'string') return [];
  const anyPlatform = fn.platformTags.every((t) => t.toLowerCase() === 'any');
  if (anyPlatform) {
    return ev.binaries
      .filter((b) => isExtensionModule(b.name))
      .map((b) => ({ code: 'W-PURE-HAS-BINARY', entry: b.name, message: `a ${b.format.toUpperCase()} extension module in a wheel tagged \`any\`, which Python imports on no other platform; build a platform wheel` }));
  }
  const loadable = loadedWith(ev);
  const files = new Set(ev.entries.map((e) => e.name));
  return [...ev.binaries, ...ev.misnamed].flatMap((b) =>
    b.findings
      // A library the loader reaches from another binary of the wheel is loaded with that binary's search
      // path too: auditwheel's lddtree resolves a dependency's own DT_NEEDED through the RPATH/RUNPATH of the
      // binary that loaded it, and takes a library's resolution from a tree that loads it (_fixup_elf_trees).
      .filter((f) => !(f.lib && loadable.get(b.name)?.some((dir) => files.has(dir ? `${dir}/${f.lib}` : f.lib!))))
      .map((f) => ({ code: f.code, entry: b.name, message: f.message })),
  );
}

/**
 * For each ELF file of the wheel that another one loads (a DT_NEEDED of it that resolves to this file
 * through its $ORIGIN RPATH/RUNPATH), the search directories of those that load it, transitively.
 */
function loadedWith(ev: WheelEvidence): Map<string, string[]> {
  const files = new Set(ev.entries.map((e) => e.name));
  const elfs = ev.binaries.filter((b) => b.links);
  const out = new Map<string, string[]>();
  const add = (target: string, dirs: string[]): boolean => {
    const have = out.get(target) ?? [];
    const more = dirs.filter((d) => !have.includes(d));
    if (more.length) out.set(target, [...have, ...more]);
    return more.length > 0;
  };
  // Each pass propagates one more level of loading; a wheel's dependency chains are short.
  for (let pass = 0, changed = true; changed && pass < 8; pass++) {
    changed = false;
    for (const b of elfs) {
      const dirs = [...b.links!.dirs, ...(out.get(b.name) ?? [])];
      for (const lib of b.links!.needed) {
        const hit = dirs.map((d) => (d ? `${d}/${lib}` : lib)).find((p) => files.has(p));
        if (hit && hit !== b.name && add(hit, dirs)) changed = true;
      }
    }
  }
  return out;
}

/**
 * A binary Python would import as a module: an extension suffix (importlib's EXTENSION_SUFFIXES on every
 * platform: `.so`, `.pyd`, tagged like `.cpython-311-x86_64-linux-gnu.so` or `.cp311-win_amd64.pyd`) on an
 * identifier, in the importable tree (the root, or `.data/purelib` / `.data/platlib`). Launchers (`.exe`),
 * versioned libraries (`libfoo.so.1`), DLLs and files under `.data/data` or `.data/scripts` are data to Python.
 */
export function isExtensionModule(entry: string): boolean {
  const parts = entry.split('/');
  if (parts[0]!.endsWith('.data') && parts[1] !== 'purelib' && parts[1] !== 'platlib') return false;
  const base = parts[parts.length - 1]!;
  const m = /^([^.]+)(\.[^.]+)*\.(so|pyd)$/i.exec(base);
  return m !== null && /^[A-Za-z_][A-Za-z0-9_]*$/.test(m[1]!);
}
