// The steps of `release prepare`: preflight, then VERSION + pins + changelog + fragments → one commit and an annotated tag; all or nothing.
import path from 'node:path';
import type { Context } from '../context.js';
import type { LoadedConfig } from '../config/load.js';
import { checkVersionSources, discoverPackages, type DiscoveredPackage } from '../config/packages.js';
import { ConfigError, GitError, WheelwrightError } from '../errors.js';
import { githubApiUrl, resolveRepository } from '../github/repository.js';
import { GitRepo, Snapshot, tokenPushEnv } from '../git/index.js';
import { openPullRequest, type OpenedPullRequest } from '../git/pull-request.js';
import { renderRelease, type RenderedRelease } from '../notes/release.js';
import { runSteps, State, type Step } from '../pipeline.js';
import { registerSecret } from '../secrets.js';
import { withInjectedFailure } from '../testseam.js';
import { bumpVersion, type BumpPart, type PrePhase } from '../version/bump.js';
import { readVersionFile, writeVersionFile, type VersionFile } from '../version/file.js';
import { compareVersions, normalizeVersion, parseVersion } from '../version/pep440.js';
import { planPinRewrites, syncInternalPins, type SyncOptions } from '../version/sync.js';

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

/** One step of `release prepare`: it reads the context and the state bag, and sets what it found. */
export type PrepareStep = Step<Context, PrepareState>;

const TAG_TRAP =
  'a tag pushed with the workflow GITHUB_TOKEN does not start `on: push: tags` workflows (release-please#1142)';

// ---------------------------------------------------------------- preflight: reads only

const readVersions: PrepareStep = {
  name: 'read the config and VERSION',
  async run(ctx, s) {
    const loaded = s.set('loaded', await ctx.config());
    const current = s.set('current', await readVersionFile(loaded.root, loaded.config));
    const next = s.set('next', nextVersion(current, s.need('opts'), loaded, ctx));
    s.set('tag', `${loaded.config.git.tag_prefix}${next}`);
    s.set('branch', loaded.config.git.release_branch);
    if (s.need('opts').pr) s.set('prBranch', `release/${next}`);
  },
};

