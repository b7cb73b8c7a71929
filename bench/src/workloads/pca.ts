/**
 * Workload `pca`: PCA fitted in parallel (issue 19), two parts.
 *
 * 1. **Out of core, 1 vs 2 threads, vs dask.** The reference dataset (`--rows-full` rows × 20,
 *    default 10M, generated once by `tessera generate` and cached as the pipeline workload's) read
 *    lazily; `PCA({ nComponents, svdSolver: 'tsqr' })` (two passes: the TSQR with the centring
 *    fused, then the signs) on a ThreadScheduler of 1 thread and of 2, alternating — the two must
 *    give identical components — and `dask.array.linalg.svd` (tsqr) of X − mean over the same
 *    files read with dask (bench/python/pca_sklearn.py, dask's threads on every core); singular
 *    values must agree to 1e-9. Reported: fit seconds, the speedup (1-thread median / 2-thread
 *    median) and the ratio to dask (Tessera 2 threads / dask).
 * 2. **In memory vs scikit-learn.** `--rows-mem` rows × 20 (default 1M) with a decaying spectrum;
 *    Tessera's in-memory fit (this thread; 'tsqr') and the lazy fit of the same rows from .npy
 *    blocks (2 threads), against scikit-learn's `PCA(n_components)` with `svd_solver='full'`
 *    (LAPACK) and `'auto'` (randomized at this shape). scikit-learn's LAPACK/BLAS may use every
 *    core: it is measured with its default threads and limited to one. Tessera's components must
 *    equal scikit-learn's full solver's to 1e-9.
 *
 * Options: --rows-full N (10000000) --rows-mem N (1000000) --components K (5) --chunk-rows N
 * (500000, the in-memory part's .npy blocks) --no-full --no-mem --no-python. Run tiny (e.g.
 * --rows-full 20000 --rows-mem 20000 --chunk-rows 5000 --runs 1) to check it works.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DenseArray, allocate, fromArray, fromNpyDir, toNpy, toNpyDir } from '@tessera/array';
import { PCA } from '@tessera/estimators';
import { Random } from '@tessera/estimators/internal';
import { ThreadScheduler } from '@tessera/scheduler';
import { median, peakRssMB, type BenchContext, type BenchRecord, type Workload } from '../harness.js';
import { gaussian, maxRelDiff } from './data.js';
import { pipelineDataset } from './pipeline.js';

interface Options {
  rowsFull: number;
  rowsMem: number;
  k: number;
  chunkRows: number;
}

function optionsOf(ctx: BenchContext): Options {
  const num = (name: string, dflt: number): number => {
    const v = ctx.options[name];
    const x = typeof v === 'string' ? Number(v) : dflt;
    if (!Number.isInteger(x) || x < 1) throw new RangeError(`pca: --${name} must be a positive integer. Got ${String(v)}.`);
    return x;
  };
  return {
    rowsFull: num('rows-full', 10_000_000),
    rowsMem: num('rows-mem', 1_000_000),
    k: num('components', 5),
    chunkRows: num('chunk-rows', 500_000),
  };
}

/** Largest absolute difference (components are unit vectors: relative to 1). */
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

function logRatios(ctx: BenchContext, part: string, medians: Record<string, number>): void {
  for (const [t, ts] of Object.entries(medians)) {
    if (!t.startsWith('tessera')) continue;
    for (const [s, sk] of Object.entries(medians)) {
      if (s.startsWith('tessera')) continue;
      ctx.log(
        `pca ${part}, median fit — ${t} ${(ts * 1e3).toFixed(0)} ms vs ${s} ${(sk * 1e3).toFixed(0)} ms: ratio ${(ts / sk).toFixed(3)}`,
      );
    }
  }
}

