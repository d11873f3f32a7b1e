// `release verify --published --wait`: which findings another look can clear, and the durations the flag takes.
import { describe, expect, it } from 'vitest';
import { onlyLag, parseWait, type PublishedFinding, type PublishedReport } from '../../src/verify/published.js';

const report = (codes: PublishedFinding['code'][]): PublishedReport => ({
  ok: codes.length === 0,
  version: '1.0.0',
  identity: { repository: 'o/r', workflow: 'release.yml' },
  files: [],
  findings: codes.map((code) => ({ filename: 'a.whl', where: 'pypi', code, message: code })),
});

describe('verify --published --wait', () => {
  it('looks again only while every finding is one that PyPI CDN lag explains', () => {
    expect(onlyLag(report(['missing-on-index', 'no-provenance', 'unreachable']))).toBe(true);
    expect(onlyLag(report([]))).toBe(false);
    for (const hard of ['content', 'index-digest', 'attestation', 'subject', 'checksums', 'missing-asset'] as const) {
      expect(onlyLag(report(['missing-on-index', hard])), hard).toBe(false);
    }
  });

  it("fails at once when GitHub's API cannot be read (no CDN stands between the publish job and it)", () => {
    const github = report(['missing-on-index']);
    github.findings.push({ filename: 'v1.0.0', where: 'github', code: 'unreachable', message: 'GitHub release v1.0.0 of o/r: 403' });
    expect(onlyLag(github)).toBe(false);
  });

  it('takes 90s, 10m, 1h or plain seconds, and nothing else', () => {
    expect([parseWait('90s'), parseWait('10m'), parseWait('1h'), parseWait('15'), parseWait('0.5m')]).toEqual([90_000, 600_000, 3_600_000, 15_000, 30_000]);
    expect([parseWait('soon'), parseWait('10 minutes'), parseWait('-1m'), parseWait('')]).toEqual([null, null, null, null]);
  });
});
