// The static index destination: a PEP 503 HTML + PEP 691 JSON simple index in a directory.
//
// Layout of `<dir>` (safe to serve from any static host; every write is temp file + rename):
//   index.html, index.json                  the root page: every project
//   <project>/index.html                    PEP 503 page: `<a href="<file>#sha256=…" data-requires-python=…
//                                           data-core-metadata="sha256=…">`, repository-version 1.1
//   <project>/index.json                    PEP 691 page (api-version 1.1: size, upload-time, versions)
//   <project>/<file>                        wheels and sdists (project = PEP 503 normalised name)
//   <project>/<wheel>.metadata              PEP 658 core metadata of each wheel
//   _sets/<version>/versions.json           the version set of each release (`release compat`)
//   _sets/index.json                        every set: version, tag, commit, createdAt, path, sha256
// A static host serves `<project>/` as index.html, which is all pip needs. A server that can
// negotiate content should answer `Accept: application/vnd.pypi.simple.v1+json` with index.json,
// e.g. nginx: `if ($http_accept ~* "vnd\.pypi\.simple\.v1\+json") { rewrite ^(.*/)$ $1index.json; }`
// plus `types { application/vnd.pypi.simple.v1+json json; }`. `_sets` can never clash with a
// project: normalised names start with a letter or digit.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { alive, tempPath } from '../context.js';
import { PublishError } from '../errors.js';
import type { PublishedFile } from '../manifest.js';
import { compareVersions, normalizeName } from '../version/pep440.js';
import { parseVersionSet, sha256File, VERSIONS_FILE } from '../versionset.js';
import { readListedAssets } from './listed-assets.js';
import { metadataField, readWheelMetadata } from './index/metadata.js';
import {
  API_VERSION,
  type IndexFile,
  type ProjectPage,
  type RootPage,
  fileHref,
  renderJson,
  renderProjectHtml,
  renderRootHtml,
  uploadTime,
} from './index/pages.js';
import type { Destination, DestinationResult, PublishFile, PublishRun } from './types.js';
import { compareCodePoints } from '../order.js';

export const SETS_DIR = '_sets';
export const SETS_INDEX = 'index.json';

/** `_sets/index.json`: the version sets in this index, newest first. */
export interface SetsIndex {
  schemaVersion: 1;
  sets: Array<{ version: string; tag: string; commit: string | null; createdAt: string; path: string; sha256: string }>;
}

export interface IndexDestinationOptions {
  /** The index directory (relative paths are resolved against the command's cwd). */
  dir: string;
  /** Public URL the directory is served from, for the URLs recorded in the manifest. */
  url?: string;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/** Copy a file in atomically, checking the copy's digest before it becomes visible. */
async function atomicCopy(src: string, dest: string, sha256: string): Promise<void> {
  await mkdir(path.dirname(dest), { recursive: true });
  const tmp = tempPath(dest);
  try {
    await copyFile(src, tmp);
    const digest = await sha256File(tmp);
    if (digest !== sha256) {
      throw new PublishError(`${path.basename(src)} changed after verification (sha256 ${digest.slice(0, 12)}…, expected ${sha256.slice(0, 12)}…)`, {
        file: src,
        hint: 'run `release verify` again on the files you mean to publish',
      });
    }
    await rename(tmp, dest);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Temp files (`.<name>.tmp-<pid>-…`) left by a run that was killed mid-write; never visible to clients. */
async function removeStaleTemps(root: string, files: PublishFile[]): Promise<void> {
  const dirs = new Set([root, path.join(root, SETS_DIR), ...files.map((f) => path.join(root, normalizeName(f.package)))]);
  for (const dir of dirs) {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const m = /^\..+\.tmp-(\d+)-[a-z0-9]+$/.exec(name);
      if (m && !alive(Number(m[1]))) await rm(path.join(dir, name), { force: true });
    }
  }
}

async function readJson<T>(file: string): Promise<T | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new PublishError(`${file} is not valid JSON: ${(err as Error).message}`, {
      file,
      hint: 'the index was edited or half-written by another tool; restore it from a backup',
    });
  }
}

/** The version in a wheel or sdist filename (`demo_core-0.3.0-py3-none-any.whl` → `0.3.0`). */
function fileVersion(filename: string): string | null {
  const stem = filename.replace(/(\.whl|\.tar\.gz|\.zip)$/, '');
  const parts = filename.endsWith('.whl') ? stem.split('-') : [stem.slice(0, stem.lastIndexOf('-')), stem.slice(stem.lastIndexOf('-') + 1)];
  return parts[1] ?? null;
}

function isDist(f: PublishFile): boolean {
  return f.type === 'wheel' || f.type === 'sdist';
}