/** Part 1: the reference dataset lazily, on 1 and on 2 threads, and dask's tsqr SVD on the same files. */
async function outOfCore(ctx: BenchContext, o: Options): Promise<BenchRecord[]> {
  const dir = await pipelineDataset(ctx, o.rowsFull);
  const { X } = await fromNpyDir(dir);
  const params = { part: 'out-of-core', rows: X.shape[0]!, cols: X.shape[1]!, nComponents: o.k, blocks: X.numBlocks[0]! };
  const records: BenchRecord[] = [];
  const steps: Record<string, number[]> = {};
  const schedulers = { '1': new ThreadScheduler({ threads: 1 }), '2': new ThreadScheduler({ threads: 2 }) };
  let reference: PCA | null = null;
  try {
    for (let r = 0; r < ctx.runs; r++) {
      for (const threads of ['1', '2'] as const) {
        const pca = new PCA({ nComponents: o.k, svdSolver: 'tsqr' });
        const t0 = performance.now();
        await pca.fit(X, { scheduler: schedulers[threads] });
        const s = (performance.now() - t0) / 1000;
        if (reference === null) reference = pca;
        else if (maxRelDiff(pca.components_.data, reference.components_.data) !== 0)
          throw new Error(`pca: ${threads} thread(s) gave other components than the first run`);
        const variant = `lazy, ${threads} thread${threads === '1' ? '' : 's'}`;
        (steps[`tessera (${variant})`] ??= []).push(s);
        records.push({
          workload: 'pca',
          engine: 'tessera',
          variant,
          params,
          seconds: { fit: s, total: s },
          peakRssMB: peakRssMB(),
          threads: Number(threads),
          singularValues: Array.from(pca.singularValues_.data),
        });
        ctx.log(`pca ${params.rows}×${params.cols}, ${threads} thread(s): fit ${s.toFixed(2)} s`);
      }
      if (ctx.options['no-python'] === true) continue;
      const py = await ctx.runPython('pca_sklearn.py', ['dask', dir, String(o.k)]);
      if ('skipped' in py) {
        ctx.log(`pca dask: skipped — ${py.skipped}`);
        continue;
      }
      for (const rec of py) {
        const diff = maxRelDiff(reference!.singularValues_.data, rec['singularValues'] as number[]);
        if (diff > 1e-9) throw new Error(`pca: Tessera's singular values differ from dask's by ${diff.toExponential(2)} (relative)`);
        rec['maxRelDiffVsTessera'] = diff;
        (steps['dask (tsqr, every core)'] ??= []).push(rec.seconds['total']!);
        records.push({ ...rec, params });
        ctx.log(`pca dask tsqr: fit ${rec.seconds['total']!.toFixed(2)} s; singular values agree to ${diff.toExponential(2)}`);
      }
    }
  } finally {
    await schedulers['1'].close();
    await schedulers['2'].close();
  }
  const medians = Object.fromEntries(Object.entries(steps).map(([key, v]) => [key, median(v)]));
  const t1 = medians['tessera (lazy, 1 thread)']!;
  const t2 = medians['tessera (lazy, 2 threads)']!;
  ctx.log(`pca out-of-core: median fit 1 thread ${t1.toFixed(2)} s, 2 threads ${t2.toFixed(2)} s: speedup ${(t1 / t2).toFixed(2)}×`);
  logRatios(ctx, 'out-of-core', medians);
  for (const rec of records) {
    rec['speedup1to2'] = t1 / t2;
    rec['medians'] = medians;
  }
  return records;
}

/** rows × cols with column scales 10·0.7^j in a random orthonormal-ish basis (a decaying spectrum), plus an offset. */
function spectrumData(rows: number, cols: number): DenseArray<'float64'> {
  const rng = new Random(20261207);
  const mix = Array.from({ length: cols * cols }, () => gaussian(rng) / Math.sqrt(cols));
  const scale = Array.from({ length: cols }, (_, j) => 10 * 0.7 ** j);
  const offset = Array.from({ length: cols }, () => 5 * gaussian(rng));
  const X = allocate('float64', rows * cols);
  const z = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) z[j] = scale[j]! * gaussian(rng);
    for (let c = 0; c < cols; c++) {
      let acc = offset[c]!;
      for (let j = 0; j < cols; j++) acc += z[j]! * mix[j * cols + c]!;
      X[i * cols + c] = acc;
    }
  }
  return new DenseArray(X, [rows, cols]);
}

