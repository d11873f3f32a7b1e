import { describe, expect, it } from 'vitest';
import { commands, parseOptions } from '../../src/commands/prepare.js';
import { CHANGES, nextVersion, PREFLIGHT, type PrepareOptions } from '../../src/prepare/steps.js';
import { configSchema } from '../../src/config/schema.js';
import { createContext } from '../../src/context.js';
import { ConfigError, UsageError } from '../../src/errors.js';
import { parseVersionText } from '../../src/version/file.js';

const ctx = createContext({ cwd: '/nonexistent', now: () => new Date(2026, 10, 23, 12) });
const args = (values: Record<string, string | boolean>, positionals: string[] = []) => ({ values, positionals });
const loaded = (over: Record<string, unknown> = {}) => ({ root: '/r', file: null, config: configSchema.parse(over) });
const opts = (o: Partial<PrepareOptions>): PrepareOptions => ({ date: '2026-11-23', push: false, pr: false, ...o });

describe('release prepare options', () => {
  it('defaults the date to today (local calendar) and reads the flags', () => {
    expect(parseOptions(ctx, args({ bump: 'minor', pre: 'rc', push: true }))).toEqual({
      bump: 'minor',
      pre: 'rc',
      version: undefined,
      date: '2026-11-23',
      name: undefined,
      push: true,
      pr: false,
      consolidate: undefined,
    });
  });

  it.each([
    [{ bump: 'minor', version: '1.0.0' }, /--bump or --version, not both/],
    [{ bump: 'mayor' }, /--bump mayor: not a part/],
    [{ bump: 'minor', pre: 'beta' }, /--pre beta: not a pre-release phase/],
    [{ pre: 'rc' }, /--pre goes with --bump/],
    [{ push: true, pr: true }, /--push or --pr, not both/],
    [{ date: '2026-02-30' }, /--date 2026-02-30: not a date/],
    [{ date: '23.11.2026' }, /not a date/],
  ])('%o is a usage error (exit 64)', (values, message) => {
    let err: unknown;
    try {
      parseOptions(ctx, args(values as Record<string, string | boolean>));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(message);
    expect((err as UsageError).exitCode).toBe(64);
  });

  it('a positional argument is refused with a hint', () => {
    expect(() => parseOptions(ctx, args({}, ['1.0.0']))).toThrow(/unexpected argument `1.0.0`/);
  });
});

describe('the version to release', () => {
  const current = parseVersionText('0.3.0\n', '/r/VERSION');

  it('no flag releases what VERSION says', () => {
    expect(nextVersion(current, opts({}), loaded(), ctx)).toBe('0.3.0');
  });

  it('--bump follows the configured scheme', () => {
    expect(nextVersion(current, opts({ bump: 'minor' }), loaded(), ctx)).toBe('0.4.0');
    expect(nextVersion(current, opts({ bump: 'minor', pre: 'rc' }), loaded(), ctx)).toBe('0.4.0rc1');
    expect(nextVersion(current, opts({ bump: 'patch' }), loaded(), ctx)).toBe('0.3.1');
  });

  it('--version is normalised as PEP 440 says', () => {
    expect(nextVersion(current, opts({ version: '1.0.0-RC1' }), loaded(), ctx)).toBe('1.0.0rc1');
    expect(nextVersion(current, opts({ version: 'v1.0' }), loaded(), ctx)).toBe('1.0');
  });

  it.each([
    ['banana', /"banana" is not a valid PEP 440 version/],
    ['1.0.0+local', /local version label/],
    ['0.2.9', /0\.2\.9 is lower than the current version 0\.3\.0/],
  ])('--version %s is a ConfigError naming the flag', (version, message) => {
    let err: unknown;
    try {
      nextVersion(current, opts({ version }), loaded(), ctx);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(message);
    expect((err as ConfigError).field).toBe('--version');
  });
});

describe('the prepare pipeline', () => {
  it('checks everything before the first write, and the snapshot is the first change', () => {
    expect(PREFLIGHT.map((s) => s.name)).toContain('check the tag does not exist on the remote');
    expect(PREFLIGHT.map((s) => s.name).at(-1)).toBe('show what will change');
    expect(CHANGES[0]!.name).toBe('record the repository state');
    // the pull request is opened last, so a refusal from GitHub still undoes everything before it
    expect(CHANGES.at(-1)!.name).toBe('open the release pull request');
  });

  it('its help explains how the tag-trigger trap is avoided', () => {
    const help = commands.prepare!.description;
    expect(help).toContain('release-please#1142');
    expect(help).toContain('RELEASE_TOKEN');
    expect(help).toMatch(/--pr.*avoids the trap/s);
  });
});
