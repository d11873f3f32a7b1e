// nunjucks, made to run towncrier's Jinja templates as Jinja would: Python truthiness (an empty dict
// is false), `and`/`or` returning operands, `str * int`, `in` on dicts, Python str/dict methods
// (`.items()`, `.endswith()`), Python's str() of values, `for … if …` loop filters, Jinja's
// trailing-newline rule, and Jinja's `length`/`join`/`indent` filters. Compiled with a subclass of
// nunjucks' compiler; nothing global in nunjucks is patched.
import { createRequire } from 'node:module';
import { BudgetExceeded, TEMPLATE_BUDGET, reserve, tick, withBudget } from '../budget.js';
import { ConfigError } from '../errors.js';
import { readUserFileSync } from '../files.js';
import { PRECOMPILED } from './templates/precompiled.js';
import { pyCompare, pyFormat, pyIsBlank, pyLen, pyLstrip, pyRstrip, pyStrip, pySplitlinesKeepends } from './pystr.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
// Python's whitespace and line-break sets include control characters, on purpose.
/* eslint-disable no-control-regex */

const KEYS = Symbol('keys');

/** A Python dict for templates: ordered keys (also integer-like ones), items()/keys()/values()/get(). */
export class PyDict {
  declare [KEYS]: string[];
  constructor(entries: Iterable<[string, unknown]> = []) {
    Object.defineProperty(this, KEYS, { value: [], enumerable: false });
    for (const [k, v] of entries) this.set(k, v);
  }
  set(key: string, value: unknown): void {
    if (!Object.prototype.hasOwnProperty.call(this, key)) this[KEYS].push(key);
    // A plain assignment is much faster; `__proto__` must not reach the prototype setter.
    if (key === '__proto__') Object.defineProperty(this, key, { value, enumerable: true, configurable: true, writable: true });
    else (this as any)[key] = value;
  }
  has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this, key);
  }
  at(key: string): unknown {
    return this.has(key) ? (this as any)[key] : undefined;
  }
  len(): number {
    return this[KEYS].length;
  }
  keys(): string[] {
    return [...this[KEYS]];
  }
  values(): unknown[] {
    return this[KEYS].map((k) => (this as any)[k]);
  }
  items(): Array<[string, unknown]> {
    return this[KEYS].map((k) => [k, (this as any)[k]]);
  }
  get(key: string, def: unknown = null): unknown {
    return this.has(key) ? (this as any)[key] : def;
  }
  [Symbol.iterator](): Iterator<string> {
    return this[KEYS][Symbol.iterator]();
  }
}

const isKw = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && (v as any).__keywords === true;
function splitArgs(args: unknown[]): [unknown[], Record<string, unknown>] {
  const last = args[args.length - 1];
  if (isKw(last)) {
    const { __keywords: _k, ...kw } = last;
    return [args.slice(0, -1), kw];
  }
  return [args, {}];
}

