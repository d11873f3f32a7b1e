// A warning, not a failure: the wheel's `Development Status` classifier says something the release version does not.
import { getAllFields, parseHeaders } from '../wheel/headers.js';
import { contradictingStatus } from '../version/classifier.js';
import type { Finding } from './findings.js';

/** `W-DEV-STATUS` when METADATA's Development Status contradicts the release version (e.g. Production/Stable on an rc). */
export function devStatusWarnings(texts: Record<string, string>, releaseVersion: string | null): Finding[] {
  if (!releaseVersion) return [];
  const entry = Object.keys(texts).find((k) => /^[^/]+\.dist-info\/METADATA$/.test(k));
  if (!entry) return [];
  const bad = contradictingStatus(getAllFields(parseHeaders(texts[entry]!), 'Classifier'), releaseVersion);
  if (!bad) return [];
  return [{ code: 'W-DEV-STATUS', entry, message: `classifier "${bad.found}" contradicts version ${releaseVersion}, which implies "${bad.expected}" (set \`development_status: true\` in release.yaml and \`release prepare\` keeps it in step)` }];
}
