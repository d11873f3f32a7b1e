import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyArtifacts, type ArtifactResult } from '../../src/verify/artifacts.js';
import { binaryToolsAvailable, ensureBinaryFixtures, FIXTURE_DIR } from '../fixtures/binaries/fixtures.js';
import { binaryFixtureReader, generateCorpus, RELEASE_VERSION, type CorpusCase } from '../fixtures/broken/corpus.js';
import { hasPythonModule, requireTools } from '../helpers/tools.js';

const run = promisify(execFile);
const haveBinaries = binaryToolsAvailable();
const haveTwine = requireTools('twine check parity', [['/usr/bin/python3 -m twine', hasPythonModule('twine')]]);

let dir: string;
let cases: CorpusCase[];
let results: Map<string, ArtifactResult>;

beforeAll(async () => {
  if (haveBinaries) ensureBinaryFixtures();
  dir = mkdtempSync(path.join(tmpdir(), 'ww-corpus-'));
  cases = await generateCorpus(dir, binaryFixtureReader(FIXTURE_DIR));
  const limits = { maxUncompressed: 4096 * 1024 * 1024, maxRatio: 200 };
  const out = await verifyArtifacts(cases.map((c) => path.join(dir, c.file)), { jobs: 2, limits, releaseVersion: RELEASE_VERSION });
  results = new Map(out.map((r) => [path.relative(dir, r.path), r]));
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the broken-artifact corpus', () => {
  it('holds at least 40 broken artifacts, one defect each, plus good ones', () => {
    expect(cases.filter((c) => c.codes.length === 1).length).toBeGreaterThanOrEqual(40);
    expect(cases.every((c) => c.codes.length <= 1)).toBe(true);
    const binary = cases.filter((c) => /^W-(BIN|MANYLINUX|PE|GLIBC|MUSL)-|^W-MACOS-(MINOS|ARCHS)$/.test(c.codes[0] ?? '')).map((c) => c.codes[0]);
    if (haveBinaries) expect(binary.length, binary.join(' ')).toBeGreaterThanOrEqual(8);
  });

  it('gives every artifact exactly its expected codes and no other', () => {
    const wrong = cases
      .map((c) => {
        const r = results.get(c.file)!;
        const got = [...new Set(r.findings.map((f) => f.code))].sort();
        return { file: c.file, why: c.why, want: c.codes, got, messages: r.findings.map((f) => f.message) };
      })
      .filter((x) => JSON.stringify(x.want) !== JSON.stringify(x.got));
    expect(wrong).toEqual([]);
  });

  it('names the artifact entry in every finding about an entry', () => {
    const withEntry = [...results.values()].flatMap((r) => r.findings).filter((f) => f.code.startsWith('W-RECORD-H') || f.code.startsWith('W-ZIP-PATH'));
    expect(withEntry.length).toBeGreaterThan(0);
    for (const f of withEntry) expect(f.entry, f.message).toBeTruthy();
  });
});

describe.skipIf(!haveTwine)('twine check --strict agrees with our verdict', () => {
  it('fails exactly the corpus artifacts we fail, where the defect is one twine checks', async () => {
    const judged = cases.filter((c) => c.twine);
    expect(judged.length).toBeGreaterThanOrEqual(8);
    // One process per file: twine stops at the first file it cannot read at all (no METADATA, no PKG-INFO).
    const check = (file: string) =>
      run('/usr/bin/python3', ['-m', 'twine', 'check', '--strict', file], { env: { ...process.env, NO_COLOR: '1', COLUMNS: '100000' } }).then(
        (r) => ({ ok: true, out: r.stdout + r.stderr }),
        (e: { stdout?: string; stderr?: string }) => ({ ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }),
      );
    const verdicts = await Promise.all(judged.map((c) => check(path.join(dir, c.file))));
    const disagreements = judged
      .map((c, i) => ({ file: c.file, ours: results.get(c.file)!.findings.length === 0, twine: verdicts[i]!.ok, out: verdicts[i]!.out.slice(-300) }))
      .filter((d) => d.ours !== d.twine);
    expect(disagreements).toEqual([]);
  }, 120_000);
});
