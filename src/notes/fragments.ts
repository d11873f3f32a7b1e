// News fragments: found, named, read and grouped exactly as towncrier 22.12 does it (directory
// order, orphan counters, same text merged), plus the errors towncrier leaves silent.
import { existsSync, opendirSync, readFileSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { ConfigError, suggestion } from '../errors.js';
import type { TowncrierConfig } from './config.js';
import { pyIntString, pyIsBlank, pyRstrip, pySplitlinesKeepends, pyStrip } from './pystr.js';

export interface ParsedName {
  ticket: string;
  type: string;
  counter: number;
}

/** `<issue>.<type>[.<counter>][.anything]`: the first part after the first that is a type names it. */
export function parseFragmentName(basename: string, types: { has(t: string): boolean }): ParsedName | null {
  const parts = basename.split('.');
  if (parts.length === 1) return null;
  if (parts.length === 2) {
    const [ticket, type] = parts as [string, string];
    return types.has(type) ? { ticket: pyIntString(ticket) ?? ticket, type, counter: 0 } : null;
  }
  for (let i = 1; i < parts.length; i++) {
    if (!types.has(parts[i]!)) continue;
    const ticket = pyIntString(parts[i - 1]!) ?? parts[i - 1]!;
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

/** Files that live beside fragments and are not fragments. */
function isBystander(name: string, dir: string, config: TowncrierConfig): boolean {
  if (name.charCodeAt(0) === 0x2e) return true;
  if (/^readme(\.|$)/i.test(name) || /\.(jinja2?|j2)$/i.test(name)) return true;
  return name === path.basename(config.template) && path.join(dir, name) === config.template;
}

const NAME_FORMAT = '`<issue>.<type>[.<counter>][.md|.rst]`, e.g. `123.feature.md`, or `+anything.<type>` for a change without an issue';

function nameError(name: string, dir: string, config: TowncrierConfig): ConfigError {
  const file = path.join(dir, name);
  const types = [...config.types.keys()];
  const parts = name.split('.');
  if (parts.length >= 2 && parts[1]) {
    return new ConfigError(`unknown fragment type \`${parts[1]}\`${suggestion(parts[1], types)}`, {
      file,
      hint: `rename it to one of the types in ${path.basename(config.file)}: ${types.join(', ')}`,
    });
  }
  return new ConfigError(`the fragment file name does not parse`, { file, hint: `name fragments ${NAME_FORMAT}; types: ${types.join(', ')}` });
}

/**
 * Every fragment of every section. A missing directory is no fragments (towncrier 22.12 fails there;
 * towncrier#538). Unknown types, names that do not parse, empty fragments of types that show
 * content, and two files for the same issue and type are errors naming the file.
 */
export function findFragments(config: TowncrierConfig): FoundFragments {
  const sections: Array<[string, FragmentFile[]]> = [];
  const files: string[] = [];
  for (const [name, dir] of sectionDirs(config)) {
    const list: FragmentFile[] = [];
    sections.push([name, list]);
    if (!existsSync(dir)) continue;
    const orphanCounter = new Map<string, number>();
    const seen = new Map<string, string>();
    for (const entry of listInDirectoryOrder(dir)) {
      const base = entry.name;
      if (entry.isDirectory() || isBystander(base, dir, config)) continue;
      const parsed = parseFragmentName(base, config.types);
      if (!parsed) throw nameError(base, dir, config);
      let { ticket, counter } = parsed;
      if (config.orphanPrefix && ticket.startsWith(config.orphanPrefix)) {
        ticket = '';
        counter = orphanCounter.get(parsed.type) ?? 0;
        orphanCounter.set(parsed.type, counter + 1);
      }
      const file = `${dir}${path.sep}${base}`;
      const key = `${ticket}\0${parsed.type}\0${counter}`;
      const clash = seen.get(key);
      if (clash) {
        throw new ConfigError(`two fragments for issue ${ticket} of type ${parsed.type}: ${path.basename(clash)} and ${base}`, {
          file,
          hint: `merge them, or number them: ${ticket}.${parsed.type}.1, ${ticket}.${parsed.type}.2`,
        });
      }
      seen.set(key, file);
      const content = readFileSync(file, 'utf8');
      if (config.types.get(parsed.type)!.showcontent && pyIsBlank(content)) {
        throw new ConfigError('the fragment is empty', { file, hint: `write one sentence describing the change (type ${parsed.type} shows its text)` });
      }
      files.push(file);
      list.push({ file, ticket, type: parsed.type, counter, content });
    }
  }
  return { sections, files };
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
    for (const f of list) addEntry(section, f.type, fragmentText(f.content, f.type, config), f.ticket);
    out.set(name, section);
  }
  return out;
}

export function fragmentText(content: string, type: string, config: TowncrierConfig): string {
  if (config.types.get(type)?.showcontent === false) return '';
  return config.allBullets ? indent(pyStrip(content), '  ').slice(2) : pyRstrip(content);
}

export function addEntry(section: Map<string, Map<string, string[]>>, type: string, text: string, ticket: string): void {
  let texts = section.get(type);
  if (!texts) section.set(type, (texts = new Map()));
  let tickets = texts.get(text);
  if (!tickets) texts.set(text, (tickets = []));
  if (ticket) tickets.push(ticket);
}
