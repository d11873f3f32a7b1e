// How often `release verify` agrees with the reference tools on real wheels.
//
//   node test/real/accuracy.mjs ORACLES.json DIR [--ours OURS.json] [--pypi-metadata VERDICTS.json] [--list]
//
// ORACLES.json comes from test/real/oracles.py (auditwheel, twine check's rules, packaging, PyPI's zip rule,
// a zipfile RECORD check). DIR holds the wheels; verify runs over it (`release verify --json`, after
// `npm run build`) unless --ours names a saved report. Prints, per oracle, how many wheels each side rejects
// and where they differ; then the false alarms (verify fails a wheel no oracle rejects) and the misses (an
// oracle rejects a wheel verify passes). Exit 1 when there is any false alarm or miss. --pypi-metadata adds
// PyPI's upload metadata validation (test/real/pypi_metadata.py: packaging's Metadata.from_raw and
// warehouse's own rules) as one more oracle.
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i < 0 ? null : args.splice(i, 2)[1];
};
const ours = flag('--ours');
const pypiMetadata = flag('--pypi-metadata');
const list = args.includes('--list');
const [oracleFile, dir] = args.filter((a) => !a.startsWith('--'));
if (!oracleFile || (!dir && !ours)) {
  console.error('usage: node test/real/accuracy.mjs ORACLES.json DIR [--ours OURS.json] [--list]');
  process.exit(2);
}

