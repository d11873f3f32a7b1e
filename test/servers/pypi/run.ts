// A PublishRun for driving the PyPI destination directly in tests, with the log captured.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { configSchema } from '../../../src/config/schema.js';
import { createContext } from '../../../src/context.js';
import { createLogger } from '../../../src/log.js';
import type { PublishedFile, ReleaseManifest } from '../../../src/manifest.js';
import type { PublishFile, PublishRun } from '../../../src/publish/types.js';
import { normalizeName, normalizeVersion } from '../../../src/version/pep440.js';

export interface TestRun extends PublishRun {
  /** Everything logged (stderr and stdout lines). */
  logged: string[];
  recorded: Record<string, PublishedFile>;
}

export async function publishFile(file: string, pkg: string, version: string): Promise<PublishFile> {
  const data = await readFile(file);
  return {
    path: file,
    filename: path.basename(file),
    sha256: createHash('sha256').update(data).digest('hex'),
    size: (await stat(file)).size,
    package: normalizeName(pkg),
    version: normalizeVersion(version)!,
    type: file.endsWith('.whl') ? 'wheel' : 'sdist',
  };
}

export function testRun(opts: {
  cwd: string;
  files: PublishFile[];
  env?: NodeJS.ProcessEnv;
  repositoryUrl?: string;
  confirmed?: Record<string, PublishedFile>;
  dryRun?: boolean;
  now?: () => Date;
}): TestRun {
  const logged: string[] = [];
  const log = createLogger({ verbose: true, stderr: (s) => void logged.push(s), stdout: (s) => void logged.push(s) });
  const config = configSchema.parse({ publish: { to: ['pypi'], pypi: { repository_url: opts.repositoryUrl ?? 'https://upload.pypi.org/legacy/' } } });
  const ctx = createContext({ cwd: opts.cwd, env: opts.env ?? {}, log, dryRun: opts.dryRun, config: { root: opts.cwd, file: null, config }, now: opts.now });
  const recorded: Record<string, PublishedFile> = {};
  return {
    ctx,
    manifest: {} as ReleaseManifest,
    files: opts.files,
    confirmed: opts.confirmed ?? {},
    record: async (filename, entry) => void (recorded[filename] = entry),
    notes: '',
    replace: false,
    logged,
    recorded,
  };
}
