// `release ci init`: write (or check) the release workflow and the files it runs: wheelwright's single-file build
// and the builders' hashed requirements, vendored under .github/wheelwright/.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadActionsTable } from '../ci/actions.js';
import { auditWorkflow } from '../ci/audit.js';
import { renderWorkflow, VENDORED_BUILD_REQUIREMENTS, VENDORED_BUNDLE, VENDORED_CIBUILDWHEEL_REQUIREMENTS, WORKFLOW_PATH } from '../ci/workflow.js';
import type { ReleaseConfig } from '../config/schema.js';
import type { Context } from '../context.js';
import { ConfigError } from '../errors.js';
import { checkActionRuntimes, checkBuilderPythons, checkRunners, loadFacts, type FactFinding } from '../platforms/facts.js';
import { planFromConfig } from '../plan/from-config.js';
import { shippedRecipesDir } from '../platforms/recipes.js';
import { readUserFile } from '../files.js';
import { bool, str, type CommandDefinition } from './types.js';

/** The first differing line, for a short "why stale" message. */
function firstDifference(a: string, b: string): string {
  const al = a.split('\n');
  const bl = b.split('\n');
  for (let i = 0; i < Math.max(al.length, bl.length); i++) {
    if (al[i] !== bl[i]) return `line ${i + 1}: committed ${JSON.stringify(al[i] ?? '(end of file)')}, expected ${JSON.stringify(bl[i] ?? '(end of file)')}`;
  }
  return '';
}

/** The single-file build to vendor: the package's bundle/, or this very file when running as the bundle. */
export async function bundleText(): Promise<string> {
  const candidates = [path.resolve(shippedRecipesDir(), '..', 'bundle', 'wheelwright.mjs')];
  if (process.argv[1] && path.basename(process.argv[1]) === 'wheelwright.mjs') candidates.push(process.argv[1]);
  for (const c of candidates) if (existsSync(c)) return readFile(c, 'utf8');
  throw new ConfigError('wheelwright has no single-file build to vendor', { file: candidates[0], hint: 'build it with `node .ci/bundle.mjs` (a release of wheelwright ships it)' });
}

/** The index is written on the runner and thrown away, so CI publishes to PyPI and GitHub unless the config names them. */
export function ciDestinations(config: Pick<ReleaseConfig, 'publish'>): string[] {
  const kept = config.publish.to.filter((d) => d !== 'index');
  return kept.length ? kept : ['pypi', 'github'];
}

/** Retired runners, removed action runtimes and Pythons the pinned builder cannot build, for this repository's plan. */
async function factFindings(ctx: Context, committedWorkflow: string | null): Promise<FactFinding[]> {
  const loaded = await ctx.config();
  const table = await loadActionsTable();
  const facts = await loadFacts();
  const { manifest, recipes } = await planFromConfig(loaded, { env: ctx.env, now: ctx.now() });
  const today = ctx.now().toISOString().slice(0, 10);
  const used = [...new Set(manifest.jobs.map((j) => j.target))].map((t) => ({ recipe: recipes.recipes.get(t)!, file: path.relative(loaded.root, recipes.files.get(t)!) }));
  const wanted = manifest.jobs
    .filter((j) => j.builder === 'cibuildwheel')
    .map((j) => ({ target: j.target, recipe: recipes.recipes.get(j.target)!, pythons: j.pythons, where: loaded.file ? `${path.relative(loaded.root, loaded.file)}: python` : 'python' }));
  return [
    ...checkRunners(facts, used, today),
    ...(committedWorkflow ? checkActionRuntimes(committedWorkflow, table).map((f) => ({ ...f, at: `${WORKFLOW_PATH} ${f.at}` })) : []),
    ...checkBuilderPythons(facts, table.tools.cibuildwheel ?? '', wanted),
  ];
}

