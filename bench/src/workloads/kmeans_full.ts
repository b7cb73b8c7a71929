/**
 * Workload `kmeans-full`: KMeans fitted in parallel (issue 19), two parts.
 *
 * 1. **Out of core, 1 vs 2 threads.** The reference dataset (`--rows-full` rows × 20, default 10M,
 *    generated once by `tessera generate` and cached as the pipeline workload's) read lazily;
 *    `KMeans({ nClusters, randomState: 0 })` (k-means|| then Lloyd, at most `--iters` iterations)
 *    on a ThreadScheduler of 1 thread and of 2, alternating; the two must give identical centers.
 *    Reported: fit seconds, iterations, the speedup (1-thread median / 2-thread median).
 * 2. **In memory vs scikit-learn.** `--rows-mem` rows × 20 (default 1M) of 8 overlapping Gaussian blobs,
 *    clustered from the same given centers (one row of each blob) by Tessera and by scikit-learn's
 *    `KMeans(algorithm='lloyd', n_init=1, init=centers)` (bench/python/kmeans_sklearn.py), so both
 *    run the same iterations; the centers must agree to 1e-9. Tessera: the in-memory fit (this
 *    thread), the same rows as `fromArray(X)` (4 blocks viewing X's shared memory, 2 threads), and
 *    the lazy fit of the rows read from .npy (2 threads). scikit-learn runs its
 *    k-means loops with OpenMP on every core by default; it is also measured on one thread.
 *
 * Options: --rows-full N (10000000) --rows-mem N (1000000) --clusters K (8) --iters N (30)
 * --tol T (1e-4) --chunk-rows N (500000, the in-memory part's .npy blocks) --no-full --no-mem
 * --no-python. Run tiny (e.g. --rows-full 20000 --rows-mem 20000 --runs 1) to check it works.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DenseArray, allocate, fromArray, fromNpyDir, toNpy, toNpyDir } from '@tessera/array';
import { KMeans } from '@tessera/estimators';
import { Random } from '@tessera/estimators/internal';
import { ThreadScheduler } from '@tessera/scheduler';
import { median, peakRssMB, type BenchContext, type BenchRecord, type Workload } from '../harness.js';
import { gaussian, maxRelDiff } from './data.js';
import { pipelineDataset } from './pipeline.js';

interface Options {
  rowsFull: number;
  rowsMem: number;
  k: number;
  iters: number;
  tol: number;
  chunkRows: number;
}

function optionsOf(ctx: BenchContext): Options {
  const num = (name: string, dflt: number): number => {
    const v = ctx.options[name];
    const x = typeof v === 'string' ? Number(v) : dflt;
    if (!Number.isFinite(x) || x < 0) throw new RangeError(`kmeans-full: --${name} must be a non-negative number. Got ${String(v)}.`);
    return x;
  };
  return {
    rowsFull: num('rows-full', 10_000_000),
    rowsMem: num('rows-mem', 1_000_000),
    k: num('clusters', 8),
    iters: num('iters', 30),
    tol: num('tol', 1e-4),
    chunkRows: num('chunk-rows', 500_000),
  };
}

/** Part 1: the reference dataset lazily, on 1 and on 2 threads. */
async function outOfCore(ctx: BenchContext, o: Options): Promise<BenchRecord[]> {
  const dir = await pipelineDataset(ctx, o.rowsFull);
  const { X } = await fromNpyDir(dir);
  const params = {
    part: 'out-of-core',
    rows: X.shape[0]!,
    cols: X.shape[1]!,
    nClusters: o.k,
    init: 'k-means||',
    maxIter: o.iters,
    tol: o.tol,
  };
  const records: BenchRecord[] = [];
  const times: Record<'1' | '2', number[]> = { '1': [], '2': [] };
  const schedulers = { '1': new ThreadScheduler({ threads: 1 }), '2': new ThreadScheduler({ threads: 2 }) };
  let reference: Float64Array | null = null;
  try {
    for (let r = 0; r < ctx.runs; r++) {
      for (const threads of ['1', '2'] as const) {
        const km = new KMeans({ nClusters: o.k, randomState: 0, maxIter: o.iters, tol: o.tol });
        const t0 = performance.now();
        await km.fit(X, { scheduler: schedulers[threads] });
        const s = (performance.now() - t0) / 1000;
        times[threads].push(s);
        const centers = km.clusterCenters_.data;
        if (reference === null) reference = centers.slice();
        else if (maxRelDiff(centers, reference) !== 0)
          throw new Error(`kmeans-full: ${threads} thread(s) gave other centers than the first run`);
        records.push({
          workload: 'kmeans-full',
          engine: 'tessera',
          variant: `lazy, ${threads} thread${threads === '1' ? '' : 's'}`,
          params,
          seconds: { fit: s, total: s },
          peakRssMB: peakRssMB(),
          threads: Number(threads),
          nIter: km.nIter_,
          inertia: km.inertia_,
        });
        ctx.log(
          `kmeans-full ${params.rows}×${params.cols}, ${threads} thread(s): fit ${s.toFixed(2)} s, ${km.nIter_} iterations, inertia ${km.inertia_.toExponential(6)}`,
        );
      }
    }
  } finally {
    await schedulers['1'].close();
    await schedulers['2'].close();
  }
  const t1 = median(times['1']);
  const t2 = median(times['2']);
  ctx.log(
    `kmeans-full out-of-core: median fit 1 thread ${t1.toFixed(2)} s, 2 threads ${t2.toFixed(2)} s: speedup ${(t1 / t2).toFixed(2)}×`,
  );
  for (const rec of records) rec['speedup1to2'] = t1 / t2;
  return records;
}

