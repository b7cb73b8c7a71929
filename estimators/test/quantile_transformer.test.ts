/**
 * QuantileTransformer: scikit-learn 1.2's quantiles_, references_, transform and inverseTransform
 * (fixtures from estimators/test/fixtures/make_quantile_transformer.py: ties, NaN, a constant
 * column, heavy tails, n = 1…1200, subsample < n through numpy's legacy RandomState), the lazy fit
 * equal to the in-memory one over random shapes and chunkings (sync and threads), the summary's
 * stated rank error against the true ranks on data larger than a small memory budget, and every
 * error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DenseArray, fromArray } from '@tessera/array';
import { ThreadScheduler, type Scheduler } from '@tessera/scheduler';
import {
  InvalidInputError,
  ParameterRangeError,
  ParameterTypeError,
  QuantileTransformer,
  StandardScaler,
  StateRangeError,
  estimatorFromJSON,
  makePipeline,
  type QuantileTransformerParams,
} from '@tessera/estimators';
import { RandomState } from '@tessera/array';
import {
  exactSummary,
  mergeSummaries,
  orderStatistic,
  pruneSummary,
  summaryPercentile,
  type QuantileSummary,
} from '../src/preprocessing/quantile_sketch.js';
import { interp, normalCdf } from '../src/preprocessing/quantile_transformer.js';
import { percentileOf } from '../src/preprocessing/robust_scaler.js';
import { countValues } from '../src/preprocessing/value_counts.js';
import { expectClose, fixture } from './helpers.js';

/** An integer in [0, k). */
const rint = (rng: RandomState, k: number): number => rng.randint(0, k) as number;

type Nullable = (number | null)[];
interface QTCase {
  params: { nQuantiles: number; outputDistribution: 'uniform' | 'normal'; subsample: number; randomState: number | null };
  data: number;
  nQuantiles_: number;
  references: Nullable;
  quantiles: Nullable[];
  transformed: Nullable[];
  U: Nullable[];
  inverse: Nullable[];
  roundTrip: Nullable[];
}
interface QTFixture {
  data: { X: Nullable[]; T: Nullable[] }[];
  cases: QTCase[];
  normCdf: { x: number[]; p: number[] };
}

const nan = (rows: Nullable[]): number[][] => rows.map((r) => r.map((v) => (v === null ? Number.NaN : v)));
const flat = (rows: Nullable[]): number[] => nan(rows).flat();

/** |a − e| ≤ 1e-9·max(1, |e|) elementwise, NaN where expected NaN. */
function near(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = 1e-9): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e)) {
      expect(a, `${what}[${i}]`).toBeNaN();
      continue;
    }
    if (!(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)))) expect.fail(`${what}[${i}]: ${a} vs scikit-learn's ${e}`);
  }
}

let threads: ThreadScheduler;
beforeAll(() => {
  threads = new ThreadScheduler({ threads: 2 });
  // The nQuantiles > n warning is checked below; elsewhere it is expected and quiet.
  process.on('warning', () => {});
});
afterAll(async () => {
  await threads.close();
});

describe('QuantileTransformer against scikit-learn 1.2', () => {
  const { data, cases } = fixture<QTFixture>('quantile_transformer.json');
  for (const c of cases) {
    const { X, T } = data[c.data]!;
    const p = c.params;
    const name = `n ${X.length}, nQuantiles ${p.nQuantiles}, ${p.outputDistribution}, subsample ${p.subsample}, randomState ${p.randomState}`;
    it(`${name}: quantiles_, references_, transform, inverseTransform`, () => {
      const qt = new QuantileTransformer(p).fit(nan(X));
      expect(qt.nQuantiles_).toBe(c.nQuantiles_);
      // The fit is numpy's percentiles operation for operation: the same doubles.
      expect(Array.from(qt.references_.data)).toEqual(flat([c.references]));
      expect(Array.from(qt.quantiles_.data)).toEqual(flat(c.quantiles));
      expect(Array.from(qt.rankError_.data)).toEqual([0, 0, 0, 0, 0]);
      near(qt.transform(nan(T)).data, flat(c.transformed), 'transform');
      near(qt.inverseTransform(nan(c.U)).data, flat(c.inverse), 'inverseTransform');
      near(qt.inverseTransform(qt.transform(nan(T))).data, flat(c.roundTrip), 'inverseTransform(transform)');
    });
  }
});

