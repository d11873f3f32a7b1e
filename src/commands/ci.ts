// `release ci init`: write (or check) the tag-triggered release workflow.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadActionsTable } from '../ci/actions.js';
import { auditWorkflow } from '../ci/audit.js';
import { renderWorkflow, WORKFLOW_PATH } from '../ci/workflow.js';
import { ConfigError } from '../errors.js';
import { toolVersion } from '../tool.js';
import { bool, str, type CommandDefinition } from './types.js';

async function readText(p: string): Promise<string | null> {
  try {
    return await readFile(p, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The first differing line, for a short "why stale" message. */
function firstDifference(a: string, b: string): string {
  const al = a.split('\n');
  const bl = b.split('\n');
  for (let i = 0; i < Math.max(al.length, bl.length); i++) {
    if (al[i] !== bl[i]) return `line ${i + 1}: committed ${JSON.stringify(al[i] ?? '(end of file)')}, expected ${JSON.stringify(bl[i] ?? '(end of file)')}`;
  }
  return '';
}

const init: CommandDefinition = {
  usage: 'release ci init [--check] [--environment NAME] [--python X.Y]',
  description: `Write ${WORKFLOW_PATH}: on a version tag (or workflow_dispatch with a dry-run input) it runs plan → build (one job per target, fail-fast off) → verify → publish. Every action is pinned to a commit SHA from recipes/actions.yaml, permissions are read-only except in the publish job, no event value is interpolated into a script, caches are off. --check exits 1 if the committed workflow differs from what init would write now.

A tag pushed with GITHUB_TOKEN does not trigger \`on: push: tags\` (release-please#1142): push tags with an App token or PAT, or start the workflow with \`gh workflow run release.yml --ref <tag>\` (workflow_dispatch is exempt).`,
  options: {
    check: { type: 'boolean', description: 'compare the committed workflow with what init would write; exit 1 when it differs' },
    environment: { type: 'string', valueName: 'NAME', description: 'GitHub environment of the publish job (default: release)' },
    python: { type: 'string', valueName: 'X.Y', description: 'Python the runners use to drive the builders (default: 3.12)' },
  },
  examples: ['release ci init', 'release ci init --check   # in CI: fail when the workflow is stale'],
  async run(ctx, args) {
    const loaded = await ctx.config();
    const python = str(args, 'python');
    if (python !== undefined && !/^3\.\d+$/.test(python)) throw new ConfigError(`--python \`${python}\` is not a Python version like 3.12`, { hint: 'pass e.g. --python 3.12' });
    const text = renderWorkflow(loaded.config, await loadActionsTable(), { toolVersion: toolVersion(), python, environment: str(args, 'environment') });
    const file = path.join(loaded.root, WORKFLOW_PATH);
    const findings = auditWorkflow(text);
    if (findings.length) throw new ConfigError(`the generated workflow fails its own security checks: ${findings.map((f) => `${f.at}: ${f.message}`).join('; ')}`, { file: path.join(loaded.root, 'recipes/actions.yaml') });
    if (bool(args, 'check')) {
      const committed = await readText(file);
      const upToDate = committed === text;
      const why = committed === null ? 'missing' : upToDate ? 'up to date' : `stale (${firstDifference(committed, text)})`;
      if (upToDate) ctx.log.info(`${WORKFLOW_PATH} is up to date`);
      else ctx.log.error(`${WORKFLOW_PATH} is ${why}; run \`release ci init\` and commit the result`);
      return { json: { file, upToDate, status: committed === null ? 'missing' : upToDate ? 'ok' : 'stale' }, text: why, exitCode: upToDate ? 0 : 1 };
    }
    await ctx.world.writeFile(file, text);
    ctx.log.info(`wrote ${WORKFLOW_PATH}`);
    ctx.log.info('note: a tag pushed with GITHUB_TOKEN does not start this workflow (release-please#1142); push tags with an App token or PAT, or run `gh workflow run release.yml --ref <tag>`');
    return { json: { file, written: !ctx.dryRun }, text: file };
  },
};

export const commands: Record<string, CommandDefinition> = { init };
