/**
 * Workload `glm`: the GLMs fitted in parallel (issue 19), two parts.
 *
 * 1. **Out of core, 1 vs 2 threads.** The reference dataset (`--rows-full` rows × 20, default 10M,
 *    generated once and cached as the pipeline workload's) read lazily; `LogisticRegression` (L-BFGS,
 *    one parallel pass per evaluation) and `Ridge` (one pass of cross-products) on a ThreadScheduler of
 *    1 thread and of 2, alternating; both thread counts must give identical coefficients (the
 *    blocks' sums are merged in a fixed tree). Reported: fit seconds, iterations, passes over the
 *    data, the speedup (1-thread median / 2-thread median).
 * 2. **In memory vs scikit-learn.** `--rows-mem` rows × 20 (default 1M) of a logistic problem:
 *    Tessera in memory (this thread; and on 2 threads over the rows in shared memory, `fit(X, y,
 *    { scheduler })`) and lazily from .npy blocks (2 threads) vs scikit-learn's
 *    `LogisticRegression(solver='lbfgs')` and `Ridge` (bench/python/glm_sklearn.py) with numpy's
 *    BLAS on every core (its default) and on one. Coefficients are compared (reported as the
 *    largest relative difference; at the default tol both stop near, not at, the optimum).
 *
 * Options: --rows-full N (10000000) --rows-mem N (1000000) --tol T (1e-4) --max-iter N (100)
 * --C C (1) --alpha A (1) --solver lbfgs|newton-cholesky (lbfgs; LogisticRegression's, Tessera only:
 * scikit-learn runs lbfgs) --chunk-rows N (500000) --no-full --no-mem --no-python --no-ridge.
 * Run tiny (e.g. --rows-full 20000 --rows-mem 20000 --runs 1) to check it works.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DenseArray, fromArray, fromNpyDir, toNpy, toNpyDir } from '@tessera/array';
import { LogisticRegression, Ridge } from '@tessera/estimators';
import { Random } from '@tessera/estimators/internal';
import { ThreadScheduler } from '@tessera/scheduler';
import { median, peakRssMB, type BenchContext, type BenchRecord, type Workload } from '../harness.js';
import { linearProblem, maxRelDiff } from './data.js';
import { pipelineDataset } from './pipeline.js';

interface Options {
  rowsFull: number;
  rowsMem: number;
  tol: number;
  maxIter: number;
  C: number;
  alpha: number;
  chunkRows: number;
  ridge: boolean;
  solver: 'lbfgs' | 'newton-cholesky';
}

function optionsOf(ctx: BenchContext): Options {
  const num = (name: string, dflt: number): number => {
    const v = ctx.options[name];
    const x = typeof v === 'string' ? Number(v) : dflt;
    if (!Number.isFinite(x) || x < 0) throw new RangeError(`glm: --${name} must be a non-negative number. Got ${String(v)}.`);
    return x;
  };
  return {
    rowsFull: num('rows-full', 10_000_000),
    rowsMem: num('rows-mem', 1_000_000),
    tol: num('tol', 1e-4),
    maxIter: num('max-iter', 100),
    C: num('C', 1),
    alpha: num('alpha', 1),
    chunkRows: num('chunk-rows', 500_000),
    ridge: ctx.options['no-ridge'] !== true,
    solver: ctx.options['solver'] === 'newton-cholesky' ? 'newton-cholesky' : 'lbfgs',
  };
}

type Model = 'LogisticRegression' | 'Ridge';

/** Coefficients and intercepts of a fitted model, flattened. */
function paramsOf(est: LogisticRegression | Ridge): number[] {
  const b = est.intercept_;
  return [...est.coef_.data, ...(typeof b === 'number' ? [b] : b.data)];
}

