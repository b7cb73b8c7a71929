/**
 * ColumnTransformer and makeColumnTransformer: scikit-learn 1.2's outputs, feature names,
 * output_indices_ and transformers_ on a pandas DataFrame (fixtures from
 * estimators/test/fixtures/make_column_transformer.py, which also writes the CSV), reproduced
 * from a lazy Frame read from that CSV (and from Parquet written from it) and in memory; lazy =
 * in-memory over random shapes and chunkings (sync and threads); a Pipeline from a Frame with
 * mixed columns to Incremental(SGDClassifier); persistence; and every error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DenseArray, RandomState, fromArray, type NDArray } from '@tessera/array';
import { ThreadScheduler, type Scheduler } from '@tessera/scheduler';
import { readCsv, readParquet, type Frame } from '@tessera/frame';
import {
  ColumnTransformer,
  Incremental,
  InvalidInputError,
  MinMaxScaler,
  OneHotEncoder,
  OrdinalEncoder,
  ParameterTypeError,
  QuantileTransformer,
  RobustScaler,
  SGDClassifier,
  SimpleImputer,
  StandardScaler,
  StateRangeError,
  accuracyScore,
  estimatorFromJSON,
  makeColumnTransformer,
  makePipeline,
  BaseEstimator,
} from '@tessera/estimators';
import { fixture } from './helpers.js';

type Nullable = (number | null)[];
interface CTCase {
  case: string;
  output: Nullable[];
  names: string[];
  outputIndices: Record<string, [number, number]>;
  transformers: [string, string, unknown][];
}

const csvPath = fileURLToPath(new URL('./fixtures/column_transformer.csv', import.meta.url));
const { cases } = fixture<{ cases: CTCase[] }>('column_transformer.json');
const byName = (name: string): CTCase => cases.find((c) => c.case === name)!;
const flat = (rows: Nullable[]): number[] => rows.flat().map((v) => (v === null ? Number.NaN : v));

/** |a − e| ≤ 1e-12·max(1, |e|) elementwise; NaN where scikit-learn has NaN (null in the fixture). */
function near(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) ? !Number.isNaN(a) : !(Math.abs(a - e) <= 1e-12 * Math.max(1, Math.abs(e))))
      expect.fail(`${what}[${i}]: ${a} vs scikit-learn's ${e}`);
  }
}

/** The transformers of each fixture case, as Tessera writes them. */
const builders: Record<string, () => ColumnTransformer> = {
  'onehot+scale': () =>
    new ColumnTransformer([
      ['oh', new OneHotEncoder(), ['city']],
      ['sc', new StandardScaler(), ['age', 'income']],
    ]),
  'ordinal+robust, remainder passthrough': () =>
    new ColumnTransformer(
      [
        ['ord', new OrdinalEncoder(), ['city']],
        ['rob', new RobustScaler(), ['income']],
      ],
      { remainder: 'passthrough' },
    ),
  'overlapping, remainder MinMaxScaler': () =>
    new ColumnTransformer(
      [
        ['a', new StandardScaler(), ['age', 'income']],
        ['b', new QuantileTransformer({ nQuantiles: 20 }), ['income', 'age', 'score']],
        ['c', new OneHotEncoder({ drop: 'first' }), ['city']],
      ],
      { remainder: new MinMaxScaler() },
    ),
  'drop and passthrough, not verbose': () =>
    new ColumnTransformer(
      [
        ['d', 'drop', ['city']],
        ['p', 'passthrough', ['age', 'flag']],
        ['s', new StandardScaler(), ['income']],
      ],
      { remainder: 'drop', verboseFeatureNamesOut: false },
    ),
  'make_column_transformer, a pipeline part': () =>
    makeColumnTransformer(
      [new OneHotEncoder({ drop: 'if_binary' }), ['city', 'flag']],
      [new StandardScaler(), ['age', 'income']],
      [makePipeline(new SimpleImputer({ strategy: 'median' }), new StandardScaler()), ['score']],
    ),
};

