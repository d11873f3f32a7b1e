// PEP 740 attestations at upload, with PyPI's rules and messages (warehouse attestations/services.py,
// pypi-attestations `Attestation.verify`; docs/supply-chain.md §2): only with trusted publishing; a non-empty
// list of at most 2; each verified against the trusted publisher's identity and the uploaded (filename,
// sha256); one per predicate type. Without a trusted root the server behaves as warehouse's
// NullIntegrityService (development): shape checked, signatures not.
import type { TrustedRoot } from '@sigstore/protobuf-specs';
import {
  AttestationShapeError,
  bundleFromAttestation,
  checkSubject,
  parseAttestation,
  PYPI_ATTESTATION_TYPES,
  statementOf,
  type Attestation,
  type Provenance,
} from '../../../src/attest/pep740.js';
import { verifyBundle } from '../../../src/attest/sigstore.js';

export interface PublisherIdentity {
  kind: 'GitHub';
  repository: string;
  workflow: string;
  environment: string | null;
}

/** The provenance object to store, or PyPI's error message (to follow "Invalid attestations supplied during upload: "). */
export function checkAttestations(raw: string, publisher: PublisherIdentity | null, filename: string, sha256: string, root: TrustedRoot | null): Provenance | string {
  if (!publisher) return 'Attestations are only supported when using Trusted Publishing';
  let list: Attestation[];
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (!Array.isArray(parsed)) throw new AttestationShapeError('Input should be a valid list');
    list = parsed.map((a, i) => parseAttestation(a, String(i)));
  } catch (err) {
    return `Malformed attestations: ${(err as Error).message}`;
  }
  if (list.length === 0) return 'Malformed attestations: an empty attestation set is not permitted';
  if (list.length > PYPI_ATTESTATION_TYPES.length) return `A maximum of ${PYPI_ATTESTATION_TYPES.length} attestations per file are supported`;
  const seen = new Set<string>();
  for (const a of list) {
    let predicateType: string;
    try {
      const statement = root ? verifyBundle(bundleFromAttestation(a), root, { repository: publisher.repository, workflow: publisher.workflow }).statement : statementOf(a);
      const bad = checkSubject(statement, filename, sha256);
      if (bad) return `Could not verify the uploaded artifact using the included attestation: Verification failed: ${bad}`;
      predicateType = statement.predicateType;
    } catch (err) {
      return `Could not verify the uploaded artifact using the included attestation: Verification failed: ${(err as Error).message}`;
    }
    if (seen.has(predicateType)) return `Multiple attestations for the same file with the same predicate type (${predicateType}) are not supported`;
    seen.add(predicateType);
  }
  return { version: 1, attestation_bundles: [{ publisher: { ...publisher }, attestations: list }] };
}
