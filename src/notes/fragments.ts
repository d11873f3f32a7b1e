// News fragments: found, named, read and grouped exactly as towncrier 26.9 does it (directory
// order, orphan counters, same text merged), plus the errors towncrier leaves silent.
import { existsSync, opendirSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { userDirReader } from '../files.js';
import type { TowncrierConfig } from './config.js';
import { pyCompare, pyIntString, pyIsBlank, pyRstrip, pySplitlinesKeepends, pyStrip } from './pystr.js';

export interface ParsedName {
  ticket: string;
  type: string;
  counter: number;
}

/**
 * towncrier 26.9's parse_newfragment_basename: the last part (from the second on) that is a type names
 * it; everything before it is the issue (`fix-1.2.3.feature` is issue `fix-1.2.3`), digits lose leading
 * zeros; the part after it is the counter when it is all digits.
 */
export function parseFragmentName(basename: string, types: { has(t: string): boolean }): ParsedName | null {
  const parts = basename.split('.');
  for (let i = parts.length - 1; i >= 1; i--) {
    if (!types.has(parts[i]!)) continue;
    let ticket = pyStrip(parts.slice(0, i).join('.'));
    if (/^\d+$/.test(ticket)) ticket = pyIntString(ticket) ?? ticket;
    const next = parts[i + 1];
    const counter = next !== undefined && /^\d+$/.test(next) ? Number(next) : 0;
    return { ticket, type: parts[i]!, counter };
  }
  return null;
}

/** Section name → type → (ticket, counter) key → text, in the order towncrier builds it. */
export type SectionFragments = Map<string, Map<string, string>>;
export interface FoundFragments {
  /** Section name → ordered list of fragments. */
  sections: Array<[string, FragmentFile[]]>;
  /** Absolute paths of every fragment (what `release prepare` removes). */
  files: string[];
  /** Files in a fragment directory that are not fragments (towncrier skips them; `--verbose` lists them). */
  skipped: string[];
}

export interface FragmentFile {
  file: string;
  ticket: string;
  type: string;
  counter: number;
  content: string;
}

/** The directory fragments of each section live in. */
export function sectionDirs(config: TowncrierConfig): Array<[string, string]> {
  if (config.directory !== null) {
    const base = path.resolve(config.baseDir, config.directory);
    return config.sections.map(([name, p]) => [name, path.join(base, p)]);
  }
  const base = path.resolve(config.baseDir, config.packageDir, config.package);
  return config.sections.map(([name, p]) => [name, path.join(base, p, 'newsfragments')]);
}

/** Names in a directory in the order the OS lists them (as Python's os.listdir; Node's readdir sorts). */
function listInDirectoryOrder(dir: string): Dirent[] {
  const handle = opendirSync(dir, { bufferSize: 1024 });
  const out: Dirent[] = [];
  try {
    for (let d = handle.readSync(); d; d = handle.readSync()) out.push(d);
  } finally {
    handle.closeSync();
  }
  return out;
}

const NAME_FORMAT = '`<issue>.<type>[.<counter>][.md|.rst]`, e.g. `123.feature.md`, or `+anything.<type>` for a change without an issue';

/** Python's fnmatch.translate, for towncrier's `ignore` patterns (matched on lower-cased names). */
export function fnmatchRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      let j = i + 1;
      if (pattern[j] === '!') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j++;
      if (j >= pattern.length) re += '\\[';
      else {
        let body = pattern.slice(i + 1, j).replace(/\\/g, '\\\\');
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        else if (body.startsWith('^')) body = `\\${body}`;
        re += `[${body}]`;
        i = j;
      }
    } else re += c.replace(/[.+^${}()|\\\]\\-]/g, '\\$&');
  }
  return new RegExp(`^(?:${re})$`, 's');
}

/** The names towncrier 26.9 never reads as fragments: its fixed list, the template's name and `ignore`. */
function ignoredNames(config: TowncrierConfig): RegExp[] {
  const names = ['.gitignore', '.gitkeep', '.keep', 'readme', 'readme.md', 'readme.rst'];
  if (!config.templateBuiltin) names.push(path.basename(config.template));
  for (const n of config.ignore ?? []) names.push(n.toLowerCase());
  return names.map(fnmatchRegExp);
}

/**
 * Every fragment of every section, as towncrier 26.9 finds them. A missing directory is no fragments.
 * Names that do not parse are skipped (listed in `skipped`), or, when `ignore` is set, an error
 * (towncrier's strict mode). Two files for the same issue, type and counter are an error naming both
 * (towncrier crashes), as is an issue that does not match `issue_pattern`.
 */