/** Python repr() of a string. */
function reprStr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += `\\${q}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + q;
}

function repr(v: unknown): string {
  if (typeof v === 'string') return reprStr(v);
  return str(v);
}

/** Python str() of a template value. */
export function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined) return '';
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (Array.isArray(v)) return `[${v.map(repr).join(', ')}]`;
  if (v instanceof PyDict) return `{${v.items().map(([k, x]) => `${reprStr(k)}: ${repr(x)}`).join(', ')}}`;
  return String(v);
}

export function truthy(v: unknown): boolean {
  if (!v) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof PyDict) return v.len() > 0;
  if (v instanceof Map || v instanceof Set) return v.size > 0;
  if (typeof v === 'object' && v.constructor?.name === 'SafeString') return String(v).length > 0;
  return true;
}

function eq(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) === Number(b) && typeof a !== 'string' && typeof b !== 'string';
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => eq(x, b[i]));
  if (a instanceof PyDict && b instanceof PyDict) return a.len() === b.len() && a.keys().every((k) => b.has(k) && eq(a.at(k), b.at(k)));
  if (a && b && typeof a === 'object' && typeof b === 'object') return String(a) === String(b);
  return false;
}

function contains(needle: unknown, hay: unknown): boolean {
  if (hay instanceof PyDict) return typeof needle === 'string' && hay.has(needle);
  if (Array.isArray(hay)) return hay.some((x) => eq(x, needle));
  if (typeof hay === 'string' || (hay && typeof hay === 'object' && hay.constructor?.name === 'SafeString')) return String(hay).includes(str(needle));
  if (hay instanceof Map || hay instanceof Set) return hay.has(needle);
  if (hay && typeof hay === 'object') return Object.prototype.hasOwnProperty.call(hay, needle as string);
  return false;
}

function mul(a: unknown, b: unknown): unknown {
  const text = (x: unknown) => typeof x === 'string' || (x && typeof x === 'object' && x.constructor?.name === 'SafeString');
  const size = (x: unknown) => (Array.isArray(x) ? x.length : String(x).length);
  if (typeof b === 'number' && (text(a) || Array.isArray(a))) reserve(size(a) * Math.max(0, b));
  if (typeof a === 'number' && text(b)) reserve(size(b) * Math.max(0, a));
  if (text(a) && typeof b === 'number') return String(a).repeat(Math.max(0, b));
  if (typeof a === 'number' && text(b)) return String(b).repeat(Math.max(0, a));
  if (Array.isArray(a) && typeof b === 'number') return Array.from({ length: Math.max(0, b) }, () => a).flat();
  if (a === undefined || b === undefined) return '';
  return (a as number) * (b as number);
}

function add(a: unknown, b: unknown): unknown {
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  return (a as any) + (b as any);
}

/** `"%s" % x` (printf style) or the Python modulo of numbers. */
function mod(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return ((a % b) + b) % b;
  if (typeof a !== 'string') return (a as number) % (b as number);
  const args = Array.isArray(b) ? [...b] : [b];
  return a.replace(/%([%srd])/g, (_, c: string) => (c === '%' ? '%' : c === 'r' ? repr(args.shift()) : c === 'd' ? String(Math.trunc(Number(args.shift()))) : str(args.shift())));
}

/** `x[key]` / `x.key` without a call: the item first, as Jinja's subscript does; arrays take negative indexes. */
function getitem(obj: unknown, key: unknown): unknown {
  if (obj === undefined || obj === null) return undefined;
  if (obj instanceof PyDict) {
    const k = str(key);
    if (obj.has(k)) return obj.at(k);
    const m = (PY_DICT_METHODS as any)[k];
    return m ? (...args: unknown[]) => m(obj, ...args) : undefined;
  }
  if (Array.isArray(obj) && typeof key === 'number') return obj[key < 0 ? obj.length + key : key];
  if (typeof obj === 'string') {
    if (typeof key === 'number') {
      const chars = [...obj];
      return chars[key < 0 ? chars.length + key : key];
    }
    const m = (PY_STR_METHODS as any)[key as string];
    return m ? (...args: unknown[]) => m(obj, ...args) : undefined;
  }
  const v = (obj as any)[key as string];
  return typeof v === 'function' ? v.bind(obj) : v;
}

const startsOrEnds = (s: string, x: unknown, ends: boolean) =>
  (Array.isArray(x) ? x : [x]).some((p) => (ends ? s.endsWith(String(p)) : s.startsWith(String(p))));

const stripChars = (s: string, chars: unknown, left: boolean, right: boolean): string => {
  if (chars === undefined || chars === null) return left && right ? pyStrip(s) : left ? pyLstrip(s) : pyRstrip(s);
  const set = new Set([...String(chars)]);
  const cs = [...s];
  let i = 0;
  let j = cs.length;
  while (left && i < j && set.has(cs[i]!)) i++;
  while (right && j > i && set.has(cs[j - 1]!)) j--;
  return cs.slice(i, j).join('');
};

const PY_STR_METHODS: Record<string, (s: string, ...a: any[]) => unknown> = {
  startswith: (s, p) => startsOrEnds(s, p, false),
  endswith: (s, p) => startsOrEnds(s, p, true),
  strip: (s, c) => stripChars(s, c, true, true),
  lstrip: (s, c) => stripChars(s, c, true, false),
  rstrip: (s, c) => stripChars(s, c, false, true),
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  capitalize: (s) => { const [f = '', ...r] = s; return f.toUpperCase() + r.join('').toLowerCase(); },
  title: (s) => s.toLowerCase().replace(/(^|[^\p{L}\p{N}'])(\p{L})/gu, (_, a: string, b: string) => a + b.toUpperCase()),
  replace: (s, a, b, n) => {
    if (n === undefined || n < 0) return s.split(String(a)).join(String(b));
    let out = s;
    let from = 0;
    for (let i = 0; i < n; i++) {
      const at = out.indexOf(String(a), from);
      if (at < 0) break;
      out = out.slice(0, at) + b + out.slice(at + String(a).length);
      from = at + String(b).length;
    }
    return out;
  },
  split: (s, sep, max) => {
    const limit = max === undefined || max < 0 ? Infinity : max;
    if (sep === undefined || sep === null) {
      const parts = pyStrip(s) === '' ? [] : pyStrip(s).split(/[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/);
      return limit === Infinity ? parts : [...parts.slice(0, limit), ...(parts.length > limit ? [parts.slice(limit).join(' ')] : [])];
    }
    const parts = s.split(String(sep));
    return parts.length - 1 > limit ? [...parts.slice(0, limit), parts.slice(limit).join(String(sep))] : parts;
  },
  splitlines: (s, keep) => pySplitlinesKeepends(s).map((l) => (keep ? l : l.replace(/(\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029])$/, ''))),
  join: (s, items) => toList(items).map(str).join(s),
  count: (s, sub) => s.split(String(sub)).length - 1,
  find: (s, sub) => s.indexOf(String(sub)),
  isdigit: (s) => /^\d+$/.test(s),
  isspace: (s) => s.length > 0 && pyIsBlank(s),
  isalpha: (s) => /^\p{L}+$/u.test(s),
  zfill: (s, w) => s.padStart(w, '0'),
  ljust: (s, w, f = ' ') => s + String(f).repeat(Math.max(0, w - pyLen(s))),
  rjust: (s, w, f = ' ') => String(f).repeat(Math.max(0, w - pyLen(s))) + s,
  center: (s, w, f = ' ') => { const pad = Math.max(0, w - pyLen(s)); const l = Math.floor(pad / 2) + (pad & w & 1); return String(f).repeat(l) + s + String(f).repeat(pad - l); },
  format: (s, ...a) => {
    const [pos, kw] = splitArgs(a);
    const fields: Record<string, string> = {};
    pos.forEach((v, i) => (fields[String(i)] = str(v)));
    for (const [k, v] of Object.entries(kw)) fields[k] = str(v);
    let auto = 0;
    return pyFormat(s.replace(/\{\{|\}\}|\{(?=[!:}])/g, (m) => (m === '{' ? `{${auto++}` : m)), fields, 'str.format');
  },
};

const PY_DICT_METHODS: Record<string, (d: PyDict, ...a: any[]) => unknown> = {
  items: (d) => d.items(),
  keys: (d) => d.keys(),
  values: (d) => d.values(),
  get: (d, k, def = null) => d.get(str(k), def),
};

const PY_LIST_METHODS: Record<string, (l: unknown[], ...a: any[]) => unknown> = {
  index: (l, x) => l.findIndex((y) => eq(x, y)),
  count: (l, x) => l.filter((y) => eq(x, y)).length,
  append: (l, x) => void l.push(x),
};

/** `obj.name(args)`: a Python method first, else the object's own function. */
function callMethod(obj: unknown, name: string, args: unknown[]): unknown {
  const table = typeof obj === 'string' ? PY_STR_METHODS : obj instanceof PyDict ? PY_DICT_METHODS : Array.isArray(obj) ? PY_LIST_METHODS : undefined;
  const m = table?.[name] as ((o: unknown, ...a: unknown[]) => unknown) | undefined;
  if (m) return m(obj, ...args.filter((x, i) => !(i === args.length - 1 && isKw(x) && name !== 'format')));
  const f = obj === undefined || obj === null ? undefined : (obj as any)[name];
  if (typeof f !== 'function') {
    const what = obj === undefined ? 'an undefined value' : `a ${obj instanceof PyDict ? 'dict' : Array.isArray(obj) ? 'list' : typeof obj}`;
    throw new Error(`cannot call \`${name}\` on ${what}`);
  }
  return f.apply(obj, args);
}

