// Core-metadata checks shared by wheels (METADATA) and sdists (PKG-INFO): prefix `W` or `S` picks the codes.
import { getAllFields, getField, type HeaderBlock } from '../wheel/headers.js';
import { isValidVersion } from '../version/pep440.js';
import type { Finding } from './findings.js';
import { duplicateRstTargets } from './rst-targets.js';

/** Metadata-Version values PyPI accepts (2.0 is rejected). */
const ACCEPTED_METADATA_VERSIONS = ['1.0', '1.1', '1.2', '2.1', '2.2', '2.3', '2.4', '2.5'];

/**
 * The Metadata-Version each field first appeared in, as packaging's `Metadata` validator has it: PyPI
 * (warehouse, through packaging) rejects an upload whose metadata uses a field its declared version does not
 * have. Only fields twine sends are listed: it drops License-File below 2.4, and never sends Import-Name or
 * Import-Namespace.
 */
const FIELD_ADDED: Record<string, string> = {
  'supported-platform': '1.1', 'download-url': '1.1', classifier: '1.1', requires: '1.1', provides: '1.1', obsoletes: '1.1',
  maintainer: '1.2', 'maintainer-email': '1.2', 'requires-dist': '1.2', 'requires-python': '1.2', 'requires-external': '1.2',
  'project-url': '1.2', 'provides-dist': '1.2', 'obsoletes-dist': '1.2',
  'description-content-type': '2.1', 'provides-extra': '2.1', dynamic: '2.2', 'license-expression': '2.4',
};
const versionKey = (v: string) => v.split('.').map(Number);
const olderThan = (a: string, b: string) => {
  const [x, y] = [versionKey(a), versionKey(b)];
  return x[0]! < y[0]! || (x[0] === y[0] && x[1]! < y[1]!);
};

const NAME = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;
const CONTENT_TYPES = ['text/plain', 'text/x-rst', 'text/markdown'];
const MARKDOWN_VARIANTS = ['gfm', 'commonmark'];

export interface MetadataFacts {
  name: string | null;
  version: string | null;
  metadataVersion: string | null;
}

/** Metadata-Version, Name, Version and the description; returns facts for the name/version comparisons. */
export function checkCoreMetadata(prefix: 'W' | 'S', block: HeaderBlock, entry: string): { findings: Finding[]; facts: MetadataFacts } {
  const findings: Finding[] = [];
  const add = (code: string, message: string) => findings.push({ code: `${prefix}-${code}`, entry, message });
  const mv = getField(block, 'Metadata-Version')?.trim() ?? null;
  if (mv === null) add(prefix === 'W' ? 'METADATA-FIELD' : 'PKG-INFO', 'Metadata-Version is missing');
  else if (!ACCEPTED_METADATA_VERSIONS.includes(mv)) {
    add('METADATA-VERSION', `Metadata-Version ${mv} is not accepted by PyPI (accepted: ${ACCEPTED_METADATA_VERSIONS.join(', ')})`);
  } else {
    const seen = new Set<string>();
    for (const [key] of block.fields) {
      const field = key.toLowerCase();
      const added = FIELD_ADDED[field];
      if (added === undefined || seen.has(field) || !olderThan(mv, added)) continue;
      seen.add(field);
      add('METADATA-FIELD-VERSION', `${key} is a Metadata-Version ${added} field, but the metadata declares Metadata-Version ${mv}; PyPI rejects the upload ("${key.toLowerCase()} introduced in metadata version ${added}, not ${mv}"): declare Metadata-Version ${added} or later (upgrade the build backend) or drop the field`);
    }
  }
  const name = getField(block, 'Name')?.trim() || null;
  const version = getField(block, 'Version')?.trim() || null;
  const fieldCode = prefix === 'W' ? 'METADATA-FIELD' : 'PKG-INFO';
  if (name === null) add(fieldCode, 'the Name field is missing');
  else if (!NAME.test(name)) add(fieldCode, `Name ${JSON.stringify(name)} is not a valid project name`);
  if (version === null) add(fieldCode, 'the Version field is missing');
  else if (!isValidVersion(version)) add(fieldCode, `Version ${JSON.stringify(version)} is not a PEP 440 version`);
  findings.push(...checkDescription(prefix, block, entry));
  return { findings, facts: { name: name && NAME.test(name) ? name : null, version: version && isValidVersion(version) ? version : null, metadataVersion: mv } };
}

function checkDescription(prefix: 'W' | 'S', block: HeaderBlock, entry: string): Finding[] {
  const out: Finding[] = [];
  const dct = getField(block, 'Description-Content-Type');
  if (dct === undefined) {
    out.push({ code: `${prefix}-DESCRIPTION-TYPE`, entry, message: 'Description-Content-Type is missing (PyPI renders the description as reStructuredText); set it, e.g. text/markdown' });
  } else {
    const [type, ...params] = dct.split(';').map((s) => s.trim());
    const variant = params.map((p) => /^variant\s*=\s*"?([^"]*)"?$/i.exec(p)?.[1]).find((v) => v !== undefined);
    if (!CONTENT_TYPES.includes(type!.toLowerCase())) {
      out.push({ code: `${prefix}-DESCRIPTION-TYPE`, entry, message: `Description-Content-Type ${JSON.stringify(dct)} is not one of ${CONTENT_TYPES.join(', ')}` });
    } else if (type!.toLowerCase() === 'text/markdown' && variant !== undefined && !MARKDOWN_VARIANTS.includes(variant.toLowerCase())) {
      out.push({ code: `${prefix}-DESCRIPTION-TYPE`, entry, message: `Markdown variant ${JSON.stringify(variant)} is not GFM or CommonMark` });
    }
  }
  // PyPI renders a description without a content type as reStructuredText, and rejects one that fails.
  const isRst = dct === undefined || dct.split(';')[0]!.trim().toLowerCase() === 'text/x-rst';
  // setuptools writes UNKNOWN when no long description was given; twine check --strict fails on it.
  // An empty description PyPI accepts (it renders only a non-empty one), and so does twine for a wheel typed
  // Markdown or plain text; but twine reads an sdist's empty description as missing, and a wheel's as an
  // reStructuredText document that renders nothing, which fails even without --strict.
  const body = block.body || getAllFields(block, 'Description')[0] || null;
  if (body !== null && body.trimEnd() === 'UNKNOWN') {
    out.push({ code: `${prefix}-DESCRIPTION-MISSING`, entry, message: 'the long description is the placeholder UNKNOWN; set readme in pyproject.toml' });
  } else if (body === null && (prefix === 'S' || isRst)) {
    const why = prefix === 'S' ? 'twine check --strict: "`long_description` missing"' : 'twine check fails on an empty reStructuredText description: "No content rendered from RST source"';
    out.push({ code: `${prefix}-DESCRIPTION-MISSING`, entry, message: `the long description is empty (${why}; PyPI accepts it); set readme in pyproject.toml` });
  }
  if (body !== null && isRst) {
    for (const name of duplicateRstTargets(body)) {
      out.push({ code: `${prefix}-DESCRIPTION-RENDER`, entry, message: `the reStructuredText description has two explicit link targets named ${JSON.stringify(name)} that point at different places (docutils: "Duplicate explicit target name"); PyPI rejects a description that fails to render: rename one, or use an anonymous link (\`text <url>\`__)` });
    }
  }
  return out;
}
