// Maintained release lines: written in release.yaml, or read from a maintained-versions.yml file (Backend.AI's shape).
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { entryExists, readUserFile } from '../files.js';
import type { LoadedConfig } from './load.js';
import type { ReleaseLine } from './schema.js';

const SHAPE = 'versions:\n  - version: "26.4"\n    lts: true\n    retire_after: "2027-04-30"';

/**
 * The lines of the config. From a file: each `versions` entry is a series; `lts: true` with `retire_after`
 * (its end date). As Backend.AI's file says, the newest line drives the `edge` channel and the newest LTS
 * line the `stable` one.
 */
export async function releaseLines(loaded: LoadedConfig): Promise<ReleaseLine[]> {
  const lines = loaded.config.lines;
  if (Array.isArray(lines)) return lines;
  const file = path.resolve(loaded.root, lines.file);
  if (!entryExists(file)) {
    throw new ConfigError(`the lines file ${lines.file} does not exist`, { file: loaded.file ?? undefined, field: 'lines.file', hint: 'point it at a file relative to the repository root, e.g. .github/maintained-versions.yml' });
  }
  const text = await readUserFile(file, { kind: 'config', root: loaded.root });
  const { parseDocument, LineCounter, isMap, isSeq } = await import('yaml');
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const at = (node: unknown) => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? `${file}:${lc.linePos(range[0]).line}` : file;
  };
  if (doc.errors.length) throw new ConfigError(`invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`, { file: `${file}:${doc.errors[0]!.linePos?.[0]?.line ?? '?'}` });
  const versions = isMap(doc.contents) ? doc.contents.get('versions', true) : undefined;
  if (!isSeq(versions)) throw new ConfigError('has no `versions:` list', { file, hint: `write it as:\n${SHAPE}` });
  const out: ReleaseLine[] = [];
  for (const item of versions.items) {
    const v = isMap(item) ? (item.toJSON() as Record<string, unknown>) : null;
    const series = v && (typeof v.version === 'string' || typeof v.version === 'number') ? String(v.version) : null;
    if (!v || !series || !/^\d+(\.\d+)*$/.test(series)) throw new ConfigError('each entry needs `version: "X.Y"` (a release series)', { file: at(item), hint: `write it as:\n${SHAPE}` });
    const end = v.retire_after;
    if (end !== undefined && !(typeof end === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(end))) {
      throw new ConfigError(`retire_after of ${series} must be a date YYYY-MM-DD (got ${JSON.stringify(end)})`, { file: at(item) });
    }
    if (v.lts !== undefined && typeof v.lts !== 'boolean') throw new ConfigError(`lts of ${series} must be true or false`, { file: at(item) });
    out.push({ name: series, series, lts: v.lts === true, ...(typeof end === 'string' ? { end } : {}) });
  }
  const newest = (ls: ReleaseLine[]) => [...ls].sort((a, b) => compareSeries(b.series, a.series))[0];
  const edge = newest(out);
  const stable = newest(out.filter((l) => l.lts));
  if (edge) edge.channel = 'edge';
  if (stable && stable !== edge) stable.channel = 'stable';
  return out;
}

function compareSeries(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}
