// --consolidate: a final X.Y.Z after X.Y.Zrc1..rcN gets one section holding every change of the cycle.
// The rc sections are removed from the changelog, and their fragments (which `release prepare` git-rm'd
// in each rc's release commit) are read back from git and rendered together with the new ones, so the
// final section is exactly what towncrier would have written had there been no rcs.
import path from 'node:path';
import type { Context } from '../context.js';
import { ConfigError } from '../errors.js';
import { compareVersions, parseVersion, toParts } from '../version/pep440.js';
import { insertNotes } from './changelog.js';
import type { TowncrierConfig } from './config.js';
import { fragmentText, addEntry, parseFragmentName, sectionDirs, sortTickets, type FoundFragments, type Grouped } from './fragments.js';
import { pyRstrip } from './pystr.js';
import { formatOrFail, renderNotes, type VersionData } from './render.js';
import type { RenderedRelease } from './release.js';

export interface ConsolidateArgs {
  config: TowncrierConfig;
  found: FoundFragments;
  grouped: Grouped;
  versiondata: VersionData;
  changelogFile: string;
  changelogBefore: string | null;
  root: string;
  tagPrefix: string;
}

const PLACEHOLDER = '\u0000VERSION\u0000';
const DATE = '\u0000DATE\u0000';

/** A regex for the title line of any release, learnt by rendering one with placeholders. */
export function titlePattern(config: TowncrierConfig, name: string): RegExp | null {
  const data = { name, version: PLACEHOLDER, date: DATE };
  let line: string | undefined;
  if (config.titleFormat) line = formatOrFail(config.titleFormat, { name, version: PLACEHOLDER, project_date: DATE }, 'title_format', config);
  else if (config.titleFormat === null) line = renderNotes(new Map(), config, data).content.split('\n').find((l) => l.includes(PLACEHOLDER));
  if (!line || !line.includes(PLACEHOLDER)) return null;
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const src = esc(pyRstrip(line)).replace(esc(PLACEHOLDER), '(?<version>\\S+?)').replace(esc(DATE), '.*?');
  return new RegExp(`^${src}\\s*$`);
}

interface Block {
  version: string;
  start: number;
  end: number;
}

/** The release sections of a changelog body: from a title line to the next one. */
function releaseBlocks(text: string, pattern: RegExp): Block[] {
  const blocks: Block[] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    const m = pattern.exec(line);
    // Only a PEP 440 version makes a title: a bullet can look like "text (#12)".
    if (m?.groups?.version && parseVersion(m.groups.version)) {
      if (blocks.length) blocks[blocks.length - 1]!.end = offset;
      blocks.push({ version: m.groups.version, start: offset, end: text.length });
    }
    offset += line.length + 1;
  }
  return blocks;
}

/** Is `v` a pre-release (a, b or rc) of the final release `final`? */
function isPreOf(v: string, final: string): boolean {
  const a = parseVersion(v);
  const b = parseVersion(final);
  if (!a || !b) return false;
  const pa = toParts(a);
  const pb = toParts(b);
  return pa.pre !== null && pa.post === null && pa.epoch === pb.epoch && pa.release.join('.') === pb.release.join('.');
}

async function git(ctx: Context, root: string, args: string[], input?: string): Promise<string> {
  const r = await ctx.exec('git', args, { cwd: root, input, reject: false });
  if (r.exitCode !== 0) throw new ConfigError(`cannot consolidate: git ${args[0]} failed: ${r.stderr.trim().split('\n').pop()}`, { file: root, hint: 'run without --consolidate' });
  return r.stdout;
}

/** The last final release tagged before `final` and reachable from HEAD, or null. */
async function previousFinalTag(ctx: Context, root: string, prefix: string, final: string): Promise<string | null> {
  const tags = (await git(ctx, root, ['tag', '--merged', 'HEAD', '--list', `${prefix}*`])).split('\n').filter(Boolean);
  let best: { tag: string; v: string } | null = null;
  for (const tag of tags) {
    const v = tag.slice(prefix.length);
    const p = parseVersion(v);
    if (!p || toParts(p).pre !== null || toParts(p).dev !== null || compareVersions(v, final) >= 0) continue;
    if (!best || compareVersions(v, best.v) > 0) best = { tag, v };
  }
  return best?.tag ?? null;
}

interface Recovered {
  dir: string;
  name: string;
  content: string;
}

