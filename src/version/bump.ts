// Bump rules for the three version schemes. Every result is checked to sort after the current version.
import semver from 'semver';
import { ConfigError } from '../errors.js';
import { compareVersions, parseVersion, stringifyVersion, toParts, type VersionParts } from './pep440.js';

export type BumpPart = 'major' | 'minor' | 'patch' | 'pre' | 'post' | 'dev' | 'final';
export type PrePhase = 'a' | 'b' | 'rc';
export type VersionScheme = 'pep440' | 'calver' | 'semver';

export const BUMP_PARTS: BumpPart[] = ['major', 'minor', 'patch', 'pre', 'post', 'dev', 'final'];
export const PRE_PHASES: PrePhase[] = ['a', 'b', 'rc'];

export interface BumpOptions {
  pre?: PrePhase;
  scheme: VersionScheme;
  /** "Today", for calver. */
  date?: Date;
}

type Fields = VersionParts;

function bumpError(message: string, hint: string): ConfigError {
  return new ConfigError(message, { hint });
}

function fields(version: string): Fields {
  const p = parseVersion(version);
  if (!p) throw bumpError(`${JSON.stringify(version)} is not a valid PEP 440 version`, 'fix VERSION first');
  return toParts(p);
}

const phaseRank = (p: string) => PRE_PHASES.indexOf(p as PrePhase);

/** The release tuple padded to at least `n` components. */
function pad(release: bigint[], n: number): bigint[] {
  const r = [...release];
  while (r.length < n) r.push(0n);
  return r;
}

function bare(f: Fields, release: bigint[]): Fields {
  return { epoch: f.epoch, release, pre: null, post: null, dev: null, local: null };
}

/** major/minor/patch: index 0, 1 or 2 of the release tuple. */
function bumpRelease(f: Fields, index: number, pre?: PrePhase): Fields {
  const release = pad(f.release, Math.max(index + 1, Math.min(f.release.length, 3)));
  const isPre = f.pre !== null || (f.dev !== null && f.post === null);
  // A pre-release of X.Y.0 bumped by `minor` becomes X.Y.0: the release it was a preview of (as semver does).
  const tailIsZero = release.slice(index + 1).every((n) => n === 0n);
  let next: bigint[];
  if (isPre && tailIsZero && !pre) {
    next = release;
  } else {
    next = release.map((n, i) => (i < index ? n : i === index ? n + 1n : 0n));
  }
  const out = bare(f, next);
  if (pre) out.pre = [pre, 1n];
  return out;
}

function bumpPre(f: Fields, pre?: PrePhase): Fields {
  if (f.pre === null) {
    throw bumpError(
      `${stringifyVersion(f)} is not a pre-release, so there is no pre-release to advance`,
      'start one with `release version bump minor --pre rc` (or major/patch)',
    );
  }
  const [phase, n] = f.pre!;
  const target = pre ?? (phase as PrePhase);
  if (phaseRank(target) < phaseRank(phase)) {
    throw bumpError(
      `going back from ${phase} to ${target} would make ${stringifyVersion(f)} go down`,
      `pre-release phases only advance: a → b → rc; use \`--pre ${phase}\` or a later phase`,
    );
  }
  const out = bare(f, f.release);
  // A dev release of rcN (rcN.devM) is followed by rcN itself.
  if (target === phase) out.pre = [phase, f.dev !== null && f.post === null ? n : n + 1n];
  else out.pre = [target, 1n];
  return out;
}

function bumpPost(f: Fields): Fields {
  const out = { ...bare(f, f.release), pre: f.pre };
  out.post = f.post === null ? 1n : f.dev !== null ? f.post : f.post + 1n;
  return out;
}

function bumpDev(f: Fields): Fields {
  if (f.dev === null) {
    throw bumpError(
      `${stringifyVersion(f)} is not a dev release; a .devN of it would sort before it`,
      'start a dev series on the next version, e.g. `release version set 1.4.0.dev1`',
    );
  }
  return { ...f, local: null, dev: f.dev! + 1n };
}

function bumpFinal(f: Fields): Fields {
  if (f.pre === null && f.dev === null) {
    throw bumpError(`${stringifyVersion(f)} is already a final release`, 'use major, minor, patch or post to go on from it');
  }
  if (f.post !== null) {
    // X.postN.devM → X.postN
    return { ...bare(f, f.release), pre: f.pre, post: f.post };
  }
  return bare(f, f.release);
}

function bumpPep440(current: string, part: BumpPart, opts: BumpOptions): Fields {
  const f = fields(current);
  switch (part) {
    case 'major':
      return bumpRelease(f, 0, opts.pre);
    case 'minor':
      return bumpRelease(f, 1, opts.pre);
    case 'patch':
      return bumpRelease(f, 2, opts.pre);
    case 'pre':
      return bumpPre(f, opts.pre);
    case 'post':
      return bumpPost(f);
    case 'dev':
      return bumpDev(f);
    case 'final':
      return bumpFinal(f);
  }
}

/** calver YY.MINOR.PATCH: `minor` in a new year starts at YY.1.0. */
function bumpCalver(current: string, part: BumpPart, opts: BumpOptions): Fields {
  const f = fields(current);
  if (f.release.length !== 3 || f.release[0]! > 99n) {
    throw bumpError(`${current} is not of the calver form YY.MINOR.PATCH`, 'set it with e.g. `release version set 26.1.0`');
  }
  const yy = BigInt((opts.date ?? new Date()).getUTCFullYear() % 100);
  if (part === 'major') {
    throw bumpError('the calver scheme has no major part: the year sets it', 'use `minor` (a new year starts at YY.1.0) or `patch`');
  }
  if (part === 'minor' && f.release[0] !== yy) {
    if (f.release[0]! > yy) throw bumpError(`${current} is from a later year than today (${yy})`, 'check --date or the clock');
    const out = bare(f, [yy, 1n, 0n]);
    if (opts.pre) out.pre = [opts.pre, 1n];
    return out;
  }
  return bumpPep440(current, part, opts);
}

