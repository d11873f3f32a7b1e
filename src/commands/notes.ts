// release notes draft | check | create
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { Context } from '../context.js';
import { ConfigError, UsageError, suggestion } from '../errors.js';
import { plainNameProblem, readUserFileSync } from '../files.js';
import { str, type CommandDefinition } from './types.js';

/** `--date`, or today in local time as towncrier's date.today(). */
function dateFlag(ctx: Context, value: string | undefined): string {
  if (value !== undefined) return value;
  const d = ctx.now();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/**
 * The release config, unless the current directory is a plain towncrier project: loading the release
 * config costs start-up time, and towncrier itself only looks in the current directory.
 */
async function configUnlessPlainTowncrier(ctx: Context): Promise<LoadedConfig | null> {
  const read = (f: string) => readUserFileSync(path.join(ctx.cwd, f), { kind: 'pyproject', root: ctx.cwd, optional: true }) ?? '';
  const pyproject = read('pyproject.toml');
  const hasRelease = existsSync(path.join(ctx.cwd, 'release.yaml')) || existsSync(path.join(ctx.cwd, 'release.yml')) || /^\s*\[tool\.wheelwright[\].]/m.test(pyproject);
  const hasTowncrier = existsSync(path.join(ctx.cwd, 'towncrier.toml')) || /^\s*\[tool\.towncrier[\].]/m.test(pyproject);
  return hasTowncrier && !hasRelease ? null : ctx.config();
}

/** `--version`, else towncrier's `version` key (as towncrier), else the VERSION file. */
async function versionFlag(ctx: Context, value: string | undefined, root: string, configPath: string | undefined): Promise<string> {
  if (value !== undefined) return value;
  const { findTowncrierConfig } = await import('../notes/config.js');
  const fromTowncrier = (await findTowncrierConfig(root, configPath))?.version;
  if (fromTowncrier) return fromTowncrier;
  const loaded = await ctx.config();
  const { versionFilePath, readVersionFile } = await import('../version/file.js');
  if (!existsSync(versionFilePath(loaded.root, loaded.config))) {
    throw new UsageError('no --version given and no VERSION file', { hint: 'pass --version X.Y.Z' });
  }
  return (await readVersionFile(loaded.root, loaded.config)).version;
}

const draft: CommandDefinition = {
  usage: 'release notes draft [--version V] [--date YYYY-MM-DD] [--name N] [--config PATH]',
  description:
    'Print the release notes for the next release, byte for byte as `towncrier build --draft` would, from the ' +
    'news fragments (or, without a towncrier config, from conventional commits since the previous tag). Writes nothing.',
  options: {
    version: { type: 'string', valueName: 'V', description: 'the version in the title (default: towncrier `version`, else the VERSION file)' },
    date: { type: 'string', valueName: 'D', description: 'the date in the title (default: today)' },
    name: { type: 'string', valueName: 'N', description: 'the project name in the title (default: towncrier `name`)' },
    config: { type: 'string', valueName: 'PATH', description: 'the towncrier config (default: towncrier.toml, then pyproject.toml)' },
  },
  examples: ['release notes draft --version 1.4.0 --date 2026-09-01', 'release notes draft --json   # {"version", "date", "notes", "source", "fragments"}'],
  async run(ctx, args) {
    const loaded = await configUnlessPlainTowncrier(ctx);
    const root = loaded?.root ?? ctx.cwd;
    const configPath = str(args, 'config') ?? loaded?.config.notes?.config;
    const version = await versionFlag(ctx, str(args, 'version'), root, configPath);
    const date = dateFlag(ctx, str(args, 'date'));
    const { renderReleaseWith } = await import('../notes/release.js');
    const r = await renderReleaseWith(
      ctx,
      { root, version, date, name: str(args, 'name'), configPath, consolidate: false, draft: true },
      {},
    );
    return {
      text: `${r.notes}\n`,
      json: { version, date, notes: r.notes, source: r.source, changelog: r.changelogFile, fragments: r.fragmentFiles },
    };
  },
};

const check: CommandDefinition = {
  usage: 'release notes check [--base REF] [--config PATH]',
  description:
    'Fail a change that touches code but adds no news fragment, naming the fragment types allowed. Passes a ' +
    'release-preparation change (one that writes the changelog or VERSION and removes fragments, or a `release/*` ' +
    'branch), and a change that touches only docs. Every fragment in the tree must be valid.',
  options: {
    base: { type: 'string', valueName: 'REF', description: 'compare with REF (default: the pull request base, else origin/<release branch>)' },
    config: { type: 'string', valueName: 'PATH', description: 'the towncrier config' },
  },
  examples: ['release notes check --base origin/main'],
  async run(ctx, args) {
    const loaded = await ctx.config();
    const { findTowncrierConfig } = await import('../notes/config.js');
    const { findFragments } = await import('../notes/fragments.js');
    const { checkFragments, defaultBase } = await import('../notes/check.js');
    const { versionFilePath } = await import('../version/file.js');
    const config = await findTowncrierConfig(loaded.root, str(args, 'config') ?? loaded.config.notes?.config);
    if (config) findFragments(config); // every fragment must parse, whatever the diff
    const base = str(args, 'base') ?? (config ? await defaultBase(ctx, loaded.root, loaded.config.git?.release_branch ?? 'main') : 'HEAD');
    const r = await checkFragments(ctx, {
      root: loaded.root,
      base,
      config,
      versionFile: versionFilePath(loaded.root, loaded.config),
      codePaths: loaded.config.notes?.code_paths ?? [],
      required: loaded.config.notes?.require_fragments ?? true,
    });
    if (r.ok) ctx.log.info(`notes check: ok: ${r.message}`);
    else {
      ctx.log.error(r.message);
      ctx.log.info(`  hint: add one, e.g. \`release notes create 123.${r.types[0] ?? 'feature'} -m "What changed, for users."\``);
      const { actions } = await import('../log.js');
      actions.annotate('error', r.message, { title: 'news fragment missing' });
    }
    return { json: r, exitCode: r.ok ? 0 : 1 };
  },
};

const create: CommandDefinition = {
  usage: 'release notes create <issue>.<type> [-m TEXT] [--section NAME] [--config PATH]',
  positionals: { name: 'fragment name', max: 1 },
  description:
    'Write a news fragment. `<issue>` is the issue number (or `+` for a change without an issue); the type must be ' +
    'one of the configured types. Adds the changelog\'s suffix (.md or .rst) when the name has none.',
  options: {
    message: { type: 'string', short: 'm', valueName: 'TEXT', description: 'the text of the fragment' },
    section: { type: 'string', valueName: 'NAME', description: 'the section (with several [[tool.towncrier.section]])' },
    config: { type: 'string', valueName: 'PATH', description: 'the towncrier config' },
  },
  examples: ['release notes create 123.feature -m "Wheels for musllinux aarch64."', 'release notes create +.misc'],
  async run(ctx, args) {
    const [name, ...extra] = args.positionals;
    if (!name || extra.length) throw new UsageError('give exactly one fragment name, e.g. `123.feature`', { hint: 'release notes create <issue>.<type> -m "text"' });
    const bad = plainNameProblem(name);
    if (bad) throw new ConfigError(`the fragment name ${bad}`, { field: 'name', hint: 'give a plain file name such as `123.feature`; the fragment is written into the configured directory' });
    const loaded = await ctx.config();
    const { findTowncrierConfig } = await import('../notes/config.js');
    const { parseFragmentName, sectionDirs } = await import('../notes/fragments.js');
    const config = await findTowncrierConfig(loaded.root, str(args, 'config') ?? loaded.config.notes?.config);
    if (!config) throw new ConfigError('no towncrier config (towncrier.toml or [tool.towncrier] in pyproject.toml)', { file: loaded.root, hint: 'add a towncrier.toml; without it notes come from conventional commits' });
    const types = [...config.types.keys()];
    let base = name.startsWith(config.orphanPrefix || '+') && name.split('.')[0] === (config.orphanPrefix || '+') ? `${config.orphanPrefix || '+'}${Math.random().toString(16).slice(2, 10)}${name.slice((config.orphanPrefix || '+').length)}` : name;
    const parsed = parseFragmentName(base, config.types);
    if (!parsed) {
      const t = base.split('.')[1] ?? '';
      throw new ConfigError(`unknown fragment type \`${t}\`${suggestion(t, types)}`, { field: 'type', hint: `name it <issue>.<type>; types: ${types.join(', ')}` });
    }
    const suffix = path.extname(config.filename);
    if ((suffix === '.md' || suffix === '.rst') && !/\.(md|rst)$/.test(base)) base += suffix;
    const sections = sectionDirs(config);
    const wanted = str(args, 'section') ?? '';
    const dir = sections.find(([n]) => n === wanted)?.[1];
    if (dir === undefined) throw new UsageError(`no section named ${JSON.stringify(wanted)}`, { hint: `sections: ${sections.map(([n]) => JSON.stringify(n)).join(', ')}` });
    const text = str(args, 'message') ?? '';
    if (!text.trim() && config.types.get(parsed.type)!.showcontent) {
      throw new UsageError(`fragments of type ${parsed.type} need text`, { hint: 'pass -m "What changed, for users."' });
    }
    const file = path.join(dir, base);
    if (existsSync(file)) throw new ConfigError('the fragment exists already', { file, hint: `add a counter: ${parsed.ticket}.${parsed.type}.1` });
    await ctx.world.writeFile(file, text.trim() ? `${text.trim()}\n` : '');
    ctx.log.info(`${ctx.dryRun ? 'would write' : 'wrote'} ${path.relative(ctx.cwd, file) || file}`);
    return { text: file, json: { file, issue: parsed.ticket, type: parsed.type } };
  },
};

export const commands: Record<string, CommandDefinition> = { draft, check, create };
