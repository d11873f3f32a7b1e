// The VERSION file: the single source of every package's version.
import path from 'node:path';
import type { World } from '../context.js';
import { ConfigError } from '../errors.js';
import { entryExists, readUserFile } from '../files.js';
import type { ReleaseConfig } from '../config/schema.js';
import { normalizeVersion, parseVersion } from './pep440.js';

export interface VersionFile {
  /** Normalised PEP 440 version. */
  version: string;
  /** The version exactly as written (without the trailing newline). */
  raw: string;
  /** Absolute path. */
  file: string;
  isPrerelease: boolean;
  /** Whether the file ends with a newline (kept when the file is rewritten). */
  trailingNewline: boolean;
}

const ALLOWED = 'one PEP 440 version on one line, e.g. `1.2.0`, `1.3.0rc1`, `26.8.0`, optionally followed by one newline';

/** Validate the text of a VERSION file; `file` names it in errors. */
export function parseVersionText(text: string, file: string): VersionFile {
  const fail = (what: string, hint: string) => new ConfigError(what, { file, hint });
  if (text.charCodeAt(0) === 0xfeff) {
    throw fail('starts with a UTF-8 byte-order mark (BOM)', `save it as UTF-8 without BOM; allowed: ${ALLOWED}`);
  }
  if (text.trim() === '') throw fail('is empty', `write the version into it, e.g. \`release version set 0.1.0\`; allowed: ${ALLOWED}`);
  if (text.includes('\r')) throw fail('has a CRLF (Windows) line ending', `use a Unix line ending (\\n); allowed: ${ALLOWED}`);
  const trailingNewline = text.endsWith('\n');
  const body = trailingNewline ? text.slice(0, -1) : text;
  if (body.includes('\n')) {
    const lines = body.split('\n');
    throw fail(`has ${lines.length} lines (${JSON.stringify(lines.slice(0, 3).join('\n'))})`, `keep only the version; allowed: ${ALLOWED}`);
  }
  if (body !== body.trim()) {
    throw fail(`has leading or trailing white space (${JSON.stringify(body)})`, `remove it; allowed: ${ALLOWED}`);
  }
  const parsed = parseVersion(body);
  if (!parsed) {
    throw fail(`${JSON.stringify(body)} is not a valid PEP 440 version`, `allowed: ${ALLOWED}`);
  }
  if (parsed.local) {
    throw fail(
      `${JSON.stringify(body)} has a local version label (+${parsed.local}); PyPI rejects local versions`,
      `remove the +${parsed.local} part; allowed: ${ALLOWED}`,
    );
  }
  return {
    version: normalizeVersion(body)!,
    raw: body,
    file,
    isPrerelease: parsed.is_prerelease,
    trailingNewline,
  };
}

export function versionFilePath(root: string, config: Pick<ReleaseConfig, 'version_file'>): string {
  return path.resolve(root, config.version_file);
}

export async function readVersionFile(root: string, config: Pick<ReleaseConfig, 'version_file'>): Promise<VersionFile> {
  const file = versionFilePath(root, config);
  if (!entryExists(file)) {
    throw new ConfigError('VERSION file not found', {
      file,
      hint: `create it with \`release version set 0.1.0\`, or set \`version_file\` in release.yaml`,
    });
  }
  const text = await readUserFile(file, { kind: 'version', root });
  return parseVersionText(text, file);
}

/** Write a version, keeping the file's trailing-newline style (a new file gets one). */
export async function writeVersionFile(world: World, file: string, version: string, before?: Pick<VersionFile, 'trailingNewline'>): Promise<void> {
  const newline = before ? before.trailingNewline : true;
  await world.writeFile(file, version + (newline ? '\n' : ''));
}
