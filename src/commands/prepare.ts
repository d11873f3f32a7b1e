// `release prepare`: preflight, then VERSION + pins + changelog + fragments → one commit and an annotated tag; all or nothing.
import path from 'node:path';
import type { Context } from '../context.js';
import type { LoadedConfig } from '../config/load.js';
import { checkVersionSources, discoverPackages, type DiscoveredPackage } from '../config/packages.js';
import { ConfigError, GitError, InternalError, UsageError, WheelwrightError } from '../errors.js';
import { resolveRepository } from '../github/repository.js';
import { GitRepo, Snapshot, tokenPushEnv } from '../git/index.js';
import { openPullRequest, type OpenedPullRequest } from '../git/pull-request.js';
import { renderRelease, type RenderedRelease } from '../notes/release.js';
import { runSteps, type Step } from '../pipeline.js';
import { registerSecret } from '../secrets.js';
import { BUMP_PARTS, bumpVersion, PRE_PHASES, type BumpPart, type PrePhase } from '../version/bump.js';
import { readVersionFile, writeVersionFile, type VersionFile } from '../version/file.js';
import { compareVersions, normalizeVersion, parseVersion } from '../version/pep440.js';
import { planPinRewrites, syncInternalPins, type SyncOptions } from '../version/sync.js';
import { bool, str, type CommandDefinition, type ParsedArgs } from './types.js';

export interface PrepareOptions {
  bump?: BumpPart;
  pre?: PrePhase;
  version?: string;
  /** YYYY-MM-DD, the release date in the changelog. */
  date: string;
  /** The project name in the notes title (towncrier's --name); default: towncrier's config. */
  name?: string;
  push: boolean;
  pr: boolean;
  consolidate?: boolean;
}

/** What the steps share: filled in order, read by later steps. */
export interface PrepareState {
  opts: PrepareOptions;
  loaded: LoadedConfig;
  repo: GitRepo;
  current: VersionFile;
  next: string;
  tag: string;
  /** The branch the release is made from (config.git.release_branch). */
  branch: string;
  /** With --pr: `release/X`, where the release commit goes. */
  prBranch?: string;
  packages: DiscoveredPackage[];
  pinFiles: string[];
  rendered: RenderedRelease;
  /** With --push/--pr and RELEASE_TOKEN on an http(s) remote: git config carrying the token. */
  pushEnv?: Record<string, string>;
  snapshot?: Snapshot;
  commit?: string;
  pr?: OpenedPullRequest;
  pushed: string[];
}

export interface PrepareContext extends Context {
  prepare: Partial<PrepareState> & { opts: PrepareOptions; pushed: string[] };
}

/** A state field that an earlier step must have set. */
function need<K extends keyof PrepareState>(ctx: PrepareContext, key: K): NonNullable<PrepareState[K]> {
  const v = ctx.prepare[key];
  if (v === undefined) throw new InternalError(`prepare: ${String(key)} is not set yet (step order)`);
  return v as NonNullable<PrepareState[K]>;
}

const TAG_TRAP =
  'a tag pushed with the workflow GITHUB_TOKEN does not start `on: push: tags` workflows (release-please#1142)';

// ---------------------------------------------------------------- preflight: reads only

const readVersions: Step<PrepareContext> = {
  name: 'read the config and VERSION',
  async run(ctx) {
    const s = ctx.prepare;
    const loaded = await ctx.config();
    const current = await readVersionFile(loaded.root, loaded.config);
    const next = nextVersion(current, s.opts, loaded, ctx);
    Object.assign(s, { loaded, current, next, tag: `${loaded.config.git.tag_prefix}${next}`, branch: loaded.config.git.release_branch });
    if (s.opts.pr) s.prBranch = `release/${next}`;
  },
};

const checkTree: Step<PrepareContext> = {
  name: 'check the working tree is clean',
  async run(ctx) {
    const repo = await GitRepo.open(ctx, need(ctx, 'loaded').root);
    ctx.prepare.repo = repo;
    try {
      // dist/ is wheelwright's own working area (manifest, built wheels): untracked files there do not block a release.
      await repo.assertClean([repo.rel(ctx.distDir)]);
    } catch (err) {
      // In a dry run the preview is still worth having; the real run will refuse.
      if (!ctx.dryRun) throw err;
      ctx.log.warn(`${(err as Error).message.replace(/ — .*$/, '')} (a real run stops here)`);
    }
  },
};

