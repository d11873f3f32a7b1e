// `release prepare`: flags → options → the prepare steps (src/prepare/steps.ts) → what was done, as text or JSON.
import path from 'node:path';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { dateOf, planLines, prepareRelease, type PrepareOptions } from '../prepare/steps.js';
import { BUMP_PARTS, PRE_PHASES, type BumpPart, type PrePhase } from '../version/bump.js';
import { bool, str, type CommandDefinition, type ParsedArgs } from './types.js';

export function parseOptions(ctx: Context, args: ParsedArgs): PrepareOptions {
  if (args.positionals.length) throw new UsageError(`unexpected argument \`${args.positionals[0]}\``, { hint: 'use --bump PART or --version X' });
  const bump = str(args, 'bump');
  const pre = str(args, 'pre');
  const version = str(args, 'version');
  if (bump && version !== undefined) throw new UsageError('give --bump or --version, not both');
  if (bump && !BUMP_PARTS.includes(bump as BumpPart)) throw new UsageError(`--bump ${bump}: not a part`, { hint: `one of ${BUMP_PARTS.join(', ')}` });
  if (pre && !PRE_PHASES.includes(pre as PrePhase)) throw new UsageError(`--pre ${pre}: not a pre-release phase`, { hint: `one of ${PRE_PHASES.join(', ')}` });
  if (pre && !bump) throw new UsageError('--pre goes with --bump', { hint: 'e.g. --bump minor --pre rc, or --version 1.4.0rc1' });
  if (bool(args, 'push') && bool(args, 'pr')) throw new UsageError('give --push or --pr, not both', { hint: '--pr pushes a release/X branch instead of the tag' });
  const date = str(args, 'date') ?? isoDate(ctx.now());
  if (!dateOf(date) || isoDate(dateOf(date)!) !== date) throw new UsageError(`--date ${date}: not a date`, { hint: 'YYYY-MM-DD, e.g. --date 2026-11-23' });
  return {
    bump: bump as BumpPart | undefined,
    pre: pre as PrePhase | undefined,
    version,
    date,
    name: str(args, 'name'),
    push: bool(args, 'push'),
    pr: bool(args, 'pr'),
    consolidate: args.values.consolidate === true ? true : undefined,
  };
}

/** Local calendar date, as towncrier's date.today(). */
function isoDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

const description = `Cut a release: write VERSION (and sibling \`==\` pins), render the news fragments into the changelog, \`git rm\` the fragments, make one commit (git.commit_message) and an annotated tag (git.tag_prefix + version) whose message is the notes.

Preflight comes first and writes nothing: a clean working tree, the configured release branch, a git identity, the tag absent locally and on the remote, every package reading VERSION, and the fragments rendering. Then all changes are made as one unit: if any step fails (a hook refuses the commit, the changelog cannot be written, the tag appears meanwhile, the remote rejects the push), files, index, branch and tags are put back exactly as they were.

Without --bump or --version, the version already in VERSION is released.

The tag-trigger trap (release-please#1142): a tag pushed with a workflow's GITHUB_TOKEN does not start \`on: push: tags\` workflows. So: run \`--push\` from your machine (your own git credentials), or, on GitHub Actions, set RELEASE_TOKEN to a PAT or GitHub App token — there \`--push\` refuses to run without it, and pushes with it (an http auth header passed through the environment, never argv). \`--pr\` avoids the trap altogether: it pushes \`release/X\`, opens a pull request (token RELEASE_TOKEN, else GITHUB_TOKEN; a PR opened with GITHUB_TOKEN does not start CI on itself) and makes no tag; the release workflow must run on the merge of that PR (\`pull_request: closed\` on release/* branches, or workflow_dispatch) and tag the merge commit itself.`;

export const commands: Record<string, CommandDefinition> = {
  prepare: {
    usage: 'release prepare [--bump PART [--pre a|b|rc] | --version X] [--date D] [--name N] [--push | --pr] [--consolidate] [--dry-run]',
    description,
    options: {
      bump: { type: 'string', valueName: BUMP_PARTS.join('|'), description: 'bump VERSION by this part (version_scheme rules)' },
      pre: { type: 'string', valueName: PRE_PHASES.join('|'), description: 'with --bump: make it a pre-release of this phase' },
      version: { type: 'string', valueName: 'X', description: 'release exactly this version (PEP 440, not lower than VERSION)' },
      date: { type: 'string', valueName: 'YYYY-MM-DD', description: 'release date in the changelog (default: today)' },
      name: { type: 'string', valueName: 'NAME', description: "project name in the notes title (towncrier's --name; default: its config)" },
      push: { type: 'boolean', description: 'push the branch and the tag (atomically) to git.remote' },
      pr: { type: 'boolean', description: 'push release/X and open a pull request instead of tagging' },
      consolidate: { type: 'boolean', description: 'fold the rc sections of this version into the final section' },
    },
    examples: [
      'release prepare --bump minor --dry-run     # show 0.3.0 → 0.4.0, the notes and the files',
      'release prepare --bump minor --pre rc      # 0.3.0 → 0.4.0rc1, commit + tag v0.4.0rc1',
      'release prepare --version 1.0.0 --push     # commit, tag, push both',
      'RELEASE_TOKEN=… release prepare --bump patch --pr   # release/X branch + pull request',
    ],
    async run(ctx, args) {
      const opts = parseOptions(ctx, args);
      const state = await prepareRelease(ctx, opts);
      const s = {
        loaded: state.need('loaded'),
        current: state.need('current'),
        next: state.need('next'),
        tag: state.need('tag'),
        branch: state.need('branch'),
        prBranch: state.get('prBranch'),
        commit: state.get('commit'),
        pushed: state.need('pushed'),
        pr: state.get('pr'),
        pinFiles: state.need('pinFiles'),
        rendered: state.need('rendered'),
      };
      const rel = (f: string) => path.relative(s.loaded.root, f).split(path.sep).join('/');
      const json = {
        dryRun: ctx.dryRun,
        previous: s.current.version,
        version: s.next,
        tag: opts.pr ? null : s.tag,
        commit: ctx.dryRun ? null : (s.commit ?? null),
        branch: opts.pr ? s.prBranch : s.branch,
        pushed: s.pushed,
        pullRequest: s.pr && !ctx.dryRun ? s.pr : null,
        notesSource: s.rendered.source,
        changed: [...(s.current.raw !== s.next ? [s.current.file] : []), ...s.pinFiles, s.rendered.changelogFile].map(rel),
        removed: s.rendered.fragmentFiles.map(rel),
        notes: s.rendered.notes,
      };
      const text = ctx.dryRun
        ? `${planLines(state).join('\n')}\n\n${s.rendered.notes}`
        : opts.pr
          ? `prepared ${s.next} on ${s.prBranch}: pull request ${s.pr?.url ?? ''}\nmerging it releases ${s.next}: the release workflow tags the merge commit ${s.tag} (it runs on the merge, not on a tag push, so GITHUB_TOKEN's tag-trigger limit does not apply)`
          : `prepared ${s.next}: commit ${s.commit?.slice(0, 12)}, tag ${s.tag}${opts.push ? ' (pushed)' : ` — push with \`git push --atomic ${s.loaded.config.git.remote} ${s.branch} ${s.tag}\``}`;
      return { json, text };
    },
  },
};
