// `release publish`: upload the verified files to PyPI, a GitHub release and a static index, exactly once.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { runPublish, type PublishSummary } from '../publish/run.js';
import { bool, list, str, type CommandDefinition, type ParsedArgs } from './types.js';

function describe(summary: PublishSummary, dryRun: boolean): string {
  if (summary.nothingToDo) {
    return `nothing to do: ${summary.tag} is already published to ${summary.destinations.map((d) => d.name).join(', ')}`;
  }
  const lines = summary.destinations.map((d) => {
    const what = d.status === 'already-complete' ? 'already complete' : `${d.uploaded.length} uploaded, ${d.existing.length} already there`;
    return `${d.name}: ${what}${d.url ? ` (${d.url})` : ''}`;
  });
  return `${dryRun ? '[dry-run] ' : ''}${summary.tag}: ${summary.files} file(s)\n${lines.join('\n')}`;
}

/** One directory as the argument (`release publish wheelhouse`) is the release directory, as --dist. */
async function distDirArg(ctx: Context, args: ParsedArgs): Promise<string | undefined> {
  const [dir] = args.positionals;
  if (dir === undefined) return undefined;
  if (str(args, 'dist') !== undefined) throw new UsageError(`two directories: --dist ${str(args, 'dist')} and \`${dir}\``, { hint: 'give the directory once' });
  const st = await stat(path.resolve(ctx.cwd, dir)).catch(() => null);
  if (!st?.isDirectory()) {
    throw new UsageError(`\`${dir}\` is not a directory`, {
      hint: 'publish takes the release directory (with the manifest `release verify` recorded), not single files',
    });
  }
  return dir;
}

export const commands: Record<string, CommandDefinition> = {
  publish: {
    usage: 'release publish [DIR] [--to pypi,github,index] [--dist DIR] [--index-dir DIR] [--repository-url URL] [--replace]',
    positionals: { name: 'directory', max: 1 },
    description:
      'Publish the verified files of the release in dist/ to each destination, exactly once. It refuses to start ' +
      'unless `release verify` passed on exactly these files (their sha256 is checked again) and the set is complete, ' +
      'and before any upload it checks every destination: credentials, the version not already released with other ' +
      'files, and the tag pointing at the commit the manifest names. Every file confirmed is recorded in the ' +
      'manifest at once, so a re-run after a failure continues where it stopped; a run after a complete release ' +
      'does nothing, says so, and exits 0. The GitHub release is created as a draft and published only when every ' +
      'asset is attached and matches: the files, release-manifest.json, and SHA256SUMS and versions.json as ' +
      '`release verify` made them (publish uploads them as the manifest lists them; it makes neither). Tokens: GITHUB_TOKEN; ' +
      'PYPI_TOKEN or TWINE_PASSWORD (or trusted publishing on GitHub Actions). With --dry-run it prints every request ' +
      'that would change something, with sizes (read-only lookups still run when a token is set).',
    options: {
      to: { type: 'string', multiple: true, valueName: 'LIST', description: 'destinations, comma-separated: pypi, github, index (default: publish.to)' },
      'index-dir': { type: 'string', valueName: 'DIR', description: 'static index directory (default: publish.index.dir)' },
      'repository-url': { type: 'string', valueName: 'URL', description: 'PyPI upload URL (default: publish.pypi.repository_url)' },
      replace: { type: 'boolean', description: 'replace GitHub release assets whose content differs' },
    },
    examples: [
      'release publish                               # the destinations in publish.to',
      'release publish --to pypi,github              # PyPI and a GitHub release',
      'release publish --to pypi --repository-url https://test.pypi.org/legacy/',
      'release publish --to index --index-dir public/simple',
      'release publish --dry-run                     # print the requests, send none',
    ],
    async run(ctx: Context, args: ParsedArgs) {
      const summary = await runPublish(ctx, {
        to: list(args, 'to'),
        distDir: await distDirArg(ctx, args),
        indexDir: str(args, 'index-dir'),
        repositoryUrl: str(args, 'repository-url'),
        replace: bool(args, 'replace'),
        changelogSection: async (root, version) => (await import('../notes/section.js')).changelogSection(root, version),
      });
      const text = describe(summary, ctx.dryRun);
      return { json: summary, text };
    },
  },
};
