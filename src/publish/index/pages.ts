// Rendering the simple index: PEP 503 HTML and PEP 691 JSON pages (API version 1.1, PEP 700).
export const API_VERSION = '1.1';
export const JSON_CONTENT_TYPE = 'application/vnd.pypi.simple.v1+json';

/** One file on a project page, in PEP 691 JSON form (the project's index.json is the stored state). */
export interface IndexFile {
  filename: string;
  /** Relative to the project page. */
  url: string;
  hashes: { sha256: string };
  'requires-python'?: string;
  /** PEP 658/714: the `.metadata` file's hash. */
  'core-metadata'?: { sha256: string };
  size: number;
  'upload-time': string;
}

export interface ProjectPage {
  meta: { 'api-version': string };
  name: string;
  files: IndexFile[];
  versions: string[];
}

export interface RootPage {
  meta: { 'api-version': string };
  projects: Array<{ name: string }>;
}

/** HTML-escape text and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A filename as a relative URL path segment (`+` of a local version must be %2B). */
export function fileHref(filename: string): string {
  return encodeURIComponent(filename);
}

/** `yyyy-mm-ddThh:mm:ss.ffffffZ`, as PEP 700 writes upload-time. */
export function uploadTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

const HEAD = (title: string) =>
  `<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="${API_VERSION}">\n    <title>${escapeHtml(title)}</title>\n  </head>\n  <body>\n`;
const FOOT = '  </body>\n</html>\n';

export function renderRootHtml(root: RootPage): string {
  const links = root.projects.map((p) => `    <a href="${fileHref(p.name)}/">${escapeHtml(p.name)}</a><br>\n`).join('');
  return `${HEAD('Simple index')}${links}${FOOT}`;
}

export function renderProjectHtml(page: ProjectPage): string {
  const links = page.files
    .map((f) => {
      const attrs = [`href="${escapeHtml(f.url)}#sha256=${f.hashes.sha256}"`];
      if (f['requires-python']) attrs.push(`data-requires-python="${escapeHtml(f['requires-python'])}"`);
      // HTML carries both names (PEP 714): pip < 23.3 reads only the legacy one.
      if (f['core-metadata']) {
        attrs.push(`data-core-metadata="sha256=${f['core-metadata'].sha256}"`);
        attrs.push(`data-dist-info-metadata="sha256=${f['core-metadata'].sha256}"`);
      }
      return `    <a ${attrs.join(' ')}>${escapeHtml(f.filename)}</a><br>\n`;
    })
    .join('');
  return `${HEAD(`Links for ${page.name}`)}    <h1>Links for ${escapeHtml(page.name)}</h1>\n${links}${FOOT}`;
}

export function renderJson(page: ProjectPage | RootPage): string {
  return JSON.stringify(page, null, 2) + '\n';
}
