// release version show | bump | set | check
import type { Context } from '../context.js';
import { ConfigError, ExitCode, UsageError, suggestion } from '../errors.js';
import type { BumpPart, PrePhase } from '../version/bump.js';
import { readVersionFile, writeVersionFile } from '../version/file.js';
import { str, type CommandDefinition } from './types.js';

/** `--date YYYY-MM-DD` fixes "today" (calver); otherwise the clock. */
export function parseDateFlag(value: string | undefined, ctx: Context): Date {
  if (value === undefined) return ctx.now();
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!d || Number.isNaN(d.getTime()) || d.getUTCDate() !== Number(m![3])) {
    throw new UsageError(`--date ${JSON.stringify(value)} is not a date`, { hint: 'write it as YYYY-MM-DD, e.g. --date 2026-08-01' });
  }
  return d;
}

/**
 * Write the new version and move sibling `==` pins with it; returns the files changed. Everything is
 * read and computed first, so a package that cannot be read leaves VERSION untouched.
 */
async function applyVersion(ctx: Context, from: string, to: string): Promise<string[]> {
  const loaded = await ctx.config();
  const vf = await readVersionFile(loaded.root, loaded.config);
  const { discoverPackages } = await import('../config/packages.js');
  const { planPinRewrites } = await import('../version/sync.js');
  const rewrites = await planPinRewrites(await discoverPackages(loaded), from, to, { developmentStatus: loaded.config.development_status });
  await writeVersionFile(ctx.world, vf.file, to, vf);
  for (const r of rewrites) {
    await ctx.world.writeFile(r.file, r.text);
    for (const p of r.changes) ctx.log.info(`${p.file}: ${p.requirement}==${p.from} → ==${p.to}`);
    if (r.classifier) ctx.log.info(`${r.file}: "${r.classifier.from}" → "${r.classifier.to}"`);
  }
  return [vf.file, ...rewrites.map((r) => r.file)];
}

const show: CommandDefinition = {
  usage: 'release version show [--json]',
  description: 'Print the version from the VERSION file, normalised by PEP 440.',
  examples: ['release version show', 'release version show --json   # {"version", "raw", "file", "is_prerelease"}'],
  async run(ctx) {
    const { root, config } = await ctx.config();
    const v = await readVersionFile(root, config);
    return {
      text: v.version,
      json: { version: v.version, raw: v.raw, file: v.file, is_prerelease: v.isPrerelease },
    };
  },
};

const bump: CommandDefinition = {
  usage: 'release version bump major|minor|patch|pre|post|dev|final [--pre a|b|rc] [--date YYYY-MM-DD]',
  positionals: { name: 'PART', max: 1 },
  description:
    'Bump VERSION by the rules of the configured scheme (pep440, calver or semver; see the README for every rule), ' +
    'and move the `==` pins between sibling packages with it. Going backwards is an error.',
  options: {
    pre: { type: 'string', valueName: 'a|b|rc', description: 'start or advance a pre-release phase' },
    date: { type: 'string', valueName: 'YYYY-MM-DD', description: '"today" for the calver scheme' },
  },
  examples: [
    'release version bump minor              # 1.2.3 → 1.3.0',
    'release version bump minor --pre rc     # 1.2.3 → 1.3.0rc1',
    'release version bump pre                # 1.3.0rc1 → 1.3.0rc2',
    'release version bump final              # 1.3.0rc2 → 1.3.0',
    'release version bump post               # 1.3.0 → 1.3.0.post1',
    'release version bump minor --dry-run --json',
  ],
  async run(ctx, args) {
    const { BUMP_PARTS, PRE_PHASES, bumpVersion } = await import('../version/bump.js');
    const part = args.positionals[0];
    if (!part) throw new UsageError('which part to bump?', { hint: `release version bump ${BUMP_PARTS.join('|')}` });
    if (!BUMP_PARTS.includes(part as BumpPart)) {
      throw new UsageError(`unknown part \`${part}\`${suggestion(part, BUMP_PARTS)}`, { hint: `use one of: ${BUMP_PARTS.join(', ')}` });
    }
    const pre = str(args, 'pre');
    if (pre !== undefined && !PRE_PHASES.includes(pre as PrePhase)) {
      throw new UsageError(`--pre ${pre} is not a pre-release phase`, { hint: 'use --pre a, --pre b or --pre rc' });
    }
    const { root, config } = await ctx.config();
    const current = await readVersionFile(root, config);
    const to = bumpVersion(current.version, part as BumpPart, {
      pre: pre as PrePhase | undefined,
      scheme: config.version_scheme,
      date: parseDateFlag(str(args, 'date'), ctx),
    });
    const files = await applyVersion(ctx, current.version, to);
    ctx.log.info(`${ctx.dryRun ? 'would bump' : 'bumped'} ${current.version} → ${to}`);
    return { text: to, json: { from: current.version, to, files, dry_run: ctx.dryRun } };
  },
};

