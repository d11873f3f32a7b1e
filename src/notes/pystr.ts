// Python's whitespace and line-break sets include control characters, on purpose.
/* eslint-disable no-control-regex */
// Python string semantics that towncrier's output depends on: str.strip() and friends (Python's
// whitespace set, not JavaScript's), splitlines, len() in code points, code point ordering,
// str.format with keyword fields, and textwrap.fill.

/** Characters for which Python's str.isspace() is true (JS's \s adds U+FEFF and lacks \x1c-\x1f, \x85). */
const WS = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const LEADING = new RegExp(`^[${WS}]+`);
const ONLY_WS = new RegExp(`^[${WS}]*$`);

export const pyLstrip = (s: string): string => s.replace(LEADING, '');
export const pyRstrip = (s: string): string => {
  // A regex anchored at the end backtracks badly on long runs; scan instead.
  let end = s.length;
  while (end > 0 && isSpaceCode(s.charCodeAt(end - 1))) end--;
  return end === s.length ? s : s.slice(0, end);
};
export const pyStrip = (s: string): string => pyLstrip(pyRstrip(s));
/** `not s.strip()`: empty or only whitespace. */
export const pyIsBlank = (s: string): boolean => ONLY_WS.test(s);

function isSpaceCode(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
  if (c < 0x85) return false;
  return (
    c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 ||
    c === 0x202f || c === 0x205f || c === 0x3000
  );
}

/** str.splitlines(keepends=True): Python breaks lines on more than \n. */
const LINE_BREAK = /\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]/g;
export function pySplitlinesKeepends(s: string): string[] {
  const out: string[] = [];
  let start = 0;
  LINE_BREAK.lastIndex = 0;
  for (let m = LINE_BREAK.exec(s); m; m = LINE_BREAK.exec(s)) {
    out.push(s.slice(start, m.index + m[0].length));
    start = m.index + m[0].length;
  }
  if (start < s.length) out.push(s.slice(start));
  return out;
}

const SURROGATE = /[\ud800-\udfff]/;
/** len(s) in Python: code points, not UTF-16 units. */
export function pyLen(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Python's string ordering (by code point); JS `<` orders UTF-16 units, which differs past U+FFFF. */
export function pyCompare(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1; // a surrogate starts a code point above U+FFFF
      return x < y ? -1 : 1;
    }
  }
  return a.length - b.length;
}

/** `int(s)` as Python parses a decimal string, or null. Returns the canonical `str(int(s))`. */
const PY_INT = /^[ \t\n\x0b\x0c\r]*([+-]?)(\d+(?:_\d+)*)[ \t\n\x0b\x0c\r]*$/;
export function pyIntString(s: string): string | null {
  const m = PY_INT.exec(s);
  if (!m) return null;
  const digits = m[2]!.replace(/_/g, '').replace(/^0+(?=\d)/, '');
  return m[1] === '-' && digits !== '0' ? `-${digits}` : digits;
}

/**
 * str.format(**kwargs) for the fields towncrier passes: `{name}`, `{{`/`}}`, conversions `!s`/`!r`
 * and the fill/align/width part of a format spec. `where` names the config key in errors.
 */
