// Real wheels from PyPI (permissive licences, listed in expected.json): each builder, and the rules that real
// wheels broke or were wrongly failed by. Each has its expected errors and warnings, and the expected
// verdict agrees with the oracles' verdicts recorded in oracles.json (test/real/oracles.py).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyArtifacts, type ArtifactResult } from '../../src/verify/artifacts.js';
import { codesOf, warningCodesOf } from '../../src/verify/report.js';

const DIR = path.resolve(__dirname, '../fixtures/real-wheels');
interface Expected {
  builder: string;
  license: string;
  errors: string[];
  warnings: string[];
  why: string;
}
const expected = JSON.parse(readFileSync(path.join(DIR, 'expected.json'), 'utf8')) as Record<string, Expected>;
interface OracleWheel {
  packaging: { filename_ok: boolean; local: string | null; name_normalized?: boolean; metadata_version_ok?: boolean };
  twine: { errors: string[]; warnings: string[]; empty?: boolean };
  zip: { bomb: boolean; record_ok: boolean };
  auditwheel?: { platform: boolean; overall: string };
}
const oracles = JSON.parse(readFileSync(path.join(DIR, 'oracles.json'), 'utf8')) as { wheels: Record<string, OracleWheel> };

let results: Map<string, ArtifactResult>;
beforeAll(async () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.whl')).map((f) => path.join(DIR, f));
  const out = await verifyArtifacts(files, { jobs: 2, limits: { maxUncompressed: 4096 * 1024 * 1024, maxRatio: 200 }, releaseVersion: null });
  results = new Map(out.map((r) => [r.filename, r]));
}, 120_000);

/** glibc version of a manylinux tag or policy name; null for `linux_*`. */
function glibc(tag: string): [number, number] | null {
  const legacy: Record<string, [number, number]> = { manylinux1: [2, 5], manylinux2010: [2, 12], manylinux2014: [2, 17] };
  const m = /^manylinux_(\d+)_(\d+)_/.exec(tag);
  if (m) return [Number(m[1]), Number(m[2])];
  const l = /^(manylinux1|manylinux2010|manylinux2014)_/.exec(tag);
  return l ? legacy[l[1]!]! : null;
}

/** Does any oracle refuse the wheel (PyPI's rules, installer, auditwheel against the lowest claimed tag)? */
function oracleRejects(name: string, w: OracleWheel): boolean {
  const p = w.packaging;
  if (!p.filename_ok || p.local || p.name_normalized === false || p.metadata_version_ok === false) return true;
  // twine fails an empty reStructuredText description that PyPI, rendering only non-empty ones, accepts.
  if ((w.twine.errors.length && !w.twine.empty) || w.zip.bomb || !w.zip.record_ok) return true;
  if (w.auditwheel?.platform) {
    const claims = name.replace(/\.whl$/, '').split('-').pop()!.split('.').map(glibc).filter((v): v is [number, number] => v !== null);
    const lowest = claims.sort((a, b) => a[0] - b[0] || a[1] - b[1])[0];
    const overall = glibc(w.auditwheel.overall);
    if (lowest && (!overall || overall[0] > lowest[0] || (overall[0] === lowest[0] && overall[1] > lowest[1]))) return true;
  }
  return false;
}

describe('real wheels from PyPI', () => {
  it('covers the builders', () => {
    const builders = new Set(Object.values(expected).map((e) => e.builder.split(' ')[0]));
    for (const b of ['setuptools', 'bdist_wheel', 'flit', 'hatchling', 'maturin', 'meson', 'pdm-backend', 'poetry-core', 'scikit-build-core', 'uv', 'cmeel']) expect(builders.has(b), b).toBe(true);
    expect(readdirSync(DIR).filter((f) => f.endsWith('.whl')).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [name, want] of Object.entries(expected)) {
    it(`${name}: ${want.errors.length ? `fails ${want.errors.join(' ')}` : 'passes'}${want.warnings.length ? `, warns ${want.warnings.join(' ')}` : ''} (${want.why})`, () => {
      const r = results.get(name)!;
      expect({ errors: codesOf(r), warnings: warningCodesOf(r) }).toEqual({ errors: want.errors, warnings: want.warnings });
      // The expected verdict is the oracles' verdict.
      expect(want.errors.length > 0, 'an oracle refuses it').toBe(oracleRejects(name, oracles.wheels[name]!));
      if (want.warnings.includes('W-DESCRIPTION-MISSING')) expect(oracles.wheels[name]!.twine.warnings.length).toBeGreaterThan(0);
    });
  }
});
