// A static reader for Pants BUILD files: the Python-literal subset they use, parsed and never executed.
import { ConfigError } from '../../errors.js';

/** A value in a BUILD file. Names and spreads are kept as opaque references: they are never evaluated. */
export type BuildNode =
  | { type: 'str'; value: string; line: number }
  | { type: 'num'; value: number; line: number }
  | { type: 'const'; value: boolean | null; line: number }
  | { type: 'list'; items: BuildNode[]; line: number }
  | { type: 'dict'; entries: { key: BuildNode; value: BuildNode }[]; line: number }
  | { type: 'name'; name: string; line: number }
  | { type: 'spread'; double: boolean; value: BuildNode; line: number }
  | BuildCall;

export interface BuildCall {
  type: 'call';
  func: string;
  args: BuildNode[];
  kwargs: { name: string; value: BuildNode; line: number }[];
  line: number;
}

export interface BuildFile {
  file: string;
  /** Top-level calls (targets and macros), in file order. */
  calls: BuildCall[];
  /** Top-level `NAME = value` assignments. */
  assigns: Map<string, BuildNode>;
}

type Tok =
  | { t: 'name'; v: string; line: number }
  | { t: 'str'; v: string; line: number; f: boolean }
  | { t: 'num'; v: number; line: number }
  | { t: 'op'; v: string; line: number }
  | { t: 'nl'; line: number }
  | { t: 'eof'; line: number };

const HINT = 'BUILD files are read statically: use calls, keyword arguments, strings, numbers, lists, tuples and dicts (move logic into a macro or plugin)';

function fail(file: string, line: number, message: string, hint = HINT): never {
  throw new ConfigError(message, { file: `${file}:${line}`, hint });
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0' };

function unescape(body: string, file: string, line: number): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|\n|.)/g, (all, e: string) => {
    if (e === '\n') return '';
    if (/^[xuU]/.test(e) && e.length > 1) return String.fromCodePoint(parseInt(e.slice(1), 16));
    if (e in ESCAPES) return ESCAPES[e]!;
    if (/^[xuUN]$/.test(e)) fail(file, line, `a truncated \\${e} escape in a string`);
    return all; // Python keeps an unknown escape as written.
  });
}

