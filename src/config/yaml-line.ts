// Where a dot-path is in YAML text, for error locations (release.yaml, recipes).

/**
 * The 1-based line of `at` in YAML `text`: a mapping key's own line, a sequence item's line. A path that
 * is not there (an unknown or missing key) gives its nearest ancestor that is. Best effort: undefined when
 * nothing of the path is found.
 */
export async function yamlLine(text: string, at: readonly PropertyKey[]): Promise<number | undefined> {
  const { parseDocument, LineCounter } = await import('yaml');
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  for (let n = at.length; n > 0; n--) {
    const parent = n > 1 ? doc.getIn(at.slice(0, n - 1), true) : doc.contents;
    const items = (parent as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] } | null)?.items;
    const key = items?.find((p) => p.key?.value === at[n - 1])?.key;
    const range = key?.range ?? (doc.getIn(at.slice(0, n), true) as { range?: [number, number, number] } | undefined)?.range;
    if (range) return lc.linePos(range[0]).line;
  }
  return undefined;
}