const init: CommandDefinition = {
  usage: 'release ci init [--check] [--environment NAME] [--python X.Y]',
  description: `Write ${WORKFLOW_PATH} and vendor what it runs into ${path.dirname(VENDORED_BUNDLE)}/: wheelwright's single-file build (every job checks its sha256, written into the workflow, before running it; nothing is fetched at run time) and the hashed requirements of pypa/build. On a version tag, a merged release/* pull request or workflow_dispatch (dry run by default; PyPI or TestPyPI) it runs plan → build (one job per target, one per Python on emulated targets, each with a timeout) → verify → publish. Every action is pinned to a commit SHA on node24 from recipes/actions.yaml, permissions are read-only except in the tag and publish jobs, no event value is interpolated into a script, caches are off.

--check exits 1 when a committed file differs from what init would write now, when a recipe names a retired runner, when the workflow uses an action on a removed Node runtime, or when the pinned cibuildwheel cannot build a planned Python; each finding names the replacement.

A tag pushed with GITHUB_TOKEN does not trigger \`on: push: tags\` (release-please#1142): push tags with an App token or PAT, or start the workflow with \`gh workflow run release.yml --ref <tag>\` (workflow_dispatch is exempt).`,
  options: {
    check: { type: 'boolean', description: 'compare the committed files with what init would write and check runners, runtimes and Pythons; exit 1 on any finding' },
    environment: { type: 'string', valueName: 'NAME', description: 'GitHub environment of the publish job (default: release; TestPyPI runs use `testpypi`)' },
    python: { type: 'string', valueName: 'X.Y', description: 'Python the runners use to drive the builders (default: 3.12)' },
  },
  examples: ['release ci init', 'release ci init --check   # in CI: fail when the workflow is stale or names a retired runner'],
  async run(ctx, args) {
    const loaded = await ctx.config();
    const python = str(args, 'python');
    if (python !== undefined && !/^3\.\d+$/.test(python)) throw new ConfigError(`--python \`${python}\` is not a Python version like 3.12`, { hint: 'pass e.g. --python 3.12' });
    const table = await loadActionsTable();
    const bundle = await bundleText();
    const bundleSha256 = createHash('sha256').update(bundle).digest('hex');
    const destinations = ciDestinations(loaded.config);
    const text = renderWorkflow(loaded.config, table, { bundleSha256, python, environment: str(args, 'environment'), destinations });
    const findings = auditWorkflow(text);
    if (findings.length) throw new ConfigError(`the generated workflow fails its own security checks: ${findings.map((f) => `${f.at}: ${f.message}`).join('; ')}`, { file: table.file });
    const files: Array<[string, string]> = [
      [WORKFLOW_PATH, text],
      [VENDORED_BUNDLE, bundle],
      [VENDORED_BUILD_REQUIREMENTS, table.buildRequirements],
      [VENDORED_CIBUILDWHEEL_REQUIREMENTS, table.cibuildwheelRequirements],
    ];
    if (bool(args, 'check')) {
      const problems: string[] = [];
      let committedWorkflow: string | null = null;
      for (const [rel, want] of files) {
        const committed = await readUserFile(path.join(loaded.root, rel), { kind: rel === VENDORED_BUNDLE ? 'source' : 'config', optional: true });
        if (rel === WORKFLOW_PATH) committedWorkflow = committed;
        if (committed === null) problems.push(`${rel} is missing`);
        else if (committed !== want) problems.push(rel === VENDORED_BUNDLE ? `${rel} is stale (sha256 ${createHash('sha256').update(committed).digest('hex')}, this wheelwright is ${bundleSha256})` : `${rel} is stale (${firstDifference(committed, want)})`);
      }
      const facts = (await factFindings(ctx, committedWorkflow)).map((f) => `${f.at}: ${f.message}`);
      for (const p of problems) ctx.log.error(`${p}; run \`release ci init\` and commit the result`);
      for (const f of facts) ctx.log.error(f);
      const ok = problems.length === 0 && facts.length === 0;
      if (ok) ctx.log.info(`${WORKFLOW_PATH} and ${path.dirname(VENDORED_BUNDLE)}/ are up to date; runners, action runtimes and Pythons are current`);
      const status = committedWorkflow === null ? 'missing' : problems.length ? 'stale' : facts.length ? 'outdated' : 'ok';
      return { json: { file: path.join(loaded.root, WORKFLOW_PATH), upToDate: problems.length === 0, status, problems, findings: facts }, text: ok ? 'up to date' : [...problems, ...facts].join('\n'), exitCode: ok ? 0 : 1 };
    }
    for (const [rel, want] of files) await ctx.world.writeFile(path.join(loaded.root, rel), want);
    ctx.log.info(`wrote ${files.map(([rel]) => rel).join(', ')}`);
    if (loaded.config.publish.to.includes('index')) ctx.log.info('note: the workflow publishes to pypi and github: a static index written on a runner is thrown away with it; run `release publish --to index` where you serve it');
    ctx.log.info('note: a tag pushed with GITHUB_TOKEN does not start this workflow (release-please#1142); push tags with an App token or PAT, or run `gh workflow run release.yml --ref <tag>`');
    return { json: { file: path.join(loaded.root, WORKFLOW_PATH), written: !ctx.dryRun, files: files.map(([rel]) => rel), bundleSha256 }, text: path.join(loaded.root, WORKFLOW_PATH) };
  },
};

export const commands: Record<string, CommandDefinition> = { init };
