// versions.json (and the set distribution that carries it) must be the same bytes wherever verify runs:
// its order may not follow the locale of the machine (LANG / LC_ALL), which String#localeCompare does.
import { afterEach, describe, expect, it } from 'vitest';
import type { ReleaseManifest } from '../../src/manifest.js';
import { serializeVersionSet, versionSetFromFiles } from '../../src/versionset.js';
import { buildSetDistribution } from '../../src/wheel/set-distribution.js';

const NAMES = ['demo-j', 'demo-y', 'demo-s', 'demo-z'];

const manifest = {
  schemaVersion: 1,
  tool: { name: 'wheelwright', version: '0.1.0' },
  version: '1.0',
  tag: 'v1.0',
  commit: null,
  createdAt: '2026-11-23T00:00:00.000Z',
  packages: NAMES.map((name) => ({ name, distName: name.replace('-', '_'), path: name, kind: 'pure', builder: 'build', requiresPython: null })),
  jobs: [],
  expected: [],
  built: [],
  verify: null,
  assets: [],
  publish: {},
} as unknown as ReleaseManifest;

const original = String.prototype.localeCompare;
afterEach(() => {
  String.prototype.localeCompare = original;
});

/** As if verify ran where LANG=<locale> (Node takes its default collation from the environment). */
function runningIn(locale: string): void {
  const collator = new Intl.Collator(locale);
  String.prototype.localeCompare = function (this: string, that: string) {
    return collator.compare(this, that);
  };
}

describe('the version set does not depend on the locale', () => {
  it('lists packages in the same order, and the set distribution has the same bytes, in en, lt and et', () => {
    const made = ['en', 'lt', 'et'].map((locale) => {
      runningIn(locale);
      const set = versionSetFromFiles(manifest, []);
      return { order: set.packages.map((p) => p.name), json: serializeVersionSet(set), wheel: buildSetDistribution(set, 'demo-release').bytes };
    });
    expect(made[0]!.order).toEqual(['demo-j', 'demo-s', 'demo-y', 'demo-z']);
    for (const m of made.slice(1)) {
      expect(m.order).toEqual(made[0]!.order);
      expect(m.json).toBe(made[0]!.json);
      expect(Buffer.compare(m.wheel, made[0]!.wheel)).toBe(0);
    }
  });
});
