// Does what a builder produced match what the plan expects of this job, file for file?
import { BuildError } from '../errors.js';
import { matchesExpected, type ExpectedArtifact } from '../manifest.js';
import { normalizeName } from '../version/pep440.js';
import { FilenameError, parseWheelFilename } from '../wheel/filename.js';

export interface ProducedFile {
  package: string;
  /** Absolute path. */
  path: string;
  filename: string;
}

export interface MatchedFile extends ProducedFile {
  expected: ExpectedArtifact;
}

function describe(e: ExpectedArtifact): string {
  return e.filename ?? e.pattern ?? e.id;
}

function isPureWheel(filename: string): boolean {
  try {
    return parseWheelFilename(filename).platformTags.every((p) => p === 'any');
  } catch (err) {
    if (err instanceof FilenameError) return false;
    throw err;
  }
}

function targetName(e: ExpectedArtifact | undefined, jobTarget: string): string {
  return e?.target ?? jobTarget;
}

/**
 * Pair every produced file with one expected artifact of the job. Fails (naming package and target) on
 * a missing wheel or sdist, a pure wheel where a platform wheel was expected, and any extra file.
 */
export function matchProduced(jobTarget: string, expected: ExpectedArtifact[], produced: ProducedFile[]): MatchedFile[] {
  const open = [...expected];
  const matched: MatchedFile[] = [];
  for (const f of produced) {
    const i = open.findIndex((e) => e.package === f.package && matchesExpected(e, f.filename));
    if (i >= 0) {
      matched.push({ ...f, expected: open[i]! });
      open.splice(i, 1);
      continue;
    }
    const mine = expected.filter((e) => e.package === f.package && e.type === 'wheel');
    if (f.filename.endsWith('.whl') && isPureWheel(f.filename) && mine.some((e) => e.target !== null)) {
      throw new BuildError(`package ${f.package} built a pure wheel ${f.filename} for target ${jobTarget}, where a platform wheel was expected`, {
        hint: 'the build found no compiled extension: check that setup.py/pyproject declares it (ext_modules), or set `kind: pure` for this package',
      });
    }
    const already = matched.find((m) => m.package === f.package && matchesExpected(m.expected, f.filename));
    throw new BuildError(
      already
        ? `package ${f.package} built an extra file ${f.filename} for target ${jobTarget}; ${already.filename} already fills ${describe(already.expected)}`
        : `package ${f.package} built an extra file ${f.filename} for target ${jobTarget} that the plan does not expect (expected: ${expected.filter((e) => e.package === f.package).map(describe).join(', ') || 'nothing'})`,
      { hint: 'make the builder produce only the planned Pythons and platforms (CIBW_BUILD/CIBW_SKIP), or change the config and re-run `release plan`' },
    );
  }
  if (open.length) {
    const e = open[0]!;
    const got = produced.filter((f) => f.package === e.package).map((f) => f.filename);
    throw new BuildError(
      `package ${e.package} produced no ${e.type}${e.python ? ` for Python ${e.python}` : ''} on target ${targetName(e, jobTarget)} (expected ${describe(e)}${got.length ? `; got ${got.join(', ')}` : ''})`,
      { hint: open.length > 1 ? `${open.length - 1} more expected file(s) are missing too; see the builder output above` : 'see the builder output above' },
    );
  }
  return matched;
}

/** The package a file belongs to by its name (wheel or sdist), PEP 503 normalised; null if unparseable. */
export function packageOfFilename(filename: string): string | null {
  if (filename.endsWith('.whl')) {
    try {
      return parseWheelFilename(filename).name;
    } catch {
      return null;
    }
  }
  const m = /^(.+)-[^-]+\.tar\.gz$/.exec(filename);
  return m ? normalizeName(m[1]!) : null;
}
