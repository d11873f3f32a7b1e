// The signer identity policy (pypi-attestations' GitHub Trusted Publisher policy, plus the release tag).
import { describe, expect, it } from 'vitest';
import { checkIdentity, type SignerIdentity } from '../../src/attest/sigstore.js';
import { checkSubject, publishStatement } from '../../src/attest/pep740.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const signer: SignerIdentity = {
  issuer: 'https://token.actions.githubusercontent.com',
  sourceRepositoryUri: 'https://github.com/Owner/Demo',
  sourceRepositoryDigest: SHA,
  sourceRepositoryRef: 'refs/tags/v1.0.0',
  buildConfigUri: 'https://github.com/Owner/Demo/.github/workflows/release.yml@refs/tags/v1.0.0',
};
const want = { repository: 'owner/demo', workflow: 'release.yml', ref: 'refs/tags/v1.0.0' };

describe('checkIdentity', () => {
  it('accepts the workflow pinned by ref or by commit digest, repository names in any case', () => {
    expect(checkIdentity(signer, want)).toBeNull();
    expect(checkIdentity({ ...signer, buildConfigUri: `https://github.com/owner/demo/.github/workflows/release.yml@${SHA}` }, want)).toBeNull();
  });

  it('names what differs: issuer, repository, workflow, tag, missing claims', () => {
    expect(checkIdentity({ ...signer, issuer: 'https://gitlab.com' }, want)).toMatch(/issuer https:\/\/gitlab.com/);
    expect(checkIdentity(signer, { ...want, repository: 'owner/other' })).toMatch(/repository https:\/\/github.com\/Owner\/Demo, expected https:\/\/github.com\/owner\/other/);
    expect(checkIdentity(signer, { ...want, workflow: 'ci.yml' })).toMatch(/workflow .*release.yml@refs\/tags\/v1.0.0, expected .*ci.yml@/);
    expect(checkIdentity(signer, { ...want, ref: 'refs/tags/v1.0.1' })).toMatch(/ref refs\/tags\/v1.0.0, expected refs\/tags\/v1.0.1/);
    expect(checkIdentity({ ...signer, sourceRepositoryDigest: undefined, sourceRepositoryRef: undefined }, want)).toMatch(/neither a source repository digest nor a ref/);
    // A reusable workflow elsewhere calling ours is not ours: the build config URI must be this repository's file.
    expect(checkIdentity({ ...signer, buildConfigUri: 'https://github.com/evil/x/.github/workflows/release.yml@refs/tags/v1.0.0' }, want)).toMatch(/signed by workflow/);
  });

  it('without a ref, any ref of the workflow passes (PyPI\'s own rule)', () => {
    expect(checkIdentity({ ...signer, sourceRepositoryRef: 'refs/heads/main', buildConfigUri: 'https://github.com/Owner/Demo/.github/workflows/release.yml@refs/heads/main' }, { repository: 'owner/demo', workflow: 'release.yml' })).toBeNull();
  });
});

describe('checkSubject', () => {
  it('wants the publish predicate empty', () => {
    expect(checkSubject({ ...publishStatement('a-1.0.tar.gz', 'f'.repeat(64)), predicate: { x: 1 } }, 'a-1.0.tar.gz', 'f'.repeat(64))).toMatch(/must be empty/);
    expect(checkSubject({ ...publishStatement('a-1.0.tar.gz', 'f'.repeat(64)), predicate: null }, 'a-1.0.tar.gz', 'f'.repeat(64))).toBeNull();
  });
});
