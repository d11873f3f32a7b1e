// Parsing `git status --porcelain=v1 -z`: pure, so it is tested without a repository.

export interface StatusEntry {
  /** Path relative to the repository root, posix. */
  path: string;
  /** For a rename or copy: the path it came from. */
  from?: string;
  /** Index (staged) status letter, ' ' when unchanged, '?' for untracked. */
  index: string;
  /** Work-tree status letter. */
  worktree: string;
}

/** Parse NUL-separated porcelain v1 output (`git status --porcelain=v1 -z`). */
export function parsePorcelainZ(out: string): StatusEntry[] {
  const fields = out.split('\0');
  const entries: StatusEntry[] = [];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.length < 4) continue;
    const index = f[0]!;
    const worktree = f[1]!;
    const entry: StatusEntry = { path: f.slice(3), index, worktree };
    // With -z a rename's source path is the next field, not "a -> b".
    if (index === 'R' || index === 'C' || worktree === 'R' || worktree === 'C') entry.from = fields[++i];
    entries.push(entry);
  }
  return entries;
}

/** "a.txt, b.txt" (at most `max` names, then "and N more"). */
export function listPaths(entries: Pick<StatusEntry, 'path'>[], max = 10): string {
  const names = entries.slice(0, max).map((e) => e.path);
  const more = entries.length - names.length;
  return names.join(', ') + (more > 0 ? ` and ${more} more` : '');
}
