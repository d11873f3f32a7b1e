import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createContext } from '../../src/context.js';
import { InternalError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { runSteps, State, type Step } from '../../src/pipeline.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function context() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ww-state-'));
  dirs.push(dir);
  const log = createLogger({ stderr: () => undefined, stdout: () => undefined });
  return createContext({ cwd: dir, log, env: { CI: 'true' } });
}

interface Bag {
  version: string;
  files: string[];
  tag?: string;
}

describe('the step state bag', () => {
  it('carries what one step sets to the steps after it, and to the caller', async () => {
    const state = new State<Bag>({ files: [] });
    const seen: string[] = [];
    const steps: Step<ReturnType<typeof context>, Bag>[] = [
      { name: 'read VERSION', run: (_, s) => void s.set('version', '1.2.0') },
      { name: 'skip without a tag', skip: (_, s) => (s.get('tag') ? false : 'no tag'), run: () => void seen.push('ran') },
      { name: 'name the tag', run: (_, s) => void s.set('tag', `v${s.need('version')}`) },
      { name: 'list files', run: (_, s) => void s.need('files').push(`${s.need('tag')}.txt`) },
    ];
    const outcomes = await runSteps(context(), steps, state);
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'skipped', 'done', 'done']);
    expect(seen).toEqual([]);
    expect(state.need('tag')).toBe('v1.2.0');
    expect(state.need('files')).toEqual(['v1.2.0.txt']);
  });

  it('need() on a key no earlier step set is an internal error naming the key and the step', async () => {
    const state = new State<Bag>();
    const steps: Step<ReturnType<typeof context>, Bag>[] = [
      { name: 'write the tag', run: (_, s) => void s.need('tag') },
      { name: 'read VERSION', run: (_, s) => void s.set('version', '1.2.0') },
    ];
    const err = await runSteps(context(), steps, state).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InternalError);
    expect((err as InternalError).message).toBe('write the tag: step `write the tag` needs `tag`, which no earlier step set (step order)');
    expect(state.get('version')).toBeUndefined();
  });

  it('get() returns an optional value or undefined, and need() outside a run names no step', () => {
    const state = new State<Bag>({ version: '2.0.0' });
    expect(state.get('tag')).toBeUndefined();
    expect(state.need('version')).toBe('2.0.0');
    expect(() => state.need('tag')).toThrow('step `(no step yet)` needs `tag`');
  });
});