/** Part 1: the reference dataset lazily, on 1 and on 2 threads. */
async function outOfCore(ctx: BenchContext, o: Options): Promise<BenchRecord[]> {
  const dir = await pipelineDataset(ctx, o.rowsFull);
  const { X, y } = await fromNpyDir(dir);
  if (!y) throw new Error(`glm: ${dir} has no y chunks`);
  const blocks = X.numBlocks[0]!;
  const records: BenchRecord[] = [];
  const schedulers = { '1': new ThreadScheduler({ threads: 1 }), '2': new ThreadScheduler({ threads: 2 }) };
  const models: Model[] = o.ridge ? ['LogisticRegression', 'Ridge'] : ['LogisticRegression'];
  try {
    for (const model of models) {
      const params = {
        part: 'out-of-core',
        model,
        rows: X.shape[0]!,
        cols: X.shape[1]!,
        blocks,
        tol: o.tol,
        maxIter: o.maxIter,
        C: o.C,
        alpha: o.alpha,
        solver: o.solver,
      };
      const times: Record<'1' | '2', number[]> = { '1': [], '2': [] };
      const mine: BenchRecord[] = [];
      let reference: number[] | null = null;
      for (let r = 0; r < ctx.runs; r++) {
        for (const threads of ['1', '2'] as const) {
          const est =
            model === 'Ridge'
              ? new Ridge({ alpha: o.alpha })
              : new LogisticRegression({ C: o.C, tol: o.tol, maxIter: o.maxIter, solver: o.solver });
          let blockTasks = 0;
          const t0 = performance.now();
          await est.fit(X, y, {
            scheduler: schedulers[threads],
            // One glm.lossGrad / lossGradHess / cross / qr task per block and pass (the merges are not counted).
            callbacks: [{ onTaskEnd: (e) => void (/^glm\.(lossGrad|lossGradHess|cross|qr)$/.test(e.kernel) && blockTasks++) }],
          });
          const s = (performance.now() - t0) / 1000;
          times[threads].push(s);
          const coef = paramsOf(est);
          if (reference === null) reference = coef;
          else if (maxRelDiff(coef, reference) !== 0)
            throw new Error(`glm: ${model} on ${threads} thread(s) gave other coefficients than the first run`);
          const passes = blockTasks / blocks;
          const nIter = est instanceof LogisticRegression ? est.nIter_ : null;
          mine.push({
            workload: 'glm',
            engine: 'tessera',
            variant: `${model}, lazy, ${threads} thread${threads === '1' ? '' : 's'}`,
            params,
            seconds: { fit: s, total: s },
            peakRssMB: peakRssMB(),
            threads: Number(threads),
            nIter,
            passes,
          });
          ctx.log(
            `glm ${model} ${params.rows}×${params.cols}, ${threads} thread(s): fit ${s.toFixed(2)} s${nIter === null ? '' : `, ${nIter} iterations`}, ${passes} passes`,
          );
        }
      }
      const t1 = median(times['1']);
      const t2 = median(times['2']);
      ctx.log(
        `glm ${model} out-of-core: median fit 1 thread ${t1.toFixed(2)} s, 2 threads ${t2.toFixed(2)} s: speedup ${(t1 / t2).toFixed(2)}×`,
      );
      for (const rec of mine) rec['speedup1to2'] = t1 / t2;
      records.push(...mine);
    }
  } finally {
    await schedulers['1'].close();
    await schedulers['2'].close();
  }
  return records;
}

