// A small typed layer over git: reads run through ctx.exec (also in dry run), writes through ctx.world.run.
import path from 'node:path';
import type { Context, ExecOptions, ExecResult } from '../context.js';
import { GitError } from '../errors.js';
import { listPaths, parsePorcelainZ, type StatusEntry } from './status.js';

/** Never wait for a password prompt, never page, and read git's own messages in English. */
const GIT_ENV = { GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', LC_ALL: 'C' };

/** The last lines of what git said, for an error message. */
export function gitSaid(result: Pick<ExecResult, 'stdout' | 'stderr'>): string {
  const text = (result.stderr || result.stdout).trim();
  return text.split('\n').slice(-8).join('\n');
}

export interface PushOptions {
  /** All refs or none (`git push --atomic`). */
  atomic?: boolean;
  /** Extra environment, e.g. GIT_CONFIG_* carrying an auth header (never in argv). */
  env?: Record<string, string>;
}

export class GitRepo {
  constructor(
    readonly ctx: Context,
    /** The repository's top-level directory. */
    readonly root: string,
  ) {}

  /** Open the repository that holds `dir`; GitError when there is none. */
  static async open(ctx: Context, dir: string): Promise<GitRepo> {
    const r = await ctx.exec('git', ['rev-parse', '--show-toplevel'], { cwd: dir, reject: false, env: GIT_ENV });
    if (r.exitCode !== 0) {
      throw new GitError(`${dir} is not inside a git repository`, {
        hint: 'run `git init` and commit, or pass --cwd to the repository',
      });
    }
    return new GitRepo(ctx, r.stdout.trim());
  }

  /** A read-only git command; never throws for a non-zero exit. */
  read(args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return this.ctx.exec('git', args, { cwd: this.root, reject: false, ...opts, env: { ...GIT_ENV, ...opts.env } });
  }

  /** A read that must succeed. */
  private async readOk(args: string[], what: string): Promise<string> {
    const r = await this.read(args);
    if (r.exitCode !== 0) throw new GitError(`could not ${what}: ${gitSaid(r)}`);
    return r.stdout;
  }

  /** A mutating git command through the dry-run boundary; GitError naming `what` on failure. */
  async write(args: string[], what: string, opts: ExecOptions & { hint?: string } = {}): Promise<ExecResult> {
    const { hint, ...execOpts } = opts;
    const r = await this.ctx.world.run('git', args, {
      cwd: this.root,
      ...execOpts,
      reject: false,
      env: { ...GIT_ENV, ...execOpts.env },
    });
    if (r.exitCode !== 0) throw new GitError(`${what} failed: ${gitSaid(r) || `git exited with ${r.exitCode}`}`, { hint });
    return r;
  }

  /** Absolute path of a file inside .git (`index`, `hooks`), as git resolves it (worktrees too). */
  async gitPath(name: string): Promise<string> {
    const out = await this.readOk(['rev-parse', '--git-path', name], `locate .git/${name}`);
    return path.resolve(this.root, out.trim());
  }

  /** Changed, staged and untracked files (ignored files are not listed). */
  async status(): Promise<StatusEntry[]> {
    const out = await this.readOk(['status', '--porcelain=v1', '-z', '--untracked-files=all'], 'read the working tree status');
    return parsePorcelainZ(out);
  }

  /**
   * GitError listing the dirty files unless the working tree and index are clean. Untracked files under
   * `ignoreUntrackedIn` (directories relative to the root, e.g. wheelwright's own `dist`) do not count.
   */
  async assertClean(ignoreUntrackedIn: string[] = []): Promise<void> {
    const inside = (p: string) => ignoreUntrackedIn.some((d) => d && !d.startsWith('..') && (p === d || p.startsWith(`${d}/`)));
    const dirty = (await this.status()).filter((e) => !(e.index === '?' && inside(e.path)));
    if (dirty.length === 0) return;
    throw new GitError(`working tree has uncommitted changes: ${listPaths(dirty)} — commit or stash them, or use --dry-run`, {
      file: this.root,
      hint: 'a release commit must hold only the release changes; `git status` shows them',
    });
  }

  /** The checked-out branch, or null on a detached HEAD. */
  async currentBranch(): Promise<string | null> {
    const r = await this.read(['symbolic-ref', '--short', '-q', 'HEAD']);
    return r.exitCode === 0 ? r.stdout.trim() : null;
  }

  /** The full ref HEAD points to (`refs/heads/main`), or null when detached. */
  async symbolicHead(): Promise<string | null> {
    const r = await this.read(['symbolic-ref', '-q', 'HEAD']);
    return r.exitCode === 0 ? r.stdout.trim() : null;
  }

  /** The object a ref names (a tag ref gives the tag object), or null when it does not exist. */
  async resolve(ref: string): Promise<string | null> {
    const r = await this.read(['rev-parse', '-q', '--verify', ref]);
    return r.exitCode === 0 ? r.stdout.trim() : null;
  }

  /** HEAD's commit, or null in a repository without commits. */
  head(): Promise<string | null> {
    return this.resolve('HEAD^{commit}');
  }

  async tagExists(tag: string): Promise<boolean> {
    return (await this.resolve(`refs/tags/${tag}`)) !== null;
  }

  async branchExists(branch: string): Promise<boolean> {
    return (await this.resolve(`refs/heads/${branch}`)) !== null;
  }

  /** The URL of a remote, or null when the remote is not configured. */
  async remoteUrl(remote: string): Promise<string | null> {
    const r = await this.read(['remote', 'get-url', remote]);
    return r.exitCode === 0 ? r.stdout.trim() : null;
  }

  /** Whether `ref` (e.g. `refs/tags/v1.0.0`) exists on the remote; asks the remote (`git ls-remote`). */
  async remoteRefExists(remote: string, ref: string, env?: Record<string, string>): Promise<boolean> {
    const r = await this.read(['ls-remote', '--refs', remote, ref], { env });
    if (r.exitCode !== 0) {
      throw new GitError(`could not ask remote \`${remote}\` whether ${ref} exists: ${gitSaid(r)}`, {
        hint: `check the remote's URL (\`git remote -v\`), the network and your credentials`,
      });
    }
    return r.stdout.split('\n').some((line) => line.split('\t')[1] === ref);
  }

  /** The subset of `files` (absolute) that git tracks. */
  async tracked(files: string[]): Promise<Set<string>> {
    if (files.length === 0) return new Set();
    const rel = files.map((f) => this.rel(f));
    const out = await this.readOk(['ls-files', '-z', '--', ...rel], 'list tracked files');
    return new Set(out.split('\0').filter(Boolean).map((p) => path.resolve(this.root, p)));
  }

  /** GitError unless git knows who commits (user.name and user.email, or the GIT_* variables). */
  async assertIdentity(): Promise<void> {
    const r = await this.read(['var', 'GIT_COMMITTER_IDENT']);
    if (r.exitCode === 0) return;
    throw new GitError('git does not know who you are, so it cannot commit', {
      hint: 'set it with `git config user.name "…"` and `git config user.email "…"` (on CI: GIT_AUTHOR_NAME/EMAIL and GIT_COMMITTER_NAME/EMAIL)',
    });
  }

  /** Posix path relative to the root, as git wants it. */
  rel(file: string): string {
    return path.relative(this.root, path.resolve(this.root, file)).split(path.sep).join('/');
  }

  async add(files: string[]): Promise<void> {
    if (files.length) await this.write(['add', '--', ...files.map((f) => this.rel(f))], 'git add');
  }

  async rm(files: string[]): Promise<void> {
    if (files.length) await this.write(['rm', '-q', '--', ...files.map((f) => this.rel(f))], 'git rm');
  }

  /** Commit the index with exactly `message`; returns the new commit (a placeholder in dry run). */
  async commit(message: string): Promise<string> {
    await this.write(['commit', '-q', '--cleanup=verbatim', '-F', '-'], 'git commit', {
      input: message.endsWith('\n') ? message : `${message}\n`,
      hint: 'a hook (pre-commit, commit-msg) or the git config may have refused it; run `git commit` by hand to see why',
    });
    if (this.ctx.dryRun) return '0'.repeat(40);
    return (await this.head())!;
  }

  /** An annotated tag on HEAD whose message is exactly `message` (`#` lines kept: Markdown headings). */
  async tag(name: string, message: string): Promise<string> {
    await this.write(['tag', '-a', '--cleanup=verbatim', '-F', '-', name], `git tag ${name}`, {
      input: message.endsWith('\n') ? message : `${message}\n`,
    });
    if (this.ctx.dryRun) return '0'.repeat(40);
    return (await this.resolve(`refs/tags/${name}`))!;
  }

  /** Create `branch` at HEAD and check it out, leaving the files and index as they are. */
  async createAndSwitch(branch: string): Promise<void> {
    await this.write(['switch', '-q', '-c', branch], `create branch ${branch}`);
  }

  /** Point HEAD at another branch without touching files or index (used to step back after a commit elsewhere). */
  async pointHeadAt(ref: string): Promise<void> {
    await this.write(['symbolic-ref', 'HEAD', ref], `point HEAD at ${ref}`);
  }

  /** Delete a ref on a remote (`git push REMOTE :REF`). */
  async deleteRemoteRef(remote: string, ref: string, env?: Record<string, string>): Promise<void> {
    await this.write(['push', remote, `:${ref}`], `delete ${ref} on \`${remote}\``, { env });
  }

  /** Push refspecs to a remote. */
  async push(remote: string, refspecs: string[], opts: PushOptions = {}): Promise<void> {
    const args = ['push', ...(opts.atomic ? ['--atomic'] : []), remote, ...refspecs];
    const pushed = opts.atomic ? 'nothing was pushed' : 'some refs may have been pushed';
    await this.write(args, `git push to \`${remote}\``, {
      env: opts.env,
      hint: `${pushed}; check that \`${remote}\` accepts the push (branch protection, hooks, credentials) and retry`,
    });
  }
}
