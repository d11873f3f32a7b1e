// One file's PEP 740 provenance from an index's integrity API, every attestation in it verified
// (docs/supply-chain.md §3, §6): used by `release verify --published` and `release compat fetch --verify-provenance`.
import type { TrustedRoot } from '@sigstore/protobuf-specs';
import { redact } from '../secrets.js';
import { boundedFetch, timeoutHint, timeoutOf, urlForMessage } from '../network.js';
import { bundleFromAttestation, checkSubject, parseAttestation, type Provenance } from './pep740.js';
import { verifyBundle, type ExpectedIdentity } from './sigstore.js';

export interface ProvenanceProblem {
  code: 'no-provenance' | 'attestation' | 'subject' | 'unreachable';
  message: string;
}

export interface ProvenanceResult {
  /** Attestations that verified. */
  verified: number;
  /** The Build Config URI of the last one that verified. */
  signer?: string;
  problems: ProvenanceProblem[];
}

export async function checkProvenance(opts: {
  /** Base URL of the index (JSON and integrity APIs), ending in `/`. */
  indexBase: string;
  project: string;
  version: string;
  filename: string;
  sha256: string;
  root: TrustedRoot;
  identity: ExpectedIdentity;
  timeoutMs?: number;
}): Promise<ProvenanceResult> {
  const out: ProvenanceResult = { verified: 0, problems: [] };
  const problem = (code: ProvenanceProblem['code'], message: string) => void out.problems.push({ code, message: redact(message) });
  const url = new URL(`integrity/${opts.project}/${opts.version}/${encodeURIComponent(opts.filename)}/provenance`, opts.indexBase).href;
  let provenance: Provenance;
  try {
    const res = await boundedFetch(url, { headers: { accept: 'application/vnd.pypi.integrity.v1+json', 'user-agent': 'wheelwright' } }, { timeoutMs: opts.timeoutMs ?? 60_000 });
    if (res.status === 404) return problem('no-provenance', `the index has no attestation for ${opts.filename}`), out;
    if (res.status !== 200) return problem('unreachable', `the integrity API answered ${res.status} for ${opts.filename}`), out;
    provenance = (await res.json()) as Provenance;
  } catch (err) {
    const timedOut = timeoutOf(err);
    return problem('unreachable', timedOut ? `GET ${timedOut.message}; ${timeoutHint(timedOut.ms)}` : `GET ${urlForMessage(url)}: ${(err as Error).message}`), out;
  }
  const attestations = (provenance.attestation_bundles ?? []).flatMap((b) => b.attestations ?? []);
  if (!attestations.length) return problem('no-provenance', `the provenance of ${opts.filename} holds no attestation`), out;
  for (const raw of attestations) {
    try {
      const v = verifyBundle(bundleFromAttestation(parseAttestation(raw)), opts.root, opts.identity);
      const bad = checkSubject(v.statement, opts.filename, opts.sha256);
      if (bad) problem('subject', `${opts.filename}: ${bad}`);
      else {
        out.verified++;
        out.signer = v.identity.buildConfigUri;
      }
    } catch (err) {
      problem('attestation', `${opts.filename}: ${(err as Error).message}`);
    }
  }
  return out;
}
