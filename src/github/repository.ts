// Which GitHub repository a command talks to: publish.github.repository, else GITHUB_REPOSITORY.
import { ConfigError } from '../errors.js';

export interface GithubRepository {
  owner: string;
  repo: string;
}

/**
 * `owner/name` from the first of `candidates` that is set (an option, the config, GITHUB_REPOSITORY), or a
 * ConfigError on publish.github.repository: `missing` says what needed it when none is set.
 */
export function resolveRepository(candidates: Array<string | undefined>, missing: string): GithubRepository {
  const full = candidates.find((c) => c);
  if (!full || !/^[\w.-]+\/[\w.-]+$/.test(full)) {
    throw new ConfigError(full ? `\`${full}\` is not an owner/name repository` : missing, {
      field: 'publish.github.repository',
      hint: 'set publish.github.repository: owner/name in the release config (GitHub Actions sets GITHUB_REPOSITORY)',
    });
  }
  const [owner, repo] = full.split('/') as [string, string];
  return { owner, repo };
}
