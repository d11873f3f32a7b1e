// The one safe way to read a file a user (or a pull request) wrote: a regular file, inside the
// repository after resolving symlinks, no larger than its kind allows, strictly UTF-8.
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './errors.js';

/** What a file is for; each kind has its own size cap. */
export type FileKind =
  | 'version'
  | 'config'
  | 'fragment'
  | 'template'
  | 'recipe'
  | 'manifest'
  | 'changelog'
  | 'pyproject'
  | 'versionset'
  | 'source';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Far above any real file of the kind, far below what hurts. */
export const SIZE_CAPS: Record<FileKind, number> = {
  version: 1 * KiB,
  config: 1 * MiB,
  fragment: 256 * KiB,
  template: 1 * MiB,
  recipe: 256 * KiB,
  manifest: 64 * MiB,
  changelog: 32 * MiB,
  pyproject: 1 * MiB,
  versionset: 64 * MiB,
  source: 8 * MiB,
};

export interface ReadOptions {
  kind: FileKind;
  /**
   * A directory of the repository the file must resolve inside (symlinks followed): the boundary is the
   * nearest ancestor of it holding `.git`, else the directory itself. Default: the file's own directory,
   * which only fits paths that come from no data. `null`: a path the user named on the command line,
   * read wherever it points.
   */
  root?: string | null;
  /** A missing file (no directory entry at all) gives `null` instead of an error. */
  optional?: boolean;
}

const gitTops = new Map<string, string>();

/** The nearest ancestor of `dir` holding `.git` (a directory or a worktree's file), else `dir`. */
export function repositoryOf(dir: string): string {
  const start = path.resolve(dir);
  const hit = gitTops.get(start);
  if (hit) return hit;
  let d = start;
  let found = start;
  for (;;) {
    try {
      lstatSync(path.join(d, '.git'));
      found = d;
      break;
    } catch {
      const parent = path.dirname(d);
      if (parent === d) break;
      d = parent;
    }
  }
  gitTops.set(start, found);
  return found;
}

function realDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}

function inside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..' + path.sep) && rel !== '..' && !path.isAbsolute(rel));
}

function fail(file: string, what: string, hint: string, cause?: unknown): ConfigError {
  return new ConfigError(what, { file, hint, cause });
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Read `file` as the kind says, or throw a ConfigError (exit 2) naming it; `null` only for a missing optional file. */
export function readUserFileSync(file: string, opts: ReadOptions & { optional: true }): string | null;
export function readUserFileSync(file: string, opts: ReadOptions): string;
export function readUserFileSync(file: string, opts: ReadOptions): string | null {
  const abs = path.resolve(file);
  try {
    lstatSync(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === 'ENOENT' || code === 'ENOTDIR') && opts.optional) return null;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw fail(abs, 'file not found', 'create it, or fix the path that names it');
    throw fail(abs, `cannot be read (${code ?? (err as Error).message})`, 'check its permissions', err);
  }
  let real: string;
  try {
    real = realpathSync(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw fail(abs, 'is a symlink to nothing (dangling)', 'point it at a file in the repository, or remove it');
    if (code === 'ELOOP') throw fail(abs, 'is a symlink loop', 'point it at a file in the repository, or remove it');
    throw fail(abs, `cannot be resolved (${code ?? (err as Error).message})`, 'check the path and its permissions', err);
  }
  if (opts.root !== null) {
    const root = realDir(repositoryOf(opts.root ?? path.dirname(abs)));
    if (!inside(real, root)) {
      throw fail(abs, `resolves to ${real}, outside the repository (${root})`, 'a file the release reads must live in the repository; replace the symlink with the file itself');
    }
  }
  // O_NONBLOCK: opening a FIFO must not wait for a writer; the fstat below then refuses it.
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw fail(abs, 'is a directory, not a file', 'replace it with a regular file');
    throw fail(abs, `cannot be opened (${code ?? (err as Error).message})`, 'check its permissions', err);
  }
  return readOpened(fd, abs, opts.kind);
}

// Small files are read into one reused buffer (the text is decoded out of it): 5,000 fragments read
// into a buffer each kept the garbage collector busy.
const scratch = Buffer.allocUnsafe(64 * KiB);

