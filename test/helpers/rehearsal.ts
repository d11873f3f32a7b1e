// A local rehearsal of a GitHub Actions workflow: jobs in `needs:` order, each `run:` step with bash and the
// environment GitHub gives it (GITHUB_OUTPUT, GITHUB_ENV, GITHUB_STEP_SUMMARY, GITHUB_REF, the matrix, `env:`),
// expressions evaluated, and only `uses:` steps emulated: checkout → a clone of the origin at the ref;
// upload/download-artifact → copies with the same name, path, pattern and merge-multiple rules; setup-* → no-op.
// Matrix entries run side by side; jobs named in `reuse` come from a cache when their inputs match an earlier
// rehearsal's (the three triggers share one build). It is strict where GitHub is silently lenient: an expression
// that reads a step or job output nobody wrote, a shell variable nobody set (bash -u), or an artifact path that
// matches nothing fails the run, naming where.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { globSync } from 'tinyglobby';
import { parse } from 'yaml';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface RehearsalOptions {
  workflowText: string;
  /** A bare repository: `actions/checkout` clones it at the ref. */
  origin: string;
  github: { event_name: string; ref: string; sha: string; repository: string; server_url: string; api_url: string; token: string; event: Json };
  inputs?: Json;
  /** Environment every step gets on top of the runner's (PATH, tools, the OIDC endpoint for `id-token: write` jobs). */
  runnerEnv: Record<string, string>;
  /** Extra environment for jobs with `permissions: id-token: write`. */
  idTokenEnv?: Record<string, string>;
  /** Which matrix entries this machine can run; the others are reported as not run. */
  canRun?: (entry: Json) => boolean;
  /** Stop after this job (re-running one job). */
  stopAfter?: string;
  /**
   * Jobs whose result depends only on their inputs (no write permission, no server): a run of one of them whose
   * inputs match a run in `cache` (same definition, matrix, `needs` outputs, checked-out commit and artifacts in
   * the store) is not run again; its outputs and uploaded artifacts are taken from the cache.
   */
  reuse?: { cache: RehearsalCache; jobs: string[] };
  /** Called before each job runs (e.g. to change a server's state between two jobs). */
  beforeJob?: (job: string) => void | Promise<void>;
  log?: (line: string) => void;
}

export interface JobRun {
  job: string;
  matrix?: Json;
  result: 'success' | 'skipped' | 'failure';
  steps: Array<{ name: string; result: 'success' | 'skipped' | 'failure'; outputs: Record<string, string>; ms?: number }>;
  outputs: Record<string, string>;
  summary: string;
  /** Wall time of the job, and of each step that ran (`steps[].ms`): where a rehearsal spends its time. */
  ms?: number;
  /** Taken from `reuse.cache` instead of run. */
  reused?: boolean;
}

/** Runs of input-determined jobs, kept across rehearsals: their results and the artifacts they uploaded. */
export interface RehearsalCache {
  dir: string;
  runs: Map<string, { run: JobRun; artifacts: string[] }>;
  hits: number;
}

export function rehearsalCache(dir: string): RehearsalCache {
  mkdirSync(dir, { recursive: true });
  return { dir, runs: new Map(), hits: 0 };
}

/** Every file of the artifact store, hashed; the plan's wall-clock `createdAt` is masked (no job reads it). */
function storeDigest(store: string): string {
  const h = createHash('sha256');
  for (const f of globSync('**/*', { cwd: store, dot: true }).sort()) {
    let data = readFileSync(path.join(store, f));
    if (f.endsWith('release-manifest.json')) data = Buffer.from(data.toString('utf8').replace(/"createdAt":\s*"[^"]*"/, '"createdAt":""'));
    h.update(`${f}\0`).update(createHash('sha256').update(data).digest('hex')).update('\n');
  }
  return h.digest('hex');
}

export class RehearsalError extends Error {}

// --- expressions -------------------------------------------------------------------------------------------

type Tok = { t: 'str' | 'num' | 'id' | 'op'; v: string };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) i++;
    else if (c === "'") {
      let j = i + 1;
      let v = '';
      while (j < src.length) {
        if (src[j] === "'" && src[j + 1] === "'") {
          v += "'";
          j += 2;
        } else if (src[j] === "'") break;
        else v += src[j++];
      }
      out.push({ t: 'str', v });
      i = j + 1;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9.]+/.exec(src.slice(i))![0];
      out.push({ t: 'num', v: m });
      i += m.length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][\w-]*/.exec(src.slice(i))![0];
      out.push({ t: 'id', v: m });
      i += m.length;
    } else {
      const two = src.slice(i, i + 2);
      const op = ['==', '!=', '&&', '||', '<=', '>='].includes(two) ? two : c;
      out.push({ t: 'op', v: op });
      i += op.length;
    }
  }
  return out;
}