function tokenize(text: string, file: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let line = 1;
  let depth = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '\n') {
      if (depth === 0 && toks.length && toks[toks.length - 1]!.t !== 'nl') toks.push({ t: 'nl', line });
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '\\' && text[i + 1] === '\n') {
      i += 2;
      line++;
      continue;
    }
    const str = /^([rRbBuUfF]{0,2})('''|"""|'|")/.exec(text.slice(i, i + 5));
    if (str && (str[1] === '' || /^[A-Za-z]+$/.test(str[1]!)) && (str[1]!.length === 0 || /^(r|u|b|f|br|rb|fr|rf)$/i.test(str[1]!))) {
      const prefix = str[1]!.toLowerCase();
      const quote = str[2]!;
      const start = line;
      let j = i + str[0].length;
      let body = '';
      for (;;) {
        if (j >= n) fail(file, start, 'a string that never ends');
        const d = text[j]!;
        if (d === '\\') {
          body += text.slice(j, j + 2);
          if (text[j + 1] === '\n') line++;
          j += 2;
          continue;
        }
        if (text.startsWith(quote, j)) {
          j += quote.length;
          break;
        }
        if (d === '\n') {
          if (quote.length === 1) fail(file, start, 'a string that never ends on its line');
          line++;
        }
        body += d;
        j++;
      }
      const value = prefix.includes('r') ? body : unescape(body, file, start);
      toks.push({ t: 'str', v: value, line: start, f: prefix.includes('f') });
      i = j;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 200));
    if (name) {
      toks.push({ t: 'name', v: name[0], line });
      i += name[0].length;
      continue;
    }
    const num = /^(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|\d[\d_]*(\.\d*)?([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)[jJ]?/.exec(text.slice(i, i + 100));
    if (num) {
      if (/[jJ]$/.test(num[0])) fail(file, line, `a complex number ${num[0]}`);
      const s = num[0].replace(/_/g, '');
      const v = /^0[xob]/i.test(s) ? Number(s.toLowerCase()) : Number(s);
      toks.push({ t: 'num', v, line });
      i += num[0].length;
      continue;
    }
    const op = /^(\*\*|==|!=|<=|>=|->|:=|[()[\]{},:=*.+\-%/@<>|&^~;!])/.exec(text.slice(i, i + 2));
    if (op) {
      if ('([{'.includes(op[0])) depth++;
      if (')]}'.includes(op[0])) depth = Math.max(0, depth - 1);
      toks.push({ t: 'op', v: op[0], line });
      i += op[0].length;
      continue;
    }
    fail(file, line, `unexpected character ${JSON.stringify(c)}`);
  }
  if (toks.length && toks[toks.length - 1]!.t !== 'nl') toks.push({ t: 'nl', line });
  toks.push({ t: 'eof', line });
  return toks;
}

const KEYWORDS = new Set(['if', 'elif', 'else', 'for', 'while', 'def', 'class', 'return', 'import', 'from', 'with', 'try', 'except', 'finally', 'lambda', 'and', 'or', 'not', 'in', 'is', 'yield', 'global', 'nonlocal', 'del', 'pass', 'raise', 'assert', 'async', 'await', 'break', 'continue']);

/** Parse a BUILD file's text; any construct outside the literal subset is a ConfigError at file:line. */
export function parseBuildFile(text: string, file: string): BuildFile {
  const toks = tokenize(text, file);
  let p = 0;
  const peek = (): Tok => toks[p]!;
  const next = (): Tok => toks[p++]!;
  const isOp = (v: string, t: Tok = peek()): boolean => t.t === 'op' && t.v === v;
  const describe = (t: Tok): string => (t.t === 'nl' ? 'the end of the line' : t.t === 'eof' ? 'the end of the file' : t.t === 'str' ? 'a string' : t.t === 'num' ? `the number ${t.v}` : `\`${t.v}\``);
  const expect = (v: string, what: string): void => {
    const t = next();
    if (!isOp(v, t)) fail(file, t.line, `expected \`${v}\` ${what}, found ${describe(t)}`);
  };
  const unsupported = (t: Tok): never => {
    if (t.t === 'name' && KEYWORDS.has(t.v)) fail(file, t.line, `\`${t.v}\` is not read: BUILD files are not executed`);
    if (t.t === 'op') fail(file, t.line, `the operator \`${t.v}\` is not read: values must be literals`);
    return fail(file, t.line, `unexpected ${describe(t)}`);
  };

  /** Items up to `close`, with trailing commas; `*x` and `**x` spreads are kept opaque. */
  const items = (close: string): BuildNode[] => {
    const out: BuildNode[] = [];
    while (!isOp(close)) {
      out.push(value(true));
      if (isOp(',')) next();
      else if (!isOp(close)) unsupported(peek());
    }
    next();
    return out;
  };

  const value = (spreadOk = false): BuildNode => {
    const t = next();
    let node: BuildNode;
    if (t.t === 'str') {
      if (t.f) fail(file, t.line, 'an f-string is not a literal');
      let v = t.v;
      // Implicit concatenation: "a" "b".
      while (peek().t === 'str') {
        const s = next() as Extract<Tok, { t: 'str' }>;
        if (s.f) fail(file, s.line, 'an f-string is not a literal');
        v += s.v;
      }
      node = { type: 'str', value: v, line: t.line };
    } else if (t.t === 'num') node = { type: 'num', value: t.v, line: t.line };
    else if (isOp('-', t) && peek().t === 'num') node = { type: 'num', value: -(next() as { v: number }).v, line: t.line };
    else if (t.t === 'name') {
      if (KEYWORDS.has(t.v)) unsupported(t);
      if (t.v === 'True' || t.v === 'False' || t.v === 'None') node = { type: 'const', value: t.v === 'None' ? null : t.v === 'True', line: t.line };
      else if (isOp('(')) node = call(t.v, t.line);
      else node = { type: 'name', name: t.v, line: t.line };
    } else if (isOp('[', t)) node = { type: 'list', items: items(']'), line: t.line };
    else if (isOp('(', t)) {
      // A parenthesised value, or a tuple (read as a list).
      const inner = items(')');
      const single = toks[p - 2]!;
      node = inner.length === 1 && !isOp(',', single) ? inner[0]! : { type: 'list', items: inner, line: t.line };
    } else if (isOp('{', t)) node = dict(t.line);
    else if (spreadOk && (isOp('*', t) || isOp('**', t))) return { type: 'spread', double: t.t === 'op' && t.v === '**', value: value(), line: t.line };
    else return unsupported(t);
    const after = peek();
    if (after.t === 'op' && !',)]}:='.includes(after.v)) unsupported(after);
    if (after.t === 'name' || after.t === 'num' || after.t === 'str') unsupported(after);
    return node;
  };

  const dict = (line: number): BuildNode => {
    const entries: { key: BuildNode; value: BuildNode }[] = [];
    while (!isOp('}')) {
      if (isOp('**')) {
        const t = next();
        entries.push({ key: { type: 'const', value: null, line: t.line }, value: { type: 'spread', double: true, value: value(), line: t.line } });
      } else {
        const key = value();
        if (!isOp(':')) fail(file, peek().line, `expected \`:\` in a dict, found ${describe(peek())} (sets are not read)`);
        next();
        entries.push({ key, value: value() });
      }
      if (isOp(',')) next();
      else if (!isOp('}')) unsupported(peek());
    }
    next();
    return { type: 'dict', entries, line };
  };

  const call = (func: string, line: number): BuildCall => {
    expect('(', `after ${func}`);
    const node: BuildCall = { type: 'call', func, args: [], kwargs: [], line };
    const seen = new Set<string>();
    while (!isOp(')')) {
      const t = peek();
      if (t.t === 'name' && isOp('=', toks[p + 1])) {
        p += 2;
        if (seen.has(t.v)) fail(file, t.line, `keyword argument \`${t.v}\` is given twice in ${func}(...)`, `keep one \`${t.v}=\``);
        seen.add(t.v);
        node.kwargs.push({ name: t.v, value: value(), line: t.line });
      } else node.args.push(value(true));
      if (isOp(',')) next();
      else if (!isOp(')')) unsupported(peek());
    }
    next();
    return node;
  };

  const calls: BuildCall[] = [];
  const assigns = new Map<string, BuildNode>();
  while (peek().t !== 'eof') {
    const t = peek();
    if (t.t === 'nl' || isOp(';')) {
      next();
      continue;
    }
    if (t.t === 'name' && !KEYWORDS.has(t.v) && isOp('=', toks[p + 1])) {
      p += 2;
      assigns.set(t.v, value());
    } else if (t.t === 'name' && !KEYWORDS.has(t.v) && isOp('(', toks[p + 1])) {
      p++;
      calls.push(call(t.v, t.line));
      const after = peek();
      if (after.t === 'op' && after.v !== ';') unsupported(after);
    } else if (t.t === 'str') {
      value(); // a docstring
    } else unsupported(t);
    const end = peek();
    if (end.t !== 'nl' && end.t !== 'eof' && !isOp(';', end)) unsupported(end);
  }
  return { file, calls, assigns };
}

/** The keyword argument `name` of a call, or undefined. */
export function kwarg(call: BuildCall, name: string): BuildNode | undefined {
  return call.kwargs.find((k) => k.name === name)?.value;
}

/** A string argument, or a ConfigError naming the BUILD file and line. */
export function stringArg(call: BuildCall, name: string, file: string, required: true): string;
export function stringArg(call: BuildCall, name: string, file: string, required?: false): string | undefined;
export function stringArg(call: BuildCall, name: string, file: string, required = false): string | undefined {
  const v = kwarg(call, name);
  if (v === undefined) {
    if (required) fail(file, call.line, `${call.func}(...) has no \`${name}\``, `add \`${name}="…"\``);
    return undefined;
  }
  if (v.type !== 'str') fail(file, v.line, `\`${name}\` of ${call.func}(...) must be a string literal`, `write \`${name}="…"\``);
  return v.value;
}

/** A list of strings (or a tuple), or a ConfigError. */
export function stringListArg(call: BuildCall, name: string, file: string): string[] | undefined {
  const v = kwarg(call, name);
  if (v === undefined) return undefined;
  if (v.type !== 'list' || v.items.some((i) => i.type !== 'str')) fail(file, v.line, `\`${name}\` of ${call.func}(...) must be a list of string literals`);
  return v.items.map((i) => (i as { value: string }).value);
}

/** A True/False argument, or a ConfigError. */
export function boolArg(call: BuildCall, name: string, file: string): boolean | undefined {
  const v = kwarg(call, name);
  if (v === undefined) return undefined;
  if (v.type !== 'const' || typeof v.value !== 'boolean') fail(file, v.line, `\`${name}\` of ${call.func}(...) must be True or False`);
  return v.value;
}