function toList(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  if (v instanceof PyDict) return v.keys();
  if (typeof v === 'string') return [...v];
  if (typeof v === 'object' && Symbol.iterator in (v as object)) return [...(v as Iterable<unknown>)];
  return Object.keys(v as object);
}

/** Jinja's int filter on one value: Python int(value, base), else int(float(value)); null when neither works. */
function pyInt(v: unknown, base: number): number | null {
  if (typeof v === 'boolean') return Number(v);
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : null;
  if (typeof v !== 'string') return null;
  const s = pyStrip(v).replace(/(?<=[0-9a-z])_(?=[0-9a-z])/gi, '');
  const digits = base === 16 ? /^[+-]?(?:0x)?[0-9a-f]+$/i : base === 8 ? /^[+-]?(?:0o)?[0-7]+$/i : base === 2 ? /^[+-]?(?:0b)?[01]+$/i : /^[+-]?\d+$/;
  if (base !== 10 && ![2, 8, 16].includes(base)) return null;
  if (digits.test(s)) return parseInt(s.replace(/^([+-]?)0[xob]/i, '$1'), base);
  if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i.test(s)) {
    const f = Number(s);
    return Number.isFinite(f) ? Math.trunc(f) : null;
  }
  return null;
}

/** Python's `<` ordering of strings, numbers, booleans and lists of them. */
function pyOrder(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return a === b ? 0 : pyCompare(a, b);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const d = pyOrder(a[i], b[i]);
      if (d) return d;
    }
    return a.length - b.length;
  }
  const x = Number(a);
  const y = Number(b);
  if (typeof a === typeof b || (typeof a !== 'string' && typeof b !== 'string' && !Array.isArray(a) && !Array.isArray(b))) return x < y ? -1 : x > y ? 1 : 0;
  throw new Error(`'<' not supported between ${typeof a} and ${typeof b}`);
}

/** Filter items for `for x in xs if cond`: `test` renders "1" when the condition holds for an item. */
function loopFilter(arr: unknown, test: (...a: unknown[]) => unknown, names: number): unknown[] {
  const out: unknown[] = [];
  for (const item of toList(arr)) {
    const args = names > 1 && Array.isArray(item) ? item : [item];
    if (String(test(...args)) === '1') out.push(item);
  }
  return out;
}

/** Jinja's `loop`: one object per iteration instead of nunjucks' seven dotted frame.set calls. */
class Loop {
  constructor(
    readonly index0: number,
    readonly length: number,
    private readonly arr: unknown[],
  ) {}
  get index() { return this.index0 + 1; }
  get revindex() { return this.length - this.index0; }
  get revindex0() { return this.length - this.index0 - 1; }
  get first() { return this.index0 === 0; }
  get last() { return this.index0 === this.length - 1; }
  get previtem() { return this.index0 > 0 ? this.arr[this.index0 - 1] : undefined; }
  get nextitem() { return this.arr[this.index0 + 1]; }
  cycle(...values: unknown[]) { return values[this.index0 % values.length]; }
}
const loop = (i: number, len: number, arr: unknown[]) => (tick(), new Loop(i, len, arr));

/** Python's `x[start:stop:step]` on a list or a string. */
function slice(obj: unknown, start?: number, stop?: number, step?: number): unknown {
  const text = typeof obj === 'string';
  const items = text ? [...(obj as string)] : toList(obj);
  const n = items.length;
  const by = step ?? 1;
  if (by === 0) throw new Error('slice step cannot be zero');
  const clamp = (v: number | undefined, def: number, lo: number, hi: number) => (v === undefined || v === null ? def : v < 0 ? Math.max(v + n, lo) : Math.min(v, hi));
  const out: unknown[] = [];
  if (by > 0) for (let i = clamp(start, 0, 0, n); i < clamp(stop, n, 0, n); i += by) out.push(items[i]);
  else for (let i = clamp(start, n - 1, -1, n - 1); i > clamp(stop, -1, -1, n - 1); i += by) out.push(items[i]);
  return text ? out.join('') : out;
}

