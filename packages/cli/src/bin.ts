#!/usr/bin/env node
/**
 * The `tessera` command line. Each subcommand lives in its own file under commands/.
 *
 * Exit codes: 0 success; 1 the run failed (bad data, a kernel error…); 2 a usage error (unknown
 * command or option, a bad flag value, an output that may not be written); 130 / 143 interrupted
 * by SIGINT / SIGTERM. Errors are one line on stderr (`TESSERA_DEBUG=1` adds the stack).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { UsageError } from './options.js';
import { interruptedBy } from './interrupt.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('tessera')
  .description('Out-of-core, multi-core machine learning for TypeScript on Node.js')
  .version(version, '-v, --version', 'print the version')
  .exitOverride()
  .showHelpAfterError("(see 'tessera --help')");
for (const register of commands) register(program);
for (const sub of program.commands) sub.showHelpAfterError(`(see 'tessera ${sub.name()} --help')`);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    // Commander has printed its one line (or the help / version); only the code is left.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
    return;
  }
  const signal = interruptedBy();
  if (signal) {
    process.stderr.write(`tessera: interrupted by ${signal}; this run's outputs were not written (earlier outputs are intact).\n`);
    return; // the exit code (130 / 143) is set by the signal handler
  }
  process.stderr.write(`tessera: ${error instanceof Error ? error.message : String(error)}\n`);
  if (process.env['TESSERA_DEBUG'] && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