/** Part 2: rows in memory, Tessera (in memory; lazy from .npy on 2 threads) vs scikit-learn. */
async function inMemory(ctx: BenchContext, o: Options): Promise<BenchRecord[]> {
  const cols = 20;
  const t0 = performance.now();
  const X = spectrumData(o.rowsMem, cols);
  const dir = join(ctx.tmpDir, `pca-${o.rowsMem}x${cols}-c${o.chunkRows}`);
  if (!existsSync(join(dir, 'done'))) {
    mkdirSync(dir, { recursive: true });
    const opts = { overwrite: true, scheduler: 'sync' as const };
    await toNpy(join(dir, 'X.npy'), fromArray(X), opts);
    await toNpyDir(join(dir, 'blocks'), { X: fromArray(X, { chunks: [o.chunkRows, -1] }) }, opts);
    writeFileSync(join(dir, 'done'), '');
  }
  ctx.log(`pca: ${o.rowsMem} × ${cols} in memory ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (${dir})`);
  const params = { part: 'in-memory', rows: o.rowsMem, cols, nComponents: o.k };
  const records: BenchRecord[] = [];
  const steps: Record<string, number[]> = {};
  const warm = new DenseArray(X.data.subarray(0, Math.min(o.rowsMem, 5000) * cols), [Math.min(o.rowsMem, 5000), cols]);
  new PCA({ nComponents: o.k, svdSolver: 'tsqr' }).fit(warm); // JIT warm-up
  const { X: lazyX } = await fromNpyDir(join(dir, 'blocks'));
  const two = new ThreadScheduler({ threads: 2 });
  try {
    for (let r = 0; r < ctx.runs; r++) {
      const a = performance.now();
      const mem = new PCA({ nComponents: o.k, svdSolver: 'tsqr' }).fit(X);
      const sMem = (performance.now() - a) / 1000;
      const b = performance.now();
      const lazy = await new PCA({ nComponents: o.k, svdSolver: 'tsqr' }).fit(lazyX, { scheduler: two });
      const sLazy = (performance.now() - b) / 1000;
      const diffLazy = maxAbsDiff(lazy.components_.data, mem.components_.data);
      if (diffLazy > 1e-9)
        throw new Error(`pca: the lazy fit's components differ from the in-memory fit's by ${diffLazy.toExponential(2)}`);
      for (const [variant, s, threads] of [
        ['in memory, 1 thread', sMem, 1],
        ['lazy from .npy, 2 threads', sLazy, 2],
      ] as const) {
        (steps[`tessera (${variant})`] ??= []).push(s);
        records.push({
          workload: 'pca',
          engine: 'tessera',
          variant,
          params,
          seconds: { fit: s, total: s },
          peakRssMB: peakRssMB(),
          threads,
        });
        ctx.log(`pca tessera (${variant}): fit ${(s * 1e3).toFixed(0)} ms`);
      }
      if (ctx.options['no-python'] === true) continue;
      for (const threads of ['default', '1']) {
        const py = await ctx.runPython('pca_sklearn.py', ['sklearn', dir, String(o.k), threads]);
        if ('skipped' in py) {
          ctx.log(`pca scikit-learn: skipped — ${py.skipped}`);
          continue;
        }
        for (const rec of py) {
          const solver = String(rec['solver']);
          const diff = maxRelDiff(mem.singularValues_.data, rec['singularValues'] as number[]);
          const compDiff = maxAbsDiff(mem.components_.data, rec['components'] as number[]);
          // The full solver is the exact answer Tessera must give; the randomized one is checked loosely.
          if (solver === 'full' && (diff > 1e-9 || compDiff > 1e-9))
            throw new Error(
              `pca: Tessera differs from scikit-learn's full PCA: singular values ${diff.toExponential(2)}, components ${compDiff.toExponential(2)}`,
            );
          rec['maxRelDiffVsTessera'] = diff;
          rec['maxAbsComponentDiffVsTessera'] = compDiff;
          delete rec['components'];
          const variant = `${solver}, ${threads === 'default' ? 'default BLAS threads' : '1 thread'}`;
          (steps[`scikit-learn (${variant})`] ??= []).push(rec.seconds['total']!);
          records.push({ ...rec, variant, params });
          ctx.log(
            `pca scikit-learn (${variant}): fit ${(rec.seconds['total']! * 1e3).toFixed(0)} ms; singular values agree to ${diff.toExponential(2)}`,
          );
        }
      }
    }
  } finally {
    await two.close();
  }
  const medians = Object.fromEntries(Object.entries(steps).map(([key, v]) => [key, median(v)]));
  logRatios(ctx, 'in memory', medians);
  for (const rec of records) rec['medians'] = medians;
  return records;
}

export const pca: Workload = {
  name: 'pca',
  description:
    'PCA fitted in parallel (TSQR): 10M×20 lazily on 1 vs 2 threads vs dask.array.linalg.svd; 1M×20 in memory vs scikit-learn PCA',
  async run(ctx: BenchContext): Promise<BenchRecord[]> {
    const o = optionsOf(ctx);
    const records: BenchRecord[] = [];
    if (ctx.options['no-full'] !== true) records.push(...(await outOfCore(ctx, o)));
    if (ctx.options['no-mem'] !== true) records.push(...(await inMemory(ctx, o)));
    return records;
  },
};
