// A strict multipart/form-data parser for the test PyPI server (whole body in memory: test files are small
// enough, and the server must see every byte to check digests).

export interface FormPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

export interface ParsedForm {
  /** Text fields, each name with all its values in order (multi-use fields repeat). */
  fields: Map<string, string[]>;
  files: FormPart[];
}

export class MultipartError extends Error {}

export function boundaryOf(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType)) return null;
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

function parseDisposition(value: string): { name?: string; filename?: string } {
  const out: { name?: string; filename?: string } = {};
  for (const m of value.matchAll(/;\s*(name|filename)=(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/gi)) {
    const v = (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1');
    out[m[1]!.toLowerCase() as 'name' | 'filename'] = v;
  }
  return out;
}

export function parseMultipart(body: Buffer, boundary: string): ParsedForm {
  const delim = Buffer.from(`--${boundary}`);
  const fields = new Map<string, string[]>();
  const files: FormPart[] = [];
  let pos = body.indexOf(delim);
  if (pos < 0) throw new MultipartError('no boundary in body');
  while (true) {
    pos += delim.length;
    if (body.subarray(pos, pos + 2).toString() === '--') break;
    if (body.subarray(pos, pos + 2).toString() !== '\r\n') throw new MultipartError('bad boundary line');
    pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) throw new MultipartError('part without headers');
    const headers = new Map<string, string>();
    for (const line of body.subarray(pos, headerEnd).toString('utf8').split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
    }
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delim]), headerEnd + 4);
    if (next < 0) throw new MultipartError('truncated body: closing boundary missing');
    const data = body.subarray(headerEnd + 4, next);
    const disp = parseDisposition(headers.get('content-disposition') ?? '');
    if (disp.name === undefined) throw new MultipartError('part without a name');
    if (disp.filename !== undefined) {
      files.push({ name: disp.name, filename: disp.filename, contentType: headers.get('content-type'), data });
    } else {
      const list = fields.get(disp.name) ?? [];
      list.push(data.toString('utf8'));
      fields.set(disp.name, list);
    }
    pos = next + 2;
  }
  return { fields, files };
}