/** `{% set ns.attr = x %}`: only a namespace() takes attributes, as in Jinja. */
function setattr(obj: unknown, key: unknown, value: unknown): void {
  if (!(obj instanceof Namespace)) throw new Error('cannot assign attribute on non-namespace object');
  obj.set(str(key), value);
}

/** Jinja's namespace(): a dict whose attributes `set` can change from inside a loop. */
class Namespace extends PyDict {}

/** Python's range, lazy: each item is a step of the render budget, so `range(10**8)` stops at the budget. */
class PyRange {
  constructor(
    readonly start: number,
    readonly stop: number,
    readonly step: number,
  ) {}
  *[Symbol.iterator]() {
    const { start, stop, step } = this;
    for (let i = start; step > 0 ? i < stop : i > stop; i += step) {
      tick();
      yield i;
    }
  }
}
function range(start: number, stop?: number, step = 1): PyRange {
  if (step === 0) throw new Error('range() arg 3 must not be zero');
  return stop === undefined ? new PyRange(0, start, 1) : new PyRange(start, stop, step);
}

/** Output goes through str(); what it produces counts against the render budget. */
const outStr = (v: unknown) => {
  const s = str(v);
  tick(s.length);
  return s;
};

const py = { loop, str: outStr, truthy, eq, contains, mul, add, mod, getitem, callMethod, loopFilter, slice, setattr };

// --- filters, as Jinja defines them ------------------------------------------------------------

function jinjaIndent(s: unknown, width: unknown = 4, first = false, blank = false): string {
  const pad = typeof width === 'string' ? width : ' '.repeat(Number(width));
  const text = `${str(s)}\n`;
  const lines = pySplitlinesKeepends(text).map((l) => l.replace(/(\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029])$/, ''));
  let rv: string;
  if (blank) rv = lines.join(`\n${pad}`);
  else {
    rv = lines.shift() ?? '';
    if (lines.length) rv += `\n${lines.map((l) => (l ? pad + l : l)).join('\n')}`;
  }
  return first ? pad + rv : rv;
}

const FILTERS: Record<string, (...a: any[]) => unknown> = {
  length: (v) => (typeof v === 'string' ? pyLen(v) : v instanceof PyDict ? v.len() : toList(v).length),
  count: (v) => FILTERS.length!(v),
  join: (v, sep = '', attribute) => toList(v).map((x) => str(attribute === undefined ? x : getitem(x, attribute))).join(str(sep)),
  first: (v) => toList(v)[0],
  last: (v) => toList(v).at(-1),
  list: (v) => toList(v),
  string: (v) => str(v),
  items: (v) => (v instanceof PyDict ? v.items() : []),
  indent: jinjaIndent,
  sort: (v, reverse = false, caseSensitive = false) => {
    const key = (x: unknown) => (typeof x === 'string' && !caseSensitive ? x.toLowerCase() : x);
    const out = [...toList(v)].sort((a, b) => {
      const x = key(a);
      const y = key(b);
      return typeof x === 'string' && typeof y === 'string' ? pyCompare(x, y) : (x as number) - (y as number);
    });
    return reverse ? out.reverse() : out;
  },
  dictsort: (v, ...a) => {
    const [pos, kw] = splitArgs(a);
    const [caseSensitive = false, by = 'key', reverse = false] = [kw.case_sensitive ?? pos[0], kw.by ?? pos[1], kw.reverse ?? pos[2]];
    if (by !== 'key' && by !== 'value') throw new Error('You can only sort by either "key" or "value"');
    const at = by === 'key' ? 0 : 1;
    const key = (x: unknown): unknown => (typeof x === 'string' && !caseSensitive ? x.toLowerCase() : Array.isArray(x) ? x.map(key) : x);
    const items: Array<[string, unknown]> = v instanceof PyDict ? v.items() : Object.entries(v ?? {});
    const out = items.map((it) => ({ it, k: key(it[at]) })).sort((x, y) => pyOrder(x.k, y.k)).map((x) => x.it);
    return reverse ? out.reverse() : out;
  },
  map(this: unknown, v, ...a) {
    const [pos, kw] = splitArgs(a);
    if (kw.attribute !== undefined) return toList(v).map((x) => getitem(x, kw.attribute) ?? kw.default);
    const f = loadRuntime().env.getFilter(String(pos[0]));
    const rest = Object.keys(kw).length ? [...pos.slice(1), { ...kw, __keywords: true }] : pos.slice(1);
    return toList(v).map((x) => f.call(this, x, ...rest));
  },
  int: (v, ...a) => {
    const [pos, kw] = splitArgs(a);
    const def = 'default' in kw ? kw.default : (pos[0] ?? 0);
    const base = Number(kw.base ?? pos[1] ?? 10);
    return pyInt(v, base) ?? def;
  },
};

// --- the compiler --------------------------------------------------------------------------------