export function pyFormat(fmt: string, kwargs: Record<string, string>, where: string): string {
  // The common case, `{name}` fields and plain text, without a parse per call.
  let simple = SIMPLE.get(fmt);
  if (simple === undefined) {
    simple = /^(?:[^{}]|\{[A-Za-z_]\w*\})*$/.test(fmt) ? fmt.split(/\{([A-Za-z_]\w*)\}/) : null;
    SIMPLE.set(fmt, simple);
  }
  if (simple && simple.every((p, i) => i % 2 === 0 || p in kwargs)) {
    let r = simple[0]!;
    for (let i = 1; i < simple.length; i += 2) r += kwargs[simple[i]!]! + simple[i + 1]!;
    return r;
  }
  let out = '';
  let i = 0;
  while (i < fmt.length) {
    const c = fmt[i]!;
    if (c === '{' && fmt[i + 1] === '{') {
      out += '{';
      i += 2;
    } else if (c === '}' && fmt[i + 1] === '}') {
      out += '}';
      i += 2;
    } else if (c === '{') {
      const end = fmt.indexOf('}', i);
      if (end < 0) throw new FormatError(`${where}: single '{' encountered in format string`);
      out += formatField(fmt.slice(i + 1, end), kwargs, where);
      i = end + 1;
    } else if (c === '}') {
      throw new FormatError(`${where}: single '}' encountered in format string`);
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

export class FormatError extends Error {}
const SIMPLE = new Map<string, string[] | null>();

function formatField(field: string, kwargs: Record<string, string>, where: string): string {
  const m = /^([^!:]*)(?:!([rsa]))?(?::(.*))?$/.exec(field);
  if (!m) throw new FormatError(`${where}: cannot parse the field {${field}}`);
  const name = m[1]!;
  if (!(name in kwargs)) {
    const known = Object.keys(kwargs).map((k) => `{${k}}`).join(', ');
    throw new FormatError(`${where}: unknown field {${name}}; available: ${known}`);
  }
  let value = kwargs[name]!;
  if (m[2] === 'r' || m[2] === 'a') value = `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return m[3] ? applySpec(value, m[3], where) : value;
}

function applySpec(value: string, spec: string, where: string): string {
  const m = /^(?:(.)?([<>^]))?(\d+)?$/u.exec(spec);
  if (!m) throw new FormatError(`${where}: unsupported format spec :${spec}`);
  const fill = m[1] ?? ' ';
  const width = m[3] ? Number(m[3]) : 0;
  const pad = width - pyLen(value);
  if (pad <= 0) return value;
  const align = m[2] ?? '<';
  if (align === '<') return value + fill.repeat(pad);
  if (align === '>') return fill.repeat(pad) + value;
  const left = Math.floor(pad / 2);
  return fill.repeat(left) + value + fill.repeat(pad - left);
}

/** str.expandtabs(8): columns restart after \n and \r. */
function expandTabs(s: string): string {
  if (!s.includes('\t')) return s;
  let out = '';
  let col = 0;
  for (const ch of s) {
    if (ch === '\t') {
      const n = 8 - (col % 8);
      out += ' '.repeat(n);
      col += n;
    } else {
      out += ch;
      col = ch === '\n' || ch === '\r' ? 0 : col + 1;
    }
  }
  return out;
}

const WRAP_WS = /[\t\n\x0b\x0c\r]/g;
const PLAIN_LINE = /^[^\t\n\x0b\x0c\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;
const CHUNKS = / +|[^ ]+/g;

/**
 * textwrap.fill(line, width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)
 * with every other option at its default (expand tabs, replace whitespace, drop whitespace).
 */
export function pyWrapFill(text: string, width: number, subsequentIndent: string): string {
  // Fast path: a line that fits and has no special white space only loses its trailing spaces.
  if (text.length <= width && PLAIN_LINE.test(text)) {
    let end = text.length;
    while (end > 0 && text.charCodeAt(end - 1) === 0x20) end--;
    return end === text.length ? text : text.slice(0, end);
  }
  const prepared = expandTabs(text).replace(WRAP_WS, ' ');
  if (!SURROGATE.test(prepared) && PLAIN_LINE.test(prepared)) return wrapPlain(prepared, width, subsequentIndent);
  const chunks = prepared.match(CHUNKS) ?? [];
  if (chunks.length === 0) return '';
  const lens = chunks.map(pyLen);
  const lines: string[] = [];
  const indentLen = pyLen(subsequentIndent);
  let k = 0;
  while (k < chunks.length) {
    const indent = lines.length ? subsequentIndent : '';
    const room = width - (lines.length ? indentLen : 0);
    if (lines.length && pyIsBlank(chunks[k]!)) k++;
    const line: string[] = [];
    let len = 0;
    while (k < chunks.length && len + lens[k]! <= room) {
      line.push(chunks[k]!);
      len += lens[k]!;
      k++;
    }
    // A word longer than the line is never broken: it goes alone on a line.
    if (k < chunks.length && lens[k]! > room && line.length === 0) line.push(chunks[k++]!);
    if (line.length && pyIsBlank(line[line.length - 1]!)) line.pop();
    if (line.length) lines.push(indent + line.join(''));
  }
  return lines.join('\n');
}

/** The same algorithm on a string whose only white space is " " and whose length is its len(). */
function wrapPlain(s: string, width: number, indent: string): string {
  const n = s.length;
  const chunkEnd = (i: number): number => {
    const space = s.charCodeAt(i) === 0x20;
    let j = i + 1;
    while (j < n && (s.charCodeAt(j) === 0x20) === space) j++;
    return j;
  };
  let out = '';
  let first = true;
  let k = 0;
  while (k < n) {
    const room = first ? width : width - indent.length;
    if (!first && s.charCodeAt(k) === 0x20) k = chunkEnd(k);
    const start = k;
    let end = k;
    while (end < n) {
      const e = chunkEnd(end);
      if (e - start > room) break;
      end = e;
    }
    if (end === start && end < n) end = chunkEnd(end); // an over-long word alone
    k = end;
    let stop = end;
    if (stop > start && s.charCodeAt(stop - 1) === 0x20) while (stop > start && s.charCodeAt(stop - 1) === 0x20) stop--;
    if (stop > start) {
      out += first ? s.slice(start, stop) : `\n${indent}${s.slice(start, stop)}`;
      first = false;
    } else if (k >= n) break;
  }
  return out;
}
