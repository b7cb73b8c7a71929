import type { Command } from 'commander';
import { Graph, ThreadScheduler, ref, withCallbacks } from '@tessera/scheduler';

/**
 * `tessera demo`: builds a tree-reduction graph, runs it on every core and prints how many tasks
 * each worker ran. (The pipeline issue replaces this with the reference workload.)
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Run a task graph on all cores and show how the work spread over the workers')
    .option('--leaves <n>', 'leaf tasks in the tree', '100000')
    .option('--threads <n>', 'worker threads (default: all cores)')
    .action(async (opts: { leaves: string; threads?: string }) => {
      const leaves = Number(opts.leaves);
      if (!Number.isInteger(leaves) || leaves < 1) throw new RangeError(`--leaves must be a positive integer; got '${opts.leaves}'.`);
      const scheduler = new ThreadScheduler(opts.threads ? { threads: Number(opts.threads) } : {});
      try {
        const g = new Graph();
        let level: string[] = [];
        for (let i = 0; i < leaves; i++) {
          g.add(`square-${i}`, 'math.mul', [i, i]);
          level.push(`square-${i}`);
        }
        for (let depth = 0; level.length > 1; depth++) {
          const next: string[] = [];
          for (let i = 0; i < level.length; i += 10) {
            const key = `sum-${depth}-${i / 10}`;
            g.add(key, 'math.sum', [level.slice(i, i + 10).map((k) => ref(k))]);
            next.push(key);
          }
          level = next;
        }
        const perWorker = new Map<number, number>();
        const t0 = performance.now();
        const result = await withCallbacks([{ onTaskEnd: (e) => perWorker.set(e.worker, (perWorker.get(e.worker) ?? 0) + 1) }], () =>
          scheduler.run(g, [level[0]!]),
        );
        const seconds = (performance.now() - t0) / 1000;
        console.log(`sum of squares 0..${leaves - 1} = ${result[level[0]!]}`);
        console.log(`${g.size} tasks in ${seconds.toFixed(3)} s (${Math.round(g.size / seconds).toLocaleString('en-US')} tasks/s) on ${scheduler.workers} worker threads`);
        for (const [worker, n] of [...perWorker].sort((a, b) => a[0] - b[0])) console.log(`  worker thread ${worker}: ${n} tasks`);
      } finally {
        await scheduler.close();
      }
    });
}