/** Fragments removed by release commits (those that also write the changelog) since `since`. */
async function removedFragments(ctx: Context, args: ConsolidateArgs, since: string | null): Promise<Recovered[]> {
  const { root, config } = args;
  const rel = (p: string) => path.relative(root, p).split(path.sep).join('/');
  const dirs = sectionDirs(config).map(([, d]) => rel(d));
  const changelog = rel(args.changelogFile);
  const range = since ? [`${since}..HEAD`] : ['HEAD'];
  const log = await git(ctx, root, ['log', '--format=%x01%H', '--name-status', '--no-renames', '--reverse', ...range, '--', changelog, ...dirs.map((d) => d || '.')]);
  const wanted: Array<{ spec: string; dir: string; name: string }> = [];
  for (const chunk of log.split('\x01').filter(Boolean)) {
    const [hash, ...lines] = chunk.split('\n').filter(Boolean);
    const changes = lines.map((l) => l.split('\t') as [string, string]);
    if (!changes.some(([s, f]) => f === changelog && s !== 'D')) continue;
    for (const [status, file] of changes) {
      const dir = dirs.find((d) => (d === '' ? !file.includes('/') : file.startsWith(`${d}/`) && !file.slice(d.length + 1).includes('/')));
      if (status === 'D' && dir !== undefined && file !== changelog) wanted.push({ spec: `${hash}^:${file}`, dir, name: path.posix.basename(file) });
    }
  }
  if (!wanted.length) return [];
  const out = await git(ctx, root, ['cat-file', '--batch'], `${wanted.map((w) => w.spec).join('\n')}\n`);
  // Sizes in the batch headers are bytes: parse the bytes (blobs of fragments are UTF-8 text).
  const buf = Buffer.from(out, 'utf8');
  const recovered: Recovered[] = [];
  let at = 0;
  for (const w of wanted) {
    const nl = buf.indexOf(0x0a, at);
    if (nl < 0) break;
    const header = buf.subarray(at, nl).toString('utf8').split(' ');
    if (header[1] === 'missing' || header.length < 3) {
      at = nl + 1;
      continue;
    }
    const size = Number(header[2]);
    recovered.push({ dir: w.dir, name: w.name, content: buf.subarray(nl + 1, nl + 1 + size).toString('utf8') });
    at = nl + 1 + size + 1;
  }
  return recovered;
}

/** Add the recovered rc fragments to the grouping, section by section, rc ones first. */
function mergeRecovered(args: ConsolidateArgs, recovered: Recovered[]): Grouped {
  const { config, root } = args;
  const merged: Grouped = new Map();
  const dirs = sectionDirs(config).map(([name, d]) => [name, path.relative(root, d).split(path.sep).join('/')] as const);
  for (const [name] of dirs) merged.set(name, new Map());
  for (const r of recovered) {
    const parsed = parseFragmentName(r.name, config.types);
    const section = dirs.find(([, d]) => d === r.dir)?.[0];
    if (!parsed || section === undefined) continue;
    const ticket = config.orphanPrefix && parsed.ticket.startsWith(config.orphanPrefix) ? '' : parsed.ticket;
    addEntry(merged.get(section)!, parsed.type, fragmentText(r.content, parsed.type, config, ticket), ticket);
  }
  for (const [name, list] of args.found.sections) {
    for (const f of list) addEntry(merged.get(name)!, f.type, fragmentText(f.content, f.type, config, f.ticket), f.ticket);
  }
  for (const section of merged.values()) sortTickets(section);
  return merged;
}

export async function consolidateRc(ctx: Context, args: ConsolidateArgs): Promise<RenderedRelease> {
  const { config, versiondata, changelogFile, changelogBefore } = args;
  const final = versiondata.version;
  const parsed = parseVersion(final);
  let grouped = args.grouped;
  let before = changelogBefore;
  const pattern = titlePattern(config, versiondata.name);
  if (parsed && toParts(parsed).pre === null && pattern && before !== null && config.singleFile) {
    const text = before.replace(/\r\n?/g, '\n');
    const at = text.indexOf(config.startString);
    const bodyStart = at >= 0 ? at + config.startString.length : 0;
    const blocks = releaseBlocks(text.slice(bodyStart), pattern).filter((b) => isPreOf(b.version, final));
    if (blocks.length) {
      const since = await previousFinalTag(ctx, args.root, args.tagPrefix, final);
      const recovered = await removedFragments(ctx, args, since);
      if (!recovered.length) {
        throw new ConfigError(`cannot consolidate ${blocks.map((b) => b.version).join(', ')} into ${final}: their fragments are not in the git history since ${since ?? 'the first commit'}`, {
          file: changelogFile,
          hint: 'release without --consolidate (the rc sections stay), or merge them by hand',
        });
      }
      grouped = mergeRecovered(args, recovered);
      let body = text.slice(bodyStart);
      for (const b of [...blocks].reverse()) body = body.slice(0, b.start) + body.slice(b.end);
      before = text.slice(0, bodyStart) + body;
      ctx.log.info(`consolidating ${blocks.map((b) => b.version).join(', ')} into ${final} (${recovered.length} fragment(s) from git)`);
    }
  }
  const { content, topLine } = renderNotes(grouped, config, versiondata);
  const changelogAfter = insertNotes(before, content, { file: changelogFile, startString: config.startString, topLine, singleFile: config.singleFile });
  return { notes: content, changelogFile, changelogBefore, changelogAfter, fragmentFiles: args.found.files, source: 'towncrier' };
}