const require = createRequire(import.meta.url);
interface Nunjucks {
  env: any;
  globals: Record<string, unknown>;
  runtime: any;
  parser: any;
  transformer: any;
  nodes: any;
  Compiler: any;
}
interface Runtime {
  env: any;
  globals: Record<string, unknown>;
  runtime: any;
  /** The frame a render starts with. */
  Frame: new () => any;
}
let runtimeLoaded: Runtime | undefined;

/** What rendering needs (no lexer, parser or compiler): precompiled templates load only this. */
function loadRuntime(): Runtime {
  if (runtimeLoaded) return runtimeLoaded;
  const builtinFilters = require('nunjucks/src/filters.js');
  const builtinTests = require('nunjucks/src/tests.js');
  const globals = require('nunjucks/src/globals.js')();
  globals.range = range;
  globals.namespace = (...a: unknown[]) => {
    const [pos, kw] = splitArgs(a);
    return new Namespace([...(pos[0] instanceof PyDict ? pos[0].items() : []), ...Object.entries(kw)]);
  };
  const tests: Record<string, unknown> = {
    ...builtinTests,
    none: (v: unknown) => v === null,
    sequence: (v: unknown) => Array.isArray(v) || typeof v === 'string' || v instanceof PyDict,
    integer: (v: unknown) => typeof v === 'number' && Number.isInteger(v),
    float: (v: unknown) => typeof v === 'number' && !Number.isInteger(v),
    boolean: (v: unknown) => typeof v === 'boolean',
    true: (v: unknown) => v === true,
    false: (v: unknown) => v === false,
    string: (v: unknown) => typeof v === 'string',
    mapping: (v: unknown) => v instanceof PyDict,
    iterable: (v: unknown) => Array.isArray(v) || typeof v === 'string' || v instanceof PyDict,
    in: (v: unknown, seq: unknown) => contains(v, seq),
  };
  // The little of nunjucks' Environment that compiled templates use: no loaders, no blocks, no includes
  // (towncrier renders one template from a string, so Jinja cannot include or extend there either).
  const env = {
    opts: { autoescape: false, throwOnUndefined: false, trimBlocks: true, lstripBlocks: false },
    extensionsList: [],
    asyncFilters: [],
    getFilter(name: string) {
      const f = FILTERS[name] ?? builtinFilters[name === 'default' ? 'default' : name];
      if (!f) throw new Error(`no filter named ${name}`);
      return f;
    },
    getTest(name: string) {
      const t = tests[name];
      if (!t) throw new Error(`no test named ${name}`);
      return t;
    },
    getExtension: () => undefined,
    getTemplate() {
      throw new Error('a towncrier template cannot include, import or extend other templates');
    },
  };
  const runtime = require('nunjucks/src/runtime.js');
  // nunjucks' Frame.set splits every name on '.' for nested sets; compiled templates set plain names
  // (loop variables, `set`) several times per iteration, so those go straight in. A subclass, not a patch.
  class Frame extends runtime.Frame {
    constructor(parent?: Frame, isolateWrites?: boolean) {
      super(parent, isolateWrites);
    }
    set(name: string, val: unknown, resolveUp?: boolean): void {
      if (resolveUp || name.includes('.')) super.set(name, val, resolveUp);
      else this.variables[name] = val;
    }
    push(isolateWrites?: boolean): Frame {
      return new Frame(this, isolateWrites);
    }
  }
  runtimeLoaded = { env, globals, runtime, Frame };
  return runtimeLoaded;
}

let loaded: (Nunjucks & { PyCompiler: any }) | undefined;

