// What every package source (release.yaml paths and globs, uv workspaces, Pants BUILD files) hands to discovery.
import type { BuilderName, PackageKind } from '../../manifest.js';

/** Where a package was found. */
export type PackageSource = 'paths' | 'globs' | 'uv' | 'pants';

/** A Pants `python_distribution` target, read statically from its BUILD file. */
export interface PantsDistribution {
  /** Absolute path of the BUILD file. */
  buildFile: string;
  /** Line of the `python_distribution(` call. */
  line: number;
  /** The target address, `src/ai/backend/agent:dist`. */
  address: string;
  description: string | null;
  license: string | null;
  /** `python_artifact(version=…)`: a version hard-coded in the BUILD file, with its line. */
  version: { value: string; line: number } | null;
  /** `resource(source="VERSION")` in the same BUILD file: the file the package reads its version from at run time. */
  versionResource: { file: string; line: number } | null;
  /** Pants platforms of a `platform_resources(dependency_map=…)` this distribution carries (`linux_x86_64`); plan maps them to targets through the recipes' `pants.platform`. */
  platforms: string[];
  /** Tagged `platform-specific`, or carrying platform resources: one wheel per target. */
  platformSpecific: boolean;
  /** Whether Pants makes an sdist (the `sdist` field, default True). */
  sdist: boolean;
  /** The register.py of a setup-kwargs plugin that sets the version from VERSION (Backend.AI's `setupgen`), or null. */
  versionPlugin: string | null;
}

/** A package a source found, before release.yaml's entries override kind, builder, targets and Pythons. */
export interface FoundPackage {
  /** The name as written (pyproject.toml `[project] name`, or `python_artifact(name=…)`). */
  rawName: string;
  /** Absolute directory. */
  dir: string;
  source: PackageSource;
  /** Absolute path of its pyproject.toml; null for a Pants distribution (its setup is generated). */
  pyproject: string | null;
  /** The parsed pyproject.toml ({} for a Pants distribution). */
  toml: Record<string, unknown>;
  requiresPython: string | null;
  /** The file that declares it (pyproject.toml or BUILD), for error messages. */
  declaredIn: string;
  /** Defaults the source implies (a Pants distribution is built by Pants). */
  kind?: PackageKind;
  builder?: BuilderName;
  targets?: string[];
  pants?: PantsDistribution;
}

export interface DiscoveredPackage extends FoundPackage {
  /** PEP 503 normalised name. */
  name: string;
  /** The name in filenames: `demo_core`. */
  distName: string;
  /** Directory relative to the repository root, with `/`. */
  relDir: string;
  kind: PackageKind;
  builder: BuilderName;
  /** Targets this package is built for; empty for pure packages. */
  targets: string[];
  /** Python versions (for native packages; abi3 builds on the lowest). */
  python: string[];
  /** Which entry of `packages` named it (for error messages); -1 when found without one. */
  entryIndex: number;
}

/** One place packages come from. `detect` is cheap; `find` reads what it needs. */
export interface PackageSourceReader {
  name: PackageSource;
  /** Whether this repository uses the source at all (pants.toml, `[tool.uv.workspace]`). */
  detect(root: string): Promise<boolean>;
  /** Every package of the source, sorted by directory. Errors name the file and line to fix. */
  find(root: string): Promise<FoundPackage[]>;
}
