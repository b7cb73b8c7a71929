import type { Command } from 'commander';
import { cleanCluster } from '@tessera/distributed';
import { UsageError } from '../options.js';

/**
 * `tessera clean`: removes what cluster runs whose coordinator died left behind — their blocks in
 * the store, their records and queued jobs in Redis. Live runs are not touched.
 */
export function registerClean(program: Command): void {
  program
    .command('clean')
    .description('Remove the leftovers of dead cluster runs (store prefixes, queued jobs)')
    .requiredOption('--redis <url>', 'Redis URL, e.g. redis://10.0.0.5:6379')
    .requiredOption('--store <dir|s3://bucket/prefix>', 'the shared block store')
    .option('--queue <name>', 'BullMQ queue name', 'tessera')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const redis = String(opts['redis']);
      if (!/^rediss?:\/\//.test(redis)) throw new UsageError(`--redis must be a Redis URL such as redis://127.0.0.1:6379; got '${redis}'.`);
      const { runs, jobs } = await cleanCluster({ connection: redis, store: String(opts['store']), queue: String(opts['queue']) });
      process.stdout.write(
        runs.length || jobs
          ? `removed ${runs.length} dead run${runs.length === 1 ? '' : 's'}${runs.length ? ` (${runs.join(', ')})` : ''} and ${jobs} queued job${jobs === 1 ? '' : 's'}\n`
          : 'nothing to clean\n',
      );
    });
}