const checkTree: PrepareStep = {
  name: 'check the working tree is clean',
  async run(ctx, s) {
    const repo = await GitRepo.open(ctx, s.need('loaded').root);
    s.set('repo', repo);
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

const checkBranch: PrepareStep = {
  name: 'check the release branch',
  async run(ctx, s) {
    const branch = s.need('branch');
    const current = await s.need('repo').currentBranch();
    if (current === branch) return;
    const err = new GitError(`on ${current ? `branch \`${current}\`` : 'a detached HEAD'}, but releases are made from \`${branch}\``, {
      field: 'git.release_branch',
      hint: `\`git switch ${branch}\` (and pull), or set git.release_branch in the release config`,
    });
    if (!ctx.dryRun) throw err;
    ctx.log.warn(`${err.message} (a real run stops here)`);
  },
};

const checkIdentity: PrepareStep = {
  name: 'check git can commit',
  skip: (ctx) => (ctx.dryRun ? 'dry run: nothing is committed' : false),
  run: (ctx, s) => s.need('repo').assertIdentity(),
};

const checkLocalTag: PrepareStep = {
  name: 'check the tag does not exist locally',
  async run(ctx, s) {
    const repo = s.need('repo');
    const tag = s.need('tag');
    if (await repo.tagExists(tag)) {
      throw new GitError(`tag ${tag} already exists`, {
        hint: `${s.need('current').version} looks released already: bump with --bump or --version, or delete the tag if it was a mistake (\`git tag -d ${tag}\`)`,
      });
    }
    const prBranch = s.get('prBranch');
    if (prBranch && (await repo.branchExists(prBranch))) {
      throw new GitError(`branch ${prBranch} already exists`, { hint: `delete it (\`git branch -D ${prBranch}\`) or prepare another version` });
    }
  },
};

const checkPackages: PrepareStep = {
  name: 'check every package takes its version from VERSION',
  async run(ctx, s) {
    const loaded = s.need('loaded');
    const current = s.need('current');
    const packages = await discoverPackages(loaded);
    const { problems } = await checkVersionSources(packages, current.file, current.version);
    if (problems.length) {
      const lines = problems.map((p) => `${path.relative(loaded.root, p.file)}: ${p.message}`);
      throw new ConfigError(`${problems.length} package problem(s):\n  ${lines.join('\n  ')}`, {
        file: problems[0]!.file,
        hint: problems[0]!.hint,
      });
    }
    s.set('packages', packages);
    s.set('pinFiles', await plannedPinFiles(packages, current.version, s.need('next'), { developmentStatus: loaded.config.development_status }));
  },
};

const renderNotes: PrepareStep = {
  name: 'render the release notes',
  async run(ctx, s) {
    const loaded = s.need('loaded');
    s.set('rendered', await renderRelease(ctx, {
      root: loaded.root,
      version: s.need('next'),
      date: s.need('opts').date,
      name: s.need('opts').name,
      configPath: loaded.config.notes.config,
      consolidate: s.need('opts').consolidate ?? loaded.config.notes.consolidate_rc,
    }));
  },
};

const checkCredentials: PrepareStep = {
  name: 'check push credentials',
  skip: (ctx, s) => (s.need('opts').push || s.need('opts').pr ? false : 'no --push or --pr'),
  async run(ctx, s) {
    const opts = s.need('opts');
    const remote = s.need('loaded').config.git.remote;
    const url = await s.need('repo').remoteUrl(remote);
    if (!url) throw new GitError(`remote \`${remote}\` is not configured`, { field: 'git.remote', hint: `\`git remote add ${remote} URL\`, or set git.remote` });
    const token = ctx.env.RELEASE_TOKEN;
    if (token) {
      registerSecret(token);
      const pushEnv = s.set('pushEnv', tokenPushEnv(url, token, ctx.env) ?? undefined);
      if (!pushEnv) ctx.log.warn(`RELEASE_TOKEN is set, but \`${remote}\` is not an http(s) remote, so git pushes with its own credentials`);
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
    if (opts.pr) githubTarget(ctx, s);
    if (opts.pr && !token && ctx.env.GITHUB_ACTIONS === 'true') {
      ctx.log.warn('opening the pull request with GITHUB_TOKEN: GitHub starts no `pull_request` workflows for it (set RELEASE_TOKEN for CI on the release PR)');
    }
  },
};

const checkRemoteTag: PrepareStep = {
  name: 'check the tag does not exist on the remote',
  async skip(ctx, s) {
    const remote = s.need('loaded').config.git.remote;
    const url = await s.need('repo').remoteUrl(remote);
    return url ? false : `no remote \`${remote}\` configured`;
  },
  async run(ctx, s) {
    const repo = s.need('repo');
    const remote = s.need('loaded').config.git.remote;
    const tag = s.need('tag');
    if (await repo.remoteRefExists(remote, `refs/tags/${tag}`, s.get('pushEnv'))) {
      throw new GitError(`tag ${tag} already exists on \`${remote}\``, {
        hint: `fetch it (\`git fetch ${remote} tag ${tag}\`): this version is released already; bump with --bump or --version`,
      });
    }
    const prBranch = s.get('prBranch');
    if (prBranch && (await repo.remoteRefExists(remote, `refs/heads/${prBranch}`, s.get('pushEnv')))) {
      throw new GitError(`branch ${prBranch} already exists on \`${remote}\``, {
        hint: `a release PR for ${s.need('next')} may be open already; merge or close it, then delete the branch`,
      });
    }
  },
};

const showPlan: PrepareStep = {
  name: 'show what will change',
  run(ctx, s) {
    for (const line of planLines(s)) ctx.log.info(`  ${line}`);
  },
};

// ---------------------------------------------------------------- changes: undone together on failure

const takeSnapshot: PrepareStep = {
  name: 'record the repository state',
  async run(ctx, s) {
    const [rendered, packages, current] = [s.need('rendered'), s.need('packages'), s.need('current')];
    const files = [current.file, rendered.changelogFile, ...rendered.fragmentFiles, ...packages.flatMap((p) => (p.pyproject ? [p.pyproject] : []))];
    s.set('snapshot', await Snapshot.take(s.need('repo'), files));
  },
};

const switchToPrBranch: PrepareStep = {
  name: 'create the release branch',
  skip: (ctx, s) => (s.get('prBranch') ? false : 'no --pr: the commit goes on the release branch itself'),
  async run(ctx, s) {
    const prBranch = s.need('prBranch');
    await s.need('repo').createAndSwitch(prBranch);
    s.get('snapshot')?.createdRef(`refs/heads/${prBranch}`);
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

const writeVersion: PrepareStep = {
  name: 'write VERSION',
  skip: (ctx, s) => (s.need('current').raw === s.need('next') ? `VERSION already says ${s.need('next')}` : false),
  async run(ctx, s) {
    const current = s.need('current');
    await writing(current.file, () => writeVersionFile(ctx.world, current.file, s.need('next'), current));
  },
};

const writePins: PrepareStep = {
  name: 'update sibling pins',
  skip: (ctx, s) => (s.need('pinFiles').length ? false : 'no package pins a sibling with == (or has a Development Status to move)'),
  async run(ctx, s) {
    const files = s.need('pinFiles');
    const developmentStatus = s.need('loaded').config.development_status;
    await writing(files.join(', '), () => syncInternalPins(ctx.world, s.need('packages'), s.need('current').version, s.need('next'), { developmentStatus }));
  },
};

const writeChangelog: PrepareStep = {
  name: 'write the changelog',
  async run(ctx, s) {
    const { changelogFile, changelogAfter } = s.need('rendered');
    await writing(changelogFile, () => ctx.world.writeFile(changelogFile, changelogAfter));
  },
};

const removeFragments: PrepareStep = {
  name: 'remove the news fragments',
  skip: (ctx, s) => (s.need('rendered').fragmentFiles.length ? false : 'no fragments'),
  async run(ctx, s) {
    const repo = s.need('repo');
    const fragments = s.need('rendered').fragmentFiles;
    const tracked = await repo.tracked(fragments);
    await repo.rm(fragments.filter((f) => tracked.has(path.resolve(repo.root, f))));
    // An ignored fragment is not in git; it is still used up.
    for (const f of fragments.filter((f) => !tracked.has(path.resolve(repo.root, f)))) await writing(f, () => ctx.world.remove(f));
  },
};

const stage: PrepareStep = {
  name: 'stage the release files',
  async run(ctx, s) {
    const [current, rendered, pinFiles] = [s.need('current'), s.need('rendered'), s.need('pinFiles')];
    await s.need('repo').add([current.file, rendered.changelogFile, ...pinFiles]);
  },
};

const commit: PrepareStep = {
  name: 'commit',
  async run(ctx, s) {
    const message = s.need('loaded').config.git.commit_message.replaceAll('{version}', s.need('next'));
    s.set('commit', await s.need('repo').commit(message));
  },
};

const tag: PrepareStep = {
  name: 'tag',
  skip: (ctx, s) => (s.need('opts').pr ? 'with --pr the tag is made when the release pull request merges' : false),
  async run(ctx, s) {
    const name = s.need('tag');
    const sha = await s.need('repo').tag(name, s.need('rendered').notes);
    s.get('snapshot')?.createdRef(`refs/tags/${name}`, sha);
  },
};

const push: PrepareStep = {
  name: 'push the branch and the tag',
  skip: (ctx, s) => (s.need('opts').push ? false : 'no --push'),
  async run(ctx, s) {
    const [branch, name] = [s.need('branch'), s.need('tag')];
    const remote = s.need('loaded').config.git.remote;
    const refs = [`refs/heads/${branch}:refs/heads/${branch}`, `refs/tags/${name}:refs/tags/${name}`];
    // --atomic: the remote takes both refs or neither, so a rejected push leaves nothing to undo there.
    await s.need('repo').push(remote, refs, { atomic: true, env: s.get('pushEnv') });
    s.need('pushed').push(branch, name);
  },
};

const pushPrBranch: PrepareStep = {
  name: 'push the release branch',
  skip: (ctx, s) => (s.need('opts').pr ? false : 'no --pr'),
  async run(ctx, s) {
    const prBranch = s.need('prBranch');
    const remote = s.need('loaded').config.git.remote;
    const ref = `refs/heads/${prBranch}`;
    await s.need('repo').push(remote, [`${ref}:${ref}`], { env: s.get('pushEnv') });
    s.get('snapshot')?.createdRemoteRef(remote, ref, s.get('pushEnv'));
    s.need('pushed').push(prBranch);
  },
};

const switchBack: PrepareStep = {
  name: 'switch back to the release branch',
  skip: (ctx, s) => (s.need('opts').pr ? false : 'no --pr'),
  run: async (ctx, s) => {
    await s.need('repo').write(['switch', '-q', s.need('branch')], `git switch ${s.need('branch')}`);
  },
};

const openPr: PrepareStep = {
  name: 'open the release pull request',
  skip: (ctx, s) => (s.need('opts').pr ? false : 'no --pr'),
  async run(ctx, s) {
    const next = s.need('next');
    const title = s.need('loaded').config.git.commit_message.replaceAll('{version}', next);
    const body = `${s.need('rendered').notes.trimEnd()}\n\n---\nMerging this pull request releases ${next}: the release workflow tags the merge commit \`${s.need('tag')}\` and builds from it.\n`;
    s.set('pr', await openPullRequest(ctx, githubTarget(ctx, s), { head: s.need('prBranch'), base: s.need('branch'), title, body }));
  },
};

// ---------------------------------------------------------------- the pipeline

/** Checks that only read: the first failure stops the command before anything is written. */
export const PREFLIGHT: PrepareStep[] = [
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
export const CHANGES: PrepareStep[] = [
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

/**
 * Ctrl-C or SIGTERM while the repository is half-changed must not leave it so: the signal is held until
 * the running step ends (git, in the same process group, may stop that step itself), then the release
 * fails like any other step and the snapshot is restored.
 */
function withInterrupts(steps: PrepareStep[], signal: () => NodeJS.Signals | null): PrepareStep[] {
  return steps.map((s) => ({
    ...s,
    run: async (c: Context, st) => {
      await s.run(c, st);
      const sig = signal();
      if (sig) throw new GitError(`interrupted by ${sig}`, { hint: 'run `release prepare` again when you are ready' });
    },
  }));
}

/** Run the changes; on failure (or a signal) restore the snapshot and say so in the error. */
async function applyAtomically(ctx: Context, state: State<PrepareState>): Promise<void> {
  let received: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (!received) ctx.log.warn(`${sig}: finishing the current step, then undoing the release`);
    received ??= sig;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await runSteps(ctx, withInterrupts(withInjectedFailure(ctx.env, CHANGES), () => received), state);
  } catch (err) {
    const snapshot = state.get('snapshot');
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

/** Preflight, then the changes as one unit; the state bag holds what the command prints. */
export async function prepareRelease(ctx: Context, opts: PrepareOptions): Promise<State<PrepareState>> {
  const state = new State<PrepareState>({ opts, pushed: [] });
  await runSteps(ctx, PREFLIGHT, state);
  await applyAtomically(ctx, state);
  return state;
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

export function dateOf(text: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : undefined;
}

/** The pyproject.toml files whose sibling pins will change (computed without writing). */
async function plannedPinFiles(packages: DiscoveredPackage[], from: string, to: string, opts: SyncOptions): Promise<string[]> {
  if (from === to) return [];
  return (await planPinRewrites(packages, from, to, opts)).map((r) => r.file);
}

function githubTarget(ctx: Context, s: State<PrepareState>): { apiUrl: string; owner: string; repo: string; token: string } {
  const gh = s.need('loaded').config.publish.github;
  const { owner, repo } = resolveRepository([gh.repository, ctx.env.GITHUB_REPOSITORY], '--pr needs the GitHub repository (owner/name)');
  return { apiUrl: githubApiUrl(gh.api_url, ctx.env), owner, repo, token: (ctx.env.RELEASE_TOKEN || ctx.env.GITHUB_TOKEN)! };
}

/** The version change and every file the release touches, relative to the root. */
export function planLines(s: State<PrepareState>): string[] {
  const [current, next, tagName, rendered, pinFiles, loaded, opts] = [s.need('current'), s.need('next'), s.need('tag'), s.need('rendered'), s.need('pinFiles'), s.need('loaded'), s.need('opts')];
  const rel = (f: string) => path.relative(loaded.root, f).split(path.sep).join('/');
  const changed = [...(current.raw !== next ? [current.file] : []), ...pinFiles, rendered.changelogFile].map(rel);
  const lines = [
    `version: ${current.version} → ${next}${current.raw !== next ? '' : ' (VERSION already says so)'}`,
    opts.pr ? `branch: ${s.get('prBranch')} (pull request into ${s.need('branch')}; tag ${tagName} when it merges)` : `tag: ${tagName}`,
    `notes from: ${rendered.source}`,
    `changes: ${changed.join(', ')}`,
  ];
  if (rendered.fragmentFiles.length) lines.push(`removes: ${rendered.fragmentFiles.map(rel).join(', ')}`);
  return lines;
}

