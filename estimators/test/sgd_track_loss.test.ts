/**
 * The SGD epochs sum the training loss only when something reads it (epoch.ts's tracksLoss): with
 * tol null no loss stops training, and the log loss's bit-exact exp per sample was half of a fit's
 * time in GridSearchCV's benchmark. Not summing it must change no weight, in either backend.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DenseArray } from '@tessera/array';
import { SGDClassifier } from '@tessera/estimators';
import { setSGDBackend } from '@tessera/estimators/internal';
import { tracksLoss } from '../src/linear_model/sgd/epoch.js';

afterEach(() => {
  setSGDBackend('auto');
});

function problem(rows: number, cols: number): { X: DenseArray; y: DenseArray } {
  let s = 11;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) | 0;
    return (s >>> 0) / 4294967296 - 0.5;
  };
  const X = new Float64Array(rows * cols);
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let t = 0;
    for (let j = 0; j < cols; j++) t += (X[i * cols + j] = 4 * rnd()) * (j % 2 ? -1 : 1);
    y[i] = t + rnd() > 0 ? 1 : 0;
  }
  return { X: new DenseArray(X, [rows, cols]), y: new DenseArray(y, [rows]) };
}

describe('tracksLoss', () => {
  const base = { verbose: 0, earlyStopping: false, maxIter: 5, tol: 1e-3 };
  it('sums the loss only for the stopping rule or verbose output', () => {
    expect(tracksLoss(base)).toBe(true);
    // tol null: nothing stops on the loss (before: summed anyway).
    expect(tracksLoss({ ...base, tol: Number.NEGATIVE_INFINITY })).toBe(false);
    expect(tracksLoss({ ...base, tol: Number.NEGATIVE_INFINITY, verbose: 1 })).toBe(true);
    expect(tracksLoss({ ...base, earlyStopping: true })).toBe(false);
    expect(tracksLoss({ ...base, maxIter: 1 })).toBe(false);
  });
});

describe('SGDClassifier with tol null', () => {
  for (const backend of ['js', 'wasm'] as const) {
    for (const loss of ['log_loss', 'modified_huber', 'hinge'] as const) {
      it(`${backend} ${loss}: the same weights as with the loss summed`, () => {
        setSGDBackend(backend);
        const { X, y } = problem(4000, 6);
        // tol 0 with maxIter 5 and nIterNoChange 5 never stops early either, but sums the loss.
        const opts = { loss, alpha: 1e-4, shuffle: false, maxIter: 5, randomState: 0 } as const;
        const a = new SGDClassifier({ ...opts, tol: null }).fit(X, y);
        const b = new SGDClassifier({ ...opts, tol: 0 }).fit(X, y);
        expect(a.nIter_).toBe(5);
        expect(b.nIter_).toBe(5);
        expect(Array.from(a.coef_.data)).toEqual(Array.from(b.coef_.data));
        expect(Array.from(a.intercept_.data)).toEqual(Array.from(b.intercept_.data));
      });
    }
  }
});
