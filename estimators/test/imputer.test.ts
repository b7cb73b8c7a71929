/**
 * SimpleImputer: scikit-learn 1.2's statistics and transforms (fixtures from
 * estimators/scripts/make_fixtures_preprocessing.py), the lazy fit and transform equal to the
 * in-memory ones over random shapes and chunkings (sync and thread schedulers), and every error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DenseArray, fromArray } from '@tessera/array';
import { ThreadScheduler, type Scheduler } from '@tessera/scheduler';
import {
  InvalidInputError,
  ParameterRangeError,
  ParameterTypeError,
  SimpleImputer,
  StandardScaler,
  makePipeline,
  type ImputerStrategy,
  type SimpleImputerParams,
} from '@tessera/estimators';
import { Random } from '@tessera/estimators/internal';
import { expectClose, fixture } from './helpers.js';

type Nullable = (number | null)[];
interface ImputerCase {
  params: { strategy: ImputerStrategy; missingValues: number | null; fillValue: number | null; keepEmptyFeatures: boolean };
  X: Nullable[];
  T: Nullable[];
  statistics: Nullable;
  transformed: Nullable[];
}

const nan = (v: number | null): number => (v === null ? Number.NaN : v);
const matrix = (rows: Nullable[]): DenseArray => DenseArray.from(rows.map((r) => r.map(nan)));
const STRATEGIES: ImputerStrategy[] = ['mean', 'median', 'most_frequent', 'constant'];

/** Exact equality with NaN equal to NaN. */
function same(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  expect(
    Array.from(a, (v) => (Number.isNaN(v) ? 'NaN' : v)),
    what,
  ).toEqual(Array.from(b, (v) => (Number.isNaN(v) ? 'NaN' : v)));
}

/** Equal within `rel` (relative, at least 1e-300 absolute), NaN where NaN. */
function close(a: ArrayLike<number>, b: ArrayLike<number>, what: string, rel: number): void {
  expect(a.length, what).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(b[i]!)) expect(a[i], `${what}[${i}]`).toBeNaN();
    else expect(Math.abs(a[i]! - b[i]!), `${what}[${i}]: ${a[i]} vs ${b[i]}`).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(b[i]!)));
  }
}

let threads: ThreadScheduler;
beforeAll(() => {
  threads = new ThreadScheduler({ threads: 2 });
});
afterAll(async () => {
  await threads.close();
});

describe('SimpleImputer against scikit-learn 1.2', () => {
  const { cases } = fixture<{ cases: ImputerCase[] }>('imputer.json');
  for (const c of cases) {
    const p = c.params;
    const name = `${p.strategy}, missingValues ${p.missingValues ?? 'NaN'}, keepEmptyFeatures ${p.keepEmptyFeatures}`;
    it(`${name}: statistics_ and transform`, async () => {
      const params: Partial<SimpleImputerParams> = { ...p, missingValues: nan(p.missingValues) };
      const imp = new SimpleImputer(params).fit(matrix(c.X));
      const expected = c.statistics.map(nan);
      // The mean is a sum in another order than numpy's pairwise one; the rest are exact.
      if (p.strategy === 'mean') close(imp.statistics_.data, expected, 'statistics_', 1e-14);
      else same(imp.statistics_.data, expected, 'statistics_');
      expect(imp.nFeaturesIn_).toBe(5);
      const out = imp.transform(matrix(c.T));
      expect(out.shape).toEqual([c.T.length, c.transformed[0]!.length]);
      expect(imp.outputWidth('transform')).toBe(c.transformed[0]!.length);
      expectClose(out.data, c.transformed.flat().map(nan), 'transform', 1e-14);
      // The same through a lazy X, in two blocks.
      const lazy = await new SimpleImputer(params).fit(fromArray(matrix(c.X), { chunks: [20, -1] }), { scheduler: 'sync' });
      const lazyOut = (await lazy.transform(fromArray(matrix(c.T), { chunks: [4, -1] })).compute({ scheduler: 'sync' })).data;
      // Block sums add in another order (the mean); medians and modes come from exact counts.
      const check = p.strategy === 'mean' ? (a: ArrayLike<number>, b: ArrayLike<number>, w: string) => close(a, b, w, 1e-14) : same;
      check(lazy.statistics_.data, imp.statistics_.data, 'lazy statistics_');
      check(lazyOut, out.data, 'lazy transform');
    });
  }
});

