// The config's fast path: a first run (no cache yet, as on every CI runner) reads a plain release.yaml and checks it
// without evaluating the YAML parser or the schema library, which cost more than Node's own start-up (bench/startup).
// Both halves are conservative: anything outside what they handle exactly returns undefined and the full path (yaml,
// zod) decides, with its error messages. test/unit/config-fast.test.ts checks both against the full path.
import { CONFIG_SCHEMA_LITE, type LiteSchema } from './schema-lite.js';
import type { ReleaseConfig } from './schema.js';

type Value = string | number | boolean | null | Value[] | { [k: string]: Value };

/** A plain scalar the YAML 1.2 core schema reads as a string: no indicator first, no `: `, `#`, quotes or brackets. */
const PLAIN_STRING = /^[A-Za-z_/.][\w./+*-]*(?: [\w./+*-]+)*$/;
const SPECIAL_FLOAT = /^\.(?:inf|Inf|INF|nan|NaN|NAN)$/;
const INT = /^[-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const KEY = /^[A-Za-z_][\w-]*$/;

/** One scalar as the YAML 1.2 core schema resolves it, or undefined when it is not in the subset. */
function scalar(s: string): Value | undefined {
  if (s === '' || s === '~' || s === 'null' || s === 'Null' || s === 'NULL') return null;
  if (s === 'true' || s === 'True' || s === 'TRUE') return true;
  if (s === 'false' || s === 'False' || s === 'FALSE') return false;
  if (/^"[^"\\]*"$/.test(s) || /^'[^']*'$/.test(s)) return s.slice(1, -1);
  if (INT.test(s)) {
    const n = Number(s);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  if (FLOAT.test(s)) return Number(s);
  return PLAIN_STRING.test(s) && !SPECIAL_FLOAT.test(s) ? s : undefined;
}

/** A value after `key:` or `- `: a scalar or a one-line flow sequence of scalars (`[a, "b"]`). */
function inlineValue(s: string): Value | undefined {
  if (!s.startsWith('[')) return scalar(s);
  if (!s.endsWith(']')) return undefined;
  const body = s.slice(1, -1).trim();
  if (body === '') return [];
  const out: Value[] = [];
  for (const part of body.split(',')) {
    const v = scalar(part.trim());
    // A quoted item holding a comma was split: its halves are not scalars, so the whole falls back.
    if (v === undefined || v === null || part.trim() === '') return undefined;
    out.push(v);
  }
  return out;
}

interface Line {
  indent: number;
  text: string;
}

/** Drop a trailing ` # comment` outside quotes; undefined for a line the subset does not read. */
function stripComment(raw: string): string | undefined {
  let quote: string | null = null;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#') {
      if (i === 0 || raw[i - 1] === ' ') return raw.slice(0, i).trimEnd();
      return undefined;
    }
  }
  return quote ? undefined : raw.trimEnd();
}

/**
 * A release.yaml in the common subset of YAML (block mappings and sequences, one-line flow sequences, plain and
 * simply quoted scalars, comments) read as the `yaml` package reads it; undefined for anything else.
 */
