import { redact } from './secrets.js';

export interface Logger {
  /** A normal progress line (stderr). */
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Only with --verbose. */
  debug(message: string): void;
  /** The command's human result (stdout when not --json, else stderr). */
  result(text: string): void;
}

export interface LoggerOptions {
  verbose?: boolean;
  json?: boolean;
  quiet?: boolean;
  stderr?: (s: string) => void;
  stdout?: (s: string) => void;
}

/** A logger that writes plain lines and redacts every registered secret. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const err = opts.stderr ?? ((s: string) => void process.stderr.write(s));
  const out = opts.stdout ?? ((s: string) => void process.stdout.write(s));
  const line = (write: (s: string) => void, prefix: string, message: string) =>
    write(redact(prefix + message).replace(/\n?$/, '\n'));
  return {
    info: (m) => (opts.quiet ? undefined : line(err, '', m)),
    warn: (m) => line(err, 'warning: ', m),
    error: (m) => line(err, 'error: ', m),
    debug: (m) => (opts.verbose ? line(err, 'debug: ', m) : undefined),
    result: (m) => line(opts.json ? err : out, '', m),
  };
}

/** GitHub Actions workflow commands; no-ops elsewhere. */
export const actions = {
  enabled: () => process.env.GITHUB_ACTIONS === 'true',
  annotate(level: 'error' | 'warning' | 'notice', message: string, props: { file?: string; title?: string } = {}) {
    if (!actions.enabled()) return;
    const esc = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
    const escProp = (s: string) => esc(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
    const p = Object.entries(props)
      .filter(([, v]) => v)
      .map(([k, v]) => `${k}=${escProp(String(v))}`)
      .join(',');
    process.stdout.write(`::${level}${p ? ' ' + p : ''}::${esc(redact(message))}\n`);
  },
};
