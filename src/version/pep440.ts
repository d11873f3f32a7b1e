// PEP 440 through @renovatebot/pep440: parsing, normalising and ordering are never hand-written here.
import * as pep440 from '@renovatebot/pep440';

export type ParsedVersion = pep440.Pep440Version;

/** Parse a version as packaging.version.Version does (surrounding whitespace allowed), or null. */
export function parseVersion(text: string): ParsedVersion | null {
  const t = text.trim();
  if (!t) return null;
  return pep440.explain(t);
}

/** str(Version(text)), or null when invalid. */
export function normalizeVersion(text: string): string | null {
  const parsed = parseVersion(text);
  return parsed ? stringifyVersion(parsed) : null;
}

export function isValidVersion(text: string): boolean {
  return parseVersion(text) !== null;
}

/** -1, 0 or 1, as packaging orders versions. Both must be valid. */
export function compareVersions(a: string, b: string): number {
  return Math.sign(pep440.compare(a.trim(), b.trim()));
}

/** packaging's canonicalize_version: normalised, trailing `.0`s of the release stripped (PyPI release identity). */
export function canonicalizeVersion(text: string): string | null {
  const p = parseVersion(text);
  if (!p) return null;
  const parts = toParts(p);
  while (parts.release.length > 1 && parts.release[parts.release.length - 1] === 0) parts.release.pop();
  return stringifyVersion(parts);
}

/** The parts of a version, typed as they really are at run time. */
export interface VersionParts {
  epoch: number;
  release: number[];
  pre: [string, number] | null;
  post: number | null;
  dev: number | null;
  local: string | null;
}

const num = (x: unknown): number | null => (typeof x === 'number' ? x : null);

export function toParts(p: ParsedVersion): VersionParts {
  const pre = Array.isArray(p.pre) && p.pre.length === 2 ? ([String(p.pre[0]), Number(p.pre[1])] as [string, number]) : null;
  return { epoch: p.epoch, release: [...p.release], pre, post: num(p.post), dev: num(p.dev), local: p.local };
}

/** The normalised string of a version (packaging's Version.__str__). */
export function stringifyVersion(v: ParsedVersion | VersionParts): string {
  const p = 'public' in v ? toParts(v) : v;
  let s = '';
  if (p.epoch) s += `${p.epoch}!`;
  s += p.release.join('.');
  if (p.pre) s += `${p.pre[0]}${p.pre[1]}`;
  if (p.post !== null) s += `.post${p.post}`;
  if (p.dev !== null) s += `.dev${p.dev}`;
  if (p.local) s += `+${p.local}`;
  return s;
}

/** PEP 503 project-name normalisation: runs of -_. become -, lowercased. */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** The name as it is written in wheel and sdist filenames: normalised, with `_` for `-`. */
export function filenameName(name: string): string {
  return normalizeName(name).replace(/-/g, '_');
}