/** The rest of a safe read once `fd` is open: a regular file, within the cap, UTF-8. Closes `fd`. */
function readOpened(fd: number, abs: string, kind: FileKind): string {
  const cap = SIZE_CAPS[kind];
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      const what = st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a named pipe (FIFO)' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : 'not a regular file';
      throw fail(abs, `is ${what}, not a regular file`, 'replace it with a regular file');
    }
    if (st.size > cap) {
      throw fail(abs, `is ${st.size} bytes, more than the ${cap} bytes a ${kind} file may have`, `shorten it (a ${kind} file is read whole)`);
    }
    // Read at most cap + 1 bytes whatever the size said: a file can grow while it is read.
    const want = Math.min(cap + 1, Math.max(st.size + 1, 4 * KiB));
    const buf = want <= scratch.length ? scratch.subarray(0, want) : Buffer.allocUnsafe(want);
    let n = 0;
    for (;;) {
      if (n === buf.length) break;
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      // All that fstat promised is read: stop without the read that would say end of file.
      if (n === st.size) break;
    }
    if (n > cap) throw fail(abs, `is more than the ${cap} bytes a ${kind} file may have`, `shorten it (a ${kind} file is read whole)`);
    return decodeOrFail(buf.subarray(0, n), abs);
  } finally {
    closeSync(fd);
  }
}

function decodeOrFail(bytes: Uint8Array, abs: string): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw fail(abs, `is not valid UTF-8 (byte offset ${firstInvalidUtf8(bytes)})`, 'save it as UTF-8');
  }
}

/**
 * A file its directory's listing called regular, opened without following a symlink: read to the end
 * without an fstat (Node's costs as much as the read). null when the full checks must decide: larger
 * than the scratch buffer or the cap, or not readable as a file (replaced since the listing). Empty is
 * checked on this fd (a FIFO swapped in since the listing reads as empty and must be refused). Never
 * blocks (O_NONBLOCK).
 */
function readListed(fd: number, abs: string, kind: FileKind): string | null {
  const limit = Math.min(SIZE_CAPS[kind] + 1, scratch.length);
  let n = 0;
  try {
    for (;;) {
      if (n === limit) break;
      const got = readSync(fd, scratch, n, limit - n, null);
      if (got === 0) break;
      n += got;
    }
  } catch {
    closeSync(fd);
    return null;
  }
  // Nothing read: an empty file, or a FIFO swapped in since the listing (no writer reads as end of file).
  // The full checks tell them apart on this fd (readOpened closes it): opening the path again would read
  // whatever is there by then (a symlink swapped in, another directory behind a moved link).
  if (n === 0) return readOpened(fd, abs, kind);
  closeSync(fd);
  if (n === limit) return null;
  return decodeOrFail(scratch.subarray(0, n), abs);
}

/** An entry of a directory listing (`fs.Dirent`): its name and what the listing says it is. */
export interface ListedEntry {
  name: string;
  isFile(): boolean;
}

/**
 * A reader of many files in one directory (a fragments directory), each read as readUserFileSync reads
 * it, for one open per file: the directory is resolved and checked against the repository once, and each
 * file is opened with O_NOFOLLOW, so a file that is a symlink (or anything else unusual) goes through
 * readUserFileSync's full checks instead. Give a name from the directory's listing, or its entry
 * (`fs.Dirent`): an entry the listing calls a regular file is read without an fstat.
 */
