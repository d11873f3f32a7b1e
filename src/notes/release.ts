// The notes of one release and the changelog with them in it: the API `release prepare` builds on.
import path from 'node:path';
import type { Context } from '../context.js';
import { readUserFileSync } from '../files.js';
import { insertNotes } from './changelog.js';
import { findTowncrierConfig, type TowncrierConfig } from './config.js';
import { findFragments, groupFragments, type Grouped } from './fragments.js';
import { formatOrFail, renderNotes, type VersionData } from './render.js';

export interface RenderedRelease {
  /** Just the new section, as towncrier would render it. */
  notes: string;
  /** Absolute path. */
  changelogFile: string;
  /** null if the file does not exist yet. */
  changelogBefore: string | null;
  /** Full new content, notes inserted after start_string (towncrier's rules, incl. creating the file). */
  changelogAfter: string;
  /** Absolute paths of fragments to git rm. */
  fragmentFiles: string[];
  source: 'towncrier' | 'conventional-commits';
}

export interface RenderReleaseOptions {
  root: string;
  version: string;
  date: string;
  name?: string;
  configPath?: string;
  consolidate?: boolean;
  /** Only the notes are wanted (`notes draft`): no warning about the changelog. */
  draft?: boolean;
}

function readOrNull(file: string, root: string): string | null {
  return readUserFileSync(file, { kind: 'changelog', root, optional: true });
}

/** Python's str.title(), which towncrier uses to name a project after its package. */
function pyTitle(s: string): string {
  return s.toLowerCase().replace(/(^|[^\p{L}])(\p{L})/gu, (_, a: string, b: string) => a + b.toUpperCase());
}

export function projectName(config: TowncrierConfig, name: string | undefined): string {
  if (name !== undefined) return name;
  if (config.name) return config.name;
  return config.package ? pyTitle(config.package) : '';
}

/** The release config's notes settings, when there is a release config to read. */
async function notesSettings(ctx: Context): Promise<{ config?: string; consolidate_rc?: boolean }> {
  const loaded = await ctx.config();
  return loaded.config.notes ?? {};
}

/**
 * Render the notes for `version` and the changelog with them. Reads only; writes nothing.
 * Throws ConfigError for an unknown fragment type, an empty fragment, a fragment name that does not
 * parse, a template error (file:line), and a changelog that already has this release.
 */
export async function renderRelease(ctx: Context, opts: RenderReleaseOptions): Promise<RenderedRelease> {
  const settings = opts.configPath === undefined || opts.consolidate === undefined ? await notesSettings(ctx) : {};
  return renderReleaseWith(ctx, opts, settings);
}

/** renderRelease with the release config's notes settings already known (`notes draft` skips loading it). */
export async function renderReleaseWith(
  ctx: Context,
  opts: RenderReleaseOptions,
  settings: { config?: string; consolidate_rc?: boolean },
): Promise<RenderedRelease> {
  const config = await findTowncrierConfig(opts.root, opts.configPath ?? settings.config);
  if (!config) {
    const { renderFromCommits } = await import('./conventional.js');
    return renderFromCommits(ctx, opts);
  }
  const found = findFragments(config);
  for (const f of found.skipped) ctx.log.debug(`not a news fragment, skipped as towncrier skips it: ${f}`);
  const grouped = groupFragments(found, config);
  const versiondata: VersionData = { name: projectName(config, opts.name), version: opts.version, date: opts.date };
  const fileName = config.singleFile
    ? config.filename
    : formatOrFail(config.filename, { name: versiondata.name, version: opts.version, project_date: opts.date }, 'filename', config);
  const changelogFile = path.resolve(config.baseDir, fileName);
  const changelogBefore = readOrNull(changelogFile, config.baseDir);
  const consolidate = opts.consolidate ?? settings.consolidate_rc ?? false;
  if (consolidate) {
    const { consolidateRc } = await import('./consolidate.js');
    const tagPrefix = (await ctx.config()).config.git?.tag_prefix ?? 'v';
    return consolidateRc(ctx, { config, found, grouped, versiondata, changelogFile, changelogBefore, root: opts.root, tagPrefix });
  }
  const { content, topLine } = renderNotes(grouped, config, versiondata);
  const changelogAfter = insertNotes(changelogBefore, content, {
    file: changelogFile,
    startString: config.startString,
    topLine,
    singleFile: config.singleFile,
    onNoStartString: () => opts.draft || ctx.log.warn(`${changelogFile} has no ${JSON.stringify(config.startString)}; the notes go on top, as towncrier puts them`),
  });
  return { notes: content, changelogFile, changelogBefore, changelogAfter, fragmentFiles: found.files, source: 'towncrier' };
}

export type { Grouped, TowncrierConfig };
