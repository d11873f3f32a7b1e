// towncrier's configuration: where it is looked for, and the default of every key, as towncrier 26.9 has them.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, suggestion } from '../errors.js';
import { entryExists, readUserFileSync } from '../files.js';
import { pyCompare } from './pystr.js';

export interface FragmentType {
  name: string;
  showcontent: boolean;
  /** Whether `towncrier check` counts a fragment of this type (26.9's `check` key). */
  check: boolean;
}

export interface TowncrierConfig {
  /** The file the config came from (absolute). */
  file: string;
  /** The directory towncrier works from: the config file's directory. */
  baseDir: string;
  package: string;
  packageDir: string;
  singleFile: boolean;
  filename: string;
  directory: string | null;
  version: string | null;
  name: string;
  /** Section name → path, in the order written. The single unnamed section is `['', '']`. */
  sections: Array<[string, string]>;
  /** Type directory → definition, in towncrier's order. */
  types: Map<string, FragmentType>;
  /** Absolute path of the Jinja template. */
  template: string;
  /** A packaged template (`towncrier:NAME`): its name is not kept out of the fragments directory. */
  templateBuiltin: boolean;
  startString: string;
  /** A format string; `false` means no title at all; null means the template renders it. */
  titleFormat: string | false | null;
  issueFormat: string | null;
  underlines: string[];
  /** false, true (79 columns) or a width (26.9; 0 or less means 79). */
  wrap: boolean | number;
  allBullets: boolean;
  orphanPrefix: string;
  createEofNewline: boolean;
  createAddExtension: boolean;
  /** fnmatch patterns of files in the fragments directory that are not fragments; null when unset. */
  ignore: string[] | null;
  /** A regular expression every issue name must match in full; "" for none. */
  issuePattern: string;
}

export const DEFAULT_TYPES: ReadonlyArray<[string, FragmentType]> = [
  ['feature', { name: 'Features', showcontent: true, check: true }],
  ['bugfix', { name: 'Bugfixes', showcontent: true, check: true }],
  ['doc', { name: 'Improved Documentation', showcontent: true, check: true }],
  ['removal', { name: 'Deprecations and Removals', showcontent: true, check: true }],
  ['misc', { name: 'Misc', showcontent: false, check: true }],
];

const KNOWN_KEYS = [
  'package', 'package_dir', 'single_file', 'filename', 'directory', 'version', 'name', 'section', 'type', 'fragment',
  'template', 'start_string', 'title_format', 'issue_format', 'underlines', 'wrap', 'all_bullets', 'orphan_prefix',
  'issue_pattern', 'create_eof_newline', 'create_add_extension', 'ignore',
];

/** The packaged templates (`towncrier:NAME`), shipped next to this module's source. */
export function builtinTemplateDir(): string {
  const here = import.meta.dirname;
  const beside = path.join(here, 'templates');
  if (existsSync(path.join(beside, 'default.rst'))) return beside;
  // Compiled to dist-js/notes/: the templates stay in src/notes/templates (package.json `files`).
  return path.resolve(here, '../../src/notes/templates');
}

/**
 * The towncrier config for `root`: `configPath` if given, else towncrier.toml, else pyproject.toml
 * with a [tool.towncrier] table. Null when there is none (the caller falls back to commits).
 */
export async function findTowncrierConfig(root: string, configPath?: string): Promise<TowncrierConfig | null> {
  if (configPath) {
    const file = path.resolve(root, configPath);
    if (!entryExists(file)) {
      throw new ConfigError('the towncrier config file does not exist', { file, hint: 'pass an existing file with --config, or set notes.config in the release config' });
    }
    const table = await readTowncrierTable(file);
    if (!table) throw new ConfigError('has no [tool.towncrier] table', { file, hint: 'add a [tool.towncrier] table with at least `directory` and `filename`' });
    return parseTowncrierTable(table, file, path.dirname(file));
  }
  for (const name of ['towncrier.toml', 'pyproject.toml']) {
    const file = path.join(root, name);
    if (!entryExists(file)) continue;
    const table = await readTowncrierTable(file);
    if (table) {
      const config = parseTowncrierTable(table, file, root);
      // towncrier 26.9 falls back to [project] name of pyproject.toml for `package`, then `name`.
      const pyproject = path.join(root, 'pyproject.toml');
      const projectName = entryExists(pyproject) ? ((await readToml(pyproject)).project as Table | undefined)?.name : undefined;
      if (typeof projectName === 'string' && projectName) {
        if (!config.package) config.package = projectName;
        if (!config.name) config.name = config.package;
      }
      return config;
    }
    // towncrier takes towncrier.toml first even without the table; then it is an error there.
    if (name === 'towncrier.toml') {
      throw new ConfigError('has no [tool.towncrier] table', { file, hint: 'towncrier.toml must hold its settings under [tool.towncrier]' });
    }
  }
  return null;
}

type Table = Record<string, unknown>;

const parsedToml = new Map<string, Table>();

