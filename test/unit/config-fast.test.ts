// The config's fast path (src/config/fast.ts) must read exactly what the full path (the `yaml` package, the zod
// schema) reads, or step aside: every case here is checked against the full path, never against a written answer.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseSimpleYaml, validateFast } from '../../src/config/fast.js';
import { configSchema } from '../../src/config/schema.js';
import { CONFIG_SCHEMA_LITE } from '../../src/config/schema-lite.js';

const root = path.resolve(import.meta.dirname, '../..');
const example = readFileSync(path.join(root, 'examples/release.yaml'), 'utf8');

/** What the full path makes of a release.yaml text: `yaml` with the loader's options, then toJS. */
function fullYaml(text: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length) return 'ERROR';
  try {
    return doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch {
    return 'ERROR';
  }
}

/** The fast path agrees (same values, same key order) or declines. */
function expectAgrees(text: string): 'fast' | 'declined' {
  const fast = parseSimpleYaml(text);
  if (fast === undefined) return 'declined';
  expect(JSON.stringify(fast), text).toBe(JSON.stringify(fullYaml(text)));
  const full = configSchema.safeParse(fast);
  const checked = validateFast(fast);
  if (full.success) expect(JSON.stringify(checked), text).toBe(JSON.stringify(full.data));
  else expect(checked, `${text}\n${full.error.issues[0]?.message}`).toBeUndefined();
  return 'fast';
}

const ACCEPTED = [
  example,
  '',
  '# only a comment\n',
  'version_file: VERSION\n',
  'version_file: "VERSION.txt"  # quoted, with a comment\nversion_scheme: calver\n',
  "python: ['3.10', \"3.13t\"]\ntargets: [linux-x86_64, macos-arm64]\n",
  'packages:\n- path: a\n  kind: native\n  targets: [linux-x86_64]\n- b/*\n',
  'packages:\n  - path: a\n    python:\n      - "3.12"\n  -   path: b\n      builder: maturin\n',
  'git:\n  tag_prefix: ""\n  release_branch: trunk\nnotes:\n  consolidate_rc: true\n  code_paths: []\n',
  'verify:\n  max_ratio: 50\n  strict: TRUE\n  ignore:\n    - code: W-WHEEL-TAGS\n      reason: we know why\n',
  'publish:\n  to: [pypi, github]\n  pypi:\n    concurrency: 8\n',
  'lines:\n  - name: LTS\n    series: "26.3"\n    lts: true\n',
  'lines:\n  file: .github/maintained-versions.yml\n',
  'development_status: false\nrecipes_dir: recipes/mine\n',
  // Valid YAML the schema rejects: the validator must step aside.
  'python: [3.10]\n',
  'python: ["3.9x"]\n',
  'version_scheme: other\n',
  'unknown_key: 1\n',
  'packages: [""]\n',
  'publish:\n  pypi:\n    concurrency: 0\n',
  'verify:\n  max_ratio: -1\n',
  'verify:\n  ignore:\n    - code: nope\n      reason: x\n',
  'lines:\n  - name: x\n',
  'git: null\n',
  'targets: ~\n',
  'version_file: 12\n',
  'notes:\n  consolidate_rc: yes\n',
  'version_file: 1.5e3\n',
  'packages:\n-\n  path: a\n',
];

const DECLINED = [
  'version_file: &v VERSION\nrecipes_dir: *v\n',
  'version_file: !!str VERSION\n',
  'git:\n  commit_message: |\n    release {version}\n',
  'git: { tag_prefix: v }\n',
  'version_file: "VER\\u0053ION"\n',
  '---\nversion_file: VERSION\n',
  'version_file: VERSION\nversion_file: OTHER\n',
  'version_file: a#b\n',
  'python: ["3.12", [3]]\n',
  'version_file: VERSION\n\tversion_scheme: calver\n',
  'git:\n  tag_prefix: v\n    remote: up\n',
  '- a\n- b\n',
  "version_file: it's\n",
  'version_file: 0x1F\n',
  'version_file: .inf\n',
  'publish:\n  pypi:\n    repository_url: https://test.pypi.org/legacy/\n',
];

/** YAML 1.2 corner cases: each must read as the full path reads it, or be declined. */
const CORNERS = [
  '__proto__: x\n',
  'git:\n  __proto__: x\n',
  'packages:\n- path: a\n  __proto__: x\n',
  'True: 1\n',
  'Null: x\n',
  'null:\n',
  'version_file: x\u00a0\n',
  'version_file: \u3000x\n',
  '\u00a0version_file: x\n',
  'version_file: x\u2028\n',
  'version_file: a\u000bb\n',
  'version_file: yes\nrecipes_dir: off\n',
  'version_file: 0o17\n',
  'version_file: 0x1F\n',
  'version_file: 1_000\n',
  'version_file: .5\n',
  'version_file: +1\n',
  'version_file: -0\n',
  'version_file: 1e3\n',
  'version_file:',
  'version_file: a\n...\n',
  'version_file: a\n---\nrecipes_dir: b\n',
  '"version_file": a\n',
  'version_file: "a\\"b"\n',
  "version_file: 'it''s'\n",
  'version_file: \u00e9t\u00e9\n',
  'version_file: "\u00e9t\u00e9"\n',
  'version_file: a   \n',
  '\ufeffversion_file: a\n',
  'version_file: a\r\n',
  '# only\n# comments\n',
];

