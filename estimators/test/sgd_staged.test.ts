/**
 * An in-memory fit without shuffling copies its rows into WebAssembly memory once and runs every
 * epoch there in place (wasm_epoch.ts's stageInOwnMemory) instead of streaming the rows in again
 * each epoch: the weights must be those of the JavaScript epoch, bit for bit, with sample weights,
 * several classes and rows spanning many of the streaming path's chunks. And the classes found by
 * the SGD classifier's short-list scan (base.ts) are the Set's, in the same order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DenseArray, RandomState } from '@tessera/array';
import { SGDClassifier, SGDRegressor } from '../src/index.js';
import { setSGDBackend } from '../src/internal.js';

afterEach(() => {
  setSGDBackend('auto');
});

function problem(n: number, d: number, classes: number, seed: number): { X: Float64Array; y: Float64Array; sw: Float64Array } {
  const rs = new RandomState(seed);
  const X = rs.uniform(-1, 1, n * d);
  const u = rs.uniform(0, 1, n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++)
    y[i] = Math.min(classes - 1, Math.floor(((X[i * d]! + X[i * d + 1]! + 2) * classes) / 4 + 0.3 * (u[i]! - 0.5)));
  const sw = rs.uniform(0.5, 2, n);
  return { X, y, sw };
}

function fitBoth(make: () => SGDClassifier | SGDRegressor, X: Float64Array, y: Float64Array, d: number, sw: Float64Array | null) {
  const out: number[][] = [];
  for (const backend of ['js', 'wasm'] as const) {
    setSGDBackend(backend);
    const est = make();
    est.fit(new DenseArray(X, [y.length, d]), y, sw === null ? {} : { sampleWeight: sw });
    out.push([...est.coef_.data, ...est.intercept_.data]);
  }
  return out;
}

describe('SGD epochs on rows staged once in WebAssembly memory', () => {
  // 20000 × 20 rows: three of the streaming path's 1 MiB chunks per epoch.
  const n = 20000;
  const d = 20;
  it.each([
    ['log_loss', 2, false],
    ['hinge', 2, true],
    ['modified_huber', 3, true],
    ['squared_hinge', 2, false],
  ] as const)('%s, %i classes, sample weights %s: the JavaScript epoch’s weights bit for bit', (loss, classes, weighted) => {
    const { X, y, sw } = problem(n, d, classes, 3);
    const [js, wasm] = fitBoth(
      () => new SGDClassifier({ loss, alpha: 1e-5, shuffle: false, maxIter: 4, tol: null }),
      X,
      y,
      d,
      weighted ? sw : null,
    );
    expect(wasm).toEqual(js);
  });

  it('regression (squared error, invscaling): the same', () => {
    const { X, y, sw } = problem(n, d, 5, 4);
    const [js, wasm] = fitBoth(() => new SGDRegressor({ shuffle: false, maxIter: 3, tol: null, learningRate: 'invscaling' }), X, y, d, sw);
    expect(wasm).toEqual(js);
  });
});

describe("the SGD classifier's classes", () => {
  it('are the distinct labels in increasing order, -0 kept as first seen, whatever their number', () => {
    const fit = (y: number[]) => {
      const X = new Float64Array(y.length * 2).map((_, i) => (i % 7) - 3);
      return Array.from(
        new SGDClassifier({ maxIter: 1, tol: null }).fit(new DenseArray(X, [y.length, 2]), Float64Array.from(y)).classes_.data,
      );
    };
    expect(fit([3, -1, 3, 2.5, -1, 2.5])).toEqual([-1, 2.5, 3]);
    const signed = fit([-0, 1, 0, 1]);
    expect(signed).toEqual([-0, 1]);
    expect(Object.is(signed[0], -0)).toBe(true);
    // More labels than the short list holds: the Set's answer.
    const many = Array.from({ length: 200 }, (_, i) => (i * 37) % 50);
    expect(fit(many)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
