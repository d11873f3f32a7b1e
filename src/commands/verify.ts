// `release verify`: flags and positionals → the verify steps (src/verify/steps.ts) → the report, as text or JSON.
// `--published` checks a release already out instead (src/verify/published-command.ts).
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { atDist, type Context } from '../context.js';
import { ExitCode, UsageError } from '../errors.js';
import { isArtifact } from '../verify/artifacts.js';
import { jsonReport, terminalReport } from '../verify/report.js';
import { verifyRelease } from '../verify/steps.js';
import { jobsValue } from '../workers/pool.js';
import { bool, list, str, type CommandDefinition } from './types.js';

function parseJobs(value: string | undefined): number {
  const n = jobsValue(value);
  if (n === null) throw new UsageError(`--jobs must be a whole number from 1 to 256, not \`${value}\``, { hint: 'e.g. --jobs 2' });
  return n;
}

/**
 * Positionals as twine takes them: one directory is the dist directory (like --dist); wheel and sdist
 * files are verified as they are. Anything else is refused, naming it.
 */
async function targets(ctx: Context, positionals: string[], distArg: string | undefined): Promise<{ dist: string; loose: string[] | null }> {
  const dist = distArg ? path.resolve(ctx.cwd, distArg) : ctx.distDir;
  if (!positionals.length) return { dist, loose: null };
  const given = positionals.map((p) => path.resolve(ctx.cwd, p));
  const stats = await Promise.all(given.map((p) => stat(p).catch(() => null)));
  const missing = positionals.filter((_, i) => !stats[i]);
  if (missing.length) throw new UsageError(`no such file or directory: ${missing.map((m) => `\`${m}\``).join(', ')}`, { hint: 'pass wheels and sdists, or the directory that holds them' });
  if (given.length === 1 && stats[0]!.isDirectory()) {
    if (distArg) throw new UsageError(`two directories: --dist ${distArg} and \`${positionals[0]}\``, { hint: 'give the directory once' });
    return { dist: given[0]!, loose: null };
  }
  const bad = positionals.filter((p, i) => stats[i]!.isDirectory() || !isArtifact(path.basename(p)));
  if (bad.length) throw new UsageError(`not a wheel or an sdist: ${bad.map((b) => `\`${b}\``).join(', ')}`, { hint: 'pass artifact files, or one directory that holds them' });
  return { dist, loose: given };
}

const verify: CommandDefinition = {
  usage: 'release verify [DIR | ARTIFACT...] [--dist DIR] [--manifest PATH] [--jobs N] [--strict] | release verify --published VERSION [--from pypi,github] [--ref REF] [--wait DURATION]',
  positionals: { name: 'artifact or directory paths', max: Infinity },
  description:
    'Check every wheel and sdist in dist/ against the rules PyPI and installers apply (names, versions, METADATA, WHEEL tags, RECORD hashes and sizes, zip safety, platform tags, binaries against their tags) and the set against the release plan (missing, unexpected, duplicate). Writes dist/SHA256SUMS and records the results in the release manifest. Like twine, it takes a directory or artifact files as arguments (`release verify dist/*.whl`): named files are checked one by one, without the set check unless --manifest is given. Errors (what PyPI or an installer would refuse, or a platform the wheel does not run on) fail; warnings (spec deviations PyPI accepts) are shown and fail only with --strict. Exits 4 when anything fails.',
  options: {
    manifest: { type: 'string', valueName: 'PATH', description: 'the release manifest (default DIR/release-manifest.json)' },
    jobs: { type: 'string', valueName: 'N', description: 'worker threads (default: the number of cores)' },
    strict: { type: 'boolean', description: 'warnings fail too (also verify.strict in the config)' },
    published: { type: 'string', valueName: 'VERSION', description: 'check the published release instead: download every file, compare it with the manifest, verify its PEP 740 attestations and the signed SHA256SUMS' },
    from: { type: 'string', multiple: true, valueName: 'pypi,github', description: 'with --published: where to download from (default pypi)' },
    'index-url': { type: 'string', valueName: 'URL', description: 'with --published: the index whose JSON and integrity APIs to read (default from publish.pypi.repository_url)' },
    repository: { type: 'string', valueName: 'OWNER/NAME', description: 'with --published: the repository that must have signed (default publish.github.repository, GITHUB_REPOSITORY)' },
    workflow: { type: 'string', valueName: 'FILE', description: 'with --published: the workflow file that must have signed (default release.yml)' },
    ref: { type: 'string', valueName: 'REF', description: "with --published: the ref of the run that must have signed, its GITHUB_REF (default refs/tags/<the manifest's tag>; a merged pull request's run signs as refs/pull/N/merge)" },
    wait: { type: 'string', valueName: 'DURATION', description: "with --published: look again (after 10, 20, 40, then every 60 s) for up to DURATION, e.g. 10m, while the only findings are what PyPI's CDN lag explains (a file or its provenance not listed yet); any other finding fails at once" },
    'trusted-root': { type: 'string', valueName: 'FILE', description: "with --published: Sigstore's trusted root (default: the public-good root, via TUF)" },
  },
  examples: ['release verify', 'release verify wheelhouse --jobs 2', 'release verify dist/*.whl   # these files only, no set check', 'release verify --published 1.2.0 --from pypi,github', 'release verify --json | jq \'.artifacts[] | select(.ok | not)\''],
  async run(ctx, args) {
    const manifestArg = str(args, 'manifest');
    const published = str(args, 'published');
    if (published !== undefined) {
      const { runPublished } = await import('../verify/published-command.js');
      return runPublished(ctx, {
        version: published, dist: ctx.distDir, manifest: manifestArg, from: list(args, 'from') ?? [], indexUrl: str(args, 'index-url'),
        repository: str(args, 'repository'), workflow: str(args, 'workflow'), ref: str(args, 'ref'), trustedRoot: str(args, 'trusted-root'), wait: str(args, 'wait'),
      });
    }
    const { dist, loose } = await targets(ctx, args.positionals, str(args, 'dist'));
    const at = dist === ctx.distDir ? ctx : atDist(ctx, dist);
    const outcome = await verifyRelease(at, {
      loose,
      manifestFile: manifestArg ? path.resolve(ctx.cwd, manifestArg) : at.manifestPath,
      manifestGiven: manifestArg !== undefined,
      jobs: parseJobs(str(args, 'jobs')),
      strict: bool(args, 'strict'),
    });
    ctx.log.info(terminalReport(outcome));
    if (!outcome.ok) ctx.log.error('verification failed: fix the problems above, rebuild, and run `release verify` again');
    return { json: jsonReport(outcome), exitCode: outcome.ok ? ExitCode.ok : ExitCode.verify };
  },
};

export const commands: Record<string, CommandDefinition> = { verify };
