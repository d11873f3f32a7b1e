import { describe, expect, it } from 'vitest';
import { parseVersionText } from '../../src/version/file.js';
import { ConfigError, ExitCode } from '../../src/errors.js';

describe('VERSION file', () => {
  it('reads a version with or without a trailing newline and normalises it', () => {
    expect(parseVersionText('1.2.0\n', 'VERSION')).toMatchObject({ version: '1.2.0', raw: '1.2.0', trailingNewline: true, isPrerelease: false });
    expect(parseVersionText('26.8.0rc1', 'VERSION')).toMatchObject({ version: '26.8.0rc1', trailingNewline: false, isPrerelease: true });
    expect(parseVersionText('1.0-RC1\n', 'VERSION')).toMatchObject({ version: '1.0rc1', raw: '1.0-RC1' });
  });

  it.each([
    ['empty', '', /is empty/],
    ['only a newline', '\n', /is empty/],
    ['a BOM', '\ufeff1.2.0\n', /byte-order mark/],
    ['CRLF', '1.2.0\r\n', /CRLF/],
    ['two lines', '1.2.0\n1.3.0\n', /has 2 lines/],
    ['trailing spaces', '1.2.0  \n', /white space/],
    ['leading space', ' 1.2.0\n', /white space/],
    ['an invalid version', 'one.two\n', /"one\.two" is not a valid PEP 440 version/],
    ['a local version', '1.2.0+abc\n', /local version label \(\+abc\)/],
  ])('rejects %s with a message naming the file, the value and what is allowed', (_what, text, message) => {
    let err: unknown;
    try {
      parseVersionText(text, '/repo/VERSION');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.message).toMatch(message);
    expect(e.file).toBe('/repo/VERSION');
    expect(e.hint).toMatch(/allowed|remove/);
    expect(e.exitCode).toBe(ExitCode.config);
  });
});
