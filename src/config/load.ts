// Find and load the release config: release.yaml at the repo root, or [tool.wheelwright] in pyproject.toml.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import { ConfigError, suggestion } from '../errors.js';
import { entryExists, readUserFile } from '../files.js';
import { redact, registerUrlCredentials } from '../secrets.js';
import type { ReleaseConfig } from './schema.js';
import { parseSimpleYaml, validateFast } from './fast.js';
import { yamlLine } from './yaml-line.js';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';

export interface LoadedConfig {
  /** The repository root: the directory holding the config (or VERSION, or .git). */
  root: string;
  /** The file the config came from, or null when only defaults apply. */
  file: string | null;
  config: ReleaseConfig;
}

const YAML_NAMES = ['release.yaml', 'release.yml'];

// A dangling link or a directory named release.yaml counts as present: reading it then says what is wrong.
async function exists(p: string): Promise<boolean> {
  return entryExists(p);
}

/** YAML alias expansion is bounded: a "billion laughs" file is a config error, not an out-of-memory. */
export const YAML_MAX_ALIAS_COUNT = 100;

/** Walk up from `cwd` to the first directory with a config, VERSION or .git. */
export async function findRoot(cwd: string): Promise<{ root: string; kind: 'yaml' | 'pyproject' | 'none'; file: string | null }> {
  let dir = path.resolve(cwd);
  for (;;) {
    for (const name of YAML_NAMES) {
      const p = path.join(dir, name);
      if (await exists(p)) return { root: dir, kind: 'yaml', file: p };
    }
    const pyproject = path.join(dir, 'pyproject.toml');
    const text = await readUserFile(pyproject, { kind: 'pyproject', root: dir, optional: true });
    if (text !== null && /^\s*\[tool\.wheelwright[\].]/m.test(text)) return { root: dir, kind: 'pyproject', file: pyproject };
    if ((await exists(path.join(dir, '.git'))) || (await exists(path.join(dir, 'VERSION')))) {
      return { root: dir, kind: 'none', file: null };
    }
    const parent = path.dirname(dir);
    if (parent === dir) return { root: path.resolve(cwd), kind: 'none', file: null };
    dir = parent;
  }
}

/** The keys the schema allows at a dot-path (for "did you mean"). */
function keysAt(schema: z.ZodType, at: PropertyKey[]): string[] {
  let s: unknown = schema;
  const unwrap = (x: unknown): unknown => {
    for (let i = 0; i < 10; i++) {
      const def = (x as { def?: { type?: string; innerType?: unknown; element?: unknown; options?: unknown[] } }).def;
      if (!def) return x;
      if (def.type === 'default' || def.type === 'optional' || def.type === 'nullable' || def.type === 'prefault') x = def.innerType;
      else if (def.type === 'union') x = def.options?.find((o) => (o as { def?: { type?: string } }).def?.type === 'object') ?? x;
      else return x;
    }
    return x;
  };
  s = unwrap(s);
  for (const key of at) {
    const def = (s as { def?: { type?: string; element?: unknown; shape?: Record<string, unknown> } }).def;
    if (def?.type === 'array' && typeof key === 'number') s = unwrap(def.element);
    else if (def?.type === 'object' && typeof key === 'string' && def.shape) s = unwrap(def.shape[key]);
    else return [];
  }
  const shape = (s as { def?: { shape?: Record<string, unknown> } }).def?.shape;
  return shape ? Object.keys(shape) : [];
}

