/**
 * PolynomialFeatures: scikit-learn 1.2's powers_, n_output_features_, feature names and
 * transforms bit for bit (fixtures from estimators/scripts/make_fixtures_transformers.py: degrees
 * 0…4 and [min, max] pairs, interactions, with and without the bias), the lazy fit (no pass over
 * the data) and transform equal to the in-memory ones over random shapes and chunkings (sync and
 * thread schedulers), and every error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DenseArray, fromArray } from '@tessera/array';
import { ThreadScheduler, type Scheduler } from '@tessera/scheduler';
import {
  InvalidInputError,
  ParameterRangeError,
  ParameterTypeError,
  PolynomialFeatures,
  StandardScaler,
  StateRangeError,
  makePipeline,
  type PolynomialFeaturesParams,
} from '@tessera/estimators';
import { Random } from '@tessera/estimators/internal';
import { expectClose, fixture } from './helpers.js';

interface PolyCase {
  params: PolynomialFeaturesParams;
  data: number;
  nOutputFeatures: number;
  powers: number[][];
  names: string[];
  transformed: number[][];
}
interface PolyFixture {
  data: { X: number[][]; T: number[][] }[];
  cases: PolyCase[];
}

let threads: ThreadScheduler;
beforeAll(() => {
  threads = new ThreadScheduler({ threads: 2 });
});
afterAll(async () => {
  await threads.close();
});

describe('PolynomialFeatures against scikit-learn 1.2', () => {
  const { data, cases } = fixture<PolyFixture>('polynomial_features.json');
  for (const c of cases) {
    const { X, T } = data[c.data]!;
    const p = c.params;
    const name = `${X[0]!.length} features, degree ${JSON.stringify(p.degree)}, interactionOnly ${p.interactionOnly}, includeBias ${p.includeBias}`;
    it(`${name}: powers_, names and transform`, async () => {
      const pf = new PolynomialFeatures(p).fit(X);
      expect(pf.nOutputFeatures_).toBe(c.nOutputFeatures);
      expect(pf.outputWidth('transform')).toBe(c.nOutputFeatures);
      expect(pf.powers_.shape).toEqual([c.nOutputFeatures, X[0]!.length]);
      expect(pf.powers_.toArray()).toEqual(c.powers);
      expect(pf.getFeatureNamesOut()).toEqual(c.names);
      // The same products in the same order: the same doubles.
      const out = pf.transform(T);
      expect(out.shape).toEqual([T.length, c.nOutputFeatures]);
      expect(Array.from(out.data)).toEqual(c.transformed.flat());
      const lazy = await new PolynomialFeatures(p).fit(fromArray(X, { chunks: [2, 1] }));
      expect(lazy.getState()).toEqual(pf.getState());
      const lazyOut = await lazy.transform(fromArray(T, { chunks: [3, 1] })).compute({ scheduler: 'sync' });
      expect(Array.from(lazyOut.data)).toEqual(Array.from(out.data));
    });
  }
});

describe('PolynomialFeatures on lazy arrays equals the in-memory fit and transform', () => {
  const variants: Partial<PolynomialFeaturesParams>[] = [
    {},
    { degree: 3, interactionOnly: true },
    { degree: [2, 3], includeBias: false },
    { degree: 1 },
  ];
  for (const seed of [1, 2, 3, 4]) {
    it(`random shape and chunking (seed ${seed}, ${seed % 2 === 1 ? 'threads' : 'sync'})`, async () => {
      const rng = new Random(seed);
      const rows = 1 + rng.below(500);
      const cols = 1 + rng.below(5);
      const dense = new DenseArray(
        Float64Array.from({ length: rows * cols }, () => rng.random() * 8 - 4),
        [rows, cols],
      );
      const X = fromArray(dense, { chunks: [1 + rng.below(90), 1 + rng.below(cols)] });
      const scheduler: Scheduler | 'sync' = seed % 2 === 1 ? threads : 'sync';
      for (const params of variants) {
        const what = JSON.stringify(params);
        const mem = new PolynomialFeatures(params).fit(dense);
        const lazy = await new PolynomialFeatures(params).fit(X, { scheduler });
        expect(lazy.getState(), what).toEqual(mem.getState());
        const T = lazy.transform(X);
        expect(T.shape, what).toEqual([rows, mem.nOutputFeatures_]);
        expect(Array.from((await T.compute({ scheduler })).data), what).toEqual(Array.from(mem.transform(dense).data));
      }
    });
  }

  it('fits on a lazy X from its shape alone: no task runs', async () => {
    let tasks = 0;
    let runs = 0;
    const X = fromArray(
      Array.from({ length: 40 }, (_, i) => [i, 1, 2]),
      { chunks: [10, -1] },
    );
    const pf = await new PolynomialFeatures({ degree: 3 }).fit(X, {
      scheduler: 'sync',
      callbacks: [{ onRunStart: () => void runs++, onTaskEnd: () => void tasks++ }],
    });
    expect([runs, tasks]).toEqual([0, 0]);
    expect(pf.nOutputFeatures_).toBe(20);
    // The listener does count a run that has tasks.
    await pf.transform(X).compute({ scheduler: 'sync', callbacks: [{ onRunStart: () => void runs++, onTaskEnd: () => void tasks++ }] });
    expect(runs).toBe(1);
    expect(tasks).toBeGreaterThan(0);
  });

  it('is a pipeline step: a scaler behind it fits on the expanded lazy X', async () => {
    const rng = new Random(5);
    const dense = new DenseArray(
      Float64Array.from({ length: 300 * 2 }, () => rng.random() * 2 - 1),
      [300, 2],
    );
    const X = fromArray(dense, { chunks: [64, -1] });
    const pipe = makePipeline(new PolynomialFeatures({ degree: 2, includeBias: false }), new StandardScaler());
    await pipe.fit(X, undefined, { scheduler: threads });
    const expanded = new PolynomialFeatures({ degree: 2, includeBias: false }).fit(dense).transform(dense);
    const sc = new StandardScaler().fit(expanded);
    expectClose((pipe.steps[1]![1] as StandardScaler).mean_!.data, sc.mean_!.data, 'scaler mean_ behind the features', 1e-12);
    const out = await pipe.transform(X).compute({ scheduler: threads });
    expect(out.shape).toEqual([300, 5]);
    expectClose(out.data, sc.transform(expanded).data, 'pipeline transform', 1e-12);
  });
});

describe('PolynomialFeatures errors', () => {
  const X = [
    [1, 2],
    [3, 4],
  ];

  it('validates degree with scikit-learn’s message', async () => {
    for (const bad of [-1, 1.5, [3, 1], [-1, 2], [1, 2.5], [1, 2, 3]]) {
      expect(() => new PolynomialFeatures({ degree: bad as never }).fit(X), JSON.stringify(bad)).toThrow(ParameterRangeError);
      expect(() => new PolynomialFeatures({ degree: bad as never }).fit(X)).toThrow(
        /^The 'degree' parameter of PolynomialFeatures must be an int in the range \[0, inf\) or an array \[minDegree, maxDegree\] of such ints with minDegree <= maxDegree\. Got .+ instead\.$/,
      );
    }
    expect(() => new PolynomialFeatures({ degree: '2' as never }).fit(X)).toThrow(ParameterTypeError);
    expect(() => new PolynomialFeatures({ includeBias: 'no' as never }).fit(X)).toThrow(ParameterTypeError);
    expect(() => new PolynomialFeatures({ degree: 0, includeBias: false }).fit(X)).toThrow(
      /degree 0 with includeBias false would give an empty output/,
    );
    expect(() => new PolynomialFeatures({ degree: [0, 0], includeBias: false }).fit(X)).toThrow(ParameterRangeError);
    // Interactions of three features among two, without the bias: nothing to output.
    expect(() => new PolynomialFeatures({ degree: [3, 3], interactionOnly: true, includeBias: false }).fit(X)).toThrow(
      new InvalidInputError(
        'PolynomialFeatures.fit: X has 2 features, too few for interactions of degree [3, 3] without a bias column: the output would have no column.',
      ),
    );
    await expect(new PolynomialFeatures({ degree: -1 }).fit(fromArray(X))).rejects.toThrow(ParameterRangeError);
    await expect(new PolynomialFeatures().fit(fromArray([1, 2]))).rejects.toThrow(
      /X must be a 2-D array of samples × features; got shape \[2\]/,
    );
  });

  it('names the row and column of NaN in memory, and the block and its row in a lazy array', async () => {
    expect(() => new PolynomialFeatures().fit([[1, Number.NaN]])).toThrow(
      /PolynomialFeatures\.fit: input X contains NaN at row 0, column 1/,
    );
    const pf = new PolynomialFeatures().fit(X);
    expect(() =>
      pf.transform([
        [1, 2],
        [Number.POSITIVE_INFINITY, 1],
      ]),
    ).toThrow(/contains Infinity at row 1, column 0/);
    const rows = Array.from({ length: 30 }, (_, i) => [i, i === 23 ? Number.NaN : 1]);
    await expect(pf.transform(fromArray(rows, { chunks: [10, -1] })).compute({ scheduler: 'sync' })).rejects.toThrow(
      /Task 'PolynomialFeatures-transform-\w+\[2,0\]' \(kernel 'est\.apply'\) failed: PolynomialFeatures\.transform: input X contains NaN at row 3, column 1/,
    );
  });

  it('rejects a wrong width in memory and lazily, naming the counts', () => {
    const pf = new PolynomialFeatures().fit(X);
    expect(() => pf.transform([[1, 2, 3]])).toThrow(/X has 3 features, but PolynomialFeatures is expecting 2 features as input/);
    expect(() => pf.transform(fromArray([[1, 2, 3]]))).toThrow(/X has 3 features, but PolynomialFeatures is expecting 2/);
    expect(() => pf.getFeatureNamesOut(['a'])).toThrow(/inputFeatures has 1 names; X has 2 features/);
    expect(pf.getFeatureNamesOut(['a', 'b'])).toEqual(['1', 'a', 'b', 'a^2', 'a b', 'b^2']);
  });

  it('refuses a state whose nOutputFeatures_ does not match its parameters', () => {
    const pf = new PolynomialFeatures().fit(X);
    expect(() => pf.setState({ nFeaturesIn_: 2, nOutputFeatures_: 7 })).toThrow(
      new StateRangeError(
        "PolynomialFeatures state field 'nOutputFeatures_' is 7 but 2 features with these parameters give 6.",
        'PolynomialFeatures',
        'nOutputFeatures_',
      ),
    );
  });
});
