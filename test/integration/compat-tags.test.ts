// Tag selection against the oracle: Debian's python3-packaging (packaging.tags) on a table of platforms.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parsePlatform, parsePython, supportedTags } from '../../src/compat/tags.js';
import { hasPythonModule, requireTools } from '../helpers/tools.js';

const PY = '/usr/bin/python3';
const ok = requireTools('packaging.tags oracle', [['python3-packaging', hasPythonModule('packaging.tags', PY)]]);

// The machine each case describes, in packaging's own terms: glibc/musl level or macOS version and arch.
type Machine = { kind: 'manylinux'; arch: string; glibc: [number, number] } | { kind: 'musllinux'; arch: string; musl: [number, number] }
  | { kind: 'mac'; arch: string; version: [number, number] } | { kind: 'plain'; platform: string };

const CASES: Array<{ platform: string; python: string; machine: Machine }> = [
  { platform: 'linux-x86_64', python: '3.12', machine: { kind: 'manylinux', arch: 'x86_64', glibc: [2, 28] } },
  { platform: 'linux-aarch64', python: '3.11', machine: { kind: 'manylinux', arch: 'aarch64', glibc: [2, 28] } },
  { platform: 'manylinux_2_31_x86_64', python: '3.9', machine: { kind: 'manylinux', arch: 'x86_64', glibc: [2, 31] } },
  { platform: 'manylinux_2_17_ppc64le', python: '3.13', machine: { kind: 'manylinux', arch: 'ppc64le', glibc: [2, 17] } },
  { platform: 'manylinux2014_i686', python: '3.10', machine: { kind: 'manylinux', arch: 'i686', glibc: [2, 17] } },
  { platform: 'manylinux_2_5_x86_64', python: '3.8', machine: { kind: 'manylinux', arch: 'x86_64', glibc: [2, 5] } },
  { platform: 'manylinux_3_2_aarch64', python: '3.12', machine: { kind: 'manylinux', arch: 'aarch64', glibc: [3, 2] } },
  { platform: 'musllinux-x86_64', python: '3.12', machine: { kind: 'musllinux', arch: 'x86_64', musl: [1, 2] } },
  { platform: 'musllinux_1_1_aarch64', python: '3.11', machine: { kind: 'musllinux', arch: 'aarch64', musl: [1, 1] } },
  { platform: 'macos-arm64', python: '3.12', machine: { kind: 'mac', arch: 'arm64', version: [11, 0] } },
  { platform: 'macos-x86_64', python: '3.10', machine: { kind: 'mac', arch: 'x86_64', version: [10, 13] } },
  { platform: 'macosx_14_0_arm64', python: '3.13', machine: { kind: 'mac', arch: 'arm64', version: [14, 0] } },
  { platform: 'macosx_13_0_x86_64', python: '3.11', machine: { kind: 'mac', arch: 'x86_64', version: [13, 0] } },
  { platform: 'macosx_10_9_x86_64', python: '3.9', machine: { kind: 'mac', arch: 'x86_64', version: [10, 9] } },
  { platform: 'windows-amd64', python: '3.12', machine: { kind: 'plain', platform: 'win_amd64' } },
  { platform: 'win32', python: '3.10', machine: { kind: 'plain', platform: 'win32' } },
  { platform: 'windows-arm64', python: '3.13', machine: { kind: 'plain', platform: 'win_arm64' } },
];

// Ask packaging for the platform list of a machine (its level patched in) and then sys_tags' two parts.
const ORACLE = String.raw`
import json, sys
from packaging import tags, _manylinux, _musllinux
cases = json.load(sys.stdin)
out = []
for c in cases:
    m, py = c["machine"], tuple(int(x) for x in c["python"].split("."))
    if m["kind"] == "manylinux":
        _manylinux._get_glibc_version = lambda g=tuple(m["glibc"]): g
        _manylinux._have_compatible_abi = lambda exe, arch: True
        plats = list(_manylinux.platform_tags("linux_" + m["arch"], m["arch"])) + ["linux_" + m["arch"]]
    elif m["kind"] == "musllinux":
        _musllinux._get_musl_version = lambda exe, v=m["musl"]: _musllinux._MuslVersion(v[0], v[1])
        plats = list(_musllinux.platform_tags(m["arch"])) + ["linux_" + m["arch"]]
    elif m["kind"] == "mac":
        plats = list(tags.mac_platforms(tuple(m["version"]), m["arch"]))
    else:
        plats = [m["platform"]]
    interp = "cp%d%d" % py
    t = list(tags.cpython_tags(py, [interp], plats)) + list(tags.compatible_tags(py, interp, plats))
    out.append([str(x) for x in t])
print(json.dumps(out))
`;

describe.skipIf(!ok)('supported tags match packaging.tags', () => {
  it('generates the same ordered tag list as packaging for every platform in the table', () => {
    const oracle = JSON.parse(execFileSync(PY, ['-c', ORACLE], { input: JSON.stringify(CASES), encoding: 'utf8' })) as string[][];
    CASES.forEach((c, i) => {
      const ours = supportedTags(parsePython(c.python), parsePlatform(c.platform));
      expect({ case: c.platform, python: c.python, tags: ours }).toEqual({ case: c.platform, python: c.python, tags: oracle[i] });
    });
  });
});