describe('the config fast path', () => {
  it('is generated from the schema (regenerate with WHEELWRIGHT_UPDATE_SCHEMA_LITE=1 npx vitest run test/unit/config-fast.test.ts)', () => {
    const strip = (n: unknown): unknown =>
      Array.isArray(n)
        ? n.map(strip)
        : n && typeof n === 'object'
          ? Object.fromEntries(Object.entries(n).filter(([k]) => k !== 'description' && k !== '$schema').map(([k, v]) => [k, k === 'default' ? v : strip(v)]))
          : n;
    const fresh = strip(z.toJSONSchema(configSchema, { io: 'output', unrepresentable: 'any' }));
    if (process.env.WHEELWRIGHT_UPDATE_SCHEMA_LITE) {
      const file = path.join(root, 'src/config/schema-lite.ts');
      const text = readFileSync(file, 'utf8');
      writeFileSync(file, text.slice(0, text.indexOf('export const CONFIG_SCHEMA_LITE')) + `export const CONFIG_SCHEMA_LITE: LiteSchema = ${JSON.stringify(fresh, null, 2)};\n`);
    }
    expect(CONFIG_SCHEMA_LITE).toEqual(fresh);
  });

  it('has no zod check that JSON Schema drops (refine, superRefine, transform): the lite copy would not see it', () => {
    const hidden: string[] = [];
    const walk = (schema: z.ZodType) =>
      z.toJSONSchema(schema, {
        io: 'output',
        unrepresentable: 'any',
        override: (ctx) => {
          const def = (ctx.zodSchema as unknown as { _zod: { def: { type: string; checks?: { _zod: { def: { check: string } } }[] } } })._zod.def;
          if (['transform', 'pipe', 'custom'].includes(def.type)) hidden.push(def.type);
          for (const c of def.checks ?? []) if (c._zod.def.check === 'custom') hidden.push(`${def.type} refine`);
        },
      });
    walk(z.object({ a: z.string().refine((v) => v !== 'x') }));
    expect(hidden, 'the probe itself sees a refine').toEqual(['string refine']);
    hidden.length = 0;
    walk(configSchema);
    expect(hidden, 'a check the fast path cannot apply: make validateFast decline that key, or drop the check').toEqual([]);
  });

  it('reads the common release.yaml shapes as the yaml package does, and validates them as the schema does', () => {
    for (const text of ACCEPTED) expect(expectAgrees(text), text).toBe('fast');
  });

  it('reads YAML 1.2 corner cases as the full path does, or steps aside', () => {
    for (const text of CORNERS) expectAgrees(text);
  });

  it('steps aside for YAML outside its subset and for values it cannot check exactly', () => {
    for (const text of DECLINED) {
      const fast = parseSimpleYaml(text);
      if (fast !== undefined) expect(validateFast(fast), text).toBeUndefined();
    }
    expect(parseSimpleYaml(DECLINED[0]!)).toBeUndefined();
    expect(validateFast({ publish: { pypi: { repository_url: 'https://test.pypi.org/legacy/' } } })).toBeUndefined();
  });

  it('gives the schema defaults for a missing config', () => {
    expect(JSON.stringify(validateFast({}))).toBe(JSON.stringify(configSchema.parse({})));
  });

  it('never disagrees with the full path on 1500 mutated configs', () => {
    // Deterministic mutations of the accepted corpus: each either reads the same as the full path or is declined.
    let seed = 14;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    const pieces = ['*', ' ', '  ', '\n', ':', ': ', '#', ' #', '"', "'", '-', '- ', '[', ']', ',', '3.1', 'true', 'null', '~', 'x', '.', '0', '*', '&', '!', '{'];
    let fast = 0;
    for (let n = 0; n < 1500; n++) {
      const base = ACCEPTED[rand(ACCEPTED.length)]!;
      const at = rand(base.length + 1);
      const cut = rand(3);
      const text = base.slice(0, at) + pieces[rand(pieces.length)] + base.slice(at + cut);
      if (expectAgrees(text) === 'fast') fast++;
    }
    // The mutations must exercise the fast path, not only its refusals.
    expect(fast).toBeGreaterThan(150);
  });
});
