// Signing against a local Fulcio and Rekor (@sigstore/mock on loopback) and verifying what they issue.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import {
  attestationFromBundle,
  bundleFromAttestation,
  checkSubject,
  parseAttestation,
  publishStatement,
  statementOf,
} from '../../src/attest/pep740.js';
import { identityToken } from '../../src/attest/oidc.js';
import { signStatement, verifyBundle, type DsseBundleJson } from '../../src/attest/sigstore.js';
import { startActionsOidcServer, type ActionsOidcServer } from '../servers/pypi.js';
import { startSigstore, type SigstoreServer } from '../servers/sigstore.js';

const FILE = 'demo_core-0.3.0-py3-none-any.whl';
const SHA = 'a'.repeat(64);
const WANT = { repository: 'owner/demo', workflow: 'release.yml', ref: 'refs/tags/v0.3.0' };

let sig: SigstoreServer;
let other: SigstoreServer;
let actions: ActionsOidcServer;
let bundle: DsseBundleJson;
let root: TrustedRoot;

beforeAll(async () => {
  [sig, other, actions] = await Promise.all([startSigstore(), startSigstore(), startActionsOidcServer({ repository: 'owner/demo', workflow: 'release.yml', ref: 'refs/tags/v0.3.0' })]);
  root = TrustedRoot.fromJSON(sig.trustedRoot);
  bundle = await signStatement(publishStatement(FILE, SHA), { fulcioUrl: sig.url, rekorUrl: sig.url, identityToken: () => identityToken(actions.env) });
});
afterAll(async () => {
  await Promise.all([sig?.close(), other?.close(), actions?.close()]);
});

describe('Sigstore signing and PEP 740 attestations', () => {
  it('signs a publish statement with a Fulcio certificate and a Rekor entry', () => {
    expect(sig.stats()).toMatchObject({ certificates: 1, entries: 1 });
    expect(bundle.verificationMaterial.tlogEntries).toHaveLength(1);
    expect(bundle.dsseEnvelope.payloadType).toBe('application/vnd.in-toto+json');
  });

  it('converts to a PEP 740 attestation and back, and the round trip verifies for the expected identity', () => {
    const att = parseAttestation(JSON.parse(JSON.stringify(attestationFromBundle(bundle))));
    expect(Object.keys(att).sort()).toEqual(['envelope', 'verification_material', 'version']);
    expect(statementOf(att).subject).toEqual([{ name: FILE, digest: { sha256: SHA } }]);
    expect(checkSubject(statementOf(att), FILE, SHA)).toBeNull();
    const v = verifyBundle(bundleFromAttestation(att), root, WANT);
    expect(v.identity.buildConfigUri).toBe('https://github.com/owner/demo/.github/workflows/release.yml@refs/tags/v0.3.0');
    expect(v.statement.predicateType).toBe('https://docs.pypi.org/attestations/publish/v1');
  });

  it('refuses another repository, another workflow or another tag', () => {
    expect(() => verifyBundle(bundle, root, { ...WANT, repository: 'evil/demo' })).toThrow(/wrong signer: signed from repository https:\/\/github.com\/owner\/demo/);
    expect(() => verifyBundle(bundle, root, { ...WANT, workflow: 'other.yml' })).toThrow(/wrong signer: signed by workflow/);
    expect(() => verifyBundle(bundle, root, { ...WANT, ref: 'refs/tags/v9.9.9' })).toThrow(/wrong signer: signed at ref refs\/tags\/v0.3.0/);
  });

  it('refuses a statement changed after signing, and a bundle from an untrusted CA', () => {
    const att = attestationFromBundle(bundle);
    const forged = { ...att, envelope: { ...att.envelope, statement: Buffer.from(JSON.stringify(publishStatement(FILE, 'b'.repeat(64)))).toString('base64') } };
    expect(() => verifyBundle(bundleFromAttestation(forged), root, WANT)).toThrow(/signature does not verify/);
    expect(() => verifyBundle(bundle, TrustedRoot.fromJSON(other.trustedRoot), WANT)).toThrow(/signature does not verify/);
  });

  it('applies PyPI subject rules: the name, the digest, the predicate type', () => {
    const s = publishStatement(FILE, SHA);
    expect(checkSubject(s, 'demo_core-0.3.0-py3-none-any2.whl', SHA)).toMatch(/subject does not match distribution name/);
    expect(checkSubject(s, FILE, 'c'.repeat(64))).toBe('subject does not match distribution digest');
    expect(checkSubject({ ...s, predicateType: 'https://example.com/x' }, FILE, SHA)).toMatch(/unknown attestation type/);
    expect(checkSubject({ ...s, subject: [...s.subject, ...s.subject] }, FILE, SHA)).toMatch(/exactly one/);
  });

  it('Fulcio refuses a token without the sigstore audience', async () => {
    const before = sig.stats().refused;
    await expect(
      signStatement(publishStatement(FILE, SHA), { fulcioUrl: sig.url, rekorUrl: sig.url, identityToken: () => identityToken(actions.env, 'pypi') }),
    ).rejects.toThrow(/Sigstore signing failed/);
    expect(sig.stats().refused).toBe(before + 1);
  });
});