/** 1-based line of a dot-path in YAML or TOML text, best effort. */
async function lineOf(file: string, text: string, at: PropertyKey[], kind: 'yaml' | 'pyproject'): Promise<number | undefined> {
  if (kind === 'yaml') return yamlLine(text, at);
  const last = [...at].reverse().find((k) => typeof k === 'string');
  if (typeof last !== 'string') return undefined;
  const lines = text.split('\n');
  const re = new RegExp(`^\\s*"?${last.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?\\s*=`);
  let inTool = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^\s*\[/.test(l)) inTool = /^\s*\[\[?tool\.wheelwright/.test(l);
    if (inTool && (re.test(l) || new RegExp(`^\\s*\\[\\[?tool\\.wheelwright.*\\b${last}\\]`).test(l))) return i + 1;
  }
  return undefined;
}

type Issue = z.core.$ZodIssue;

/** For a union (a package is a string or a mapping), report the branch that got furthest, with its full path. */
function deepestIssue(issue: Issue): Issue {
  if (issue.code !== 'invalid_union' || !issue.errors?.length) return issue;
  let best: Issue | undefined;
  for (const branch of issue.errors) {
    for (const inner of branch) {
      const candidate = deepestIssue({ ...inner, path: [...issue.path, ...inner.path] } as Issue);
      if (!best || candidate.path.length > best.path.length) best = candidate;
    }
  }
  return best && best.path.length > issue.path.length ? best : issue;
}

function describeValue(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? 'nothing' : s.length > 60 ? s.slice(0, 57) + '…' : s;
}

/** Validate a raw config object; `file` and `text` are only for error locations. */
export async function validateConfig(
  raw: unknown,
  where: { file: string; text: string; kind: 'yaml' | 'pyproject' },
): Promise<ReleaseConfig> {
  const fast = validateFast(raw);
  if (fast) return fast;
  const { configSchema } = await import('./schema.js');
  const parsed = configSchema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const issue = deepestIssue(parsed.error.issues[0]!);
  const base = where.kind === 'pyproject' ? ['tool', 'wheelwright'] : [];
  let at: PropertyKey[] = [...issue.path];
  let message: string;
  let hint: string | undefined;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const allowed = keysAt(configSchema as z.ZodType, at);
    at = [...at, key];
    message = `unknown key \`${key}\`${suggestion(key, allowed)}`;
    hint = `allowed here: ${allowed.join(', ')}`;
  } else {
    const value = at.reduce<unknown>((o, k) => (o as Record<PropertyKey, unknown> | undefined)?.[k], raw);
    message = `${issue.message} (got ${describeValue(value)})`;
    if (issue.code === 'invalid_value' && 'values' in issue) hint = `allowed: ${(issue.values as unknown[]).join(', ')}`;
  }
  const line = await lineOf(where.file, where.text, at, where.kind);
  const dotted = [...base, ...at].join('.');
  throw new ConfigError(message, {
    file: line ? `${where.file}:${line}` : where.file,
    field: dotted || undefined,
    hint: hint ?? 'see `release config show` for the effective config and README for every key',
  });
}

/**
 * Validated configs are cached by the hash of their text, so that a command like `version show` does
 * not load the YAML parser and the schema library on every run (bench/startup: 614 ms against 1349 ms
 * without it, node -e 0 429 ms). A changed file is a new key. The cache dir comes from the context's
 * environment, and a dry run reads the cache but never writes it.
 *
 * The key only names the file: an entry holds the sha256 of the text it was made from (never the text, which may
 * hold other tools' settings) and is used only for that text. The sha256 is @noble/hashes' (pure JS, a few
 * microseconds for a config), so that `version show` does not load node:crypto, ~0.05-0.1x of `node -e 0`.
 */
export interface LoadOptions {
  /** The context's environment: WHEELWRIGHT_CACHE_DIR, WHEELWRIGHT_NO_CACHE, XDG_CACHE_HOME. Without it, no cache. */
  env?: NodeJS.ProcessEnv;
  /** Dry run: nothing outside the process changes, so the cache is not written. */
  dryRun?: boolean;
}

/** What a cache entry is for: the tool version, the config's kind and its text. */
function cacheSource(version: string, kind: string, text: string): string {
  return `${version}\0${kind}\0${text}`;
}

/** A file name for a source: FNV-1a, twice 32 bits (the entry itself says which source it is for). */
function cacheKey(source: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return `${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}`;
}

/** The sha256 of a source, in hex: what an entry is checked against. */
function sourceDigest(source: string): string {
  return bytesToHex(sha256(new TextEncoder().encode(source)));
}

