import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FilenameError, parseTag, parseWheelFilename, tagString } from '../../src/wheel/filename.js';
import { hasPythonModule, requireTools } from '../helpers/tools.js';

const ok = requireTools('python3-packaging oracle', [['/usr/bin/python3 with packaging', hasPythonModule('packaging')]]);

const ORACLE = `
import json, sys
from packaging.utils import parse_wheel_filename
from packaging.tags import parse_tag
out = []
for kind, s in json.load(sys.stdin):
    try:
        if kind == "wheel":
            name, version, build, tags = parse_wheel_filename(s)
            out.append({"ok": True, "name": name, "version": str(version), "build": list(build) if build else None, "tags": sorted(str(t) for t in tags)})
        else:
            out.append({"ok": True, "tags": sorted(str(t) for t in parse_tag(s))})
    except Exception as e:
        out.append({"ok": False})
json.dump(out, sys.stdout)
`;

const NAMES = ['demo_core', 'Demo_Core', 'demo.core', 'demo', 'a', '', 'demo__core', 'démo', 'demo+core', 'demo core', '_demo', 'demo_', 'x1_2', 'numpy'];
const VERSIONS = ['1.0', '1.0.0', '0.3.0', '1.0rc1', '1.0-RC1', 'v1.0', '1.0.post1', '1.0.dev0', '1!2.0', '1.0+local.1', '1.0+LOCAL', 'banana', '1..0', '', '01.02', '1.0a'];
const BUILDS = [null, '1', '1abc', '123_x', 'abc', '', '0'];
const TAGS = [
  'py3-none-any',
  'py2.py3-none-any',
  'cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64',
  'cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64',
  'cp311-abi3-macosx_10_9_universal2',
  'CP312-CP312-WIN_AMD64',
  'py3-none',
  'py3-none-any-extra',
  'py3..py2-none-any',
  'py3-none-',
  'pp310-pypy310_pp73-manylinux_2_28_aarch64',
  'cp313-cp313t-musllinux_1_2_x86_64',
  'py3.py3-none-any.any',
];

/** The corpus: every name × version × tag with no build, a sample with builds, and odd shapes. */
function corpus(): Array<['wheel' | 'tag', string]> {
  const out: Array<['wheel' | 'tag', string]> = [];
  for (const n of NAMES) for (const v of VERSIONS) for (const t of TAGS) out.push(['wheel', `${n}-${v}-${t}.whl`]);
  for (const b of BUILDS) for (const t of TAGS.slice(0, 4)) for (const v of VERSIONS.slice(0, 5)) if (b !== null) out.push(['wheel', `demo-${v}-${b}-${t}.whl`]);
  for (const odd of ['demo-1.0-py3-none-any.zip', 'demo-1.0-py3-none-any', '.whl', 'demo-1.0-1-2-py3-none-any.whl', 'demo-1.0-py3-none-any.WHL']) out.push(['wheel', odd]);
  for (const t of TAGS) out.push(['tag', t]);
  return out;
}

describe.skipIf(!ok)('wheel filenames and tags, judged by python3-packaging', () => {
  it('accepts and rejects the same filenames, with the same name, version, build and expanded tags', () => {
    const items = corpus();
    const expected = JSON.parse(execFileSync('/usr/bin/python3', ['-c', ORACLE], { input: JSON.stringify(items), maxBuffer: 64 << 20 }).toString()) as Array<Record<string, unknown>>;
    const mismatches: unknown[] = [];
    items.forEach(([kind, s], i) => {
      let ours: Record<string, unknown>;
      try {
        if (kind === 'wheel') {
          const w = parseWheelFilename(s);
          ours = { ok: true, name: w.name, version: w.version, build: w.build, tags: w.tags.map(tagString).sort() };
        } else {
          ours = { ok: true, tags: parseTag(s).map(tagString).sort() };
        }
      } catch (err) {
        if (!(err instanceof FilenameError)) throw err;
        ours = { ok: false };
      }
      if (JSON.stringify(ours) !== JSON.stringify(expected[i])) mismatches.push({ input: s, ours, packaging: expected[i] });
    });
    expect(items.length).toBeGreaterThan(2500);
    // Both verdicts are well represented, so agreement is not vacuous.
    expect(expected.filter((e) => e.ok).length).toBeGreaterThan(500);
    expect(expected.filter((e) => !e.ok).length).toBeGreaterThan(500);
    expect(mismatches.slice(0, 20)).toEqual([]);
  });
});
