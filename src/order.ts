// String order for whatever we write or compare byte for byte (manifests, index pages, reports): by Unicode
// code point, as Python's sorted() and pip order strings, never localeCompare, whose order follows the
// machine's LANG / LC_ALL and ICU build ('B' before 'a' or after it, '_' before '-' or after it).

/** Compare two strings by code point (UTF-32 order; the same as UTF-8 byte order), for Array#sort. */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length < b.length ? -1 : 1;
}
