/**
 * The encoders' inverseTransform and OneHotEncoder's infrequent categories (minFrequency,
 * maxCategories, handleUnknown 'infrequent_if_exist'), against scikit-learn 1.2 (fixtures from
 * estimators/test/fixtures/make_encoders_more.py); lazy = in memory; the errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DenseArray, fromArray } from '@tessera/array';
import { ThreadScheduler } from '@tessera/scheduler';
import { InvalidInputError, OneHotEncoder, OrdinalEncoder, ParameterRangeError, estimatorFromJSON } from '@tessera/estimators';
import { fixture } from './helpers.js';

type Cell = number | string | null;
interface Fixture {
  X: (number | null)[][];
  T: (number | null)[][];
  ordinal: {
    params: { handleUnknown: 'error' | 'use_encoded_value'; unknownValue: number | null };
    nanUnknown: boolean;
    codes: (number | null)[][];
    inverse: (number | null)[][];
  }[];
  onehot: {
    params: { drop: 'first' | 'if_binary' | null; handleUnknown: 'error' | 'ignore' };
    encoded: number[][];
    inverse: (number | null)[][];
    soft: number[][];
    softInverse: (number | null)[][] | null;
  }[];
  infrequent: {
    params: {
      minFrequency: number | null;
      maxCategories: number | null;
      handleUnknown: 'error' | 'ignore' | 'infrequent_if_exist';
      drop: 'first' | 'if_binary' | null;
    };
    infrequent: (number[] | null)[];
    names: string[];
    T: number[][];
    encoded: number[][];
    inverse: Cell[][];
  }[];
}

const f = fixture<Fixture>('encoders_more.json');
const X = f.X as number[][];
/** scikit-learn's None (unknown) and 'infrequent_sklearn' (the group) are NaN in a float64 array. */
const num = (rows: Cell[][]): number[] => rows.flat().map((v) => (typeof v === 'number' ? v : Number.NaN));

function same(actual: ArrayLike<number>, expected: readonly number[], what: string): void {
  expect(
    Array.from(actual).map((v) => (Number.isNaN(v) ? 'NaN' : v)),
    what,
  ).toEqual(expected.map((v) => (Number.isNaN(v) ? 'NaN' : v)));
}

let threads: ThreadScheduler;
beforeAll(() => {
  threads = new ThreadScheduler({ threads: 2 });
});
afterAll(async () => {
  await threads.close();
});

describe('OrdinalEncoder.inverseTransform against scikit-learn 1.2', () => {
  for (const c of f.ordinal) {
    const p = { ...c.params, unknownValue: c.nanUnknown ? Number.NaN : c.params.unknownValue };
    it(`${JSON.stringify(c.params)}${c.nanUnknown ? ' (unknownValue NaN)' : ''}`, async () => {
      const enc = new OrdinalEncoder(p).fit(X);
      const codes = new DenseArray(Float64Array.from(num(c.codes)), [c.codes.length, 3]);
      same(enc.inverseTransform(codes).data, num(c.inverse), 'inverse');
      const lazy = await enc.inverseTransform(fromArray(codes, { chunks: [2, 3] })).compute({ scheduler: threads });
      same(lazy.data, num(c.inverse), 'lazy inverse');
    });
  }

  it('a code that is not one is named by row and column', () => {
    const enc = new OrdinalEncoder().fit(X);
    expect(() => enc.inverseTransform([[0, 0, 7]])).toThrow(InvalidInputError);
    expect(() => enc.inverseTransform([[0, 0, 7]])).toThrow(
      /X holds 7 at row 0, column 2, which is not a code of that column \(an integer in \[0, 4\]\)/,
    );
    expect(() => enc.inverseTransform([[0.5, 0, 1]])).toThrow(/X holds 0.5 at row 0, column 0/);
    expect(() => enc.inverseTransform([[0, 0]])).toThrow(/X has 2 columns; the encoding has 3/);
  });
});

describe('OneHotEncoder.inverseTransform against scikit-learn 1.2', () => {
  for (const c of f.onehot) {
    it(`${JSON.stringify(c.params)}: encoded rows, and soft rows (argmax, zeros)`, async () => {
      const enc = new OneHotEncoder(c.params).fit(X);
      const n = c.encoded.length;
      const w = c.encoded[0]!.length;
      const Z = new DenseArray(Float64Array.from(c.encoded.flat()), [n, w]);
      same(enc.inverseTransform(Z).data, num(c.inverse), 'inverse');
      same((await enc.inverseTransform(fromArray(Z, { chunks: [3, w] })).compute({ scheduler: threads })).data, num(c.inverse), 'lazy');
      const soft = new DenseArray(Float64Array.from(c.soft.flat()), [c.soft.length, w]);
      if (c.softInverse === null) expect(() => enc.inverseTransform(soft)).toThrow(/cannot be inverted when drop is null/);
      else same(enc.inverseTransform(soft).data, num(c.softInverse), 'soft inverse');
    });
  }
});

describe('OneHotEncoder infrequent categories against scikit-learn 1.2', () => {
  for (const c of f.infrequent) {
    const p = c.params;
    it(JSON.stringify(p), async () => {
      const enc = new OneHotEncoder(p).fit(X);
      expect(enc.infrequentCategories_.map((a) => (a === null ? null : Array.from(a.data)))).toEqual(c.infrequent);
      expect(enc.getFeatureNamesOut()).toEqual(c.names);
      const T = new DenseArray(Float64Array.from(c.T.flat()), [c.T.length, 3]);
      same(enc.transform(T).data, c.encoded.flat(), 'transform');
      same(enc.inverseTransform(enc.transform(T)).data, num(c.inverse), 'inverse');
      // Lazily: the same categories from one parallel pass of value counts, the same encoding.
      const lazy = await new OneHotEncoder(p).fit(
        fromArray(new DenseArray(Float64Array.from(X.flat()), [X.length, 3]), { chunks: [7, 3] }),
        {
          scheduler: threads,
        },
      );
      expect(lazy.getState()).toEqual(enc.getState());
      same(
        (await lazy.transform(fromArray(T, { chunks: [2, 3] })).compute({ scheduler: threads })).data,
        c.encoded.flat(),
        'lazy transform',
      );
      // A saved model keeps its groups.
      const back = estimatorFromJSON(JSON.parse(JSON.stringify(enc))) as OneHotEncoder;
      same(back.transform(T).data, c.encoded.flat(), 'reloaded');
    });
  }

  it('bad minFrequency / maxCategories are named', () => {
    expect(() => new OneHotEncoder({ minFrequency: 0 }).fit(X)).toThrow(ParameterRangeError);
    expect(() => new OneHotEncoder({ minFrequency: 1.5 }).fit(X)).toThrow(/'minFrequency' parameter of OneHotEncoder/);
    expect(() => new OneHotEncoder({ maxCategories: 0 }).fit(X)).toThrow(/'maxCategories' parameter of OneHotEncoder/);
  });

  it('without minFrequency and maxCategories the state has no groups (models saved before load as they were)', () => {
    const enc = new OneHotEncoder().fit(X);
    expect('infrequentMask_' in enc.getState()).toBe(false);
    const json = JSON.parse(JSON.stringify(enc));
    expect(Array.from((estimatorFromJSON(json) as OneHotEncoder).transform([[0, 10, 2]]).data)).toEqual(
      Array.from(enc.transform([[0, 10, 2]]).data),
    );
  });
});
