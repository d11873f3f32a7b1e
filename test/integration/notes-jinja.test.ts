// Jinja features towncrier templates use, rendered by jinja2 (Debian's, towncrier's own dependency)
// and by our nunjucks layer: the output must be identical.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compileTemplate, PyDict } from '../../src/notes/jinja.js';
import { hasPythonModule, requireTools } from '../helpers/tools.js';

const ok = requireTools('jinja parity', [['python3-jinja2', hasPythonModule('jinja2')]]);

const DATA = {
  sections: { '': { feature: { 'Added x.': ['#1', '#2'], 'Added y.': [] }, misc: { '': ['#3'] } }, Web: {} },
  definitions: { feature: { name: 'Features', showcontent: true }, misc: { name: 'Misc', showcontent: false } },
  underlines: ['-', '~'],
  versiondata: { name: 'demo', version: '1.0', date: '2026-01-01' },
  words: ['b', 'A', 'c'],
  n: 3,
  empty: '',
  text: '- A bullet\n  continued',
};

const SNIPPETS = [
  '{% for s, v in sections.items() %}[{{ s }}:{{ v|length }}]{% endfor %}',
  '{% for s in sections %}{{ loop.index }}{{ s or "(top)" }}{% if not loop.last %}, {% endif %}{% endfor %}',
  '{% for c, d in definitions.items() if c in sections[""] and d.showcontent %}{{ d["name"] }}{% endfor %}',
  '{% for t, v in sections[""]["feature"].items() %}\n- {{ t }}{% if v %} ({{ v|join(", ") }}){% endif %}\n\n{% endfor %}\n',
  '{{ underlines[0] * versiondata.name|length }}|{{ "=" * (versiondata.version + versiondata.date)|length }}',
  '{{ text.startswith("- ") }} {{ text.endswith("continued") }} {{ text.split("\\n")|length }} {{ text.splitlines()[1].strip() }}',
  '{{ words|sort|join(",") }} {{ words|first }} {{ words|last }} {{ words|length }} {{ words|upper if false else words|join("")|upper }}',
  '{%- for w in words -%}\n  {{ w }}\n{%- endfor %}\n',
  '{% if empty %}a{% elif n > 2 %}b{% else %}c{% endif %} {{ empty or "dflt" }} {{ n and "yes" }} {{ not empty }}',
  '{{ sections.Web }}{{ sections["Web"]|length }}{% if sections.Web %}x{% else %}empty{% endif %}',
  '{{ versiondata.get("name") }} {{ versiondata.get("nope", "z") }} {{ versiondata.keys()|list|join("/") }}',
  '{{ "%s-%s" % (versiondata.name, n) }} {{ "{}/{}".format(1, "a") }} {{ "x".center(5) }}|',
  '{% set ns = [] %}{% for w in words %}{% set _ = ns.append(w ~ "!") %}{% endfor %}{{ ns|join(" ") }}',
  '{{ none }} {{ true }} {{ [1, "a"] }} {{ n // 2 }} {{ n % 2 }} {{ -n }}',
  '{% for w in words %}{{ loop.index0 }}{{ loop.revindex }}{{ loop.first }}{% endfor %}',
  '{{ text|indent(4) }}|{{ text|replace("-", "*") }}|{{ "  x  "|trim }}|{{ words|reverse|join }}',
  '{# comment #}\n{% if n is defined and missing is not defined %}def{% endif %}\n',
  '{% macro item(t, issues) %}* {{ t }}{% if issues %} [{{ issues|join(",") }}]{% endif %}{% endmacro %}{{ item("a", ["1"]) }}{{ item("b", []) }}',
  '{% for w in [] %}x{% else %}none{% endfor %}',
  '{{ "abc"[0] }}{{ words[-1] }}{{ "a,b".split(",")[1] }}',
  '{% for w in words %}\n{{ w }}\n{% endfor +%}\nafter {# c -#}\n  x{%+ if true %}y{% endif %}\n',
  // What real towncrier templates use (pytest, pip, aiohttp, pip-tools):
  '{{ versiondata.version[1:] }}|{{ words[:2]|join }}|{{ words[::-1]|join }}|{{ words[-2:]|join }}|{{ "abcdef"[1:5:2] }}|{{ words[5:] }}',
  '{% for k, v in sections[""]["feature"]|dictsort(by="value") %}{{ k }};{% endfor %}{% for k, v in definitions|dictsort(reverse=true) %}{{ k }}{% endfor %}',
  '{% for k, v in {"b": 1, "A": 2, "c": 0}|dictsort %}{{ k }}{% endfor %}{% for k, v in {"b": 1, "A": 2}|dictsort(true) %}{{ k }}{% endfor %}',
  '{% with %}{% set n = 7 %}{{ n }}{% endwith %}{{ n }}{% with a = 1, b = n %}{{ a }}{{ b }}{% endwith %}{{ a }}',
  '{%- set refs = ["12", "abc1234", "Gh-9", "1e5"] | map("lower") | map("replace", "e", "f") | map("int", default=None) | select("integer") | map("string") | list -%}{{ refs }}',
  '{{ ["12", "x"] | reject("in", ["12"]) | list }} {{ "ab"|int(default=None, base=16) is not none }} {{ "zz"|int(default=None) }} {{ "3.9"|int }} {{ "ff"|int(base=16) }}',
  '{%- set m = {\n  "afterword": "tip",\n  "highlights": "important",\n} -%}{{ m["highlights"] }} {{ ["{", "}"] | join(m["afterword"] | upper) }} {{ [1, 2,]|length }}',
  '{% set ns = namespace(count=0, seen=[]) %}{% for w in words %}{% set ns.count = ns.count + loop.index %}{% set _ = ns.seen.append(w) %}{% endfor %}{{ ns.count }} {{ ns.seen|join }}',
  '{{ n is integer }} {{ "x" is string }} {{ definitions is mapping }} {{ none is none }} {{ None is none }} {{ True }} {{ n is divisibleby(3) }} {{ words|select("in", ["A", "c"])|list }}',
];

function toPy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toPy);
  if (v && typeof v === 'object') return new PyDict(Object.entries(v).map(([k, x]) => [k, toPy(x)]));
  return v;
}

describe.skipIf(!ok)('our Jinja layer renders like jinja2 (trim_blocks=True, as towncrier)', () => {
  const script = 'import json,sys\nfrom jinja2 import Template\nd=json.load(sys.stdin)\nprint(json.dumps([Template(s, trim_blocks=True).render(**d["data"]) for s in d["snippets"]]))';
  const theirs: string[] = ok ? JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify({ data: DATA, snippets: SNIPPETS }), encoding: 'utf8' })) : [];
  const data = Object.fromEntries(Object.entries(DATA).map(([k, v]) => [k, toPy(v)]));
  it.each(SNIPPETS.map((s, i) => [i, s] as const))('snippet %i: %s', (i, src) => {
    expect(compileTemplate(src, `snippet-${i}`).render(data)).toBe(theirs[i]);
  });
});
