// PEP 440 parsing, normalising and ordering. @renovatebot/pep440 decides what is valid; the numbers are
// kept exact (BigInt) from the text, because that library turns them into doubles: 9007199254740993
// became ...992 and a 400-digit component Infinity.
import * as pep440 from '@renovatebot/pep440';

/** A parsed version, with every number exact. */
export interface ParsedVersion {
  epoch: bigint;
  release: bigint[];
  pre: [string, bigint] | null;
  post: bigint | null;
  dev: bigint | null;
  local: string | null;
  is_prerelease: boolean;
}

/** The parts of a version (the same shape: every number a BigInt). */
export type VersionParts = Omit<ParsedVersion, 'is_prerelease'>;

// packaging's VERSION_PATTERN, anchored, case-insensitive.
const PATTERN = new RegExp(
  '^\\s*v?(?:(?:(?<epoch>[0-9]+)!)?(?<release>[0-9]+(?:\\.[0-9]+)*)' +
    '(?<pre>[-_.]?(?<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<pre_n>[0-9]+)?)?' +
    '(?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_.]?(?<post_l>post|rev|r)[-_.]?(?<post_n2>[0-9]+)?))?' +
    '(?<dev>[-_.]?(?<dev_l>dev)[-_.]?(?<dev_n>[0-9]+)?)?)' +
    '(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?\\s*$',
  'i',
);

const PRE_NAMES: Record<string, string> = { alpha: 'a', a: 'a', beta: 'b', b: 'b', c: 'rc', pre: 'rc', preview: 'rc', rc: 'rc' };

/** Parse a version as packaging.version.Version does (surrounding whitespace allowed), or null. */
export function parseVersion(text: string): ParsedVersion | null {
  const t = text.trim();
  if (!t || !pep440.explain(t)) return null;
  const g = PATTERN.exec(t)?.groups;
  if (!g) return null;
  const pre: [string, bigint] | null = g.pre_l ? [PRE_NAMES[g.pre_l.toLowerCase()]!, BigInt(g.pre_n ?? 0)] : null;
  const post = g.post_n1 !== undefined ? BigInt(g.post_n1) : g.post_l ? BigInt(g.post_n2 ?? 0) : null;
  const dev = g.dev_l ? BigInt(g.dev_n ?? 0) : null;
  // Numeric local segments are integers to packaging: `+007` is `+7`.
  const local = g.local ? g.local.toLowerCase().split(/[-_.]/).map((x) => (/^[0-9]+$/.test(x) ? BigInt(x).toString() : x)).join('.') : null;
  return {
    epoch: BigInt(g.epoch ?? 0),
    release: g.release!.split('.').map((n) => BigInt(n)),
    pre,
    post,
    dev,
    local,
    is_prerelease: pre !== null || dev !== null,
  };
}

/** str(Version(text)), or null when invalid. */
export function normalizeVersion(text: string): string | null {
  const parsed = parseVersion(text);
  return parsed ? stringifyVersion(parsed) : null;
}

export function isValidVersion(text: string): boolean {
  return parseVersion(text) !== null;
}

const cmp = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
const NEG = -Infinity;
const POS = Infinity;
type Bound = bigint | number;
const cmpBound = (a: Bound, b: Bound): number => (typeof a === 'bigint' && typeof b === 'bigint' ? cmp(a, b) : a < b ? -1 : a > b ? 1 : 0);

/** packaging's _cmpkey, compared element by element. */
function comparePartsExact(a: VersionParts, b: VersionParts): number {
  let c = cmp(a.epoch, b.epoch);
  if (c) return c;
  const strip = (r: bigint[]) => {
    let n = r.length;
    while (n > 0 && r[n - 1] === 0n) n--;
    return r.slice(0, n);
  };
  const ra = strip(a.release);
  const rb = strip(b.release);
  for (let i = 0; i < Math.max(ra.length, rb.length); i++) {
    if (i >= ra.length) return -1;
    if (i >= rb.length) return 1;
    c = cmp(ra[i]!, rb[i]!);
    if (c) return c;
  }
  // pre: a dev-only release sorts before every pre-release; no pre-release sorts after them all.
  const preKey = (v: VersionParts): [number, string, bigint] =>
    v.pre === null && v.post === null && v.dev !== null ? [-1, '', 0n] : v.pre === null ? [1, '', 0n] : [0, v.pre[0], v.pre[1]];
  const pa = preKey(a);
  const pb = preKey(b);
  c = pa[0] - pb[0] || (pa[1] < pb[1] ? -1 : pa[1] > pb[1] ? 1 : 0) || cmp(pa[2], pb[2]);
  if (c) return c;
  c = cmpBound(a.post ?? NEG, b.post ?? NEG);
  if (c) return c;
  c = cmpBound(a.dev ?? POS, b.dev ?? POS);
  if (c) return c;
  if (a.local === null || b.local === null) return a.local === b.local ? 0 : a.local === null ? -1 : 1;
  // Local segments: numbers sort after words and compare as numbers; a shorter prefix sorts first.
  const la = a.local.split('.');
  const lb = b.local.split('.');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (i >= la.length) return -1;
    if (i >= lb.length) return 1;
    const x = la[i]!;
    const y = lb[i]!;
    const xn = /^[0-9]+$/.test(x);
    const yn = /^[0-9]+$/.test(y);
    if (xn !== yn) return xn ? 1 : -1;
    c = xn ? cmp(BigInt(x), BigInt(y)) : x < y ? -1 : x > y ? 1 : 0;
    if (c) return c;
  }
  return 0;
}

/** -1, 0 or 1, as packaging orders versions. Both must be valid. */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (!pa || !pb) throw new Error(`not a PEP 440 version: ${JSON.stringify(pa ? b : a)}`);
  return comparePartsExact(pa, pb);
}

/** packaging's canonicalize_version: normalised, trailing `.0`s of the release stripped (PyPI release identity). */
export function canonicalizeVersion(text: string): string | null {
  const p = parseVersion(text);
  if (!p) return null;
  const parts = toParts(p);
  while (parts.release.length > 1 && parts.release[parts.release.length - 1] === 0n) parts.release.pop();
  return stringifyVersion(parts);
}

export function toParts(p: ParsedVersion | VersionParts): VersionParts {
  return { epoch: p.epoch, release: [...p.release], pre: p.pre ? [p.pre[0], p.pre[1]] : null, post: p.post, dev: p.dev, local: p.local };
}

/** The normalised string of a version (packaging's Version.__str__). */
export function stringifyVersion(p: ParsedVersion | VersionParts): string {
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
