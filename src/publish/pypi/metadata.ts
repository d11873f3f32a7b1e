// The upload form's metadata, taken from the artifact's own METADATA (wheel) or PKG-INFO (sdist), spelled
// as PyPI's legacy API reads it (PROTOCOLS.md §1.2): PyPI builds the release from the form, not the file.
import { PublishError } from '../../errors.js';
import { normalizeName, normalizeVersion } from '../../version/pep440.js';
import { parseWheelFilename } from '../../wheel/filename.js';
import { getAllFields, getField, parseHeaders, type HeaderBlock } from '../../wheel/headers.js';
import { readSdist } from '../../wheel/sdist.js';
import { openZip } from '../../wheel/zip.js';
import type { PublishFile } from '../types.js';

const MAX_METADATA = 8 * 1024 * 1024;

/** Single-use core-metadata fields → form field names. */
const SINGLE: Record<string, string> = {
  'metadata-version': 'metadata_version',
  name: 'name',
  version: 'version',
  summary: 'summary',
  'description-content-type': 'description_content_type',
  'home-page': 'home_page',
  'download-url': 'download_url',
  author: 'author',
  'author-email': 'author_email',
  maintainer: 'maintainer',
  'maintainer-email': 'maintainer_email',
  license: 'license',
  'license-expression': 'license_expression',
  'requires-python': 'requires_python',
};

/** Multi-use fields → form names (plural, except the three PyPI reads singular), one form value per use. */
const MULTI: Record<string, string> = {
  classifier: 'classifiers',
  'requires-dist': 'requires_dist',
  'provides-dist': 'provides_dist',
  'obsoletes-dist': 'obsoletes_dist',
  'requires-external': 'requires_external',
  'project-url': 'project_urls',
  'provides-extra': 'provides_extra',
  dynamic: 'dynamic',
  platform: 'platform',
  'supported-platform': 'supported_platform',
  'license-file': 'license_file',
  requires: 'requires',
  provides: 'provides',
  obsoletes: 'obsoletes',
};

async function readZipMember(file: string, member: string): Promise<string | null> {
  const zip = await openZip(file);
  try {
    const entry = zip.entries.find((e) => e.name === member);
    if (!entry) return null;
    if (entry.size > MAX_METADATA) throw new Error(`${member} is larger than ${MAX_METADATA} bytes`);
    const stream = await zip.open(entry);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    zip.close();
  }
}

/** The core-metadata text of a wheel or sdist, read at the path PyPI reads it from. */
export async function readCoreMetadata(file: PublishFile): Promise<string> {
  let text: string | null;
  let where: string;
  try {
    if (file.filename.endsWith('.whl')) {
      const w = parseWheelFilename(file.filename);
      where = `${w.namePart}-${w.versionPart}.dist-info/METADATA`;
      text = await readZipMember(file.path, where);
    } else {
      const s = await readSdist(file.path);
      if (s.error) throw new Error(s.error);
      const top = [...s.pkgInfo.keys()];
      where = `${top[0] ?? '<top>'}/PKG-INFO`;
      text = top.length === 1 ? s.pkgInfo.get(top[0]!)! : null;
    }
  } catch (err) {
    throw new PublishError(`cannot read the metadata of ${file.filename}: ${(err as Error).message}`, {
      file: file.path,
      hint: 'run `release verify` on this file; it must be a valid wheel or sdist',
    });
  }
  if (text === null) {
    throw new PublishError(`${file.filename} has no ${where}`, { file: file.path, hint: 'rebuild it; PyPI rejects a distribution without core metadata' });
  }
  return text;
}

/** Twine's `pyversion`: the wheel's python tag (`cp312`, `py3`, `py2.py3`), or `source`. */
export function pyversionOf(filename: string): string {
  return filename.endsWith('.whl') ? parseWheelFilename(filename).pythonTags.join('.') : 'source';
}

/** Description from the body, or from the legacy `Description` header with its continuation prefix removed. */
function descriptionOf(block: HeaderBlock): string | undefined {
  if (block.body !== null && block.body.trim() !== '') return block.body;
  const header = getField(block, 'description');
  return header?.replace(/\n {8}\|?|\n\t\|?|\n {7}\|/g, '\n');
}

/** The metadata part of the upload form, in METADATA order; checked against the file it describes. */
export function metadataForm(text: string, file: PublishFile): Array<[string, string]> {
  const block = parseHeaders(text);
  const name = getField(block, 'name');
  const version = getField(block, 'version');
  const mv = getField(block, 'metadata-version');
  const where = { file: file.path, hint: 'rebuild the distribution; its metadata and its filename must agree' };
  if (!mv || !name || !version) throw new PublishError(`${file.filename}: core metadata lacks Metadata-Version, Name or Version`, where);
  if (normalizeName(name) !== file.package) throw new PublishError(`${file.filename}: metadata Name \`${name}\` is not the package \`${file.package}\``, where);
  if (normalizeVersion(version) !== file.version) throw new PublishError(`${file.filename}: metadata Version \`${version}\` is not ${file.version}`, where);
  const form: Array<[string, string]> = [];
  const keywords = getAllFields(block, 'keywords');
  // License-File is a Metadata-Version 2.4 field: below that, PyPI rejects the upload ("license-file introduced
  // in metadata version 2.4"), and twine drops it; setuptools wrote it into 2.1–2.3 metadata for years.
  const [major, minor] = mv.trim().split('.').map(Number);
  const dropLicenseFile = major! < 2 || (major === 2 && minor! < 4);
  for (const [key, value] of block.fields) {
    const k = key.toLowerCase();
    if (k === 'license-file' && dropLicenseFile) continue;
    if (SINGLE[k] && !form.some(([f]) => f === SINGLE[k])) form.push([SINGLE[k], value]);
    else if (MULTI[k]) form.push([MULTI[k], value]);
  }
  if (keywords.length) form.push(['keywords', keywords.join(', ')]);
  const description = descriptionOf(block);
  if (description !== undefined) form.push(['description', description]);
  return form;
}