const checkBranch: Step<PrepareContext> = {
  name: 'check the release branch',
  async run(ctx) {
    const branch = need(ctx, 'branch');
    const current = await need(ctx, 'repo').currentBranch();
    if (current === branch) return;
    const err = new GitError(`on ${current ? `branch \`${current}\`` : 'a detached HEAD'}, but releases are made from \`${branch}\``, {
      field: 'git.release_branch',
      hint: `\`git switch ${branch}\` (and pull), or set git.release_branch in the release config`,
    });
    if (!ctx.dryRun) throw err;
    ctx.log.warn(`${err.message} (a real run stops here)`);
  },
};

const checkIdentity: Step<PrepareContext> = {
  name: 'check git can commit',
  skip: (ctx) => (ctx.dryRun ? 'dry run: nothing is committed' : false),
  run: (ctx) => need(ctx, 'repo').assertIdentity(),
};

const checkLocalTag: Step<PrepareContext> = {
  name: 'check the tag does not exist locally',
  async run(ctx) {
    const repo = need(ctx, 'repo');
    const tag = need(ctx, 'tag');
    if (await repo.tagExists(tag)) {
      throw new GitError(`tag ${tag} already exists`, {
        hint: `${need(ctx, 'current').version} looks released already: bump with --bump or --version, or delete the tag if it was a mistake (\`git tag -d ${tag}\`)`,
      });
    }
    const prBranch = ctx.prepare.prBranch;
    if (prBranch && (await repo.branchExists(prBranch))) {
      throw new GitError(`branch ${prBranch} already exists`, { hint: `delete it (\`git branch -D ${prBranch}\`) or prepare another version` });
    }
  },
};

const checkPackages: Step<PrepareContext> = {
  name: 'check every package takes its version from VERSION',
  async run(ctx) {
    const loaded = need(ctx, 'loaded');
    const current = need(ctx, 'current');
    const packages = await discoverPackages(loaded);
    const { problems } = await checkVersionSources(packages, current.file, current.version);
    if (problems.length) {
      const lines = problems.map((p) => `${path.relative(loaded.root, p.file)}: ${p.message}`);
      throw new ConfigError(`${problems.length} package problem(s):\n  ${lines.join('\n  ')}`, {
        file: problems[0]!.file,
        hint: problems[0]!.hint,
      });
    }
    ctx.prepare.packages = packages;
    ctx.prepare.pinFiles = await plannedPinFiles(packages, current.version, need(ctx, 'next'), { developmentStatus: loaded.config.development_status });
  },
};

const renderNotes: Step<PrepareContext> = {
  name: 'render the release notes',
  async run(ctx) {
    const loaded = need(ctx, 'loaded');
    ctx.prepare.rendered = await renderRelease(ctx, {
      root: loaded.root,
      version: need(ctx, 'next'),
      date: ctx.prepare.opts.date,
      name: ctx.prepare.opts.name,
      configPath: loaded.config.notes.config,
      consolidate: ctx.prepare.opts.consolidate ?? loaded.config.notes.consolidate_rc,
    });
  },
};

const checkCredentials: Step<PrepareContext> = {
  name: 'check push credentials',
  skip: (ctx) => (ctx.prepare.opts.push || ctx.prepare.opts.pr ? false : 'no --push or --pr'),
  async run(ctx) {
    const { opts } = ctx.prepare;
    const remote = need(ctx, 'loaded').config.git.remote;
    const url = await need(ctx, 'repo').remoteUrl(remote);
    if (!url) throw new GitError(`remote \`${remote}\` is not configured`, { field: 'git.remote', hint: `\`git remote add ${remote} URL\`, or set git.remote` });
    const token = ctx.env.RELEASE_TOKEN;
    if (token) {
      registerSecret(token);
      ctx.prepare.pushEnv = tokenPushEnv(url, token, ctx.env) ?? undefined;
      if (!ctx.prepare.pushEnv) ctx.log.warn(`RELEASE_TOKEN is set, but \`${remote}\` is not an http(s) remote, so git pushes with its own credentials`);
      else ctx.log.info(`  pushing with RELEASE_TOKEN: the tag starts \`on: push: tags\` workflows (a GITHUB_TOKEN push would not)`);
    } else if (opts.push && ctx.env.GITHUB_ACTIONS === 'true') {
      throw new GitError(`refusing to push the tag with the workflow's own token: ${TAG_TRAP}, so the release workflow would never run`, {
        hint: 'set RELEASE_TOKEN to a fine-grained PAT or GitHub App token with `contents: write`, or use --pr (the release workflow runs when the release PR merges)',
      });
    }
    if (opts.pr && !(token || ctx.env.GITHUB_TOKEN)) {
      throw new GitError('--pr needs a GitHub token to open the pull request', {
        hint: 'set RELEASE_TOKEN (preferred: pull requests it opens start CI) or GITHUB_TOKEN',
      });
    }
    if (opts.pr) githubTarget(ctx);
    if (opts.pr && !token && ctx.env.GITHUB_ACTIONS === 'true') {
      ctx.log.warn('opening the pull request with GITHUB_TOKEN: GitHub starts no `pull_request` workflows for it (set RELEASE_TOKEN for CI on the release PR)');
    }
  },
};

