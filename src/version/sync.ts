// When VERSION changes, the `==` pins between sibling packages change with it.
import type { World } from '../context.js';
import { readUserFile } from '../files.js';
import type { DiscoveredPackage } from '../config/packages.js';
import { rewriteDevelopmentStatus } from './classifier.js';
import { normalizeName } from './pep440.js';

export interface PinChange {
  file: string;
  requirement: string;
  from: string;
  to: string;
}

/** The new text of a pyproject.toml with every sibling `name==from` pin set to `to`. */
export function rewritePins(text: string, siblings: Set<string>, from: string, to: string): { text: string; changes: Omit<PinChange, 'file'>[] } {
  const changes: Omit<PinChange, 'file'>[] = [];
  // A requirement inside a TOML string: "name[extra] == 1.2.0 ; marker"
  const re = /(["'])\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\s*(?:\[[^\]"']*\])?\s*==\s*)([^\s,;"']+)/g;
  const out = text.replace(re, (all, quote: string, name: string, mid: string, pinned: string) => {
    if (!siblings.has(normalizeName(name)) || pinned === to) return all;
    if (pinned !== from) return all; // a pin to some other version is `version check`'s business, not ours to guess
    changes.push({ requirement: name, from: pinned, to });
    return `${quote}${name}${mid}${to}`;
  });
  return { text: out, changes };
}

export interface PinRewrite {
  file: string;
  text: string;
  changes: PinChange[];
  /** The `Development Status` classifier moved with the version (config `development_status`). */
  classifier?: { from: string; to: string };
}

export interface SyncOptions {
  /** Also rewrite a `Development Status` classifier that contradicts the new version. */
  developmentStatus?: boolean;
}

/** Read every package's pyproject.toml and compute the new texts; writes nothing. */
export async function planPinRewrites(
  packages: Pick<DiscoveredPackage, 'name' | 'pyproject'>[],
  from: string,
  to: string,
  opts: SyncOptions = {},
): Promise<PinRewrite[]> {
  const siblings = new Set(packages.map((p) => p.name));
  const out: PinRewrite[] = [];
  // A Pants distribution has no pyproject.toml: its setup is generated (classifiers by a plugin), with no pins to move.
  for (const file of packages.map((p) => p.pyproject).filter((f): f is string => f !== null)) {
    const pinned = rewritePins(await readUserFile(file, { kind: 'pyproject' }), siblings, from, to);
    const status = opts.developmentStatus ? rewriteDevelopmentStatus(pinned.text, to) : { text: pinned.text, from: null, to: null };
    const rewrite: PinRewrite = { file, text: status.text, changes: pinned.changes.map((c) => ({ ...c, file })) };
    if (status.from && status.to) rewrite.classifier = { from: status.from, to: status.to };
    if (rewrite.changes.length || rewrite.classifier) out.push(rewrite);
  }
  return out;
}

/** Rewrite sibling pins in every package's pyproject.toml; returns what changed (nothing is written in dry run). */
export async function syncInternalPins(
  world: World,
  packages: Pick<DiscoveredPackage, 'name' | 'pyproject'>[],
  from: string,
  to: string,
  opts: SyncOptions = {},
): Promise<PinChange[]> {
  const rewrites = await planPinRewrites(packages, from, to, opts);
  for (const r of rewrites) await world.writeFile(r.file, r.text);
  return rewrites.flatMap((r) => r.changes);
}
