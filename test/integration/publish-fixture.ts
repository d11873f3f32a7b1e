// A verified release on disk for publish tests: a git repo with a tag, release.yaml, and dist/ holding
// real (tiny) wheels and sdists, a release manifest whose verify record passed on exactly those files.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { ReleaseManifest } from '../../src/manifest.js';
import { serializeVersionSet, versionSetFromFiles } from '../../src/versionset.js';
import { git, tempRepo } from '../helpers/gitdir.js';
import { makeSdistBuffer, makeWheelBuffer, sdistFilename, wheelFilename } from '../servers/pypi/make-dist.js';

export interface FixtureFile {
  filename: string;
  package: string;
  sha256: string;
  size: number;
}

export interface ReleaseFixture {
  root: string;
  dist: string;
  manifestPath: string;
  version: string;
  tag: string;
  commit: string;
  files: FixtureFile[];
  manifest: ReleaseManifest;
  cleanup(): void;
  /** A fresh copy of the repository (with its git history and dist/) for one run. */
  copy(into: string): string;
}

export interface FixtureOptions {
  version?: string;
  packages?: string[];
  /** Wheel tags per package (default: two). */
  wheelTags?: string[];
  payloadBytes?: number;
  /** The publish section of release.yaml. */
  publish?: Record<string, unknown>;
  changelog?: string;
  /** Annotation of the tag (default: "Release <version>\n\ntag notes"). */
  tagMessage?: string;
  /** Leave the manifest's commit null. */
  noCommit?: boolean;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export async function makeReleaseFixture(opts: FixtureOptions = {}): Promise<ReleaseFixture> {
  const version = opts.version ?? '1.0.0';
  const tag = `v${version}`;
  const packages = opts.packages ?? ['demo-core', 'demo-cli'];
  const tags = opts.wheelTags ?? ['py3-none-any', 'cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64'];
  const repo = tempRepo({
    'release.yaml': stringify({ publish: opts.publish ?? { to: ['github'] } }),
    'VERSION': `${version}\n`,
    'CHANGELOG.md': opts.changelog ?? `# Changelog\n\n## ${version} (2026-11-23)\n\n### Features\n\n- Wheels for everyone. (#1)\n\n## 0.9.0 (2026-01-01)\n\n- Older.\n`,
    '.gitignore': 'dist/\n',
  });
  const root = repo.dir;
  git(root, 'tag', '-a', tag, '-m', opts.tagMessage ?? `Release ${version}\n\ntag notes`);
  const commit = git(root, 'rev-parse', 'HEAD');
  const dist = path.join(root, 'dist');
  mkdirSync(dist, { recursive: true });
  const files: FixtureFile[] = [];
  let seed = 1;
  for (const name of packages) {
    for (const t of tags) {
      const spec = { name, version, tag: t, payloadBytes: opts.payloadBytes ?? 512, seed: seed++ };
      const buf = makeWheelBuffer(spec);
      const filename = wheelFilename(spec);
      writeFileSync(path.join(dist, filename), buf);
      files.push({ filename, package: name, sha256: sha(buf), size: buf.length });
    }
    const spec = { name, version, payloadBytes: opts.payloadBytes ?? 512, seed: seed++ };
    const buf = await makeSdistBuffer(spec);
    const filename = sdistFilename(spec);
    writeFileSync(path.join(dist, filename), buf);
    files.push({ filename, package: name, sha256: sha(buf), size: buf.length });
  }
  const at = '2026-11-23T12:00:00.000Z';
  const manifest: ReleaseManifest = {
    schemaVersion: 1,
    tool: { name: 'wheelwright', version: '0.1.0' },
    version,
    tag,
    commit: opts.noCommit ? null : commit,
    createdAt: at,
    packages: packages.map((name) => ({
      name,
      distName: name.replace(/-/g, '_'),
      path: `packages/${name}`,
      kind: 'pure' as const,
      builder: 'build' as const,
      requiresPython: null,
    })),
    jobs: [{ id: 'build-any', target: 'any', runner: 'ubuntu-latest', builder: 'build', emulation: null, packages, pythons: [], env: {} }],
    expected: files.map((f) => ({
      id: `${f.package}:${f.filename.endsWith('.whl') ? 'wheel' : 'sdist'}:${f.filename}`,
      package: f.package,
      type: f.filename.endsWith('.whl') ? ('wheel' as const) : ('sdist' as const),
      target: null,
      python: null,
      filename: f.filename,
      pattern: null,
      job: 'build-any',
    })),
    built: files.map((f) => ({ ...f, target: null, job: 'build-any' })).sort((a, b) => a.filename.localeCompare(b.filename)),
    verify: {
      at,
      ok: true,
      version,
      files: files.map((f) => ({ filename: f.filename, sha256: f.sha256, size: f.size, ok: true, codes: [] })),
      missing: [],
      unexpected: [],
      duplicate: [],
    },
    assets: [],
    publish: {},
  };
  // What `release verify` makes at its end and lists in the manifest: publish uploads these as they are.
  const sums = [...files].sort((a, b) => a.filename.localeCompare(b.filename)).map((f) => `${f.sha256}  ${f.filename}\n`).join('');
  for (const [filename, text] of [
    ['SHA256SUMS', sums],
    ['versions.json', serializeVersionSet(versionSetFromFiles(manifest, files))],
  ] as const) {
    const buf = Buffer.from(text);
    writeFileSync(path.join(dist, filename), buf);
    manifest.assets.push({ filename, sha256: sha(buf), size: buf.length });
  }
  const manifestPath = path.join(dist, 'release-manifest.json');
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  return {
    root,
    dist,
    manifestPath,
    version,
    tag,
    commit,
    files,
    manifest,
    cleanup: repo.cleanup,
    copy(into: string) {
      cpSync(root, into, { recursive: true });
      return into;
    },
  };
}

/** Rewrite release.yaml's publish section (e.g. with a server's URLs). */
export function writePublishConfig(root: string, publish: Record<string, unknown>): void {
  writeFileSync(path.join(root, 'release.yaml'), stringify({ publish }));
}
