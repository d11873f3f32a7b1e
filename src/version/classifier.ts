// The `Development Status` trove classifier a version implies, as Backend.AI's setupgen derives it from VERSION.
import { parseVersion, toParts } from './pep440.js';

export const DEVELOPMENT_STATUS_PREFIX = 'Development Status :: ';

/**
 * dev → 2 - Pre-Alpha, a → 3 - Alpha, b and rc → 4 - Beta, a final or post release → 5 - Production/Stable.
 * Statuses 1, 6 and 7 (Planning, Mature, Inactive) say something no version suffix does, so they are left alone.
 */
export function developmentStatus(version: string): string | null {
  const parsed = parseVersion(version);
  if (!parsed) return null;
  const p = toParts(parsed);
  if (p.dev !== null) return `${DEVELOPMENT_STATUS_PREFIX}2 - Pre-Alpha`;
  if (p.pre?.[0] === 'a') return `${DEVELOPMENT_STATUS_PREFIX}3 - Alpha`;
  if (p.pre) return `${DEVELOPMENT_STATUS_PREFIX}4 - Beta`;
  return `${DEVELOPMENT_STATUS_PREFIX}5 - Production/Stable`;
}

/** Statuses a version suffix decides; a project that says Planning, Mature or Inactive has chosen that itself. */
const DERIVED = /^Development Status :: [2345] - /;

/** The Development Status classifiers among `classifiers` that contradict `version`, with the one it implies. */
export function contradictingStatus(classifiers: string[], version: string): { found: string; expected: string } | null {
  const expected = developmentStatus(version);
  if (!expected) return null;
  const found = classifiers.map((c) => c.trim()).find((c) => DERIVED.test(c) && c !== expected);
  return found ? { found, expected } : null;
}

/**
 * The pyproject.toml text with a contradicting `Development Status` classifier (inside a TOML string of
 * [project] classifiers) replaced by the one `version` implies; unchanged when none contradicts.
 */
export function rewriteDevelopmentStatus(text: string, version: string): { text: string; from: string | null; to: string | null } {
  const expected = developmentStatus(version);
  if (!expected) return { text, from: null, to: null };
  let from: string | null = null;
  const out = text.replace(/(["'])(Development Status :: [2345] - [A-Za-z/ -]+?)\1/g, (all, quote: string, found: string) => {
    if (found === expected) return all;
    from = found;
    return `${quote}${expected}${quote}`;
  });
  return { text: out, from, to: from ? expected : null };
}
