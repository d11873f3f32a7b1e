// The single-file build: the committed bundle is what the source builds today, and it behaves like the CLI.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { releaseBin, repoRoot } from '../helpers/cli.js';

const bundle = path.join(repoRoot, 'bundle/wheelwright.mjs');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ww-bundle-data-'));
// `plan` writes dist/: run in a copy of examples/.
const work = mkdtempSync(path.join(os.tmpdir(), 'ww-bundle-examples-'));
cpSync(path.join(repoRoot, 'examples'), work, { recursive: true, verbatimSymlinks: true });
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

function run(file: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [file, ...args], {
    cwd: work,
    env: { ...process.env, WHEELWRIGHT_PLAIN_OUTPUT: '1', GITHUB_ACTIONS: '', WHEELWRIGHT_DATA_DIR: dataDir, ...env },
    encoding: 'utf8',
  });
}

describe('bundle/wheelwright.mjs', () => {
  it('is exactly what `node .ci/bundle.mjs` builds from the source now', () => {
    const r = spawnSync(process.execPath, [path.join(repoRoot, '.ci/bundle.mjs'), '--check'], { cwd: repoRoot, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/matches the source \(sha256 [0-9a-f]{64}, \d+ bytes\)/);
  });

  it('answers like the unbundled CLI, reading its recipes from the data it carries', () => {
    for (const args of [['version', 'show', '--json'], ['plan', '--format', 'table'], ['config', 'show', '--json']]) {
      const a = run(bundle, args);
      const b = run(releaseBin, args);
      expect(a.status, `${args.join(' ')}: ${a.stderr}`).toBe(0);
      expect(a.stdout.replace(/"createdAt": "[^"]+"/g, '')).toBe(b.stdout.replace(/"createdAt": "[^"]+"/g, ''));
    }
  });

  it('cold (no data folder, no config cache), `version show` evaluates no zod, yaml, octokit, listr2 or execa', () => {
    // The chunks' names are hashes: each heavy library is recognised by a string only its own code holds.
    const signatures = { zod: '_zod', yaml: 'YAMLMap', octokit: 'octokit-rest.js', listr2: 'ListrError', execa: 'Command failed with exit code' };
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ww-bundle-trace-'));
    try {
      const trace = path.join(dir, 'trace.txt');
      const r = spawnSync(process.execPath, ['--import', path.join(repoRoot, 'test/fixtures/trace-loads.mjs'), bundle, 'version', 'show'], {
        cwd: work,
        env: { ...process.env, TRACE_FILE: trace, WHEELWRIGHT_DATA_DIR: path.join(dir, 'data'), WHEELWRIGHT_NO_CACHE: '1' },
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      const chunks = readFileSync(trace, 'utf8').split('\n').filter((u) => u.startsWith('file:') && u.includes('/dist-js/'));
      expect(chunks.length).toBeGreaterThan(1);
      const evaluated = Object.entries(signatures).filter(([, sig]) => chunks.some((u) => readFileSync(fileURLToPath(u), 'utf8').includes(sig)));
      expect(evaluated.map(([name]) => name)).toEqual([]);
      // The signatures are real: every one is in some chunk of the bundle.
      const all = readdirSync(path.join(dir, 'data'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.js'));
      const text = all.map((e) => readFileSync(path.join(e.parentPath, e.name), 'utf8')).join('\n');
      for (const [name, sig] of Object.entries(signatures)) expect(text.includes(sig), name).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs as a JavaScript action: the command comes from the `command` and `args` inputs', () => {
    const r = run(bundle, [], { INPUT_COMMAND: 'version show', INPUT_ARGS: '--json' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ version: '0.3.0' });
  });
  it('never runs code from a data folder someone else could have written, or an incomplete one', () => {
    const name = /'wheelwright-([0-9a-f]{16})'/.exec(readFileSync(bundle, 'utf8'))![0].slice(1, -1);
    const marker = path.join(work, 'planted-code-ran');
    const plant = (base: string) => {
      const d = path.join(base, name);
      mkdirSync(path.join(d, 'dist-js'), { recursive: true });
      writeFileSync(path.join(d, 'dist-js/entry.js'), `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x');`);
      writeFileSync(path.join(d, '.complete'), '');
      return d;
    };
    const cases: Array<[string, (d: string) => void]> = [
      ['writable by others', (d) => chmodSync(d, 0o777)],
      ['incomplete', (d) => rmSync(path.join(d, '.complete'))],
    ];
    // As root, a folder of another user can be made too.
    if (process.getuid?.() === 0) cases.push(['owned by another user', (d) => chownSync(d, 65534, 65534)]);
    for (const [what, spoil] of cases) {
      const base = mkdtempSync(path.join(os.tmpdir(), 'ww-bundle-planted-'));
      try {
        spoil(plant(base));
        const r = run(bundle, ['version', 'show'], { WHEELWRIGHT_DATA_DIR: base });
        expect(r.status, `${what}: ${r.stderr}`).toBe(0);
        expect(r.stdout.trim(), what).toBe(readFileSync(path.join(work, 'VERSION'), 'utf8').trim());
        expect(existsSync(marker), what).toBe(false);
      } finally {
        rmSync(base, { recursive: true, force: true });
      }
    }
  });
});
