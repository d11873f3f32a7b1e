// Human, Markdown and JSON views of a verify run.
import type { VerifyRecord } from '../manifest.js';
import type { ArtifactResult } from './artifacts.js';
import { describe } from './findings.js';
import type { SetFinding } from './set.js';

export interface VerifyOutcome {
  ok: boolean;
  version: string | null;
  artifacts: ArtifactResult[];
  /** null when there was no manifest to compare with. */
  set: SetFinding[] | null;
}

export function codesOf(a: ArtifactResult): string[] {
  return [...new Set(a.findings.map((f) => f.code))].sort();
}

/** One line per artifact: ✓ or its failing codes; then every message; then the set summary. */
export function terminalReport(o: VerifyOutcome): string {
  const width = Math.max(8, ...o.artifacts.map((a) => a.filename.length));
  const lines = o.artifacts.map((a) => `  ${a.filename.padEnd(width)}  ${a.findings.length ? `✗ ${codesOf(a).join(' ')}` : '✓'}`);
  const details = o.artifacts.flatMap((a) => a.findings.map((f) => `  ${f.code}  ${describe(a.filename, f)}`));
  const out = [`${o.artifacts.length} artifact(s)${o.version ? ` for version ${o.version}` : ''}:`, ...lines];
  if (details.length) out.push('', 'Problems:', ...details);
  out.push('', setSummary(o));
  return out.join('\n');
}

export function setSummary(o: VerifyOutcome): string {
  if (o.set === null) return 'Set: not checked (no release manifest; run `release plan` first)';
  if (o.set.length === 0) return 'Set: ✓ every expected artifact is present exactly once, nothing unexpected';
  return ['Set:', ...o.set.map((s) => `  ${s.code}  ${s.message}`)].join('\n');
}

export function markdownReport(o: VerifyOutcome): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const rows = o.artifacts.map((a) => `| \`${esc(a.filename)}\` | ${a.findings.length ? `❌ ${codesOf(a).map((c) => `\`${c}\``).join(' ')}` : '✅'} |`);
  const problems = o.artifacts.flatMap((a) => a.findings.map((f) => `- \`${f.code}\` ${esc(describe(a.filename, f))}`));
  const set = o.set === null ? ['Set not checked: no release manifest.'] : o.set.length === 0 ? ['✅ The set matches the release plan.'] : o.set.map((s) => `- \`${s.code}\` ${esc(s.message)}`);
  return [
    `## release verify: ${o.ok ? '✅ passed' : '❌ failed'}${o.version ? ` (${o.version})` : ''}`,
    '',
    '| artifact | result |',
    '|---|---|',
    ...rows,
    '',
    ...(problems.length ? ['### Problems', '', ...problems, ''] : []),
    '### Set',
    '',
    ...set,
    '',
  ].join('\n');
}

export function sha256sums(artifacts: ArtifactResult[]): string {
  return [...artifacts]
    .sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0))
    .map((a) => `${a.sha256}  ${a.filename}\n`)
    .join('');
}

export function verifyRecord(o: VerifyOutcome, at: Date): VerifyRecord {
  const pick = (code: SetFinding['code']) => (o.set ?? []).filter((s) => s.code === code).map((s) => s.subject);
  return {
    at: at.toISOString(),
    ok: o.ok,
    version: o.version ?? '',
    files: o.artifacts.map((a) => ({ filename: a.filename, sha256: a.sha256, size: a.size, ok: a.findings.length === 0, codes: codesOf(a) })),
    missing: pick('SET-MISSING'),
    unexpected: pick('SET-UNEXPECTED'),
    duplicate: pick('SET-DUPLICATE'),
  };
}

export function jsonReport(o: VerifyOutcome): unknown {
  return {
    ok: o.ok,
    version: o.version,
    artifacts: o.artifacts.map((a) => ({ filename: a.filename, sha256: a.sha256, size: a.size, ok: a.findings.length === 0, codes: codesOf(a), findings: a.findings })),
    set: o.set,
  };
}
