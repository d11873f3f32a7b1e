import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareVersions, isValidVersion, normalizeVersion } from '../../src/version/pep440.js';
import { hasPythonModule, requireTools } from '../helpers/tools.js';
import { rng } from '../helpers/rng.js';


/** At least 2,000 version strings: valid spellings of every part, and broken ones. */
export function versionCorpus(count = 2400, seed = 440): string[] {
  const r = rng(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const maybe = (p: number) => r() < p;
  const num = () => String(pick([0, 0, 1, 1, 2, 3, 9, 10, 11, 99, 2026, 100000]));
  const lead = () => (maybe(0.1) ? '0' : '') + num();
  const sep = () => pick(['', '', '.', '-', '_']);
  const fixed = [
    '1.0', '1.0.0', '1', '1.0.0.0', 'v1.0', 'V1.0', '1.0-dev', '1.0.dev', '1.0-dev1', '1.0a', '1.0A1', '1.0alpha1',
    '1.0-RC1', '1.0c1', '1.0pre1', '1.0preview1', '1.0-1', '1.0-r1', '1.0rev1', '1.0.post', '1.0post1', '1!1.0',
    '0!1.0', '1.0+abc', '1.0+ABC.def', '1.0+1', '1.0+abc-def_ghi', ' 1.0 ', '\t1.0\n', '1.01', '01.02.003',
    '1.0.dev0', '1.0a1.dev0', '1.0a1', '1.0a1.post1', '1.0b1', '1.0rc1', '1.0+abc', '1.0.post1.dev0', '1.0.post1',
    '', ' ', 'v', '1.', '.1', '1..0', '1.0-', '1.0+', '1.0+abc_', '1.0++abc', '1.0a1a2', '1.0.post1.post2',
    '1.0-dev-1', 'a1.0', '1.0 a1', '1,0', '1.0.x', 'latest', '١.٠', '1.0—rc1', '1.0rc-1', '1.0.devx',
    '1.0_post_1', '1.0-post-1', '1.0.post-1', '1.0-0', '1.0.a1', '1.0_a_1', '1.0-a-1', '1!', '!1.0', '1!1!1.0',
    '26.8.0rc1', '26.8.0', '1.3.0.post1', '1.4.0.dev3', '2.0.0b2', '1.2.0rc1.post1.dev2',
    // Numbers past 2^53 and of hundreds of digits: exact, never rounded (wheelwright#17).
    '9007199254740993.0', '9007199254740992.1', '9007199254740992.0', '9007199254740993', '1.9007199254740993',
    '1.9007199254740992', '1.0rc9007199254740993', '1.0rc9007199254740992', '1.0.post18446744073709551617',
    '1.0.dev18446744073709551616', '9007199254740993!1.0', '1.0+9007199254740993', '1.0+9007199254740992',
    `1.${'9'.repeat(400)}`, `1.${'9'.repeat(399)}8`, `1.${'9'.repeat(400)}.0`, `${'1'.repeat(400)}.0rc1`, `0${'7'.repeat(400)}`,
  ];
  const out = [...fixed];
  while (out.length < count) {
    if (maybe(0.82)) {
      let s = '';
      if (maybe(0.08)) s += pick(['v', 'V']);
      if (maybe(0.08)) s += `${num()}!`;
      const n = 1 + Math.floor(r() * 4);
      s += Array.from({ length: n }, lead).join('.');
      if (maybe(0.4)) s += sep() + pick(['a', 'b', 'c', 'rc', 'alpha', 'beta', 'pre', 'preview', 'A', 'RC', 'Alpha']) + sep() + (maybe(0.85) ? num() : '');
      if (maybe(0.25)) s += maybe(0.2) ? `-${num()}` : sep() + pick(['post', 'rev', 'r', 'POST']) + sep() + (maybe(0.85) ? num() : '');
      if (maybe(0.25)) s += sep() + pick(['dev', 'DEV']) + sep() + (maybe(0.85) ? num() : '');
      if (maybe(0.1)) s += '+' + Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(['abc', '1', 'ubuntu', 'X9', '007', 'g1234'])).join(pick(['.', '-', '_']));
      if (maybe(0.04)) s = pick([' ', '\t', '\n']) + s + pick([' ', '\n', '']);
      out.push(s);
    } else {
      // A broken mutation of a valid-looking version.
      const base = `${num()}.${num()}${pick(['', 'rc1', '.post1', '.dev2'])}`;
      const i = Math.floor(r() * (base.length + 1));
      const junk = pick(['..', '-', '+', '!', ' ', 'x', '__', '.-', 'a.b', '+_', '#']);
      out.push(base.slice(0, i) + junk + base.slice(i));
    }
  }
  return [...new Set(out)].slice(0, count);
}

const ok = requireTools('PEP 440 differential test', [['/usr/bin/python3 with packaging', hasPythonModule('packaging')]]);

describe.skipIf(!ok)('PEP 440 agrees exactly with packaging (Debian python3-packaging as the oracle)', () => {
  const corpus = versionCorpus();
  const oracle = ok
    ? (JSON.parse(
        execFileSync('/usr/bin/python3', [path.join(import.meta.dirname, '../fixtures/oracle/pep440.py')], {
          input: JSON.stringify(corpus),
          maxBuffer: 64 << 20,
        }).toString(),
      ) as { results: [boolean, string | null][]; order: number[]; packaging: string })
    : { results: [], order: [], packaging: '' };

  it('the corpus has at least 2,000 strings, valid and invalid', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(2000);
    const valid = oracle.results.filter(([v]) => v).length;
    expect(valid).toBeGreaterThan(1000);
    expect(corpus.length - valid).toBeGreaterThan(200);
  });

  it('validity and normalisation agree on every string', () => {
    const disagreements = corpus
      .map((s, i) => ({ s, oracle: oracle.results[i]!, ours: [isValidVersion(s), normalizeVersion(s)] }))
      .filter((d) => d.oracle[0] !== d.ours[0] || d.oracle[1] !== d.ours[1]);
    expect(disagreements.slice(0, 20)).toEqual([]);
  });

  it('ordering agrees: our sort of the valid strings equals packaging\'s', () => {
    const valid = corpus.map((s, i) => [s, i] as const).filter(([, i]) => oracle.results[i]![0]);
    const ours = [...valid].sort((a, b) => compareVersions(a[0], b[0]) || a[1] - b[1]).map(([, i]) => i);
    const firstDiff = ours.findIndex((v, k) => v !== oracle.order[k]);
    expect(firstDiff === -1 ? null : { at: firstDiff, ours: corpus[ours[firstDiff]!], packaging: corpus[oracle.order[firstDiff]!] }).toBeNull();
  });
});
