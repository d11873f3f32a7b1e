import { describe, expect, it } from 'vitest';
import { acceptVersion, bumpVersion, pep440ToSemver, semverToPep440, type BumpOptions, type BumpPart } from '../../src/version/bump.js';
import { ConfigError } from '../../src/errors.js';

type Case = [from: string, part: BumpPart, opts: Partial<BumpOptions>, to: string];

const pep440: Case[] = [
  // the rules written in the README, in order
  ['1.2.3', 'minor', {}, '1.3.0'],
  ['1.2.3', 'minor', { pre: 'rc' }, '1.3.0rc1'],
  ['1.3.0rc1', 'pre', {}, '1.3.0rc2'],
  ['1.3.0b2', 'pre', { pre: 'rc' }, '1.3.0rc1'],
  ['1.3.0rc2', 'final', {}, '1.3.0'],
  ['1.3.0', 'post', {}, '1.3.0.post1'],
  ['1.4.0.dev3', 'dev', {}, '1.4.0.dev4'],
  ['1.2.3', 'major', {}, '2.0.0'],
  ['1.2.3', 'patch', {}, '1.2.4'],
  ['1.2.3', 'patch', { pre: 'a' }, '1.2.4a1'],
  ['1.2', 'patch', {}, '1.2.1'],
  ['1.2', 'minor', {}, '1.3'],
  ['1.3.0rc1', 'minor', {}, '1.3.0'],
  ['2.0.0b1', 'major', {}, '2.0.0'],
  ['1.3.0rc1', 'patch', {}, '1.3.0'],
  ['1.3.0a2', 'pre', { pre: 'b' }, '1.3.0b1'],
  ['1.3.0rc1.dev2', 'pre', {}, '1.3.0rc1'],
  ['1.3.0.post1', 'post', {}, '1.3.0.post2'],
  ['1.3.0.post2.dev1', 'post', {}, '1.3.0.post2'],
  ['1.3.0rc1', 'post', {}, '1.3.0rc1.post1'],
  ['1.4.0.dev3', 'final', {}, '1.4.0'],
  ['1!1.0.0', 'minor', {}, '1!1.1.0'],
  // exact past 2^53 and for hundreds of digits (wheelwright#17: 9007199254740993.0 became 9007199254740992.1)
  ['9007199254740993.0', 'minor', {}, '9007199254740993.1'],
  ['9007199254740993.0', 'major', {}, '9007199254740994.0'],
  ['1.0rc9007199254740993', 'pre', {}, '1.0rc9007199254740994'],
  ['1.0.post18446744073709551617', 'post', {}, '1.0.post18446744073709551618'],
  [`1.${'9'.repeat(400)}`, 'minor', {}, `1.1${'0'.repeat(400)}`],
  ['1.0.0rc1', 'minor', { pre: 'rc' }, '1.1.0rc1'],
];

const calver: Case[] = [
  ['25.8.2', 'minor', { date: new Date('2026-01-05T00:00:00Z') }, '26.1.0'],
  ['26.7.1', 'minor', { date: new Date('2026-11-05T00:00:00Z') }, '26.8.0'],
  ['26.7.1', 'minor', { date: new Date('2026-11-05T00:00:00Z'), pre: 'rc' }, '26.8.0rc1'],
  ['25.12.0', 'minor', { date: new Date('2026-01-05T00:00:00Z'), pre: 'rc' }, '26.1.0rc1'],
  ['26.8.0rc1', 'pre', {}, '26.8.0rc2'],
  ['26.8.0rc2', 'final', {}, '26.8.0'],
  ['25.9.3', 'patch', { date: new Date('2026-01-05T00:00:00Z') }, '25.9.4'],
];

