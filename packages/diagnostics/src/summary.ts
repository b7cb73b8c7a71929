/**
 * Figures a person asks of a profile first: where the time went per kernel, how busy each
 * worker was, and how many workers were busy at once. The HTML report shows these; they are
 * exported so tests, benchmarks and notebooks can use the same numbers.
 */
import { collect, type ProfileSource, type TaskRecord } from './records.js';

/** Time spent in one kernel. */
export interface KernelSummary {
  readonly kernel: string;
  readonly tasks: number;
  /** Sum of task durations, ms. */
  readonly totalMs: number;
  readonly meanMs: number;
  readonly maxMs: number;
  /** Bytes of typed arrays its tasks returned. */
  readonly bytes: number;
}

/** Work done by one worker. */
export interface WorkerSummary {
  /** Thread id (0: the main thread). */
  readonly worker: number;
  readonly tasks: number;
  /** Time the worker spent running tasks (overlapping tasks counted once), ms. */
  readonly busyMs: number;
  /** `busyMs` over the task span. */
  readonly busyFraction: number;
}

/** Aggregate figures of a profile ({@link summarize}). */
export interface ProfileSummary {
  readonly tasks: number;
  readonly runs: number;
  readonly workers: number;
  /** First task start and last task end (ms, process clock); 0 without tasks. */
  readonly start: number;
  readonly end: number;
  readonly spanMs: number;
  /** By total time, largest first. */
  readonly kernels: readonly KernelSummary[];
  /** By thread id. */
  readonly perWorker: readonly WorkerSummary[];
  /** Mean number of busy workers over the task span (total busy time / span). */
  readonly meanParallelism: number;
  /** `parallelism[k]`: ms of the span during which exactly k workers were busy. */
  readonly parallelism: readonly number[];
  readonly peakRssBytes: number;
  readonly peakHeldBytes: number;
  /** Mean CPU % over the samples, weighted by their intervals (100 = one core). */
  readonly meanCpuPercent: number;
}

/** Merged busy intervals of one worker's tasks (tasks may overlap when batches interleave). */
export function busyIntervals(tasks: readonly TaskRecord[]): Float64Array {
  const order = tasks.map((_, i) => i).sort((a, b) => tasks[a]!.start - tasks[b]!.start);
  const out: number[] = [];
  for (const i of order) {
    const { start, end } = tasks[i]!;
    if (out.length && start <= out[out.length - 1]!) {
      if (end > out[out.length - 1]!) out[out.length - 1] = end;
    } else out.push(start, end);
  }
  return Float64Array.from(out);
}

/**
 * Summarizes what `sources` recorded.
 *
 * @example
 * const s = summarize([prof, res]);
 * console.log(`${s.tasks} tasks, ${s.meanParallelism.toFixed(2)} workers busy on average`);
 */
export function summarize(sources: ProfileSource | readonly ProfileSource[]): ProfileSummary {
  const data = collect(sources);
  const byKernel = new Map<string, { tasks: number; totalMs: number; maxMs: number; bytes: number }>();
  const byWorker = new Map<number, TaskRecord[]>();
  let start = Infinity;
  let end = -Infinity;
  for (const t of data.tasks) {
    const ms = t.end - t.start;
    let k = byKernel.get(t.kernel);
    if (!k) byKernel.set(t.kernel, (k = { tasks: 0, totalMs: 0, maxMs: 0, bytes: 0 }));
    k.tasks++;
    k.totalMs += ms;
    if (ms > k.maxMs) k.maxMs = ms;
    k.bytes += t.bytes;
    let w = byWorker.get(t.worker);
    if (!w) byWorker.set(t.worker, (w = []));
    w.push(t);
    if (t.start < start) start = t.start;
    if (t.end > end) end = t.end;
  }
  if (!data.tasks.length) start = end = 0;
  const spanMs = end - start;
  const kernels = [...byKernel]
    .map(([kernel, k]) => ({ kernel, ...k, meanMs: k.totalMs / k.tasks }))
    .sort((a, b) => b.totalMs - a.totalMs || (a.kernel < b.kernel ? -1 : 1));
  const edges: [number, number][] = [];
  const perWorker: WorkerSummary[] = [...byWorker]
    .sort((a, b) => a[0] - b[0])
    .map(([worker, tasks]) => {
      const iv = busyIntervals(tasks);
      let busyMs = 0;
      for (let i = 0; i < iv.length; i += 2) {
        busyMs += iv[i + 1]! - iv[i]!;
        edges.push([iv[i]!, 1], [iv[i + 1]!, -1]);
      }
      return { worker, tasks: tasks.length, busyMs, busyFraction: spanMs > 0 ? busyMs / spanMs : 0 };
    });
  // Sweep: time spent at each level of concurrency.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const parallelism = new Array<number>(byWorker.size + 1).fill(0);
  let level = 0;
  let prev = start;
  for (const [t, d] of edges) {
    parallelism[level]! += t - prev;
    level += d;
    prev = t;
  }
  let totalBusy = 0;
  for (const w of perWorker) totalBusy += w.busyMs;
  let peakRssBytes = 0;
  let peakHeldBytes = 0;
  let cpuWeighted = 0;
  let cpuTime = 0;
  data.samples.forEach((s, i) => {
    peakRssBytes = Math.max(peakRssBytes, s.rssBytes);
    peakHeldBytes = Math.max(peakHeldBytes, s.heldBytes);
    const dt = i > 0 ? s.time - data.samples[i - 1]!.time : 0;
    cpuWeighted += s.cpuPercent * dt;
    cpuTime += dt;
  });
  for (const r of data.runs) peakHeldBytes = Math.max(peakHeldBytes, r.peakHeldBytes);
  return {
    tasks: data.tasks.length,
    runs: data.runs.length,
    workers: byWorker.size,
    start,
    end,
    spanMs,
    kernels,
    perWorker,
    meanParallelism: spanMs > 0 ? totalBusy / spanMs : 0,
    parallelism,
    peakRssBytes,
    peakHeldBytes,
    meanCpuPercent: cpuTime > 0 ? cpuWeighted / cpuTime : 0,
  };
}