let threads: ThreadScheduler;
let frame: Frame;
let dir: string;
beforeAll(async () => {
  threads = new ThreadScheduler({ threads: 2 });
  // Small blocks: the table spans several, as a real file would.
  frame = await (await readCsv(csvPath, { blocksize: 2048 })).categorize();
  dir = await mkdtemp(join(tmpdir(), 'tessera-ct-'));
});
afterAll(async () => {
  await threads.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** The table without its label, as the DataFrame scikit-learn was given. */
const features = () => frame.select(['city', 'age', 'income', 'score', 'flag']);

/** The same table in memory: category codes and numbers (NaN where missing), columns in the frame's order. */
async function matrix(): Promise<DenseArray> {
  return (await features().toArray(undefined, { dtype: 'float64' }).compute({ scheduler: 'sync' })) as DenseArray;
}

describe('ColumnTransformer against scikit-learn 1.2 (a pandas DataFrame)', () => {
  it('the frame reads the CSV pandas wrote: its columns and categories', () => {
    expect(frame.columns).toEqual(['city', 'age', 'income', 'score', 'flag', 'label']);
    expect(frame.schema.find((c) => c.name === 'city')?.categories).toEqual(['Lisbon', 'Oslo', 'Sao Paulo', 'Zurich, CH']);
  });

  for (const [name, build] of Object.entries(builders)) {
    const c = byName(name);
    for (const sched of ['sync', 'threads'] as const) {
      it(`${name}: lazy on the Frame (${sched}) — output, names, outputIndices_, transformers_`, async () => {
        const scheduler: Scheduler | 'sync' = sched === 'sync' ? 'sync' : threads;
        const ct = build();
        await ct.fit(features(), undefined, { scheduler });
        const out = await ct.transform(features()).compute({ scheduler });
        expect(out.shape).toEqual([c.output.length, c.output[0]!.length]);
        near(out.data, flat(c.output), `${name} output`);
        expect(ct.getFeatureNamesOut()).toEqual(c.names);
        expect(ct.outputIndices_).toEqual(c.outputIndices);
        expect(ct.transformers_.map(([n, t, cols]) => [n, typeof t === 'string' ? t : (t as BaseEstimator).estimatorName, cols])).toEqual(
          c.transformers,
        );
      });
    }
    it(`${name}: in memory by column index equals the lazy fit`, async () => {
      const X = await matrix();
      const cols = ['city', 'age', 'income', 'score', 'flag'];
      // The same parts selecting by index (an array has no names).
      const named = build();
      const ct = new ColumnTransformer(
        named.transformers.map(([n, t, sel]) => [n, typeof t === 'string' ? t : t.clone(), (sel as string[]).map((s) => cols.indexOf(s))]),
        { remainder: typeof named.remainder === 'string' ? named.remainder : named.remainder.clone() },
      );
      const out = ct.fit(X).transform(X);
      near(out.data, flat(c.output), `${name} in memory`);
    });
  }

  it('indices and a boolean mask on an array (in memory and lazy)', async () => {
    const c = byName('indices and a mask on an array');
    const A = await matrix();
    // age, income, score (NaN as -1), flag: as the fixture's array.
    const n = A.shape[0]!;
    const data = new Float64Array(n * 4);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < 4; k++) {
        const v = A.data[i * 5 + k + 1]!;
        data[i * 4 + k] = Number.isNaN(v) ? -1 : v;
      }
    }
    const X = new DenseArray(data, [n, 4]);
    const make = () =>
      new ColumnTransformer(
        [
          ['oh', new OneHotEncoder(), [3]],
          ['sc', new StandardScaler(), [1, -2]],
          ['mm', new MinMaxScaler(), [true, false, false, false]],
        ],
        { remainder: 'passthrough' },
      );
    const mem = make().fit(X);
    near(mem.transform(X).data, flat(c.output), 'in memory');
    expect(mem.getFeatureNamesOut()).toEqual(c.names);
    expect(mem.outputIndices_).toEqual(c.outputIndices);
    const lazy = fromArray(X, { chunks: [50, 2] });
    const lz = await make().fit(lazy, undefined, { scheduler: threads });
    const out = await lz.transform(lazy).compute({ scheduler: threads });
    near(out.data, mem.transform(X).data, 'lazy');
  });

  it('from Parquet written from the frame: the same output', async () => {
    const pq = join(dir, 'people.parquet');
    await frame.toParquet(pq, { scheduler: threads });
    const fromPq = (await (await readParquet(pq)).categorize()).select(['city', 'age', 'income', 'score', 'flag']);
    const c = byName('onehot+scale');
    const ct = builders['onehot+scale']!();
    await ct.fit(fromPq, undefined, { scheduler: threads });
    near((await ct.transform(fromPq).compute({ scheduler: threads })).data, flat(c.output), 'parquet');
    expect(ct.getFeatureNamesOut()).toEqual(c.names);
  });
});