const checkRemoteTag: Step<PrepareContext> = {
  name: 'check the tag does not exist on the remote',
  async skip(ctx) {
    const remote = need(ctx, 'loaded').config.git.remote;
    const url = await need(ctx, 'repo').remoteUrl(remote);
    return url ? false : `no remote \`${remote}\` configured`;
  },
  async run(ctx) {
    const repo = need(ctx, 'repo');
    const remote = need(ctx, 'loaded').config.git.remote;
    const tag = need(ctx, 'tag');
    if (await repo.remoteRefExists(remote, `refs/tags/${tag}`, ctx.prepare.pushEnv)) {
      throw new GitError(`tag ${tag} already exists on \`${remote}\``, {
        hint: `fetch it (\`git fetch ${remote} tag ${tag}\`): this version is released already; bump with --bump or --version`,
      });
    }
    const prBranch = ctx.prepare.prBranch;
    if (prBranch && (await repo.remoteRefExists(remote, `refs/heads/${prBranch}`, ctx.prepare.pushEnv))) {
      throw new GitError(`branch ${prBranch} already exists on \`${remote}\``, {
        hint: `a release PR for ${need(ctx, 'next')} may be open already; merge or close it, then delete the branch`,
      });
    }
  },
};

const showPlan: Step<PrepareContext> = {
  name: 'show what will change',
  run(ctx) {
    for (const line of planLines(ctx.prepare as PrepareState)) ctx.log.info(`  ${line}`);
  },
};

// ---------------------------------------------------------------- changes: undone together on failure

const takeSnapshot: Step<PrepareContext> = {
  name: 'record the repository state',
  async run(ctx) {
    const { rendered, packages, current } = ctx.prepare as PrepareState;
    const files = [current.file, rendered.changelogFile, ...rendered.fragmentFiles, ...packages.flatMap((p) => (p.pyproject ? [p.pyproject] : []))];
    ctx.prepare.snapshot = await Snapshot.take(need(ctx, 'repo'), files);
  },
};

const switchToPrBranch: Step<PrepareContext> = {
  name: 'create the release branch',
  skip: (ctx) => (ctx.prepare.prBranch ? false : 'no --pr: the commit goes on the release branch itself'),
  async run(ctx) {
    const prBranch = need(ctx, 'prBranch');
    await need(ctx, 'repo').createAndSwitch(prBranch);
    ctx.prepare.snapshot?.createdRef(`refs/heads/${prBranch}`);
  },
};

/** A file the release cannot write (read-only, immutable, a directory in the way) is a problem of the project's files (exit 2), not of git or a bug. */
async function writing<T>(file: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof WheelwrightError) throw err;
    const e = err as NodeJS.ErrnoException;
    // "EPERM: operation not permitted, rename 'a.tmp' -> 'a'" → "EPERM (operation not permitted)"; the file is named by `file`.
    const reason = e.message.replace(/^[A-Z]+: /, '').replace(/,.*$/s, '');
    throw new ConfigError(`could not write it: ${e.code ? `${e.code} (${reason})` : reason}`, {
      file,
      hint: 'check the file is writable (permissions, `chattr -i`, a directory in the way), then run again',
      cause: err,
    });
  }
}

const writeVersion: Step<PrepareContext> = {
  name: 'write VERSION',
  skip: (ctx) => (need(ctx, 'current').raw === need(ctx, 'next') ? `VERSION already says ${ctx.prepare.next}` : false),
  async run(ctx) {
    const current = need(ctx, 'current');
    await writing(current.file, () => writeVersionFile(ctx.world, current.file, need(ctx, 'next'), current));
  },
};