const set: CommandDefinition = {
  usage: 'release version set VERSION',
  positionals: { name: 'VERSION', max: 1 },
  description:
    'Validate a version and write its normalised form to VERSION (keeping the file\'s trailing newline), ' +
    'moving sibling `==` pins with it. Local versions (+abc) are refused: PyPI rejects them.',
  examples: ['release version set 2.0.0rc1', 'release version set 1.2.0-rc.1   # semver scheme: written as 1.2.0rc1'],
  async run(ctx, args) {
    const input = args.positionals[0];
    if (!input) throw new UsageError('which version?', { hint: 'release version set 1.2.0' });
    const { root, config } = await ctx.config();
    const { acceptVersion } = await import('../version/bump.js');
    const to = acceptVersion(input, config.version_scheme);
    let from: string | null = null;
    try {
      from = (await readVersionFile(root, config)).version;
    } catch (err) {
      if (!(err instanceof ConfigError && /not found/.test(err.message))) throw err;
    }
    let files: string[];
    if (from === null) {
      const { versionFilePath } = await import('../version/file.js');
      const file = versionFilePath(root, config);
      await writeVersionFile(ctx.world, file, to);
      files = [file];
    } else {
      files = await applyVersion(ctx, from, to);
    }
    ctx.log.info(`${ctx.dryRun ? 'would set' : 'set'} ${from ?? '(no VERSION)'} → ${to}`);
    return { text: to, json: { from, to, files, dry_run: ctx.dryRun } };
  },
};

const check: CommandDefinition = {
  usage: 'release version check [--json]',
  description:
    'Check that every package named in the config takes its version from the root VERSION file ' +
    '(setuptools file/attr, hatch path, pdm file, a VERSION symlink, or a __version__ that reads VERSION), ' +
    'hard-codes no other version, and pins its siblings to the same version.',
  examples: ['release version check', 'release version check --json'],
  async run(ctx) {
    const loaded = await ctx.config();
    const { discoverPackages, checkVersionSources } = await import('../config/packages.js');
    const vf = await readVersionFile(loaded.root, loaded.config);
    const packages = await discoverPackages(loaded);
    if (packages.length === 0) {
      throw new ConfigError('no packages to check', {
        file: loaded.file ?? loaded.root,
        field: 'packages',
        hint: 'list your Python projects under `packages:` in release.yaml',
      });
    }
    const { sources, problems } = await checkVersionSources(packages, vf.file, vf.version);
    for (const s of sources) ctx.log.info(`${s.ok ? '✓' : '✗'} ${s.package}: ${s.how}`);
    for (const p of problems) ctx.log.error(`${p.file}: ${p.package} ${p.message}\n  hint: ${p.hint}`);
    const summary = problems.length
      ? `${problems.length} problem(s) in ${new Set(problems.map((p) => p.package)).size} of ${packages.length} packages`
      : `all ${packages.length} packages take version ${vf.version} from ${vf.file}`;
    return {
      text: summary,
      json: { version: vf.version, file: vf.file, packages: sources, problems },
      exitCode: problems.length ? ExitCode.config : ExitCode.ok,
    };
  },
};

export const commands: Record<string, CommandDefinition> = { show, bump, set, check };
