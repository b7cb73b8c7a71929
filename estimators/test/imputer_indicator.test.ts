/**
 * SimpleImputer's addIndicator against scikit-learn 1.2 (fixtures from
 * estimators/test/fixtures/make_imputer_indicator.py: NaN and -1 as the marker, every strategy, a
 * column all missing, missing values at transform where fit saw none), lazy = in memory, names,
 * persistence.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DenseArray, fromArray } from '@tessera/array';
import { ThreadScheduler } from '@tessera/scheduler';
import { SimpleImputer, StateRangeError, estimatorFromJSON, type ImputerStrategy } from '@tessera/estimators';
import { fixture } from './helpers.js';

interface Case {
  params: { strategy: ImputerStrategy; keepEmptyFeatures: boolean; missingValues: number | null };
  X: (number | null)[][];
  T: (number | null)[][];
  features: number[];
  names: string[];
  transformed: (number | null)[][];
}

const { cases } = fixture<{ cases: Case[] }>('imputer_indicator.json');
const dense = (rows: (number | null)[][]) =>
  new DenseArray(
    Float64Array.from(rows.flat(), (v) => (v === null ? Number.NaN : v)),
    [rows.length, rows[0]!.length],
  );
const plain = (a: ArrayLike<number>) => Array.from(a, (v) => (Number.isNaN(v) ? 'NaN' : v));

/** Equal up to 1e-12 relative (a mean's sum is numpy's pairwise one there, a running one here); NaN where expected. */
function near(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) ? !Number.isNaN(a) : !(Math.abs(a - e) <= 1e-12 * Math.max(1, Math.abs(e))))
      expect.fail(`${what}[${i}]: ${a} vs ${e}`);
  }
}

let threads: ThreadScheduler;
beforeAll(() => {
  threads = new ThreadScheduler({ threads: 2 });
});
afterAll(async () => {
  await threads.close();
});

describe('SimpleImputer addIndicator against scikit-learn 1.2', () => {
  for (const c of cases) {
    const p = { ...c.params, missingValues: c.params.missingValues ?? Number.NaN, addIndicator: true };
    it(JSON.stringify(c.params), async () => {
      const X = dense(c.X);
      const T = dense(c.T);
      const imp = new SimpleImputer(p).fit(X);
      expect(Array.from(imp.indicatorFeatures_!.data)).toEqual(c.features);
      expect(imp.getFeatureNamesOut()).toEqual(c.names);
      expect(imp.outputWidth('transform')).toBe(c.names.length);
      near(imp.transform(T).data, dense(c.transformed).data, 'transform');
      const lazy = await new SimpleImputer(p).fit(fromArray(X, { chunks: [7, 2] }), { scheduler: threads });
      expect(plain(lazy.indicatorFeatures_!.data)).toEqual(c.features);
      const out = await lazy.transform(fromArray(T, { chunks: [2, 5] })).compute({ scheduler: threads });
      near(out.data, dense(c.transformed).data, 'lazy transform');
      const back = estimatorFromJSON(JSON.parse(JSON.stringify(imp))) as SimpleImputer;
      expect(plain(back.transform(T).data)).toEqual(plain(imp.transform(T).data));
    });
  }

  it('without addIndicator nothing is appended, and a tampered indicator is refused', () => {
    const X = dense(cases[0]!.X);
    const imp = new SimpleImputer().fit(X);
    expect(imp.indicatorFeatures_).toBeNull();
    expect(imp.outputWidth('transform')).toBe(4);
    const json = JSON.parse(JSON.stringify(new SimpleImputer({ addIndicator: true }).fit(X)));
    json.state.indicatorFeatures_ = { $array: 'float64', shape: [1], data: [9] };
    expect(() => estimatorFromJSON(json)).toThrow(StateRangeError);
    expect(() => new SimpleImputer({ addIndicator: 'yes' as unknown as boolean }).fit(X)).toThrow(
      /'addIndicator' parameter of SimpleImputer/,
    );
  });
});
