// The section of a changelog that a release's notes are: used for the GitHub release body.
import path from 'node:path';
import { readUserFile } from '../files.js';
import { ConfigError } from '../errors.js';

const CHANGELOGS = ['CHANGELOG.md', 'CHANGES.md', 'NEWS.md', 'CHANGELOG.rst', 'CHANGES.rst', 'NEWS.rst'];

/** The body under the first heading that names `version`, up to the next heading of the same or a higher level. */
export function sectionOf(text: string, version: string): string | null {
  const lines = text.split(/\r?\n/);
  const esc = version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const names = new RegExp(`(^|[^\\w.])v?${esc}(?![\\w]|\\.\\d)`);
  const md = (l: string) => /^(#{1,6})\s/.exec(l)?.[1]?.length ?? 0;
  const rstUnder = (l: string | undefined) => (l && /^([=\-~^"'`#*+])\1{2,}\s*$/.test(l) ? l[0] : null);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const level = md(line);
    const under = rstUnder(lines[i + 1]);
    if ((!level && !under) || !names.test(line)) continue;
    const body: string[] = [];
    for (let j = i + (level ? 1 : 2); j < lines.length; j++) {
      const l = lines[j]!;
      if (level && md(l) && md(l) <= level) break;
      if (!level && rstUnder(lines[j + 1]) === under && l.trim()) break;
      body.push(l);
    }
    const out = body.join('\n').trim();
    return out || null;
  }
  return null;
}

/** The section of `version` in the first changelog file of `root` that has one, with that file's name. */
export async function changelogSection(root: string, version: string): Promise<{ file: string; text: string } | null> {
  for (const name of CHANGELOGS) {
    let text: string;
    try {
      const found = await readUserFile(path.join(root, name), { kind: 'changelog', root, optional: true });
      if (found === null) continue;
      text = found;
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      continue;
    }
    const section = sectionOf(text, version);
    if (section) return { file: name, text: section };
  }
  return null;
}
