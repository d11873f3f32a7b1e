// PEP 740 at publish time: each file signed with the workflow's identity (loopback Fulcio/Rekor), uploaded
// with its attestation, checked by the test PyPI with PyPI's rules and served through the integrity API.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { attestationFromBundle, bundleFromAttestation, publishStatement, statementFor, type Attestation, type Provenance } from '../../src/attest/pep740.js';
import { identityToken } from '../../src/attest/oidc.js';
import { signStatement, verifyBundle } from '../../src/attest/sigstore.js';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import type { PublishError } from '../../src/errors.js';
import type { ReleaseManifest } from '../../src/manifest.js';
import { createPypiDestination, type PypiOptions } from '../../src/publish/pypi.js';
import { clearSecrets } from '../../src/secrets.js';
import { startActionsOidcServer, startPypiServer, type ActionsOidcServer, type PypiServer } from '../servers/pypi.js';
import { writeSdist, writeWheel } from '../servers/pypi/make-dist.js';
import { publishFile, testRun } from '../servers/pypi/run.js';
import { startSigstore, type SigstoreServer } from '../servers/sigstore.js';

const fast: PypiOptions = { retryBaseMs: 5, timeoutMs: 5000, maxAttempts: 2 };
const PUBLISHER = { repository: 'owner/demo', workflow: 'release.yml', project: 'demo-core' };

