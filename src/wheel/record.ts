// RECORD: CSV rows `path,hash,size` (Python's csv module dialect: `,` separator, `"` quoting, `""` escape).

export interface RecordRow {
  path: string;
  /** `sha256=<urlsafe b64 without padding>`, or '' (RECORD itself). */
  hash: string;
  size: string;
  /** 1-based line where the row starts. */
  line: number;
  /** Number of fields found (a valid row has 3). */
  fieldCount: number;
}

/** Parse CSV text into rows of fields, keeping the starting line of each row. */
export function parseCsv(text: string): Array<{ fields: string[]; line: number }> {
  const rows: Array<{ fields: string[]; line: number }> = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let inQuotes = false;
  let line = 1;
  let rowLine = 1;
  let rowHasContent = false;
  const endField = () => {
    fields.push(field);
    field = '';
    quoted = false;
  };
  const endRow = () => {
    if (rowHasContent || fields.length > 0 || field !== '' || quoted) {
      endField();
      rows.push({ fields, line: rowLine });
    }
    fields = [];
    field = '';
    rowHasContent = false;
  };
  // Unquoted runs are taken as slices of the text, not a character at a time (a wheel of 12,000 files has
  // a RECORD of a million characters).
  let run = -1;
  const flush = (i: number) => {
    if (run >= 0) {
      field += text.slice(run, i);
      run = -1;
    }
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"' || c === ',' || c === '\r' || c === '\n') flush(i);
    if (c === '"' && field === '' && !quoted) {
      inQuotes = true;
      quoted = true;
      rowHasContent = true;
    } else if (c === ',') {
      endField();
      rowHasContent = true;
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else {
      if (run < 0) run = i;
      rowHasContent = true;
    }
  }
  flush(text.length);
  endRow();
  return rows;
}

export function parseRecord(text: string): RecordRow[] {
  return parseCsv(text).map(({ fields, line }) => ({
    path: fields[0] ?? '',
    hash: fields[1] ?? '',
    size: fields[2] ?? '',
    line,
    fieldCount: fields.length,
  }));
}

/** `sha256=…` → algorithm and digest, or null when there is no `=`. */
export function splitHash(hash: string): { algorithm: string; digest: string } | null {
  const eq = hash.indexOf('=');
  if (eq <= 0) return null;
  return { algorithm: hash.slice(0, eq), digest: hash.slice(eq + 1) };
}

/** urlsafe base64 without `=` padding, as RECORD writes digests. */
export function recordDigest(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}