/** Random data with a share of missing values (and with `withEmpty` a column all missing), small integers and reals. */
function randomData(rng: Random, rows: number, cols: number, marker: number, withEmpty = false): DenseArray {
  const data = new Float64Array(rows * cols);
  const empty = withEmpty ? rng.below(cols) : -1;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = j % 2 === 0 ? rng.below(7) - 3 : Math.round((rng.random() * 10 - 5) * 100) / 100;
      data[i * cols + j] = j === empty || rng.random() < 0.15 ? marker : v;
    }
  }
  return new DenseArray(data, [rows, cols]);
}

describe('SimpleImputer on lazy arrays equals the in-memory fit and transform', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`random shape and chunking (seed ${seed})`, async () => {
      const rng = new Random(seed);
      const rows = 50 + rng.below(600);
      const cols = 1 + rng.below(7);
      const marker = seed % 2 === 0 ? -1 : Number.NaN;
      const dense = randomData(rng, rows, cols, marker, seed <= 2);
      // An empty column (seeds 1, 2) is dropped: the transform then runs block by block.
      // Column blocks too: the fit rechunks to whole rows, the transform broadcasts per column.
      const X = fromArray(dense, { chunks: [7 + rng.below(120), 1 + rng.below(cols)] });
      const scheduler: Scheduler | 'sync' = seed % 2 === 1 ? threads : 'sync';
      for (const strategy of STRATEGIES) {
        for (const keepEmptyFeatures of [false, true]) {
          const params = { strategy, missingValues: marker, keepEmptyFeatures, fillValue: strategy === 'constant' ? 2.5 : null };
          const mem = new SimpleImputer(params).fit(dense);
          const lazy = await new SimpleImputer(params).fit(X, { scheduler });
          const what = `${strategy}, keepEmptyFeatures ${keepEmptyFeatures}`;
          if (strategy === 'mean') close(lazy.statistics_.data, mem.statistics_.data, what, 1e-13);
          else same(lazy.statistics_.data, mem.statistics_.data, what);
          const T = lazy.transform(X);
          expect(T.shape, what).toEqual([rows, mem.outputWidth('transform')]);
          const got = await T.compute({ scheduler });
          expectClose(got.data, mem.transform(dense).data, what, 1e-13);
        }
      }
    });
  }

  it('fuses into its consumer: a pipeline with a scaler fits on a lazy X', async () => {
    const dense = randomData(new Random(9), 300, 4, Number.NaN);
    const X = fromArray(dense, { chunks: [64, -1] });
    const pipe = makePipeline(new SimpleImputer({ strategy: 'median' }), new StandardScaler());
    await pipe.fit(X, undefined, { scheduler: threads });
    const imputed = new SimpleImputer({ strategy: 'median' }).fit(dense).transform(dense);
    const sc = new StandardScaler().fit(imputed);
    expectClose((pipe.steps[1]![1] as StandardScaler).mean_!.data, sc.mean_!.data, 'scaler mean_ behind the imputer', 1e-12);
    const out = await pipe.transform(X).compute({ scheduler: threads });
    expectClose(out.data, sc.transform(imputed).data, 'pipeline transform', 1e-12);
  });
});