export function createIndexDestination(opts: IndexDestinationOptions): Destination {
  const rootOf = (run: PublishRun) => path.resolve(run.ctx.cwd, opts.dir);
  const publicUrl = (root: string, rel: string) =>
    opts.url ? `${opts.url.replace(/\/?$/, '/')}${rel}` : new URL(rel, pathToFileURL(root + path.sep)).href;

  async function preflight(run: PublishRun): Promise<void> {
    const root = rootOf(run);
    if ((await exists(root)) && !(await stat(root)).isDirectory()) {
      throw new PublishError(`the index directory ${root} is a file`, { field: 'publish.index.dir', hint: 'point publish.index.dir at a directory' });
    }
    const ours = new Set(run.files.filter(isDist).map((f) => f.filename));
    for (const f of run.files.filter(isDist)) {
      const target = path.join(root, normalizeName(f.package), f.filename);
      if ((await exists(target)) && (await sha256File(target)) !== f.sha256) {
        throw new PublishError(`${f.filename} is already in the index with other content`, {
          file: target,
          hint: 'a published file never changes: release a new version (or a build tag) instead',
        });
      }
    }
    for (const pkg of new Set(run.files.filter(isDist).map((f) => normalizeName(f.package)))) {
      const page = await readJson<ProjectPage>(path.join(root, pkg, 'index.json'));
      const other = (page?.files ?? []).filter((f) => fileVersion(f.filename) === run.manifest.version && !ours.has(f.filename));
      if (other.length) {
        throw new PublishError(`${pkg} ${run.manifest.version} is already in the index with other files: ${other.map((f) => f.filename).join(', ')}`, {
          file: path.join(root, pkg, 'index.json'),
          hint: 'a released version never changes: release a new version',
        });
      }
    }
  }

  /** Put one file (and a wheel's .metadata) into its project directory; returns its page entry. */
  async function placeFile(run: PublishRun, root: string, f: PublishFile): Promise<{ entry: IndexFile; status: PublishedFile['status'] }> {
    const project = normalizeName(f.package);
    const target = path.join(root, project, f.filename);
    let status: PublishedFile['status'] = 'uploaded';
    if (await exists(target)) {
      if ((await sha256File(target)) !== f.sha256) {
        throw new PublishError(`${f.filename} is already in the index with other content`, { file: target, hint: 'release a new version instead' });
      }
      status = 'existing';
    }
    const entry: IndexFile = { filename: f.filename, url: fileHref(f.filename), hashes: { sha256: f.sha256 }, size: f.size, 'upload-time': uploadTime(run.ctx.now()) };
    const pkg = run.manifest.packages.find((p) => normalizeName(p.name) === project);
    let requiresPython = pkg?.requiresPython ?? null;
    if (f.type === 'wheel') {
      const metadata = await readWheelMetadata(f.path, f.filename);
      requiresPython = metadataField(metadata, 'Requires-Python') ?? requiresPython;
      const digest = createHash('sha256').update(metadata).digest('hex');
      // JSON carries only the PEP 714 key: pip 23.0 (Debian 12) crashes on a `dist-info-metadata` dict.
      entry['core-metadata'] = { sha256: digest };
      const metaFile = `${target}.metadata`;
      if (!(await exists(metaFile)) || (await sha256File(metaFile)) !== digest) {
        await run.ctx.world.mutate(`write ${metaFile}`, () => run.ctx.world.writeFile(metaFile, metadata), undefined);
      }
    }
    if (requiresPython) entry['requires-python'] = requiresPython;
    if (status === 'uploaded') {
      await run.ctx.world.mutate(`copy ${f.filename} (${f.size} bytes) to ${path.join(root, project)}/`, () => atomicCopy(f.path, target, f.sha256), undefined);
    }
    return { entry, status };
  }

  /** Merge new entries into a project's pages; entries already listed keep their upload-time. */
  async function updateProject(run: PublishRun, root: string, project: string, entries: IndexFile[]): Promise<void> {
    const file = path.join(root, project, 'index.json');
    const page = (await readJson<ProjectPage>(file)) ?? { meta: { 'api-version': API_VERSION }, name: project, files: [], versions: [] };
    const byName = new Map(page.files.map((f) => [f.filename, f]));
    for (const e of entries) {
      const prior = byName.get(e.filename);
      byName.set(e.filename, prior ? { ...e, 'upload-time': prior['upload-time'] } : e);
    }
    const files = [...byName.values()].sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
    const versions = sortPageVersions([...new Set(files.map((f) => fileVersion(f.filename)).filter((v): v is string => v !== null))]);
    const next: ProjectPage = { meta: { 'api-version': API_VERSION }, name: project, files, versions };
    await run.ctx.world.mutate(`write ${path.join(root, project)}/index.json and index.html`, async () => {
      await run.ctx.world.writeFile(file, renderJson(next));
      await run.ctx.world.writeFile(path.join(root, project, 'index.html'), renderProjectHtml(next));
    }, undefined);
  }

  /** The root pages list every project directory that has a page. */
  async function updateRoot(run: PublishRun, root: string, added: string[]): Promise<void> {
    const projects = new Set(added);
    for (const e of await readdir(root, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory() && e.name !== SETS_DIR && (await exists(path.join(root, e.name, 'index.json')))) projects.add(e.name);
    }
    const page: RootPage = { meta: { 'api-version': API_VERSION }, projects: [...projects].sort().map((name) => ({ name })) };
    await run.ctx.world.mutate(`write ${root}/index.json and index.html`, async () => {
      await run.ctx.world.writeFile(path.join(root, 'index.json'), renderJson(page));
      await run.ctx.world.writeFile(path.join(root, 'index.html'), renderRootHtml(page));
    }, undefined);
  }

  /** Write the release's version set and list it in `_sets/index.json`. */
  async function writeSet(run: PublishRun, root: string): Promise<void> {
    // The set verify made and the manifest lists, byte for byte: the index never makes its own.
    const listed = (await readListedAssets(run.manifest, run.ctx.distDir, run.ctx.manifestPath)).find((a) => a.filename === VERSIONS_FILE);
    if (!listed) {
      throw new PublishError(`the release manifest lists no ${VERSIONS_FILE}`, {
        file: run.ctx.manifestPath,
        field: 'assets',
        hint: 'run `release verify` on the complete release: it makes versions.json and lists it',
      });
    }
    const text = listed.bytes.toString('utf8');
    const set = parseVersionSet(text, listed.path);
    const rel = `${set.version}/${VERSIONS_FILE}`;
    const file = path.join(root, SETS_DIR, rel);
    const prior = await readFile(file, 'utf8').catch(() => null);
    if (prior !== null && prior !== text) {
      throw new PublishError(`the index already has a different version set for ${set.version}`, {
        file,
        hint: 'a released version never changes: release a new version',
      });
    }
    const digest = createHash('sha256').update(text).digest('hex');
    const indexFile = path.join(root, SETS_DIR, SETS_INDEX);
    const sets = (await readJson<SetsIndex>(indexFile)) ?? { schemaVersion: 1, sets: [] };
    const entry = { version: set.version, tag: set.tag, commit: set.commit, createdAt: set.createdAt, path: rel, sha256: digest };
    const list = [...sets.sets.filter((s) => s.version !== set.version), entry].sort((a, b) => compareVersions(b.version, a.version));
    await run.ctx.world.mutate(`write ${file} and ${indexFile}`, async () => {
      if (prior === null) await run.ctx.world.writeFile(file, text);
      await run.ctx.world.writeFile(indexFile, JSON.stringify({ schemaVersion: 1, sets: list }, null, 2) + '\n');
    }, undefined);
  }

  async function publish(run: PublishRun): Promise<DestinationResult> {
    const root = rootOf(run);
    await run.ctx.world.mutate(`remove temp files of killed runs in ${root}`, () => removeStaleTemps(root, run.files.filter(isDist)), undefined);
    const uploaded: string[] = [];
    const existing: string[] = [];
    const entries = new Map<string, IndexFile[]>();
    for (const f of run.files.filter(isDist)) {
      const { entry, status } = await placeFile(run, root, f);
      const project = normalizeName(f.package);
      entries.set(project, [...(entries.get(project) ?? []), entry]);
      (status === 'uploaded' ? uploaded : existing).push(f.filename);
      const prior = run.confirmed[f.filename];
      // A dry run confirms nothing: the manifest only records what really is in the index.
      if (!run.ctx.dryRun && (!prior || prior.sha256 !== f.sha256)) {
        const rel = `${project}/${fileHref(f.filename)}`;
        await run.record(f.filename, { sha256: f.sha256, size: f.size, status, at: run.ctx.now().toISOString(), url: publicUrl(root, rel) });
      }
    }
    for (const [project, list] of entries) await updateProject(run, root, project, list);
    await updateRoot(run, root, [...entries.keys()]);
    await writeSet(run, root);
    return { url: publicUrl(root, ''), uploaded, existing };
  }

  return { name: 'index', preflight, publish };
}

/** A project page's `versions`: PEP 440 order, and code points (never the locale) for what is not a version. */
export function sortPageVersions(versions: string[]): string[] {
  return versions.sort((a, b) => {
    try {
      return compareVersions(a, b);
    } catch {
      return compareCodePoints(a, b);
    }
  });
}
