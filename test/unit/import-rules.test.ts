// The import rules of src/ (issue #12): a stage folder never imports another stage folder; stages and shared
// parts import only shared parts and top-level modules; only commands/ and cli.ts put stages together.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { TEST_HOOKS } from '../../src/testseam.js';

const SRC = path.resolve(import.meta.dirname, '../../src');

/** Folders that are one stage of a release (or one command's own work). */
const STAGES = ['prepare', 'plan', 'ci', 'builders', 'verify', 'publish', 'compat'];
/** Folders any stage may use. */
const SHARED = ['git', 'notes', 'config', 'version', 'platforms', 'binary', 'workers', 'wheel', 'github', 'attest'];
/** Folders that put stages together (as cli.ts does): the commands, and the demo, which runs them in turn. */
const ENTRY = ['commands', 'demo'];

type Kind = 'stage' | 'shared' | 'entry' | 'top' | 'cli';

function kindOf(file: string): { kind: Kind; folder: string } {
  const folder = file.includes('/') ? file.split('/')[0]! : '';
  if (folder === '') return { kind: file === 'cli.ts' ? 'cli' : 'top', folder };
  if (STAGES.includes(folder)) return { kind: 'stage', folder };
  if (SHARED.includes(folder)) return { kind: 'shared', folder };
  if (ENTRY.includes(folder)) return { kind: 'entry', folder };
  throw new Error(`src/${folder}/ is in no list of test/unit/import-rules.test.ts: add it to STAGES, SHARED or ENTRY`);
}

/** Every relative import (static, re-export, type-only and dynamic) of every .ts file under src/, as src-relative paths. */
export function importGraph(src: string): Array<{ from: string; to: string }> {
  const edges: Array<{ from: string; to: string }> = [];
  const files = (readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => f.split(path.sep).join('/'));
  for (const from of files) {
    const info = ts.preProcessFile(readFileSync(path.join(src, from), 'utf8'), true, true);
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const to = path.posix.normalize(path.posix.join(path.posix.dirname(from), fileName)).replace(/\.js$/, '.ts');
      edges.push({ from, to });
    }
  }
  return edges;
}

/** Why an import breaks the rules, or null when it keeps them. */
export function violation(from: string, to: string): string | null {
  const a = kindOf(from);
  const b = kindOf(to);
  if (a.kind === 'cli' || a.kind === 'entry') return null;
  if (b.kind === 'cli' || b.kind === 'entry') return `only cli.ts imports ${b.folder || 'cli.ts'}`;
  if (a.kind === 'stage' && b.kind === 'stage' && a.folder !== b.folder) return `stage ${a.folder}/ imports stage ${b.folder}/`;
  if (a.kind !== 'stage' && b.kind === 'stage') return `${a.folder ? `shared ${a.folder}/` : 'top-level ' + from} imports stage ${b.folder}/`;
  return null;
}

/**
 * The WHEELWRIGHT_* variables product code reads that are settings for users (each in --help or the docs);
 * failure injection and other test-only hooks are WHEELWRIGHT_TEST_*, read only through src/testseam.ts.
 */
const USER_SETTINGS = [
  'WHEELWRIGHT_PYTHON', // release build --python's default (--help)
  'WHEELWRIGHT_OFFLINE', // release build --offline (--help)
  'WHEELWRIGHT_NATIVE', // release build --native on a runner that is the target (the local rehearsal)
  'WHEELWRIGHT_CACHE_DIR', // where validated configs are cached
  'WHEELWRIGHT_NO_CACHE', // no config cache
  'WHEELWRIGHT_PLAIN_OUTPUT', // plain step lines instead of listr2 (set by the generated workflow)
  'WHEELWRIGHT_SHA256', // the vendored bundle's digest, in the generated workflow
  'WHEELWRIGHT_TEMPLATE_BUDGET', // seconds a release-notes template may run
  'WHEELWRIGHT_RETRY_DEADLINE', // seconds of retries per publish destination (README)
  'WHEELWRIGHT_NETWORK_TIMEOUT', // seconds one HTTP exchange may take, body included (README)
  'WHEELWRIGHT_FULCIO_URL', // a private Sigstore (docs/supply-chain.md)
  'WHEELWRIGHT_REKOR_URL', // a private Sigstore (docs/supply-chain.md)
  'WHEELWRIGHT_SIGSTORE_TRUSTED_ROOT', // --trusted-root's default (docs/supply-chain.md)
  'WHEELWRIGHT_GITHUB_PACE', // publish's pacing of GitHub writes (its test hooks move to the seam with #12's publish part)
];