function load(): Nunjucks & { PyCompiler: any } {
  if (loaded) return loaded;
  const nodes = require('nunjucks/src/nodes.js');
  const { Compiler } = require('nunjucks/src/compiler.js');
  const wrap = (typename: string, target: unknown, lineno = 0, colno = 0) => ({ typename, target, lineno, colno });

  const OWN = new Set(['Truthy', 'PyCall', 'PyThunk']);
  class PyCompiler extends Compiler {
    _compileExpression(node: any, frame: any) {
      if (OWN.has(node?.typename)) return this.compile(node, frame);
      return super._compileExpression(node, frame);
    }
    compilePyCall(node: any, frame: any) {
      this._emit(`__py.${node.fn}(`);
      node.args.forEach((a: any, i: number) => {
        if (i) this._emit(', ');
        if (typeof a === 'string') this._emit(a);
        else this.compile(a, frame);
      });
      this._emit(')');
    }
    compilePyThunk(node: any, frame: any) {
      this._emit('(() => (');
      this.compile(node.target, frame);
      this._emit('))');
    }
    compileTruthy(node: any, frame: any) {
      this.compilePyCall({ fn: 'truthy', args: [node.target] }, frame);
    }
    compileIf(node: any, frame: any, async?: boolean) {
      if (node.cond.typename !== 'Truthy') node.cond = wrap('Truthy', node.cond);
      return super.compileIf(node, frame, async);
    }
    compileInlineIf(node: any, frame: any) {
      if (node.cond.typename !== 'Truthy') node.cond = wrap('Truthy', node.cond);
      return super.compileInlineIf(node, frame);
    }
    compileNot(node: any, frame: any) {
      this._emit('!');
      this.compileTruthy(node, frame);
    }
    compileOr(node: any, frame: any) {
      // a or b: a if a is true, else b (both are values, not booleans)
      this._emit('((__t) => __py.truthy(__t) ? __t : ');
      this.compile(node.right, frame);
      this._emit(')(');
      this.compile(node.left, frame);
      this._emit(')');
    }
    compileAnd(node: any, frame: any) {
      this._emit('((__t) => !__py.truthy(__t) ? __t : ');
      this.compile(node.right, frame);
      this._emit(')(');
      this.compile(node.left, frame);
      this._emit(')');
    }
    compileMul(node: any, frame: any) {
      this.compilePyCall({ fn: 'mul', args: [node.left, node.right] }, frame);
    }
    compileAdd(node: any, frame: any) {
      this.compilePyCall({ fn: 'add', args: [node.left, node.right] }, frame);
    }
    compileGroup(node: any, frame: any) {
      // `(a, b)` is a tuple in Jinja, not JavaScript's comma operator.
      if (node.children.length > 1) return this._compileAggregate(node, frame, '[', ']');
      return super.compileGroup(node, frame);
    }
    compileConcat(node: any, frame: any) {
      this._emit('(__py.str(');
      this.compile(node.left, frame);
      this._emit(') + __py.str(');
      this.compile(node.right, frame);
      this._emit('))');
    }
    compileMod(node: any, frame: any) {
      this.compilePyCall({ fn: 'mod', args: [node.left, node.right] }, frame);
    }
    compileIn(node: any, frame: any) {
      this.compilePyCall({ fn: 'contains', args: [node.left, node.right] }, frame);
    }
    compileCompare(node: any, frame: any) {
      if (node.ops.length === 1 && (node.ops[0].type === '==' || node.ops[0].type === '!=')) {
        if (node.ops[0].type === '!=') this._emit('!');
        this.compilePyCall({ fn: 'eq', args: [node.expr, node.ops[0].expr] }, frame);
        return;
      }
      super.compileCompare(node, frame);
    }
    compileLookupVal(node: any, frame: any) {
      this.compilePyCall({ fn: 'getitem', args: [node.target, node.val] }, frame);
    }
    compileFunCall(node: any, frame: any) {
      if (node.name?.typename !== 'LookupVal') return super.compileFunCall(node, frame);
      this._emit(`(lineno = ${node.lineno}, colno = ${node.colno}, __py.callMethod(`);
      this.compile(node.name.target, frame);
      this._emit(', ');
      this.compile(node.name.val, frame);
      this._emit(', ');
      this._compileAggregate(node.args, frame, '[', ']))');
    }
    compileOutput(node: any, frame: any) {
      node.children = node.children.map((c: any) => (c instanceof nodes.TemplateData ? c : { typename: 'PyCall', fn: 'str', args: [c], lineno: c.lineno, colno: c.colno }));
      return super.compileOutput(node, frame);
    }
    // Jinja scoping: `set` binds in the current scope (a loop body is one); it never writes through to
    // a variable of an enclosing loop or the template, as nunjucks' `set` does.
    compileSet(node: any, frame: any) {
      // `{% set ns.attr = value %}`: an attribute of a namespace().
      if (node.targets.length === 1 && node.targets[0].typename === 'LookupVal' && node.value) {
        const target = node.targets[0];
        this._emit('__py.setattr(');
        this.compile(target.target, frame);
        this._emit(', ');
        this.compile(target.val, frame);
        this._emit(', ');
        this._compileExpression(node.value, frame);
        this._emitLine(');');
        return;
      }
      const ids = node.targets.map((target: any) => {
        const own = frame.variables[target.value];
        if (own !== undefined && own !== null) return own;
        const id = this._tmpid();
        this._emitLine(`var ${id};`);
        return id;
      });
      this._emit(`${ids.join(' = ')} = `);
      if (node.value) this._compileExpression(node.value, frame);
      else this.compile(node.body, frame);
      this._emitLine(';');
      node.targets.forEach((target: any, i: number) => {
        const name = JSON.stringify(target.value);
        frame.set(target.value, ids[i]);
        this._emitLine(`frame.set(${name}, ${ids[i]});`);
        this._emitLine(`if(frame.topLevel) { context.setVariable(${name}, ${ids[i]}); }`);
      });
    }
    compilePyWith(node: any, frame: any) {
      this._emitLine('frame = frame.push();');
      const inner = frame.push();
      for (const set of node.sets) this.compileSet(set, inner);
      this.compile(node.body, inner);
      this._emitLine('frame = frame.pop();');
    }
    _emitLoopBindings(_node: any, arr: string, i: string, len: string) {
      this._emitLine(`frame.set("loop", __py.loop(${i}, ${len}, ${arr}));`);
    }
    compileFor(node: any, frame: any) {
      // Jinja's `for x in xs if cond`: nunjucks parses it as `for x in (xs if cond)`.
      const arr = node.arr;
      if (arr instanceof nodes.InlineIf && arr.else_ === null && !node.pyFiltered) {
        node.pyFiltered = true;
        const names = node.name instanceof nodes.Array ? node.name.children : [node.name];
        const data = new nodes.Output(arr.lineno, arr.colno, [new nodes.TemplateData(arr.lineno, arr.colno, '1')]);
        const body = new nodes.NodeList(arr.lineno, arr.colno, [new nodes.If(arr.lineno, arr.colno, arr.cond, new nodes.NodeList(arr.lineno, arr.colno, [data]), null)]);
        const args = new nodes.NodeList(arr.lineno, arr.colno, names.map((n: any) => new nodes.Symbol(n.lineno, n.colno, n.value)));
        const caller = new nodes.Caller(arr.lineno, arr.colno, new nodes.Symbol(arr.lineno, arr.colno, 'caller'), args, body);
        node.arr = { typename: 'PyCall', fn: 'loopFilter', args: [arr.body, caller, String(names.length)], lineno: arr.lineno, colno: arr.colno };
      }
      return super.compileFor(node, frame);
    }
  }
  void wrap;
  const lexer = require('nunjucks/src/lexer.js');
  const { Parser } = require('nunjucks/src/parser.js');
  const isClose = (t: any) => t.type === lexer.TOKEN_RIGHT_PAREN || t.type === lexer.TOKEN_RIGHT_BRACKET || t.type === lexer.TOKEN_RIGHT_CURLY;
  // Jinja syntax nunjucks' parser lacks: slices (`value[1:]`), a trailing comma in a literal, `{% with %}`,
  // and None/True/False.
  class PyParser extends (Parser as new (tokens: unknown) => any) {
    parsePostfix(node: any) {
      for (let tok = this.peekToken(); tok; tok = this.peekToken()) {
        if (tok.type === lexer.TOKEN_LEFT_PAREN) node = new nodes.FunCall(tok.lineno, tok.colno, node, this.parseSignature());
        else if (tok.type === lexer.TOKEN_LEFT_BRACKET) node = this.parseSubscript(node, tok);
        else if (tok.type === lexer.TOKEN_OPERATOR && tok.value === '.') {
          this.nextToken();
          const val = this.nextToken();
          if (val.type !== lexer.TOKEN_SYMBOL) this.fail(`expected name as lookup value, got ${val.value}`, val.lineno, val.colno);
          node = new nodes.LookupVal(tok.lineno, tok.colno, node, new nodes.Literal(val.lineno, val.colno, val.value));
        } else break;
      }
      return node;
    }
    parsePrimary(noPostfix?: boolean) {
      const tok = this.peekToken();
      // Jinja also spells its constants as Python does.
      if (tok?.type === lexer.TOKEN_SYMBOL && (tok.value === 'None' || tok.value === 'True' || tok.value === 'False')) {
        this.nextToken();
        const lit = new nodes.Literal(tok.lineno, tok.colno, tok.value === 'None' ? null : tok.value === 'True');
        return noPostfix ? lit : this.parsePostfix(lit);
      }
      return super.parsePrimary(noPostfix);
    }
    parseStatement() {
      const tok = this.peekToken();
      if (tok.type === lexer.TOKEN_SYMBOL && tok.value === 'with' && !this.breakOnBlocks?.includes('with')) return this.parseWith();
      return super.parseStatement();
    }
    /** `{% with [a = x, …] %}…{% endwith %}`: a scope; what is set inside stays inside. */
    parseWith() {
      const tag = this.nextToken();
      const sets: any[] = [];
      while (this.peekToken().type !== lexer.TOKEN_BLOCK_END) {
        if (sets.length && !this.skip(lexer.TOKEN_COMMA)) this.fail('expected a comma between with assignments', tag.lineno, tag.colno);
        const target = this.parsePrimary();
        if (!this.skipValue(lexer.TOKEN_OPERATOR, '=')) this.fail('expected = in a with assignment', tag.lineno, tag.colno);
        sets.push(new nodes.Set(tag.lineno, tag.colno, [target], this.parseExpression()));
      }
      this.advanceAfterBlockEnd(tag.value);
      const body = this.parseUntilBlocks('endwith');
      this.advanceAfterBlockEnd();
      return { typename: 'PyWith', sets, body, lineno: tag.lineno, colno: tag.colno };
    }
    parseSubscript(target: any, tok: any) {
      this.nextToken();
      const part = (...ends: string[]) => (ends.includes(this.peekToken().type) ? null : this.parseExpression());
      const start = part(lexer.TOKEN_COLON);
      if (!this.skip(lexer.TOKEN_COLON)) {
        if (!this.skip(lexer.TOKEN_RIGHT_BRACKET)) this.fail('expected ] after the index', tok.lineno, tok.colno);
        return new nodes.LookupVal(tok.lineno, tok.colno, target, start);
      }
      const stop = part(lexer.TOKEN_COLON, lexer.TOKEN_RIGHT_BRACKET);
      const step = this.skip(lexer.TOKEN_COLON) ? part(lexer.TOKEN_RIGHT_BRACKET) : null;
      if (!this.skip(lexer.TOKEN_RIGHT_BRACKET)) this.fail('expected ] after the slice', tok.lineno, tok.colno);
      const arg = (x: any) => x ?? 'undefined';
      return { typename: 'PyCall', fn: 'slice', args: [target, arg(start), arg(stop), arg(step)], lineno: tok.lineno, colno: tok.colno };
    }
    parseAggregate() {
      const tok = this.peekToken();
      if (tok.type !== lexer.TOKEN_LEFT_PAREN && tok.type !== lexer.TOKEN_LEFT_BRACKET && tok.type !== lexer.TOKEN_LEFT_CURLY) return super.parseAggregate();
      this.nextToken();
      const node = tok.type === lexer.TOKEN_LEFT_PAREN ? new nodes.Group(tok.lineno, tok.colno) : tok.type === lexer.TOKEN_LEFT_BRACKET ? new nodes.Array(tok.lineno, tok.colno) : new nodes.Dict(tok.lineno, tok.colno);
      for (;;) {
        if (isClose(this.peekToken())) {
          this.nextToken();
          break;
        }
        if (node.children.length > 0) {
          if (!this.skip(lexer.TOKEN_COMMA)) this.fail('expected a comma after the expression', tok.lineno, tok.colno);
          if (isClose(this.peekToken())) continue;
        }
        if (node instanceof nodes.Dict) {
          const key = this.parsePrimary();
          if (!this.skip(lexer.TOKEN_COLON)) this.fail('expected a colon after the dict key', tok.lineno, tok.colno);
          const value = this.parseExpression();
          node.addChild(new nodes.Pair(key.lineno, key.colno, key, value));
        } else node.addChild(this.parseExpression());
      }
      return node;
    }
  }
  const parser = {
    parse(src: string, extensions: unknown, opts: unknown) {
      const p = new PyParser(lexer.lex(src, opts));
      if (extensions !== undefined) p.extensions = extensions;
      return p.parseAsRoot();
    },
  };
  loaded = { ...loadRuntime(), parser, transformer: require('nunjucks/src/transformer.js'), nodes, Compiler, PyCompiler };
  return loaded;
}

