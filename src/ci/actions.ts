// The pinned-actions table (recipes/actions.yaml): every third-party action at a full commit SHA.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { shippedRecipesDir } from '../platforms/recipes.js';

export interface PinnedAction {
  /** `actions/checkout` */
  name: string;
  /** 40-hex commit SHA. */
  sha: string;
  /** The release the SHA is (`v4.2.2`), from the comment. */
  version: string;
}

export interface ActionsTable {
  actions: Map<string, PinnedAction>;
  /** Builder versions installed on runners: cibuildwheel, maturin, build. */
  tools: Record<string, string>;
  file: string;
}

const SHA = /^[0-9a-f]{40}$/;

/** Parse the table; the version of each pin is the comment after its SHA. */
export async function parseActionsTable(text: string, file: string): Promise<ActionsTable> {
  const { parseDocument, isMap, isScalar } = await import('yaml');
  const doc = parseDocument(text);
  if (doc.errors.length) throw new ConfigError(`invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`, { file });
  const actionsNode = doc.get('actions', true);
  if (!isMap(actionsNode)) throw new ConfigError('`actions` must map action names to commit SHAs', { file, field: 'actions' });
  const actions = new Map<string, PinnedAction>();
  for (const pair of actionsNode.items) {
    const name = String(isScalar(pair.key) ? pair.key.value : pair.key);
    const value = isScalar(pair.value) ? String(pair.value.value) : '';
    if (!SHA.test(value)) {
      throw new ConfigError(`${name} is pinned to \`${value}\`, not a full 40-hex commit SHA`, {
        file,
        field: `actions.${name}`,
        hint: 'pin to the commit a release tag points at, e.g. `actions/checkout: 11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2`',
      });
    }
    const version = (isScalar(pair.value) ? pair.value.comment : undefined)?.trim();
    if (!version) throw new ConfigError(`${name} has no version comment after its SHA`, { file, field: `actions.${name}`, hint: 'add the release as a comment: `# v4.2.2`' });
    actions.set(name, { name, sha: value, version });
  }
  const tools = (doc.toJS() as { tools?: Record<string, string> }).tools ?? {};
  return { actions, tools, file };
}

export async function loadActionsTable(dir = shippedRecipesDir()): Promise<ActionsTable> {
  const file = path.join(dir, 'actions.yaml');
  return parseActionsTable(await readFile(file, 'utf8'), file);
}

/** `owner/name@sha # version` for a `uses:` line. */
export function usesLine(table: ActionsTable, name: string): string {
  const a = table.actions.get(name);
  if (!a) throw new ConfigError(`${name} is not in the pinned-actions table`, { file: table.file, hint: `add \`${name}: <sha> # <version>\`` });
  return `${a.name}@${a.sha} # ${a.version}`;
}