/** Reads of `steps.X.outputs.Y` / `needs.X.outputs.Y` that found nothing: the rehearsal fails on them. */
class Missing {
  constructor(readonly path: string) {}
}

function evaluate(src: string, ctx: Json, where: string): unknown {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p];
  const eat = (v?: string) => {
    const t = toks[p++];
    if (!t || (v !== undefined && t.v !== v)) throw new RehearsalError(`${where}: cannot parse \`${src}\` at ${t?.v ?? 'end'}`);
    return t;
  };
  const truthy = (v: unknown) => !(v === false || v === null || v === undefined || v === '' || v === 0 || v instanceof Missing);
  const value = (v: unknown) => {
    if (v instanceof Missing) throw new RehearsalError(`${where}: \`${src}\` reads ${v.path}, which no earlier step or job wrote`);
    return v;
  };
  const loose = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);
  function primary(): unknown {
    const t = eat();
    if (t.t === 'str') return t.v;
    if (t.t === 'num') return Number(t.v);
    if (t.t === 'op' && t.v === '(') {
      const v = or();
      eat(')');
      return v;
    }
    if (t.t === 'op' && t.v === '!') return !truthy(unary());
    if (t.t !== 'id') throw new RehearsalError(`${where}: unexpected ${t.v} in \`${src}\``);
    if (t.v === 'true' || t.v === 'false') return t.v === 'true';
    if (t.v === 'null') return null;
    if (peek()?.v === '(') {
      eat('(');
      const args: unknown[] = [];
      while (peek()?.v !== ')') {
        args.push(or());
        if (peek()?.v === ',') eat(',');
      }
      eat(')');
      const fn = ctx.__functions[t.v.toLowerCase()];
      if (!fn) throw new RehearsalError(`${where}: unknown function ${t.v}`);
      return fn(...args.map(value));
    }
    let cur: unknown = ctx[t.v];
    let at = t.v;
    while (peek()?.v === '.') {
      eat('.');
      const key = eat().v;
      at += `.${key}`;
      if (cur instanceof Missing) continue;
      const next = cur !== null && typeof cur === 'object' ? (cur as Json)[key] : undefined;
      // An output that was never written is the error this rehearsal exists to catch.
      cur = next === undefined && /^(steps|needs)\.[\w-]+\.outputs\.[\w-]+$/.test(at) ? new Missing(at) : (next ?? null);
    }
    return cur;
  }
  function unary(): unknown {
    return primary();
  }
  function cmp(): unknown {
    let l = unary();
    while (peek()?.v === '==' || peek()?.v === '!=') {
      const op = eat().v;
      const r = unary();
      const eq = loose(value(l)) === loose(value(r));
      l = op === '==' ? eq : !eq;
    }
    return l;
  }
  function and(): unknown {
    let l = cmp();
    while (peek()?.v === '&&') {
      eat();
      const r = cmp();
      l = truthy(l) ? r : l;
    }
    return l;
  }
  function or(): unknown {
    let l = and();
    while (peek()?.v === '||') {
      eat();
      const r = and();
      l = truthy(l) ? l : r;
    }
    return l;
  }
  const v = or();
  if (p !== toks.length) throw new RehearsalError(`${where}: trailing tokens in \`${src}\``);
  return value(v);
}

/** `${{ … }}` in a string: the whole string is one expression, or each is interpolated as text. */
function interpolate(text: unknown, ctx: Json, where: string): unknown {
  if (typeof text !== 'string') return text;
  const whole = /^\$\{\{([\s\S]*)\}\}$/.exec(text.trim());
  if (whole && !whole[1]!.includes('}}')) return evaluate(whole[1]!, ctx, where);
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, e: string) => {
    const v = evaluate(e, ctx, where);
    return v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  });
}

