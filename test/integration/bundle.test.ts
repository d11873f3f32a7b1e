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

  it('cold (no data folder, no config cache), `version show` and `version check` run from the file alone: nothing unpacked', () => {
    // The heavy libraries are recognised by a string only their own code holds.
    const signatures = { zod: '_zod', yaml: 'YAMLMap', octokit: 'octokit-rest.js', listr2: 'ListrError', execa: 'Command failed with exit code' };
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ww-bundle-trace-'));
    try {
      for (const args of [['version', 'show'], ['version', 'check']]) {
        const trace = path.join(dir, `trace-${args[1]}.txt`);
        const r = spawnSync(process.execPath, ['--import', path.join(repoRoot, 'test/fixtures/trace-loads.mjs'), bundle, ...args], {
          cwd: work,
          env: { ...process.env, TRACE_FILE: trace, WHEELWRIGHT_DATA_DIR: path.join(dir, 'data'), WHEELWRIGHT_NO_CACHE: '1' },
          encoding: 'utf8',
        });
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout).toContain('0.3.0');
        const loaded = readFileSync(trace, 'utf8').split('\n');
        // Nor node:crypto (36 built-in modules): the config cache's key is no hash from it.
        expect(loaded, args.join(' ')).not.toContain('node:crypto');
        const files = loaded.filter((u) => u.startsWith('file:'));
        expect(files.map((u) => fileURLToPath(u)), args.join(' ')).toEqual([bundle]);
        expect(existsSync(path.join(dir, 'data')), args.join(' ')).toBe(false);
      }
      // The file's own code holds none of the heavy libraries; the folder a heavy command unpacks holds every one.
      const text = readFileSync(bundle, 'utf8');
      const code = text.slice(0, text.lastIndexOf('/*WHEELWRIGHT-FILES'));
      expect(Object.entries(signatures).filter(([, sig]) => code.includes(sig)).map(([name]) => name)).toEqual([]);
      expect(code.length).toBeLessThan(200_000);
      const r = run(bundle, ['version', 'bump', 'minor', '--dry-run'], { WHEELWRIGHT_DATA_DIR: path.join(dir, 'data') });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('0.4.0');
      const all = readdirSync(path.join(dir, 'data'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.js'));
      const unpacked = all.map((e) => readFileSync(path.join(e.parentPath, e.name), 'utf8')).join('\n');
      for (const [name, sig] of Object.entries(signatures)) expect(unpacked.includes(sig), name).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a light command whose config needs the YAML parser, the schema or a glob loads them from the data folder, and answers alike', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ww-bundle-rare-'));
    const project = path.join(dir, 'project');
    cpSync(work, project, { recursive: true, verbatimSymlinks: true });
    const yaml = readFileSync(path.join(project, 'release.yaml'), 'utf8');
    try {
      const configs: Array<[string, string]> = [
        // A flow mapping: outside the fast path's YAML subset.
        ['yaml parser', yaml.replace(/^git:\n(?: {2}.*\n)+/m, 'git: {tag_prefix: v, release_branch: main}\n')],
        // An unknown key: the schema's error, with its line (the YAML parser again).
        ['schema error', yaml.replace('version_scheme: pep440', 'version_schem: pep440')],
        // A glob of packages: version check globs with tinyglobby (version show reads no package).
        ['glob', yaml.replace(/^packages:\n(?: {2}.*\n)+/m, 'packages: ["packages/demo-*"]\n')],
      ];
      for (const [what, text] of configs) {
        expect(text, what).not.toBe(yaml);
        writeFileSync(path.join(project, 'release.yaml'), text);
        for (const args of [['version', 'show'], ['version', 'check', '--json'], ['config', 'show']]) {
          const data = path.join(dir, `data-${what.replace(' ', '-')}-${args[0]}-${args[1]}`);
          const env = { ...process.env, WHEELWRIGHT_PLAIN_OUTPUT: '1', GITHUB_ACTIONS: '', WHEELWRIGHT_NO_CACHE: '1' };
          const a = spawnSync(process.execPath, [bundle, ...args], { cwd: project, env: { ...env, WHEELWRIGHT_DATA_DIR: data }, encoding: 'utf8' });
          const b = spawnSync(process.execPath, [releaseBin, ...args], { cwd: project, env, encoding: 'utf8' });
          const label = `${what}: ${args.join(' ')}`;
          expect(a.status, `${label}: ${a.stderr}`).toBe(b.status);
          expect(a.status, label).toBe(what === 'schema error' ? 2 : 0);
          expect(a.stdout, label).toBe(b.stdout);
          expect(a.stderr, label).toBe(b.stderr);
          if (what === 'schema error') expect(a.stderr, label).toContain('unknown key `version_schem`');
          // The folder was made when a library was needed (the parser, the schema, the glob), and only then.
          expect(existsSync(data), label).toBe(what !== 'glob' || args[0] !== 'version' || args[1] === 'check');
        }
      }
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
    const name = /["']wheelwright-([0-9a-f]{16})["']/.exec(readFileSync(bundle, 'utf8'))![0].slice(1, -1);
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
        // A command that needs the folder (`version show` runs from the file alone).
        const r = run(bundle, ['version', 'bump', 'patch', '--dry-run'], { WHEELWRIGHT_DATA_DIR: base });
        expect(r.status, `${what}: ${r.stderr}`).toBe(0);
        expect(r.stdout.trim(), what).toBe('0.3.1');
        expect(existsSync(marker), what).toBe(false);
      } finally {
        rmSync(base, { recursive: true, force: true });
      }
    }
  });
});
