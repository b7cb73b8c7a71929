/**
 * Scalers against scikit-learn and numpy on hostile data (mean 1e6 with std 3, a constant
 * column, an all-zero column, a near-constant column), and the moments combine against a
 * one-shot computation over random shapes and splits.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DenseArray } from '@tessera/array';
import { MaxAbsScaler, MinMaxScaler, StandardScaler } from '../src/index.js';
import { blockMoments, combineMoments, emptyMoments } from '../src/internal.js';
import { expectClose, fixture } from './helpers.js';

interface ScalerCase {
  name: string;
  estimator: 'StandardScaler' | 'MinMaxScaler' | 'MaxAbsScaler';
  params: Record<string, unknown>;
  weighted: boolean;
  sampleWeight: number[] | null;
  steps: Record<string, number[] | number>[];
  transform: number[];
  inverse: number[];
}
const fx = fixture<{ X: number[][]; blocks: number[]; Xtest: number[][]; cases: ScalerCase[]; numpy: { mean: number[]; var: number[] } }>(
  'scalers.json',
);

const classes = { StandardScaler, MinMaxScaler, MaxAbsScaler } as const;

describe('scalers match scikit-learn 1.2 on hostile data', () => {
  it.each(fx.cases.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const est = new (classes[c.estimator] as unknown as new (p: Record<string, unknown>) => StandardScaler)(c.params);
    let a = 0;
    c.steps.forEach((step, i) => {
      const b = a + fx.blocks[i]!;
      const Xb = DenseArray.from(fx.X.slice(a, b));
      if (c.weighted) est.partialFit(Xb, { sampleWeight: c.sampleWeight!.slice(a, b) });
      else est.partialFit(Xb);
      for (const [key, expected] of Object.entries(step)) {
        const actual = (est as unknown as Record<string, unknown>)[key];
        if (typeof expected === 'number') expect(actual, `${key} after block ${i}`).toBeCloseTo(expected, 9);
        else expectClose((actual as DenseArray).data as Float64Array, expected, `${key} after block ${i}`);
      }
      a = b;
    });
    const Xt = DenseArray.from(fx.Xtest);
    expectClose(est.transform(Xt).data as Float64Array, c.transform, 'transform', 1e-9, 1e-12);
    expectClose(est.inverseTransform(Xt).data as Float64Array, c.inverse, 'inverseTransform');
  });

  it("StandardScaler's statistics equal numpy's over the whole data", () => {
    const sc = new StandardScaler();
    let a = 0;
    for (const r of fx.blocks) {
      sc.partialFit(DenseArray.from(fx.X.slice(a, a + r)));
      a += r;
    }
    expectClose(sc.mean_!.data, fx.numpy.mean, 'mean_');
    expectClose(sc.var_!.data, fx.numpy.var, 'var_', 1e-9, 1e-15);
    // The constant and all-zero columns are left unscaled.
    expect(Array.from(sc.scale_!.data.subarray(1, 2))).toEqual([1]);
    expect(sc.scale_!.data[4]).toBe(1);
  });

  it('fitTransform standardises: mean 0, variance 1 per non-constant column', () => {
    const Z = new StandardScaler().fitTransform(DenseArray.from(fx.X));
    const n = fx.X.length;
    for (const j of [0, 2, 3]) {
      let m = 0;
      let v = 0;
      for (let i = 0; i < n; i++) m += Z.get(i, j);
      m /= n;
      for (let i = 0; i < n; i++) v += (Z.get(i, j) - m) ** 2;
      expect(Math.abs(m)).toBeLessThan(1e-9);
      expect(v / n).toBeCloseTo(1, 9);
    }
  });

  it('MinMaxScaler clips when asked and rejects an empty range', () => {
    const mm = new MinMaxScaler({ clip: true }).fit([[0], [10]]);
    expect(Array.from(mm.transform([[-5], [5], [20]]).data)).toEqual([0, 0.5, 1]);
    expect(() => new MinMaxScaler({ featureRange: [1, 1] }).fit([[0], [1]])).toThrow(/minimum smaller than its maximum/);
  });
});

describe('blockMoments / combineMoments', () => {
  const matrix = fc.tuple(fc.integer({ min: 2, max: 40 }), fc.integer({ min: 1, max: 5 })).chain(([n, d]) =>
    fc.record({
      n: fc.constant(n),
      d: fc.constant(d),
      values: fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: n * d, maxLength: n * d }),
      offset: fc.constantFrom(0, 1e6, -3e4),
      cuts: fc.array(fc.integer({ min: 1, max: n - 1 }), { maxLength: 4 }),
    }),
  );

  it('combining per-block moments in any split equals the one-shot moments', () => {
    fc.assert(
      fc.property(matrix, ({ n, d, values, offset, cuts }) => {
        const data = Float64Array.from(values, (v) => v + offset);
        const whole = blockMoments({ data, nSamples: n, nFeatures: d });
        const bounds = [0, ...[...new Set(cuts)].sort((a, b) => a - b), n];
        let acc = emptyMoments(d);
        // Fold right to left to exercise the order too.
        for (let k = bounds.length - 2; k >= 0; k--) {
          const a = bounds[k]!;
          const b = bounds[k + 1]!;
          acc = combineMoments(blockMoments({ data: data.subarray(a * d, b * d), nSamples: b - a, nFeatures: d }), acc);
        }
        expect(acc.count).toBe(n);
        for (let j = 0; j < d; j++) {
          expect(Math.abs(acc.mean[j]! - whole.mean[j]!)).toBeLessThanOrEqual(1e-12 * (Math.abs(offset) + 1e3));
          expect(Math.abs(acc.m2[j]! - whole.m2[j]!)).toBeLessThanOrEqual(1e-9 * (whole.m2[j]! + 1e3 * n));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('StandardScaler.partialFitMoments equals partialFit', () => {
    const X = DenseArray.from(fx.X);
    const a = new StandardScaler().partialFit(X);
    const b = new StandardScaler().partialFitMoments(blockMoments(X));
    expect(Array.from(b.mean_!.data)).toEqual(Array.from(a.mean_!.data));
    expect(Array.from(b.var_!.data)).toEqual(Array.from(a.var_!.data));
  });
});