describe('SimpleImputer errors', () => {
  const X = [
    [1, Number.NaN],
    [3, 4],
  ];

  it('names the row and column of ±Infinity, and of NaN when it is not the missing marker (in memory and lazily)', async () => {
    const inf = [
      [1, 2],
      [3, 4],
      [5, Number.POSITIVE_INFINITY],
    ];
    expect(() => new SimpleImputer().fit(inf)).toThrow(/SimpleImputer\.fit: input X contains Infinity at row 2, column 1/);
    expect(() => new SimpleImputer({ missingValues: -1 }).fit(X)).toThrow(InvalidInputError);
    expect(() => new SimpleImputer({ missingValues: -1 }).fit(X)).toThrow(/contains NaN at row 0, column 1/);
    const fitted = new SimpleImputer().fit(X);
    expect(() => fitted.transform(inf)).toThrow(/transform: input X contains Infinity at row 2, column 1/);
    // Lazily the row is counted over the whole array, not within its block.
    const rows = Array.from({ length: 30 }, (_, i) => [i, i === 23 ? Number.NEGATIVE_INFINITY : 1]);
    for (const strategy of ['mean', 'median'] as const) {
      await expect(new SimpleImputer({ strategy }).fit(fromArray(rows, { chunks: [10, -1] }), { scheduler: 'sync' })).rejects.toThrow(
        /contains -Infinity at row 23, column 1/,
      );
    }
  });

  it('rejects a wrong width in memory and lazily, naming the counts', () => {
    const imp = new SimpleImputer().fit(X);
    expect(() => imp.transform([[1, 2, 3]])).toThrow(/X has 3 features, but SimpleImputer is expecting 2 features as input/);
    expect(() => imp.transform(fromArray([[1, 2, 3]]))).toThrow(/X has 3 features, but SimpleImputer is expecting 2/);
  });

  it('validates its parameters with scikit-learn’s message', async () => {
    expect(() => new SimpleImputer({ strategy: 'mode' as never }).fit(X)).toThrow(ParameterRangeError);
    expect(() => new SimpleImputer({ strategy: 'mode' as never }).fit(X)).toThrow(
      /^The 'strategy' parameter of SimpleImputer must be a string among \{'mean', 'median', 'most_frequent', 'constant'\}\. Got 'mode' instead\.$/,
    );
    expect(() => new SimpleImputer({ missingValues: 'NA' as never }).fit(X)).toThrow(ParameterTypeError);
    expect(() => new SimpleImputer({ missingValues: 'NA' as never }).fit(X)).toThrow(
      /The 'missingValues' parameter of SimpleImputer must be a finite number or NaN\. Got 'NA' instead\./,
    );
    expect(() => new SimpleImputer({ missingValues: Number.POSITIVE_INFINITY }).fit(X)).toThrow(ParameterRangeError);
    expect(() => new SimpleImputer({ fillValue: '0' as never }).fit(X)).toThrow(ParameterTypeError);
    expect(() => new SimpleImputer({ keepEmptyFeatures: 1 as never }).fit(X)).toThrow(ParameterTypeError);
    // Lazily: a rejected promise, before any task runs.
    await expect(new SimpleImputer({ strategy: 'mode' as never }).fit(fromArray(X))).rejects.toThrow(ParameterRangeError);
  });

  it('refuses a lazy median or mode whose distinct values exceed the memory budget, naming the column', async () => {
    const rng = new Random(3);
    const rows = Array.from({ length: 400 }, (_, i) => [i % 3, rng.random()]);
    const X = fromArray(rows, { chunks: [50, -1] });
    // 16 B × 9 per distinct value: 20 kB holds 142, column 1 has 400.
    for (const strategy of ['median', 'most_frequent'] as const) {
      await expect(new SimpleImputer({ strategy }).fit(X, { scheduler: 'sync', memoryLimit: 20_000 })).rejects.toThrow(
        /SimpleImputer\.fit on a lazy X: column 1 has \d+ distinct values so far, more than the memory budget .*Use strategy 'mean' or 'constant'/,
      );
    }
    // The mean needs no distinct values; with a budget that holds them the median is exact.
    await expect(new SimpleImputer().fit(X, { scheduler: 'sync', memoryLimit: 20_000 })).resolves.toBeInstanceOf(SimpleImputer);
    const median = await new SimpleImputer({ strategy: 'median' }).fit(X, { scheduler: 'sync', memoryLimit: 1e6 });
    same(median.statistics_.data, new SimpleImputer({ strategy: 'median' }).fit(rows).statistics_.data, 'median');
  });

  it('refuses a state whose statistics do not match nFeaturesIn_', () => {
    const imp = new SimpleImputer().fit(X);
    expect(() => imp.setState({ nFeaturesIn_: 3, statistics_: imp.statistics_ })).toThrow(
      /statistics_' has shape \(2,\) but nFeaturesIn_ is 3/,
    );
  });
});
