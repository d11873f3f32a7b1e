// The set check: the artifacts in dist/ against the release plan's expected artifacts.
import type { BuiltArtifact, ExpectedArtifact } from '../manifest.js';
import { matchesExpected } from '../manifest.js';

export interface SetFinding {
  code: 'SET-MISSING' | 'SET-UNEXPECTED' | 'SET-DUPLICATE' | 'SET-DIGEST';
  /** The expected artifact id (missing, duplicate) or the filename (unexpected). */
  subject: string;
  package: string | null;
  target: string | null;
  files: string[];
  message: string;
}

function describeExpected(e: ExpectedArtifact): string {
  const what = e.filename ?? e.pattern ?? e.id;
  return `${e.package} ${e.type} for ${e.target ?? 'any target'}${e.python ? ` (Python ${e.python})` : ''}: ${what}`;
}

/** Missing (no file matches), duplicate (several files match one expectation), unexpected (matches none). */
export function checkSet(expected: ExpectedArtifact[], filenames: string[]): SetFinding[] {
  const out: SetFinding[] = [];
  const claimed = new Set<string>();
  for (const e of expected) {
    const hits = filenames.filter((f) => matchesExpected(e, f));
    hits.forEach((h) => claimed.add(h));
    if (hits.length === 0) {
      out.push({ code: 'SET-MISSING', subject: e.id, package: e.package, target: e.target, files: [], message: `missing ${describeExpected(e)} (built by job ${e.job})` });
    } else if (hits.length > 1) {
      out.push({ code: 'SET-DUPLICATE', subject: e.id, package: e.package, target: e.target, files: hits, message: `${hits.length} files for ${describeExpected(e)}: ${hits.join(', ')}` });
    }
  }
  for (const f of filenames) {
    if (!claimed.has(f)) out.push({ code: 'SET-UNEXPECTED', subject: f, package: null, target: null, files: [f], message: `${f} is not in the release plan; remove it or re-run \`release plan\`` });
  }
  return out;
}

/** A file whose bytes differ from what its build job recorded (rebuilt, re-downloaded or tampered with). */
export function checkBuilt(built: BuiltArtifact[], files: Array<{ filename: string; sha256: string }>): SetFinding[] {
  const byName = new Map(built.map((b) => [b.filename, b]));
  return files.flatMap((f) => {
    const b = byName.get(f.filename);
    if (!b || b.sha256 === f.sha256) return [];
    return [{ code: 'SET-DIGEST' as const, subject: f.filename, package: b.package, target: b.target, files: [f.filename], message: `${f.filename} is not the file job ${b.job} built (sha256 ${f.sha256.slice(0, 12)}…, the build recorded ${b.sha256.slice(0, 12)}…)` }];
  });
}
