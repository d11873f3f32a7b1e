// PEP 740 attestation objects and the in-toto statements they carry (docs/supply-chain.md §1–§3).
// An attestation is a Sigstore bundle cut into PyPI's shape: the leaf certificate, the Rekor entries and
// the DSSE envelope's payload and one signature; these functions convert both ways and check the shape.
import { createHash } from 'node:crypto';

export const PYPI_PUBLISH_V1 = 'https://docs.pypi.org/attestations/publish/v1';
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
export const INTOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
export const INTOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const BUNDLE_V03_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
/** The Sigstore bundle over SHA256SUMS that a GitHub release carries next to it. */
export const SUMS_BUNDLE = 'SHA256SUMS.sigstore.json';
/** The predicate types PyPI accepts, at most one attestation of each per file. */
export const PYPI_ATTESTATION_TYPES = [PYPI_PUBLISH_V1, SLSA_PROVENANCE_V1] as const;

/** PEP 740's Attestation object (version 1). */
export interface Attestation {
  version: 1;
  verification_material: {
    /** base64(DER) of the signing certificate. */
    certificate: string;
    /** Rekor entries in Sigstore's TransparencyLogEntry JSON form; at least one. */
    transparency_entries: Array<Record<string, unknown>>;
  };
  envelope: {
    /** base64 of the in-toto statement's JSON. */
    statement: string;
    /** base64 of the DSSE signature over PAE(payloadType, statement). */
    signature: string;
  };
}

/** PEP 740's Publisher (the GitHub kind, which is what wheelwright's workflow is). */
export interface GitHubPublisher {
  kind: 'GitHub';
  repository: string;
  workflow: string;
  environment?: string | null;
}

/** PEP 740's Provenance object, as the integrity API serves it. */
export interface Provenance {
  version: 1;
  attestation_bundles: Array<{ publisher: Record<string, unknown> & { kind: string }; attestations: Attestation[] }>;
}

export interface InTotoStatement {
  _type: string;
  subject: Array<{ name: string; digest: Record<string, string> }>;
  predicateType: string;
  predicate?: Record<string, unknown> | null;
}

/** A serialized Sigstore bundle (v0.3, DSSE, single leaf certificate). */
export interface DsseBundleJson {
  mediaType: string;
  verificationMaterial: {
    certificate?: { rawBytes: string };
    x509CertificateChain?: { certificates: Array<{ rawBytes: string }> };
    tlogEntries: Array<Record<string, unknown>>;
    timestampVerificationData?: unknown;
  };
  dsseEnvelope: { payload: string; payloadType: string; signatures: Array<{ sig: string; keyid?: string }> };
}

/** The statement PyPI's publish attestation signs: one subject, the file name and its sha256; an empty predicate. */
export function publishStatement(filename: string, sha256: string): InTotoStatement {
  return { _type: INTOTO_STATEMENT_V1, subject: [{ name: filename, digest: { sha256 } }], predicateType: PYPI_PUBLISH_V1, predicate: {} };
}

/** A statement for any set of files (GitHub build provenance over release assets). */
export function statementFor(subjects: Array<{ name: string; sha256: string }>, predicateType: string, predicate: Record<string, unknown>): InTotoStatement {
  return { _type: INTOTO_STATEMENT_V1, subject: subjects.map((s) => ({ name: s.name, digest: { sha256: s.sha256 } })), predicateType, predicate };
}

export class AttestationShapeError extends Error {}

/** Bundle → PEP 740 attestation (what pypi-attestations' `Attestation.from_bundle` does). */
export function attestationFromBundle(bundle: DsseBundleJson): Attestation {
  const vm = bundle.verificationMaterial;
  const cert = vm.certificate?.rawBytes ?? vm.x509CertificateChain?.certificates[0]?.rawBytes;
  if (!cert) throw new AttestationShapeError('the Sigstore bundle has no signing certificate');
  const env = bundle.dsseEnvelope;
  if (!env || env.payloadType !== INTOTO_PAYLOAD_TYPE) throw new AttestationShapeError('the Sigstore bundle is not an in-toto DSSE envelope');
  if (env.signatures.length !== 1) throw new AttestationShapeError(`expected exactly one signature, got ${env.signatures.length}`);
  if (!vm.tlogEntries.length) throw new AttestationShapeError('the Sigstore bundle has no transparency log entry');
  return {
    version: 1,
    verification_material: { certificate: cert, transparency_entries: vm.tlogEntries },
    envelope: { statement: env.payload, signature: env.signatures[0]!.sig },
  };
}