describe('numpy and scipy pieces', () => {
  it('interp is numpy.interp at knots, between, outside, with repeated knots and one knot', () => {
    const xp = Float64Array.from([0, 1, 1, 1, 2, 5]);
    const fp = Float64Array.from([0, 0.2, 0.4, 0.6, 0.8, 1]);
    // np.interp([-1, 0, 0.5, 1, 1.5, 2, 3.5, 5, 6], xp, fp)
    const expected = [0, 0, 0.1, 0.6, 0.7, 0.8, 0.9, 1, 1];
    expect([-1, 0, 0.5, 1, 1.5, 2, 3.5, 5, 6].map((x) => interp(x, xp, fp))).toEqual(expected);
    const one = Float64Array.from([3]);
    expect([2, 3, 4].map((x) => interp(x, one, Float64Array.from([7])))).toEqual([7, 7, 7]);
    expect(interp(Number.NaN, xp, fp)).toBeNaN();
  });

  it('normalCdf is scipy.stats.norm.cdf within 4e-15 relative and 3e-16 absolute over [-38, 38]', () => {
    const { x, p } = fixture<QTFixture>('quantile_transformer.json').normCdf;
    x.forEach((v, i) => {
      const got = normalCdf(v);
      const want = p[i]!;
      if (!(Math.abs(got - want) <= 4e-15 * want + 3e-16)) expect.fail(`norm.cdf(${v}): ${got} vs scipy's ${want}`);
    });
    expect(normalCdf(Number.NaN)).toBeNaN();
  });

  it('warns as scikit-learn when nQuantiles > n, and uses n', async () => {
    const warned = new Promise<Error>((resolve) => {
      const seen = (w: Error) => {
        if (!w.message.includes('nQuantiles (10) is greater than the total number of samples (3)')) return;
        process.off('warning', seen);
        resolve(w);
      };
      process.on('warning', seen);
    });
    const qt = new QuantileTransformer({ nQuantiles: 10 }).fit([[1], [2], [3]]);
    expect(qt.nQuantiles_).toBe(3);
    expect((await warned).message).toMatch(/nQuantiles \(10\) is greater than the total number of samples \(3\)/);
  });
});

describe('QuantileTransformer on lazy arrays', () => {
  const schedulers: [string, () => Scheduler | undefined][] = [
    ['sync', () => undefined],
    ['threads', () => threads],
  ];
  for (const [label, sched] of schedulers) {
    it(`${label}: lazy fit and transform equal the in-memory ones over random shapes and chunkings`, async () => {
      const rng = new RandomState(label === 'sync' ? 3 : 4);
      for (let trial = 0; trial < 6; trial++) {
        const n = 1 + rint(rng, 400);
        const d = 1 + rint(rng, 4);
        const data = new Float64Array(n * d);
        for (let i = 0; i < n * d; i++) {
          const r = rng.randomSample() as number;
          data[i] = r < 0.1 ? Number.NaN : r < 0.4 ? rint(rng, 5) : (rng.standardNormal() as number) * 10;
        }
        const X = new DenseArray(data, [n, d]);
        const chunk = 1 + rint(rng, n);
        const lazy = fromArray(X, { chunks: [chunk, d] });
        const params: Partial<QuantileTransformerParams> = {
          nQuantiles: 1 + rint(rng, 300),
          outputDistribution: (rng.randomSample() as number) < 0.5 ? 'uniform' : 'normal',
          subsample: 1_000_000,
        };
        const scheduler = sched();
        const opts = scheduler === undefined ? { scheduler: 'sync' as const } : { scheduler };
        const mem = new QuantileTransformer(params).fit(X);
        const lz = await new QuantileTransformer(params).fit(lazy, opts);
        const what = `trial ${trial}: n ${n}, d ${d}, chunk ${chunk}`;
        expect(Array.from(lz.quantiles_.data), what).toEqual(Array.from(mem.quantiles_.data));
        expect(Array.from(lz.rankError_.data), what).toEqual(new Array(d).fill(0));
        const T = await lz.transform(lazy).compute(opts);
        expect(Array.from(T.data), what).toEqual(Array.from(mem.transform(X).data));
        const back = await lz.inverseTransform(fromArray(T, { chunks: [chunk, d] })).compute(opts);
        expect(Array.from(back.data), what).toEqual(Array.from(mem.inverseTransform(T).data));
      }
    });
  }

  it('in a pipeline on a lazy X: fit and transform as in memory', async () => {
    const rng = new RandomState(9);
    const X = DenseArray.from(
      Array.from({ length: 300 }, () => [rng.standardNormal() as number, rint(rng, 7), (rng.standardNormal() as number) * 100]),
    );
    const lazy = fromArray(X, { chunks: [70, 3] });
    const pipe = makePipeline(new QuantileTransformer({ nQuantiles: 50, outputDistribution: 'normal' }), new StandardScaler());
    await pipe.fit(lazy, undefined, { scheduler: 'sync' });
    const mem = makePipeline(new QuantileTransformer({ nQuantiles: 50, outputDistribution: 'normal' }), new StandardScaler()).fit(X);
    const got = await pipe.transform(lazy).compute({ scheduler: 'sync' });
    expectClose(got.data, mem.transform(X).data, 'pipeline transform', 1e-12, 1e-12);
  });
});

