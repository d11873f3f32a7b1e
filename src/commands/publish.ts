// `release publish`: upload the verified files to PyPI, a GitHub release and a static index, exactly once.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { MANIFEST_FILE, type Context } from '../context.js';
import { ConfigError, UsageError } from '../errors.js';
import { entryExists } from '../files.js';
import { FRAGMENT_DIR } from '../manifest.js';
import { ASSETS_DIR, runPublish, type PublishSummary } from '../publish/run.js';
import { isArtifact } from '../verify/artifacts.js';
import { VERSIONS_FILE } from '../versionset.js';
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

/**
 * Positionals as twine takes them: one directory is the release directory (as --dist); wheel and sdist files
 * are published without a plan, verified first. A directory without a manifest, or whose manifest is the
 * record of an earlier run on loose files, is published the same way with every artifact at its top.
 */
async function targets(ctx: Context, args: ParsedArgs): Promise<{ dist?: string; files: string[] | null }> {
  const distArg = str(args, 'dist');
  const given = args.positionals.map((p) => path.resolve(ctx.cwd, p));
  const stats = await Promise.all(given.map((p) => stat(p).catch(() => null)));
  const missing = args.positionals.filter((_, i) => !stats[i]);
  if (missing.length) throw new UsageError(`no such file or directory: ${missing.map((m) => `\`${m}\``).join(', ')}`, { hint: 'pass wheels and sdists, or the directory that holds them' });
  if (given.length === 1 && stats[0]!.isDirectory()) {
    if (distArg !== undefined) throw new UsageError(`two directories: --dist ${distArg} and \`${args.positionals[0]}\``, { hint: 'give the directory once' });
    return { dist: args.positionals[0], files: await unplannedArtifacts(ctx, given[0]!) };
  }
  if (given.length) {
    // `dist/*` on a re-run also names what wheelwright wrote there (the record, verify's SHA256SUMS and
    // versions.json, the GitHub assets): not files to upload, so passed over rather than refused.
    const keep = given.map((g) => given.length === 1 || !OWN_OUTPUTS.has(path.basename(g)));
    const named = args.positionals.filter((_, i) => keep[i]);
    const files = given.filter((_, i) => keep[i]);
    const bad = named.filter((p, i) => stats[given.indexOf(files[i]!)]!.isDirectory() || !isArtifact(path.basename(p)));
    if (bad.length) throw new UsageError(`not a wheel or an sdist: ${bad.map((b) => `\`${b}\``).join(', ')}`, { hint: 'pass artifact files, or one directory that holds them' });
    // The record of what was verified and confirmed goes next to the files, unless --dist says where.
    const dirs = [...new Set(files.map((g) => path.dirname(g)))];
    return { dist: distArg ?? (dirs.length === 1 ? dirs[0] : undefined), files };
  }
  const dist = distArg === undefined ? ctx.distDir : path.resolve(ctx.cwd, distArg);
  return { dist: distArg, files: await unplannedArtifacts(ctx, dist) };
}

/** What wheelwright itself writes into a dist directory: never an artifact to upload. */
const OWN_OUTPUTS = new Set([MANIFEST_FILE, 'SHA256SUMS', VERSIONS_FILE, ASSETS_DIR, FRAGMENT_DIR]);

/** The artifacts at the top of `dir` when it holds no plan (no manifest, or a record of loose files), else null. */
async function unplannedArtifacts(ctx: Context, dir: string): Promise<string[] | null> {
  const manifest = path.join(dir, MANIFEST_FILE);
  if (entryExists(manifest)) {
    // The context's manifest is read once: publish reads the same one again for free.
    const m = dir === ctx.distDir ? await ctx.manifest() : await (await import('../manifest.js')).loadRelease(dir, manifest);
    if (!m.loose) return null;
  }
  const names = await readdir(dir).catch(() => null);
  if (names === null) throw new ConfigError('the dist directory does not exist', { file: dir, hint: 'build first, or name the files: `release publish wheelhouse/*.whl`' });
  // Every entry named like an artifact, whatever it is: publish refuses a directory, a FIFO, a device or a
  // link leaving the release by its path (skipping one in silence would publish an incomplete release).
  return names.sort().filter((n) => isArtifact(n)).map((n) => path.join(dir, n));
}

/** `release verify FILE...`'s checks, for publish's files without a plan. */
async function verifyNamed(ctx: Context, files: string[], version: string) {
  const [{ verifyLooseFiles }, { terminalReport, verifyRecord }] = await Promise.all([import('../verify/loose.js'), import('../verify/report.js')]);
  const outcome = await verifyLooseFiles(await ctx.config(), files, version);
  return { record: verifyRecord(outcome, ctx.now()), report: terminalReport(outcome) };
}

export const commands: Record<string, CommandDefinition> = {
  publish: {
    usage: 'release publish [DIR | ARTIFACT...] [--to pypi,github,index] [--dist DIR] [--index-dir DIR] [--repository-url URL] [--replace]',
    positionals: { name: 'artifact or directory paths', max: Infinity },
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
      'that would change something, with sizes (read-only lookups still run when a token is set). Without a plan ' +
      '(files built elsewhere, e.g. by your own cibuildwheel workflow) it works like a better `twine upload`: ' +
      '`release publish dist/*` (or a directory with no manifest) first runs the checks of `release verify` on ' +
      'those files (the set check is skipped, and it says so), records what it verified in release-manifest.json ' +
      'next to them, and then records each confirmed file there too: a re-run resumes, uploads nothing twice, and ' +
      'refuses a file whose bytes changed since it was verified.',
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
      'release publish --to pypi dist/*              # files from your own workflow: verify, then upload once',
    ],
    async run(ctx: Context, args: ParsedArgs) {
      const { dist, files } = await targets(ctx, args);
      const summary = await runPublish(ctx, {
        to: list(args, 'to'),
        distDir: dist,
        loose: files ? { files, named: args.positionals.length > 0, verify: (f, version) => verifyNamed(ctx, f, version) } : undefined,
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
