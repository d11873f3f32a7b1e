// Rendering grouped fragments into the release notes, as towncrier 22.12's render_fragments and
// build do: the same sorting, issue formatting, template data, title and wrapping.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import type { TowncrierConfig } from './config.js';
import type { Grouped } from './fragments.js';
import { compileTemplate, PyDict } from './jinja.js';
import { FormatError, pyCompare, pyFormat, pyIntString, pyLen, pyRstrip, pyWrapFill } from './pystr.js';

export interface VersionData {
  name: string;
  version: string;
  date: string;
}

type IssueKey = [bigint | number, string];

function issueKey(issue: string): IssueKey {
  const n = pyIntString(issue);
  if (n === null) return [-1, issue];
  return [n.length > 15 ? BigInt(n) : Number(n), ''];
}

function compareIssueKey(a: IssueKey, b: IssueKey): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return pyCompare(a[1], b[1]);
}

function compareKeyLists(a: IssueKey[], b: IssueKey[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = compareIssueKey(a[i]!, b[i]!);
    if (d) return d;
  }
  return a.length - b.length;
}

function bulletKey(text: string): number {
  if (!text) return -1;
  if (text.startsWith('- ')) return 0;
  if (text.startsWith('* ')) return 1;
  if (text.startsWith('#. ')) return 2;
  return 3;
}

function renderIssue(format: string | null, issue: string, config: TowncrierConfig): string {
  if (format === null) return pyIntString(issue) === null ? issue : `#${issue}`;
  return formatOrFail(format, { issue }, 'issue_format', config);
}

export function formatOrFail(format: string, fields: Record<string, string>, key: string, config: TowncrierConfig): string {
  try {
    return pyFormat(format, fields, key);
  } catch (err) {
    if (err instanceof FormatError) throw new ConfigError(err.message, { file: config.file, field: `tool.towncrier.${key}`, hint: `fields available: ${Object.keys(fields).map((f) => `{${f}}`).join(', ')}` });
    throw err;
  }
}

/** Sorted entries of one type: issues sorted inside a line, then lines sorted, as towncrier does. */
function sortedEntries(texts: Map<string, string[]>, allBullets: boolean): Array<[string, string[]]> {
  const entries: Array<{ text: string; issues: string[]; keys: IssueKey[] }> = [];
  for (const [text, issues] of texts) {
    if (issues.length <= 1) {
      entries.push({ text, issues, keys: issues.length ? [issueKey(issues[0]!)] : [] });
      continue;
    }
    const keyed = issues.map((i) => ({ i, k: issueKey(i) })).sort((a, b) => compareIssueKey(a.k, b.k));
    entries.push({ text, issues: keyed.map((x) => x.i), keys: keyed.map((x) => x.k) });
  }
  entries.sort((a, b) => {
    const ta = a.keys.length ? '' : a.text;
    const tb = b.keys.length ? '' : b.text;
    return (ta === tb ? 0 : pyCompare(ta, tb)) || compareKeyLists(a.keys, b.keys);
  });
  if (!allBullets) entries.sort((a, b) => bulletKey(a.text) - bulletKey(b.text));
  return entries.map((e) => [e.text, e.issues]);
}

function getIndent(allBullets: boolean) {
  return (text: string): string => {
    if (allBullets || text.startsWith('- ') || text.startsWith('* ')) return '  ';
    if (text.startsWith('#. ')) return '   ';
    return '';
  };
}

/** towncrier's render_fragments: template output, wrapped when asked, right-stripped plus one newline. */
export function renderFragments(grouped: Grouped, config: TowncrierConfig, versiondata: VersionData, renderTitle: boolean): string {
  const sections = new PyDict();
  for (const [name, types] of grouped) {
    const section = new PyDict();
    for (const [type, texts] of types) {
      section.set(type, new PyDict(sortedEntries(texts, config.allBullets).map(([text, issues]) => [text, issues.map((i) => renderIssue(config.issueFormat, i, config))])));
    }
    sections.set(name, section);
  }
  const definitions = new PyDict([...config.types].map(([k, d]) => [k, new PyDict([['name', d.name], ['showcontent', d.showcontent]])]));
  const indentFor = getIndent(config.allBullets);
  const template = compileTemplate(readFileSync(config.template, 'utf8'), config.template);
  const res = template.render({
    render_title: renderTitle,
    sections,
    definitions,
    underlines: config.underlines.slice(1),
    versiondata: new PyDict(Object.entries(versiondata)),
    top_underline: config.underlines[0],
    get_indent: indentFor,
  });
  const lines = res.split('\n');
  const done = config.wrap ? lines.map((line) => pyWrapFill(line, 79, indentFor(line))) : lines;
  return `${pyRstrip(done.join('\n'))}\n`;
}

export interface RenderedNotes {
  /** What towncrier writes into the changelog for this release (and prints with --draft, plus "\n"). */
  content: string;
  /** The title line towncrier checks the changelog for ("" when the template renders the title). */
  topLine: string;
}

/** towncrier build's title handling around render_fragments. */
export function renderNotes(grouped: Grouped, config: TowncrierConfig, versiondata: VersionData): RenderedNotes {
  const { titleFormat } = config;
  if (titleFormat) {
    const topLine = formatOrFail(titleFormat, { name: versiondata.name, version: versiondata.version, project_date: versiondata.date }, 'title_format', config);
    const rendered = renderFragments(grouped, config, versiondata, false);
    return { content: [topLine, config.underlines[0]!.repeat(pyLen(topLine)), rendered].join('\n'), topLine };
  }
  return { content: renderFragments(grouped, config, versiondata, titleFormat !== false), topLine: '' };
}
