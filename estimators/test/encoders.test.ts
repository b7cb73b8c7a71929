/**
 * OrdinalEncoder and OneHotEncoder: scikit-learn 1.2's categories_, drop_idx_ and transforms
 * (fixtures from estimators/scripts/make_fixtures_preprocessing.py), the lazy fit and transform
 * equal to the in-memory ones over random shapes and chunkings (sync and thread schedulers), and
 * every error: unknown categories named with their column, wrong widths, bad parameters. Then
 * LabelEncoder, on y, the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DenseArray, fromArray } from '@tessera/array';
import { ThreadScheduler, type Scheduler } from '@tessera/scheduler';
import {
  Incremental,
  InvalidInputError,
  LabelEncoder,
  NotFittedError,
  OneHotEncoder,
  OrdinalEncoder,
  ParameterRangeError,
  ParameterTypeError,
  SGDClassifier,
  StateRangeError,
  makePipeline,
  estimatorFromJSON,
  type Categories,
} from '@tessera/estimators';
import { Random } from '@tessera/estimators/internal';
import { fixture } from './helpers.js';

type Nullable = (number | null)[];
interface EncoderCase {
  encoder: 'OneHotEncoder' | 'OrdinalEncoder';
  params: { categories: Categories; drop?: 'first' | 'if_binary' | null; handleUnknown: string; unknownValue?: number | 'NaN' | null };
  X: Nullable[];
  T: Nullable[];
  categories: Nullable[];
  dropIdx?: number[] | null;
  transformed: Nullable[];
}

const nan = (v: number | null): number => (v === null ? Number.NaN : v);
const matrix = (rows: Nullable[]): DenseArray => DenseArray.from(rows.map((r) => r.map(nan)));
const plain = (a: ArrayLike<number>): (number | string)[] => Array.from(a, (v) => (Number.isNaN(v) ? 'NaN' : v));

function make(c: EncoderCase): OneHotEncoder | OrdinalEncoder {
  if (c.encoder === 'OneHotEncoder') return new OneHotEncoder(c.params as never);
  const u = c.params.unknownValue;
  return new OrdinalEncoder({ ...(c.params as object), unknownValue: u === 'NaN' ? Number.NaN : (u ?? null) } as never);
}

let threads: ThreadScheduler;
beforeAll(() => {
  threads = new ThreadScheduler({ threads: 2 });
});
afterAll(async () => {
  await threads.close();
});

describe('encoders against scikit-learn 1.2', () => {
  const { cases } = fixture<{ cases: EncoderCase[] }>('encoders.json');
  for (const c of cases) {
    const p = c.params;
    const label = `${c.encoder}(categories ${p.categories === 'auto' ? 'auto' : 'given'}, ${
      c.encoder === 'OneHotEncoder' ? `drop ${p.drop}, ` : ''
    }handleUnknown ${p.handleUnknown}${p.unknownValue !== undefined && p.unknownValue !== null ? ` ${p.unknownValue}` : ''})`;
    it(`${label}: categories_, transform, lazily too`, async () => {
      const enc = make(c).fit(matrix(c.X));
      expect(enc.categories_.map((cat) => plain(cat.data))).toEqual(c.categories.map((cat) => plain(cat.map(nan))));
      if (enc instanceof OneHotEncoder) expect(enc.dropIdx_ === null ? null : Array.from(enc.dropIdx_.data)).toEqual(c.dropIdx);
      const out = enc.transform(matrix(c.T));
      expect(out.shape).toEqual([c.T.length, c.transformed[0]!.length]);
      expect(enc.outputWidth('transform')).toBe(c.transformed[0]!.length);
      expect(plain(out.data)).toEqual(plain(c.transformed.flat().map(nan)));
      const lazy = await make(c).fit(fromArray(matrix(c.X), { chunks: [15, 2] }), { scheduler: 'sync' });
      expect(lazy.getState()).toEqual(enc.getState());
      const T = lazy.transform(fromArray(matrix(c.T), { chunks: [3, -1] }));
      expect(T.shape).toEqual(out.shape);
      expect(plain((await T.compute({ scheduler: 'sync' })).data)).toEqual(plain(out.data));
    });
  }
});

/** Random code columns: column j takes values from its own small set. */
function codes(rng: Random, rows: number, cols: number): DenseArray {
  const sets = Array.from({ length: cols }, (_, j) => Array.from({ length: 1 + rng.below(6) }, (_, k) => k * (j + 1) - 3 + (j % 2) * 0.5));
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = sets[j]![rng.below(sets[j]!.length)]!;
  return new DenseArray(data, [rows, cols]);
}

