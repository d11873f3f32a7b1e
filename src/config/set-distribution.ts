// `set_distribution`: the name of the `<name>-release` distribution that carries the version set, or null
// when the config does not ask for one. Opt-in: its first upload creates a new project on PyPI, which with
// trusted publishing needs a (pending) publisher registered for that name first.
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import { normalizeName } from '../version/pep440.js';
import type { LoadedConfig } from './load.js';
import { yamlLine } from './yaml-line.js';

/** The components' common name prefix in whole `-` segments (PEP 503 form): backend.ai-manager, backend.ai-common → backend-ai. */
export function commonNamePrefix(components: string[]): string | null {
  if (!components.length) return null;
  const split = components.map((c) => normalizeName(c).split('-'));
  const first = split[0]!;
  let n = 0;
  while (n < first.length && split.every((s) => s[n] === first[n])) n++;
  return n ? first.slice(0, n).join('-') : null;
}

async function where(loaded: LoadedConfig, key: string[]): Promise<{ file?: string; field: string }> {
  const field = [...(loaded.file?.endsWith('.toml') ? ['tool', 'wheelwright'] : []), ...key].join('.');
  if (!loaded.file) return { field };
  const line = loaded.file.endsWith('.toml') ? undefined : await yamlLine(await readFile(loaded.file, 'utf8').catch(() => ''), key);
  return { file: line ? `${loaded.file}:${line}` : loaded.file, field };
}

/**
 * The set distribution's name (as configured, or `<common prefix>-release`), checked against the
 * components' names; null when `set_distribution` is off. The schema has already checked PEP 508 syntax.
 */
export async function setDistributionName(loaded: LoadedConfig, components: string[]): Promise<string | null> {
  const opt = loaded.config.set_distribution;
  // Off unless asked for (a config cached by an older schema has no key at all).
  if (!opt) return null;
  const given = typeof opt === 'object' ? opt.name : undefined;
  let name: string;
  if (given) {
    name = given;
  } else {
    const prefix = commonNamePrefix(components);
    if (!prefix) {
      throw new ConfigError(`set_distribution is on, but the components (${components.join(', ') || 'none'}) share no name prefix to name it after`, {
        ...(await where(loaded, ['set_distribution'])),
        hint: 'name it: `set_distribution: {name: PROJECT-release}`',
      });
    }
    name = `${prefix}-release`;
  }
  const clash = components.find((c) => normalizeName(c) === normalizeName(name));
  if (clash) {
    throw new ConfigError(`the set distribution \`${name}\` has the name of the component ${clash}`, {
      ...(await where(loaded, given ? ['set_distribution', 'name'] : ['set_distribution'])),
      hint: 'give the set distribution a name of its own: `set_distribution: {name: PROJECT-release}`',
    });
  }
  return name;
}
