// entry_points.txt: INI with `=` as the only delimiter; PyPI rejects bad INI and bad script names (WH utils/wheel.py).
import type { Finding } from './findings.js';

const SCRIPT_NAME = /^[\p{L}\p{N}_.-]+$/u;

export function checkEntryPoints(text: string, entry: string): Finding[] {
  const out: Finding[] = [];
  const bad = (line: number, message: string) => out.push({ code: 'W-ENTRY-POINTS', entry: `${entry} line ${line}`, message });
  const sections = new Set<string>();
  let section: string | null = null;
  let keys = new Set<string>();
  let hasOption = false;
  text.split(/\r\n|\n|\r/).forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) return;
    if (/^\s/.test(raw) && hasOption) return;
    const header = /^\[(.*)\]$/.exec(trimmed);
    if (header) {
      section = header[1]!;
      if (sections.has(section)) bad(line, `section [${section}] appears twice`);
      sections.add(section);
      keys = new Set();
      hasOption = false;
      return;
    }
    if (section === null) return bad(line, 'an entry before any [section] header');
    const eq = raw.indexOf('=');
    if (eq < 0) return bad(line, `\`${trimmed}\` is not \`name = object reference\``);
    const key = raw.slice(0, eq).trim();
    hasOption = true;
    if (keys.has(key)) bad(line, `\`${key}\` appears twice in [${section}]`);
    keys.add(key);
    if ((section === 'console_scripts' || section === 'gui_scripts') && !SCRIPT_NAME.test(key)) {
      bad(line, `script name \`${key}\` must match [\\w.-]+`);
    }
  });
  return out;
}