/** Part 2: rows in memory, Tessera (in memory; lazy from .npy on 2 threads) vs scikit-learn. */
async function inMemory(ctx: BenchContext, o: Options): Promise<BenchRecord[]> {
  const cols = 20;
  const t0 = performance.now();
  const { X, y } = linearProblem(o.rowsMem, cols, new Random(20261207));
  const dir = join(ctx.tmpDir, `glm-${o.rowsMem}x${cols}`);
  if (!existsSync(join(dir, 'done'))) {
    mkdirSync(dir, { recursive: true });
    const opts = { overwrite: true, scheduler: 'sync' as const };
    await toNpy(join(dir, 'X.npy'), fromArray(X), opts);
    await toNpy(join(dir, 'y.npy'), fromArray(y), opts);
    const chunks = Math.max(1, o.chunkRows);
    await toNpyDir(join(dir, 'blocks'), { X: fromArray(X, { chunks: [chunks, -1] }), y: fromArray(y, { chunks: [chunks] }) }, opts);
    writeFileSync(join(dir, 'done'), '');
  }
  ctx.log(`glm: ${o.rowsMem} × ${cols} in memory ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (${dir})`);
  const { X: lazyX, y: lazyY } = await fromNpyDir(join(dir, 'blocks'));
  const records: BenchRecord[] = [];
  const steps: Record<string, number[]> = {};
  const two = new ThreadScheduler({ threads: 2 });
  const warm = Math.min(o.rowsMem, 5000);
  const models: Model[] = o.ridge ? ['LogisticRegression', 'Ridge'] : ['LogisticRegression'];
  try {
    for (const model of models) {
      const make = () =>
        model === 'Ridge'
          ? new Ridge({ alpha: o.alpha })
          : new LogisticRegression({ C: o.C, tol: o.tol, maxIter: o.maxIter, solver: o.solver });
      make().fit(new DenseArray(X.data.subarray(0, warm * cols), [warm, cols]), y.data.subarray(0, warm)); // JIT warm-up
      const params = {
        part: 'in-memory',
        model,
        rows: o.rowsMem,
        cols,
        tol: o.tol,
        maxIter: o.maxIter,
        C: o.C,
        alpha: o.alpha,
        solver: o.solver,
      };
      for (let r = 0; r < ctx.runs; r++) {
        const a = performance.now();
        const mem = make().fit(X, y);
        const sMem = (performance.now() - a) / 1000;
        const c = performance.now();
        const shared = await make().fit(X, y, { scheduler: two });
        const sShared = (performance.now() - c) / 1000;
        const b = performance.now();
        const lazy = await make().fit(lazyX, lazyY!, { scheduler: two });
        const sLazy = (performance.now() - b) / 1000;
        const diffLazy = Math.max(maxRelDiff(paramsOf(lazy), paramsOf(mem)), maxRelDiff(paramsOf(shared), paramsOf(mem)));
        for (const [variant, s, est, threads] of [
          ['in memory, 1 thread', sMem, mem, 1],
          ['in memory, 2 threads', sShared, shared, 2],
          ['lazy from .npy, 2 threads', sLazy, lazy, 2],
        ] as const) {
          (steps[`${model}: tessera (${variant})`] ??= []).push(s);
          const nIter = est instanceof LogisticRegression ? est.nIter_ : null;
          records.push({
            workload: 'glm',
            engine: 'tessera',
            variant: `${model}, ${variant}`,
            params,
            seconds: { fit: s, total: s },
            peakRssMB: peakRssMB(),
            threads,
            nIter,
            maxRelDiffLazyVsMemory: diffLazy,
          });
          ctx.log(`glm ${model} tessera (${variant}): fit ${(s * 1e3).toFixed(0)} ms${nIter === null ? '' : `, ${nIter} iterations`}`);
        }
        if (ctx.options['no-python'] === true) continue;
        for (const threads of ['default', '1']) {
          const c = model === 'Ridge' ? o.alpha : o.C;
          const py = await ctx.runPython('glm_sklearn.py', [
            dir,
            model === 'Ridge' ? 'ridge' : 'logistic',
            String(o.tol),
            String(o.maxIter),
            String(c),
            threads,
          ]);
          if ('skipped' in py) {
            ctx.log(`glm scikit-learn: skipped — ${py.skipped}`);
            continue;
          }
          for (const rec of py) {
            const theirs = [...(rec['coef'] as number[]), ...(rec['intercept'] as number[])];
            const diff = maxRelDiff(paramsOf(mem), theirs);
            rec['maxRelDiffVsTessera'] = diff;
            delete rec['coef'];
            delete rec['intercept'];
            const variant = `${rec.threads} thread${rec.threads === 1 ? '' : 's'}`;
            (steps[`${model}: scikit-learn (${variant})`] ??= []).push(rec.seconds['total']!);
            records.push({ ...rec, variant: `${model}, ${variant}`, params });
            ctx.log(
              `glm ${model} scikit-learn (${variant}): fit ${(rec.seconds['total']! * 1e3).toFixed(0)} ms, ${String(rec['nIter'])} iterations; coefficients differ from Tessera's by ${diff.toExponential(2)} (relative)`,
            );
          }
        }
      }
    }
  } finally {
    await two.close();
  }
  const medians = Object.fromEntries(Object.entries(steps).map(([key, v]) => [key, median(v)]));
  for (const [t, ts] of Object.entries(medians)) {
    if (!t.includes('tessera')) continue;
    const model = t.split(':')[0]!;
    for (const [s, sk] of Object.entries(medians)) {
      if (!s.startsWith(`${model}: scikit-learn`)) continue;
      ctx.log(
        `glm in memory, median fit — ${t} ${(ts * 1e3).toFixed(0)} ms vs ${s.slice(model.length + 2)} ${(sk * 1e3).toFixed(0)} ms: ratio ${(ts / sk).toFixed(3)}`,
      );
    }
  }
  for (const rec of records) rec['medians'] = medians;
  return records;
}

export const glm: Workload = {
  name: 'glm',
  description: 'GLMs fitted in parallel: LogisticRegression and Ridge on 10M×20 lazily, 1 vs 2 threads; 1M×20 in memory vs scikit-learn',
  async run(ctx: BenchContext): Promise<BenchRecord[]> {
    const o = optionsOf(ctx);
    const records: BenchRecord[] = [];
    if (ctx.options['no-full'] !== true) records.push(...(await outOfCore(ctx, o)));
    if (ctx.options['no-mem'] !== true) records.push(...(await inMemory(ctx, o)));
    return records;
  },
};
