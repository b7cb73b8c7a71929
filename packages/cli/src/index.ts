/**
 * @tessera/cli — the `tessera` command (`tessera demo`, `tessera generate`, `tessera report`).
 * Each subcommand is registered by a function of the `commands` list, which `bin.ts` applies to
 * a commander program.
 *
 * @module @tessera/cli
 */
export { commands } from './commands/index.js';
