// What an index already holds for one project version, by sha256: the JSON API first, then the simple API
// (PEP 691 JSON or PEP 503 HTML), because the status line of an upload is no proof of what is stored.
import { canonicalizeVersion, normalizeName } from '../../version/pep440.js';
import { parseSdistFilename, parseWheelFilename } from '../../wheel/filename.js';
import type { HttpResponse } from './http.js';

export interface RemoteFile {
  filename: string;
  /** Lowercase hex, or null when the index does not say. */
  sha256: string | null;
  size?: number;
  url?: string;
}

export interface LookupOptions {
  /** Base of the JSON and simple APIs (https://pypi.org for upload.pypi.org). */
  indexBase: URL;
  timeoutMs: number;
  /** GET with retries; injected so lookups share the uploader's retry policy. */
  get(url: URL, headers: Record<string, string>): Promise<HttpResponse>;
}

/** Where the read APIs of a repository live: PyPI and TestPyPI serve them on another host than uploads. */
export function indexBaseFor(repositoryUrl: string): URL {
  const u = new URL(repositoryUrl);
  if (u.hostname === 'upload.pypi.org' || u.hostname === 'upload.pypi.io') return new URL('https://pypi.org/');
  return new URL('/', u);
}

function versionOf(filename: string): string | null {
  try {
    return filename.endsWith('.whl') ? parseWheelFilename(filename).version : parseSdistFilename(filename).version;
  } catch {
    return null;
  }
}

const parseJson = (res: HttpResponse): unknown => {
  try {
    return JSON.parse(res.body);
  } catch {
    return null;
  }
};

/** Files of `project` `version`: a map by filename; empty when none; null when the index cannot tell. */
export async function remoteFiles(opts: LookupOptions, project: string, version: string): Promise<Map<string, RemoteFile> | null> {
  const name = normalizeName(project);
  const out = new Map<string, RemoteFile>();
  const jsonUrl = new URL(`pypi/${encodeURIComponent(name)}/${encodeURIComponent(version)}/json`, opts.indexBase);
  const res = await opts.get(jsonUrl, { accept: 'application/json' });
  const body = parseJson(res) as { urls?: Array<{ filename?: string; digests?: { sha256?: string }; size?: number; url?: string }> } | null;
  if (res.status === 200 && Array.isArray(body?.urls)) {
    for (const f of body.urls) {
      if (typeof f.filename === 'string') out.set(f.filename, { filename: f.filename, sha256: f.digests?.sha256?.toLowerCase() ?? null, size: f.size, url: f.url });
    }
    return out;
  }
  if (res.status !== 404 && res.status !== 200) return null;
  return simpleFiles(opts, name, version);
}

async function simpleFiles(opts: LookupOptions, name: string, version: string): Promise<Map<string, RemoteFile> | null> {
  const url = new URL(`simple/${name}/`, opts.indexBase);
  const res = await opts.get(url, { accept: 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1' });
  const out = new Map<string, RemoteFile>();
  if (res.status === 404) return out;
  if (res.status !== 200) return null;
  const want = canonicalizeVersion(version);
  const add = (filename: string, sha256: string | null, size?: number, href?: string) => {
    const v = versionOf(filename);
    if (v !== null && canonicalizeVersion(v) === want) out.set(filename, { filename, sha256, size, url: href });
  };
  const type = String(res.headers['content-type'] ?? '');
  if (type.includes('json')) {
    const body = parseJson(res) as { files?: Array<{ filename?: string; hashes?: { sha256?: string }; size?: number; url?: string }> } | null;
    if (!Array.isArray(body?.files)) return null;
    for (const f of body.files) if (typeof f.filename === 'string') add(f.filename, f.hashes?.sha256?.toLowerCase() ?? null, f.size, f.url);
    return out;
  }
  for (const m of res.body.matchAll(/<a\s[^>]*href="([^"]*)"[^>]*>([^<]*)<\/a>/gi)) {
    const href = m[1]!.replace(/&amp;/g, '&');
    const sha = /#sha256=([0-9a-fA-F]{64})/.exec(href)?.[1]?.toLowerCase() ?? null;
    add(m[2]!.trim(), sha, undefined, href);
  }
  return out;
}
