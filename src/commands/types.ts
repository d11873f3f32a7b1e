import type { Context } from '../context.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  description: string;
  /** Shown in help, e.g. `a|b|rc`. */
  valueName?: string;
}

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | string[] | undefined>;
}

export interface CommandResult {
  /** Written to stdout as JSON with --json. */
  json?: unknown;
  /** Written to stdout without --json (the command's human result, e.g. the version). */
  text?: string;
  /** Non-zero for a result that is not an error but must fail the shell (e.g. `compat check` finds a mix). */
  exitCode?: number;
}

/** One file in src/commands/ exports `command` of this type. */
export interface CommandDefinition {
  /** `release version bump <part> [--pre a|b|rc]` */
  usage: string;
  /** A paragraph shown by `release <cmd> --help`. */
  description: string;
  options?: Record<string, OptionSpec>;
  /** Lines like `release version bump minor --pre rc   # 1.2.3 → 1.3.0rc1`. */
  examples?: string[];
  /** The positional arguments it takes (named for errors, e.g. `PART`), at most `max`; none when absent. */
  positionals?: { name: string; max: number };
  run(ctx: Context, args: ParsedArgs): Promise<CommandResult | void>;
}

/** Read a string flag. */
export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? v[v.length - 1] : undefined;
}

/** Read a boolean flag. */
export function bool(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** Read a repeatable or comma-separated flag. */
export function list(args: ParsedArgs, name: string): string[] | undefined {
  const v = args.values[name];
  if (v === undefined || typeof v === 'boolean') return undefined;
  const all = Array.isArray(v) ? v : [v];
  return all.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}