const semverCases: Case[] = [
  ['1.2.0', 'minor', { pre: 'rc' }, '1.3.0rc1'],
  ['1.3.0rc1', 'pre', {}, '1.3.0rc2'],
  ['1.3.0b2', 'pre', { pre: 'rc' }, '1.3.0rc1'],
  ['1.3.0rc2', 'final', {}, '1.3.0'],
  ['1.2.3', 'major', {}, '2.0.0'],
  ['1.2.3', 'patch', {}, '1.2.4'],
];

describe('version bump, pep440 scheme', () => {
  it.each(pep440)('%s → %s %j → %s', (from, part, opts, to) => {
    expect(bumpVersion(from, part, { scheme: 'pep440', ...opts })).toBe(to);
  });
});

describe('version bump, calver scheme (YY.MINOR.PATCH)', () => {
  it.each(calver)('%s → %s %j → %s', (from, part, opts, to) => {
    expect(bumpVersion(from, part, { scheme: 'calver', ...opts })).toBe(to);
  });
  it('has no major part: the year sets it', () => {
    expect(() => bumpVersion('26.1.0', 'major', { scheme: 'calver' })).toThrow(/no major part/);
  });
  it('rejects a version that is not YY.MINOR.PATCH', () => {
    expect(() => bumpVersion('2026.1', 'minor', { scheme: 'calver' })).toThrow(/calver form/);
  });
});

describe('version bump, semver scheme', () => {
  it.each(semverCases)('%s → %s %j → %s', (from, part, opts, to) => {
    expect(bumpVersion(from, part, { scheme: 'semver', ...opts })).toBe(to);
  });
  it('converts -rc.N to rcN and back explicitly', () => {
    expect(semverToPep440('1.2.0-rc.1')).toBe('1.2.0rc1');
    expect(semverToPep440('1.2.0-alpha.3')).toBe('1.2.0a3');
    expect(pep440ToSemver('1.2.0rc1')).toBe('1.2.0-rc.1');
    expect(pep440ToSemver('1.2.0b2')).toBe('1.2.0-beta.2');
    expect(() => pep440ToSemver('1.2.0.post1')).toThrow(ConfigError);
    expect(() => semverToPep440('1.2.0-nightly.1')).toThrow(/no PEP 440 form/);
  });
  it('has no post or dev releases', () => {
    expect(() => bumpVersion('1.2.0', 'post', { scheme: 'semver' })).toThrow(/no post releases/);
  });
});

describe('version bump refuses what would not go up', () => {
  it.each<[string, BumpPart, Partial<BumpOptions>, RegExp]>([
    ['1.3.0b2', 'pre', { pre: 'a' }, /going back from b to a/],
    ['1.3.0rc1', 'pre', { pre: 'b' }, /going back from rc to b/],
    ['1.3.0', 'pre', {}, /not a pre-release/],
    ['1.3.0', 'final', {}, /already a final release/],
    ['1.3.0', 'dev', {}, /not a dev release/],
    ['1.3.0', 'post', { pre: 'rc' }, /--pre goes with/],
  ])('%s %s %j fails', (from, part, opts, message) => {
    const run = () => bumpVersion(from, part, { scheme: 'pep440', ...opts });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(message);
  });
  it('semver going back a phase fails too', () => {
    expect(() => bumpVersion('1.3.0rc1', 'pre', { scheme: 'semver', pre: 'b' })).toThrow(/does not sort after/);
  });
});

describe('version set validation', () => {
  it('normalises', () => {
    expect(acceptVersion('v1.0-RC1', 'pep440')).toBe('1.0rc1');
    expect(acceptVersion('1.2.0-rc.1', 'semver')).toBe('1.2.0rc1');
  });
  it('rejects local, invalid and off-scheme versions', () => {
    expect(() => acceptVersion('1.0+abc', 'pep440')).toThrow(/local version/);
    expect(() => acceptVersion('one', 'pep440')).toThrow(/not a valid PEP 440/);
    expect(() => acceptVersion('2026.01', 'calver')).toThrow(/calver form/);
    expect(() => acceptVersion('1.0.0.post1', 'semver')).toThrow(/SemVer/);
  });
});