let dir: string;
let n = 0;
let sig: SigstoreServer;
let actions: ActionsOidcServer;
let evil: ActionsOidcServer;
let pypi: PypiServer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ww-attest-'));
  sig = await startSigstore();
  actions = await startActionsOidcServer({ repository: 'owner/demo', workflow: 'release.yml', ref: 'refs/tags/v5.0.0' });
  evil = await startActionsOidcServer({ repository: 'owner/demo', workflow: 'other.yml', ref: 'refs/tags/v5.0.0' });
  pypi = await startPypiServer({ trustedPublishers: [PUBLISHER], projects: ['demo-core'], sigstoreTrustedRoot: sig.trustedRoot });
});
afterAll(async () => {
  await Promise.all([sig?.close(), actions?.close(), evil?.close(), pypi?.close()]);
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => clearSecrets());

async function release(version: string, wheels = 2) {
  const d = path.join(dir, `r${n++}`);
  const tags = ['cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64', 'py3-none-any', 'cp312-cp312-win_amd64'];
  const files = [];
  for (let i = 0; i < wheels; i++) files.push(await publishFile(await writeWheel(d, { name: 'demo-core', version, tag: tags[i]!, payloadBytes: 5000, seed: i }), 'demo-core', version));
  files.push(await publishFile(await writeSdist(d, { name: 'demo-core', version }), 'demo-core', version));
  return files;
}

const tpEnv = () => ({ ...actions.env, ...sig.env });

/** Sign a statement with an Actions identity, as a PEP 740 attestation. */
async function sign(statement = publishStatement('x', 'a'.repeat(64)), who: ActionsOidcServer = actions): Promise<Attestation> {
  return attestationFromBundle(await signStatement(statement, { fulcioUrl: sig.url, rekorUrl: sig.url, identityToken: () => identityToken(who.env) }));
}

/** One raw upload of `file` with trusted publishing (a minted token) and the given `attestations` field. */
async function rawUpload(file: Awaited<ReturnType<typeof release>>[number], attestations: string, token?: string): Promise<{ status: number; message: string }> {
  if (!token) {
    const jwt = ((await (await fetch(`${actions.url}&audience=pypi`, { headers: { authorization: `bearer ${actions.requestToken}` } })).json()) as { value: string }).value;
    token = ((await (await fetch(`${pypi.url}/_/oidc/mint-token`, { method: 'POST', body: JSON.stringify({ token: jwt }) })).json()) as { token: string }).token;
  }
  const { readFile } = await import('node:fs/promises');
  const form = new FormData();
  const fields: Record<string, string> = {
    ':action': 'file_upload', protocol_version: '1', metadata_version: '2.1', name: 'demo-core', version: file.version,
    filetype: file.type === 'wheel' ? 'bdist_wheel' : 'sdist', pyversion: file.type === 'wheel' ? 'py3' : 'source', sha256_digest: file.sha256, attestations,
  };
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('content', new Blob([await readFile(file.path)], { type: 'application/octet-stream' }), file.filename);
  const res = await fetch(`${pypi.url}/legacy/`, { method: 'POST', body: form, headers: { authorization: `Basic ${Buffer.from(`__token__:${token}`).toString('base64')}` } });
  return { status: res.status, message: (await res.text()).replace(/\s+/g, ' ') };
}

describe('publishing with PEP 740 attestations', () => {
  it('signs every file, uploads it with its attestation, and PyPI serves a provenance that verifies', async () => {
    const files = await release('5.0.0');
    const run = testRun({ cwd: dir, files, env: tpEnv(), repositoryUrl: pypi.uploadUrl });
    run.manifest = {} as ReleaseManifest;
    const dest = createPypiDestination(fast);
    await dest.preflight(run);
    const result = await dest.publish(run);
    expect(result.uploaded.sort()).toEqual(files.map((f) => f.filename).sort());
    const root = TrustedRoot.fromJSON(sig.trustedRoot);
    for (const f of files) {
      expect(run.recorded[f.filename]).toMatchObject({ status: 'uploaded', attested: true });
      expect(run.manifest.attestations?.[f.filename]).toMatchObject({ sha256: f.sha256, predicateType: 'https://docs.pypi.org/attestations/publish/v1' });
      const res = await fetch(`${pypi.url}/integrity/demo-core/5.0.0/${f.filename}/provenance`, { headers: { accept: 'application/vnd.pypi.integrity.v1+json' } });
      expect(res.status).toBe(200);
      const prov = (await res.json()) as Provenance;
      expect(prov.attestation_bundles[0]!.publisher).toEqual({ kind: 'GitHub', repository: 'owner/demo', workflow: 'release.yml', environment: null });
      const v = verifyBundle(bundleFromAttestation(prov.attestation_bundles[0]!.attestations[0]!), root, { repository: 'owner/demo', workflow: 'release.yml', ref: 'refs/tags/v5.0.0' });
      expect(v.statement.subject).toEqual([{ name: f.filename, digest: { sha256: f.sha256 } }]);
    }
    const simple = (await (await fetch(`${pypi.url}/simple/demo-core/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } })).json()) as { files: Array<{ filename: string; provenance: string | null }> };
    expect(simple.files.find((f) => f.filename === files[0]!.filename)?.provenance).toMatch(/\/integrity\/demo-core\/5\.0\.0\/.+\/provenance$/);
    expect(run.logged.join('')).not.toMatch(/eyJ[\w-]+\.eyJ/);
    // Neither the OIDC token nor the minted PyPI token is in the manifest (only certificates and signatures).
    const recorded = JSON.stringify(run.manifest);
    expect(recorded).not.toMatch(/eyJ[\w-]+\.eyJ/);
    for (const t of pypi.mintedTokens()) expect(recorded).not.toContain(t.token);
  });

  it('after a crash between signing and uploading, a re-run sends the attestations it signed, signing nothing again', async () => {
    const files = await release('5.1.0');
    const first = testRun({ cwd: dir, files, env: tpEnv(), repositoryUrl: pypi.uploadUrl });
    first.manifest = {} as ReleaseManifest;
    let saves = 0;
    first.save = async () => void saves++;
    const dest = createPypiDestination(fast);
    await dest.preflight(first);
    pypi.inject({ kind: 'status', status: 503, target: 'upload', times: 2 });
    const before = sig.stats().certificates;
    await expect(dest.publish(first)).rejects.toThrow(/could not be published/);
    pypi.clearFaults();
    const signed = Object.keys(first.manifest.attestations ?? {});
    expect(signed.length).toBeGreaterThanOrEqual(1);
    expect(saves).toBe(signed.length);
    expect(sig.stats().certificates - before).toBe(signed.length);

    const again = testRun({ cwd: dir, files, env: tpEnv(), repositoryUrl: pypi.uploadUrl });
    again.manifest = JSON.parse(JSON.stringify(first.manifest)) as ReleaseManifest;
    const dest2 = createPypiDestination(fast);
    await dest2.preflight(again);
    await dest2.publish(again);
    for (const f of files) expect(pypi.file(f.filename)?.provenance, f.filename).not.toBeNull();
    // Only the files never signed were signed now; each stored attestation is the one recorded first.
    expect(sig.stats().certificates - before).toBe(files.length);
    for (const name of signed) {
      expect(pypi.file(name)!.provenance!.attestation_bundles[0]!.attestations[0]).toEqual(first.manifest.attestations![name]!.attestation);
    }
  });

  it('sends no attestations with an API token', async () => {
    const tokenPypi = await startPypiServer({ sigstoreTrustedRoot: sig.trustedRoot });
    try {
      const files = await release('5.2.0', 1);
      const run = testRun({ cwd: dir, files, env: { PYPI_TOKEN: tokenPypi.token, ...sig.env }, repositoryUrl: tokenPypi.uploadUrl });
      run.manifest = {} as ReleaseManifest;
      const dest = createPypiDestination(fast);
      await dest.preflight(run);
      await dest.publish(run);
      expect(run.manifest.attestations).toBeUndefined();
      expect(tokenPypi.file(files[0]!.filename)?.provenance).toBeNull();
    } finally {
      await tokenPypi.close();
    }
  });

  it('a signature by another workflow is refused at upload, with a hint', async () => {
    const files = await release('5.3.0', 1);
    // The minted token is release.yml's (PyPI matches its publisher), the signature other.yml's.
    const dest = createPypiDestination(fast);
    const tp = testRun({ cwd: dir, files, env: tpEnv(), repositoryUrl: pypi.uploadUrl });
    await dest.preflight(tp);
    tp.manifest = { attestations: { [files[0]!.filename]: { sha256: files[0]!.sha256, predicateType: 'https://docs.pypi.org/attestations/publish/v1', at: 'x', attestation: await sign(publishStatement(files[0]!.filename, files[0]!.sha256), evil) } } } as unknown as ReleaseManifest;
    const err = (await dest.publish(tp).catch((e: unknown) => e)) as PublishError;
    expect(err.message).toMatch(/400 Invalid attestations supplied during upload: Could not verify the uploaded artifact using the included attestation: Verification failed: wrong signer: signed by workflow https:\/\/github.com\/owner\/demo\/.github\/workflows\/other.yml@refs\/tags\/v5.0.0/);
    expect(err.hint).toMatch(/trusted publisher/);
    expect(pypi.file(files[0]!.filename)).toBeUndefined();
  });
});

describe('the test PyPI applies PyPI\'s attestation rules', () => {
  let files: Awaited<ReturnType<typeof release>>;
  let good: Attestation;
  beforeAll(async () => {
    files = await release('6.0.0', 1);
    good = await sign(publishStatement(files[0]!.filename, files[0]!.sha256));
  });

  it('refuses attestations with an API token', async () => {
    const r = await rawUpload(files[0]!, JSON.stringify([good]), 'pypi-AgEIcHlwaS5vcmcCJDAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMAAAAAAAAAAAtest');
    expect(r).toMatchObject({ status: 400 });
    expect(r.message).toContain('Invalid attestations supplied during upload: Attestations are only supported when using Trusted Publishing');
  });

  it('refuses a subject naming another file or digest, a foreign predicate type, an empty or too long list', async () => {
    const other = await sign(publishStatement(files[1]!.filename, files[1]!.sha256));
    const cases: Array<[string, string]> = [
      [JSON.stringify([other]), `subject does not match distribution name: ${files[1]!.filename} != ${files[0]!.filename}`],
      [JSON.stringify([await sign(publishStatement(files[0]!.filename, 'f'.repeat(64)))]), 'subject does not match distribution digest'],
      [JSON.stringify([await sign(statementFor([{ name: files[0]!.filename, sha256: files[0]!.sha256 }], 'https://example.com/predicate/v1', {}))]), 'unknown attestation type: https://example.com/predicate/v1'],
      ['[]', 'Malformed attestations: an empty attestation set is not permitted'],
      [JSON.stringify([good, good, good]), 'A maximum of 2 attestations per file are supported'],
      [JSON.stringify([good, good]), 'Multiple attestations for the same file with the same predicate type (https://docs.pypi.org/attestations/publish/v1) are not supported'],
      ['[{"version": 2}]', 'Malformed attestations: 0.version: must be 1'],
    ];
    for (const [body, message] of cases) {
      const r = await rawUpload(files[0]!, body);
      expect(r.status, message).toBe(400);
      expect(r.message).toContain(message);
    }
    expect(pypi.file(files[0]!.filename)).toBeUndefined();
  });

  it('stores a good one and serves it; a file without attestations has no provenance (404)', async () => {
    const r = await rawUpload(files[0]!, JSON.stringify([good]));
    expect(r.status).toBe(200);
    const prov = await fetch(`${pypi.url}/integrity/demo-core/6.0.0/${files[0]!.filename}/provenance`);
    expect(((await prov.json()) as Provenance).attestation_bundles[0]!.attestations).toEqual([good]);
    expect((await fetch(`${pypi.url}/integrity/demo-core/6.0.0/${files[0]!.filename}/provenance`, { headers: { accept: 'text/html' } })).status).toBe(406);
    const none = await fetch(`${pypi.url}/integrity/demo-core/5.2.0/nothing.whl/provenance`);
    expect(none.status).toBe(404);
  });
});