/**
 * k blobs with centers uniform in [−1.5, 1.5]^d and unit noise — overlapping, so Lloyd runs tens of
 * iterations (the parallel part) rather than the two of well-separated blobs (which would time
 * the setup) —, rows in random order; init = the first row of each blob.
 */
function blobs(rows: number, cols: number, k: number): { X: DenseArray<'float64'>; init: DenseArray<'float64'> } {
  const rng = new Random(20261207);
  const centers = Array.from({ length: k }, () => Array.from({ length: cols }, () => rng.random() * 3 - 1.5));
  const X = allocate('float64', rows * cols);
  const init = new Float64Array(k * cols);
  const seen = new Set<number>();
  for (let i = 0; i < rows; i++) {
    const c = rng.randint(k);
    for (let j = 0; j < cols; j++) X[i * cols + j] = centers[c]![j]! + gaussian(rng);
    if (!seen.has(c)) {
      seen.add(c);
      init.set(X.subarray(i * cols, (i + 1) * cols), c * cols);
    }
  }
  return { X: new DenseArray(X, [rows, cols]), init: new DenseArray(init, [k, cols]) };
}

/** Part 2: rows in memory, Tessera (in memory on this thread; fromArray and lazy from .npy on 2 threads) vs scikit-learn. */
async function inMemory(ctx: BenchContext, o: Options): Promise<BenchRecord[]> {
  const cols = 20;
  const t0 = performance.now();
  const { X, init } = blobs(o.rowsMem, cols, o.k);
  const dir = join(ctx.tmpDir, `kmeans-full-overlapping-${o.rowsMem}x${cols}-k${o.k}`);
  if (!existsSync(join(dir, 'done'))) {
    mkdirSync(dir, { recursive: true });
    const opts = { overwrite: true, scheduler: 'sync' as const };
    await toNpy(join(dir, 'X.npy'), fromArray(X), opts);
    await toNpy(join(dir, 'init.npy'), fromArray(init), opts);
    await toNpyDir(join(dir, 'blocks'), { X: fromArray(X, { chunks: [Math.max(1, o.chunkRows), -1] }) }, opts);
    writeFileSync(join(dir, 'done'), '');
  }
  ctx.log(
    `kmeans-full: ${o.rowsMem} × ${cols} in memory (${o.k} blobs) ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (${dir})`,
  );
  const params = { part: 'in-memory', rows: o.rowsMem, cols, nClusters: o.k, init: 'given', maxIter: o.iters, tol: o.tol };
  const records: BenchRecord[] = [];
  const steps: Record<string, number[]> = {};
  const fitParams = { nClusters: o.k, init, maxIter: o.iters, tol: o.tol };
  new KMeans(fitParams).fit(new DenseArray(X.data.subarray(0, Math.min(o.rowsMem, 5000) * cols), [Math.min(o.rowsMem, 5000), cols])); // JIT warm-up
  const { X: lazyX } = await fromNpyDir(join(dir, 'blocks'));
  const two = new ThreadScheduler({ threads: 2 });
  try {
    for (let r = 0; r < ctx.runs; r++) {
      const a = performance.now();
      const mem = new KMeans(fitParams).fit(X);
      const sMem = (performance.now() - a) / 1000;
      const b = performance.now();
      const lazy = await new KMeans(fitParams).fit(lazyX, { scheduler: two });
      const sLazy = (performance.now() - b) / 1000;
      // The rows in memory on both threads: fromArray's blocks are views of X (no copy).
      const c = performance.now();
      const shared = await new KMeans(fitParams).fit(fromArray(X, { chunks: [Math.ceil(o.rowsMem / 4), -1] }), { scheduler: two });
      const sShared = (performance.now() - c) / 1000;
      for (const other of [lazy, shared]) {
        const diff = maxRelDiff(other.clusterCenters_.data, mem.clusterCenters_.data);
        if (diff > 1e-9)
          throw new Error(`kmeans-full: a parallel fit's centers differ from the in-memory fit's by ${diff.toExponential(2)}`);
      }
      for (const [variant, s, km, threads] of [
        ['in memory, 1 thread', sMem, mem, 1],
        ['in memory via fromArray, 2 threads', sShared, shared, 2],
        ['lazy from .npy, 2 threads', sLazy, lazy, 2],
      ] as const) {
        (steps[`tessera (${variant})`] ??= []).push(s);
        records.push({
          workload: 'kmeans-full',
          engine: 'tessera',
          variant,
          params,
          seconds: { fit: s, total: s },
          peakRssMB: peakRssMB(),
          threads,
          nIter: km.nIter_,
          inertia: km.inertia_,
        });
        ctx.log(
          `kmeans-full tessera (${variant}): fit ${(s * 1e3).toFixed(0)} ms, ${km.nIter_} iterations, inertia ${km.inertia_.toExponential(6)}`,
        );
      }
      if (ctx.options['no-python'] === true) continue;
      for (const threads of ['default', '1']) {
        const py = await ctx.runPython('kmeans_sklearn.py', [dir, String(o.k), String(o.iters), String(o.tol), threads]);
        if ('skipped' in py) {
          ctx.log(`kmeans-full scikit-learn: skipped — ${py.skipped}`);
          continue;
        }
        for (const rec of py) {
          const diff = maxRelDiff(mem.clusterCenters_.data, rec['centers'] as number[]);
          if (diff > 1e-9)
            throw new Error(`kmeans-full: Tessera's centers differ from scikit-learn's by ${diff.toExponential(2)} (relative)`);
          if (rec['nIter'] !== mem.nIter_)
            throw new Error(`kmeans-full: scikit-learn ran ${String(rec['nIter'])} iterations, Tessera ${mem.nIter_}`);
          rec['maxRelDiffVsTessera'] = diff;
          delete rec['centers'];
          const variant = `${rec.threads} thread${rec.threads === 1 ? '' : 's'}`;
          (steps[`scikit-learn (${variant})`] ??= []).push(rec.seconds['total']!);
          records.push({ ...rec, variant, params });
          ctx.log(
            `kmeans-full scikit-learn (${variant}): fit ${(rec.seconds['total']! * 1e3).toFixed(0)} ms, ${String(rec['nIter'])} iterations; centers agree to ${diff.toExponential(2)}`,
          );
        }
      }
    }
  } finally {
    await two.close();
  }
  const medians = Object.fromEntries(Object.entries(steps).map(([key, v]) => [key, median(v)]));
  for (const [t, ts] of Object.entries(medians)) {
    if (!t.startsWith('tessera')) continue;
    for (const [s, sk] of Object.entries(medians)) {
      if (s.startsWith('tessera')) continue;
      ctx.log(
        `kmeans-full in memory, median fit — ${t} ${(ts * 1e3).toFixed(0)} ms vs ${s} ${(sk * 1e3).toFixed(0)} ms: ratio ${(ts / sk).toFixed(3)}`,
      );
    }
  }
  for (const rec of records) rec['medians'] = medians;
  return records;
}

export const kmeansFull: Workload = {
  name: 'kmeans-full',
  description: 'KMeans fitted in parallel: 10M×20 lazily on 1 vs 2 threads; 1M×20 in memory vs scikit-learn KMeans (same given centers)',
  async run(ctx: BenchContext): Promise<BenchRecord[]> {
    const o = optionsOf(ctx);
    const records: BenchRecord[] = [];
    if (ctx.options['no-full'] !== true) records.push(...(await outOfCore(ctx, o)));
    if (ctx.options['no-mem'] !== true) records.push(...(await inMemory(ctx, o)));
    return records;
  },
};
