import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';

type Def = { type: string; innerType?: { def: Def }; shape?: Record<string, { def: Def }> };

/** Every leaf key of the config schema as a dot-path (`publish.pypi.concurrency`). */
function leafKeys(def: Def, prefix = ''): string[] {
  while (['default', 'optional', 'prefault', 'nullable'].includes(def.type) && def.innerType) def = def.innerType.def;
  if (def.type !== 'object' || !def.shape) return [prefix];
  return Object.entries(def.shape).flatMap(([k, v]) => leafKeys(v.def, prefix ? `${prefix}.${k}` : k));
}

describe('README', () => {
  it('documents every config key the schema accepts', () => {
    const readme = readFileSync(path.join(import.meta.dirname, '../../README.md'), 'utf8');
    const keys = leafKeys((configSchema as unknown as { def: Def }).def);
    expect(keys.length).toBeGreaterThan(20);
    expect(keys.filter((k) => !readme.includes(`| \`${k}\` |`))).toEqual([]);
  });
});
