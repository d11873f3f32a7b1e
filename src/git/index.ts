// The git layer: one import for commands.
export { GitRepo, gitSaid, type PushOptions } from './repo.js';
export { Snapshot } from './snapshot.js';
export { parsePorcelainZ, listPaths, type StatusEntry } from './status.js';
export { httpOrigin, tokenPushEnv } from './auth.js';
