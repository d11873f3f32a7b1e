// One exact cause of an RST description that fails to render on PyPI: two explicit hyperlink targets with
// the same name. docutils reports "Duplicate explicit target name" at level 2 (WARNING) unless both point
// at the same URI (then level 1, INFO); readme_renderer halts at level 2, and PyPI rejects the upload.
// The check is narrow on purpose: it reads `.. _name: uri` targets and `` `text <uri>`_ `` references
// outside literal blocks, directives and comments (whose content it skips), so it can miss a duplicate
// there but never reports one docutils does not.

/** docutils' fully_normalize_name: whitespace collapsed, lower case. */
const normalize = (name: string): string => name.split(/\s+/).filter(Boolean).join(' ').toLowerCase();
const indentOf = (line: string): number => line.length - line.trimStart().length;
const TARGET = /^\.\. _(`[^`]+`|(?:\\.|[^:\\`])(?:\\.|[^:\\])*):(?:\s+(.*))?$/;
const EMBEDDED = /`([^`]*?)\s*<([^<>`]+)>`_(?!_)/g;

/** The names of explicit targets docutils reports as duplicates (level 2), normalised, in order. */
export function duplicateRstTargets(text: string): string[] {
  const lines = text.split(/\r?\n/);
  const targets = new Map<string, (string | null)[]>();
  const add = (name: string, uri: string | null) => {
    const key = normalize(name);
    targets.set(key, [...(targets.get(key) ?? []), uri]);
  };
  const body: string[] = [];
  let skipIndent: number | null = null;
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k]!;
    const indent = indentOf(line);
    if (skipIndent !== null) {
      if (line.trim() === '' || indent > skipIndent) continue;
      skipIndent = null;
    }
    const st = line.trim();
    const target = st.startsWith('.. _') ? TARGET.exec(st) : null;
    if (target) {
      const name = target[1]!.replace(/^`|`$/g, '').replace(/\\(.)/g, '$1');
      skipIndent = indent;
      if (name === '_') continue; // anonymous
      let uri = (target[2] ?? '').trim();
      for (let j = k + 1; j < lines.length && lines[j]!.trim() !== '' && indentOf(lines[j]!) > indent; j++) uri += lines[j]!.trim();
      add(name, uri === '' ? null : uri.replace(/\s+/g, ''));
      continue;
    }
    // A literal block (`::`), a directive or a comment: its indented content is not read.
    if (st.endsWith('::') || st.startsWith('..')) {
      skipIndent = indent;
      if (st.startsWith('..')) continue;
    }
    body.push(line);
  }
  const prose = body.join('\n').replace(/``[\s\S]*?``/g, '');
  for (const m of prose.matchAll(EMBEDDED)) {
    const uri = m[2]!.replace(/\s+/g, '');
    if (uri.endsWith('_')) continue; // an alias to another target, not a URI
    add(m[1] || uri, uri);
  }
  return [...targets].filter(([, uris]) => uris.length > 1 && (uris.includes(null) || new Set(uris).size > 1)).map(([name]) => name);
}
