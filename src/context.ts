// Context: what every step of every command shares. Steps never import each other; they talk through this.
import { mkdir, readdir, rename, writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from './log.js';
import { createLogger } from './log.js';
import { childEnvironment, redact, registerEnvironmentSecrets } from './secrets.js';
import type { LoadedConfig } from './config/load.js';
import type { ReleaseManifest } from './manifest.js';

/** The manifest's name in the dist directory (spelled here so that the context needs no schema library). */
export const MANIFEST_FILE = 'release-manifest.json';

export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string;
  /** Stream the child's output (stdout and stderr) to our stderr as it runs (builders). */
  stream?: boolean;
  /** Do not throw on a non-zero exit. */
  reject?: boolean;
  timeoutMs?: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  command: string;
  /** With `stream`: stdout and stderr interleaved as they came (what the user saw). */
  all?: string;
}

/**
 * The one boundary through which the world changes. In dry run, every mutating call prints what it
 * would do and returns a placeholder of the right shape; read-only calls always run.
 */
export interface World {
  readonly dryRun: boolean;
  /** Run `action` unless dry run; in dry run print `[dry-run] description` and return `placeholder`. */
  mutate<T>(description: string, action: () => Promise<T>, placeholder: T): Promise<T>;
  /** Write a file atomically (temp + rename). Writes under dist/ happen even in dry run. */
  writeFile(file: string, data: string | Uint8Array): Promise<void>;
  /** Remove a file or directory (recursive). */
  remove(file: string): Promise<void>;
  /** Run a process that changes something (git commit, a build). Printed as `$ cmd args` in dry run. */
  run(file: string, args: string[], opts?: ExecOptions): Promise<ExecResult>;
}

