// Make host-built artifacts what PyPI accepts: PEP 625 sdist names, and manylinux tags for linux_* wheels.
import { readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import type { Context } from '../context.js';
import { BuildError } from '../errors.js';
import { checkBinary } from '../binary/index.js';
import { openZip } from '../wheel/zip.js';
import { parseSdistFilename } from '../wheel/filename.js';
import { RENAME_SDIST, RETAG_WHEEL } from './python-scripts.js';

async function readAll(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

/**
 * Rename a legacy sdist (`demo-core-0.3.0.tar.gz`, top directory `demo-core-0.3.0/`) to the PEP 625 name
 * `demo_core-0.3.0.tar.gz` with top directory `demo_core-0.3.0/`. Returns the new path.
 */
export async function normalizeSdist(ctx: Context, python: string, file: string, distName: string, version: string): Promise<string> {
  const want = `${distName}-${version}.tar.gz`;
  const parsed = parseSdistFilename(path.basename(file));
  if (parsed.extension !== '.tar.gz') throw new BuildError(`sdist ${path.basename(file)} is not a .tar.gz`, { hint: 'PyPI accepts only .tar.gz sdists (PEP 625)' });
  const dst = path.join(path.dirname(file), '..', 'normalized', want);
  await ctx.world.run(python, ['-c', RENAME_SDIST, file, dst, `${distName}-${version}`]);
  return dst;
}

/** Binaries of a wheel that do not fit the given platform tags (empty: the retag is honest). */
export async function binaryProblems(wheel: string, platformTags: string[]): Promise<string[]> {
  const zip = await openZip(wheel);
  const problems: string[] = [];
  try {
    const bundled = zip.entries.filter((e) => /\.libs\/[^/]+\.so(\.\d+)*$/.test(e.name)).map((e) => path.posix.basename(e.name));
    for (const e of zip.entries) {
      if (e.isDirectory || !/\.so(\.\d+)*$/.test(e.name)) continue;
      const bytes = await readAll(await zip.open(e));
      problems.push(...checkBinary(e.name, bytes, platformTags, { bundledLibraries: bundled }).map((f) => `${f.code}: ${f.message}`));
    }
  } finally {
    zip.close();
  }
  return problems;
}

/**
 * "Repair" a host-built linux wheel without auditwheel: check every shared object against the recipe's
 * manylinux policy (glibc symbol versions, libraries, architecture), then retag it. Returns the new path.
 */
export async function retagWheel(ctx: Context, python: string, wheel: string, platformTag: string, where: { package: string; target: string }): Promise<string> {
  const tags = platformTag.split('.');
  const problems = await binaryProblems(wheel, tags);
  if (problems.length) {
    throw new BuildError(`package ${where.package}: ${path.basename(wheel)} cannot be tagged ${platformTag} for target ${where.target}:\n  ${problems.join('\n  ')}`, {
      hint: 'build in the manylinux container (cibuildwheel, without --native) so the binaries link against an old enough glibc',
    });
  }
  const outDir = path.join(path.dirname(wheel), '..', 'repaired');
  const before = new Set(await readdir(outDir).catch(() => []));
  const res = await ctx.world.run(python, ['-c', RETAG_WHEEL, wheel, outDir, platformTag]);
  const made = res.stdout.trim().split('\n').pop() ?? '';
  if (!made || before.has(made)) throw new BuildError(`retagging ${path.basename(wheel)} produced no new wheel`, { hint: 'run with --verbose to see the output of `wheel pack`' });
  // `wheel pack` sorts the platform tags; the filename takes the recipe's order (auditwheel's), the WHEEL file is unaffected.
  const parts = made.slice(0, -'.whl'.length).split('-');
  const wanted = [...parts.slice(0, -1), platformTag].join('-') + '.whl';
  if (wanted !== made) await rename(path.join(outDir, made), path.join(outDir, wanted));
  return path.join(outDir, wanted);
}