export function userDirReader(dir: string, opts: Omit<ReadOptions, 'optional'>): (entry: string | ListedEntry) => string {
  const slow = (entry: string | ListedEntry) => readUserFileSync(path.join(dir, typeof entry === 'string' ? entry : entry.name), opts);
  const noFollow = constants.O_NOFOLLOW as number | undefined;
  let realDirectory: string;
  try {
    realDirectory = realpathSync.native(dir);
  } catch {
    return slow;
  }
  if (noFollow === undefined) return slow;
  if (opts.root !== null && !inside(realDirectory, realDir(repositoryOf(opts.root ?? dir)))) return slow;
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY | noFollow;
  const absDir = path.resolve(dir);
  return (entry) => {
    const name = typeof entry === 'string' ? entry : entry.name;
    // Only a plain name stays in the directory (the slow path checks where anything else leads).
    if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes(path.sep)) return slow(name);
    let fd: number;
    try {
      fd = openSync(`${realDirectory}${path.sep}${name}`, flags);
    } catch {
      return slow(name);
    }
    const abs = `${absDir}${path.sep}${name}`;
    if (typeof entry === 'string' || !entry.isFile()) return readOpened(fd, abs, opts.kind);
    return readListed(fd, abs, opts.kind) ?? slow(name);
  };
}

/** The same, as a promise (the checks are on small, capped files). */
export async function readUserFile(file: string, opts: ReadOptions & { optional: true }): Promise<string | null>;
export async function readUserFile(file: string, opts: ReadOptions): Promise<string>;
export async function readUserFile(file: string, opts: ReadOptions): Promise<string | null> {
  return readUserFileSync(file, opts);
}

/** Whether a directory entry exists at `file` (a dangling symlink counts: reading it then says why it fails). */
export function entryExists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/** Whether `file` is (or links to) a directory. */
export function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

function firstInvalidUtf8(b: Uint8Array): number {
  let lo = 0;
  let hi = b.length;
  // The longest valid prefix, by bisection over the decoder (exact to within one code point).
  const ok = (end: number) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(0, end), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * A name taken from data (a fragment's filename, a manifest's `filename`, `notes create NAME`) must be
 * a plain file name: no separators, no `..`, nothing a path resolver would treat as a path.
 */
export function plainNameProblem(name: string): string | null {
  if (name === '') return 'is empty';
  if (name === '.' || name === '..') return `is \`${name}\`, not a file name`;
  if (/[/\\]/.test(name)) return `${JSON.stringify(name)} contains a path separator`;
  if (name.includes('\0')) return 'contains a NUL byte';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(name)) return `${JSON.stringify(name)} contains a control character`;
  return null;
}

/** What a non-regular entry is, in words. */
function entryKind(st: import('node:fs').Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Why an entry named like a wheel or an sdist is not a file to publish, or null: it must be a regular
 * file, or a symlink to one inside one of `within` (the dist directory, the repository). A directory, a
 * FIFO (reading it waits forever), a device (`/dev/zero` never ends) or a link leaving the release is not
 * an artifact, and is never skipped in silence: the release would lose a file, or gain one from elsewhere.
 */
export function artifactEntryProblem(file: string, within: string[]): string | null {
  let st;
  try {
    st = lstatSync(file);
  } catch {
    return 'does not exist';
  }
  if (st.isFile()) return null;
  if (!st.isSymbolicLink()) return `is ${entryKind(st)}, not a regular file`;
  let real: string;
  try {
    real = realpathSync(file);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ELOOP' ? 'is a symlink loop' : 'is a dangling symlink';
  }
  let target: ReturnType<typeof statSync>;
  try {
    target = statSync(real);
  } catch {
    return 'changed while it was checked (its target is gone)';
  }
  if (!target.isFile()) return `is a symlink to ${entryKind(target)} (${real}), not a regular file`;
  if (!within.some((d) => inside(real, realDir(d)))) return `is a symlink to ${real}, outside ${within.join(' and ')}`;
  return null;
}

/** Refuse (exit 2, naming each path) every entry of `files` that artifactEntryProblem finds wrong. */
export function refuseNonFileArtifacts(files: string[], within: string[]): void {
  const bad = files.map((f) => [f, artifactEntryProblem(f, within)] as const).filter(([, p]) => p !== null);
  if (!bad.length) return;
  const [first, problem] = bad[0]!;
  const more = bad.length > 1 ? ` (and ${bad.length - 1} more: ${bad.slice(1).map(([f, p]) => `${f} ${p}`).join('; ')})` : '';
  throw fail(first, `named like a wheel or an sdist, but ${problem}${more}`, 'only regular wheel and sdist files are published: remove it, or put the file itself in its place; nothing was uploaded');
}
