import { readFileSync } from 'node:fs';

/** The single-file build (.ci/bundle.mjs) defines it: its light commands run before there is a package.json to read. */
declare const __BUNDLED_TOOL_VERSION__: string | undefined;

let cached: string | undefined;

/** wheelwright's own version, from its package.json. */
export function toolVersion(): string {
  cached ??=
    typeof __BUNDLED_TOOL_VERSION__ === 'string'
      ? __BUNDLED_TOOL_VERSION__
      : (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
