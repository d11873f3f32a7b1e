// Rendering grouped fragments into the release notes, as towncrier 26.9's render_fragments and
// build do: the same sorting, issue formatting, template data, title and wrapping.
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { readUserFileSync } from '../files.js';
import type { TowncrierConfig } from './config.js';
import type { Grouped } from './fragments.js';
import { compileTemplate, PyDict } from './jinja.js';
import { FormatError, pyCompare, pyFormat, pyIntString, pyLen, pyWrapFill } from './pystr.js';

export interface VersionData {
  name: string;
  version: string;
  date: string;
}

/** towncrier 26.9's issue_key: issues without a number, then by the text around the number, digits last. */
type IssueKey = [number, string, number | bigint];

const int = (digits: string): number | bigint => (digits.length > 15 ? BigInt(digits) : Number(digits));

function issueKey(issue: string): IssueKey {
  if (/^\d+$/.test(issue)) return [2, '', int(issue)];
  const m = /\d+/.exec(issue);
  if (!m) return [0, issue, -1];
  return [1, issue.slice(0, m.index) + issue.slice(m.index + m[0].length), int(m[0])];
}

function compareIssueKey(a: IssueKey, b: IssueKey): number {
  if (a[0] !== b[0]) return a[0] - b[0];
  const t = a[1] === b[1] ? 0 : pyCompare(a[1], b[1]);
  if (t) return t;
  return a[2] === b[2] ? 0 : a[2] < b[2] ? -1 : 1;
}

function compareKeyLists(a: IssueKey[], b: IssueKey[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = compareIssueKey(a[i]!, b[i]!);
    if (d) return d;
  }
  return a.length - b.length;
}

function sortIssues(issues: string[]): string[] {
  return issues.map((i) => ({ i, k: issueKey(i) })).sort((a, b) => compareIssueKey(a.k, b.k)).map((x) => x.i);
}

function bulletKey(text: string): number {
  if (!text) return -1;
  if (text.startsWith('- ')) return 0;
  if (text.startsWith('* ')) return 1;
  if (text.startsWith('#. ')) return 2;
  return 3;
}

/** 26.9: a text that ends in a code block gets "\n\n " so the issue link lands after the block. */
function afterTrailingCodeBlock(text: string): string {
  return text.includes('::\n\n') && /::\n\n(?:(?: {2}[ \t]+[^\n]*)?\n)* {2}[ \t]+[^\n]*$/.test(text) ? `${text}\n\n ` : text;
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
  for (const [text, tickets] of texts) {
    const issues = tickets.length > 1 ? sortIssues(tickets) : tickets;
    entries.push({ text, issues, keys: issues.map(issueKey) });
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

/** The template's text: a packaged one from wheelwright, a user's one only from inside the repository. */
function readTemplate(config: TowncrierConfig): string {
  return readUserFileSync(config.template, { kind: 'template', root: config.templateBuiltin ? null : config.baseDir });
}

/** towncrier 26.9's render_fragments: the template's output, wrapped when asked. */
export function renderFragments(grouped: Grouped, config: TowncrierConfig, versiondata: VersionData, renderTitle: boolean, mdHeaderLevel = 1): string {
  const sections = new PyDict();
  const issuesByCategory = new PyDict();
  // An issue is formatted once, though it is listed both with its entry and in its category.
  const rendered = new Map<string, string>();
  const issueText = (i: string): string => {
    let r = rendered.get(i);
    if (r === undefined) rendered.set(i, (r = renderIssue(config.issueFormat, i, config)));
    return r;
  };
  for (const [name, types] of grouped) {
    const section = new PyDict();
    const byCategory = new PyDict();
    for (const [type, texts] of types) {
      const all = new Set<string>();
      const entries = sortedEntries(texts, config.allBullets).map(([text, issues]): [string, string[]] => {
        for (const i of issues) all.add(i);
        return [afterTrailingCodeBlock(text), issues.map(issueText)];
      });
      section.set(type, new PyDict(entries));
      byCategory.set(type, sortIssues([...all].sort(pyCompare)).map(issueText));
    }
    sections.set(name, section);
    issuesByCategory.set(name, byCategory);
  }
  const definitions = new PyDict([...config.types].map(([k, d]) => [k, new PyDict([['name', d.name], ['showcontent', d.showcontent], ['check', d.check]])]));
  const indentFor = getIndent(config.allBullets);
  const template = compileTemplate(readTemplate(config), config.template);
  const res = template.render({
    render_title: renderTitle,
    sections,
    definitions,
    underlines: config.underlines.slice(1),
    versiondata: new PyDict(Object.entries(versiondata)),
    top_underline: config.underlines[0],
    get_indent: indentFor,
    issues_by_category: issuesByCategory,
    header_prefix: '#'.repeat(mdHeaderLevel),
  });
  if (config.wrap === false) return res;
  const width = config.wrap === true || config.wrap <= 0 ? 79 : config.wrap;
  return res.split('\n').map((line) => pyWrapFill(line, width, indentFor(line))).join('\n');
}

export interface RenderedNotes {
  /** What towncrier writes into the changelog for this release (and prints with --draft, plus "\n"). */
  content: string;
  /** The title line towncrier checks the changelog for ("" when the template renders the title). */
  topLine: string;
}

/** towncrier 26.9 build's title handling around render_fragments (no underline under a Markdown title). */
export function renderNotes(grouped: Grouped, config: TowncrierConfig, versiondata: VersionData): RenderedNotes {
  const { titleFormat } = config;
  const markdown = path.extname(config.template).toLowerCase() === '.md';
  let level = 1;
  if (markdown) {
    if (titleFormat) level = /^#+(?=\s)/m.exec(titleFormat)?.[0].length ?? 0;
    else level = titleFormat === false ? 0 : 1;
  }
  if (titleFormat) {
    const topLine = formatOrFail(titleFormat, { name: versiondata.name, version: versiondata.version, project_date: versiondata.date }, 'title_format', config);
    const rendered = renderFragments(grouped, config, versiondata, false, level);
    const parts = markdown ? [topLine, rendered] : [topLine, config.underlines[0]!.repeat(pyLen(topLine)), rendered];
    return { content: parts.join('\n'), topLine };
  }
  return { content: renderFragments(grouped, config, versiondata, titleFormat !== false, level), topLine: '' };
}
