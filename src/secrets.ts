// Every secret the process learns is registered here, so that no log line, error or file can carry it.

const secrets = new Set<string>();
const masked = new Set<string>();
/** The secrets longest first (a secret containing another is replaced whole); rebuilt after a registration. */
let ordered: string[] | null = null;

/** Remember a secret; on GitHub Actions also ask the runner to mask it in its own log. */
export function registerSecret(value: string | undefined | null, opts: { mask?: boolean } = {}): void {
  if (!value || value.length < 4) return;
  if (!secrets.has(value)) {
    secrets.add(value);
    ordered = null;
  }
  // A value learnt from the environment unmasked is still masked when a step asks (it is about to use it).
  if (opts.mask !== false && !masked.has(value) && process.env.GITHUB_ACTIONS === 'true') {
    masked.add(value);
    process.stdout.write(`::add-mask::${value}\n`);
  }
}

/** Replace every registered secret (and anything shaped like a PyPI or GitHub token) with `***`. */
export function redact(text: string): string {
  let out = text;
  ordered ??= [...secrets].sort((x, y) => y.length - x.length);
  for (const s of ordered) if (out.includes(s)) out = out.split(s).join('***');
  return out
    .replace(/pypi-[A-Za-z0-9_-]{16,}/g, 'pypi-***')
    .replace(/\b(gh[pousr]_[A-Za-z0-9]{20,})/g, '***')
    .replace(/(Authorization:\s*)(Basic|Bearer|token)\s+[A-Za-z0-9+/=._~-]{8,}/gi, '$1$2 ***')
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s/@]+@/gi, '$1***@');
}

/** For tests. */
export function clearSecrets(): void {
  secrets.clear();
  masked.clear();
  ordered = null;
}

/** Environment variables that carry publishing credentials: never handed to a builder, a hook or git. */
export const PUBLISHING_CREDENTIALS = [
  'PYPI_TOKEN',
  'PYPI_ID_TOKEN',
  'TWINE_PASSWORD',
  'TWINE_USERNAME',
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'GH_ENTERPRISE_TOKEN',
  'RELEASE_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_URL',
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_RESULTS_URL',
] as const;

const CREDENTIAL_NAME = /(TOKEN|PASSWORD|PASSWD|SECRET|API_?KEY|PRIVATE_KEY|CREDENTIALS?)$/i;
// scheme://user:password@host — pip's form for a private index.
const URL_USERINFO = /\b[a-z][a-z0-9+.-]*:\/\/([^\s/:@]*):([^\s/@]+)@/gi;

/** Register the password of every `scheme://user:password@` in `text` (percent-decoded too). */
export function registerUrlCredentials(text: string | undefined): void {
  if (!text) return;
  for (const m of text.matchAll(URL_USERINFO)) {
    const pass = m[2]!;
    registerSecret(pass, { mask: true });
    try {
      registerSecret(decodeURIComponent(pass), { mask: true });
    } catch {
      // not percent-encoded
    }
  }
}

/**
 * Every credential the environment holds: variables named like one (…_TOKEN, …_PASSWORD, …_SECRET,
 * …_API_KEY) and the passwords inside URLs (PIP_INDEX_URL=https://user:pass@host/…). The runner masks
 * its own secrets already, so these are not re-announced with ::add-mask::.
 */
export function registerEnvironmentSecrets(env: NodeJS.ProcessEnv): void {
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (CREDENTIAL_NAME.test(name) || (PUBLISHING_CREDENTIALS as readonly string[]).includes(name)) {
      if (!/^(true|false|0|1|yes|no)$/i.test(value)) registerSecret(value, { mask: false });
    }
    registerUrlCredentials(value);
  }
}

/**
 * The environment for a child process (a build backend, a hook, git): ours without the publishing
 * credentials, by name and by value (a publishing token copied under another name is dropped too).
 * Other credentials stay: a build may need its own (AWS_SESSION_TOKEN for sccache, CARGO_REGISTRY_TOKEN,
 * a private index's PIP_INDEX_URL), and whatever the child prints still passes through redact().
 */
export function childEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const publishing = PUBLISHING_CREDENTIALS as readonly string[];
  const values = new Set<string>();
  for (const source of [env, process.env]) {
    // By value only the secret ones: a username (TWINE_USERNAME=alice) or a URL shared by USER or
    // another index's settings must not take those variables with it.
    for (const name of publishing) {
      if (!CREDENTIAL_NAME.test(name)) continue;
      const v = source[name];
      if (v && v.length >= 4 && !/^(true|false|0|1|yes|no)$/i.test(v)) values.add(v);
    }
  }
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (publishing.includes(name)) continue;
    if (value && values.has(value)) continue;
    out[name] = value;
  }
  return out;
}

/** A URL without its userinfo, for messages and labels, and the Basic authorization it carried. */
export function splitUrlCredentials(url: string): { url: string; authorization?: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { url: redact(url) };
  }
  if (!u.username && !u.password) return { url };
  const user = decodeURIComponent(u.username);
  const pass = decodeURIComponent(u.password);
  registerSecret(pass, { mask: true });
  registerSecret(u.password, { mask: true });
  const basic = Buffer.from(`${user}:${pass}`).toString('base64');
  registerSecret(basic, { mask: true });
  u.username = '';
  u.password = '';
  return { url: u.href, authorization: `Basic ${basic}` };
}

/** Redact every string parameter of an outgoing API request (a release or pull-request body, a name). */
export function redactRequestParams(options: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(options)) {
    if (key === 'method' || key === 'url' || key === 'baseUrl' || key === 'headers' || key === 'request' || key === 'data') continue;
    if (typeof value === 'string') options[key] = redact(value);
  }
}
