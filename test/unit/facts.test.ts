import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadActionsTable } from '../../src/ci/actions.js';
import { checkActionRuntimes, checkBuilderPythons, checkRunners, loadFacts, runnerStatus } from '../../src/platforms/facts.js';
import { loadRecipes } from '../../src/platforms/recipes.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');

describe('runner lifecycle', () => {
  it('macos-14 is deprecated from 2026-07-06 and retired on 2026-11-02 (actions/runner-images#13518), with macos-15 named as its replacement', async () => {
    const facts = await loadFacts();
    expect(runnerStatus(facts, 'macos-14', '2026-07-05')).toBe('deprecated');
    expect(runnerStatus(facts, 'macos-14', '2026-11-02')).toBe('retired');
    expect(runnerStatus(facts, 'macos-15-intel', '2026-12-03')).toBe('available');
    expect(runnerStatus(facts, 'macos-15-intel', '2027-08-01')).toBe('retired');
    const recipes = await loadRecipes(repoRoot, undefined);
    const old = { recipe: { ...recipes.recipes.get('macos-arm64')!, runner: 'macos-14' }, file: 'recipes/macos-arm64.yaml' };
    const [finding] = checkRunners(facts, [old], '2026-12-03');
    expect(finding).toEqual({ at: 'recipes/macos-arm64.yaml: runner', message: expect.stringMatching(/`macos-14` \(target macos-arm64\) was retired on 2026-11-02 .*#13518.*use `macos-15`/) });
  });

  it('every shipped recipe runs on a runner that is served today, and builds only Pythons the pinned cibuildwheel has', async () => {
    const facts = await loadFacts();
    const recipes = await loadRecipes(repoRoot, undefined);
    const all = [...recipes.recipes.entries()].map(([t, recipe]) => ({ recipe, file: recipes.files.get(t)! }));
    expect(checkRunners(facts, all, new Date().toISOString().slice(0, 10))).toEqual([]);
    const table = await loadActionsTable();
    const wanted = [...recipes.recipes.values()].map((recipe) => ({ target: recipe.target, recipe, pythons: recipe.pythons, where: recipe.target }));
    expect(checkBuilderPythons(facts, table.tools.cibuildwheel!, wanted)).toEqual([]);
  });
});

describe('builder Pythons', () => {
  it('cibuildwheel 4.x has no cp313t: asking for 3.13t fails, naming the free-threaded builds it has', async () => {
    const facts = await loadFacts();
    const recipes = await loadRecipes(repoRoot, undefined);
    const recipe = recipes.recipes.get('linux-x86_64')!;
    const findings = checkBuilderPythons(facts, '4.2.0', [{ target: 'linux-x86_64', recipe, pythons: ['3.12', '3.13t'], where: 'release.yaml: python' }]);
    expect(findings).toEqual([{ at: 'release.yaml: python', message: 'cibuildwheel 4.2.0 cannot build cp313t-manylinux_x86_64 (Python 3.13t, target linux-x86_64); free-threaded builds it has: cp314t, cp315t' }]);
    expect(checkBuilderPythons(facts, '9.9.9', [])[0]!.message).toMatch(/no identifier data for cibuildwheel 9\.9\.9/);
  });
});

describe('action runtimes', () => {
  it('flags a pinned action on node20, naming the node24 pin to use', async () => {
    const table = await loadActionsTable();
    const text = 'steps:\n  - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n  - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1\n';
    expect(checkActionRuntimes(text, table)).toEqual([
      { at: 'line 2', message: 'actions/checkout@11bd71901bbe runs on node20, which GitHub\'s runners no longer offer; use actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1' },
    ]);
  });
});
