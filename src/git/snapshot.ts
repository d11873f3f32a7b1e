// Snapshot and restore: record HEAD, the index, refs and the files a command will touch; put them back exactly on failure.
import { chmod, lstat, mkdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { GitRepo } from './repo.js';

type FileState = { kind: 'absent' } | { kind: 'file'; data: Buffer; mode: number } | { kind: 'symlink'; target: string };

async function readState(file: string): Promise<FileState> {
  let st;
  try {
    st = await lstat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    throw err;
  }
  if (st.isSymbolicLink()) return { kind: 'symlink', target: await readlink(file) };
  return { kind: 'file', data: await readFile(file), mode: st.mode & 0o7777 };
}

function sameState(a: FileState, b: FileState): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'symlink' && b.kind === 'symlink') return a.target === b.target;
  if (a.kind === 'file' && b.kind === 'file') return a.mode === b.mode && a.data.equals(b.data);
  return true;
}

async function putState(file: string, state: FileState): Promise<void> {
  await rm(file, { force: true });
  if (state.kind === 'absent') return;
  await mkdir(path.dirname(file), { recursive: true });
  if (state.kind === 'symlink') return symlink(state.target, file);
  await writeFile(file, state.data);
  await chmod(file, state.mode);
}

interface CreatedRemoteRef {
  remote: string;
  ref: string;
  env?: Record<string, string>;
}

/**
 * What the repository looked like before a command changed it. Refs are restored only where this
 * command moved or created them: a tag someone else made meanwhile is left alone.
 */
export class Snapshot {
  private readonly createdRefs: { ref: string; sha?: string }[] = [];
  private readonly createdRemoteRefs: CreatedRemoteRef[] = [];

  private constructor(
    private readonly repo: GitRepo,
    /** `refs/heads/main`, or null when HEAD was detached. */
    readonly symbolicHead: string | null,
    readonly head: string | null,
    private readonly indexPath: string,
    private readonly index: Buffer | null,
    private readonly files: Map<string, FileState>,
  ) {}

  /** Record HEAD, the index and the current state of `files` (absolute paths; missing files are fine). */
  static async take(repo: GitRepo, files: string[]): Promise<Snapshot> {
    const indexPath = await repo.gitPath('index');
    const index = await readFile(indexPath).catch(() => null);
    const states = new Map<string, FileState>();
    for (const f of files) states.set(path.resolve(repo.root, f), await readState(path.resolve(repo.root, f)));
    return new Snapshot(repo, await repo.symbolicHead(), await repo.head(), indexPath, index, states);
  }

  /** The files this snapshot covers. */
  get paths(): string[] {
    return [...this.files.keys()];
  }

  /** A ref this command created (a tag, a release branch): deleted on restore (only if it still points to `sha`, when given). */
  createdRef(ref: string, sha?: string): void {
    this.createdRefs.push({ ref, sha });
  }

  /** A ref this command pushed to a remote where it did not exist: deleted there on restore. */
  createdRemoteRef(remote: string, ref: string, env?: Record<string, string>): void {
    this.createdRemoteRefs.push({ remote, ref, env });
  }

  /** Files whose content differs from the snapshot now (for tests and messages). */
  async changedFiles(): Promise<string[]> {
    const out: string[] = [];
    for (const [file, before] of this.files) if (!sameState(before, await readState(file))) out.push(file);
    return out;
  }

  /**
   * Put everything back. Never throws: each part is tried, and what could not be restored is
   * returned as sentences for the error message.
   */
  async restore(): Promise<string[]> {
    const problems: string[] = [];
    const attempt = async (what: string, action: () => Promise<unknown>) => {
      try {
        await action();
      } catch (err) {
        problems.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    const { repo } = this;
    for (const r of [...this.createdRemoteRefs].reverse()) {
      await attempt(`delete ${r.ref} on ${r.remote}`, () => repo.deleteRemoteRef(r.remote, r.ref, r.env));
    }
    const nowSymbolic = await repo.symbolicHead();
    if (this.symbolicHead && nowSymbolic !== this.symbolicHead) {
      await attempt(`point HEAD back at ${this.symbolicHead}`, () => repo.pointHeadAt(this.symbolicHead!));
    }
    if (this.symbolicHead && this.head) {
      const ref = this.symbolicHead;
      const sha = this.head;
      if ((await repo.resolve(ref)) !== sha) {
        await attempt(`move ${ref} back to ${sha.slice(0, 12)}`, () => repo.write(['update-ref', '-m', 'wheelwright: undo release', ref, sha], `reset ${ref}`));
      }
    }
    for (const { ref, sha } of [...this.createdRefs].reverse()) {
      const now = await repo.resolve(ref);
      if (now === null || (sha && now !== sha)) continue;
      await attempt(`delete ${ref}`, () => repo.write(['update-ref', '-d', ref, now], `delete ${ref}`));
    }
    await attempt('restore the index', () =>
      repo.ctx.world.mutate(
        `restore ${this.indexPath}`,
        () => (this.index ? writeFile(this.indexPath, this.index) : rm(this.indexPath, { force: true })),
        undefined,
      ),
    );
    for (const [file, before] of this.files) {
      if (sameState(before, await readState(file))) continue;
      await attempt(`restore ${repo.rel(file)}`, () => repo.ctx.world.mutate(`restore ${file}`, () => putState(file, before), undefined));
    }
    return problems;
  }
}
