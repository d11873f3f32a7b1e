// compat reading a set from a `<name>-release` project page that is not what release verify made: the
// set distribution's Requires-Dist (what pip installs) must be the set its versions.json lists (what compat reports).
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setDistributionSource } from '../../src/compat/sources.js';
import { CompatError } from '../../src/errors.js';
import { serializeVersionSet, type VersionSet } from '../../src/versionset.js';
import { buildSetDistribution } from '../../src/wheel/set-distribution.js';
import { storedZip } from '../../src/wheel/zip-write.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const component = (name: string, version: string) => ({ filename: `${name.replace(/-/g, '_')}-${version}-py3-none-any.whl`, bytes: Buffer.from(`${name} ${version}`) });

const V = '2.0.0';
const files = [component('acme-core', V), component('acme-http', V)];
const set: VersionSet = {
  schemaVersion: 1,
  version: V,
  tag: `v${V}`,
  commit: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  packages: files.map((f, i) => ({
    name: ['acme-core', 'acme-http'][i]!,
    version: V,
    requiresPython: null,
    files: [{ filename: f.filename, type: 'wheel' as const, sha256: sha(f.bytes), size: f.bytes.length, tags: ['py3-none-any'] }],
  })),
};

/** A set wheel of version `version` whose METADATA says `requires` and whose versions.json lists the components at 2.0.0. */
function setWheel(version: string, requires: string[]): { filename: string; bytes: Buffer } {
  const info = `acme_release-${version}.dist-info`;
  const metadata = ['Metadata-Version: 2.1', 'Name: acme-release', `Version: ${version}`, 'Summary: s', ...requires.map((r) => `Requires-Dist: ${r}`), '', ''].join('\n');
  const bytes = storedZip([
    [`${info}/METADATA`, Buffer.from(metadata)],
    [`${info}/versions.json`, Buffer.from(serializeVersionSet({ ...set, version }))],
  ]);
  return { filename: `acme_release-${version}-py3-none-any.whl`, bytes };
}

describe('compat through a set distribution page', () => {
  let server: Server;
  let base: string;
  const served = new Map<string, Buffer>();
  const pages = new Map<string, string[]>();

  beforeAll(async () => {
    const good = buildSetDistribution(set, 'acme-release');
    const wheels = [
      good,
      setWheel('2.0.1', ['acme-core==1.0.0', 'acme-http==2.0.0']), // a pin that is not the set's
      setWheel('2.0.2', ['acme-core==2.0.0']), // a component missing from Requires-Dist
      setWheel('2.0.3', ['acme-core==2.0.0', 'acme-http==2.0.0', 'evil==6.6.6']), // one pinned that the set does not list
      setWheel('2.0.4', ['acme-core>=1', 'acme-http==2.0.0']), // not a pin at all
      { ...good, filename: good.filename.replace(/^acme_release-2\.0\.0/, 'other_release-2.0.5') }, // another project's wheel
    ];
    pages.set('acme-release', wheels.map((w) => w.filename));
    for (const w of wheels) served.set(w.filename, w.bytes);
    for (const [i, n] of ['acme-core', 'acme-http'].entries()) {
      pages.set(n, [files[i]!.filename]);
      served.set(files[i]!.filename, files[i]!.bytes);
    }
    server = createServer((req, res) => {
      const [, , project, file] = (req.url ?? '').split('/');
      if (file) {
        const body = served.get(file);
        res.writeHead(body ? 200 : 404).end(body);
        return;
      }
      const own = pages.get(project ?? '');
      if (!own) return void res.writeHead(404).end();
      const page = { meta: { 'api-version': '1.1' }, name: project, files: own.map((f) => ({ filename: f, url: f, hashes: { sha256: sha(served.get(f)!) } })) };
      res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json' }).end(JSON.stringify(page));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/simple/`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reads the set of a wheel release verify made', async () => {
    const got = await setDistributionSource(`${base}acme-release/`).get(V);
    expect(got.packages.map((p) => `${p.name}==${p.version}`)).toEqual(['acme-core==2.0.0', 'acme-http==2.0.0']);
  });

  it('lists only the wheels of the set distribution, and refuses a wheel of another name listed on its page', async () => {
    const source = setDistributionSource(`${base}acme-release/`);
    expect((await source.list()).map((x) => x.version)).not.toContain('2.0.5');
    const err = await source.get('2.0.5').then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(CompatError);
    expect((err as CompatError).message).toBe('other_release-2.0.5-py3-none-any.whl on the page of acme-release is a wheel of other-release, not of the set distribution acme-release');
  });

  it.each([
    ['2.0.1', /Requires-Dist pins acme-core==1\.0\.0, versions\.json lists 2\.0\.0$/],
    ['2.0.2', /acme-http is in versions\.json but not in Requires-Dist/],
    ['2.0.3', /Requires-Dist pins evil==6\.6\.6, which versions\.json does not list/],
    ['2.0.4', /requires `acme-core>=1`, not a component pinned ==V/],
  ])('refuses %s, whose Requires-Dist is not the set its versions.json lists', async (version, message) => {
    const err = await setDistributionSource(`${base}acme-release/`).get(version).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(CompatError);
    expect((err as CompatError).message).toMatch(message);
    expect((err as CompatError).message).toContain(`acme_release-${version}-py3-none-any.whl`);
    expect((err as CompatError).hint).toMatch(/METADATA and versions\.json disagree/);
  });
});