/** PEP 740 attestation → bundle (pypi-attestations' `to_bundle`: the first transparency entry). */
export function bundleFromAttestation(a: Attestation): DsseBundleJson {
  return {
    mediaType: BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial: {
      certificate: { rawBytes: a.verification_material.certificate },
      tlogEntries: [a.verification_material.transparency_entries[0]!],
      timestampVerificationData: { rfc3161Timestamps: [] },
    },
    dsseEnvelope: { payload: a.envelope.statement, payloadType: INTOTO_PAYLOAD_TYPE, signatures: [{ sig: a.envelope.signature, keyid: '' }] },
  };
}

const isB64 = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(v);

/** Check that `value` is a PEP 740 Attestation object; the message says which field is wrong. */
export function parseAttestation(value: unknown, where = 'attestation'): Attestation {
  const o = value as Partial<Attestation> | null;
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw new AttestationShapeError(`${where}: not an object`);
  if (o.version !== 1) throw new AttestationShapeError(`${where}.version: must be 1`);
  const vm = o.verification_material;
  if (!vm || typeof vm !== 'object') throw new AttestationShapeError(`${where}.verification_material: missing`);
  if (!isB64(vm.certificate)) throw new AttestationShapeError(`${where}.verification_material.certificate: not base64`);
  if (!Array.isArray(vm.transparency_entries) || vm.transparency_entries.length < 1 || vm.transparency_entries.some((e) => !e || typeof e !== 'object'))
    throw new AttestationShapeError(`${where}.verification_material.transparency_entries: needs at least one entry`);
  const env = o.envelope;
  if (!env || typeof env !== 'object') throw new AttestationShapeError(`${where}.envelope: missing`);
  if (!isB64(env.statement)) throw new AttestationShapeError(`${where}.envelope.statement: not base64`);
  if (!isB64(env.signature)) throw new AttestationShapeError(`${where}.envelope.signature: not base64`);
  return o as Attestation;
}

/** The statement inside an attestation (unverified: call after the signature check). */
export function statementOf(a: Attestation): InTotoStatement {
  let s: InTotoStatement;
  try {
    s = JSON.parse(Buffer.from(a.envelope.statement, 'base64').toString('utf8')) as InTotoStatement;
  } catch {
    throw new AttestationShapeError('the attestation statement is not JSON');
  }
  if (!s || typeof s !== 'object' || !Array.isArray(s.subject) || typeof s.predicateType !== 'string') {
    throw new AttestationShapeError('the attestation statement is not an in-toto statement');
  }
  return s;
}

/**
 * PyPI's subject rule (pypi-attestations `Attestation.verify`): exactly one subject, whose name is the
 * distribution's filename and whose sha256 is the file's; and a predicate type PyPI knows.
 */
export function checkSubject(s: InTotoStatement, filename: string, sha256: string): string | null {
  if (s._type !== INTOTO_STATEMENT_V1) return `statement type is ${JSON.stringify(s._type)}, not ${INTOTO_STATEMENT_V1}`;
  if (s.subject.length !== 1) return 'too many subjects in statement (must be exactly one)';
  const subj = s.subject[0]!;
  if (!subj.name) return 'invalid subject: missing name';
  if (subj.name !== filename) return `subject does not match distribution name: ${subj.name} != ${filename}`;
  if (subj.digest?.sha256 !== sha256) return 'subject does not match distribution digest';
  if (!(PYPI_ATTESTATION_TYPES as readonly string[]).includes(s.predicateType)) return `unknown attestation type: ${s.predicateType}`;
  if (s.predicateType === PYPI_PUBLISH_V1 && s.predicate != null && Object.keys(s.predicate).length > 0) {
    return 'the publish/v1 predicate must be empty ({}) or null';
  }
  return null;
}

/** sha256 hex of a string or buffer. */
export const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