/** The true rank range [#{x < v}, #{x ≤ v} − 1] of v in sorted data. */
function rankRange(sorted: Float64Array, v: number): [number, number] {
  let lt = 0;
  while (lt < sorted.length && sorted[lt]! < v) lt++;
  let le = lt;
  while (le < sorted.length && sorted[le]! <= v) le++;
  return [lt, le - 1];
}

describe('the quantile summary', () => {
  it('an unpruned summary is exact: the percentiles are numpy’s (RobustScaler’s percentileOf)', () => {
    const rng = new RandomState(1);
    const vals = Float64Array.from({ length: 500 }, () => rint(rng, 40) / 4);
    const a = countValues(vals.subarray(0, 200), 200, 1, { missing: null, distinct: true, caller: 't' }).columns![0]!;
    const b = countValues(vals.subarray(200), 300, 1, { missing: null, distinct: true, caller: 't' }).columns![0]!;
    const all = countValues(vals, 500, 1, { missing: null, distinct: true, caller: 't' }).columns![0]!;
    const merged = mergeSummaries(exactSummary(a), exactSummary(b));
    for (const q of [0, 1, 12.5, 25, 33.3, 50, 99.9, 100]) {
      const r = summaryPercentile(merged, q);
      expect(r.error).toBe(0);
      expect(r.value).toBe(percentileOf(all, q));
    }
  });

  it('past its capacity: every answer within its stated rank error of the truth, and the error within L·n/(capacity − 1)', () => {
    const rng = new RandomState(2);
    for (const [n, parts, capacity] of [
      [20_000, 8, 64],
      [50_000, 50, 200],
      [7_001, 3, 16],
    ] as const) {
      const vals = Float64Array.from({ length: n }, () =>
        (rng.randomSample() as number) < 0.3 ? rint(rng, 20) : (rng.standardNormal() as number) * 1e3,
      );
      // Blocks summarised and pruned, merged in groups of 8 and pruned again (the lazy fit's tree).
      const size = Math.ceil(n / parts);
      let level: QuantileSummary[] = [];
      for (let a = 0; a < n; a += size) {
        const block = vals.slice(a, Math.min(n, a + size));
        const c = countValues(block, block.length, 1, { missing: null, distinct: true, caller: 't' }).columns![0]!;
        level.push(pruneSummary(exactSummary(c), capacity));
      }
      while (level.length > 1) {
        const next: QuantileSummary[] = [];
        for (let i = 0; i < level.length; i += 8) next.push(pruneSummary(level.slice(i, i + 8).reduce(mergeSummaries), capacity));
        level = next;
      }
      const s = level[0]!;
      expect(s.n).toBe(n);
      expect(s.pruned).toBe(true);
      const sorted = vals.slice().sort();
      expect(s.values[0]).toBe(sorted[0]);
      expect(s.values[s.values.length - 1]).toBe(sorted[n - 1]);
      let worst = 0;
      for (let k = 0; k < n; k += 37) {
        const { index, error } = orderStatistic(s, k);
        const [lo, hi] = rankRange(sorted, s.values[index]!);
        const truth = k < lo ? lo - k : k > hi ? k - hi : 0;
        expect(truth, `n ${n}, rank ${k}`).toBeLessThanOrEqual(error);
        worst = Math.max(worst, error);
      }
      expect(worst, `n ${n}: stated ${worst} vs L·n/(capacity−1)`).toBeLessThanOrEqual((s.levels * n) / (capacity - 1));
      expect(worst).toBeGreaterThan(0);
    }
  });

  it('a lazy fit past a small memory budget: quantiles within the stated rank error of the exact ones', async () => {
    const rng = new RandomState(5);
    const n = 60_000;
    const data = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      data[2 * i] = (rng.standardNormal() as number) * 5;
      data[2 * i + 1] = (rng.randomSample() as number) < 0.2 ? Number.NaN : (rng.randomSample() as number) ** 3;
    }
    const X = new DenseArray(data, [n, 2]);
    const lazy = fromArray(X, { chunks: [4_000, 2] });
    const params = { nQuantiles: 500, subsample: n };
    // 1 MB: 1024 values per column's summary, far fewer than the 60000 distinct values.
    const lz = await new QuantileTransformer(params).fit(lazy, { scheduler: threads, memoryLimit: '1MB' });
    const exact = new QuantileTransformer(params).fit(X);
    const refs = exact.references_.data;
    for (let j = 0; j < 2; j++) {
      const col = Float64Array.from({ length: n }, (_, i) => data[2 * i + j]!)
        .filter((v) => !Number.isNaN(v))
        .sort();
      const m = col.length;
      const e = lz.rankError_.data[j]!;
      expect(e, `column ${j}`).toBeGreaterThan(0);
      // 2 levels of pruning (blocks, the root merge), capacity 1024.
      expect(e, `column ${j}`).toBeLessThanOrEqual((2 * m) / 1023);
      for (let i = 0; i < refs.length; i++) {
        const h = (m - 1) * refs[i]!;
        const lo = col[Math.max(0, Math.floor(h) - e)]!;
        const hi = col[Math.min(m - 1, Math.ceil(h) + e)]!;
        const v = lz.quantiles_.data[i * 2 + j]!;
        if (!(v >= lo && v <= hi)) expect.fail(`column ${j}, quantile ${i}: ${v} outside [${lo}, ${hi}] (rank error ${e})`);
      }
      // The transform's output is then off by at most about the rank error as a fraction of n.
      const T = exact.transform(X).data;
      const L = await lz.transform(lazy).compute({ scheduler: threads });
      let worst = 0;
      for (let i = 0; i < n; i++) if (!Number.isNaN(T[i * 2 + j]!)) worst = Math.max(worst, Math.abs(L.data[i * 2 + j]! - T[i * 2 + j]!));
      expect(worst, `column ${j}`).toBeLessThanOrEqual(e / m + 2 / (refs.length - 1));
    }
  });
});

