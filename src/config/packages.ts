// Package discovery and the version check, under the names the stages import.
export { discoverPackages, findAutomatic, readToml } from './discovery/index.js';
export type { DiscoveredPackage, FoundPackage, PackageSource, PantsDistribution } from './discovery/index.js';
export { checkVersionSources } from '../version/check.js';
export type { VersionSource, VersionSourceProblem } from '../version/check.js';