function cacheFile(env: NodeJS.ProcessEnv, key: string): string {
  const base = env.WHEELWRIGHT_CACHE_DIR || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'wheelwright');
  return path.join(base, 'config', `${key}.json`);
}

async function readCached(opts: LoadOptions, source: string): Promise<ReleaseConfig | null> {
  const env = opts.env;
  if (!env || env.WHEELWRIGHT_NO_CACHE) return null;
  try {
    const hit = JSON.parse(await readFile(cacheFile(env, cacheKey(source)), 'utf8')) as { sha256: string; config: ReleaseConfig };
    return hit.sha256 === sourceDigest(source) ? hit.config : null;
  } catch {
    return null;
  }
}

async function writeCached(opts: LoadOptions, source: string, config: ReleaseConfig): Promise<void> {
  const env = opts.env;
  if (!env || env.WHEELWRIGHT_NO_CACHE || opts.dryRun) return;
  const file = cacheFile(env, cacheKey(source));
  const json = JSON.stringify({ sha256: sourceDigest(source), config });
  // A config holding a credential (a repository URL's https://user:token@) is never cached to disk.
  if (redact(json) !== json) return;
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, json);
    await rename(tmp, file);
  } catch {
    // A cache that cannot be written only costs speed.
  }
}

export async function loadConfig(cwd: string, opts: LoadOptions = {}): Promise<LoadedConfig> {
  const found = await findRoot(cwd);
  const { toolVersion } = await import('../tool.js');
  if (found.kind === 'none' || !found.file) {
    // The defaults are cached too: a command run outside a project (verify on a directory of wheels) then
    // loads no schema library either.
    const source = cacheSource(toolVersion(), 'none', '');
    const cached = await readCached(opts, source);
    if (cached) return { root: found.root, file: null, config: cached };
    const config = validateFast({}) ?? (await import('./schema.js')).configSchema.parse({});
    await writeCached(opts, source, config);
    return { root: found.root, file: null, config };
  }
  const text = await readUserFile(found.file, { kind: found.kind === 'yaml' ? 'config' : 'pyproject', root: found.root });
  // Passwords in URLs the config holds (publish.pypi.repository_url) are secrets from here on.
  registerUrlCredentials(text);
  const source = cacheSource(toolVersion(), found.kind, text);
  const cached = await readCached(opts, source);
  if (cached) return { root: found.root, file: found.file, config: cached };
  let raw: unknown;
  const simple = found.kind === 'yaml' ? parseSimpleYaml(text) : undefined;
  if (simple) {
    raw = simple;
  } else if (found.kind === 'yaml') {
    const { parseDocument, LineCounter } = await import('yaml');
    const lc = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true });
    if (doc.errors.length) {
      const e = doc.errors[0]!;
      throw new ConfigError(`invalid YAML: ${e.message.split('\n')[0]}`, {
        file: `${found.file}:${e.linePos?.[0]?.line ?? '?'}`,
        hint: 'fix the YAML syntax',
      });
    }
    try {
      raw = doc.toJS({ maxAliasCount: YAML_MAX_ALIAS_COUNT }) ?? {};
    } catch (err) {
      throw new ConfigError(`invalid YAML: ${(err as Error).message.split('\n')[0]}`, {
        file: found.file,
        hint: `use at most ${YAML_MAX_ALIAS_COUNT} alias expansions (*name); write the values out instead`,
      });
    }
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      throw new ConfigError('the config must be a mapping of keys to values', { file: found.file });
    }
  } else {
    const { parse } = await import('smol-toml');
    let toml: Record<string, unknown>;
    try {
      toml = parse(text) as Record<string, unknown>;
    } catch (err) {
      const e = err as { message: string; line?: number };
      throw new ConfigError(`invalid TOML: ${e.message.split('\n')[0]}`, {
        file: e.line ? `${found.file}:${e.line}` : found.file,
      });
    }
    raw = (toml.tool as Record<string, unknown> | undefined)?.wheelwright ?? {};
  }
  const config = await validateConfig(raw, { file: found.file, text, kind: found.kind });
  await writeCached(opts, source, config);
  return { root: found.root, file: found.file, config };
}
