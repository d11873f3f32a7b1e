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
  /** `runs.using` of every commit wheelwright pins or pinned (`node24`, `node20`, `composite`), by SHA. */
  runtimes: Map<string, string>;
  /** Runtimes GitHub's hosted runners no longer offer. */
  removedRuntimes: string[];
  /** The binfmt image docker/setup-qemu-action installs, pinned by digest. */
  qemuImage: string;
  /** Hashed pip requirements of pypa/build for the `any` job. */
  buildRequirements: string;
  /** Hashed pip requirements of cibuildwheel (its dependencies and build backend) for the cibuildwheel jobs. */
  cibuildwheelRequirements: string;
  /** The Pants launcher release and the sha256 of its asset for each `runner.os-runner.arch` it exists for. */
  sciePants: { version: string; sha256: Record<string, string> };
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
  const js = doc.toJS() as {
    tools?: Record<string, string>;
    runtimes?: Record<string, string>;
    removed_runtimes?: string[];
    qemu_image?: string;
    build_requirements?: string;
    cibuildwheel_requirements?: string;
    scie_pants?: { version?: string; sha256?: Record<string, string> };
  };
  const qemuImage = js.qemu_image ?? '';
  if (!/@sha256:[0-9a-f]{64}$/.test(qemuImage)) throw new ConfigError(`qemu_image \`${qemuImage}\` is not pinned by digest`, { file, field: 'qemu_image', hint: 'write it as image:tag@sha256:<64 hex>' });
  const hashed = (field: 'build_requirements' | 'cibuildwheel_requirements'): string => {
    const text = js[field] ?? '';
    const unhashed = text.split('\n').find((l) => l.trim() && !l.trim().startsWith('#') && !/--hash=sha256:[0-9a-f]{64}/.test(l));
    if (unhashed !== undefined) throw new ConfigError(`${field} line \`${unhashed.trim()}\` has no --hash`, { file, field, hint: 'add --hash=sha256:<hex> of the file PyPI serves' });
    // pip reads `name==1 ; marker --hash=…`; a marker after the options is not applied (the package installs everywhere).
    const late = text.split('\n').find((l) => !l.trim().startsWith('#') && /\s--\S.*;/.test(l));
    if (late !== undefined) throw new ConfigError(`${field} line \`${late.trim()}\` has its environment marker after --hash, where pip does not apply it`, { file, field, hint: 'write `name==version ; marker --hash=sha256:<hex>`' });
    return text;
  };
  const buildRequirements = hashed('build_requirements');
  const cibuildwheelRequirements = hashed('cibuildwheel_requirements');
  const sciePants = { version: String(js.scie_pants?.version ?? ''), sha256: js.scie_pants?.sha256 ?? {} };
  if (!/^\d+\.\d+\.\d+$/.test(sciePants.version)) throw new ConfigError(`scie_pants.version \`${sciePants.version}\` is not a release like 0.13.2`, { file, field: 'scie_pants.version' });
  for (const [platform, sha] of Object.entries(sciePants.sha256)) {
    if (!/^(Linux|macOS)-(X64|ARM64)$/.test(platform) || !/^[0-9a-f]{64}$/.test(String(sha))) {
      throw new ConfigError(`scie_pants.sha256.${platform} must be a runner.os-runner.arch (e.g. Linux-X64) mapped to a 64-hex sha256`, { file, field: `scie_pants.sha256.${platform}` });
    }
  }
  return {
    actions,
    tools: js.tools ?? {},
    runtimes: new Map(Object.entries(js.runtimes ?? {})),
    removedRuntimes: js.removed_runtimes ?? [],
    qemuImage,
    buildRequirements,
    cibuildwheelRequirements,
    sciePants,
    file,
  };
}

/** The tool's packaged actions.yaml (never a user's file, so not read through src/files.ts). */
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
