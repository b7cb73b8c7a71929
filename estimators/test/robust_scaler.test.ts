/**
 * RobustScaler: scikit-learn 1.2's center_, scale_ and transforms bit for bit (fixtures from
 * estimators/scripts/make_fixtures_transformers.py: numpy's 'linear' percentiles, ties, n = 1…41,
 * a large offset), the lazy fit and transform equal to the in-memory ones over random shapes and
 * chunkings (sync and thread schedulers), and every error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DenseArray, fromArray } from '@tessera/array';
import { ThreadScheduler, type Scheduler } from '@tessera/scheduler';
import {
  InvalidInputError,
  ParameterRangeError,
  ParameterTypeError,
  RobustScaler,
  StandardScaler,
  StateRangeError,
  makePipeline,
  type RobustScalerParams,
} from '@tessera/estimators';
import { Random } from '@tessera/estimators/internal';
import { normalQuantile, percentileOf } from '../src/preprocessing/robust_scaler.js';
import { expectClose, fixture } from './helpers.js';

interface RobustCase {
  params: RobustScalerParams;
  data: number;
  center: number[] | null;
  scale: number[] | null;
  adjust: number | null;
  transformed: number[][];
}
interface RobustFixture {
  data: { X: number[][]; T: number[][] }[];
  cases: RobustCase[];
}

/** Bit-for-bit equality (-0 and 0 told apart only by Object.is, which toEqual uses). */
function same(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  expect(Array.from(a), what).toEqual(Array.from(b));
}

let threads: ThreadScheduler;
beforeAll(() => {
  threads = new ThreadScheduler({ threads: 2 });
});
afterAll(async () => {
  await threads.close();
});

describe('RobustScaler against scikit-learn 1.2', () => {
  const { data, cases } = fixture<RobustFixture>('robust_scaler.json');
  for (const c of cases) {
    const { X, T } = data[c.data]!;
    const p = c.params;
    const name = `n ${X.length}, quantileRange [${p.quantileRange.join(', ')}], centering ${p.withCentering}, scaling ${p.withScaling}, unitVariance ${p.unitVariance}`;
    it(`${name}: center_, scale_ and transform`, async () => {
      const rs = new RobustScaler(p).fit(X);
      expect(rs.nFeaturesIn_).toBe(5);
      if (c.center === null) expect(rs.center_).toBeNull();
      else same(rs.center_!.data, c.center, 'center_');
      if (c.scale === null) expect(rs.scale_).toBeNull();
      // The normal quantiles (AS 241 against scipy's ndtri) agree to an ulp or two; the percentiles exactly.
      else if (p.unitVariance) expectClose(rs.scale_!.data, c.scale, 'scale_', 1e-15, 0);
      else same(rs.scale_!.data, c.scale, 'scale_');
      if (c.adjust !== null) {
        const [lo, hi] = p.quantileRange;
        expectClose([normalQuantile(hi / 100) - normalQuantile(lo / 100)], [c.adjust], 'normal range', 1e-15, 0);
      }
      const out = rs.transform(T);
      if (p.unitVariance) expectClose(out.data, c.transformed.flat(), 'transform', 1e-14);
      else same(out.data, c.transformed.flat(), 'transform');
      expectClose(rs.inverseTransform(out).data, T.flat(), 'inverseTransform', 1e-12);
      if (X.length >= 7) {
        // The same through a lazy X in blocks of 3 rows: the same doubles.
        const lazy = await new RobustScaler(p).fit(fromArray(X, { chunks: [3, -1] }), { scheduler: 'sync' });
        expect(lazy.getState()).toEqual(rs.getState());
        same((await lazy.transform(fromArray(T, { chunks: [4, 2] })).compute({ scheduler: 'sync' })).data, out.data, 'lazy transform');
      }
    });
  }

  it('percentiles follow numpy’s linear interpolation from the nearer end', () => {
    // numpy.percentile([0, 1e16 + 2], 75) is 7500000000000002 (b − diff·0.25), not a + diff·0.75.
    const c = { values: Float64Array.of(0, 1e16 + 2), counts: Float64Array.of(1, 1) };
    expect(percentileOf(c, 75)).toBe(7500000000000002);
    expect(percentileOf(c, 25)).toBe(2500000000000000.5);
    expect(percentileOf({ values: Float64Array.of(1, 2, 3), counts: Float64Array.of(2, 1, 1) }, 50)).toBe(1.5);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 15);
    // scipy.stats.norm.ppf(1e-300), norm.ppf(1e-20): the lower tail of AS 241.
    expect(normalQuantile(1e-300)).toBe(-37.0470962993612);
    expectClose([normalQuantile(1e-20)], [-9.262340089798409], 'ppf(1e-20)', 1e-15, 0);
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
  });
});