const graph = importGraph(SRC);

describe('import rules of src/', () => {
  it('reads the import graph (static, type-only and dynamic imports)', () => {
    // Guards the parser: known edges of each form must be found, or the rules below would pass on nothing.
    const has = (from: string, to: string) => graph.some((e) => e.from === from && e.to === to);
    expect(has('commands/verify.ts', 'workers/pool.ts')).toBe(true);
    expect(has('binary/check-elf.ts', 'platforms/tags.ts')).toBe(true); // import type
    expect(has('context.ts', 'config/load.ts')).toBe(true); // import()
    expect(has('compat/sources.ts', 'versionset.ts')).toBe(true); // the version set is shared, not compat's
    expect(graph.length).toBeGreaterThan(300);
  });

  it('no stage imports another stage, and no shared part or top-level module imports a stage', () => {
    const broken = graph
      .map(({ from, to }) => ({ key: `${from} -> ${to}`, why: violation(from, to) }))
      .filter((e) => e.why !== null)
      .map((e) => `${e.key}: ${e.why}`);
    expect(broken).toEqual([]);
  });

  it('the rules reject what they are meant to reject', () => {
    expect(violation('publish/run.ts', 'verify/scan.ts')).toMatch(/stage publish\/ imports stage verify/);
    expect(violation('wheel/hash-task.ts', 'verify/scan.ts')).toMatch(/shared wheel\/ imports stage verify/);
    expect(violation('manifest.ts', 'plan/compute.ts')).toMatch(/top-level manifest.ts imports stage plan/);
    expect(violation('verify/scan.ts', 'commands/verify.ts')).toMatch(/only cli.ts imports commands/);
    expect(violation('commands/verify.ts', 'verify/scan.ts')).toBeNull();
    expect(violation('verify/scan.ts', 'binary/index.ts')).toBeNull();
    expect(() => violation('attic/x.ts', 'verify/scan.ts')).toThrow(/src\/attic\/ is in no list/);
  });

  it('no file under src/ uses a test seam (exports named *TestSeam) but the one that defines it', () => {
    const files = (readdirSync(SRC, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
    const seams = new Map<string, string>();
    for (const f of files) {
      for (const m of readFileSync(path.join(SRC, f), 'utf8').matchAll(/^export const (\w+TestSeam)\b/gm)) seams.set(m[1]!, f);
    }
    expect(seams.get('scanTestSeam')).toBe(path.join('verify', 'scan.ts'));
    const users = files.flatMap((f) => {
      const text = readFileSync(path.join(SRC, f), 'utf8');
      return [...seams].filter(([name, home]) => home !== f && new RegExp(`\\b${name}\\b`).test(text)).map(([name]) => `${f} uses ${name}`);
    });
    expect(users).toEqual([]);
  });

  it('only src/testseam.ts names a test hook variable, and every WHEELWRIGHT_* variable is a setting or a hook', () => {
    const files = (readdirSync(SRC, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
    const named = files.flatMap((f) => [...readFileSync(path.join(SRC, f), 'utf8').matchAll(/WHEELWRIGHT_[A-Z0-9_]+/g)].map((m) => ({ f, name: m[0] })));
    expect(named.length).toBeGreaterThan(10); // the scan reads something
    expect(named.filter((n) => n.name.startsWith('WHEELWRIGHT_TEST_') && n.f !== 'testseam.ts').map((n) => `${n.f}: ${n.name}`)).toEqual([]);
    const hooks = Object.values(TEST_HOOKS).map((h) => h.env as string);
    expect(hooks).toContain('WHEELWRIGHT_TEST_FAIL_AFTER_STEP');
    const unknown = named.filter((n) => !n.name.startsWith('WHEELWRIGHT_TEST_') && !USER_SETTINGS.includes(n.name)).map((n) => `${n.f}: ${n.name}`);
    // A new one is either a setting documented for users (add it to USER_SETTINGS) or a hook (TEST_HOOKS).
    expect(unknown).toEqual([]);
  });
});