const PEP_TO_SEMVER: Record<string, string> = { a: 'alpha', b: 'beta', rc: 'rc' };
const SEMVER_TO_PEP: Record<string, string> = { alpha: 'a', a: 'a', beta: 'b', b: 'b', rc: 'rc' };

/** `1.2.0rc1` → `1.2.0-rc.1`; only versions SemVer can express. */
export function pep440ToSemver(version: string): string {
  const f = fields(version);
  if (f.epoch || f.post !== null || f.dev !== null || f.release.length !== 3 || f.local) {
    throw bumpError(`${version} cannot be written as SemVer (MAJOR.MINOR.PATCH with an optional a/b/rc pre-release)`, 'use the pep440 scheme for post and dev releases');
  }
  const base = f.release.join('.');
  if (f.pre === null) return base;
  const [phase, n] = f.pre!;
  return `${base}-${PEP_TO_SEMVER[phase]}.${n}`;
}

/** `1.2.0-rc.1` → `1.2.0rc1`. */
export function semverToPep440(version: string): string {
  const v = semver.parse(version);
  if (!v) throw bumpError(`${JSON.stringify(version)} is not a SemVer version`, 'write it as MAJOR.MINOR.PATCH[-rc.N]');
  const base = `${v.major}.${v.minor}.${v.patch}`;
  if (v.prerelease.length === 0) return base;
  const [id, n] = v.prerelease;
  const phase = SEMVER_TO_PEP[String(id)];
  if (!phase || (n !== undefined && typeof n !== 'number') || v.prerelease.length > 2) {
    throw bumpError(`the SemVer pre-release \`-${v.prerelease.join('.')}\` has no PEP 440 form`, 'use -alpha.N, -beta.N or -rc.N');
  }
  return `${base}${phase}${n ?? 0}`;
}

function bumpSemver(current: string, part: BumpPart, opts: BumpOptions): string {
  if (part === 'post' || part === 'dev') {
    throw bumpError(`the semver scheme has no ${part} releases`, 'use the pep440 scheme for post and dev releases');
  }
  const sv = pep440ToSemver(current);
  const id = opts.pre ? PEP_TO_SEMVER[opts.pre] : undefined;
  let next: string | null;
  if (part === 'final') {
    if (!semver.prerelease(sv)) throw bumpError(`${current} is already a final release`, 'use major, minor or patch');
    next = semver.inc(sv, 'patch'); // 1.2.0-rc.1 → 1.2.0
  } else if (part === 'pre') {
    const cur = semver.prerelease(sv);
    if (!cur) throw bumpError(`${current} is not a pre-release`, 'start one with `release version bump minor --pre rc`');
    next = semver.inc(sv, 'prerelease', id ?? String(cur[0]), '1');
  } else {
    next = id ? semver.inc(sv, `pre${part}`, id, '1') : semver.inc(sv, part);
  }
  if (!next) throw bumpError(`cannot bump ${current} by ${part}`, 'check the version and the part');
  return semverToPep440(next);
}

/** The next version. Throws ConfigError for a bump that is not allowed or would not go up. */
export function bumpVersion(current: string, part: BumpPart, opts: BumpOptions): string {
  if (!BUMP_PARTS.includes(part)) {
    throw bumpError(`unknown part \`${part}\``, `use one of: ${BUMP_PARTS.join(', ')}`);
  }
  if (opts.pre && !PRE_PHASES.includes(opts.pre)) {
    throw bumpError(`unknown pre-release phase \`${opts.pre}\``, 'use a, b or rc');
  }
  if (opts.pre && !['major', 'minor', 'patch', 'pre'].includes(part)) {
    throw bumpError(`--pre goes with major, minor, patch or pre, not ${part}`, 'drop --pre');
  }
  let next: string;
  if (opts.scheme === 'semver') next = bumpSemver(current, part, opts);
  else next = stringifyVersion(opts.scheme === 'calver' ? bumpCalver(current, part, opts) : bumpPep440(current, part, opts));
  if (compareVersions(next, current) <= 0) {
    throw bumpError(`bumping ${current} by ${part} gives ${next}, which does not sort after it`, 'choose another part, or set the version with `release version set`');
  }
  return next;
}

/** Validate a version given by hand for a scheme; returns the normalised PEP 440 form. */
export function acceptVersion(input: string, scheme: VersionScheme): string {
  const text = input.trim();
  if (scheme === 'semver' && semver.valid(text)) return semverToPep440(text);
  const p = parseVersion(text);
  if (!p) {
    throw new ConfigError(`${JSON.stringify(input)} is not a valid PEP 440 version`, {
      hint: 'e.g. 1.2.0, 1.3.0rc1, 1.3.0.post1, 1.4.0.dev2' + (scheme === 'semver' ? ', or SemVer 1.3.0-rc.1' : ''),
    });
  }
  if (p.local) throw new ConfigError(`${input} has a local version label (+${p.local}); PyPI rejects local versions`, { hint: 'remove the +… part' });
  const normal = stringifyVersion(p);
  if (scheme === 'calver' && (p.release.length !== 3 || p.release[0]! > 99n)) {
    throw new ConfigError(`${input} is not of the calver form YY.MINOR.PATCH`, { hint: 'e.g. 26.8.0 or 26.8.0rc1' });
  }
  if (scheme === 'semver') pep440ToSemver(normal);
  return normal;
}