const writePins: Step<PrepareContext> = {
  name: 'update sibling pins',
  skip: (ctx) => (need(ctx, 'pinFiles').length ? false : 'no package pins a sibling with == (or has a Development Status to move)'),
  async run(ctx) {
    const files = need(ctx, 'pinFiles');
    const developmentStatus = need(ctx, 'loaded').config.development_status;
    await writing(files.join(', '), () => syncInternalPins(ctx.world, need(ctx, 'packages'), need(ctx, 'current').version, need(ctx, 'next'), { developmentStatus }));
  },
};

const writeChangelog: Step<PrepareContext> = {
  name: 'write the changelog',
  async run(ctx) {
    const { changelogFile, changelogAfter } = need(ctx, 'rendered');
    await writing(changelogFile, () => ctx.world.writeFile(changelogFile, changelogAfter));
  },
};

const removeFragments: Step<PrepareContext> = {
  name: 'remove the news fragments',
  skip: (ctx) => (need(ctx, 'rendered').fragmentFiles.length ? false : 'no fragments'),
  async run(ctx) {
    const repo = need(ctx, 'repo');
    const fragments = need(ctx, 'rendered').fragmentFiles;
    const tracked = await repo.tracked(fragments);
    await repo.rm(fragments.filter((f) => tracked.has(path.resolve(repo.root, f))));
    // An ignored fragment is not in git; it is still used up.
    for (const f of fragments.filter((f) => !tracked.has(path.resolve(repo.root, f)))) await writing(f, () => ctx.world.remove(f));
  },
};

const stage: Step<PrepareContext> = {
  name: 'stage the release files',
  async run(ctx) {
    const { current, rendered, pinFiles } = ctx.prepare as PrepareState;
    await need(ctx, 'repo').add([current.file, rendered.changelogFile, ...pinFiles]);
  },
};

const commit: Step<PrepareContext> = {
  name: 'commit',
  async run(ctx) {
    const message = need(ctx, 'loaded').config.git.commit_message.replaceAll('{version}', need(ctx, 'next'));
    ctx.prepare.commit = await need(ctx, 'repo').commit(message);
  },
};

const tag: Step<PrepareContext> = {
  name: 'tag',
  skip: (ctx) => (ctx.prepare.opts.pr ? 'with --pr the tag is made when the release pull request merges' : false),
  async run(ctx) {
    const name = need(ctx, 'tag');
    const sha = await need(ctx, 'repo').tag(name, need(ctx, 'rendered').notes);
    ctx.prepare.snapshot?.createdRef(`refs/tags/${name}`, sha);
  },
};

const push: Step<PrepareContext> = {
  name: 'push the branch and the tag',
  skip: (ctx) => (ctx.prepare.opts.push ? false : 'no --push'),
  async run(ctx) {
    const { branch, tag: name } = ctx.prepare as PrepareState;
    const remote = need(ctx, 'loaded').config.git.remote;
    const refs = [`refs/heads/${branch}:refs/heads/${branch}`, `refs/tags/${name}:refs/tags/${name}`];
    // --atomic: the remote takes both refs or neither, so a rejected push leaves nothing to undo there.
    await need(ctx, 'repo').push(remote, refs, { atomic: true, env: ctx.prepare.pushEnv });
    ctx.prepare.pushed.push(branch, name);
  },
};

const pushPrBranch: Step<PrepareContext> = {
  name: 'push the release branch',
  skip: (ctx) => (ctx.prepare.opts.pr ? false : 'no --pr'),
  async run(ctx) {
    const prBranch = need(ctx, 'prBranch');
    const remote = need(ctx, 'loaded').config.git.remote;
    const ref = `refs/heads/${prBranch}`;
    await need(ctx, 'repo').push(remote, [`${ref}:${ref}`], { env: ctx.prepare.pushEnv });
    ctx.prepare.snapshot?.createdRemoteRef(remote, ref, ctx.prepare.pushEnv);
    ctx.prepare.pushed.push(prBranch);
  },
};

const switchBack: Step<PrepareContext> = {
  name: 'switch back to the release branch',
  skip: (ctx) => (ctx.prepare.opts.pr ? false : 'no --pr'),
  run: async (ctx) => {
    await need(ctx, 'repo').write(['switch', '-q', need(ctx, 'branch')], `git switch ${need(ctx, 'branch')}`);
  },
};

