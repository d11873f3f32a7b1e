// Signed checksums and build provenance for the GitHub release (docs/supply-chain.md §5): a Sigstore bundle
// over SHA256SUMS, attached as SHA256SUMS.sigstore.json, and one GitHub artifact attestation (SLSA
// provenance v1, every released file a subject) sent to the attestations REST endpoint. Both signed with
// the workflow's OIDC identity; both done once: the bundle is kept in dist/ and reused while SHA256SUMS is
// unchanged, the attestation's id is recorded in the manifest.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { statementFor, SLSA_PROVENANCE_V1, SUMS_BUNDLE, type DsseBundleJson, type InTotoStatement } from '../attest/pep740.js';
import { identityToken } from '../attest/oidc.js';
import { signingEndpoints, signStatement } from '../attest/sigstore.js';
import { PublishError } from '../errors.js';
import { readUserFile } from '../files.js';
import { boundedFetch, networkTimeoutMs, timeoutHint, timeoutOf } from '../network.js';
import { redact, registerSecret } from '../secrets.js';
import type { PublishFile } from './types.js';

/** in-toto's release predicate: the statement says "these bytes are release <tag>'s checksums". */
export const RELEASE_PREDICATE = 'https://in-toto.io/attestation/release/v0.1';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

async function sign(statement: InTotoStatement, env: NodeJS.ProcessEnv, what: string): Promise<DsseBundleJson> {
  try {
    return await signStatement(statement, { ...signingEndpoints(env), identityToken: () => identityToken(env) });
  } catch (err) {
    throw new PublishError(`signing ${what}: ${redact((err as Error).message)}`, {
      hint: 'the job needs `permissions: id-token: write` and Sigstore reachable; or set publish.github.attestations: false',
    });
  }
}

/** The bundle over SHA256SUMS, as a release asset; the one already in `dir` when it signs these bytes. */
export async function signChecksums(opts: {
  dir: string;
  sums: PublishFile;
  tag: string;
  env: NodeJS.ProcessEnv;
  write: (file: string, text: string) => Promise<void>;
  log: (line: string) => void;
}): Promise<PublishFile> {
  const file = path.join(opts.dir, SUMS_BUNDLE);
  let text = await readUserFile(file, { kind: 'manifest', root: opts.dir, optional: true });
  const signs = (t: string) => {
    try {
      const b = JSON.parse(t) as DsseBundleJson;
      const st = JSON.parse(Buffer.from(b.dsseEnvelope.payload, 'base64').toString('utf8')) as InTotoStatement;
      return st.subject.length === 1 && st.subject[0]!.name === 'SHA256SUMS' && st.subject[0]!.digest.sha256 === opts.sums.sha256;
    } catch {
      return false;
    }
  };
  if (text !== null && signs(text)) opts.log(`${SUMS_BUNDLE}: signed by an earlier run, kept`);
  else {
    const statement = statementFor([{ name: 'SHA256SUMS', sha256: opts.sums.sha256 }], RELEASE_PREDICATE, { releaseId: opts.tag });
    text = `${JSON.stringify(await sign(statement, opts.env, 'SHA256SUMS'), null, 2)}\n`;
    await opts.write(file, text);
    opts.log(`${SUMS_BUNDLE}: SHA256SUMS signed`);
  }
  return { path: file, filename: SUMS_BUNDLE, sha256: sha256(text), size: Buffer.byteLength(text), package: '', version: opts.sums.version, type: 'extra' };
}

/** SLSA provenance v1 as actions/attest-build-provenance writes it, from the workflow's environment. */
export function buildProvenance(env: NodeJS.ProcessEnv, repository: string, tag: string, commit: string | null): Record<string, unknown> {
  const server = env.GITHUB_SERVER_URL || 'https://github.com';
  const ref = env.GITHUB_REF || `refs/tags/${tag}`;
  const workflowPath = (env.GITHUB_WORKFLOW_REF ?? '').replace(/^[^/]+\/[^/]+\//, '').replace(/@.*$/, '') || '.github/workflows/release.yml';
  return {
    buildDefinition: {
      buildType: 'https://actions.github.io/buildtypes/workflow/v1',
      externalParameters: { workflow: { ref, repository: `${server}/${repository}`, path: workflowPath } },
      internalParameters: { github: { event_name: env.GITHUB_EVENT_NAME ?? '', repository_id: env.GITHUB_REPOSITORY_ID ?? '', repository_owner_id: env.GITHUB_REPOSITORY_OWNER_ID ?? '' } },
      resolvedDependencies: [{ uri: `git+${server}/${repository}@${ref}`, digest: { gitCommit: commit ?? env.GITHUB_SHA ?? '' } }],
    },
    runDetails: {
      builder: { id: `${server}/${repository}/${workflowPath}@${ref}` },
      metadata: { invocationId: `${server}/${repository}/actions/runs/${env.GITHUB_RUN_ID ?? '0'}/attempts/${env.GITHUB_RUN_ATTEMPT ?? '1'}` },
    },
  };
}

/** The digest that names a set of subjects in the manifest (so a re-run with the same files sends nothing). */
export function subjectsDigest(files: Array<{ filename: string; sha256: string }>): string {
  return sha256(files.map((f) => `${f.sha256}  ${f.filename}\n`).sort().join(''));
}

/** Sign one provenance statement over `files` and store it with GitHub's attestations endpoint; returns its id. */
export async function attestBuildProvenance(opts: {
  apiUrl: string;
  repository: string;
  token: string;
  tag: string;
  commit: string | null;
  files: PublishFile[];
  env: NodeJS.ProcessEnv;
}): Promise<number> {
  registerSecret(opts.token);
  const statement = statementFor(opts.files.map((f) => ({ name: f.filename, sha256: f.sha256 })), SLSA_PROVENANCE_V1, buildProvenance(opts.env, opts.repository, opts.tag, opts.commit));
  const bundle = await sign(statement, opts.env, 'the build provenance');
  const url = `${opts.apiUrl.replace(/\/+$/, '')}/repos/${opts.repository}/attestations`;
  let res: Response;
  try {
    res = await boundedFetch(
      url,
      {
        method: 'POST',
        headers: { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', authorization: `Bearer ${opts.token}`, 'content-type': 'application/json', 'user-agent': 'wheelwright' },
        body: JSON.stringify({ bundle }),
      },
      { timeoutMs: networkTimeoutMs(opts.env, 60_000) },
    );
  } catch (err) {
    const timedOut = timeoutOf(err);
    if (timedOut) throw new PublishError(`POST ${timedOut.message}`, { hint: `${timeoutHint(timedOut.ms)}; then re-run \`release publish\`` });
    throw new PublishError(`POST ${url}: ${redact((err as Error).message)}`, { hint: 're-run `release publish`' });
  }
  const body = (await res.json().catch(() => null)) as { id?: number; message?: string } | null;
  if (res.status !== 201 || typeof body?.id !== 'number') {
    throw new PublishError(`GitHub refused the build provenance: ${res.status} ${redact(body?.message ?? res.statusText)}`, {
      hint: 'give the publish job `permissions: attestations: write` (and id-token: write); or set publish.github.attestations: false',
    });
  }
  return body.id;
}
