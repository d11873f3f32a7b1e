// `release publish` to GitHub with the workflow's OIDC identity: SHA256SUMS signed and attached, build
// provenance sent to the attestations endpoint, each once; then `verify --published --from github` passes.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createContext } from '../../src/context.js';
import { createLogger } from '../../src/log.js';
import { parseManifest } from '../../src/manifest.js';
import { publishTestSeam } from '../../src/publish/run.js';
import { verifyPublished } from '../../src/verify/published.js';
import { startGithubServer, type GithubServer } from '../servers/github.js';
import { startActionsOidcServer, type ActionsOidcServer } from '../servers/pypi.js';
import { startSigstore, type SigstoreServer } from '../servers/sigstore.js';
import { makeReleaseFixture, writePublishConfig, type ReleaseFixture } from './publish-fixture.js';

let gh: GithubServer;
let sig: SigstoreServer;
let actions: ActionsOidcServer;
let fx: ReleaseFixture;
const quiet = () => createLogger({ stderr: () => undefined, stdout: () => undefined });
const fast = { github: { secondMs: 1, timeoutMs: 2000, pace: false } };

beforeEach(async () => {
  gh = await startGithubServer({ owner: 'acme', repo: 'demo' });
  sig = await startSigstore();
  fx = await makeReleaseFixture({ version: '2.0.0' });
  actions = await startActionsOidcServer({ repository: 'acme/demo', workflow: 'release.yml', ref: 'refs/tags/v2.0.0' });
  writePublishConfig(fx.root, { to: ['github'], github: { repository: 'acme/demo', api_url: gh.apiUrl } });
});
afterEach(async () => {
  await Promise.all([gh.close(), sig.close(), actions.close()]);
  fx.cleanup();
});

describe('signed checksums and build provenance on the GitHub release', () => {
  it('signs SHA256SUMS and attests every file once; a re-run signs and sends nothing again', async () => {
    const env = { GITHUB_TOKEN: gh.token!, ...actions.env, ...sig.env };
    await publishTestSeam.run(createContext({ cwd: fx.root, log: quiet(), env }), fast);
    const names = gh.state().releases[0]!.assets.map((a) => a.name).sort();
    expect(names).toEqual([...fx.files.map((f) => f.filename), 'SHA256SUMS', 'SHA256SUMS.sigstore.json', 'release-manifest.json', 'versions.json'].sort());
    const atts = gh.state().attestations;
    expect(atts).toHaveLength(1);
    expect(atts[0]!.subjects.sort()).toEqual(fx.files.map((f) => `sha256:${f.sha256}`).sort());
    const m = parseManifest(readFileSync(fx.manifestPath, 'utf8'), fx.manifestPath);
    expect(m.provenance?.id).toBe(atts[0]!.id);
    const certs = sig.stats().certificates;
    expect(certs).toBe(2);

    // A re-run that finds GitHub unfinished (as after a crash before the release was published): the
    // bundle on disk signs the same SHA256SUMS and the provenance covers the same files, so neither is redone.
    const raw = JSON.parse(readFileSync(fx.manifestPath, 'utf8')) as { publish: { github: { complete: boolean } } };
    raw.publish.github.complete = false;
    writeFileSync(fx.manifestPath, JSON.stringify(raw));
    const log: string[] = [];
    await publishTestSeam.run(createContext({ cwd: fx.root, log: createLogger({ stderr: (l) => void log.push(l), stdout: () => undefined }), env }), fast);
    expect(log.join('')).toMatch(/SHA256SUMS.sigstore.json: signed by an earlier run, kept/);
    expect(log.join('')).toMatch(/attest build provenance.*sent by an earlier run/);
    expect(sig.stats().certificates).toBe(certs);
    expect(gh.state().attestations).toHaveLength(1);

    const report = await verifyPublished({
      manifest: m, indexUrl: null, identity: { repository: 'acme/demo', workflow: 'release.yml', ref: 'refs/tags/v2.0.0' },
      github: { apiUrl: gh.apiUrl, repository: 'acme/demo', token: gh.token! }, env: sig.env,
    });
    expect(report.findings).toEqual([]);
  });

  it('without an OIDC identity, signs nothing and still publishes', async () => {
    await publishTestSeam.run(createContext({ cwd: fx.root, log: quiet(), env: { GITHUB_TOKEN: gh.token!, ...sig.env } }), fast);
    expect(gh.state().releases[0]!.assets.map((a) => a.name)).not.toContain('SHA256SUMS.sigstore.json');
    expect(gh.state().attestations).toEqual([]);
    expect(sig.stats().certificates).toBe(0);
  });
});
