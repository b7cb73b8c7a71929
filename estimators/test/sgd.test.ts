/**
 * SGD family behaviour beyond the fixtures: failure paths, shuffling, early stopping, the
 * JavaScript / WebAssembly epochs agreeing bit for bit, and the state contract.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DenseArray } from '@tessera/array';
import {
  ConvergenceError,
  InvalidInputError,
  NotFittedError,
  ParameterRangeError,
  PassiveAggressiveClassifier,
  Perceptron,
  SGDClassifier,
  SGDRegressor,
  estimatorFromSnapshot,
} from '../src/index.js';
import { decodeJson, encodeJson, setSGDBackend, type SGDBackend } from '../src/internal.js';
import { dataset } from './conformance.js';

const { X, y, yReg } = dataset(120, 5, 7);

afterEach(() => {
  setSGDBackend('auto');
});

describe('SGDClassifier failure paths', () => {
  it('needs classes on the first partialFit', () => {
    expect(() => new SGDClassifier().partialFit(X, y)).toThrow(/classes must be passed on the first call to partialFit/);
  });

  it('rejects labels outside classes, naming the row', () => {
    const bad = [...y];
    bad[17] = 9;
    expect(() => new SGDClassifier().partialFit(X, bad, { classes: [0, 1, 2] })).toThrow(
      /label 9 \(row 17\) which is not among classes \[0, 1, 2\]/,
    );
    const binary = y.map((v) => (v === 2 ? 1 : v));
    binary[3] = 5;
    expect(() => new SGDClassifier().partialFit(X, binary, { classes: [0, 1] })).toThrow(InvalidInputError);
    const clf = new SGDClassifier().partialFit(X, y, { classes: [0, 1, 2] });
    expect(() => clf.partialFit(X, bad)).toThrow(/label 9 \(row 17\)/);
  });

  it('rejects different classes on a later call, accepts the same ones', () => {
    const clf = new SGDClassifier().partialFit(X, y, { classes: [2, 0, 1, 1] });
    expect(Array.from(clf.classes_.data)).toEqual([0, 1, 2]);
    expect(() => clf.partialFit(X, y, { classes: [0, 1, 2, 3] })).toThrow(/is not the same as on the first call/);
    expect(() => clf.partialFit(X, y, { classes: [0, 1, 2] })).not.toThrow();
  });

  it("rejects classWeight 'balanced' and earlyStopping in partialFit, as scikit-learn does", () => {
    expect(() => new SGDClassifier({ classWeight: 'balanced' }).partialFit(X, y, { classes: [0, 1, 2] })).toThrow(ParameterRangeError);
    expect(() => new SGDClassifier({ earlyStopping: true }).partialFit(X, y, { classes: [0, 1, 2] })).toThrow(
      /'earlyStopping' parameter of SGDClassifier must be false with partialFit/,
    );
  });

  it('checks the cross-parameter rules', () => {
    expect(() => new SGDClassifier({ learningRate: 'constant' }).fit(X, y)).toThrow(
      /'eta0' parameter of SGDClassifier must be > 0 with learningRate 'constant'. Got 0 instead/,
    );
    expect(() => new SGDClassifier({ alpha: 0 }).fit(X, y)).toThrow(
      /'alpha' parameter of SGDClassifier must be > 0 with learningRate 'optimal'/,
    );
    expect(() => new SGDClassifier({ alpha: -1 }).fit(X, y)).toThrow(
      "The 'alpha' parameter of SGDClassifier must be a float in the range [0, inf). Got -1 instead.",
    );
    expect(() => new SGDClassifier({ loss: 'log' as never }).fit(X, y)).toThrow(
      /The 'loss' parameter of SGDClassifier must be a string among \{'hinge', 'log_loss'/,
    );
    expect(() => new SGDClassifier({ penalty: 'none' as never }).fit(X, y)).toThrow(
      /must be a string among \{'l2', 'l1', 'elasticnet'\} or null. Got 'none' instead/,
    );
  });

  it('needs two classes and consistent lengths', () => {
    expect(() =>
      new SGDClassifier().fit(
        X,
        y.map(() => 1),
      ),
    ).toThrow(/number of classes has to be greater than one/);
    expect(() => new SGDClassifier().fit(X, y.slice(1))).toThrow(/inconsistent numbers of samples/);
    expect(() => new SGDClassifier().fit(X, y, { sampleWeight: [1, 2] })).toThrow(/sampleWeight has 2/);
  });

  it('names the row of NaN / Infinity in y', () => {
    const bad = [...yReg];
    bad[11] = Number.NaN;
    expect(() => new SGDRegressor().partialFit(X, bad)).toThrow(/input y contains NaN at row 11/);
    const badLabels = [...y];
    badLabels[5] = Number.POSITIVE_INFINITY;
    expect(() => new SGDClassifier().partialFit(X, badLabels, { classes: [0, 1, 2] })).toThrow(/label Infinity \(row 5\)/);
  });

  it('offers probabilities only for log_loss and modified_huber', () => {
    const hinge = new SGDClassifier({ maxIter: 5, tol: null }).fit(X, y);
    expect(() => hinge.predictProba(X)).toThrow(/probability estimates are not available for loss='hinge'/);
    for (const loss of ['log_loss', 'modified_huber'] as const) {
      const clf = new SGDClassifier({ loss, maxIter: 5, tol: null }).fit(X, y);
      const p = clf.predictProba(X);
      expect(p.shape).toEqual([120, 3]);
      for (let i = 0; i < 120; i++) expect(p.get(i, 0) + p.get(i, 1) + p.get(i, 2)).toBeCloseTo(1, 12);
      const lp = clf.predictLogProba(X);
      expect(lp.get(3, 1)).toBeCloseTo(Math.log(p.get(3, 1)), 12);
    }
  });

  it('reports divergence as scikit-learn does', () => {
    const huge = DenseArray.from((X.toArray() as number[][]).map((r) => r.map((v) => v * 1e300)));
    expect(() => new SGDRegressor({ learningRate: 'constant', eta0: 1, maxIter: 5 }).fit(huge, yReg)).toThrow(ConvergenceError);
    expect(() => new SGDRegressor({ learningRate: 'constant', eta0: 1, maxIter: 5 }).fit(huge, yReg)).toThrow(
      /Floating-point under-\/overflow occurred at epoch #1/,
    );
  });

  it('exposes learned attributes only once fitted', () => {
    const clf = new SGDClassifier();
    expect(() => clf.coef_).toThrow(NotFittedError);
    expect(() => clf.t_).toThrow(NotFittedError);
    clf.partialFit(X, y, { classes: [0, 1, 2] });
    expect(clf.coef_.shape).toEqual([3, 5]);
    expect(clf.intercept_.shape).toEqual([3]);
    expect(clf.t_).toBe(121);
    expect(clf.nIter_).toBe(1);
    const bin = new SGDClassifier().partialFit(
      X,
      y.map((v) => (v === 2 ? 1 : v)),
      { classes: [0, 1] },
    );
    expect(bin.coef_.shape).toEqual([1, 5]);
    const reg = new SGDRegressor().partialFit(X, yReg);
    expect(reg.coef_.shape).toEqual([5]);
    expect(reg.intercept_.shape).toEqual([1]);
  });

  it('accepts number[][] and blocks of any dtype, and typed-array targets', () => {
    const rows = X.toArray() as number[][];
    const f32 = new DenseArray(Float32Array.from(X.data as Float64Array), X.shape);
    const a = new SGDClassifier({ shuffle: false }).partialFit(rows, y, { classes: [0, 1, 2] });
    const b = new SGDClassifier({ shuffle: false }).partialFit({ dtype: 'float64', shape: X.shape, data: X.data }, Int32Array.from(y), {
      classes: Float64Array.of(0, 1, 2),
    });
    expect(Array.from(a.coef_.data)).toEqual(Array.from(b.coef_.data));
    expect(() => new SGDClassifier().partialFit(f32, y, { classes: [0, 1, 2] })).not.toThrow();
    expect(() => new SGDClassifier().partialFit([1, 2, 3] as never, y)).toThrow(/expected a 2-D array/);
    expect(() => new SGDClassifier().partialFit('X' as never, y)).toThrow(TypeError);
  });
});

describe('SGD training behaviour', () => {
  it('early stopping holds out rows and stops before maxIter', () => {
    const clf = new SGDClassifier({ earlyStopping: true, randomState: 0, maxIter: 200, nIterNoChange: 3 }).fit(X, y);
    expect(clf.nIter_).toBeLessThan(200);
    expect(clf.score(X, y)).toBeGreaterThan(0.8);
    const reg = new SGDRegressor({ earlyStopping: true, randomState: 0, maxIter: 500 }).fit(X, yReg);
    expect(reg.nIter_).toBeLessThan(500);
    expect(reg.score(X, yReg)).toBeGreaterThan(0.9);
  });

  it('stops on tol and warns nothing silently: nIter_ < maxIter on easy data', () => {
    const reg = new SGDRegressor({ maxIter: 1000, randomState: 0 }).fit(X, yReg);
    expect(reg.nIter_).toBeLessThan(1000);
  });

  it('class and sample weights change the fit the way scikit-learn defines them', () => {
    const binary = y.map((v) => (v === 2 ? 1 : v));
    const base = new SGDClassifier({ shuffle: false }).partialFit(X, binary, { classes: [0, 1] });
    const cw = new SGDClassifier({ shuffle: false, classWeight: { 1: 3 } }).partialFit(X, binary, { classes: [0, 1] });
    const sw = new SGDClassifier({ shuffle: false }).partialFit(X, binary, {
      classes: [0, 1],
      sampleWeight: binary.map((v) => (v === 1 ? 3 : 1)),
    });
    expect(Array.from(cw.coef_.data)).toEqual(Array.from(sw.coef_.data));
    expect(Array.from(cw.coef_.data)).not.toEqual(Array.from(base.coef_.data));
    expect(() => new SGDClassifier({ classWeight: { 7: 2 } }).fit(X, binary)).toThrow(/not in classWeight/);
  });

  it('warm start continues from the current coefficients', () => {
    const a = new SGDClassifier({ maxIter: 3, tol: null, shuffle: false, warmStart: true }).fit(X, y);
    const first = Array.from(a.coef_.data);
    a.fit(X, y);
    const b = new SGDClassifier({ maxIter: 3, tol: null, shuffle: false }).fit(X, y, {
      coefInit: DenseArray.from(chunk(first, 5)),
      interceptInit: [0, 0, 0],
    });
    expect(Array.from(a.coef_.data)).not.toEqual(first);
    expect(Array.from(b.coef_.data)).not.toEqual(first);
  });

  it('PassiveAggressive and Perceptron learn separable data', () => {
    expect(new PassiveAggressiveClassifier({ randomState: 0 }).fit(X, y).score(X, y)).toBeGreaterThan(0.85);
    expect(new Perceptron().fit(X, y).score(X, y)).toBeGreaterThan(0.85);
  });
});

function chunk(v: number[], d: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < v.length; i += d) out.push(v.slice(i, i + d));
  return out;
}

describe('JavaScript and WebAssembly epochs', () => {
  const run = (backend: SGDBackend, options: Record<string, unknown>, Xb: DenseArray, yb: number[], classes: number[]) => {
    setSGDBackend(backend);
    const clf = new SGDClassifier(options);
    clf.partialFit(Xb, yb, { classes });
    clf.partialFit(Xb, yb);
    return [...clf.coef_.data, ...clf.intercept_.data, clf.t_];
  };

  it('agree bit for bit, shuffled or not, on random shapes and settings', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 9 }),
        fc.constantFrom(
          'hinge',
          'log_loss',
          'modified_huber',
          'squared_hinge',
          'perceptron',
          'squared_error',
          'huber',
          'epsilon_insensitive',
          'squared_epsilon_insensitive',
        ),
        fc.constantFrom('l2', null),
        fc.constantFrom('optimal', 'constant', 'invscaling', 'adaptive'),
        fc.boolean(),
        fc.integer({ min: 0, max: 1000 }),
        (n, d, loss, penalty, learningRate, shuffle, seed) => {
          const data = dataset(n, d, seed + 1);
          const labels = data.y.map((v) => (v === 0 ? 0 : 1));
          labels[0] = 0;
          const options = { loss, penalty, learningRate, eta0: 0.01, shuffle, randomState: seed };
          expect(run('wasm', options, data.X, labels, [0, 1])).toEqual(run('js', options, data.X, labels, [0, 1]));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('agree on a larger block with sample weights and three classes', () => {
    const big = dataset(3000, 13, 5);
    const options = { loss: 'log_loss', shuffle: true, randomState: 3 } as const;
    const run3 = (backend: SGDBackend) => {
      setSGDBackend(backend);
      const clf = new SGDClassifier(options).partialFit(big.X, big.y, { classes: [0, 1, 2], sampleWeight: big.y.map((v) => 1 + v / 2) });
      return Array.from(clf.coef_.data);
    };
    expect(run3('wasm')).toEqual(run3('js'));
  });

  it('agree on the hinge loop: weights, no intercept, scale resets, perceptron, three classes', () => {
    // The WebAssembly epoch has its own loop for the hinge losses (the step is computed before
    // the dot product); this covers its branches: class and sample weights, zero-weight rows,
    // fitIntercept false, an L2 shrink that drives wscale to 0 (reset on every row), shuffling.
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 1, max: 11 }),
        fc.constantFrom('hinge', 'perceptron'),
        fc.constantFrom(
          { alpha: 0.0001 },
          { alpha: 2, learningRate: 'constant', eta0: 1 },
          { alpha: 0.01, learningRate: 'invscaling', eta0: 0.5 },
          { penalty: null, learningRate: 'constant', eta0: 0.1 },
        ),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 1000 }),
        (n, d, loss, rate, weighted, threeClasses, seed) => {
          const data = dataset(n, d, seed + 7);
          const labels = threeClasses ? data.y : data.y.map((v) => (v === 0 ? 0 : 1));
          const classes = threeClasses ? [0, 1, 2] : [0, 1];
          const sampleWeight = weighted ? labels.map((_, i) => (i % 5 === 0 ? 0 : 1 + ((i * 7) % 3) / 2)) : undefined;
          const options = {
            loss,
            ...rate,
            fitIntercept: seed % 3 !== 0,
            classWeight: seed % 2 === 0 ? { 1: 2.5 } : null,
            shuffle: seed % 4 !== 0,
            randomState: seed,
          };
          const fitted = (backend: SGDBackend) => {
            setSGDBackend(backend);
            const clf = new SGDClassifier(options as never);
            clf.partialFit(data.X, labels, { classes, sampleWeight });
            clf.partialFit(data.X, labels, { sampleWeight });
            return [...clf.coef_.data, ...clf.intercept_.data, clf.t_];
          };
          expect(fitted('wasm')).toEqual(fitted('js'));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('compute the same decision values and labels, bit for bit, for any feature and class count', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 1, max: 11 }),
        fc.constantFrom(2, 3, 4),
        fc.integer({ min: 0, max: 1000 }),
        (n, d, nClasses, seed) => {
          const data = dataset(n, d, seed + 1);
          const labels = data.y.map((v, i) => (i < nClasses ? i : v % nClasses));
          const clf = new SGDClassifier({ randomState: seed }).partialFit(data.X, labels, {
            classes: Array.from({ length: nClasses }, (_, i) => i),
          });
          const scores = (b: SGDBackend) => {
            setSGDBackend(b);
            return [Array.from(clf.decisionFunction(data.X).data), Array.from(clf.predict(data.X).data)];
          };
          expect(scores('wasm')).toEqual(scores('js'));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('both report NaN in X by row and column', () => {
    const rows = X.toArray() as number[][];
    rows[33]![2] = Number.NaN;
    for (const b of ['js', 'wasm'] as const) {
      setSGDBackend(b);
      for (const shuffle of [false, true]) {
        expect(
          () => new SGDClassifier({ shuffle, randomState: 1 }).partialFit(DenseArray.from(rows), y, { classes: [0, 1, 2] }),
          `${b} shuffle=${shuffle}`,
        ).toThrow(/input X contains NaN at row 33, column 2/);
      }
      const fitted = new SGDClassifier({ randomState: 1 }).partialFit(X, y, { classes: [0, 1, 2] });
      expect(() => fitted.decisionFunction(DenseArray.from(rows)), `${b} decisionFunction`).toThrow(
        /input X contains NaN at row 33, column 2/,
      );
      expect(() => fitted.predict(DenseArray.from(rows)), `${b} predict`).toThrow(/input X contains NaN at row 33, column 2/);
    }
  });
});

describe('state contract', () => {
  it('a state survives structured clone and rebuilds the same estimator', () => {
    const clf = new SGDClassifier({ average: 10, shuffle: false }).partialFit(X, y, { classes: [0, 1, 2] });
    const snap = structuredClone(clf.snapshot());
    expect(snap.state!['coef_']).toEqual(expect.objectContaining({ dtype: 'float64', shape: [3, 5] }));
    const back = estimatorFromSnapshot(snap) as SGDClassifier;
    expect(Array.from(back.coef_.data)).toEqual(Array.from(clf.coef_.data));
    // coef_ is the averaged array again (average <= t_ - 1), so training goes on identically.
    back.partialFit(X, y);
    clf.partialFit(X, y);
    expect(Array.from(back.coef_.data)).toEqual(Array.from(clf.coef_.data));
    expect(Array.from(back.intercept_.data)).toEqual(Array.from(clf.intercept_.data));
  });

  it('setState copies, so the caller can keep using its arrays', () => {
    const clf = new SGDRegressor({ shuffle: false }).partialFit(X, yReg);
    const state = clf.getState();
    const other = new SGDRegressor({ shuffle: false }).setState(state);
    other.partialFit(X, yReg);
    expect(Array.from(clf.coef_.data)).toEqual(Array.from(state.coef_.data));
    expect(Array.from(other.coef_.data)).not.toEqual(Array.from(state.coef_.data));
  });

  it('JSON keeps -0, NaN and Infinity in state exactly (and coef_ must be finite)', () => {
    const clf = new SGDRegressor({ shuffle: false }).partialFit(X, yReg);
    const state = clf.getState();
    state.coef_.data[0] = -0;
    const back = SGDRegressor.fromJSON(JSON.stringify(clf));
    expect(Object.is(back.coef_.data[0], -0)).toBe(true);
    expect(() => SGDClassifier.fromJSON(JSON.stringify(clf))).toThrow(/describes a SGDRegressor/);
    // NaN and ±Infinity are encoded exactly, but the state schema refuses them in coef_.
    state.coef_.data[1] = Number.NaN;
    state.coef_.data[2] = Number.NEGATIVE_INFINITY;
    const decoded = decodeJson(JSON.parse(JSON.stringify(encodeJson(state.coef_)))) as DenseArray;
    expect(decoded.data[1]).toBeNaN();
    expect(decoded.data[2]).toBe(Number.NEGATIVE_INFINITY);
    expect(() => SGDRegressor.fromJSON(JSON.stringify(clf))).toThrow(
      "SGDRegressor state field 'coef_' holds NaN at index 1; its values must be finite.",
    );
  });
});