describe('QuantileTransformer errors', () => {
  it('hyperparameters, each named', () => {
    const X = [[1], [2]];
    expect(() => new QuantileTransformer({ nQuantiles: 0 }).fit(X)).toThrow(ParameterRangeError);
    expect(() => new QuantileTransformer({ nQuantiles: 2.5 }).fit(X)).toThrow(/'nQuantiles' parameter of QuantileTransformer/);
    expect(() => new QuantileTransformer({ outputDistribution: 'cauchy' as 'normal' }).fit(X)).toThrow(/'outputDistribution'/);
    expect(() => new QuantileTransformer({ copy: 1 as unknown as boolean }).fit(X)).toThrow(ParameterTypeError);
    expect(() => new QuantileTransformer({ subsample: 0 }).fit(X)).toThrow(/'subsample'/);
    expect(() => new QuantileTransformer({ randomState: -1 }).fit(X)).toThrow(/'randomState'/);
    expect(() => new QuantileTransformer({ nQuantiles: 20, subsample: 10 }).fit(X)).toThrow(
      /cannot be greater than the number of samples used. Got 20 quantiles and 10 samples/,
    );
  });

  it('bad X: infinity named by row and column, wrong width, not fitted, lazy 1-D', async () => {
    expect(() =>
      new QuantileTransformer().fit([
        [1, 2],
        [3, Infinity],
      ]),
    ).toThrow(/Infinity at row 1, column 1/);
    expect(() =>
      new QuantileTransformer().fit([
        [1, 2],
        [3, Infinity],
      ]),
    ).toThrow(InvalidInputError);
    const qt = new QuantileTransformer({ nQuantiles: 2 }).fit([
      [1, 2],
      [3, 4],
    ]);
    expect(() => qt.transform([[1, 2, 3]])).toThrow(/X has 3 features, but QuantileTransformer is expecting 2 features/);
    expect(() => qt.transform([[1, -Infinity]])).toThrow(/-Infinity at row 0, column 1/);
    expect(() => new QuantileTransformer().transform([[1]])).toThrow(/not fitted/);
    await expect(new QuantileTransformer().fit(fromArray(new DenseArray(Float64Array.from([1, 2]), [2])))).rejects.toThrow(/2-D/);
    expect(() => qt.transform(fromArray(new DenseArray(new Float64Array(3), [1, 3])))).toThrow(/expecting 2 features/);
  });

  it('a tampered state is refused, naming the field; a saved model round-trips', () => {
    const qt = new QuantileTransformer({ nQuantiles: 3 }).fit([[1], [5], [2], [8]]);
    const back = estimatorFromJSON(JSON.parse(JSON.stringify(qt))) as QuantileTransformer;
    expect(Array.from(back.transform([[3]]).data)).toEqual(Array.from(qt.transform([[3]]).data));
    const json = JSON.parse(JSON.stringify(qt));
    json.state.nQuantiles_ = 2;
    expect(() => estimatorFromJSON(json)).toThrow(StateRangeError);
    expect(() => estimatorFromJSON(json)).toThrow(/nQuantiles_|references_|quantiles_/);
  });
});
