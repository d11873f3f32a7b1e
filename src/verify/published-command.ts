// The `--published VERSION` mode of `release verify`: flags → options → verifyPublished → report.
import path from 'node:path';
import type { Context } from '../context.js';
import { ConfigError, ExitCode, UsageError } from '../errors.js';
import { readManifest } from '../manifest.js';
import { networkTimeoutMs } from '../network.js';
import { githubApiUrl } from '../github/repository.js';
import { registerSecret } from '../secrets.js';
import { closeConnections, parseWait, publishedText, sameVersion, verifyPublishedWaiting } from './published.js';

export interface PublishedFlags {
  version: string;
  dist: string;
  manifest?: string;
  /** `pypi`, `github`, or both. */
  from: string[];
  indexUrl?: string;
  repository?: string;
  workflow?: string;
  /** The ref the signing run had (GITHUB_REF there); default the release tag's. */
  ref?: string;
  trustedRoot?: string;
  /** How long to keep looking while only PyPI's CDN lag explains the findings, e.g. `10m`; default no wait. */
  wait?: string;
}

/** The JSON/integrity API base for an upload URL: PyPI's and TestPyPI's known hosts, else the same origin. */
export function indexBaseFor(uploadUrl: string): string {
  const u = new URL(uploadUrl);
  if (u.hostname === 'upload.pypi.org' || u.hostname === 'upload.pypi.io' || u.hostname === 'pypi.org') return 'https://pypi.org/';
  if (u.hostname === 'test.pypi.org') return 'https://test.pypi.org/';
  return `${u.origin}/`;
}

export async function runPublished(ctx: Context, f: PublishedFlags): Promise<{ json: unknown; exitCode: number }> {
  const manifestFile = f.manifest ? path.resolve(ctx.cwd, f.manifest) : path.join(f.dist, 'release-manifest.json');
  const manifest = await readManifest(manifestFile);
  if (!sameVersion(manifest.version, f.version)) {
    throw new ConfigError(`the manifest is for version ${manifest.version}, not ${f.version}`, { file: manifestFile, hint: 'pass the manifest of the release to check (--manifest PATH)' });
  }
  let config: Awaited<ReturnType<Context['config']>>['config'] | null = null;
  try {
    config = (await ctx.config()).config;
  } catch (err) {
    ctx.log.debug(`no release config: ${(err as Error).message}`);
  }
  const repository = f.repository ?? config?.publish.github.repository ?? ctx.env.GITHUB_REPOSITORY;
  if (!repository || !/^[\w.-]+\/[\w.-]+$/.test(repository)) {
    throw new UsageError('the expected signer needs the repository (owner/name)', { hint: 'pass --repository owner/name, or set publish.github.repository or GITHUB_REPOSITORY' });
  }
  const from = f.from.length ? f.from : ['pypi'];
  for (const d of from) if (d !== 'pypi' && d !== 'github') throw new UsageError(`--from takes pypi and github, not \`${d}\``, { hint: 'e.g. --from pypi,github' });
  const waitMs = f.wait === undefined ? 0 : parseWait(f.wait);
  if (waitMs === null) throw new UsageError(`--wait takes a duration such as 90s or 10m, not \`${f.wait}\``, { hint: 'e.g. --wait 10m' });
  if (f.ref !== undefined && !/^refs\/[\w./-]+$/.test(f.ref)) throw new UsageError(`--ref takes a full ref such as refs/tags/v1.2.0, not \`${f.ref}\``, { hint: 'pass the GITHUB_REF of the run that published' });
  const token = ctx.env.GITHUB_TOKEN ?? ctx.env.GH_TOKEN;
  registerSecret(token);
  // The default API URL yields to GITHUB_API_URL (GitHub Enterprise runners), as publish does.
  const apiUrl = githubApiUrl(config?.publish.github.api_url, ctx.env);
  const report = await verifyPublishedWaiting({
    manifest,
    indexUrl: from.includes('pypi') ? (f.indexUrl ?? indexBaseFor(config?.publish.pypi.repository_url ?? 'https://upload.pypi.org/legacy/')) : null,
    identity: { repository, workflow: f.workflow ?? 'release.yml', ref: f.ref ?? `refs/tags/${manifest.tag}` },
    trustedRootFile: f.trustedRoot ? path.resolve(ctx.cwd, f.trustedRoot) : undefined,
    github: from.includes('github') ? { apiUrl, repository, token } : null,
    env: ctx.env,
    timeoutMs: networkTimeoutMs(ctx.env, 120_000),
    log: (l) => ctx.log.info(l),
  }, waitMs).finally(closeConnections);
  ctx.log.info(publishedText(report));
  return { json: report, exitCode: report.ok ? ExitCode.ok : ExitCode.verify };
}