describe('encoders on lazy arrays equal the in-memory fit and transform', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`random shape and chunking (seed ${seed})`, async () => {
      const rng = new Random(seed);
      const rows = 40 + rng.below(700);
      const cols = 1 + rng.below(6);
      const dense = codes(rng, rows, cols);
      const X = fromArray(dense, { chunks: [5 + rng.below(150), 1 + rng.below(cols)] });
      const scheduler: Scheduler | 'sync' = seed % 2 === 1 ? threads : 'sync';
      for (const enc of [
        () => new OneHotEncoder(),
        () => new OneHotEncoder({ drop: 'first' }),
        () => new OneHotEncoder({ drop: 'if_binary', handleUnknown: 'ignore' }),
        () => new OrdinalEncoder(),
      ]) {
        const mem = enc().fit(dense);
        const lazy = await enc().fit(X, { scheduler });
        const what = `${mem.estimatorName} ${JSON.stringify(mem.getParams())}`;
        expect(lazy.getState(), what).toEqual(mem.getState());
        const T = lazy.transform(X);
        expect(T.shape, what).toEqual([rows, mem.outputWidth('transform')]);
        expect(Array.from((await T.compute({ scheduler })).data), what).toEqual(Array.from(mem.transform(dense).data));
      }
    });
  }

  it('a pipeline goes from code columns to a model', async () => {
    const rng = new Random(5);
    const dense = codes(rng, 400, 3);
    const y = Float64Array.from({ length: 400 }, (_, i) => (dense.data[i * 3]! > 0 ? 1 : 0));
    const X = fromArray(dense, { chunks: [100, -1] });
    const sgd = new SGDClassifier({ randomState: 0, maxIter: 5, tol: null });
    const pipe = makePipeline(
      new OneHotEncoder({ handleUnknown: 'ignore' }),
      new Incremental(sgd, { classes: [0, 1], shuffleBlocks: false }),
    );
    await pipe.fit(X, fromArray(y, { chunks: [100] }), { scheduler: threads });
    const pred = await pipe.predict(X).compute({ scheduler: threads });
    expect(Array.from(pred.data)).toEqual(Array.from(pipe.predict(dense).data));
  });
});