describe('ColumnTransformer on lazy arrays', () => {
  for (const sched of ['sync', 'threads'] as const) {
    it(`${sched}: lazy = in memory over random shapes, chunkings and selections`, async () => {
      const scheduler: Scheduler | 'sync' = sched === 'sync' ? 'sync' : threads;
      const rng = new RandomState(sched === 'sync' ? 1 : 2);
      const int = (k: number) => rng.randint(0, k) as number;
      for (let trial = 0; trial < 5; trial++) {
        const n = 5 + int(200);
        const d = 3 + int(4);
        const data = new Float64Array(n * d);
        for (let i = 0; i < n * d; i++) data[i] = i % d === 0 ? int(4) : (rng.standardNormal() as number);
        const X = new DenseArray(data, [n, d]);
        const pick = (k: number) => [...new Set(Array.from({ length: k }, () => 1 + int(d - 1)))];
        const make = () =>
          new ColumnTransformer(
            [
              ['enc', new OneHotEncoder(), [0]],
              ['std', new StandardScaler(), pick(2)],
              ['qt', new QuantileTransformer({ nQuantiles: 10 }), pick(2)],
            ],
            { remainder: trial % 2 === 0 ? 'passthrough' : new MinMaxScaler() },
          );
        const mem = make();
        const lazy = fromArray(X, { chunks: [1 + int(n), 1 + int(d)] });
        // Same selections for both: clone the in-memory one before fitting.
        const lz = mem.clone();
        mem.fit(X);
        await lz.fit(lazy, undefined, { scheduler });
        const got = await lz.transform(lazy).compute({ scheduler });
        const want = mem.transform(X);
        expect(got.shape, `trial ${trial}`).toEqual(want.shape);
        near(got.data, want.data, `trial ${trial}`);
        expect(lz.getFeatureNamesOut()).toEqual(mem.getFeatureNamesOut());
      }
    });
  }

  it('the transform is one task per row block after the reads (a scaler fused into it)', async () => {
    const ct = builders['onehot+scale']!();
    await ct.fit(features(), undefined, { scheduler: 'sync' });
    const out = ct.transform(features()) as NDArray;
    expect(out.numBlocks).toEqual([frame.blockRows!.length, 1]);
    expect(out.name).toMatch(/^column-transformer-/);
  });
});

describe('a Pipeline from a Frame with mixed columns to a model', () => {
  it('makePipeline(makeColumnTransformer(…), Incremental(SGDClassifier)) fits and predicts on a lazy Frame, as on the arrays it makes', async () => {
    const make = () =>
      makePipeline(
        makeColumnTransformer([new OneHotEncoder(), ['city']], [new StandardScaler(), ['age', 'income']]),
        new Incremental(new SGDClassifier({ loss: 'hinge', randomState: 2 }), { classes: [0, 1], randomState: 0 }),
      );
    const y = frame.col('label');
    const pipe = make();
    await pipe.fit(frame, y, { scheduler: threads });
    const pred = await pipe.predict(frame).compute({ scheduler: threads });
    const labels = await y.compute({ scheduler: threads });
    const acc = accuracyScore(labels, pred);
    expect(acc).toBeGreaterThan(0.75);
    expect(await pipe.score(frame, y, { scheduler: threads })).toBeCloseTo(acc, 12);
    // The same model from the ColumnTransformer's output given as an array.
    const ct = pipe.step(0) as ColumnTransformer;
    const Xt = ct.transform(frame);
    const inc = new Incremental(new SGDClassifier({ loss: 'hinge', randomState: 2 }), { classes: [0, 1], randomState: 0 });
    await inc.fit(Xt, y, { scheduler: threads });
    expect(Array.from((await inc.predict(Xt).compute({ scheduler: threads })).data)).toEqual(Array.from(pred.data));
  });
});

