import { describe, expect, it } from 'vitest';
import { parseBuildFile, type BuildCall } from '../../src/config/discovery/build-file.js';
import { ConfigError } from '../../src/errors.js';

function errorOf(text: string): ConfigError {
  try {
    parseBuildFile(text, 'src/x/BUILD');
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('the static BUILD reader', () => {
  it('reads calls, keyword arguments, implicit string concatenation, lists, tuples, dicts, escapes and comments', () => {
    const b = parseBuildFile(
      `# a comment
python_distribution(
    name="dist",  # trailing comment
    provides=python_artifact(
        name='backend.ai-' "agent",
        description="""Backend.AI
Agent""",
        license=r"LGPL\\v3",
    ),
    entry_points={"backendai_cli_v10": {"ag": "ai.backend.agent.cli:main"}},
    tags=("wheel", "platform-specific",),
    sdist=False,
    weight=-3,
    note="tab\\tnew\\u00e9",
)
_deps = ["//src/a:src"]
pex_binary(name="x", **common_scie_config("lazy"), dependencies=[*_deps, ":src"])
`,
      'BUILD',
    );
    expect(b.calls.map((c) => c.func)).toEqual(['python_distribution', 'pex_binary']);
    const dist = b.calls[0]!;
    expect(dist.line).toBe(2);
    const provides = dist.kwargs.find((k) => k.name === 'provides')!.value as BuildCall;
    expect(provides.kwargs.map((k) => [k.name, (k.value as { value: string }).value])).toEqual([
      ['name', 'backend.ai-agent'],
      ['description', 'Backend.AI\nAgent'],
      ['license', 'LGPL\\v3'],
    ]);
    expect(dist.kwargs.find((k) => k.name === 'tags')!.value).toMatchObject({ type: 'list', items: [{ value: 'wheel' }, { value: 'platform-specific' }] });
    expect(dist.kwargs.find((k) => k.name === 'sdist')!.value).toMatchObject({ type: 'const', value: false });
    expect(dist.kwargs.find((k) => k.name === 'weight')!.value).toMatchObject({ type: 'num', value: -3 });
    expect(dist.kwargs.find((k) => k.name === 'note')!.value).toMatchObject({ value: 'tab\tnewé' });
    expect(dist.kwargs.find((k) => k.name === 'entry_points')!.value).toMatchObject({ type: 'dict', entries: [{ key: { value: 'backendai_cli_v10' } }] });
    expect(b.assigns.get('_deps')).toMatchObject({ type: 'list', items: [{ value: '//src/a:src' }] });
    // Spreads and names are kept as opaque references, never evaluated.
    expect(b.calls[1]!.args[0]).toMatchObject({ type: 'spread', double: true, value: { type: 'call', func: 'common_scie_config' } });
  });

  it.each<[string, string, number, RegExp]>([
    ['an if statement', 'python_sources()\nif True:\n    python_sources()\n', 2, /`if` is not read/],
    ['a function definition', 'def f():\n    pass\n', 1, /`def` is not read/],
    ['an import', 'import os\n', 1, /`import` is not read/],
    ['string formatting', 'python_sources(name="a" % 1)\n', 1, /operator `%`/],
    ['list concatenation', 'x = [1]\n\npython_sources(sources=["a"] + x)\n', 3, /operator `\+`/],
    ['a method call', 'python_sources(name=",".join(["a"]))\n', 1, /operator `\.`/],
    ['an f-string', 'python_sources(\n    name=f"a{1}",\n)\n', 2, /f-string/],
    ['a comprehension', 'python_sources(sources=[s for s in "ab"])\n', 1, /`for` is not read/],
    ['a lambda', 'f = lambda: 1\n', 1, /`lambda` is not read/],
    ['an unterminated string', 'python_sources(\n  name="a,\n)\n', 2, /never ends/],
    ['a repeated keyword', 'python_sources(\n  name="a",\n  name="b",\n)\n', 3, /given twice/],
    ['a missing comma', 'python_sources(\n  name="a"\n  sources=[],\n)\n', 3, /unexpected/],
  ])('refuses %s with file:line', (_what, text, line, message) => {
    const err = errorOf(text);
    expect(err.file).toBe(`src/x/BUILD:${line}`);
    expect(err.message).toMatch(message);
  });
});
