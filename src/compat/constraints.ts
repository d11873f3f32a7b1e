// `compat fetch`: the files of a set that fit one platform and Python, written as a pinned, hashed
// requirements file.
//
// Why a requirements file: pip (checked with Debian's pip 23.0) takes `--hash` only from requirements,
// not from constraints: `pip install --require-hashes -c FILE pkg` fails because `pkg` itself has no
// hash. So the file pins every package of the set with `==` and its hashes, and is used as
//   pip install --require-hashes -r constraints.txt
// which installs exactly the set: a dependency outside the file, or a file with another digest, fails.
import * as pep440 from '@renovatebot/pep440';
import { CompatError } from '../errors.js';
import type { SetFile, SetPackage, VersionSet } from '../versionset.js';
import { type PlatformSpec, type PythonSpec, supportedTags, tagIndex, wheelPriority } from './tags.js';

export interface PackageSelection {
  pkg: SetPackage;
  /** The files pip may pick there, best first: every fitting wheel, or the sdist when allowed. */
  files: SetFile[];
  /** True when no wheel fits and the sdist was taken (`--allow-sdist`). */
  fromSdist: boolean;
}

function pythonFits(requiresPython: string | null, py: PythonSpec): boolean {
  if (!requiresPython) return true;
  try {
    return pep440.satisfies(`${py.major}.${py.minor}.0`, requiresPython);
  } catch {
    return true;
  }
}

/**
 * Choose, for every package of the set, the files that install on `platform` with CPython `py`, in
 * pip's order of preference. Every package that cannot be installed there is named in one error.
 */
export function selectFiles(set: VersionSet, platform: PlatformSpec, py: PythonSpec, opts: { allowSdist?: boolean } = {}): PackageSelection[] {
  const supported = tagIndex(supportedTags(py, platform));
  const pyLabel = `CPython ${py.major}.${py.minor}${py.freeThreaded ? 't' : ''}`;
  const out: PackageSelection[] = [];
  const problems: string[] = [];
  let sdistHint = false;
  for (const pkg of set.packages) {
    if (!pythonFits(pkg.requiresPython, py)) {
      problems.push(`${pkg.name} ${pkg.version} requires Python ${pkg.requiresPython}, not ${py.major}.${py.minor}`);
      continue;
    }
    const wheels = pkg.files
      .filter((f) => f.type === 'wheel')
      .map((f) => ({ f, rank: wheelPriority(f.filename, supported) }))
      .filter((w): w is { f: SetFile; rank: number } => w.rank !== null)
      .sort((a, b) => a.rank - b.rank || (a.f.filename < b.f.filename ? -1 : 1));
    if (wheels.length) {
      out.push({ pkg, files: wheels.map((w) => w.f), fromSdist: false });
      continue;
    }
    const sdist = pkg.files.find((f) => f.type === 'sdist');
    if (sdist && opts.allowSdist) {
      out.push({ pkg, files: [sdist], fromSdist: true });
      continue;
    }
    const have = pkg.files.filter((f) => f.type === 'wheel').map((f) => f.filename);
    problems.push(
      `${pkg.name} ${pkg.version} has no wheel for ${platform.input} and ${pyLabel}` +
        (have.length ? ` (wheels: ${have.join(', ')})` : ' (no wheels at all)') +
        (sdist ? `; its sdist is ${sdist.filename}` : '; and no sdist'),
    );
    if (sdist) sdistHint = true;
  }
  if (problems.length) {
    throw new CompatError(`set ${set.version} cannot be installed on ${platform.input} with ${pyLabel}: ${problems.join('; ')}`, {
      field: '--platform',
      hint: sdistHint
        ? 'pass --allow-sdist to pin the sdist instead (pip then builds it, which needs a compiler and the build backend), or pick another --platform/--python'
        : 'pick another --platform or --python',
    });
  }
  return out;
}

export interface ConstraintsHeader {
  source: string;
  platform: string;
  python: string;
}

/** The requirements file: one `name==version` per package with a `--hash` per fitting file. */
export function renderConstraints(set: VersionSet, selection: PackageSelection[], header: ConstraintsHeader): string {
  const lines = [
    `# Version set ${set.version} (tag ${set.tag}${set.commit ? `, commit ${set.commit}` : ''})`,
    `# for ${header.platform}, CPython ${header.python}; from ${header.source}`,
    '# Written by `release compat fetch`. Install exactly this set with:',
    '#   pip install --require-hashes -r THIS_FILE',
    '# (a requirements file: pip reads --hash only there, not from -c constraints)',
  ];
  for (const s of [...selection].sort((a, b) => (a.pkg.name < b.pkg.name ? -1 : 1))) {
    if (s.fromSdist) lines.push(`# ${s.pkg.name}: no wheel for this platform, pip builds the sdist`);
    lines.push(`${s.pkg.name}==${s.pkg.version} \\`);
    s.files.forEach((f, i) => lines.push(`    --hash=sha256:${f.sha256}${i < s.files.length - 1 ? ' \\' : ''}`));
  }
  return lines.join('\n') + '\n';
}