export function parseSimpleYaml(text: string): Record<string, Value> | undefined {
  if (text.includes('\t') || text.includes('\r') || text.charCodeAt(0) === 0xfeff) return undefined;
  // Space other than ' ' that JavaScript's trim() drops but YAML keeps in a value (no-break, ideographic, U+2028…).
  if (/[\v\f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/.test(text)) return undefined;
  const lines: Line[] = [];
  for (const raw of text.split('\n')) {
    const t = stripComment(raw);
    if (t === undefined) return undefined;
    if (t.trim() === '') continue;
    const indent = t.length - t.trimStart().length;
    lines.push({ indent, text: t.slice(indent) });
  }
  let i = 0;
  const fail = Symbol('fail');

  // A block (mapping or sequence) whose lines sit at exactly `indent`.
  const block = (indent: number): Value | typeof fail => {
    const first = lines[i];
    if (!first || first.indent !== indent) return fail;
    if (first.text === '-' || first.text.startsWith('- ')) return sequence(indent);
    return mapping(indent, null);
  };

  // The value of `key:` with nothing after the colon: a deeper block, a sequence at the key's own indent, or null.
  const nested = (keyIndent: number): Value | typeof fail => {
    const next = lines[i];
    if (next && next.indent > keyIndent) return block(next.indent);
    if (next && next.indent === keyIndent && (next.text === '-' || next.text.startsWith('- '))) return sequence(keyIndent);
    return null;
  };

  // Entries `key: value` at `indent`; `firstText` is an entry already cut out of a `- key: value` line.
  const mapping = (indent: number, firstText: string | null): Value | typeof fail => {
    const out: Record<string, Value> = {};
    let text = firstText;
    for (;;) {
      if (text === null) {
        const l = lines[i];
        if (!l || l.indent < indent) break;
        if (l.indent > indent || l.text.startsWith('- ') || l.text === '-') return fail;
        text = l.text;
      }
      i++;
      const m = /^([^:\s]+):(?: +(.*))?$/.exec(text);
      text = null;
      // `True:` and `null:` are not string keys in YAML 1.2 (the full path makes them "true" and ""); `__proto__`
      // would set the object's prototype here and vanish from the keys the validator sees.
      if (!m || !KEY.test(m[1]!) || typeof scalar(m[1]!) !== 'string' || m[1] === '__proto__' || Object.hasOwn(out, m[1]!)) return fail;
      const rest = m[2]?.trim() ?? '';
      const v = rest === '' ? nested(indent) : inlineValue(rest);
      if (v === undefined || v === fail) return fail;
      out[m[1]!] = v;
      const l = lines[i];
      // The sequence of a key at the same indent ends at the next key; anything else must be the next entry.
      if (!l || l.indent < indent) break;
    }
    return out;
  };

  const sequence = (indent: number): Value | typeof fail => {
    const out: Value[] = [];
    for (;;) {
      const l = lines[i];
      if (!l || l.indent !== indent || !(l.text === '-' || l.text.startsWith('- '))) break;
      const rest = l.text.slice(1);
      const item = rest.trimStart();
      const itemIndent = indent + 1 + (rest.length - item.length);
      let v: Value | undefined | typeof fail;
      if (item === '') {
        i++;
        const next = lines[i];
        v = next && next.indent > indent ? block(next.indent) : null;
      } else if (/^[^\s:'"[]+:(?: |$)/.test(item)) {
        v = mapping(itemIndent, item);
      } else {
        i++;
        v = inlineValue(item);
      }
      if (v === undefined || v === fail) return fail;
      out.push(v);
    }
    return out;
  };

  if (lines.length === 0) return {};
  if (lines[0]!.indent !== 0) return undefined;
  const top = mapping(0, null);
  if (top === fail || i !== lines.length) return undefined;
  return top as Record<string, Value>;
}

/** `value` checked against one schema node: the output as the schema library would give it, or `fail`. */
function check(node: LiteSchema, value: unknown): unknown {
  const fail = CHECK_FAIL;
  // A keyword this reader does not know (the schema grew one): the full path decides.
  for (const k in node) if (!KNOWN.has(k)) return fail;
  if (node.anyOf) {
    for (const option of node.anyOf) {
      const r = check(option, value);
      if (r !== fail) return r;
    }
    return fail;
  }
  if (node.format !== undefined) return fail; // URLs and the like: the full path checks them exactly.
  if (node.enum) return typeof value === 'string' && node.enum.includes(value) ? value : fail;
  switch (node.type) {
    case 'string':
      if (typeof value !== 'string') return fail;
      if (node.minLength !== undefined && value.length < node.minLength) return fail;
      if (node.maxLength !== undefined && value.length > node.maxLength) return fail;
      if (node.pattern !== undefined && !new RegExp(node.pattern).test(value)) return fail;
      return value;
    case 'boolean':
      return typeof value === 'boolean' ? value : fail;
    case 'number':
    case 'integer':
      if (typeof value !== 'number' || !Number.isFinite(value)) return fail;
      if (node.type === 'integer' && !Number.isSafeInteger(value)) return fail;
      if (node.minimum !== undefined && value < node.minimum) return fail;
      if (node.maximum !== undefined && value > node.maximum) return fail;
      if (node.exclusiveMinimum !== undefined && value <= node.exclusiveMinimum) return fail;
      if (node.exclusiveMaximum !== undefined && value >= node.exclusiveMaximum) return fail;
      return value;
    case 'array': {
      if (!Array.isArray(value) || !node.items) return fail;
      if (node.minItems !== undefined && value.length < node.minItems) return fail;
      const out: unknown[] = [];
      for (const v of value) {
        const r = check(node.items, v);
        if (r === fail) return fail;
        out.push(r);
      }
      return out;
    }
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || node.additionalProperties !== false || !node.properties) return fail;
      const input = value as Record<string, unknown>;
      for (const k of Object.keys(input)) if (!Object.hasOwn(node.properties, k)) return fail;
      const out: Record<string, unknown> = {};
      for (const [k, child] of Object.entries(node.properties)) {
        if (Object.hasOwn(input, k)) {
          const r = check(child, input[k]);
          if (r === fail) return fail;
          out[k] = r;
        } else if ('default' in child) {
          out[k] = structuredClone(child.default);
        } else if (node.required?.includes(k)) {
          return fail;
        }
      }
      return out;
    }
    default:
      return fail;
  }
}
const CHECK_FAIL = Symbol('fail');
const KNOWN = new Set(['type', 'properties', 'required', 'additionalProperties', 'items', 'anyOf', 'enum', 'default', 'format', 'pattern', 'minLength', 'maxLength', 'minItems', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum']);

/** The validated config with its defaults when `raw` is plainly valid; undefined when the full check must decide. */
export function validateFast(raw: unknown): ReleaseConfig | undefined {
  const r = check(CONFIG_SCHEMA_LITE, raw ?? {});
  return r === CHECK_FAIL ? undefined : (r as ReleaseConfig);
}
