// Every secret the process learns is registered here, so that no log line, error or file can carry it.

const secrets = new Set<string>();

/** Remember a secret; on GitHub Actions also ask the runner to mask it in its own log. */
export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < 4 || secrets.has(value)) return;
  secrets.add(value);
  if (process.env.GITHUB_ACTIONS === 'true') process.stdout.write(`::add-mask::${value}\n`);
}

/** Replace every registered secret (and anything shaped like a PyPI or GitHub token) with `***`. */
export function redact(text: string): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  return out
    .replace(/pypi-[A-Za-z0-9_-]{16,}/g, 'pypi-***')
    .replace(/\b(gh[pousr]_[A-Za-z0-9]{20,})/g, '***')
    .replace(/(Authorization:\s*)(Basic|Bearer|token)\s+\S+/gi, '$1$2 ***');
}

/** For tests. */
export function clearSecrets(): void {
  secrets.clear();
}
