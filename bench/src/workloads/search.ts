/**
 * Workload `search` (issue 17 §4): model selection. Parts (`--parts grid,hyperband`, default `grid`):
 *
 * - `grid`: `GridSearchCV` over a `StandardScaler → SGDClassifier` pipeline — a 3 × 4 grid
 *   (`sgd__loss` × `sgd__alpha`), 3-fold CV, refit — on an in-memory 1M × 20 problem: Tessera with
 *   1 worker thread and with 2 (`nJobs`), against scikit-learn's `GridSearchCV(n_jobs=2)`
 *   (bench/python/search_sklearn.py) on the same rows. SGD runs `shuffle: false`, `maxIter: 5`,
 *   `tol: null` on both sides, so the work is fixed and both compute the same thing: the workload
 *   reports how many candidates' `meanTestScore` equal scikit-learn's `mean_test_score` and the
 *   largest difference, the medians, Tessera 2 threads / 1 thread, and Tessera / scikit-learn.
 *   Targets: 2 threads ≥ 1.8× 1 thread, ≤ 0.5× scikit-learn's time.
 * - `hyperband`: the adaptive search's part, `search-hyperband` (bench/src/workloads/search_hyperband.ts,
 *   written with the adaptive searches), run with the same options when asked for.
 *
 * The problem is generated deterministically (data.ts's linear problem, our seeded generator) and
 * written once as X.npy / y.npy under the harness's cache directory for the Python side.
 *
 * Options: --rows N (1000000) --cols C (20) --folds K (3) --parts grid[,hyperband] --no-python.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fromArray } from '@tessera/array';
import { ThreadScheduler } from '@tessera/scheduler';
import { GridSearchCV, Pipeline, SGDClassifier, StandardScaler } from '@tessera/estimators';
import { Random } from '@tessera/estimators/internal';
import { median, peakRssMB, type BenchContext, type BenchRecord, type Workload } from '../harness.js';
import { linearProblem, maxRelDiff } from './data.js';

/** The grid both engines search: 3 losses × 4 alphas (scikit-learn's names in search_sklearn.py). */
export const SEARCH_GRID = { sgd__loss: ['hinge', 'log_loss', 'modified_huber'], sgd__alpha: [1e-4, 1e-3, 1e-2, 1e-1] } as const;
/** SGD's fixed amount of work: 5 epochs in row order. */
const SGD_OPTIONS = { shuffle: false, maxIter: 5, tol: null, randomState: 0 } as const;

const PARTS = ['grid', 'hyperband'] as const;
type Part = (typeof PARTS)[number];

