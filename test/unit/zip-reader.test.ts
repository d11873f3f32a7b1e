// The zip reader serves yauzl's reads from a 1 MiB window of the file: a central directory larger than
// the window, with records across its edges, must come out whole and in order.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openZip } from '../../src/wheel/zip.js';
import { writeZip } from '../fixtures/broken/zip-writer.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ww-zip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openZip', () => {
  it('reads a central directory of 2.6 MB (15,000 entries) whole, across its read window', async () => {
    const names = Array.from({ length: 15_000 }, (_, i) => `torch/include/aten/ops/${'x'.repeat(i % 97)}_${i}.h`);
    const file = path.join(dir, 'many.whl');
    writeFileSync(file, writeZip(names.map((name, i) => ({ name, data: Buffer.from(`// ${i}\n`), method: i % 3 ? 8 : 0 }))));
    const zip = await openZip(file);
    try {
      expect(zip.entries.length).toBe(15_000);
      expect(zip.entries.map((e) => e.name)).toEqual(names);
      expect(zip.entries.map((e) => e.size)).toEqual(names.map((_, i) => `// ${i}\n`.length));
      const last = zip.entries[14_999]!;
      const chunks: Buffer[] = [];
      for await (const c of await zip.open(last)) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('// 14999\n');
    } finally {
      zip.close();
    }
  });

  it('reports a file that is not a zip, and leaves no descriptor open', async () => {
    const file = path.join(dir, 'not.whl');
    writeFileSync(file, 'not a zip at all');
    const open = () => readdirSync('/proc/self/fd').length;
    const before = open();
    await expect(openZip(file)).rejects.toThrow(/end of central directory/i);
    expect(open()).toBe(before);
  });
});
