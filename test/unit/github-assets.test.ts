// Release assets: GitHub's renaming, media types, and the verdict on what a release already holds.
import { describe, expect, it } from 'vitest';
import { contentType, githubAssetName, judgeAsset } from '../../src/publish/github/assets.js';
import type { PublishFile } from '../../src/publish/types.js';

const file: PublishFile = {
  path: '/x/demo-1.0-py3-none-any.whl',
  filename: 'demo-1.0-py3-none-any.whl',
  sha256: 'a'.repeat(64),
  size: 10,
  package: 'demo',
  version: '1.0',
  type: 'wheel',
};
const asset = (over: Partial<{ name: string; state: string; size: number; digest: string | null }> = {}) => ({
  id: 1,
  name: file.filename,
  state: 'uploaded',
  size: 10,
  digest: `sha256:${'a'.repeat(64)}`,
  ...over,
});

describe('githubAssetName', () => {
  it('turns characters outside [A-Za-z0-9._-] into dots, as GitHub does', () => {
    expect(githubAssetName('demo-1.0+cpu-py3-none-any.whl')).toBe('demo-1.0.cpu-py3-none-any.whl');
    expect(githubAssetName('a b~c.txt')).toBe('a.b.c.txt');
  });
  it('prefixes a leading dot and drops trailing dots', () => {
    expect(githubAssetName('.env')).toBe('default.env');
    expect(githubAssetName('x.tar.gz..')).toBe('x.tar.gz');
  });
  it('leaves wheel, sdist and checksum names alone', () => {
    for (const n of ['demo_core-1.0.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', 'demo-core-0.3.0.tar.gz', 'SHA256SUMS']) {
      expect(githubAssetName(n)).toBe(n);
    }
  });
});

describe('judgeAsset', () => {
  it('finds a missing file missing', () => expect(judgeAsset(file, []).kind).toBe('missing'));
  it('accepts the same size and digest', () => expect(judgeAsset(file, [asset()]).kind).toBe('same'));
  it('calls a starter or empty asset unfinished', () => {
    expect(judgeAsset(file, [asset({ state: 'starter' })]).kind).toBe('unfinished');
    expect(judgeAsset(file, [asset({ size: 0, digest: null })]).kind).toBe('unfinished');
  });
  it('calls another digest or size different, saying why', () => {
    const v = judgeAsset(file, [asset({ digest: `sha256:${'b'.repeat(64)}` })]);
    expect(v).toMatchObject({ kind: 'different' });
    expect((v as { why: string }).why).toMatch(/digest sha256:bbbb/);
    expect(judgeAsset(file, [asset({ size: 11 })])).toMatchObject({ kind: 'different', why: 'size 11 bytes, ours 10' });
  });
  it('cannot judge an old asset without a digest by its size alone', () => expect(judgeAsset(file, [asset({ digest: null })]).kind).toBe('unknown'));
  it('matches by the name GitHub gives the file', () => {
    const local = { ...file, filename: 'demo-1.0+cpu-py3-none-any.whl' };
    expect(judgeAsset(local, [asset({ name: 'demo-1.0.cpu-py3-none-any.whl' })]).kind).toBe('same');
  });
});

describe('contentType', () => {
  it('names zip, gzip, json and text', () => {
    expect(contentType('a.whl')).toBe('application/zip');
    expect(contentType('a.tar.gz')).toBe('application/gzip');
    expect(contentType('versions.json')).toBe('application/json');
    expect(contentType('SHA256SUMS')).toBe('text/plain');
    expect(contentType('x.bin')).toBe('application/octet-stream');
  });
});