async function readToml(file: string): Promise<Table> {
  const cached = parsedToml.get(file);
  if (cached) return cached;
  const { parse, TomlError } = await import('smol-toml');
  let doc: Table;
  try {
    doc = parse(readUserFileSync(file, { kind: 'pyproject', root: path.dirname(file) })) as Table;
  } catch (err) {
    if (err instanceof TomlError) {
      throw new ConfigError(`is not valid TOML: ${err.message.split('\n')[0]}`, { file: `${file}:${err.line}`, hint: 'fix the TOML syntax' });
    }
    throw err;
  }
  if (parsedToml.size > 16) parsedToml.clear();
  parsedToml.set(file, doc);
  return doc;
}

async function readTowncrierTable(file: string): Promise<Table | null> {
  const doc = await readToml(file);
  const tool = doc.tool as Table | undefined;
  const table = tool?.towncrier;
  return table && typeof table === 'object' ? (table as Table) : null;
}

/** Turn the [tool.towncrier] table into a config, with towncrier 26.9's defaults and errors. */
export function parseTowncrierTable(t: Table, file: string, baseDir: string): TowncrierConfig {
  const fail = (field: string, message: string, hint: string) => new ConfigError(message, { file, field: `tool.towncrier.${field}`, hint });
  for (const key of Object.keys(t)) {
    if (key === 'singlefile') throw fail(key, '`singlefile` is not a valid option', 'use `single_file`');
    if (!KNOWN_KEYS.includes(key)) throw fail(key, `unknown towncrier option \`${key}\`${suggestion(key, KNOWN_KEYS)}`, `valid options: ${KNOWN_KEYS.join(', ')}`);
  }
  const str = (key: string, def: string): string => {
    const v = t[key];
    if (v === undefined) return def;
    if (typeof v !== 'string') throw fail(key, `must be a string, not ${JSON.stringify(v)}`, `write it as \`${key} = "…"\``);
    return v;
  };
  const optStr = (key: string): string | null => (t[key] === undefined ? null : str(key, ''));
  const bool = (key: string, def: boolean): boolean => {
    const v = t[key];
    if (v === undefined) return def;
    if (typeof v !== 'boolean') throw fail(key, `must be a boolean: false or true, not ${JSON.stringify(v)}`, `write \`${key} = true\` or \`${key} = false\``);
    return v;
  };
  let titleFormat: string | false | null = null;
  if (t.title_format === false) titleFormat = false;
  else if (t.title_format !== undefined && t.title_format !== '') titleFormat = str('title_format', '');
  // A string is indexed like a list by towncrier (numpy's "~=", astropy's "=-^").
  const rawUnderlines = t.underlines === undefined ? ['=', '-', '~'] : typeof t.underlines === 'string' ? [...t.underlines] : t.underlines;
  if (!Array.isArray(rawUnderlines) || rawUnderlines.some((u) => typeof u !== 'string') || rawUnderlines.length === 0) {
    throw fail('underlines', 'must be a list of strings, e.g. ["=", "-", "~"], or a string of them, e.g. "=-~"', 'the first underlines the release title, the next ones the sections and types');
  }
  const wrap = t.wrap === undefined ? false : t.wrap;
  if (typeof wrap !== 'boolean' && !(typeof wrap === 'number' && Number.isInteger(wrap))) {
    throw fail('wrap', `must be a boolean or a width, not ${JSON.stringify(wrap)}`, 'write `wrap = true` (79 columns), `wrap = 100`, or `wrap = false`');
  }
  const ignore = t.ignore === undefined ? null : t.ignore;
  if (ignore !== null && (!Array.isArray(ignore) || ignore.some((x) => typeof x !== 'string'))) {
    throw fail('ignore', 'must be a list of file names or patterns', 'write e.g. `ignore = ["examples.rst", "*.txt"]`');
  }
  const filename = str('filename', 'NEWS.rst');
  const markdown = path.extname(filename) === '.md';
  const startString = str('start_string', '') || (markdown ? '<!-- towncrier release notes start -->\n' : '.. towncrier release notes start\n');
  const issuePattern = str('issue_pattern', '');
  if (issuePattern) {
    try {
      new RegExp(issuePattern, 'u');
    } catch (err) {
      throw fail('issue_pattern', `is not a valid regular expression: ${(err as Error).message}`, 'write a pattern every issue name must match, e.g. "\\\\d+"');
    }
  }
  const template = resolveTemplate(str('template', 'towncrier:default'), baseDir, markdown, fail);
  return {
    file,
    baseDir,
    package: str('package', ''),
    packageDir: str('package_dir', '.'),
    singleFile: bool('single_file', true),
    filename,
    directory: optStr('directory'),
    version: optStr('version'),
    name: str('name', ''),
    sections: parseSections(t.section, fail),
    types: parseTypes(t, fail),
    template: template.file,
    templateBuiltin: template.builtin,
    startString,
    titleFormat,
    issueFormat: optStr('issue_format'),
    underlines: rawUnderlines as string[],
    wrap,
    allBullets: bool('all_bullets', true),
    orphanPrefix: str('orphan_prefix', '+'),
    createEofNewline: bool('create_eof_newline', true),
    createAddExtension: bool('create_add_extension', true),
    ignore: ignore as string[] | null,
    issuePattern,
  };
}

