import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** wheelwright's own version, from its package.json. */
export function toolVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