export interface CompiledTemplate {
  render(data: Record<string, unknown>): string;
}

/** Where an error from nunjucks happened: 1-based line, if it says. */
function lineOf(err: unknown, base: 0 | 1): number | undefined {
  const e = err as { lineno?: number; message?: string };
  // The parser reports 1-based lines; errors while rendering carry the compiler's 0-based ones.
  if (typeof e.lineno === 'number') return e.lineno + base;
  const m = /\[Line (\d+), Column \d+\]/.exec(e.message ?? '');
  return m ? Number(m[1]) : undefined;
}

function cleanMessage(err: unknown): string {
  const msg = String((err as Error).message ?? err);
  return msg.replace(/^\(.*?\)(?: \[Line \d+, Column \d+\])?\s*/s, '').replace(/^Template render error:\s*/, '').split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
}

/** Jinja reads templates with universal newlines and drops one trailing newline. */
export function normalizeSource(source: string): string {
  let src = source.replace(/\r\n?/g, '\n');
  if (src.endsWith('\n')) src = src.slice(0, -1);
  // What nunjucks' lexer lacks, rewritten without moving any line: trim_blocks also trims after a
  // comment (the newline moves inside it), `+%}` keeps the newline after a block tag, `{%+` is `{%`
  // when lstrip_blocks is off.
  return src
    .replace(/(-?)#\}\n/g, '\n$1#}')
    .replace(/\+%\}\n/g, '%}\n{{ "\\n" }}')
    .replace(/\+%\}/g, '%}')
    .replace(/\{%\+/g, '{%');
}