/** Columns of small integers (ties), reals, a few huge values. */
function randomData(rng: Random, rows: number, cols: number): DenseArray {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = j % 3 === 0 ? rng.below(9) - 4 : j % 3 === 1 ? Math.round((rng.random() * 10 - 5) * 1000) / 1000 : rng.random() * 1e9;
      data[i * cols + j] = v;
    }
  }
  return new DenseArray(data, [rows, cols]);
}

describe('RobustScaler on lazy arrays equals the in-memory fit and transform', () => {
  const variants: Partial<RobustScalerParams>[] = [
    {},
    { quantileRange: [10, 90], unitVariance: true },
    { withCentering: false, quantileRange: [0, 100] },
    { withScaling: false },
    { withCentering: false, withScaling: false },
  ];
  for (const seed of [1, 2, 3, 4]) {
    it(`random shape and chunking (seed ${seed}, ${seed % 2 === 1 ? 'threads' : 'sync'})`, async () => {
      const rng = new Random(seed);
      const rows = 1 + rng.below(700);
      const cols = 1 + rng.below(7);
      const dense = randomData(rng, rows, cols);
      // Column blocks too: the fit rechunks to whole rows, the transform broadcasts per column.
      const X = fromArray(dense, { chunks: [1 + rng.below(120), 1 + rng.below(cols)] });
      const scheduler: Scheduler | 'sync' = seed % 2 === 1 ? threads : 'sync';
      for (const params of variants) {
        const what = JSON.stringify(params);
        const mem = new RobustScaler(params).fit(dense);
        const lazy = await new RobustScaler(params).fit(X, { scheduler });
        expect(lazy.getState(), what).toEqual(mem.getState());
        const T = lazy.transform(X);
        expect(T.shape, what).toEqual([rows, cols]);
        same((await T.compute({ scheduler })).data, mem.transform(dense).data, what);
      }
    });
  }

  it('fuses into its consumer: a pipeline with a scaler behind it fits on a lazy X', async () => {
    const dense = randomData(new Random(8), 400, 3);
    const X = fromArray(dense, { chunks: [100, -1] });
    const pipe = makePipeline(new RobustScaler({ unitVariance: true }), new StandardScaler());
    await pipe.fit(X, undefined, { scheduler: threads });
    const rs = new RobustScaler({ unitVariance: true }).fit(dense);
    expect((pipe.steps[0]![1] as RobustScaler).getState()).toEqual(rs.getState());
    const sc = new StandardScaler().fit(rs.transform(dense));
    expectClose((pipe.steps[1]![1] as StandardScaler).mean_!.data, sc.mean_!.data, 'scaler mean_ behind the robust scaler', 1e-12);
    const out = await pipe.transform(X).compute({ scheduler: threads });
    expectClose(out.data, sc.transform(rs.transform(dense)).data, 'pipeline transform', 1e-12);
  });
});