function condition(expr: unknown, ctx: Json, where: string, dflt: string): boolean {
  const src = expr === undefined ? dflt : String(expr).trim().replace(/^\$\{\{([\s\S]*)\}\}$/, '$1');
  // An `if:` without a status function implies success() (GitHub's rule).
  const implicit = /\b(success|failure|cancelled|always)\s*\(/.test(src) ? src : `success() && (${src})`;
  const v = evaluate(implicit, ctx, where);
  return !(v === false || v === null || v === undefined || v === '' || v === 0);
}

// --- artifacts ------------------------------------------------------------------------------------------------

function lowestCommonDir(files: string[]): string {
  let dir = path.dirname(files[0]!);
  while (!files.every((f) => f.startsWith(dir + path.sep))) dir = path.dirname(dir);
  return dir;
}

function uploadArtifact(store: string, workspace: string, w: Json, where: string): void {
  const name = String(w.name);
  const dest = path.join(store, name);
  if (existsSync(dest)) throw new RehearsalError(`${where}: an artifact named ${name} already exists (names are unique per run)`);
  const patterns = String(w.path).split('\n').map((s) => s.trim()).filter(Boolean);
  const files = new Set<string>();
  for (const pat of patterns) {
    const abs = path.resolve(workspace, pat);
    if (existsSync(abs) && statSync(abs).isDirectory()) for (const f of globSync('**/*', { cwd: abs, absolute: true, dot: false })) files.add(path.resolve(f));
    else for (const f of globSync(pat, { cwd: workspace, absolute: true })) files.add(path.resolve(f));
  }
  if (files.size === 0) {
    if ((w['if-no-files-found'] ?? 'warn') === 'error') throw new RehearsalError(`${where}: no files were found with the provided path: ${patterns.join(', ')}. No artifacts will be uploaded.`);
    return;
  }
  const list = [...files];
  // upload-artifact keeps paths relative to the lowest common folder of everything it uploads
  const root = list.length === 1 ? path.dirname(list[0]!) : lowestCommonDir(list);
  for (const f of list) {
    const to = path.join(dest, path.relative(root, f));
    mkdirSync(path.dirname(to), { recursive: true });
    cpSync(f, to);
  }
}

function downloadArtifact(store: string, workspace: string, w: Json, where: string): void {
  const target = path.resolve(workspace, String(w.path ?? '.'));
  const all = existsSync(store) ? readdirSync(store) : [];
  if (w.name) {
    if (!all.includes(String(w.name))) throw new RehearsalError(`${where}: unable to download artifact(s): Artifact not found for name: ${w.name}`);
    cpSync(path.join(store, String(w.name)), target, { recursive: true });
    return;
  }
  const re = new RegExp(`^${String(w.pattern ?? '*').replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  const chosen = all.filter((n) => re.test(n));
  for (const n of chosen) cpSync(path.join(store, n), w['merge-multiple'] === true ? target : path.join(target, n), { recursive: true });
}

// --- the run --------------------------------------------------------------------------------------------------

function parseOutputFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(file)) return out;
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const heredoc = /^([\w-]+)<<(.+)$/.exec(l);
    if (heredoc) {
      const body: string[] = [];
      while (++i < lines.length && lines[i] !== heredoc[2]) body.push(lines[i]!);
      out[heredoc[1]!] = body.join('\n');
    } else if (l.includes('=')) {
      out[l.slice(0, l.indexOf('='))] = l.slice(l.indexOf('=') + 1);
    }
  }
  return out;
}

function order(jobs: Json): string[] {
  const done: string[] = [];
  const visit = (name: string, seen: string[]) => {
    if (done.includes(name)) return;
    if (seen.includes(name)) throw new RehearsalError(`needs: cycle through ${name}`);
    for (const n of ([] as string[]).concat(jobs[name].needs ?? [])) {
      if (!jobs[n]) throw new RehearsalError(`jobs.${name}.needs names ${n}, which is not a job`);
      visit(n, [...seen, name]);
    }
    done.push(name);
  };
  for (const name of Object.keys(jobs)) visit(name, []);
  return done;
}

/** Async: the local servers a workflow talks to usually live in the calling process, whose event loop must keep running. */
export async function rehearse(opts: RehearsalOptions): Promise<JobRun[]> {
  const wf = parse(opts.workflowText) as Json;
  const log = opts.log ?? (() => undefined);
  const scratch = mkdtempSync(path.join(tmpdir(), 'ww-rehearsal-'));
  const store = path.join(scratch, 'artifacts');
  mkdirSync(store);
  const runs: JobRun[] = [];
  const results: Record<string, { result: string; outputs: Record<string, string> }> = {};
  try {
    for (const name of order(wf.jobs)) {
      const job = wf.jobs[name] as Json;
      const needs = ([] as string[]).concat(job.needs ?? []);
      const needsCtx = Object.fromEntries(needs.map((n) => [n, results[n]]));
      const base: Json = {
        github: { ...opts.github },
        inputs: opts.inputs ?? {},
        needs: needsCtx,
        env: {},
        __functions: {
          startswith: (a: unknown, b: unknown) => String(a ?? '').toLowerCase().startsWith(String(b ?? '').toLowerCase()),
          contains: (a: unknown, b: unknown) => String(a ?? '').toLowerCase().includes(String(b ?? '').toLowerCase()),
          fromjson: (s: unknown) => JSON.parse(String(s)),
          tojson: (v: unknown) => JSON.stringify(v),
          success: () => needs.every((n) => results[n]!.result === 'success'),
          failure: () => needs.some((n) => results[n]!.result === 'failure'),
          cancelled: () => false,
          always: () => true,
        },
      };
      if (!condition(job.if, base, `jobs.${name}.if`, 'success()')) {
        results[name] = { result: 'skipped', outputs: {} };
        runs.push({ job: name, result: 'skipped', steps: [], outputs: {}, summary: '' });
        log(`job ${name}: skipped`);
        if (name === opts.stopAfter) break;
        continue;
      }
      const matrixSpec = job.strategy?.matrix !== undefined ? interpolate(job.strategy.matrix, base, `jobs.${name}.strategy.matrix`) : undefined;
      const entries: Array<Json | undefined> = matrixSpec ? (((matrixSpec as Json).include ?? []) as Json[]) : [undefined];
      let jobResult: 'success' | 'failure' = 'success';
      let jobOutputs: Record<string, string> = {};
      await opts.beforeJob?.(name);
      const runnable = entries.filter((matrix) => {
        if (matrix && opts.canRun && !opts.canRun(matrix)) {
          log(`job ${name} (${JSON.stringify(matrix)}): not run on this machine`);
          return false;
        }
        return true;
      });
      // Matrix entries do not depend on each other: they run side by side, as on GitHub.
      const reusable = opts.reuse?.jobs.includes(name) ? opts.reuse.cache : undefined;
      const digest = reusable ? storeDigest(store) : '';
      const done = await Promise.all(runnable.map((matrix) => {
        const ctx = { ...base, matrix: matrix ?? {} };
        return reusable ? cachedJob(reusable, digest, name, job, ctx, matrix, opts, store, scratch, log) : runJob(name, job, ctx, matrix, opts, store, scratch, log);
      }));
      for (const run of done) {
        runs.push(run);
        if (run.result === 'failure') jobResult = 'failure';
        jobOutputs = { ...jobOutputs, ...run.outputs };
      }
      results[name] = { result: jobResult, outputs: jobOutputs };
      if (name === opts.stopAfter) break;
    }
    return runs;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** A run from the cache when this job already ran on the same inputs, else a run whose uploads are cached. */
async function cachedJob(cache: RehearsalCache, digest: string, name: string, job: Json, ctx: Json, matrix: Json | undefined, opts: RehearsalOptions, store: string, scratch: string, log: (l: string) => void): Promise<JobRun> {
  const checkout = ((job.steps ?? []) as Json[]).find((st) => String(st.uses ?? '').startsWith('actions/checkout@') && !st.with?.repository);
  const ref = checkout ? String(interpolate(checkout.with?.ref ?? '', ctx, `jobs.${name}.checkout`) || opts.github.sha) : '';
  const commit = ref ? spawnSync('git', ['--git-dir', opts.origin, 'rev-parse', `${ref}^{commit}`], { encoding: 'utf8' }).stdout.trim() : '';
  // The job also inherits the workflow's `env:` and `defaults:`; and the github and inputs contexts differ between
  // triggers, so where the job (or that env) reads them, their values are inputs too.
  const wf = parse(opts.workflowText) as Json;
  const inherited = { env: wf.env ?? null, defaults: wf.defaults ?? null };
  const text = JSON.stringify([job, inherited.env]);
  const contexts = { github: /\bgithub\./.test(text) ? opts.github : null, inputs: /\binputs\./.test(text) ? (opts.inputs ?? {}) : null };
  const key = createHash('sha256').update(JSON.stringify({ name, job, inherited, contexts, matrix: matrix ?? null, needs: ctx.needs, commit, digest })).digest('hex');
  const hit = cache.runs.get(key);
  if (hit) {
    cache.hits++;
    for (const a of hit.artifacts) {
      if (existsSync(path.join(store, a))) throw new RehearsalError(`jobs.${name}: an artifact named ${a} already exists (names are unique per run)`);
      cpSync(path.join(cache.dir, key, a), path.join(store, a), { recursive: true });
    }
    log(`job ${name}${matrix ? ` (${matrix.job})` : ''}: the same inputs as an earlier rehearsal; reused`);
    return { ...hit.run, reused: true, ms: 0 };
  }
  const uploads: string[] = [];
  const run = await runJob(name, job, ctx, matrix, opts, store, scratch, log, uploads);
  for (const a of uploads) cpSync(path.join(store, a), path.join(cache.dir, key, a), { recursive: true });
  cache.runs.set(key, { run, artifacts: uploads });
  return run;
}

async function runJob(name: string, job: Json, ctx: Json, matrix: Json | undefined, opts: RehearsalOptions, store: string, scratch: string, log: (l: string) => void, uploads: string[] = []): Promise<JobRun> {
  const label = matrix ? `${name} (${matrix.job ?? JSON.stringify(matrix)})` : name;
  const jobStart = performance.now();
  const workspace = mkdtempSync(path.join(scratch, `${name}-`));
  const runnerTemp = mkdtempSync(path.join(scratch, `${name}-tmp-`));
  const summaryFile = path.join(runnerTemp, 'step-summary.md');
  writeFileSync(summaryFile, '');
  // Evaluated for their references even where the rehearsal has no use for them.
  for (const key of ['runs-on', 'timeout-minutes', 'environment', 'concurrency', 'name']) if (job[key] !== undefined) interpolate(JSON.stringify(job[key]), ctx, `jobs.${name}.${key}`);
  const idToken = (job.permissions as Json | undefined)?.['id-token'] === 'write' ? (opts.idTokenEnv ?? {}) : {};
  const githubEnv: Record<string, string> = {};
  const steps: JobRun['steps'] = [];
  ctx.steps = {};
  let failed = false;
  // In a step's `if:`, the status functions are about the job's earlier steps, not about `needs`.
  ctx.__functions = { ...ctx.__functions, success: () => !failed, failure: () => failed };
  for (const [i, step] of ((job.steps ?? []) as Json[]).entries()) {
    const where = `jobs.${name}.steps.${i}`;
    const stepName = String(step.name ?? step.id ?? step.uses ?? step.run?.split('\n')[0]);
    const env: Record<string, string> = {};
    const scopeEnv = { ...(parse(opts.workflowText) as Json).env, ...(job.env ?? {}) } as Json;
    for (const [k, v] of Object.entries(scopeEnv)) env[k] = String(interpolate(v, { ...ctx, env }, `env.${k}`) ?? '');
    Object.assign(env, githubEnv);
    ctx.env = { ...env };
    if (!condition(step.if, ctx, `${where}.if`, 'success()') || failed) {
      steps.push({ name: stepName, result: 'skipped', outputs: {} });
      continue;
    }
    for (const [k, v] of Object.entries((step.env ?? {}) as Json)) env[k] = String(interpolate(v, { ...ctx, env }, `${where}.env.${k}`) ?? '');
    const stepStart = performance.now();
    const outputsFile = path.join(runnerTemp, `output-${i}`);
    const envFile = path.join(runnerTemp, `env-${i}`);
    writeFileSync(outputsFile, '');
    writeFileSync(envFile, '');
    let outputs: Record<string, string> = {};
    if (step.uses) {
      const action = String(step.uses).split('@')[0]!;
      const w = Object.fromEntries(Object.entries((step.with ?? {}) as Json).map(([k, v]) => [k, interpolate(v, ctx, `${where}.with.${k}`)]));
      if (action === 'actions/checkout') {
        if (w.repository && w.repository !== opts.github.repository) {
          // another repository (a builder's source): an empty folder; this machine builds without it
          mkdirSync(path.join(workspace, String(w.path ?? '.')), { recursive: true });
        } else {
          git(['clone', '--quiet', opts.origin, workspace], scratch, where);
          git(['checkout', '--quiet', String(w.ref || opts.github.sha)], workspace, where);
          if (w['persist-credentials'] !== false) throw new RehearsalError(`${where}: checkout keeps credentials in .git/config`);
        }
      } else if (action === 'actions/upload-artifact') {
        uploadArtifact(store, workspace, w, where);
        if (existsSync(path.join(store, String(w.name)))) uploads.push(String(w.name));
      } else if (action === 'actions/download-artifact') {
        downloadArtifact(store, workspace, w, where);
      } else if (!/^(actions\/setup-(node|python)|docker\/setup-qemu-action)$/.test(action)) {
        throw new RehearsalError(`${where}: no emulation for ${action} (it should have been skipped here)`);
      }
      log(`job ${label}: ${action} ok`);
    } else {
      if (step.shell && step.shell !== 'bash') throw new RehearsalError(`${where}: shell ${step.shell} reached on Linux`);
      const script = String(step.run);
      const r = await bash(script, {
        cwd: workspace,
        env: {
          ...opts.runnerEnv,
          ...idToken,
          CI: 'true',
          GITHUB_ACTIONS: 'true',
          GITHUB_EVENT_NAME: opts.github.event_name,
          GITHUB_REF: opts.github.ref,
          GITHUB_SHA: opts.github.sha,
          GITHUB_REPOSITORY: opts.github.repository,
          GITHUB_SERVER_URL: opts.github.server_url,
          GITHUB_API_URL: opts.github.api_url,
          GITHUB_WORKSPACE: workspace,
          GITHUB_OUTPUT: outputsFile,
          GITHUB_ENV: envFile,
          GITHUB_STEP_SUMMARY: summaryFile,
          RUNNER_TEMP: runnerTemp,
          RUNNER_OS: 'Linux',
          ...env,
        },
      });
      log(`job ${label}: run ${stepName}: exit ${r.status}\n${r.stdout}${r.stderr}`);
      if (r.status !== 0) {
        failed = true;
        steps.push({ name: stepName, result: 'failure', outputs: {} });
        throw new RehearsalError(`${where} (${label}, "${stepName}") exited with ${r.status}:\n${(r.stderr || r.stdout).slice(-3000)}`);
      }
      outputs = parseOutputFile(outputsFile);
      Object.assign(githubEnv, parseOutputFile(envFile));
    }
    if (step.id) ctx.steps[step.id] = { outputs, outcome: 'success', conclusion: 'success' };
    steps.push({ name: stepName, result: 'success', outputs, ms: Math.round(performance.now() - stepStart) });
  }
  const outputs = Object.fromEntries(Object.entries((job.outputs ?? {}) as Json).map(([k, v]) => [k, String(interpolate(v, ctx, `jobs.${name}.outputs.${k}`) ?? '')]));
  return { job: name, matrix, result: 'success', steps, outputs, summary: readFileSync(summaryFile, 'utf8'), ms: Math.round(performance.now() - jobStart) };
}

/** bash as GitHub runs it (`bash --noprofile --norc -eo pipefail`), plus -u: an unset variable is an error here. */
function bash(script: string, o: { cwd: string; env: Record<string, string> }): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eu', '-o', 'pipefail', '-c', script], { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function git(args: string[], cwd: string, where: string): void {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new RehearsalError(`${where}: git ${args.join(' ')}: ${r.stderr}`);
}

/** One line per job and step that took time: the profile of a rehearsal (REHEARSAL_PROFILE=1 prints it). */
export function profile(runs: JobRun[], minMs = 100): string {
  const lines: string[] = [];
  for (const r of runs) {
    if (r.ms === undefined) continue;
    lines.push(`${String(r.ms).padStart(7)} ms  ${r.job}${r.matrix ? ` (${r.matrix.job})` : ''}${r.reused ? ' (reused)' : ''}`);
    if (r.reused) continue;
    for (const s of r.steps) if ((s.ms ?? 0) >= minMs) lines.push(`${String(s.ms).padStart(7)} ms    ${s.name.split('\n')[0]!.slice(0, 70)}`);
  }
  return lines.join('\n');
}