const openPr: Step<PrepareContext> = {
  name: 'open the release pull request',
  skip: (ctx) => (ctx.prepare.opts.pr ? false : 'no --pr'),
  async run(ctx) {
    const next = need(ctx, 'next');
    const title = need(ctx, 'loaded').config.git.commit_message.replaceAll('{version}', next);
    const body = `${need(ctx, 'rendered').notes.trimEnd()}\n\n---\nMerging this pull request releases ${next}: the release workflow tags the merge commit \`${need(ctx, 'tag')}\` and builds from it.\n`;
    ctx.prepare.pr = await openPullRequest(ctx, githubTarget(ctx), { head: need(ctx, 'prBranch'), base: need(ctx, 'branch'), title, body });
  },
};

// ---------------------------------------------------------------- the pipeline

/** Checks that only read: the first failure stops the command before anything is written. */
export const PREFLIGHT: Step<PrepareContext>[] = [
  readVersions, // config, VERSION and the next version: everything else depends on them
  checkTree, // a release commit must hold only the release changes
  checkBranch, // releases come from one branch (git.release_branch)
  checkIdentity, // a commit without an identity would fail half-way
  checkLocalTag, // an existing tag means this version is out already
  checkPackages, // every package reads VERSION, sibling pins say the current version
  renderNotes, // fragments and template are valid: render now, write later
  checkCredentials, // --push/--pr: a remote, a token, and no GITHUB_TOKEN tag trap
  checkRemoteTag, // the tag (or release/X) is not on the remote already (network, so last)
  showPlan, // say what will change before changing it
];

/** Steps that change the repository; if one fails, the snapshot puts everything back. */
export const CHANGES: Step<PrepareContext>[] = [
  takeSnapshot, // HEAD, index and every file below, to restore on failure
  switchToPrBranch, // --pr: the release commit goes on release/X, not on the release branch
  writeVersion, // VERSION = the new version
  writePins, // sibling `==` pins follow VERSION
  writeChangelog, // the notes, inserted after towncrier's start_string
  removeFragments, // `git rm` the fragments the notes were made from
  stage, // git add VERSION, changelog and pin files
  commit, // one commit: git.commit_message
  tag, // annotated tag git.tag_prefix + version, message = the notes (not with --pr)
  push, // --push: branch and tag together (--atomic)
  pushPrBranch, // --pr: push release/X
  switchBack, // --pr: the working copy returns to the release branch, unchanged
  openPr, // --pr: the pull request, last, so a refusal still undoes everything
];

/** Test hook: `WHEELWRIGHT_FAIL_AFTER_STEP="<step name>"` fails right after that step, to prove the undo. */
function withFailpoint(ctx: Context, steps: Step<PrepareContext>[]): Step<PrepareContext>[] {
  const target = ctx.env.WHEELWRIGHT_FAIL_AFTER_STEP;
  if (!target) return steps;
  return steps.map((s) =>
    s.name !== target
      ? s
      : {
          ...s,
          run: async (c: PrepareContext, st) => {
            await s.run(c, st);
            throw new InternalError(`injected failure after \`${s.name}\` (WHEELWRIGHT_FAIL_AFTER_STEP)`);
          },
        },
  );
}

/**
 * Ctrl-C or SIGTERM while the repository is half-changed must not leave it so: the signal is held until
 * the running step ends (git, in the same process group, may stop that step itself), then the release
 * fails like any other step and the snapshot is restored.
 */
function withInterrupts(steps: Step<PrepareContext>[], signal: () => NodeJS.Signals | null): Step<PrepareContext>[] {
  return steps.map((s) => ({
    ...s,
    run: async (c: PrepareContext, st) => {
      await s.run(c, st);
      const sig = signal();
      if (sig) throw new GitError(`interrupted by ${sig}`, { hint: 'run `release prepare` again when you are ready' });
    },
  }));
}