describe('ColumnTransformer persistence and parameters', () => {
  it('round-trips through JSON and a snapshot; clone is unfitted with the same parts; name__param reaches a part', async () => {
    const ct = builders['overlapping, remainder MinMaxScaler']!();
    await ct.fit(features(), undefined, { scheduler: 'sync' });
    const back = estimatorFromJSON(JSON.parse(JSON.stringify(ct))) as ColumnTransformer;
    expect(back.getFeatureNamesOut()).toEqual(ct.getFeatureNamesOut());
    expect(Array.from((await back.transform(features()).compute({ scheduler: 'sync' })).data)).toEqual(
      Array.from((await ct.transform(features()).compute({ scheduler: 'sync' })).data),
    );
    const c = ct.clone();
    expect(c.isFitted()).toBe(false);
    expect(c.transformers.map(([n]) => n)).toEqual(['a', 'b', 'c']);
    c.setParams({ b__nQuantiles: 7, remainder__clip: true });
    expect((c.transformers[1]![1] as QuantileTransformer).nQuantiles).toBe(7);
    expect(c.getParams()).toMatchObject({ b__nQuantiles: 7, verboseFeatureNamesOut: true });
    const json = JSON.parse(JSON.stringify(ct));
    json.state.inputIndices_ = json.state.inputIndices_.slice(0, 2);
    expect(() => estimatorFromJSON(json)).toThrow(StateRangeError);
  });
});

