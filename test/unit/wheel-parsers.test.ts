import { describe, expect, it } from 'vitest';
import { parseSdistFilename, parseWheelFilename, tagString } from '../../src/wheel/filename.js';
import { getAllFields, getField, parseHeaders } from '../../src/wheel/headers.js';
import { parseCsv, parseRecord, recordDigest, splitHash } from '../../src/wheel/record.js';

describe('wheel filenames', () => {
  it('expands an unsorted compressed platform set (auditwheel writes them unsorted)', () => {
    const w = parseWheelFilename('demo_core-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl');
    expect(w.platformTags).toEqual(['manylinux_2_17_x86_64', 'manylinux2014_x86_64']);
    expect(w.tags.map(tagString)).toEqual(['cp312-cp312-manylinux_2_17_x86_64', 'cp312-cp312-manylinux2014_x86_64']);
  });

  it('reads a build tag as (number, rest) and normalises name and version', () => {
    const w = parseWheelFilename('Demo.Core-1.0RC1-12abc-py2.py3-none-any.whl');
    expect(w).toMatchObject({ name: 'demo-core', namePart: 'Demo.Core', version: '1.0rc1', versionPart: '1.0RC1', build: [12, 'abc'], buildPart: '12abc' });
    expect(w.tags.map(tagString)).toEqual(['py2-none-any', 'py3-none-any']);
  });

  it('rejects wrong part counts, bad names, versions and build tags', () => {
    for (const bad of ['demo-1.0-py3-none.whl', 'demo__x-1.0-py3-none-any.whl', 'demo-banana-py3-none-any.whl', 'demo-1.0-x1-py3-none-any.whl', 'demo-1.0-py3-none-any.zip']) {
      expect(() => parseWheelFilename(bad), bad).toThrow();
    }
  });

  it('splits a legacy sdist name at the last dash', () => {
    expect(parseSdistFilename('demo-core-0.3.0.tar.gz')).toMatchObject({ namePart: 'demo-core', version: '0.3.0', extension: '.tar.gz' });
    expect(parseSdistFilename('demo_core-0.3.0.zip').extension).toBe('.zip');
  });
});

describe('header blocks (METADATA, WHEEL, PKG-INFO)', () => {
  it('keeps continuation lines, repeated fields and the body', () => {
    const b = parseHeaders('Metadata-Version: 2.1\nName: demo\nClassifier: A\nClassifier: B\nLicense: line one\n        line two\n\n# Title\n\nbody\n');
    expect(getField(b, 'name')).toBe('demo');
    expect(getAllFields(b, 'Classifier')).toEqual(['A', 'B']);
    expect(getField(b, 'License')).toBe('line one\n        line two');
    expect(b.body).toBe('# Title\n\nbody\n');
    expect(b.malformed).toEqual([]);
  });

  it('reports a line that is neither a field nor a continuation, and CRLF files parse alike', () => {
    const b = parseHeaders('Name: demo\r\nthis is not a header\r\nVersion: 1.0\r\n');
    expect(b.malformed).toEqual([2]);
    expect(getField(b, 'Version')).toBe('1.0');
    expect(b.body).toBe('');
  });
});

describe('RECORD', () => {
  it('reads quoted fields with commas, doubled quotes and newlines, and CRLF rows', () => {
    const rows = parseRecord('"a,b.py",sha256=x,1\r\n"q""uote.py",sha256=y,2\n"multi\nline.txt",sha256=z,3\npkg/RECORD,,\n');
    expect(rows.map((r) => [r.path, r.hash, r.size, r.line])).toEqual([
      ['a,b.py', 'sha256=x', '1', 1],
      ['q"uote.py', 'sha256=y', '2', 2],
      ['multi\nline.txt', 'sha256=z', '3', 3],
      ['pkg/RECORD', '', '', 5],
    ]);
  });

  it('counts fields so a malformed row is visible', () => {
    expect(parseCsv('a,b\n').map((r) => r.fields.length)).toEqual([2]);
    expect(parseCsv('\n\n').length).toBe(0);
  });

  it('spells digests as urlsafe base64 without padding', () => {
    expect(recordDigest(Buffer.alloc(32, 0xff))).toBe('__________________________________________8');
    expect(splitHash('sha256=abc')).toEqual({ algorithm: 'sha256', digest: 'abc' });
    expect(splitHash('abc')).toBeNull();
  });
});
