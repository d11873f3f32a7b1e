// Security properties of a release workflow, checked on the parsed YAML (not on the text).
import { parse } from 'yaml';

export interface AuditFinding {
  /** Dot-path of the offending node, e.g. `jobs.build.steps.3.run`. */
  at: string;
  message: string;
}

type Json = Record<string, unknown>;

const PINNED = /^[\w.-]+\/[\w.-]+(\/[^@]+)?@[0-9a-f]{40}$/;
/** Expressions whose value an outsider can choose (tag and branch names, PR text, inputs). */
const UNTRUSTED = /\$\{\{[^}]*\b(github\.event|github\.ref_name|github\.head_ref|github\.ref\b|inputs\.|github\.event_name)/;

function jobsOf(wf: Json): Array<[string, Json]> {
  return Object.entries((wf.jobs ?? {}) as Record<string, Json>);
}

function stepsOf(job: Json): Json[] {
  return (job.steps ?? []) as Json[];
}

/** `writable`: the scopes this job may write (publish: contents, id-token and attestations; tag: contents). */
function permissionProblems(at: string, perms: unknown, writable: string[]): AuditFinding[] {
  if (perms === undefined) return [];
  if (typeof perms === 'string') {
    return perms === 'read-all' ? [] : [{ at, message: `permissions \`${perms}\` grants more than read` }];
  }
  const out: AuditFinding[] = [];
  for (const [scope, level] of Object.entries(perms as Record<string, string>)) {
    if (level === 'write' && !writable.includes(scope)) {
      out.push({ at: `${at}.${scope}`, message: `\`${scope}: write\` outside the publish job` });
    }
  }
  return out;
}

/**
 * Findings (empty when sound): every `uses:` pinned to a 40-hex SHA; no `${{ }}` expression inside a
 * `run:` script; read-only permissions except contents/id-token/attestations write in the publish job (and contents write
 * in the tag job that tags a merged release PR); a concurrency
 * group per ref; no caches; publish depends on verify.
 */
export function auditWorkflow(text: string, opts: { publishJob?: string; verifyJob?: string; tagJob?: string } = {}): AuditFinding[] {
  const publishJob = opts.publishJob ?? 'publish';
  const tagJob = opts.tagJob ?? 'tag';
  const verifyJob = opts.verifyJob ?? 'verify';
  const wf = parse(text) as Json;
  const out: AuditFinding[] = [];
  out.push(...permissionProblems('permissions', wf.permissions, []));
  if (wf.permissions === undefined) out.push({ at: 'permissions', message: 'no top-level permissions: the default token may be read-write' });
  const group = (wf.concurrency as Json | undefined)?.group;
  if (typeof group !== 'string' || !group.includes('github.ref')) out.push({ at: 'concurrency.group', message: 'no concurrency group per tag (github.ref)' });
  for (const [name, job] of jobsOf(wf)) {
    const writable = name === publishJob ? ['contents', 'id-token', 'attestations'] : name === tagJob ? ['contents'] : [];
    out.push(...permissionProblems(`jobs.${name}.permissions`, job.permissions, writable));
    for (const [i, step] of stepsOf(job).entries()) {
      const at = `jobs.${name}.steps.${i}`;
      const uses = step.uses as string | undefined;
      if (uses && !uses.startsWith('./') && !uses.startsWith('docker://') && !PINNED.test(uses)) out.push({ at: `${at}.uses`, message: `\`${uses}\` is not pinned to a full commit SHA` });
      if (uses?.startsWith('actions/cache')) out.push({ at: `${at}.uses`, message: 'caches are off in release builds' });
      const cache = (step.with as Json | undefined)?.cache;
      if (cache !== undefined && cache !== '' && cache !== false) out.push({ at: `${at}.with.cache`, message: 'caches are off in release builds' });
      const run = step.run as string | undefined;
      if (run && run.includes('${{')) {
        out.push({ at: `${at}.run`, message: UNTRUSTED.test(run) ? 'an event-controlled expression is interpolated into a shell script (pass it through env:)' : 'an expression is interpolated into a shell script (pass it through env:)' });
      }
    }
  }
  const publish = (wf.jobs as Record<string, Json> | undefined)?.[publishJob];
  if (publish) {
    const needs = ([] as string[]).concat((publish.needs ?? []) as string | string[]);
    if (!needs.includes(verifyJob)) out.push({ at: `jobs.${publishJob}.needs`, message: `the publish job does not need \`${verifyJob}\`` });
    if (!publish.environment) out.push({ at: `jobs.${publishJob}.environment`, message: 'the publish job runs in no GitHub environment' });
  }
  return out;
}
