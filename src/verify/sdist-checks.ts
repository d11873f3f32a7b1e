// Every rule for one sdist (PEP 625 name, one top-level directory, PKG-INFO), from one streaming pass.
import path from 'node:path';
import { parseHeaders } from '../wheel/headers.js';
import { parseSdistFilename } from '../wheel/filename.js';
import type { SdistContents } from '../wheel/sdist.js';
import { compareVersions, filenameName, normalizeVersion, parseVersion } from '../version/pep440.js';
import type { Finding } from './findings.js';
import { checkCoreMetadata } from './metadata.js';
import { isUnsafePath } from './wheel-checks.js';

const SPECIAL = new Set(['character-device', 'block-device', 'fifo', 'contiguous-file']);

export function checkSdistFormat(artifact: string): Finding[] {
  if (artifact.endsWith('.tar.gz')) return [];
  return [{ code: 'S-FORMAT', message: `${path.extname(artifact) || 'this format'} sdists are rejected by PyPI (PEP 625); build a .tar.gz` }];
}

export function checkSdist(artifact: string, sd: SdistContents, releaseVersion: string | null): Finding[] {
  if (sd.error !== null) return [{ code: 'S-CORRUPT', message: `not a readable .tar.gz: ${sd.error}` }];
  const out: Finding[] = [];
  const stem = artifact.slice(0, -'.tar.gz'.length);
  const tops = new Set<string>();
  for (const e of sd.entries) {
    const name = e.name.replace(/^\.\//, '');
    if (e.type === 'pax-global-header') continue;
    if (isUnsafePath(name)) out.push({ code: 'S-PATH', entry: e.name, message: 'absolute path or `..`; refuse to extract it' });
    if (SPECIAL.has(e.type)) out.push({ code: 'S-SPECIAL', entry: e.name, message: `a ${e.type} member; an sdist holds files, directories and links only` });
    const parts = name.split('/').filter(Boolean);
    if (parts.length === 1 && e.type !== 'directory') tops.add(`(file) ${parts[0]}`);
    else if (parts.length) tops.add(parts[0]!);
  }
  if (tops.size !== 1) {
    out.push({ code: 'S-TOPLEVEL', message: `${tops.size} top-level entries (${[...tops].slice(0, 5).join(', ')}); an sdist holds exactly one directory ${stem}/` });
    return out;
  }
  const top = [...tops][0]!;
  if (top !== stem) out.push({ code: 'S-TOPLEVEL', entry: `${top}/`, message: `the top-level directory must be ${stem}/` });
  const text = sd.pkgInfo.get(top);
  if (text === undefined) {
    out.push({ code: 'S-PKG-INFO', entry: `${top}/PKG-INFO`, message: 'PKG-INFO is missing; PyPI refuses the sdist' });
    return out;
  }
  const { findings, facts } = checkCoreMetadata('S', parseHeaders(text), `${top}/PKG-INFO`);
  out.push(...findings);
  out.push(...checkSdistName(artifact, facts.name, facts.version, releaseVersion));
  return out;
}

function checkSdistName(artifact: string, name: string | null, version: string | null, releaseVersion: string | null): Finding[] {
  const out: Finding[] = [];
  let fn;
  try {
    fn = parseSdistFilename(artifact);
  } catch (err) {
    return [{ code: 'S-NAME', message: (err as Error).message }];
  }
  if (name !== null && fn.namePart !== filenameName(name)) {
    out.push({ code: 'S-NAME', message: `the filename must start with ${filenameName(name)}- (PEP 625: PyPI expects ${filenameName(name)}-${normalizeVersion(version ?? fn.versionPart) ?? fn.versionPart}.tar.gz)` });
  }
  if (version !== null) {
    const norm = normalizeVersion(version)!;
    const local = parseVersion(norm)?.local;
    if (local) out.push({ code: 'S-LOCAL-VERSION', message: `version ${norm} has a local part; PyPI rejects local versions` });
    if (fn.versionPart !== norm) out.push({ code: 'S-VERSION', message: `the filename version ${fn.versionPart} must be PKG-INFO's normalised version ${norm}` });
    else if (releaseVersion && compareVersions(norm.split('+')[0]!, releaseVersion) !== 0) {
      out.push({ code: 'S-VERSION', message: `version ${norm} is not the release version ${releaseVersion}` });
    }
  }
  return out;
}
