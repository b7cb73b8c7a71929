/**
 * Workload `scheduler`: scheduling throughput on trivial tasks, two graph shapes —
 * (a) tree: N leaves summed in groups of 10 level by level (111,111 tasks for N = 100,000);
 * (b) chain: N links, each depending on the previous one.
 * Tessera's sync and thread schedulers against dask's threaded scheduler, alternating runs.
 */
import { Graph, SyncScheduler, ThreadScheduler, ref, withCallbacks, type Scheduler } from '@tessera/scheduler';
import type { BenchContext, BenchRecord, Workload } from '../harness.js';

export function treeGraph(n: number): { graph: Graph; root: string; expected: number } {
  const graph = new Graph();
  let level: string[] = [];
  for (let i = 0; i < n; i++) {
    graph.add(`leaf-${i}`, 'math.inc', [i]);
    level.push(`leaf-${i}`);
  }
  for (let depth = 0; level.length > 1; depth++) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 10) {
      const key = `sum-${depth}-${i / 10}`;
      graph.add(key, 'math.sum', [level.slice(i, i + 10).map((k) => ref(k))]);
      next.push(key);
    }
    level = next;
  }
  return { graph, root: level[0]!, expected: (n * (n + 1)) / 2 };
}

export function chainGraph(n: number): { graph: Graph; root: string; expected: number } {
  const graph = new Graph().add('c-0', 'math.inc', [0]);
  for (let i = 1; i < n; i++) graph.add(`c-${i}`, 'math.inc', [ref(`c-${i - 1}`)]);
  return { graph, root: `c-${n - 1}`, expected: n };
}

async function measure(scheduler: Scheduler, shape: string, n: number, fuse: boolean): Promise<BenchRecord> {
  const { graph, root, expected } = shape === 'tree' ? treeGraph(n) : chainGraph(n);
  const perWorker = new Map<number, number>();
  const t0 = performance.now();
  const out = await withCallbacks([{ onTaskEnd: (e) => perWorker.set(e.worker, (perWorker.get(e.worker) ?? 0) + 1) }], () =>
    scheduler.run(graph, [root], { fuse }),
  );
  const seconds = (performance.now() - t0) / 1000;
  if (out[root] !== expected) throw new Error(`scheduler bench: ${shape} gave ${String(out[root])}, expected ${expected}`);
  return {
    workload: 'scheduler',
    engine: 'tessera',
    variant: `${scheduler.name}${fuse ? '' : ', no fusion'}`,
    params: { shape, tasks: graph.size },
    seconds: { total: seconds },
    tasksPerSecond: graph.size / seconds,
    threads: scheduler.workers,
    tasksPerWorker: Object.fromEntries([...perWorker].sort((a, b) => a[0] - b[0])),
  };
}

export const scheduler: Workload = {
  name: 'scheduler',
  description: 'tasks/s on a 111k-task tree and a 100k-link chain: Tessera sync/threads vs dask threaded',
  async run(ctx: BenchContext): Promise<BenchRecord[]> {
    const n = Number(ctx.options['n'] ?? 100_000);
    const shapes = typeof ctx.options['shape'] === 'string' ? [ctx.options['shape']] : ['tree', 'chain'];
    const threads = new ThreadScheduler();
    const sync = new SyncScheduler();
    const records: BenchRecord[] = [];
    try {
      for (const shape of shapes) {
        await measure(threads, shape, Math.min(n, 1000), true); // warm the pool and the JIT
        for (let r = 0; r < ctx.runs; r++) {
          for (const [s, fuse] of [
            [threads, true],
            [threads, false],
            [sync, true],
          ] as const) {
            const rec = await measure(s, shape, n, fuse);
            ctx.log(`scheduler ${shape} tessera ${rec.variant}: ${Math.round(rec['tasksPerSecond'] as number)} tasks/s`);
            records.push(rec);
          }
          if (ctx.options['no-python'] !== true) {
            const py = await ctx.runPython('scheduler.py', [shape, String(n)]);
            if ('skipped' in py) ctx.log(`scheduler ${shape} dask: skipped — ${py.skipped}`);
            else
              for (const rec of py) {
                ctx.log(`scheduler ${shape} dask threaded: ${Math.round(rec['tasksPerSecond'] as number)} tasks/s`);
                records.push(rec);
              }
          }
        }
      }
    } finally {
      await threads.close();
    }
    return records;
  },
};
