// `release compat fetch --verify-provenance`: before the pip file is written, every file it would pin is
// checked against the index's PEP 740 provenance, signed by the releasing repository's workflow at the set's
// tag (docs/supply-chain.md §6). Any problem fails the command and nothing is written.
import { checkProvenance } from '../attest/provenance.js';
import { loadTrustedRoot, type ExpectedIdentity } from '../attest/sigstore.js';
import { VerifyError } from '../errors.js';
import { normalizeName } from '../version/pep440.js';
import type { PackageSelection } from './constraints.js';

export interface ProvenanceOptions {
  indexUrl: string;
  identity: ExpectedIdentity;
  trustedRootFile?: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

export async function verifySelection(selection: PackageSelection[], opts: ProvenanceOptions): Promise<number> {
  const root = await loadTrustedRoot(opts.env, opts.trustedRootFile);
  const indexBase = opts.indexUrl.endsWith('/') ? opts.indexUrl : `${opts.indexUrl}/`;
  const problems: string[] = [];
  let verified = 0;
  for (const s of selection) {
    for (const f of s.files) {
      const r = await checkProvenance({ indexBase, project: normalizeName(s.pkg.name), version: s.pkg.version, filename: f.filename, sha256: f.sha256, root, identity: opts.identity });
      problems.push(...r.problems.map((p) => `${p.code}: ${p.message}`));
      if (r.verified && !r.problems.length) verified++;
    }
  }
  if (problems.length) {
    throw new VerifyError(`provenance check failed for ${problems.length} file(s):\n  ${problems.join('\n  ')}`, {
      hint: `only files signed by ${opts.identity.repository} (${opts.identity.workflow} at ${opts.identity.ref}) are pinned; check --repository and --workflow, or leave out --verify-provenance`,
    });
  }
  opts.log(`provenance: ${verified} file(s) signed by ${opts.identity.repository} ${opts.identity.workflow} @ ${opts.identity.ref}`);
  return verified;
}
