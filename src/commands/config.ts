import type { CommandDefinition } from './types.js';

// Placeholder until this command group is built.
export const commands: Record<string, CommandDefinition> = {};