export function findFragments(config: TowncrierConfig): FoundFragments {
  const sections: Array<[string, FragmentFile[]]> = [];
  const files: string[] = [];
  const skipped: string[] = [];
  const ignored = ignoredNames(config);
  const issuePattern = config.issuePattern ? new RegExp(`^(?:${config.issuePattern})$`, 'u') : null;
  for (const [name, dir] of sectionDirs(config)) {
    const list: FragmentFile[] = [];
    sections.push([name, list]);
    if (!existsSync(dir)) continue;
    const read = userDirReader(dir, { kind: 'fragment', root: config.baseDir });
    const orphanCounter = new Map<string, number>();
    const seen = new Map<string, string>();
    for (const entry of listInDirectoryOrder(dir)) {
      const base = entry.name;
      const lower = base.toLowerCase();
      if (ignored.some((re) => re.test(lower))) continue;
      const file = `${dir}${path.sep}${base}`;
      const parsed = parseFragmentName(base, config.types);
      if (!parsed) {
        if (config.ignore !== null) {
          throw new ConfigError('is not a news fragment: its name has no fragment type', {
            file,
            hint: `name fragments ${NAME_FORMAT} (types: ${[...config.types.keys()].join(', ')}), or add the name to \`ignore\` in ${path.basename(config.file)}`,
          });
        }
        skipped.push(file);
        continue;
      }
      if (entry.isDirectory()) {
        skipped.push(file);
        continue;
      }
      let { ticket, counter } = parsed;
      if (config.orphanPrefix && ticket.startsWith(config.orphanPrefix)) {
        ticket = '';
        counter = orphanCounter.get(parsed.type) ?? 0;
        orphanCounter.set(parsed.type, counter + 1);
      }
      if (issuePattern && ticket && !issuePattern.test(ticket)) {
        throw new ConfigError(`issue name '${ticket}' does not match the configured pattern, '${config.issuePattern}'`, {
          file,
          hint: 'rename the fragment, or change `issue_pattern`',
        });
      }
      const key = `${ticket}\0${parsed.type}\0${counter}`;
      const clash = seen.get(key);
      if (clash) {
        throw new ConfigError(`two fragments for issue ${ticket} of type ${parsed.type}: ${path.basename(clash)} and ${base}`, {
          file,
          hint: `merge them, or number them: ${ticket}.${parsed.type}.1, ${ticket}.${parsed.type}.2`,
        });
      }
      seen.set(key, file);
      files.push(file);
      // read_text: universal newlines (the safe reader refuses what is not UTF-8).
      list.push({ file, ticket, type: parsed.type, counter, content: read(entry).replace(/\r\n?/g, '\n') });
    }
  }
  return { sections, files, skipped };
}

/** textwrap-free indent: prefix every non-blank line (as towncrier's _builder.indent). */
function indent(text: string, prefix: string): string {
  let out = '';
  for (const line of pySplitlinesKeepends(text)) out += pyIsBlank(line) ? line : prefix + line;
  return out;
}

/** Section → type → text → tickets: same text of one type merged, as towncrier's split_fragments. */
export type Grouped = Map<string, Map<string, Map<string, string[]>>>;

export function groupFragments(found: FoundFragments, config: TowncrierConfig): Grouped {
  const out: Grouped = new Map();
  for (const [name, list] of found.sections) {
    const section = new Map<string, Map<string, string[]>>();
    for (const f of list) addEntry(section, f.type, fragmentText(f.content, f.type, config, f.ticket), f.ticket);
    sortTickets(section);
    out.set(name, section);
  }
  return out;
}

/** The text of a fragment; a type that hides its content keeps the text of an orphan only (as towncrier). */
export function fragmentText(content: string, type: string, config: TowncrierConfig, ticket: string): string {
  if (config.types.get(type)?.showcontent === false && ticket) return '';
  return config.allBullets ? indent(pyStrip(content), '  ').slice(2) : pyRstrip(content);
}

/** The tickets of each text in string order, as towncrier's split_fragments leaves them. */
export function sortTickets(section: Map<string, Map<string, string[]>>): void {
  for (const texts of section.values()) for (const tickets of texts.values()) if (tickets.length > 1) tickets.sort(pyCompare);
}

export function addEntry(section: Map<string, Map<string, string[]>>, type: string, text: string, ticket: string): void {
  let texts = section.get(type);
  if (!texts) section.set(type, (texts = new Map()));
  let tickets = texts.get(text);
  if (!tickets) texts.set(text, (tickets = []));
  // towncrier sorts the list after every append; sorting once when it is read gives the same order.
  if (ticket) tickets.push(ticket);
}