describe('RobustScaler errors', () => {
  const X = [
    [1, 2],
    [3, 4],
    [5, 7],
  ];

  it('names the row and column of NaN and ±Infinity, in memory and lazily (counted over the whole array)', async () => {
    expect(() => new RobustScaler().fit([...X, [Number.NaN, 1]])).toThrow(InvalidInputError);
    expect(() => new RobustScaler().fit([...X, [Number.NaN, 1]])).toThrow(/RobustScaler\.fit: input X contains NaN at row 3, column 0/);
    const rows = Array.from({ length: 30 }, (_, i) => [i, i === 23 ? Number.NEGATIVE_INFINITY : 1]);
    for (const params of [{}, { withCentering: false, withScaling: false }]) {
      await expect(new RobustScaler(params).fit(fromArray(rows, { chunks: [10, -1] }), { scheduler: 'sync' })).rejects.toThrow(
        /RobustScaler\.fit: input X contains -Infinity at row 23, column 1/,
      );
    }
    expect(() => new RobustScaler().fit(X).transform([[Number.POSITIVE_INFINITY, 1]])).toThrow(/contains Infinity at row 0, column 0/);
  });

  it('rejects a wrong width in memory and lazily, naming the counts', () => {
    const rs = new RobustScaler().fit(X);
    expect(() => rs.transform([[1, 2, 3]])).toThrow(/X has 3 features, but RobustScaler is expecting 2 features as input/);
    expect(() => rs.transform(fromArray([[1, 2, 3]]))).toThrow(/X has 3 features, but RobustScaler is expecting 2/);
    expect(() => rs.inverseTransform([[1]])).toThrow(/X has 1 features, but RobustScaler is expecting 2/);
  });

  it('validates quantileRange and unitVariance with scikit-learn’s message', async () => {
    expect(() => new RobustScaler({ quantileRange: [75, 25] }).fit(X)).toThrow(ParameterRangeError);
    expect(() => new RobustScaler({ quantileRange: [75, 25] }).fit(X)).toThrow(
      /^The 'quantileRange' parameter of RobustScaler must be \[qMin, qMax\] with 0 ≤ qMin ≤ qMax ≤ 100\. Got \[75, 25\] instead\.$/,
    );
    expect(() => new RobustScaler({ quantileRange: [-1, 50] }).fit(X)).toThrow(ParameterRangeError);
    expect(() => new RobustScaler({ quantileRange: [50, 101] }).fit(X)).toThrow(ParameterRangeError);
    expect(() => new RobustScaler({ quantileRange: [25] as never }).fit(X)).toThrow(ParameterRangeError);
    expect(() => new RobustScaler({ quantileRange: '25,75' as never }).fit(X)).toThrow(ParameterTypeError);
    expect(() => new RobustScaler({ withCentering: 'yes' as never }).fit(X)).toThrow(ParameterTypeError);
    for (const q of [
      [0, 75],
      [25, 100],
      [40, 40],
    ] as [number, number][]) {
      expect(() => new RobustScaler({ quantileRange: q, unitVariance: true }).fit(X)).toThrow(/unitVariance needs 0 < qMin < qMax < 100/);
    }
    // Without scaling the normal range is not used.
    expect(new RobustScaler({ quantileRange: [0, 100], unitVariance: true, withScaling: false }).fit(X).scale_).toBeNull();
    // Lazily: a rejected promise, before any task runs.
    await expect(new RobustScaler({ quantileRange: [75, 25] }).fit(fromArray(X))).rejects.toThrow(ParameterRangeError);
    await expect(new RobustScaler().fit(fromArray([1, 2, 3]))).rejects.toThrow(
      /X must be a 2-D array of samples × features; got shape \[3\]/,
    );
  });

  it('past the memory budget a lazy fit uses the quantile summary: center_ and scale_ within its stated rank error', async () => {
    const rng = new Random(3);
    const n = 6000;
    const rows = Array.from({ length: n }, (_, i) => [i % 3, rng.random() * 100]);
    const X = fromArray(rows, { chunks: [500, -1] });
    // 20 kB: the summaries keep 1024 values per column (their least), column 1 has 6000.
    const sorted = rows.map((r) => r[1]!).sort((a, b) => a - b);
    for (const scheduler of ['sync', threads] as const) {
      const rs = await new RobustScaler().fit(X, { scheduler, memoryLimit: 20_000 });
      const [e0, e1] = Array.from(rs.rankError_.data);
      expect(e0).toBe(0); // three distinct values: exact
      expect(e1).toBeGreaterThan(0);
      expect(e1).toBeLessThanOrEqual((2 * n) / 1023); // two levels of pruning, capacity 1024
      const within = (v: number, h: number) => {
        const lo = sorted[Math.max(0, Math.floor(h) - e1!)]!;
        const hi = sorted[Math.min(n - 1, Math.ceil(h) + e1!)]!;
        return v >= lo && v <= hi;
      };
      expect(within(rs.center_!.data[1]!, (n - 1) / 2)).toBe(true);
      // The scale is a difference of two such percentiles.
      const exact = new RobustScaler().fit(rows);
      expect(rs.center_!.data[0]).toBe(exact.center_!.data[0]);
      expect(Math.abs(rs.scale_!.data[1]! - exact.scale_!.data[1]!)).toBeLessThanOrEqual(
        2 * (sorted[Math.min(n - 1, 4500 + e1!)]! - sorted[4500 - e1!]!),
      );
    }
    // Without centring and scaling nothing is held; with a budget that holds them the fit is exact.
    await expect(
      new RobustScaler({ withCentering: false, withScaling: false }).fit(X, { scheduler: 'sync', memoryLimit: 20_000 }),
    ).resolves.toBeInstanceOf(RobustScaler);
    const exact = await new RobustScaler().fit(X, { scheduler: 'sync', memoryLimit: 1e8 });
    expect(exact.getState()).toEqual(new RobustScaler().fit(rows).getState());
  });

  it('refuses a state whose scale_ is not positive or whose width does not match', () => {
    const rs = new RobustScaler().fit(X);
    const s = rs.getState();
    expect(() => rs.setState({ ...s, scale_: new DenseArray(Float64Array.of(1, 0), [2]) })).toThrow(StateRangeError);
    expect(() => rs.setState({ ...s, nFeaturesIn_: 3 })).toThrow(/center_' has shape \(2,\) but nFeaturesIn_ is 3/);
  });
});
