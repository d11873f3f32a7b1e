// Notes from conventional commits since the previous tag, for repositories without towncrier.
import path from 'node:path';
import type { Context } from '../context.js';
import { GitError } from '../errors.js';
import { readUserFileSync } from '../files.js';
import type { RenderedRelease, RenderReleaseOptions } from './release.js';

/** Commit type → heading; other types are left out unless they break something. */
export const COMMIT_GROUPS: ReadonlyArray<[string, string]> = [
  ['feat', 'Features'],
  ['fix', 'Bug Fixes'],
  ['perf', 'Performance Improvements'],
  ['revert', 'Reverts'],
  ['deps', 'Dependencies'],
];
const ORDER = new Map(COMMIT_GROUPS.map(([, title], i) => [title, i]));

const MAIN_TEMPLATE = `## {{#if name}}{{name}} {{/if}}{{version}} ({{date}})
{{#each noteGroups}}

### {{title}}

{{#each notes}}
- {{#if commit.scope}}**{{commit.scope}}:** {{/if}}{{text}}
{{/each}}
{{/each}}
{{#each commitGroups}}

### {{title}}

{{#each commits}}
- {{#if scope}}**{{scope}}:** {{/if}}{{subject}} ({{shortHash}})
{{/each}}
{{/each}}
`;

/** The nearest earlier release tag (`<prefix><digit>…`), or null when there is none. */
async function previousTag(ctx: Context, root: string, prefix: string): Promise<string | null> {
  const r = await ctx.exec('git', ['describe', '--tags', '--abbrev=0', '--match', `${prefix}[0-9]*`, 'HEAD'], { cwd: root, reject: false });
  if (r.exitCode === 0) return r.stdout.trim() || null;
  const head = await ctx.exec('git', ['rev-parse', '--verify', '-q', 'HEAD'], { cwd: root, reject: false });
  if (head.exitCode !== 0) throw new GitError('no commits yet: nothing to write notes from', { file: root, hint: 'commit first, or add a towncrier config with fragments' });
  return null;
}

/** The markdown notes for commits in (previous tag, HEAD]. */
export async function notesFromCommits(ctx: Context, opts: RenderReleaseOptions & { tagPrefix: string }): Promise<string> {
  const from = await previousTag(ctx, opts.root, opts.tagPrefix);
  const { ConventionalChangelog } = await import('conventional-changelog');
  const generator = new ConventionalChangelog(opts.root)
    .config({
      parser: {
        headerPattern: /^(\w*)(?:\((.*)\))?!?: (.*)$/,
        breakingHeaderPattern: /^(\w*)(?:\((.*)\))?!: (.*)$/,
        headerCorrespondence: ['type', 'scope', 'subject'],
        noteKeywords: ['BREAKING CHANGE', 'BREAKING-CHANGE'],
        revertPattern: /^(?:Revert|revert:)\s"?([\s\S]+?)"?\s*This reverts commit (\w*)\./i,
        revertCorrespondence: ['header', 'hash'],
      },
      writer: {
        mainTemplate: MAIN_TEMPLATE,
        groupBy: 'type',
        commitsSort: ['scope', 'subject'] as never,
        noteGroupsSort: 'title',
        commitGroupsSort: (a, b) => (ORDER.get(a.title as string) ?? 99) - (ORDER.get(b.title as string) ?? 99),
        transform(commit) {
          const title = COMMIT_GROUPS.find(([t]) => t === commit.type)?.[1];
          const breaking = commit.notes.length > 0;
          if (!title && !breaking) return null;
          return {
            type: title ?? 'Other Changes',
            shortHash: typeof commit.hash === 'string' ? commit.hash.slice(0, 7) : commit.hash,
            notes: commit.notes.map((n) => ({ ...n, title: 'Breaking Changes' })),
          };
        },
      },
    })
    .context({ version: opts.version, date: opts.date, ...(opts.name ? { name: opts.name } : {}) } as never)
    .commits({ ...(from ? { from } : {}) });
  let out = '';
  for await (const chunk of generator.write()) out += chunk;
  return out.trim() ? `${out.trimEnd()}\n` : `## ${opts.name ? `${opts.name} ` : ''}${opts.version} (${opts.date})\n\nNo significant changes.\n`;
}

/** CHANGELOG.md with the notes after its first `# ` title (or on top), created when missing. */
export function insertMarkdown(before: string | null, notes: string): string {
  if (before === null || before.trim() === '') return `# Changelog\n\n${notes}`;
  const m = /^# .*\n+/m.exec(before);
  if (m && m.index === before.search(/\S/)) {
    const at = m.index + m[0].length;
    return `${before.slice(0, at)}${notes}\n${before.slice(at)}`;
  }
  return `${notes}\n${before}`;
}

export async function renderFromCommits(ctx: Context, opts: RenderReleaseOptions): Promise<RenderedRelease> {
  const loaded = await ctx.config();
  const notes = await notesFromCommits(ctx, { ...opts, tagPrefix: loaded.config.git?.tag_prefix ?? 'v' });
  const changelogFile = path.join(opts.root, 'CHANGELOG.md');
  const changelogBefore = readUserFileSync(changelogFile, { kind: 'changelog', root: opts.root, optional: true });
  return { notes, changelogFile, changelogBefore, changelogAfter: insertMarkdown(changelogBefore, notes), fragmentFiles: [], source: 'conventional-commits' };
}
