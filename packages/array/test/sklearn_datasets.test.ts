/**
 * scikit-learn 1.2's in-memory make_classification / make_regression / make_blobs, reproduced
 * draw for draw (sklearn_datasets.ts). Fixtures: fixtures/make_sklearn_datasets.py →
 * fixtures/sklearn_datasets.json (whole outputs for the defaults and every branch of the draws).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  RandomState,
  makeClassification,
  sampleWithoutReplacement,
  sklearnMakeBlobs,
  sklearnMakeClassification,
  sklearnMakeRegression,
} from '@tessera/array';

interface Fixture {
  sklearnVersion: string;
  classification: { params: Record<string, unknown>; shape: number[]; X: number[]; y: number[] }[];
  regression: {
    params: Record<string, unknown>;
    shape: number[];
    X: number[];
    y: number[];
    yShape: number[];
    coef: number[];
    coefShape: number[];
  }[];
  blobs: { params: Record<string, unknown>; shape: number[]; X: number[]; y: number[]; centers: number[] }[];
  swr: { nPopulation: number; nSamples: number; seed: number; out: number[] }[];
}
const fx = JSON.parse(readFileSync(new URL('./fixtures/sklearn_datasets.json', import.meta.url), 'utf8')) as Fixture;

const camel = (k: string) => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const optionsOf = (p: Record<string, unknown>) => Object.fromEntries(Object.entries(p).map(([k, v]) => [camel(k), v]));

/** Equal bit for bit (the sign of zero included). */
function expectExact(actual: ArrayLike<number>, expected: readonly number[], label: string): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) throw new Error(`${label}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

/**
 * Equal bit for bit except at most `allowed` values within `rel` of the array's scale: numpy's
 * matrix–vector products (dgemv) sum their last n mod 4 rows in another OpenBLAS kernel.
 */
function expectExactBut(actual: ArrayLike<number>, expected: readonly number[], label: string, allowed: number, rel = 1e-15): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  let scale = 0;
  for (const e of expected) scale = Math.max(scale, Math.abs(e));
  let differ = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Object.is(a, e)) continue;
    differ++;
    if (!(Math.abs(a - e) <= rel * Math.max(Math.abs(e), scale))) throw new Error(`${label}: element ${i} is ${a}, expected ${e}`);
  }
  expect(differ, `${label}: values not bit for bit`).toBeLessThanOrEqual(allowed);
}

describe(`scikit-learn ${fx.sklearnVersion}'s dataset generators, draw for draw`, () => {
  it('sampleWithoutReplacement: permutation, tracking selection and reservoir sampling as scikit-learn picks them', () => {
    for (const c of fx.swr) {
      expect(sampleWithoutReplacement(c.nPopulation, c.nSamples, new RandomState(c.seed)), `${c.nPopulation}, ${c.nSamples}`).toEqual(
        c.out,
      );
    }
    expect(() => sampleWithoutReplacement(3, 4, new RandomState(0))).toThrow(RangeError);
  });

  fx.classification.forEach((c, i) => {
    it(`sklearnMakeClassification #${i} ${JSON.stringify(c.params)}`, () => {
      const { X, y } = sklearnMakeClassification(optionsOf(c.params));
      expect(X.shape).toEqual(c.shape);
      expect(Array.from(y.data)).toEqual(c.y);
      // One redundant feature is a dgemv in numpy: its last n mod 4 rows (and their repeats) may differ by an ulp.
      const p = c.params as { n_samples?: number; n_redundant?: number; n_repeated?: number };
      const gemvRows = p.n_redundant === 1 ? ((p.n_samples ?? 100) % 4) * (1 + (p.n_repeated ?? 0)) : 0;
      expectExactBut(X.data, c.X, 'X', gemvRows);
    });
  });

  fx.regression.forEach((c, i) => {
    it(`sklearnMakeRegression #${i} ${JSON.stringify(c.params)}`, () => {
      const { X, y, coef } = sklearnMakeRegression(optionsOf(c.params));
      expect(X.shape).toEqual(c.shape);
      expect(y.shape).toEqual(c.yShape);
      expect(coef.shape).toEqual(c.coefShape);
      expectExact(X.data, c.X, 'X');
      expectExact(coef.data, c.coef, 'coef');
      // One target is a dgemv in numpy: its last n mod 4 rows may differ by an ulp.
      const p = c.params as { n_samples?: number; n_targets?: number };
      expectExactBut(y.data, c.y, 'y', (p.n_targets ?? 1) === 1 ? (p.n_samples ?? 100) % 4 : 0);
    });
  });

  fx.blobs.forEach((c, i) => {
    it(`sklearnMakeBlobs #${i} ${JSON.stringify(c.params)}`, () => {
      const { X, y, centers } = sklearnMakeBlobs(optionsOf(c.params));
      expect(X.shape).toEqual(c.shape);
      expect(Array.from(y.data)).toEqual(c.y);
      expectExact(centers.data, c.centers, 'centers');
      expectExact(X.data, c.X, 'X');
    });
  });

  it('a RandomState given as randomState is advanced, as scikit-learn does with an instance', () => {
    const rs = new RandomState(0);
    const a = sklearnMakeBlobs({ randomState: rs });
    const b = sklearnMakeBlobs({ randomState: rs });
    expectExact(a.X.data, fx.blobs[0]!.X, 'first call = seed 0');
    expect(Array.from(b.X.data)).not.toEqual(Array.from(a.X.data));
    const c = sklearnMakeBlobs({ randomState: null });
    const d = sklearnMakeBlobs({ randomState: null });
    expect(Array.from(c.X.data)).not.toEqual(Array.from(d.X.data));
  });

  it('leaves the lazy chunked generator unchanged and chunk-invariant', async () => {
    const whole = await makeClassification({ nSamples: 500, nFeatures: 6, randomState: 3, chunks: 500 }).X.compute();
    const chunked = await makeClassification({ nSamples: 500, nFeatures: 6, randomState: 3, chunks: 70 }).X.compute();
    expect(Array.from(chunked.data)).toEqual(Array.from(whole.data));
    // Its values as before these generators existed (Philox streams, not numpy's).
    expect(Array.from(whole.data.slice(0, 4))).toEqual([
      -0.41323082780802817, 1.2276726314359165, -0.03706870741914156, 0.28242083578581834,
    ]);
    expect(Array.from(whole.data.slice(2990, 2994))).toEqual([
      1.4499610238613179, -0.08944305102628869, 0.1981293507809001, -1.5929750087874313,
    ]);
    const exact = sklearnMakeClassification({ nSamples: 500, nFeatures: 6, randomState: 3 }).X;
    expect(Array.from(exact.data)).not.toEqual(Array.from(whole.data));
  });

  it('names bad parameters with the right error class', () => {
    expect(() => sklearnMakeClassification({ nSamples: 0 })).toThrow(/'nSamples' parameter of sklearnMakeClassification/);
    expect(() => sklearnMakeClassification({ nSamples: 0 })).toThrow(RangeError);
    expect(() => sklearnMakeClassification({ nSamples: '5' as unknown as number })).toThrow(TypeError);
    expect(() => sklearnMakeClassification({ nFeatures: 3, nInformative: 2, nRedundant: 2 })).toThrow(/must sum to at most nFeatures/);
    expect(() => sklearnMakeClassification({ nInformative: 1, nClasses: 3, nClustersPerClass: 1 })).toThrow(/2\*\*nInformative/);
    expect(() => sklearnMakeClassification({ weights: [0.1, 0.2, 0.3] })).toThrow(/'weights' has 3 values/);
    expect(() => sklearnMakeClassification({ flipY: 2 })).toThrow(RangeError);
    expect(() => sklearnMakeClassification({ shift: [1, 2] })).toThrow(/'shift' has 2 values for 20 features/);
    expect(() => sklearnMakeClassification({ randomState: -1 })).toThrow(RangeError);
    expect(() => sklearnMakeRegression({ effectiveRank: 5 as unknown as null })).toThrow(/effectiveRank must be null/);
    expect(() => sklearnMakeRegression({ noise: -1 })).toThrow(/'noise' parameter of sklearnMakeRegression/);
    expect(() => sklearnMakeBlobs({ nSamples: [1, 2], centers: [[0, 0]] })).toThrow(/not consistent with the number of centers/);
    expect(() => sklearnMakeBlobs({ clusterStd: [1, 2] })).toThrow(/clusterStd has 2 values for 3 centers/);
    expect(() => sklearnMakeBlobs({ centers: [[0, 0], [1]] })).toThrow(/equal, non-zero length/);
  });
});
