// RFC 822-style header blocks (METADATA, PKG-INFO, WHEEL): fields, continuation lines, and the body.

export interface HeaderBlock {
  /** Fields in order; a continued value keeps its line breaks (`\n` + the continuation line). */
  fields: Array<[name: string, value: string]>;
  /** Everything after the first empty line, or null when there is none. */
  body: string | null;
  /** 1-based line numbers of lines that are neither `Name: value` nor a continuation. */
  malformed: number[];
}

const FIELD = /^([\x21-\x39\x3b-\x7e]+):[ \t]*(.*)$/;

export function parseHeaders(text: string): HeaderBlock {
  const lines = text.replace(/^\ufeff/, '').split(/\r\n|\n|\r/);
  const fields: Array<[string, string]> = [];
  const malformed: number[] = [];
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') break;
    if ((line.startsWith(' ') || line.startsWith('\t')) && fields.length > 0) {
      const last = fields[fields.length - 1]!;
      last[1] = `${last[1]}\n${line}`;
      continue;
    }
    const m = FIELD.exec(line);
    if (m) fields.push([m[1]!, m[2]!.replace(/[ \t]+$/, '')]);
    else malformed.push(i + 1);
  }
  const body = i < lines.length ? lines.slice(i + 1).join('\n') : null;
  return { fields, body, malformed };
}

/** The first value of a field (names are case-insensitive), or undefined. */
export function getField(block: HeaderBlock, name: string): string | undefined {
  const n = name.toLowerCase();
  return block.fields.find(([k]) => k.toLowerCase() === n)?.[1];
}

export function getAllFields(block: HeaderBlock, name: string): string[] {
  const n = name.toLowerCase();
  return block.fields.filter(([k]) => k.toLowerCase() === n).map(([, v]) => v);
}
