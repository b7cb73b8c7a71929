import type { Command } from 'commander';
import { ClusterWorker } from '@tessera/distributed';
import { UsageError, positiveInt, positiveSize } from '../options.js';
import { interruptSignal } from '../interrupt.js';

/**
 * `tessera worker`: a long-running cluster worker (docs/cluster.md). It takes batches from the
 * BullMQ queue in Redis, runs them on its own threads, and reads and writes blocks in the shared
 * store. Ctrl-C / SIGTERM stops it: running batches are abandoned and retried by other workers
 * once their lock expires.
 */
export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('Run a cluster worker: take batches from Redis (BullMQ), run them on threads, blocks in a shared store')
    .requiredOption('--redis <url>', 'Redis URL, e.g. redis://10.0.0.5:6379')
    .requiredOption('--store <dir|s3://bucket/prefix>', 'the shared block store (same path on every host), or an S3 bucket')
    .option('--threads <n>', 'worker threads (batches run at once)', '1')
    .option(
      '--memory-limit <size>',
      "this worker's budget for the blocks of running batches: 2GB = 2·10^9 bytes (default: a quarter of free memory)",
    )
    .option('--queue <name>', 'BullMQ queue name', 'tessera')
    .option('--lock-duration <ms>', 'how long after this process dies its batches are retried elsewhere', '30000')
    .option('--quiet', 'print nothing but errors')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const redis = String(opts['redis']);
      if (!/^rediss?:\/\//.test(redis)) throw new UsageError(`--redis must be a Redis URL such as redis://127.0.0.1:6379; got '${redis}'.`);
      const store = String(opts['store']);
      const threads = positiveInt('threads', String(opts['threads']));
      const lockDuration = positiveInt('lock-duration', String(opts['lockDuration']));
      if (lockDuration < 100) throw new UsageError(`--lock-duration must be at least 100 (ms); got ${lockDuration}.`);
      const memoryLimit = opts['memoryLimit'] === undefined ? undefined : positiveSize('memory-limit', String(opts['memoryLimit']));
      const quiet = opts['quiet'] === true;
      const signal = interruptSignal();
      const worker = await ClusterWorker.start({
        connection: redis,
        store,
        threads,
        queue: String(opts['queue']),
        lockDuration,
        ...(memoryLimit === undefined ? {} : { memoryLimit }),
        log: (line) => {
          if (!quiet || line.includes('error')) process.stderr.write(`${line}\n`);
        },
      });
      // Ready: tests and supervisors wait for this line.
      if (!quiet) process.stdout.write(`tessera worker ${worker.id} ready\n`);
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      await worker.close(true);
    });
}
