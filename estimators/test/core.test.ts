/**
 * The package's plumbing: the seeded generator, the bucketed shuffle, exact JSON encoding,
 * parameter validation messages, input validation and nested parameters.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SGD_EPOCH_WASM_SOURCE_SHA256 } from '../src/linear_model/sgd/sgd_wasm_bytes.js';
import { DenseArray } from '@tessera/array';
import {
  BaseEstimator,
  ParameterRangeError,
  ParameterTypeError,
  SGDClassifier,
  StandardScaler,
  checkArray,
  registerEstimator,
  estimatorFromJSON,
} from '../src/index.js';
import {
  Random,
  decodeJson,
  encodeJson,
  interval,
  invalidParameterMessage,
  invalidValuesFor,
  options,
  validateParams,
  NULL,
  BOOLEAN,
} from '../src/internal.js';

describe('Random', () => {
  it('gives the same stream for the same seed, different streams otherwise', () => {
    const a = new Random(123);
    const b = new Random(123);
    const c = new Random(124);
    const sa = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(sa);
    // Pinned values: the stream must never change across versions or platforms.
    expect(sa).toMatchSnapshot();
  });

  it('draws unbiased integers in range and floats in [0, 1)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: 2 ** 32 }), (seed, n) => {
        const r = new Random(seed);
        for (let i = 0; i < 20; i++) {
          const k = r.randint(n);
          expect(Number.isInteger(k) && k >= 0 && k < n).toBe(true);
          const u = r.random();
          expect(u >= 0 && u < 1).toBe(true);
        }
      }),
    );
    const r = new Random(9);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30000; i++) counts[r.randint(3)]!++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(400);
  });
});

describe('exact JSON encoding', () => {
  it('round-trips any doubles, typed arrays and blocks bit for bit', () => {
    fc.assert(
      fc.property(fc.array(fc.double()), (values) => {
        const data = Float64Array.from(values);
        const value = { a: data, b: new DenseArray(data.slice(), [data.length]), c: values, d: { e: -0 } };
        const back = decodeJson(JSON.parse(JSON.stringify(encodeJson(value)))) as typeof value;
        const same = (x: ArrayLike<number>, y: ArrayLike<number>) =>
          x.length === y.length && Array.from(x).every((v, i) => Object.is(v, y[i]));
        expect(same(back.a, data)).toBe(true);
        expect(same(back.b.data as Float64Array, data)).toBe(true);
        expect(same(back.c, values)).toBe(true);
        expect(Object.is(back.d.e, -0)).toBe(true);
      }),
    );
  });
});

describe('parameter validation', () => {
  const constraints = {
    alpha: [interval('float', 0, null, 'left')],
    loss: [options('hinge', 'log_loss')],
    tol: [interval('float', 0, null, 'left'), NULL],
    flag: [BOOLEAN],
    k: [interval('int', 1, 10, 'both')],
  };

  it('uses the one message template', () => {
    expect(() => validateParams('SGDClassifier', constraints, { alpha: -1 })).toThrow(
      "The 'alpha' parameter of SGDClassifier must be a float in the range [0, inf). Got -1 instead.",
    );
    expect(() => validateParams('X', constraints, { tol: 'a' })).toThrow(
      "The 'tol' parameter of X must be a float in the range [0, inf) or null. Got 'a' instead.",
    );
    expect(invalidParameterMessage('X', 'k', constraints.k, 2.5)).toBe(
      "The 'k' parameter of X must be an int in the range [1, 10]. Got 2.5 instead.",
    );
  });

  it('throws TypeError for a wrong type, RangeError for a bad value', () => {
    expect(() => validateParams('X', constraints, { alpha: 'big' })).toThrow(ParameterTypeError);
    expect(() => validateParams('X', constraints, { alpha: -1 })).toThrow(ParameterRangeError);
    expect(() => validateParams('X', constraints, { loss: 'hinge2' })).toThrow(ParameterRangeError);
    expect(() => validateParams('X', constraints, { flag: 1 })).toThrow(ParameterTypeError);
    expect(new ParameterTypeError('m', 'X', 'a', 1)).toBeInstanceOf(TypeError);
    expect(new ParameterRangeError('m', 'X', 'a', 1)).toBeInstanceOf(RangeError);
  });

  it('generates values that violate every constraint', () => {
    for (const cs of Object.values(constraints)) {
      const bad = invalidValuesFor(cs);
      expect(bad.length).toBeGreaterThan(2);
      for (const v of bad) expect(() => validateParams('X', { p: cs }, { p: v })).toThrow(/The 'p' parameter of X must be/);
    }
  });
});

describe('input validation', () => {
  it('converts nested arrays and blocks without copying float64 data', () => {
    const X = DenseArray.from([
      [1, 2],
      [3, 4],
    ]);
    expect(checkArray(X, { caller: 't' }).data).toBe(X.data);
    expect(
      Array.from(
        checkArray(
          [
            [1, 2],
            [3, 4],
          ],
          { caller: 't' },
        ).data,
      ),
    ).toEqual([1, 2, 3, 4]);
    expect(() => checkArray([[1, 2], [3]], { caller: 't' })).toThrow(/row 1 of X has 1 elements; row 0 has 2/);
    expect(() => checkArray([], { caller: 't' })).toThrow(/0 samples/);
    expect(() => checkArray([[1, 'a']], { caller: 't' })).toThrow(TypeError);
  });

  it('names the first non-finite value on random shapes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 8 }),
        fc.nat(),
        fc.constantFrom(Number.NaN, Infinity, -Infinity),
        (n, d, at, bad) => {
          const data = new Float64Array(n * d).fill(0.5);
          const q = at % (n * d);
          data[q] = bad;
          expect(() => checkArray(new DenseArray(data, [n, d]), { caller: 't' })).toThrow(`at row ${Math.floor(q / d)}, column ${q % d}.`);
        },
      ),
    );
  });
});

describe('nested parameters', () => {
  interface WrapperParams {
    inner: SGDClassifier;
    scaler: StandardScaler;
    label: string;
  }
  interface Wrapper extends WrapperParams {}
  class Wrapper extends BaseEstimator<WrapperParams> {
    static readonly estimatorName = 'TestWrapper';
    static readonly defaults = { inner: new SGDClassifier(), scaler: new StandardScaler(), label: 'w' };
    static readonly constraints = {};
  }
  registerEstimator(Wrapper);

  it('reaches nested estimators with step__param, and deep getParams lists them', () => {
    const w = new Wrapper({ inner: new SGDClassifier({ alpha: 0.5 }) });
    const params = w.getParams() as unknown as Record<string, unknown>;
    expect(params['inner__alpha']).toBe(0.5);
    expect(params['scaler__withMean']).toBe(true);
    w.setParams({ inner__alpha: 0.25, scaler__withStd: false, label: 'x' });
    expect(w.inner.alpha).toBe(0.25);
    expect(w.scaler.withStd).toBe(false);
    expect(() => w.setParams({ nope__alpha: 1 })).toThrow(/no nested estimator/);
    const c = w.clone();
    expect(c.inner).not.toBe(w.inner);
    expect(c.inner.alpha).toBe(0.25);
    const back = estimatorFromJSON(JSON.parse(JSON.stringify(w))) as Wrapper;
    expect(back.inner).toBeInstanceOf(SGDClassifier);
    expect(back.scaler.withStd).toBe(false);
  });
});

describe('generated WebAssembly', () => {
  it('was assembled from the current .wat (re-run estimators/scripts/build_wasm.mjs otherwise)', () => {
    const src = readFileSync(new URL('../wasm/sgd_epoch.wat', import.meta.url));
    expect(createHash('sha256').update(src).digest('hex')).toBe(SGD_EPOCH_WASM_SOURCE_SHA256);
  });
});
