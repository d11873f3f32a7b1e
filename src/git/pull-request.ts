// Opening the release pull request through the GitHub REST API (@octokit/rest), behind the dry-run boundary.
import type { Context } from '../context.js';
import { GitError } from '../errors.js';
import { networkTimeoutMs, RetryDeadline } from '../network.js';
import { registerSecret } from '../secrets.js';

export interface GithubTarget {
  /** REST base URL: https://api.github.com, or https://HOST/api/v3 on GitHub Enterprise. */
  apiUrl: string;
  owner: string;
  repo: string;
  token: string;
}

export interface PullRequestSpec {
  head: string;
  base: string;
  title: string;
  body: string;
}

export interface OpenedPullRequest {
  number: number;
  url: string;
}

/** What GitHub said, in one line: "422 Validation Failed: A pull request already exists for o:release/1.0." */
function describeRequestError(err: unknown): { status?: number; text: string } {
  const e = err as { status?: number; message?: string; response?: { data?: { message?: string; errors?: { message?: string; code?: string }[] } } };
  const data = e.response?.data;
  const details = (data?.errors ?? []).map((x) => x.message ?? x.code).filter(Boolean);
  const text = [data?.message ?? e.message ?? String(err), ...details].join(': ');
  return { status: e.status, text: e.status ? `${e.status} ${text}` : text };
}

/** POST /repos/{owner}/{repo}/pulls. GitError (exit 6) with GitHub's reason when it refuses. */
export async function openPullRequest(ctx: Context, target: GithubTarget, spec: PullRequestSpec): Promise<OpenedPullRequest> {
  registerSecret(target.token);
  const description = `octokit pulls.create ${target.owner}/${target.repo} (${spec.head} → ${spec.base}: ${spec.title})`;
  return ctx.world.mutate(
    description,
    async () => {
      const { createGithubClient } = await import('../github/client.js');
      // Retries (and Retry-After waits) end at the destination's retry deadline, as publish's do.
      const octokit = createGithubClient({ token: target.token, apiUrl: target.apiUrl, log: ctx.log, timeoutMs: networkTimeoutMs(ctx.env, 120_000), deadline: new RetryDeadline(ctx.env) });
      try {
        const res = await octokit.rest.pulls.create({ owner: target.owner, repo: target.repo, ...spec });
        return { number: res.data.number, url: res.data.html_url };
      } catch (err) {
        const { status, text } = describeRequestError(err);
        const hint =
          status === 401 || status === 403
            ? 'the token was refused: set RELEASE_TOKEN (or GITHUB_TOKEN) to a token with `pull-requests: write` on this repository'
            : status === 422
              ? `close or merge the open pull request from ${spec.head}, or prepare another version`
              : `check publish.github.api_url (${target.apiUrl}) and the repository ${target.owner}/${target.repo}`;
        throw new GitError(`GitHub did not open the pull request ${spec.head} → ${spec.base}: ${text}`, { hint, cause: err });
      }
    },
    { number: 0, url: `(dry run: pull request ${spec.head} → ${spec.base})` },
  );
}