describe('encoder errors', () => {
  const X = [
    [1, 10],
    [2, 20],
    [1, 30],
  ];

  it('names the column and the values of unknown categories (in memory and lazily)', async () => {
    for (const enc of [new OneHotEncoder().fit(X), new OrdinalEncoder().fit(X)]) {
      const bad = [
        [1, 10],
        [3, 40],
        [2, 40],
        [5, 10],
      ];
      expect(() => enc.transform(bad)).toThrow(InvalidInputError);
      expect(() => enc.transform(bad)).toThrow(
        `${enc.estimatorName}.transform: found unknown categories [3, 5] in column 0 during transform.`,
      );
      await expect(enc.transform(fromArray(bad, { chunks: [2, -1] })).compute({ scheduler: 'sync' })).rejects.toThrow(
        /found unknown categories \[(3|5)\] in column 0 during transform/,
      );
    }
    expect(() =>
      new OneHotEncoder({
        categories: [
          [1, 2],
          [10, 20],
        ],
      }).fit(X),
    ).toThrow('OneHotEncoder.fit: found unknown categories [30] in column 1 during fit.');
    await expect(new OrdinalEncoder({ categories: [[1], [10, 20, 30]] }).fit(fromArray(X), { scheduler: 'sync' })).rejects.toThrow(
      'OrdinalEncoder.fit: found unknown categories [2] in column 0 during fit.',
    );
    // Unknown values are fine when they are handled.
    expect(
      new OneHotEncoder({
        categories: [
          [1, 2],
          [10, 20],
        ],
        handleUnknown: 'ignore',
      })
        .fit(X)
        .transform([[7, 30]]).data,
    ).toEqual(new Float64Array(4));
  });

  it('names the row and column of NaN and ±Infinity (impute missing codes first)', async () => {
    const nanX = [
      [1, 2],
      [Number.NaN, 3],
    ];
    expect(() => new OneHotEncoder().fit(nanX)).toThrow('OneHotEncoder.fit: input X contains NaN at row 1, column 0.');
    expect(() => new OrdinalEncoder().fit(X).transform([[1, Number.POSITIVE_INFINITY]])).toThrow(/Infinity at row 0, column 1/);
    const rows = Array.from({ length: 30 }, (_, i) => [i % 3, i === 17 ? Number.NaN : 1]);
    await expect(new OneHotEncoder().fit(fromArray(rows, { chunks: [10, -1] }), { scheduler: 'sync' })).rejects.toThrow(
      /contains NaN at row 17, column 1/,
    );
  });

  it('rejects a wrong width in memory and lazily', () => {
    const enc = new OneHotEncoder().fit(X);
    expect(() => enc.transform([[1, 2, 3]])).toThrow(/X has 3 features, but OneHotEncoder is expecting 2 features as input/);
    expect(() => enc.transform(fromArray([[1, 2, 3]]))).toThrow(/X has 3 features, but OneHotEncoder is expecting 2/);
    expect(() => new OrdinalEncoder({ categories: [[1, 2]] }).fit(X)).toThrow(
      "OrdinalEncoder.fit: X has 2 columns but the 'categories' parameter lists categories for 1.",
    );
  });

  it('validates its parameters', async () => {
    expect(() => new OneHotEncoder({ drop: 'last' as never }).fit(X)).toThrow(ParameterRangeError);
    expect(() => new OneHotEncoder({ handleUnknown: 'use_encoded_value' as never }).fit(X)).toThrow(
      /^The 'handleUnknown' parameter of OneHotEncoder must be a string among \{'error', 'ignore', 'infrequent_if_exist'\}\. Got 'use_encoded_value' instead\.$/,
    );
    expect(() => new OneHotEncoder({ categories: 'all' as never }).fit(X)).toThrow(ParameterTypeError);
    expect(() => new OneHotEncoder({ categories: [[2, 1], [10]] }).fit(X)).toThrow(
      /increasing order without repeats.*Column 0 is \[2, 1\]/,
    );
    expect(() => new OneHotEncoder({ categories: [[1, 1], [10]] }).fit(X)).toThrow(ParameterRangeError);
    expect(() => new OneHotEncoder({ categories: [[], [10]] }).fit(X)).toThrow(ParameterRangeError);
    expect(() => new OrdinalEncoder({ handleUnknown: 'use_encoded_value' }).fit(X)).toThrow(
      "OrdinalEncoder: unknownValue must be an integer or NaN when handleUnknown is 'use_encoded_value', got null.",
    );
    expect(() => new OrdinalEncoder({ unknownValue: -1 }).fit(X)).toThrow(
      "OrdinalEncoder: unknownValue should only be set when handleUnknown is 'use_encoded_value', got -1.",
    );
    expect(() => new OrdinalEncoder({ handleUnknown: 'use_encoded_value', unknownValue: 0.5 }).fit(X)).toThrow(ParameterRangeError);
    expect(() => new OrdinalEncoder({ handleUnknown: 'use_encoded_value', unknownValue: '1' as never }).fit(X)).toThrow(ParameterTypeError);
    expect(() => new OrdinalEncoder({ handleUnknown: 'use_encoded_value', unknownValue: 2 }).fit(X)).toThrow(
      /the used value for unknownValue 2 is one of the values already used for encoding the seen categories \(0 to 2\)/,
    );
    await expect(new OneHotEncoder({ drop: 'last' as never }).fit(fromArray(X))).rejects.toThrow(ParameterRangeError);
  });

  it('refuses a loaded model whose categories do not match their counts', () => {
    const json = JSON.parse(JSON.stringify(new OneHotEncoder().fit(X)));
    json.state.categories_[0].data.pop();
    json.state.categories_[0].shape = [1];
    expect(() => estimatorFromJSON(json)).toThrow(StateRangeError);
    expect(() => estimatorFromJSON(json)).toThrow(/'categories_' holds 1 categories for column 0 but nCategories_\[0\] is 2/);
  });
});