describe('ColumnTransformer errors', () => {
  it('an unknown column name is a RangeError naming it and the columns', async () => {
    const ct = new ColumnTransformer([['sc', new StandardScaler(), ['age', 'agee']]]);
    await expect(ct.fit(features())).rejects.toThrow(RangeError);
    await expect(ct.fit(features())).rejects.toThrow(
      /transformer 'sc' selects column 'agee', which is not a column of X \(columns: city, age, income, score, flag\)/,
    );
  });

  it('names on an array, an index out of range, a mask of the wrong length', () => {
    const X = [
      [1, 2],
      [3, 4],
    ];
    expect(() => new ColumnTransformer([['s', new StandardScaler(), ['a']]]).fit(X)).toThrow(
      /selects column 'a' by name, which needs a table/,
    );
    expect(() => new ColumnTransformer([['s', new StandardScaler(), [2]]]).fit(X)).toThrow(/column index 2; X has 2 columns/);
    expect(() => new ColumnTransformer([['s', new StandardScaler(), [true]]]).fit(X)).toThrow(/boolean mask of 1 values/);
  });

  it('overlapping columns are allowed (each part gets its own copy), as in scikit-learn', () => {
    const ct = new ColumnTransformer([
      ['a', 'passthrough', [0, 1]],
      ['b', 'passthrough', [1]],
    ]).fit([
      [1, 2],
      [3, 4],
    ]);
    expect(ct.transform([[5, 6]]).toArray()).toEqual([[5, 6, 6]]);
    expect(ct.getFeatureNamesOut()).toEqual(['a__x0', 'a__x1', 'b__x1']);
  });

  it('bad parameters: not a transformer, duplicate and reserved names, a bad selector, a bad remainder', () => {
    const X = [[1, 2]];
    expect(() => new ColumnTransformer([['m', new SGDClassifier(), [0]]]).fit(X)).toThrow(ParameterTypeError);
    expect(() => new ColumnTransformer([['m', new SGDClassifier(), [0]]]).fit(X)).toThrow(/must implement fit and transform/);
    expect(() =>
      new ColumnTransformer([
        ['a', 'drop', [0]],
        ['a', 'drop', [1]],
      ]).fit(X),
    ).toThrow(/'a' appears twice/);
    expect(() => new ColumnTransformer([['remainder', 'drop', [0]]]).fit(X)).toThrow(/conflicts with the hyperparameter/);
    expect(() => new ColumnTransformer([['a__b', 'drop', [0]]]).fit(X)).toThrow(/must not contain '__'/);
    expect(() => new ColumnTransformer([['a', 'drop', [0, 'x'] as unknown as number[]]]).fit(X)).toThrow(/columns must be a column name/);
    expect(() => new ColumnTransformer([['a', 'drop', [0]]], { remainder: 'keep' as 'drop' }).fit(X)).toThrow(/'remainder' parameter/);
    expect(() => new ColumnTransformer([['a', new StandardScaler({ withMean: 1 as unknown as boolean }), [0]]]).fit(X)).toThrow(
      /'withMean' parameter of StandardScaler/,
    );
  });

  it('a Frame column of the wrong type: uncategorized strings, category codes given to a scaler', async () => {
    const raw = await readCsv(csvPath);
    const ct = new ColumnTransformer([['oh', new OneHotEncoder(), ['city']]]);
    await expect(ct.fit(raw)).rejects.toThrow(TypeError);
    await expect(ct.fit(raw)).rejects.toThrow(/column 'city' holds strings whose categories are not known yet/);
    const sc = new ColumnTransformer([['sc', new StandardScaler(), ['age', 'city']]]);
    await expect(sc.fit(features())).rejects.toThrow(/'sc' \(StandardScaler\) is given column 'city', a category column/);
  });

  it('transform: a table whose categories differ from those at fit is refused, naming the column (its codes would shift)', async () => {
    const ct = builders['onehot+scale']!();
    await ct.fit(features(), undefined, { scheduler: 'sync' });
    const cols = ['city', 'age', 'income', 'score', 'flag'];
    const other = (await (await readCsv(csvPath)).categorize()).select(cols);
    expect(() => ct.transform(other)).not.toThrow();
    const declared = (await readCsv(csvPath, { dtype: { city: { categories: ['Oslo', 'Lisbon', 'Sao Paulo', 'Zurich, CH'] } } })).select(
      cols,
    );
    expect(() => ct.transform(declared)).toThrow(RangeError);
    expect(() => ct.transform(declared)).toThrow(
      /column 'city' has the categories \['Oslo', 'Lisbon', 'Sao Paulo', 'Zurich, CH'\], but it was fitted with \['Lisbon', 'Oslo', 'Sao Paulo', 'Zurich, CH'\]/,
    );
  });

  it('transform: a missing column, the wrong width, a table after an array fit, not fitted', async () => {
    const ct = builders['onehot+scale']!();
    await ct.fit(features(), undefined, { scheduler: 'sync' });
    expect(() => ct.transform(frame.select(['city', 'age']))).toThrow(/columns are missing from X: 'income'/);
    const arr = new ColumnTransformer([['s', new StandardScaler(), [0]]]).fit([[1], [2]]);
    expect(() => arr.transform([[1, 2]])).toThrow(InvalidInputError);
    expect(() => arr.transform(features())).toThrow(/fitted on an array/);
    expect(() => arr.transform(fromArray(new DenseArray(new Float64Array(4), [2, 2])))).toThrow(
      /X has 2 features, but ColumnTransformer is expecting 1/,
    );
    expect(() => new ColumnTransformer([['s', 'drop', [0]]]).transform([[1]])).toThrow(/not fitted/);
  });

  it('a part that cannot fit a lazy array is refused before any task runs, naming it', async () => {
    /** A transformer of one's own with an in-memory fit only. */
    class Doubler extends BaseEstimator {
      static readonly estimatorName = 'Doubler';
      static readonly estimatorType = 'transformer';
      static readonly defaults = {};
      static readonly constraints = {};
      fit(): this {
        this.learned = { nFeaturesIn_: 1 };
        return this;
      }
      transform(X: DenseArray): DenseArray {
        return new DenseArray(
          Float64Array.from(X.data as Float64Array, (v) => 2 * v),
          X.shape,
        );
      }
    }
    const ct = new ColumnTransformer([
      ['s', new StandardScaler(), [1]],
      ['d', new Doubler(), [0]],
    ]);
    await expect(ct.fit(fromArray(new DenseArray(new Float64Array(4), [2, 2])), undefined, { scheduler: 'sync' })).rejects.toThrow(
      /Doubler cannot be fitted on a lazy array directly/,
    );
    expect((ct.transformers[0]![1] as StandardScaler).isFitted()).toBe(false);
    // In memory it works.
    expect(
      ct
        .fit([
          [1, 2],
          [3, 5],
        ])
        .transform([[4, 5]])
        .toArray(),
    ).toEqual([[1, 8]]);
  });

  it('verboseFeatureNamesOut false with clashing names is refused, naming them', () => {
    const ct = new ColumnTransformer(
      [
        ['a', 'passthrough', [0]],
        ['b', new StandardScaler(), [0]],
      ],
      { verboseFeatureNamesOut: false },
    ).fit([[1], [2]]);
    expect(() => ct.getFeatureNamesOut()).toThrow(/output feature names \['x0'\] are not unique/);
  });
});