/** Run the changes; on failure (or a signal) restore the snapshot and say so in the error. */
async function applyAtomically(ctx: PrepareContext): Promise<void> {
  let received: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (!received) ctx.log.warn(`${sig}: finishing the current step, then undoing the release`);
    received ??= sig;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await runSteps(ctx, withInterrupts(withFailpoint(ctx, CHANGES), () => received));
  } catch (err) {
    const snapshot = ctx.prepare.snapshot;
    if (!snapshot || ctx.dryRun) throw err;
    const problems = await snapshot.restore();
    if (err instanceof WheelwrightError) {
      err.message += problems.length
        ? `\nThe repository could NOT be fully restored:\n  ${problems.join('\n  ')}`
        : '\nNothing was changed: files, index, branch and tags are as they were before `release prepare`.';
    }
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export async function prepareRelease(base: Context, opts: PrepareOptions): Promise<PrepareState> {
  const ctx: PrepareContext = Object.assign(Object.create(base) as Context, { prepare: { opts, pushed: [] } });
  await runSteps(ctx, PREFLIGHT);
  await applyAtomically(ctx);
  return ctx.prepare as PrepareState;
}

// ---------------------------------------------------------------- helpers

export function nextVersion(current: VersionFile, opts: PrepareOptions, loaded: LoadedConfig, ctx: Context): string {
  if (opts.bump) {
    return bumpVersion(current.version, opts.bump, { pre: opts.pre, scheme: loaded.config.version_scheme, date: dateOf(opts.date) ?? ctx.now() });
  }
  if (opts.version !== undefined) {
    const parsed = parseVersion(opts.version);
    const normal = normalizeVersion(opts.version);
    if (!parsed || !normal) {
      throw new ConfigError(`${JSON.stringify(opts.version)} is not a valid PEP 440 version`, { field: '--version', hint: 'e.g. --version 1.4.0 or --version 1.4.0rc1' });
    }
    if (parsed.local) throw new ConfigError(`${normal} has a local version label; PyPI rejects it`, { field: '--version', hint: `use ${normal.split('+')[0]}` });
    if (compareVersions(normal, current.version) < 0) {
      throw new ConfigError(`${normal} is lower than the current version ${current.version}`, {
        field: '--version',
        file: current.file,
        hint: 'a release must sort after the one before it; pick a higher version',
      });
    }
    return normal;
  }
  return current.version;
}

function dateOf(text: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : undefined;
}

/** The pyproject.toml files whose sibling pins will change (computed without writing). */
async function plannedPinFiles(packages: DiscoveredPackage[], from: string, to: string, opts: SyncOptions): Promise<string[]> {
  if (from === to) return [];
  return (await planPinRewrites(packages, from, to, opts)).map((r) => r.file);
}

function githubTarget(ctx: PrepareContext): { apiUrl: string; owner: string; repo: string; token: string } {
  const gh = need(ctx, 'loaded').config.publish.github;
  const { owner, repo } = resolveRepository([gh.repository, ctx.env.GITHUB_REPOSITORY], '--pr needs the GitHub repository (owner/name)');
  return { apiUrl: gh.api_url, owner, repo, token: (ctx.env.RELEASE_TOKEN || ctx.env.GITHUB_TOKEN)! };
}

/** The version change and every file the release touches, relative to the root. */
function planLines(s: PrepareState): string[] {
  const { current, next, tag: tagName, rendered, pinFiles, loaded, opts, prBranch } = s;
  const rel = (f: string) => path.relative(loaded.root, f).split(path.sep).join('/');
  const changed = [...(current.raw !== next ? [current.file] : []), ...pinFiles, rendered.changelogFile].map(rel);
  const lines = [
    `version: ${current.version} → ${next}${current.raw !== next ? '' : ' (VERSION already says so)'}`,
    opts.pr ? `branch: ${prBranch} (pull request into ${s.branch}; tag ${tagName} when it merges)` : `tag: ${tagName}`,
    `notes from: ${rendered.source}`,
    `changes: ${changed.join(', ')}`,
  ];
  if (rendered.fragmentFiles.length) lines.push(`removes: ${rendered.fragmentFiles.map(rel).join(', ')}`);
  return lines;
}

// ---------------------------------------------------------------- the command

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
      const s = await prepareRelease(ctx, opts);
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
        ? `${planLines(s).join('\n')}\n\n${s.rendered.notes}`
        : opts.pr
          ? `prepared ${s.next} on ${s.prBranch}: pull request ${s.pr?.url ?? ''}\nmerging it releases ${s.next}: the release workflow tags the merge commit ${s.tag} (it runs on the merge, not on a tag push, so GITHUB_TOKEN's tag-trigger limit does not apply)`
          : `prepared ${s.next}: commit ${s.commit?.slice(0, 12)}, tag ${s.tag}${opts.push ? ' (pushed)' : ` — push with \`git push --atomic ${s.loaded.config.git.remote} ${s.branch} ${s.tag}\``}`;
      return { json, text };
    },
  },
};