function runVerify() {
  const r = spawnSync(process.execPath, [path.join(here, '../../bin/release'), 'verify', '--dist', dir, '--json'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (!r.stdout) throw new Error(`release verify failed:\n${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout);
}

const oracle = JSON.parse(readFileSync(oracleFile, 'utf8'));
if (pypiMetadata) {
  const { verdicts } = JSON.parse(readFileSync(pypiMetadata, 'utf8'));
  for (const [n, w] of Object.entries(oracle.wheels)) if (verdicts[n]) w.pypi_metadata = verdicts[n];
  oracle.oracles.pypi_metadata = JSON.parse(readFileSync(pypiMetadata, 'utf8')).oracles;
}
const report = ours ? JSON.parse(readFileSync(ours, 'utf8')) : runVerify();
const byName = new Map(report.artifacts.map((a) => [a.filename, a]));

/** glibc/musl version of a policy or tag name: manylinux_2_17_x86_64 → [2, 17]; legacy aliases too. */
function libcVersion(tag) {
  const legacy = { manylinux1: [2, 5], manylinux2010: [2, 12], manylinux2014: [2, 17] };
  let m = /^(manylinux|musllinux)_(\d+)_(\d+)_/.exec(tag);
  if (m) return { family: m[1], v: [Number(m[2]), Number(m[3])] };
  m = /^(manylinux1|manylinux2010|manylinux2014)_/.exec(tag);
  if (m) return { family: 'manylinux', v: legacy[m[1]] };
  return null;
}
const cmp = (a, b) => a[0] - b[0] || a[1] - b[1];

/** auditwheel's verdict on the wheel's claim: each linux tag must be at or above the wheel's best policy. */
function auditwheelRejects(name, aw) {
  const tags = name.replace(/\.whl$/, '').split('-').pop().split('.');
  if (!aw?.platform) return null;
  // auditwheel judges one libc family (the binaries'); a wheel may also carry tags of the other (maturin).
  const family = aw.overall.startsWith('musllinux') ? 'musllinux' : 'manylinux';
  const claims = tags.map(libcVersion).filter((c) => c && c.family === family);
  if (!claims.length) return null;
  const overall = libcVersion(aw.overall);
  if (!overall) return `auditwheel: ${aw.overall} (external libraries or symbols outside every policy)`;
  const lowest = claims.sort((a, b) => cmp(a.v, b.v))[0];
  if (cmp(overall.v, lowest.v) > 0) return `auditwheel: best policy ${aw.overall}, above the claimed ${lowest.family}_${lowest.v.join('_')}`;
  return null;
}

const checks = [
  {
    oracle: 'auditwheel (policy verdict)',
    judges: (w) => w.auditwheel?.platform === true,
    rejects: (w, name) => auditwheelRejects(name, w.auditwheel),
    ours: (a) => a.findings.filter((f) => /^W-(MANYLINUX|MUSLLINUX)-|^W-(MUSL-ON-GLIBC|GLIBC-ON-MUSL)$/.test(f.code) && f.level !== 'warning'),
  },
  {
    // A render error PyPI shares: it renders every non-empty description and rejects one that fails.
    oracle: 'twine check (render error)',
    judges: (w) => Boolean(w.twine && !w.twine.error),
    rejects: (w) => (w.twine.errors?.length && !w.twine.empty ? w.twine.errors[0] : null),
    ours: (a) => a.findings.filter((f) => f.code === 'W-DESCRIPTION-RENDER' && f.level !== 'warning'),
  },
  {
    // What fails `twine check --strict` and PyPI accepts: its warnings (no content type, description missing or
    // UNKNOWN) and the render error on an empty reStructuredText description. verify's warnings for the same; a
    // content type that is present but invalid twine does not judge (it renders it as reStructuredText).
    oracle: 'twine check --strict (warnings)',
    judges: (w) => Boolean(w.twine && !w.twine.error),
    rejects: (w) => [...(w.twine.warnings ?? []), ...(w.twine.empty ? w.twine.errors ?? [] : [])].join('; ') || null,
    ours: (a) => a.findings.filter((f) => f.code === 'W-DESCRIPTION-MISSING' || (f.code === 'W-DESCRIPTION-TYPE' && / is missing/.test(f.message))),
  },
  {
    oracle: 'packaging (filename)',
    judges: (w) => Boolean(w.packaging),
    rejects: (w) => (w.packaging.filename_ok ? null : w.packaging.error),
    ours: (a) => a.findings.filter((f) => f.code === 'W-FILENAME'),
  },
  {
    oracle: 'PyPI (local version)',
    judges: (w) => w.packaging?.filename_ok,
    rejects: (w) => (w.packaging.local ? `local version +${w.packaging.local}` : null),
    ours: (a) => a.findings.filter((f) => f.code === 'W-LOCAL-VERSION' && f.level !== 'warning'),
  },
  {
    oracle: 'PyPI (normalised filename name)',
    judges: (w) => w.packaging?.filename_ok && 'name_normalized' in w.packaging,
    rejects: (w) => (w.packaging.name_normalized ? null : 'filename name not normalised'),
    ours: (a) => a.findings.filter((f) => f.code === 'W-NAME-NORMALIZED' && f.level !== 'warning'),
  },
  {
    oracle: 'PyPI (Metadata-Version)',
    judges: (w) => w.packaging?.filename_ok && 'metadata_version_ok' in w.packaging,
    rejects: (w) => (w.packaging.metadata_version_ok ? null : 'Metadata-Version not accepted'),
    ours: (a) => a.findings.filter((f) => f.code === 'W-METADATA-VERSION' && f.level !== 'warning'),
  },
  {
    oracle: 'PyPI (upload metadata validation)',
    judges: (w) => Boolean(w.pypi_metadata),
    rejects: (w) => (w.pypi_metadata.accepted ? null : w.pypi_metadata.reasons.join('; ')),
    ours: (a) => a.findings.filter((f) => /^W-(METADATA-VERSION|METADATA-FIELD-VERSION|METADATA-FIELD|LOCAL-VERSION)$/.test(f.code) && f.level !== 'warning'),
  },
  {
    oracle: 'PyPI (zip ratio > 50 above 64 MiB)',
    judges: (w) => Boolean(w.zip && !w.zip.error),
    rejects: (w) => (w.zip.bomb ? `${w.zip.uncompressed} bytes, ratio ${(w.zip.uncompressed / w.zip.compressed).toFixed(0)}` : null),
    ours: (a) => a.findings.filter((f) => f.code === 'W-ZIP-BOMB' && f.level !== 'warning'),
  },
  {
    // Right digests written in hex (zip.record_hex) are verify's W-RECORD-ENCODING warning, not counted here.
    oracle: 'installer (RECORD hashes and sizes)',
    judges: (w) => Boolean(w.zip && !w.zip.error),
    rejects: (w) => (w.zip.record_ok ? null : w.zip.record_problems.join('; ')),
    ours: (a) => a.findings.filter((f) => f.code.startsWith('W-RECORD-') && f.level !== 'warning'),
  },
];

const wheels = Object.keys(oracle.wheels).filter((n) => byName.has(n)).sort();
const errorsOf = (a) => a.findings.filter((f) => (f.level ?? 'error') === 'error');
console.log(`${wheels.length} wheels judged by both (oracles: ${JSON.stringify(oracle.oracles)})`);
console.log(`verify fails ${wheels.filter((n) => errorsOf(byName.get(n)).length).length}, warns on ${wheels.filter((n) => byName.get(n).findings.some((f) => f.level === 'warning')).length}`);
console.log('');
console.log('oracle                                 judged  oracle-rejects  verify-rejects  agree');
const rejectedBy = new Map();
for (const c of checks) {
  let judged = 0;
  let theirs = 0;
  let mine = 0;
  let agree = 0;
  const diffs = [];
  for (const n of wheels) {
    const w = oracle.wheels[n];
    if (!c.judges(w)) continue;
    judged++;
    const r = c.rejects(w, n);
    const f = c.ours(byName.get(n));
    if (r) theirs++;
    if (f.length) mine++;
    if (Boolean(r) === Boolean(f.length)) agree++;
    else diffs.push(`    ${n}: ${r ? `oracle: ${r}` : `verify: ${f.map((x) => `${x.code} ${x.message}`).join(' | ')}`}`.slice(0, 400));
    if (r && !c.oracle.includes('warnings')) rejectedBy.set(n, [...(rejectedBy.get(n) ?? []), `${c.oracle}: ${r}`]);
  }
  console.log(`${c.oracle.padEnd(38)} ${String(judged).padStart(6)}  ${String(theirs).padStart(14)}  ${String(mine).padStart(14)}  ${((100 * agree) / Math.max(1, judged)).toFixed(1)}%`);
  if (list) for (const d of diffs.slice(0, 30)) console.log(d);
}

// The same external libraries: auditwheel's for the policy the lowest claimed tag is held to (the newest at
// or below it), against the libraries of verify's W-MANYLINUX-LIB / W-MUSLLINUX-LIB findings.
{
  let compared = 0;
  let same = 0;
  let withLibs = 0;
  for (const n of wheels) {
    const aw = oracle.wheels[n].auditwheel;
    if (!aw?.platform) continue;
    const family = aw.overall.startsWith('musllinux') ? 'musllinux' : 'manylinux';
    const claims = n.replace(/\.whl$/, '').split('-').pop().split('.').map(libcVersion).filter((c) => c && c.family === family);
    if (!claims.length) continue;
    const lowest = claims.sort((a, b) => cmp(a.v, b.v))[0];
    const policy = Object.keys(aw.external_libs ?? {})
      .concat([aw.overall, aw.ref, aw.sym])
      .map((p) => ({ p, v: libcVersion(p) }))
      .filter((x) => x.v && cmp(x.v.v, lowest.v) <= 0)
      .sort((a, b) => cmp(b.v.v, a.v.v))[0]?.p;
    const theirs = new Set(policy ? aw.external_libs?.[policy] ?? [] : []);
    const mine = new Set(byName.get(n).findings.filter((f) => /^W-(MANY|MUSL)LINUX-LIB$/.test(f.code)).map((f) => / needs (\S+) \(DT_NEEDED\)/.exec(f.message)?.[1]).filter(Boolean));
    compared++;
    if (theirs.size) withLibs++;
    if (theirs.size === mine.size && [...theirs].every((l) => mine.has(l))) same++;
    else if (list) console.log(`    ${n}: auditwheel ${[...theirs].join(' ') || '-'}; verify ${[...mine].join(' ') || '-'}`.slice(0, 400));
  }
  console.log(`auditwheel external libraries: the same set on ${same} of ${compared} platform wheels (${withLibs} with external libraries)`);
}

// A wheel verify fails only on rules whose oracle could not judge it (auditwheel's pyelftools failing to
// parse a file, say) is unjudged, not a false alarm: nobody said it was valid.
const unjudgedOnly = (n) => {
  const w = oracle.wheels[n];
  const errors = errorsOf(byName.get(n));
  const claims = (cs, f) => cs.some((c) => c.ours({ findings: [f] }).length);
  const unjudgedChecks = checks.filter((c) => !c.judges(w));
  const judgingChecks = checks.filter((c) => c.judges(w));
  // A finding another oracle did judge (and accepted) stays a false alarm.
  return unjudgedChecks.length > 0 && errors.every((f) => claims(unjudgedChecks, f) && !claims(judgingChecks, f));
};
const unjudged = wheels.filter((n) => errorsOf(byName.get(n)).length && !rejectedBy.has(n) && unjudgedOnly(n));
const falseAlarms = wheels.filter((n) => errorsOf(byName.get(n)).length && !rejectedBy.has(n) && !unjudgedOnly(n));
const misses = wheels.filter((n) => rejectedBy.has(n) && !errorsOf(byName.get(n)).length);
console.log('');
console.log(`false alarms (verify fails, every oracle accepts): ${falseAlarms.length}`);
for (const n of falseAlarms) console.log(`  ${n}: ${[...new Set(errorsOf(byName.get(n)).map((f) => f.code))].join(' ')}`);
console.log(`unjudged (verify fails only on rules whose oracle could not judge the wheel): ${unjudged.length}`);
for (const n of unjudged) console.log(`  ${n}: ${[...new Set(errorsOf(byName.get(n)).map((f) => f.code))].join(' ')}`);
console.log(`misses (an oracle rejects, verify passes): ${misses.length}`);
for (const n of misses) console.log(`  ${n}: ${rejectedBy.get(n).join('; ').slice(0, 300)}`);
process.exitCode = falseAlarms.length || misses.length ? 1 : 0;