describe('LabelEncoder', () => {
  const { label } = fixture<{ label: { y: number[]; classes: number[]; transformed: number[]; codes: number[]; inverse: number[] } }>(
    'encoders.json',
  );

  it('matches scikit-learn 1.2: classes_, transform, inverseTransform (in memory and lazily)', async () => {
    const le = new LabelEncoder().fit(label.y);
    expect(Array.from(le.classes_.data)).toEqual(label.classes);
    expect(Array.from(le.transform(label.y).data)).toEqual(label.transformed);
    expect(Array.from(le.inverseTransform(label.codes).data)).toEqual(label.inverse);
    expect(Array.from(new LabelEncoder().fitTransform(label.y).data)).toEqual(label.transformed);
    expect(le.outputWidth('transform')).toBeNull();
    const y = fromArray(Float64Array.from(label.y), { chunks: [7] });
    const lazy = await new LabelEncoder().fit(y, { scheduler: threads });
    expect(lazy.getState()).toEqual(le.getState());
    expect(Array.from((await lazy.transform(y).compute({ scheduler: threads })).data)).toEqual(label.transformed);
    const codes = fromArray(Float64Array.from(label.codes), { chunks: [4] });
    expect(Array.from((await lazy.inverseTransform(codes).compute({ scheduler: 'sync' })).data)).toEqual(label.inverse);
  });

  it('lazy equals in memory over random labels and chunkings', async () => {
    for (const seed of [1, 2, 3]) {
      const rng = new Random(seed);
      const n = 20 + rng.below(900);
      const labels = Array.from({ length: 1 + rng.below(9) }, (_, k) => k * 3 - 5 + (k % 2) * 0.25);
      const yd = Float64Array.from({ length: n }, () => labels[rng.below(labels.length)]!);
      const y = fromArray(yd, { chunks: [3 + rng.below(200)] });
      const scheduler: Scheduler | 'sync' = seed === 2 ? threads : 'sync';
      const mem = new LabelEncoder().fit(yd);
      const lazy = await new LabelEncoder().fit(y, { scheduler });
      expect(lazy.getState(), `seed ${seed}`).toEqual(mem.getState());
      expect(Array.from((await lazy.transform(y).compute({ scheduler })).data)).toEqual(Array.from(mem.transform(yd).data));
    }
  });

  it('names unseen labels and bad codes; refuses NaN, 2-D y and an empty y', async () => {
    const le = new LabelEncoder().fit([3, 1, 3, 2.5]);
    expect(() => le.transform([1, 7, 0, 7])).toThrow(
      new InvalidInputError('LabelEncoder.transform: y contains previously unseen labels: [0, 7].'),
    );
    expect(() => le.inverseTransform([0, 3, 1.5])).toThrow('LabelEncoder.inverseTransform: y contains previously unseen labels: [1.5, 3].');
    await expect(le.transform(fromArray([1, 9], { chunks: [1] })).compute({ scheduler: 'sync' })).rejects.toThrow(
      /y contains previously unseen labels: \[9\]/,
    );
    expect(() => new LabelEncoder().fit([1, Number.NaN])).toThrow(/LabelEncoder\.fit: input y contains NaN at row 1/);
    expect(() => new LabelEncoder().fit([])).toThrow(/found array y with 0 samples/);
    await expect(new LabelEncoder().fit(fromArray([[1], [2]]))).rejects.toThrow(/LabelEncoder\.fit: y must be 1-D; got shape \[2, 1\]/);
    expect(() => le.transform(fromArray([[1], [2]]))).toThrow(/y must be 1-D/);
    expect(() => new LabelEncoder().transform([1])).toThrow(NotFittedError);
    expect(() => new LabelEncoder().transform(fromArray([1]))).toThrow(NotFittedError);
  });

  it('round-trips through JSON and refuses unsorted classes', () => {
    const le = new LabelEncoder().fit([5, 2, 9]);
    const back = estimatorFromJSON(JSON.parse(JSON.stringify(le))) as LabelEncoder;
    expect(Array.from(back.transform([9, 2]).data)).toEqual([2, 0]);
    const json = JSON.parse(JSON.stringify(le));
    json.state.classes_.data.reverse();
    expect(() => estimatorFromJSON(json)).toThrow(StateRangeError);
  });
});
