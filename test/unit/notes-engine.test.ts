// The notes engine without processes: config defaults, fragment names, Jinja semantics on nunjucks,
// towncrier's changelog insertion rules, and errors that name the file.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { insertNotes } from '../../src/notes/changelog.js';
import { findTowncrierConfig, parseTowncrierTable } from '../../src/notes/config.js';
import { findFragments, groupFragments, parseFragmentName } from '../../src/notes/fragments.js';
import { compileTemplate, compileToCode, normalizeSource, PyDict } from '../../src/notes/jinja.js';
import { pyFormat, pyIntString, pyWrapFill } from '../../src/notes/pystr.js';
import { renderNotes } from '../../src/notes/render.js';
import { PRECOMPILED } from '../../src/notes/templates/precompiled.js';

const dirs: string[] = [];
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ww-notes-unit-'));
  dirs.push(dir);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function errorOf(f: () => unknown): ConfigError {
  try {
    f();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('towncrier config', () => {
  it('has towncrier 26.9 defaults for every key of its config reference', () => {
    const c = parseTowncrierTable({}, '/r/towncrier.toml', '/r');
    expect(c).toMatchObject({
      filename: 'NEWS.rst', directory: null, package: '', packageDir: '.', singleFile: true, startString: '.. towncrier release notes start\n',
      titleFormat: null, issueFormat: null, underlines: ['=', '-', '~'], wrap: false, allBullets: true, orphanPrefix: '+', name: '', version: null,
      createEofNewline: true, createAddExtension: true, ignore: null, issuePattern: '', templateBuiltin: true,
    });
    expect(c.sections).toEqual([['', '']]);
    expect([...c.types.keys()]).toEqual(['feature', 'bugfix', 'doc', 'removal', 'misc']);
    expect(c.types.get('misc')!.showcontent).toBe(false);
    expect(path.basename(c.template)).toBe('default.rst');
    const md = parseTowncrierTable({ filename: 'CHANGES.md' }, '/r/towncrier.toml', '/r');
    expect(path.basename(md.template)).toBe('default.md');
    expect(md.startString).toBe('<!-- towncrier release notes start -->\n');
  });

  it('reads underlines as a string or a list, wrap as a bool or a width, ignore and issue_pattern', () => {
    expect(parseTowncrierTable({ underlines: '=-^' }, '/r/t.toml', '/r').underlines).toEqual(['=', '-', '^']);
    expect(parseTowncrierTable({ underlines: ['', ''] }, '/r/t.toml', '/r').underlines).toEqual(['', '']);
    expect(parseTowncrierTable({ wrap: 100 }, '/r/t.toml', '/r').wrap).toBe(100);
    expect(parseTowncrierTable({ wrap: true }, '/r/t.toml', '/r').wrap).toBe(true);
    expect(parseTowncrierTable({ ignore: ['x.rst', '*.txt'] }, '/r/t.toml', '/r').ignore).toEqual(['x.rst', '*.txt']);
    expect(errorOf(() => parseTowncrierTable({ ignore: 'x.rst' }, '/r/t.toml', '/r')).field).toBe('tool.towncrier.ignore');
    expect(errorOf(() => parseTowncrierTable({ issue_pattern: '(' }, '/r/t.toml', '/r')).field).toBe('tool.towncrier.issue_pattern');
    expect(parseTowncrierTable({ type: [{ name: 'Chores' }] }, '/r/t.toml', '/r').types.get('chores')).toEqual({ name: 'Chores', showcontent: true, check: true });
  });

  it('reads the table form sorted by name with capitalised default names, and the array form in order', () => {
    const t = parseTowncrierTable({ fragment: { zeta: {}, alpha: { name: 'A', showcontent: false } } }, '/r/t.toml', '/r');
    expect([...t.types]).toEqual([['alpha', { name: 'A', showcontent: false, check: true }], ['zeta', { name: 'Zeta', showcontent: true, check: true }]]);
    const typeTables = parseTowncrierTable({ type: { chore: { showcontent: false }, api: {} } }, '/r/t.toml', '/r');
    expect([...typeTables.types]).toEqual([['api', { name: 'Api', showcontent: true, check: true }], ['chore', { name: 'Chore', showcontent: false, check: true }]]);
    const a = parseTowncrierTable({ type: [{ directory: 'z', name: 'Z', showcontent: true }, { directory: 'a', name: 'A', showcontent: false }] }, '/r/t.toml', '/r');
    expect([...a.types.keys()]).toEqual(['z', 'a']);
    const sections = parseTowncrierTable({ section: [{ path: '' }, { name: 'Web', path: 'web' }] }, '/r/t.toml', '/r');
    expect(sections.sections).toEqual([['', ''], ['Web', 'web']]);
  });

  it('reports bad options with the field and a fix', () => {
    expect(errorOf(() => parseTowncrierTable({ singlefile: true }, '/r/t.toml', '/r')).hint).toContain('single_file');
    const bad = errorOf(() => parseTowncrierTable({ wrap: 'yes' }, '/r/t.toml', '/r'));
    expect(bad.field).toBe('tool.towncrier.wrap');
    expect(errorOf(() => parseTowncrierTable({ template: 'towncrier:nope' }, '/r/t.toml', '/r')).message).toContain("'nope.rst'");
    expect(errorOf(() => parseTowncrierTable({ filname: 'X' }, '/r/t.toml', '/r')).message).toContain('did you mean `filename`');
  });

  it('prefers towncrier.toml, falls back to pyproject.toml, and is null without either', async () => {
    const both = tree({ 'towncrier.toml': '[tool.towncrier]\nfilename = "A.md"\n', 'pyproject.toml': '[tool.towncrier]\nfilename = "B.md"\n' });
    expect((await findTowncrierConfig(both))!.filename).toBe('A.md');
    const py = tree({ 'pyproject.toml': '[project]\nname = "x"\n[tool.towncrier]\nfilename = "B.md"\n' });
    expect((await findTowncrierConfig(py))!.filename).toBe('B.md');
    expect(await findTowncrierConfig(tree({ 'pyproject.toml': '[project]\nname = "x"\n' }))).toBeNull();
  });
});

describe('fragment names', () => {
  const types = new Set(['feature', 'bugfix', 'misc']);
  it.each([
    ['123.feature', { ticket: '123', type: 'feature', counter: 0 }],
    ['123.feature.md', { ticket: '123', type: 'feature', counter: 0 }],
    ['123.feature.2.rst', { ticket: '123', type: 'feature', counter: 2 }],
    ['007.bugfix', { ticket: '7', type: 'bugfix', counter: 0 }],
    ['fix-1.2.3.feature', { ticket: 'fix-1.2.3', type: 'feature', counter: 0 }],
    ['12.misc.feature.3', { ticket: '12.misc', type: 'feature', counter: 3 }],
    ['+abc.misc', { ticket: '+abc', type: 'misc', counter: 0 }],
    ['gh-12.feature.x', { ticket: 'gh-12', type: 'feature', counter: 0 }],
  ])('%s parses as towncrier parses it', (name, expected) => {
    expect(parseFragmentName(name, types)).toEqual(expected);
  });
  it.each(['README', '12.feature-x', '12.docs.md'])('%s does not parse', (name) => {
    expect(parseFragmentName(name, types)).toBeNull();
  });
  it('canonicalises integer tickets as Python int() does', () => {
    expect(pyIntString('0012')).toBe('12');
    expect(pyIntString('1_000')).toBe('1000');
    expect(pyIntString('-0')).toBe('0');
    expect(pyIntString('12a')).toBeNull();
  });
});

describe('fragments on disk', () => {
  const toml = '[tool.towncrier]\ndirectory = "changes"\nfilename = "CHANGELOG.md"\n';
  it('skips files that are not fragments, as towncrier 26.9 does, and lists them', async () => {
    const dir = tree({ 'towncrier.toml': toml, 'changes/12.featrue.md': 'x\n', 'changes/examples.rst': 'x\n', 'changes/README.md': 'x\n', 'changes/1.feature': 'y\n' });
    const found = findFragments((await findTowncrierConfig(dir))!);
    expect(found.files).toEqual([path.join(dir, 'changes/1.feature')]);
    expect(found.skipped.sort()).toEqual([path.join(dir, 'changes/12.featrue.md'), path.join(dir, 'changes/examples.rst')]);
  });

  it('with `ignore` set, ignores those files and fails on other files that are not fragments (strict, as towncrier)', async () => {
    const dir = tree({ 'towncrier.toml': `${toml}ignore = ["EXAMPLES.*"]\n`, 'changes/examples.rst': 'x\n', 'changes/1.feature': 'y\n' });
    expect(findFragments((await findTowncrierConfig(dir))!).skipped).toEqual([]);
    writeFileSync(path.join(dir, 'changes/notes.txt'), 'x\n');
    const err = errorOf(() => findFragments(parseTowncrierTable({ directory: 'changes', ignore: ['examples.rst'] }, path.join(dir, 'towncrier.toml'), dir)));
    expect(err.file).toBe(path.join(dir, 'changes/notes.txt'));
    expect(err.hint).toContain('`ignore`');
  });

  it('checks issue names against issue_pattern', async () => {
    const dir = tree({ 'towncrier.toml': `${toml}issue_pattern = "\\\\d+"\n`, 'changes/12.feature': 'x\n', 'changes/+o.feature': 'o\n' });
    expect(findFragments((await findTowncrierConfig(dir))!).files).toHaveLength(2);
    writeFileSync(path.join(dir, 'changes/gh-3.feature'), 'x\n');
    expect(errorOf(() => findFragments(parseTowncrierTable({ directory: 'changes', issue_pattern: '\\d+' }, path.join(dir, 'towncrier.toml'), dir))).message).toContain("'gh-3'");
  });

  it('reports two files for one issue and type', async () => {
    const dir = tree({ 'towncrier.toml': toml });
    const config = (await findTowncrierConfig(dir))!;
    mkdirSync(path.join(dir, 'changes'));
    writeFileSync(path.join(dir, 'changes/5.feature'), 'a\n');
    writeFileSync(path.join(dir, 'changes/5.feature.md'), 'b\n');
    expect(errorOf(() => findFragments(config)).message).toContain('two fragments for issue 5 of type feature');
  });

  it('treats a missing fragments directory as no changes (towncrier#538)', async () => {
    const dir = tree({ 'towncrier.toml': toml });
    const config = (await findTowncrierConfig(dir))!;
    const found = findFragments(config);
    expect(found.files).toEqual([]);
    expect(renderNotes(groupFragments(found, config), config, { name: '', version: '1.0', date: 'd' }).content).toBe('# 1.0 (d)\n\nNo significant changes.\n\n\n'); // towncrier 26.9.0's bytes
  });

  it('merges the same text of several issues into one line, issues sorted as integers', async () => {
    const dir = tree({ 'towncrier.toml': toml, 'changes/10.feature': 'Same.\n', 'changes/9.feature': 'Same.\n', 'changes/+x.feature': 'Orphan.\n' });
    const config = (await findTowncrierConfig(dir))!;
    const notes = renderNotes(groupFragments(findFragments(config), config), config, { name: '', version: '1.0', date: 'd' }).content;
    expect(notes).toContain('- Same. (#9, #10)\n');
    expect(notes).toContain('- Orphan.\n');
  });
});

describe('Jinja semantics on nunjucks', () => {
  const render = (src: string, data: Record<string, unknown> = {}) => compileTemplate(src, 't.j2').render(data);
  it('treats empty dicts and lists as false and returns operands from and/or', () => {
    expect(render('{% if d %}yes{% else %}no{% endif %}', { d: new PyDict() })).toBe('no');
    expect(render('{% if l %}yes{% else %}no{% endif %}', { l: [] })).toBe('no');
    expect(render('{{ a or "x" }}|{{ b and "y" }}', { a: '', b: [1] })).toBe('x|y');
  });
  it('has dict.items/keys/values/get, str methods, str * int and Python str()', () => {
    const d = new PyDict([['2', 'b'], ['1', 'a']]);
    expect(render('{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{{ d.keys()|join(",") }}{{ d.get("9", "z") }}', { d })).toBe('2=b;1=a;2,1z');
    expect(render('{{ "abc".endswith("c") }} {{ "a.b".split(".") }} {{ "-" * 3 }} {{ none }} {{ x }}', { x: [1, 'a'] })).toBe("True ['a', 'b'] --- None [1, 'a']");
  });
  it('filters loops with `for … if …` and keeps loop variables of the filtered list', () => {
    expect(render('{% for x in xs if x > 1 %}{{ loop.index }}/{{ loop.length }}{{ "," if not loop.last }}{% endfor %}', { xs: [1, 2, 3] })).toBe('1/2,2/2');
  });
  it('trims the newline after a block tag and drops the template\'s trailing newline, as towncrier\'s Jinja does', () => {
    expect(render('{% if true %}\na\n{% endif %}\nb\n')).toBe('a\nb');
  });
  it('scopes `set` as Jinja does: a set in a loop body does not change the variable outside', () => {
    expect(render('{% set u = "=" %}{% for x in [1, 2] %}{{ u }}{% set u = "-" %}{{ u }}{% endfor %}{{ u }}')).toBe('=-=-=');
  });
  it('counts length in code points', () => {
    expect(render('{{ "🎉é"|length }}')).toBe('2');
  });
  it('reports a syntax error with the template file and line', () => {
    const err = errorOf(() => compileTemplate('line one\n{% if x %}\n{% endfor %}\n', '/p/news.j2'));
    expect(err.file).toBe('/p/news.j2:3');
    expect(err.message).toContain('template syntax error');
    const runtime = errorOf(() => compileTemplate('a\n{{ x.foo() }}\n', '/p/r.j2').render({ x: 1 }));
    expect(runtime.file).toBe('/p/r.j2:2');
  });
  it('ships precompiled packaged templates that match the templates and the compiler', () => {
    const dir = path.resolve(import.meta.dirname, '../../src/notes/templates');
    expect(PRECOMPILED.map((t) => t.name)).toEqual(['default.md', 'default.rst', 'hr-between-versions.rst', 'single-file-no-bullets.rst']);
    for (const t of PRECOMPILED) {
      const source = normalizeSource(readFileSync(path.join(dir, t.name), 'utf8'));
      expect(t.source, `${t.name} changed: run node src/notes/templates/precompile.mjs`).toBe(source);
      expect(t.code, `compiler changed: run node src/notes/templates/precompile.mjs`).toBe(compileToCode(source, t.name));
    }
  });
});

describe('Python text rules', () => {
  it('wraps as textwrap.fill without breaking long words or hyphens', () => {
    expect(pyWrapFill('- ' + 'word '.repeat(20).trim(), 20, '  ')).toBe('- word word word\n  word word word\n  word word word\n  word word word\n  word word word\n  word word word\n  word word');
    expect(pyWrapFill('x a-very-long-hyphenated-word y', 10, '')).toBe('x\na-very-long-hyphenated-word\ny');
    expect(pyWrapFill('   ', 79, '')).toBe('');
    expect(pyWrapFill('a\tb', 79, '')).toBe('a       b');
  });
  it('formats {fields} like str.format and rejects unknown ones', () => {
    expect(pyFormat('`#{issue} <u/{issue}>`_ {{x}}', { issue: '7' }, 'issue_format')).toBe('`#7 <u/7>`_ {x}');
    expect(() => pyFormat('{nope}', { issue: '7' }, 'issue_format')).toThrow(/unknown field \{nope\}/);
  });
});

describe('changelog insertion (towncrier _writer rules)', () => {
  const opts = { file: 'C.md', startString: '<!-- start -->\n', topLine: '', singleFile: true };
  it('creates the file from the notes alone', () => {
    expect(insertNotes(null, 'N\n\n\n', opts)).toBe('N\n');
  });
  it('puts the notes after the start string, keeping the header and earlier releases', () => {
    expect(insertNotes('# Changelog\n\n<!-- start -->\n\n## 1.0\nold\n', 'N\n\n', opts)).toBe('# Changelog\n\n<!-- start -->\n\nN\n\n## 1.0\nold\n');
  });
  it('puts the notes on top when there is no start string, as towncrier does, and says so', () => {
    let warned = false;
    expect(insertNotes('## 1.0\r\nold\r\n', 'N\n\n', { ...opts, onNoStartString: () => (warned = true) })).toBe('N\n\n## 1.0\nold\n');
    expect(warned).toBe(true);
  });
  it('refuses a release whose title is already there', () => {
    expect(errorOf(() => insertNotes('<!-- start -->\n## demo 1.0\n', 'N\n', { ...opts, topLine: '## demo 1.0' })).message).toContain('already has notes');
  });
  it('writes a fresh file per release with single_file = false', () => {
    expect(insertNotes('old\n', 'N\n', { ...opts, singleFile: false })).toBe('N\n');
  });
});
