// `notes check`: a change that touches code must add a news fragment; a release-preparation change
// (it consumes fragments into the changelog) passes (towncrier#246).
import path from 'node:path';
import type { Context } from '../context.js';
import { GitError } from '../errors.js';
import type { TowncrierConfig } from './config.js';
import { parseFragmentName, sectionDirs } from './fragments.js';

export interface CheckResult {
  ok: boolean;
  reason: 'fragment-added' | 'no-code-changes' | 'release-branch' | 'release-preparation' | 'no-towncrier' | 'missing-fragment' | 'not-required';
  base: string;
  codeFiles: string[];
  fragments: string[];
  types: string[];
  message: string;
}

interface Change {
  status: string;
  file: string;
}

async function git(ctx: Context, root: string, args: string[]): Promise<string> {
  const r = await ctx.exec('git', args, { cwd: root, reject: false });
  if (r.exitCode !== 0) throw new GitError(`git ${args.join(' ')} failed: ${r.stderr.trim().split('\n').pop() ?? ''}`, { file: root, hint: 'is this a git repository, and does the base ref exist (fetch it with `git fetch origin <branch>`)?' });
  return r.stdout;
}

/** The ref to compare with: --base, the pull request's base on Actions, or the release branch. */
export async function defaultBase(ctx: Context, root: string, releaseBranch: string): Promise<string> {
  const candidates = [ctx.env.GITHUB_BASE_REF ? `origin/${ctx.env.GITHUB_BASE_REF}` : '', `origin/${releaseBranch}`, releaseBranch].filter(Boolean);
  for (const ref of candidates) {
    const r = await ctx.exec('git', ['rev-parse', '--verify', '-q', `${ref}^{commit}`], { cwd: root, reject: false });
    if (r.exitCode === 0) return ref;
  }
  throw new GitError(`cannot find the base to compare with (tried ${candidates.join(', ')})`, { file: root, hint: 'pass --base REF' });
}

async function changedFiles(ctx: Context, root: string, base: string): Promise<Change[]> {
  const mergeBase = (await git(ctx, root, ['merge-base', base, 'HEAD'])).trim();
  const out = await git(ctx, root, ['diff', '--name-status', '--no-renames', '-z', mergeBase, 'HEAD']);
  const parts = out.split('\0').filter(Boolean);
  const changes: Change[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) changes.push({ status: parts[i]!, file: parts[i + 1]! });
  return changes;
}

async function currentBranch(ctx: Context, root: string): Promise<string> {
  if (ctx.env.GITHUB_HEAD_REF) return ctx.env.GITHUB_HEAD_REF;
  const r = await ctx.exec('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { cwd: root, reject: false });
  return r.stdout.trim();
}

const NOT_CODE = [/^docs?\//, /^\.github\//, /(^|\/)(README|CHANGELOG|CHANGES|NEWS|HISTORY|CONTRIBUTING|AUTHORS|LICENSE)(\.[^/]*)?$/i, /\.(md|rst|txt)$/i];

function isCode(file: string, codePaths: string[]): boolean {
  if (codePaths.length) return codePaths.some((g) => path.matchesGlob(file, g));
  return !NOT_CODE.some((re) => re.test(file));
}

export async function checkFragments(
  ctx: Context,
  opts: { root: string; base: string; config: TowncrierConfig | null; versionFile: string; codePaths: string[]; required: boolean },
): Promise<CheckResult> {
  const { root, base, config } = opts;
  const types = config ? [...config.types.keys()] : [];
  const result = (ok: boolean, reason: CheckResult['reason'], message: string, extra: Partial<CheckResult> = {}): CheckResult => ({ ok, reason, base, codeFiles: [], fragments: [], types, message, ...extra });
  if (!config) return result(true, 'no-towncrier', 'no towncrier config: the notes come from conventional commits');
  const branch = await currentBranch(ctx, root);
  if (branch.startsWith('release/')) return result(true, 'release-branch', `branch ${branch} prepares a release`);
  const changes = await changedFiles(ctx, root, base);
  const dirs = sectionDirs(config).map(([, d]) => path.relative(root, d).split(path.sep).join('/'));
  const inFragmentDir = (f: string) => dirs.some((d) => (d === '' ? !f.includes('/') : f.startsWith(`${d}/`)));
  const changelog = path.relative(root, path.resolve(config.baseDir, config.filename)).split(path.sep).join('/');
  const versionFile = path.relative(root, opts.versionFile).split(path.sep).join('/');
  const fragments = changes.filter((c) => c.status !== 'D' && inFragmentDir(c.file) && parseFragmentName(path.posix.basename(c.file), config.types));
  const removed = changes.filter((c) => c.status === 'D' && inFragmentDir(c.file));
  const touchesRelease = changes.some((c) => c.file === changelog || c.file === versionFile);
  if (removed.length && touchesRelease) {
    return result(true, 'release-preparation', `this change prepares a release: it writes ${changelog} and removes ${removed.length} fragment(s)`);
  }
  const codeFiles = changes.filter((c) => !inFragmentDir(c.file) && c.file !== changelog && isCode(c.file, opts.codePaths)).map((c) => c.file);
  const extra = { codeFiles, fragments: fragments.map((f) => f.file) };
  if (fragments.length) return result(true, 'fragment-added', `news fragment(s) added: ${extra.fragments.join(', ')}`, extra);
  if (!codeFiles.length) return result(true, 'no-code-changes', 'no code changed: no fragment needed', extra);
  if (!opts.required) return result(true, 'not-required', 'code changed without a fragment (notes.require_fragments is false)', extra);
  const shown = codeFiles.slice(0, 5).join(', ') + (codeFiles.length > 5 ? `, … (${codeFiles.length} files)` : '');
  return result(false, 'missing-fragment', `this change touches code (${shown}) but adds no news fragment in ${dirs.map((d) => d || '.').join(', ')}; allowed types: ${types.join(', ')}`, extra);
}
