#!/usr/bin/env node
/** The `tessera` command line. Each subcommand lives in its own file under commands/. */
import { Command } from 'commander';
import { commands } from './commands/index.js';

const program = new Command('tessera')
  .description('Out-of-core, multi-core machine learning for TypeScript on Node.js')
  .showHelpAfterError();
for (const register of commands) register(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`tessera: ${error instanceof Error ? error.message : String(error)}\n`);
  if (process.env['TESSERA_DEBUG'] && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
});