type Fail = (field: string, message: string, hint: string) => ConfigError;

function parseSections(raw: unknown, fail: Fail): Array<[string, string]> {
  if (raw === undefined) return [['', '']];
  if (!Array.isArray(raw)) throw fail('section', 'must be an array of tables ([[tool.towncrier.section]])', 'write each section as [[tool.towncrier.section]] with `name` and `path`');
  const out = new Map<string, string>();
  raw.forEach((s: Table, i) => {
    if (typeof s?.path !== 'string') throw fail(`section.${i}.path`, 'is missing or not a string', 'give every section a `path` (relative to the fragments directory; "" for the top)');
    const name = s.name === undefined ? '' : s.name;
    if (typeof name !== 'string') throw fail(`section.${i}.name`, 'must be a string', 'give the section a `name` string');
    out.set(name, s.path);
  });
  return [...out];
}

/** `[tool.towncrier.fragment.X]` (tables, sorted by name) wins over `[[tool.towncrier.type]]` (in order). */
function parseTypes(t: Table, fail: Fail): Map<string, FragmentType> {
  const tables = (t.fragment ?? (t.type && !Array.isArray(t.type) ? t.type : undefined)) as Table | undefined;
  const key = t.fragment ? 'fragment' : 'type';
  if (tables && typeof tables === 'object' && Object.keys(tables).length) {
    const types = new Map<string, FragmentType>();
    for (const dir of Object.keys(tables).sort(pyCompare)) {
      const o = (tables[dir] ?? {}) as Table;
      const name = o.name ?? capitalize(dir);
      const showcontent = o.showcontent ?? true;
      const check = o.check ?? true;
      if (typeof name !== 'string') throw fail(`${key}.${dir}.name`, 'must be a string', 'name the heading, e.g. "Features"');
      if (typeof showcontent !== 'boolean') throw fail(`${key}.${dir}.showcontent`, 'must be a boolean', 'write `showcontent = true` or `false`');
      if (typeof check !== 'boolean') throw fail(`${key}.${dir}.check`, 'must be a boolean', 'write `check = true` or `false`');
      types.set(dir, { name, showcontent, check });
    }
    return types;
  }
  if (Array.isArray(t.type) && t.type.length) {
    const types = new Map<string, FragmentType>();
    t.type.forEach((o: Table, i) => {
      if (typeof o?.name !== 'string') throw fail(`type.${i}.name`, 'is missing or not a string', 'every [[tool.towncrier.type]] needs `name`, the heading in the notes');
      // 26.9: `directory` defaults to the lower-cased name.
      const directory = o.directory ?? o.name.toLowerCase();
      if (typeof directory !== 'string') throw fail(`type.${i}.directory`, 'must be a string', 'give the type name used in fragment file names');
      const showcontent = o.showcontent ?? true;
      const check = o.check ?? true;
      if (typeof showcontent !== 'boolean') throw fail(`type.${i}.showcontent`, 'must be a boolean', 'write `showcontent = true` or `false`');
      if (typeof check !== 'boolean') throw fail(`type.${i}.check`, 'must be a boolean', 'write `check = true` or `false`');
      types.set(directory, { name: o.name, showcontent, check });
    });
    return types;
  }
  return new Map(DEFAULT_TYPES.map(([k, v]) => [k, { ...v }]));
}

/** Python's str.capitalize(): first character upper, the rest lower. */
function capitalize(s: string): string {
  const [first = '', ...rest] = s;
  return first.toUpperCase() + rest.join('').toLowerCase();
}

/** `towncrier:NAME` (a packaged template; `.md` when the changelog is Markdown and NAME has no suffix) or a path. */
function resolveTemplate(template: string, baseDir: string, markdown: boolean, fail: Fail): { file: string; builtin: boolean } {
  const resource = /^([-\w.]+):([-\w.]+)$/u.exec(template);
  if (resource) {
    const [, pkg, res] = resource as unknown as [string, string, string];
    const name = path.extname(res) ? res : `${res}${markdown ? '.md' : '.rst'}`;
    const file = path.join(builtinTemplateDir(), name);
    if ((pkg !== 'towncrier' && pkg !== 'towncrier.templates') || !existsSync(file)) {
      throw fail('template', `'${pkg}' does not have a template named '${name}'`, 'use towncrier:default, towncrier:hr-between-versions or towncrier:single-file-no-bullets, or a path to your own template');
    }
    return { file, builtin: true };
  }
  const file = path.join(baseDir, template);
  if (!entryExists(file)) throw fail('template', `the template file '${file}' does not exist`, 'give a path relative to the config file');
  return { file, builtin: false };
}