export interface Context {
  /** Where the command works: --cwd, or the process's cwd. */
  readonly cwd: string;
  readonly dryRun: boolean;
  readonly json: boolean;
  readonly verbose: boolean;
  readonly log: Logger;
  readonly env: NodeJS.ProcessEnv;
  readonly world: World;
  /** --dist, else dist/ under cwd: the working area for artifacts and the manifest. */
  readonly distDir: string;
  /** <distDir>/release-manifest.json */
  readonly manifestPath: string;
  /** The release config, loaded once on first use. */
  config(): Promise<LoadedConfig>;
  /** The release manifest with every build fragment below distDir merged in, read once on first use (loadRelease). */
  manifest(): Promise<ReleaseManifest>;
  /** The release version: VERSION, normalised, read once on first use. */
  version(): Promise<string>;
  /** A read-only process (git status, python -c …): always runs, also in dry run. */
  exec(file: string, args: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** "Now", fixed by --date in tests. */
  now(): Date;
}

export interface ContextOptions {
  cwd?: string;
  /** --dist: the dist directory (default cwd/dist). */
  dist?: string;
  dryRun?: boolean;
  json?: boolean;
  verbose?: boolean;
  log?: Logger;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  /** Use this config instead of loading it from cwd (tests). */
  config?: LoadedConfig;
}

export async function execProcess(file: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const { execa } = await import('execa');
  const command = [file, ...args].join(' ');
  const result = await execa(file, args, {
    cwd: opts.cwd,
    // A child (a build backend, a hook, git) never sees our publishing credentials; one that needs a
    // token gets it in opts.env (git push: an auth header in GIT_CONFIG_*).
    env: { ...childEnvironment(process.env), ...opts.env },
    extendEnv: false,
    input: opts.input === undefined ? undefined : redact(opts.input),
    reject: false,
    timeout: opts.timeoutMs,
    // Streamed output goes to our stderr: stdout is kept for --json results.
    stdout: opts.stream ? ['pipe', 2] : 'pipe',
    stderr: opts.stream ? ['pipe', 2] : 'pipe',
    all: opts.stream === true,
  });
  if (result.failed && result.exitCode === undefined) {
    // Could not start at all (missing binary) or was killed by the timeout.
    const what = result.timedOut ? `timed out after ${opts.timeoutMs} ms` : (result.shortMessage ?? 'could not start');
    throw Object.assign(new Error(`${command}: ${what}`), { code: (result as { code?: string }).code });
  }
  const out: ExecResult = {
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    exitCode: result.exitCode ?? 1,
    command,
    ...(opts.stream ? { all: String(result.all ?? '') } : {}),
  };
  if (out.exitCode !== 0 && opts.reject !== false) {
    const tail = outputTail(out);
    throw Object.assign(new Error(`\`${command}\` exited with ${out.exitCode}${tail ? `:\n${tail}` : ''}`), {
      exitCode: out.exitCode,
      stdout: out.stdout,
      stderr: out.stderr,
    });
  }
  return out;
}

/**
 * Where a file is written before it is renamed into place: a hidden name in the same directory,
 * `.<name>.tmp-<pid>-<random>`, so that a reader never sees it half-written and a killed run's leftovers
 * can be recognised (the index destination removes those of dead processes).
 */
export function tempPath(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
}

/** Write a file atomically: a temp file in the same directory, then a rename over the target. A failed write or rename removes the temp file. */
async function atomicWrite(file: string, data: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = tempPath(file);
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await removeStaleTemps(file);
}

/** The last 15 lines of what a process printed, for an error message. */
export function outputTail(r: ExecResult): string {
  return (r.all ?? (r.stderr || r.stdout)).trim().split('\n').slice(-15).join('\n');
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Whether process `pid` is alive (EPERM: alive, owned by someone else). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Temp files of `file` left by a writer that was killed between write and rename (tempPath's `.<file>.tmp-<pid>-<rand>`). */
async function removeStaleTemps(file: string): Promise<void> {
  const prefix = `.${path.basename(file)}.tmp-`;
  const names = await readdir(path.dirname(file)).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    if (pid && pid !== process.pid && !alive(pid)) await rm(path.join(path.dirname(file), name), { force: true });
  }
}

export function createWorld(opts: { dryRun: boolean; log: Logger; distDir: string }): World {
  const { dryRun, log, distDir } = opts;
  const mutate = async <T>(description: string, action: () => Promise<T>, placeholder: T): Promise<T> => {
    if (dryRun) {
      log.info(`[dry-run] ${description}`);
      return placeholder;
    }
    return action();
  };
  return {
    dryRun,
    mutate,
    async writeFile(file, data) {
      // Text never carries a credential the process holds (a fragment or a template could smuggle one in).
      const write = () => atomicWrite(file, typeof data === 'string' ? redact(data) : data);
      if (isInside(path.resolve(file), path.resolve(distDir))) return write();
      const size = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
      return mutate(`write ${file} (${size} bytes)`, write, undefined);
    },
    async remove(file) {
      return mutate(`remove ${file}`, () => rm(file, { recursive: true, force: true }), undefined);
    },
    async run(file, args, execOpts) {
      const command = [file, ...args].join(' ');
      return mutate(`$ ${command}`, () => execProcess(file, args, execOpts), {
        stdout: '',
        stderr: '',
        exitCode: 0,
        command,
      });
    },
  };
}

export function createContext(opts: ContextOptions = {}): Context {
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const dryRun = opts.dryRun ?? false;
  const json = opts.json ?? false;
  const verbose = opts.verbose ?? false;
  const log = opts.log ?? createLogger({ verbose, json });
  const distDir = opts.dist ? path.resolve(cwd, opts.dist) : path.join(cwd, 'dist');
  const env = opts.env ?? process.env;
  registerEnvironmentSecrets(env);
  if (env !== process.env) registerEnvironmentSecrets(process.env);
  let configPromise: Promise<LoadedConfig> | undefined = opts.config ? Promise.resolve(opts.config) : undefined;
  let versionPromise: Promise<string> | undefined;
  const base = {
    cwd,
    dryRun,
    json,
    verbose,
    log,
    env,
    world: createWorld({ dryRun, log, distDir }),
    config() {
      configPromise ??= import('./config/load.js').then((m) => m.loadConfig(cwd, { env, dryRun }));
      return configPromise;
    },
    async version() {
      versionPromise ??= (async () => {
        const loaded = await this.config();
        const { readVersionFile } = await import('./version/file.js');
        return (await readVersionFile(loaded.root, loaded.config)).version;
      })();
      return versionPromise;
    },
    exec: (file: string, args: string[], execOpts?: ExecOptions) => execProcess(file, args, { cwd, ...execOpts }),
    now: opts.now ?? (() => new Date()),
  };
  return atDist({ ...base, distDir, manifestPath: '', manifest: () => Promise.reject(new Error('unreachable')) }, distDir);
}

/** The same context working in another dist directory: its manifest is read from there. */
export function atDist<C extends Context>(ctx: C, dist: string): C {
  const distDir = path.resolve(ctx.cwd, dist);
  let manifestPromise: Promise<ReleaseManifest> | undefined;
  return {
    ...ctx,
    distDir,
    manifestPath: path.join(distDir, MANIFEST_FILE),
    manifest() {
      manifestPromise ??= import('./manifest.js').then((m) => m.loadRelease(distDir));
      return manifestPromise;
    },
  };
}
