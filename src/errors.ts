// Error classes, each with an exit code and a hint. Only src/cli.ts catches them.

export const ExitCode = {
  ok: 0,
  failure: 1,
  config: 2,
  verify: 4,
  publish: 5,
  git: 6,
  build: 7,
  compat: 8,
  usage: 64,
  internal: 70,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorDetails {
  /** What the user can do about it, one sentence. */
  hint?: string;
  /** Where: a file path, optionally `path:line`. */
  file?: string;
  /** Dot-path of the field in a config or manifest, e.g. `packages.1.kind`. */
  field?: string;
  cause?: unknown;
}

/** An expected failure: printed as one clear message, never with a stack trace (unless --verbose). */
export class WheelwrightError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint?: string;
  readonly file?: string;
  readonly field?: string;
  /** The names of the pipeline steps it came through, as prefixed to the message ("prepare: render notes: "). */
  stepPrefix = '';

  constructor(message: string, exitCode: ExitCodeValue, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = details.hint;
    this.file = details.file;
    this.field = details.field;
  }

  /** The full human message: "step: file: field: message\n  hint: …". */
  describe(): string {
    const where = [this.file, this.field].filter(Boolean).join(': ');
    const steps = this.stepPrefix && this.message.startsWith(this.stepPrefix) ? this.stepPrefix : '';
    const rest = this.message.slice(steps.length);
    const head = where && !rest.startsWith(where) ? `${steps}${where}: ${rest}` : this.message;
    return this.hint ? `${head}\n  hint: ${this.hint}` : head;
  }
}

/**
 * Prefix an error's message with `where: ` once (a pipeline step, a publish destination), keeping its
 * class and exit code; `describe()` puts the file and field after every such prefix.
 */
export function prefixError<E extends WheelwrightError>(where: string, err: E): E {
  if (!err.message.startsWith(`${where}: `)) {
    err.message = `${where}: ${err.message}`;
    err.stepPrefix = `${where}: ${err.stepPrefix}`;
  }
  return err;
}

/** Bad release config, bad VERSION file, bad recipe, bad fragment: anything the user wrote. */
export class ConfigError extends WheelwrightError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, ExitCode.config, details);
  }
}

/** Wrong command-line words: unknown command or flag, missing argument. */
export class UsageError extends WheelwrightError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, ExitCode.usage, details);
  }
}

export class VerifyError extends WheelwrightError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, ExitCode.verify, details);
  }
}

export class PublishError extends WheelwrightError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, ExitCode.publish, details);
  }
}

export class GitError extends WheelwrightError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, ExitCode.git, details);
  }
}

export class BuildError extends WheelwrightError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, ExitCode.build, details);
  }
}

export class CompatError extends WheelwrightError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, ExitCode.compat, details);
  }
}

/** A bug in wheelwright itself. */
export class InternalError extends WheelwrightError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, ExitCode.internal, details);
  }
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate to `word`, if it is close enough to be a plausible typo. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return best !== undefined && bestDistance <= limit ? best : undefined;
}

/** " (did you mean `x`?)" or "". */
export function suggestion(word: string, candidates: Iterable<string>): string {
  const s = didYouMean(word, candidates);
  return s ? ` (did you mean \`${s}\`?)` : '';
}
