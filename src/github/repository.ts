// Which GitHub repository a command talks to (publish.github.repository, else GITHUB_REPOSITORY), and
// through which REST API (publish.github.api_url when set to another host, else GITHUB_API_URL).
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

/** The public GitHub REST API: publish.github.api_url's default. */
export const DEFAULT_GITHUB_API = 'https://api.github.com';

/**
 * The REST API base, without a trailing slash: an explicit non-default publish.github.api_url (`configured`;
 * undefined without a config) wins, else GITHUB_API_URL (set by the runner of a GitHub Enterprise Server),
 * else api.github.com. Every command that talks to GitHub (publish, verify --published, compat, prepare --pr)
 * resolves it here, so they agree.
 */
export function githubApiUrl(configured: string | undefined, env: NodeJS.ProcessEnv): string {
  const chosen = configured && configured.replace(/\/+$/, '') !== DEFAULT_GITHUB_API ? configured : env.GITHUB_API_URL || DEFAULT_GITHUB_API;
  return chosen.replace(/\/+$/, '');
}
