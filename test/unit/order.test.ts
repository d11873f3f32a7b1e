// Orders written to files or compared byte for byte follow code points (Python's sorted(), pip), never the
// locale: localeCompare puts 'a' before 'B' and '_' before '-', code points do the opposite.
import { describe, expect, it } from 'vitest';
import type { ManifestFragment, ReleaseManifest } from '../../src/manifest.js';
import { mergeFragments } from '../../src/manifest.js';
import { compareCodePoints } from '../../src/order.js';
import { criticalPath } from '../../src/plan/cost.js';
import { sortPageVersions } from '../../src/publish/static-index.js';
import { sortNewest } from '../../src/compat/sources.js';
import type { RecipeSet } from '../../src/platforms/recipes.js';

describe('compareCodePoints', () => {
  it('orders as Python sorted() does: upper case before lower, - before _, astral after BMP', () => {
    expect(['a', 'B', 'pkg_x', 'pkg-x', 'pkg', '\u{1F600}', '\uFFFD'].sort(compareCodePoints)).toEqual(['B', 'a', 'pkg', 'pkg-x', 'pkg_x', '\uFFFD', '\u{1F600}']);
    expect(compareCodePoints('x', 'x')).toBe(0);
  });
});

describe('sites that sort what we write', () => {
  it('mergeFragments lists built files by code point', () => {
    const built = (filename: string) => ({ filename, package: 'p', target: null, job: 'j', size: 1, sha256: filename.padEnd(64, '0') });
    const m = { built: [] } as unknown as ReleaseManifest;
    const frag = { built: ['a_b-1.0.tar.gz', 'B-1.0.tar.gz', 'a-b-1.0.tar.gz'].map(built) } as unknown as ManifestFragment;
    expect(mergeFragments(m, [frag]).built.map((b) => b.filename)).toEqual(['B-1.0.tar.gz', 'a-b-1.0.tar.gz', 'a_b-1.0.tar.gz']);
  });

  it('criticalPath breaks a tie between equally slow jobs by code point', () => {
    const job = (id: string) => ({ id, target: 't', emulation: null, pythons: ['3.12'], packages: ['p'] });
    const m = { jobs: [job('build-a'), job('build-B'), job('build_c'), job('build-c')] } as unknown as ReleaseManifest;
    const recipes = { recipes: new Map() } as unknown as RecipeSet;
    expect(criticalPath(m, recipes).jobs.map((j) => j.id)).toEqual(['build-B', 'build-a', 'build-c', 'build_c']);
  });

  it('an index page lists what is not a PEP 440 version by code point', () => {
    expect(sortPageVersions(['dev_b', 'dev-b', 'Dev', 'dev'])).toEqual(['Dev', 'dev', 'dev-b', 'dev_b']);
  });

  it('compat lists what is not a PEP 440 version newest first by code point (reversed)', () => {
    const set = (version: string) => ({ version, tag: '', commit: null, createdAt: null });
    expect(sortNewest(['dev_b', 'Dev', 'dev-b'].map(set)).map((s) => s.version)).toEqual(['dev_b', 'dev-b', 'Dev']);
  });
});
