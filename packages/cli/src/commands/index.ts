/** Every subcommand, registered in this order. Add one line per command file. */
import type { Command } from 'commander';
import { registerDemo } from './demo.js';
import { registerReport } from './report.js';
import { registerGenerate } from './generate.js';
import { registerWorker } from './worker.js';
import { registerClean } from './clean.js';

export const commands: readonly ((program: Command) => void)[] = [
  registerDemo,
  registerReport,
  registerGenerate,
  registerWorker,
  registerClean,
];
