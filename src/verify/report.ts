// Human, Markdown and JSON views of a verify run.
import type { VerifyRecord } from '../manifest.js';
import type { ArtifactResult } from './artifacts.js';
import { describe, levelOf, type Finding } from './findings.js';
import type { SetFinding } from './set.js';

export interface VerifyOutcome {
  ok: boolean;
  version: string | null;
  artifacts: ArtifactResult[];
  /** null when there was no manifest to compare with. */
  set: SetFinding[] | null;
  /** Warnings fail too (`--strict`, `verify.strict`). */
  strict?: boolean;
  /** Codes silenced by `verify.ignore`, with the reason given and how many findings each silenced. */
  ignored?: IgnoredCode[];
}

export interface IgnoredCode {
  code: string;
  reason: string;
  count: number;
}

/** What fails the run: errors, and warnings too when strict. */
export function isFailing(f: Finding, strict: boolean): boolean {
  return strict || (f.level ?? levelOf(f.code)) === 'error';
}

/** Drops the findings of ignored codes from every artifact, counting them per code. */
export function applyIgnore(artifacts: ArtifactResult[], ignore: ReadonlyMap<string, string>): { artifacts: ArtifactResult[]; ignored: IgnoredCode[] } {
  const counts = new Map<string, number>();
  const kept = artifacts.map((a) => ({
    ...a,
    findings: a.findings.filter((f) => {
      if (!ignore.has(f.code)) return true;
      counts.set(f.code, (counts.get(f.code) ?? 0) + 1);
      return false;
    }),
  }));
  return { artifacts: kept, ignored: [...ignore].map(([code, reason]) => ({ code, reason, count: counts.get(code) ?? 0 })) };
}

/** The codes that fail this artifact (sorted, once each). */
export function codesOf(a: ArtifactResult, strict = false): string[] {
  return [...new Set(a.findings.filter((f) => isFailing(f, strict)).map((f) => f.code))].sort();
}

/** The codes shown as warnings (those that do not fail it). */
export function warningCodesOf(a: ArtifactResult, strict = false): string[] {
  return [...new Set(a.findings.filter((f) => !isFailing(f, strict)).map((f) => f.code))].sort();
}

function verdict(a: ArtifactResult, strict: boolean, fail: string, warn: string, ok: string, fmt: (c: string) => string = (c) => c): string {
  const errors = codesOf(a, strict);
  const warnings = warningCodesOf(a, strict);
  // ✓ only when there is nothing to show; warnings alone are shown as such.
  const parts = [errors.length ? `${fail} ${errors.map(fmt).join(' ')}` : warnings.length ? '' : ok, warnings.length ? `${warn} ${warnings.map(fmt).join(' ')}` : ''];
  return parts.filter(Boolean).join('  ');
}

/** One line per artifact: ✓ or its failing codes; then every message; then the set summary. */
export function terminalReport(o: VerifyOutcome): string {
  const width = Math.max(8, ...o.artifacts.map((a) => a.filename.length));
  const strict = o.strict ?? false;
  const lines = o.artifacts.map((a) => `  ${a.filename.padEnd(width)}  ${verdict(a, strict, '✗', '⚠', '✓')}`);
  const details = o.artifacts.flatMap((a) => a.findings.map((f) => `  ${isFailing(f, strict) ? 'error  ' : 'warning'}  ${f.code}  ${describe(a.filename, f)}`));
  const out = [`${o.artifacts.length} artifact(s)${o.version ? ` for version ${o.version}` : ''}:`, ...lines];
  if (details.length) out.push('', 'Problems:', ...details);
  for (const i of o.ignored ?? []) out.push(`  ignored  ${i.code} (${i.count} finding(s)): ${i.reason}`);
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
  const strict = o.strict ?? false;
  const rows = o.artifacts.map((a) => `| \`${esc(a.filename)}\` | ${verdict(a, strict, '❌', '⚠️', '✅', (c) => `\`${c}\``)} |`);
  const problems = o.artifacts.flatMap((a) => a.findings.map((f) => `- ${isFailing(f, strict) ? 'error' : 'warning'} \`${f.code}\` ${esc(describe(a.filename, f))}`));
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
    files: o.artifacts.map((a) => ({ filename: a.filename, sha256: a.sha256, size: a.size, ok: codesOf(a, o.strict).length === 0, codes: codesOf(a, o.strict), warnings: warningCodesOf(a, o.strict) })),
    missing: pick('SET-MISSING'),
    unexpected: pick('SET-UNEXPECTED'),
    duplicate: pick('SET-DUPLICATE'),
    strict: o.strict ?? false,
    ignored: o.ignored ?? [],
  };
}

export function jsonReport(o: VerifyOutcome): unknown {
  return {
    ok: o.ok,
    version: o.version,
    artifacts: o.artifacts.map((a) => ({
      filename: a.filename,
      sha256: a.sha256,
      size: a.size,
      ok: codesOf(a, o.strict).length === 0,
      codes: codesOf(a, o.strict),
      warnings: warningCodesOf(a, o.strict),
      findings: a.findings.map((f) => ({ ...f, level: f.level ?? levelOf(f.code) })),
    })),
    set: o.set,
    strict: o.strict ?? false,
    ignored: o.ignored ?? [],
  };
}
