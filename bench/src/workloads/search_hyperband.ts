/**
 * Workload `search-hyperband` (issue 17 §4, the Hyperband part of `pnpm bench search`):
 * `HyperbandSearchCV(SGDClassifier, maxIter 27)` — 49 candidates over 4 brackets, alpha drawn
 * log-uniformly and the loss among hinge, log_loss and modified_huber — on the reference dataset (10M × 20 by default, 500k-row
 * blocks, generated once like the `pipeline` workload's), then the best candidate trained alone for
 * the same 27 partialFit calls on the same blocks (a one-candidate IncrementalSearchCV), for the
 * wall-time ratio. Reported: both times, each worker's busy fraction over the search's task span
 * (from the Profiler), the mean parallelism, the best model's held-out accuracy (its `bestScore_`)
 * and its parameters, the most bytes the scheduler held at once over the search's concurrent runs
 * (what `--memory-limit` bounds) and peak RSS. With `--report FILE` the search's HTML report is written there
 * (the concurrent chains, models coloured apart).
 *
 * Options: --rows N (10000000; --hyperband-rows N when run as `search --parts hyperband`) --data DIR --max-iter N (27) --memory-limit SIZE --threads N
 * --report FILE.
 */
import { fromNpyDir } from '@tessera/array';
import { ThreadScheduler, type RunInfo, type SchedulerCallbacks } from '@tessera/scheduler';
import { HyperbandSearchCV, IncrementalSearchCV, SGDClassifier, loguniform } from '@tessera/estimators';
import { Profiler, ResourceProfiler, diagnose, summarize, writeReport } from '@tessera/diagnostics';
import { median, peakRssMB, type BenchContext, type BenchRecord, type Workload } from '../harness.js';
import { pipelineDataset } from './pipeline.js';

export const searchHyperband: Workload = {
  name: 'search-hyperband',
  description:
    'HyperbandSearchCV(SGDClassifier, maxIter 27, 49 candidates) on the reference dataset vs the best candidate alone; busy fraction per core',
  async run(ctx: BenchContext): Promise<BenchRecord[]> {
    // `--hyperband-rows` when run as a part of `search`, whose --rows sizes its in-memory grid.
    const rows = Number(ctx.options['hyperband-rows'] ?? ctx.options['rows'] ?? 10_000_000);
    const maxIter = Number(ctx.options['max-iter'] ?? 27);
    const threads = ctx.options['threads'] === undefined ? undefined : Number(ctx.options['threads']);
    const memoryLimit = typeof ctx.options['memory-limit'] === 'string' ? ctx.options['memory-limit'] : undefined;
    const dir = await pipelineDataset(ctx, rows);
    const scheduler = new ThreadScheduler(threads === undefined ? {} : { threads });
    await scheduler.ready();
    const records: BenchRecord[] = [];
    const searches: number[] = [];
    try {
      for (let r = 0; r < ctx.runs; r++) {
        const { X, y } = await fromNpyDir(dir);
        if (y === undefined) throw new Error(`search-hyperband: ${dir} has no y files.`);
        const held = heldBytesMeter();
        const run = { scheduler, classes: [0, 1], ...(memoryLimit === undefined ? {} : { memoryLimit }) };
        const search = new HyperbandSearchCV(
          new SGDClassifier({ tol: null, randomState: 0 }),
          { alpha: loguniform(1e-6, 1e-1), loss: ['hinge', 'log_loss', 'modified_huber'] },
          { maxIter, randomState: 0 },
        );
        const prof = new Profiler();
        const res = new ResourceProfiler({ interval: 50 });
        const t0 = performance.now();
        await diagnose([prof, res], () => search.fit(X, y, { ...run, callbacks: [held.callbacks] }));
        const t1 = performance.now();
        const summary = summarize([prof, res]);
        if (typeof ctx.options['report'] === 'string')
          await writeReport([prof, res], ctx.options['report'], { title: `HyperbandSearchCV, ${rows} rows`, overwrite: true });

        // The best candidate alone: the same split, block order and 27 calls, one model.
        const alone = new IncrementalSearchCV(
          new SGDClassifier({ tol: null, randomState: 0 }),
          Object.fromEntries(Object.entries(search.bestParams_).map(([k, v]) => [k, [v]])),
          { nInitialParameters: 'grid', maxIter, fitsPerScore: maxIter - 1, randomState: 0 },
        );
        const t2 = performance.now();
        await alone.fit(X, y, run);
        const t3 = performance.now();

        const s = { search: (t1 - t0) / 1000, bestAlone: (t3 - t2) / 1000, total: (t3 - t0) / 1000 };
        searches.push(s.search);
        const busy = summary.perWorker.map((w) => Number(w.busyFraction.toFixed(3)));
        ctx.log(
          `search-hyperband: ${search.metadata_.nModels} models, ${search.metadata_.partialFitCalls} partialFit calls in ${s.search.toFixed(1)} s ` +
            `(${(s.search / s.bestAlone).toFixed(1)}× the best alone, ${s.bestAlone.toFixed(1)} s); busy ${busy.join(' / ')}; ` +
            `best ${JSON.stringify(search.bestParams_)} held-out accuracy ${search.bestScore_.toFixed(4)}; ` +
            `blocks held at once ${(held.peak / 1e6).toFixed(0)} MB, peak RSS ${peakRssMB().toFixed(0)} MB`,
        );
        records.push({
          workload: 'search-hyperband',
          engine: 'tessera',
          params: { rows, cols: X.shape[1], chunkRows: X.chunks[0]![0], maxIter, aggressiveness: 3 },
          seconds: s,
          peakRssMB: peakRssMB(),
          peakHeldMB: held.peak / 1e6,
          threads: scheduler.workers,
          nModels: search.metadata_.nModels,
          partialFitCalls: search.metadata_.partialFitCalls,
          searchOverBestAlone: s.search / s.bestAlone,
          busyFraction: busy,
          meanParallelism: summary.meanParallelism,
          accuracy: search.bestScore_,
          bestAloneAccuracy: alone.bestScore_,
          bestParams: search.bestParams_,
        });
      }
    } finally {
      await scheduler.close();
    }
    ctx.log(`search-hyperband: median search ${median(searches).toFixed(2)} s`);
    return records;
  },
};

/**
 * The most bytes the scheduler held at once over all the search's runs in progress (Hyperband's
 * brackets run concurrently): what the memory budget bounds, to set beside the peak RSS.
 */
function heldBytesMeter(): { callbacks: SchedulerCallbacks; readonly peak: number } {
  const live = new Map<number, RunInfo>();
  let peak = 0;
  const sample = (extra: number) => {
    let sum = extra;
    for (const r of live.values()) sum += r.heldBytes();
    if (sum > peak) peak = sum;
  };
  return {
    callbacks: {
      onRunStart: (r) => void live.set(r.id, r),
      onTaskEnd: () => sample(0),
      // Just after a release: a moment earlier the run held those bytes too.
      onRelease: (e) => sample(live.has(e.runId) ? e.bytes : 0),
      onRunEnd: (r) => void live.delete(r.id),
    },
    get peak() {
      return peak;
    },
  };
}