async function gridPart(ctx: BenchContext): Promise<BenchRecord[]> {
  const rows = Number(ctx.options['rows'] ?? 1_000_000);
  const cols = Number(ctx.options['cols'] ?? 20);
  const folds = Number(ctx.options['folds'] ?? 3);
  const t0 = performance.now();
  const { X, y } = linearProblem(rows, cols, new Random(20241207));
  const dir = join(ctx.tmpDir, `search-${rows}x${cols}`);
  if (!existsSync(join(dir, 'y.npy'))) {
    mkdirSync(dir, { recursive: true });
    await fromArray(X).toNpy(join(dir, 'X.npy'), { overwrite: true });
    await fromArray(y).toNpy(join(dir, 'y.npy'), { overwrite: true });
  }
  ctx.log(`search: ${rows} × ${cols} problem ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (${dir})`);
  const params = { rows, cols, folds, grid: '3x4', pipeline: 'StandardScaler -> SGDClassifier', sgd: 'shuffle false, maxIter 5, tol null' };
  const search = (nJobs: number) =>
    new GridSearchCV(
      new Pipeline([
        ['scaler', new StandardScaler()],
        ['sgd', new SGDClassifier(SGD_OPTIONS)],
      ]),
      SEARCH_GRID,
      { cv: folds, scoring: 'accuracy', nJobs },
    );
  const pools = new Map([1, 2].map((t) => [t, new ThreadScheduler({ threads: t })] as const));
  const records: BenchRecord[] = [];
  const totals = new Map<string, number[]>();
  let tesseraMeans: Float64Array | undefined;
  try {
    for (const pool of pools.values()) await pool.ready();
    // Warm-up (JIT, the workers' first imports): a small search on each pool, untimed.
    const small = linearProblem(3000, cols, new Random(1));
    for (const [threads, pool] of pools) await search(threads).fit(small.X, small.y, { scheduler: pool });
    const python = ctx.options['no-python'] === true ? null : ctx;
    for (let r = 0; r < ctx.runs; r++) {
      for (const [threads, pool] of pools) {
        const s = search(threads);
        const a = performance.now();
        await s.fit(X, y, { scheduler: pool });
        const total = (performance.now() - a) / 1000;
        const seconds = { search: total - s.refitTime_, refit: s.refitTime_, total };
        totals.set(`tessera ${threads}`, [...(totals.get(`tessera ${threads}`) ?? []), total]);
        tesseraMeans ??= s.cvResults_.meanTestScore;
        records.push({
          workload: 'search',
          engine: 'tessera',
          variant: `${threads} thread${threads > 1 ? 's' : ''}`,
          params,
          seconds,
          peakRssMB: peakRssMB(),
          threads,
          bestParams: s.bestParams_,
          bestScore: s.bestScore_,
          meanTestScore: Array.from(s.cvResults_.meanTestScore),
        });
        ctx.log(`search: tessera ${threads} thread(s) run ${r + 1}: ${total.toFixed(2)} s (refit ${s.refitTime_.toFixed(2)} s)`);
      }
      if (python !== null) {
        const out = await python.runPython('search_sklearn.py', [dir, String(folds)]);
        if ('skipped' in out) {
          ctx.log(`search: scikit-learn skipped — ${out.skipped}`);
          records.push({ workload: 'search', engine: 'scikit-learn', params, seconds: {}, skipped: out.skipped });
        } else {
          for (const rec of out) {
            const means = rec['meanTestScore'] as number[];
            const diff = tesseraMeans === undefined ? Number.NaN : maxRelDiff(tesseraMeans, means);
            const equal = tesseraMeans === undefined ? 0 : means.filter((v, i) => v === tesseraMeans![i]).length;
            totals.set('scikit-learn', [...(totals.get('scikit-learn') ?? []), rec.seconds['total']!]);
            records.push({ ...rec, params, meanTestScoreMaxRelDiff: diff, candidatesEqual: equal });
            ctx.log(
              `search: scikit-learn n_jobs=2 run ${r + 1}: ${rec.seconds['total']!.toFixed(2)} s; mean test scores: ${equal} of ${means.length} ` +
                `candidates equal to Tessera's, largest relative difference ${diff.toExponential(2)}`,
            );
          }
        }
      }
    }
  } finally {
    for (const pool of pools.values()) await pool.close();
  }
  const m = (k: string) => median(totals.get(k) ?? []);
  const t1 = m('tessera 1');
  const t2 = m('tessera 2');
  const sk = m('scikit-learn');
  // Medians and ratios as one record of their own (its own params group in the harness's table).
  const summary: BenchRecord = {
    workload: 'search',
    engine: 'tessera',
    variant: 'medians',
    params: { ...params, summary: 'medians of the runs above' },
    seconds: { '1 thread': t1, '2 threads': t2, 'scikit-learn n_jobs=2': sk, total: t2 },
    speedup2v1: t1 / t2,
    tessera2OverSklearn: t2 / sk,
    targets: { speedup2v1: '>= 1.8', tessera2OverSklearn: '<= 0.5' },
  };
  ctx.log(
    `search: medians — tessera 1 thread ${t1.toFixed(2)} s, 2 threads ${t2.toFixed(2)} s (×${(t1 / t2).toFixed(2)}), ` +
      `scikit-learn n_jobs=2 ${sk.toFixed(2)} s (tessera 2 threads / scikit-learn ${(t2 / sk).toFixed(3)})`,
  );
  return [...records, summary];
}

export const search: Workload = {
  name: 'search',
  description:
    'GridSearchCV 3×4 over StandardScaler → SGDClassifier, 3-fold, 1M×20 in memory: Tessera 1 vs 2 threads vs scikit-learn n_jobs=2',
  async run(ctx: BenchContext): Promise<BenchRecord[]> {
    const parts = String(ctx.options['parts'] ?? 'grid')
      .split(',')
      .map((p) => p.trim()) as Part[];
    for (const p of parts)
      if (!PARTS.includes(p)) throw new Error(`search: --parts takes ${PARTS.join(', ')} (comma-separated); got '${p}'.`);
    const records: BenchRecord[] = [];
    if (parts.includes('grid')) records.push(...(await gridPart(ctx)));
    if (parts.includes('hyperband')) {
      // The adaptive searches' part lives with them (search_hyperband.ts); loaded only when asked for.
      const mod = (await import(new URL('./search_hyperband.js', import.meta.url).href)) as { searchHyperband: Workload };
      records.push(...(await mod.searchHyperband.run(ctx)));
    }
    return records;
  },
};