/** Compile Jinja source; a syntax error is a ConfigError naming `file:line`. */
export function compileTemplate(source: string, file: string): CompiledTemplate {
  const src = normalizeSource(source);
  let props: any;
  const pre = precompiled(src);
  if (pre) props = new Function('__py', pre)(py);
  else try {
    const n = load();
    const ast = n.parser.parse(src, n.env.extensionsList, n.env.opts);
    const c = new n.PyCompiler(file, false);
    c.compile(n.transformer.transform(ast, n.env.asyncFilters, file));
    props = new Function('__py', c.getCode())(py);
  } catch (err) {
    const line = lineOf(err, 0);
    throw new ConfigError(`template syntax error: ${cleanMessage(err)}`, {
      file: line ? `${file}:${line}` : file,
      hint: 'fix the template (towncrier templates are Jinja2)',
      cause: err,
    });
  }
  return {
    render(data) {
      const n = loadRuntime();
      const vars: Record<string, unknown> = { ...data };
      const context = {
        env: n.env,
        ctx: vars,
        lookup: (name: string) => (name in vars ? vars[name] : n.globals[name]),
        setVariable: (name: string, value: unknown) => void (vars[name] = value),
        getVariables: () => vars,
        addExport: () => undefined,
        getBlock: () => { throw new Error('blocks are not supported in towncrier templates'); },
        getSuper: () => { throw new Error('blocks are not supported in towncrier templates'); },
      };
      let out = '';
      let failure: unknown;
      try {
        withBudget(TEMPLATE_BUDGET, () =>
          props.root(n.env, context, new n.Frame(), n.runtime, (err: unknown, res: string) => {
            failure = err;
            out = res;
          }),
        );
      } catch (err) {
        if (!(err instanceof BudgetExceeded)) throw err;
        throw new ConfigError(`the template ${err.message} while rendering the notes`, {
          file,
          hint: 'a release-notes template may loop and build text only within its budget; simplify it (a huge range() or string repetition)',
        });
      }
      if (failure) {
        const line = lineOf(failure, 1);
        throw new ConfigError(`template error: ${cleanMessage(failure)}`, { file: line ? `${file}:${line}` : file, hint: 'fix the template', cause: failure });
      }
      return out;
    },
  };
}

/** The JavaScript nunjucks (with our compiler) makes of Jinja source; used to precompile the packaged templates. */
export function compileToCode(source: string, name: string): string {
  const n = load();
  const c = new n.PyCompiler(name, false);
  c.compile(n.transformer.transform(n.parser.parse(source, n.env.extensionsList, n.env.opts), n.env.asyncFilters, name));
  return c.getCode();
}

function precompiled(src: string): string | undefined {
  for (const t of PRECOMPILED) if (t.source === src) return t.code;
  return undefined;
}

export function compileTemplateFile(file: string): CompiledTemplate {
  return compileTemplate(readUserFileSync(file, { kind: 'template', root: null }), file);
}
