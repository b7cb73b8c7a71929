/**
 * The WebAssembly binary logistic loss (estimators/wasm/glm_loss.wat) against its JavaScript twin
 * (the binomial and multinomial branches of accumulate in glm/losses.ts): random tiles agree, the scikit-learn
 * fixtures pass on the JavaScript backend too (glm.test.ts runs them on the default one), and the
 * errors still name the row and column.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { LogisticRegression } from '@tessera/estimators';
import { InvalidInputError } from '../src/errors.js';
import { Random } from '@tessera/estimators/internal';
import { GLM_LOSS_WASM_SOURCE_SHA256 } from '../src/linear_model/glm/glm_loss_wasm_bytes.js';
import { accumulate, emptySums, type LossSpec, type LossSums } from '../src/linear_model/glm/losses.js';
import { binomialTile, setGlmBackend } from '../src/linear_model/glm/wasm_loss.js';
import { expectClose, fixture } from './helpers.js';

afterEach(() => {
  setGlmBackend('auto');
});

/** The sums of `accumulate` over the given rows on one backend (fresh sums; one call). */
function sums(
  backend: 'auto' | 'js',
  spec: LossSpec,
  coef: Float64Array,
  X: Float64Array,
  y: Float64Array,
  w: Float64Array | null,
  n: number,
): LossSums {
  const prev = setGlmBackend(backend);
  try {
    const acc = emptySums(spec);
    accumulate(acc, spec, coef, X, y, w, n, 0);
    return acc;
  } finally {
    setGlmBackend(prev);
  }
}

/** A standard normal draw (Box–Muller). */
function gauss(rng: Random): number {
  return Math.sqrt(-2 * Math.log(1 - rng.random())) * Math.cos(2 * Math.PI * rng.random());
}

function spec(d: number, fitIntercept: boolean, classes: number[], classWeight: number[] | null): LossSpec {
  return {
    family: 'binomial',
    nFeatures: d,
    k: 1,
    fitIntercept,
    classes: Float64Array.from(classes),
    classWeight: classWeight === null ? null : Float64Array.from(classWeight),
    caller: 'LogisticRegression',
  };
}

describe('WebAssembly logistic losses', () => {
  it('was assembled from the current .wat (re-run estimators/scripts/build_wasm.mjs otherwise)', () => {
    const src = readFileSync(new URL('../wasm/glm_loss.wat', import.meta.url));
    expect(createHash('sha256').update(src).digest('hex')).toBe(GLM_LOSS_WASM_SOURCE_SHA256);
  });

  it('is available here (Node has WebAssembly SIMD), and not under the js backend', () => {
    expect(binomialTile(3, 2, new Float64Array(3))).not.toBeNull();
    setGlmBackend('js');
    expect(binomialTile(3, 2, new Float64Array(3))).toBeNull();
  });

  // Tolerance: the two differ only in summation order (pairs of features / rows, per tile) and in
  // exp / log1p (the module's polynomials, within a few ulps), so the sums agree to ~1e-13 relative;
  // 1e-11 leaves room for cancellation in the gradient sums.
  it('agrees with the JavaScript loop on random tiles (odd and even n and d, weights, class weights, scales)', () => {
    const rng = new Random(7);
    for (let trial = 0; trial < 60; trial++) {
      const n = 1 + rng.randint(trial < 10 ? 5 : 700);
      const d = 1 + rng.randint(trial % 3 === 0 ? 3 : 41);
      const scale = [0.01, 1, 10, 200][trial % 4]!;
      const X = new Float64Array(n * d);
      for (let i = 0; i < X.length; i++) X[i] = gauss(rng) * scale;
      const classes = trial % 2 === 0 ? [0, 1] : [-3, 7.5];
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) y[i] = classes[rng.random() < 0.4 ? 1 : 0]!;
      const w = trial % 3 === 1 ? Float64Array.from({ length: n }, () => rng.random() * 3) : null;
      const fitIntercept = trial % 5 !== 4;
      const sp = spec(d, fitIntercept, classes, trial % 4 === 2 ? [0.3, 2.5] : null);
      const coef = Float64Array.from({ length: d + 1 }, () => gauss(rng) * 0.7);
      const js = sums('js', sp, coef, X, y, w, n);
      const wa = sums('auto', sp, coef, X, y, w, n);
      const what = `trial ${trial} (n ${n}, d ${d}, scale ${scale})`;
      expectClose([wa.loss], [js.loss], `${what} loss`, 1e-11, 1e-11);
      const gmax = Math.max(...js.grad.map(Math.abs));
      expectClose(Array.from(wa.grad), Array.from(js.grad), `${what} grad`, 1e-11, 1e-11 * gmax);
      expect(wa.sumW).toBe(js.sumW);
      expect(wa.rows).toBe(n);
    }
  });

  it('multinomial: agrees with the JavaScript loop on random tiles (k 3–6, odd and even n and d, weights, class weights)', () => {
    const rng = new Random(11);
    for (let trial = 0; trial < 40; trial++) {
      const n = 1 + rng.randint(trial < 8 ? 5 : 500);
      const d = 1 + rng.randint(trial % 3 === 0 ? 3 : 30);
      const k = 3 + rng.randint(4);
      // Scales keep z_max − z_c well below ~700: beyond, the JavaScript loop's log(e^(z_c − max)) is
      // log of a subnormal or of 0 (loss inexact or Infinity); the module takes z_c − max directly.
      const scale = [0.01, 1, 3, 10][trial % 4]!;
      const X = new Float64Array(n * d);
      for (let i = 0; i < X.length; i++) X[i] = gauss(rng) * scale;
      const classes = Array.from({ length: k }, (_, c) => c * 2 - 1);
      const y = Float64Array.from({ length: n }, () => classes[rng.randint(k)]!);
      const w = trial % 3 === 1 ? Float64Array.from({ length: n }, () => rng.random() * 3) : null;
      const fitIntercept = trial % 5 !== 4;
      const sp: LossSpec = {
        family: 'multinomial',
        nFeatures: d,
        k,
        fitIntercept,
        classes: Float64Array.from(classes),
        classWeight: trial % 4 === 2 ? Float64Array.from({ length: k }, () => 0.2 + rng.random()) : null,
        caller: 'LogisticRegression',
      };
      const q = d + (fitIntercept ? 1 : 0);
      const coef = Float64Array.from({ length: k * q }, () => gauss(rng) * 0.7);
      const js = sums('js', sp, coef, X, y, w, n);
      const wa = sums('auto', sp, coef, X, y, w, n);
      const what = `trial ${trial} (n ${n}, d ${d}, k ${k}, scale ${scale})`;
      expectClose([wa.loss], [js.loss], `${what} loss`, 1e-11, 1e-11);
      const gmax = Math.max(...js.grad.map(Math.abs));
      expectClose(Array.from(wa.grad), Array.from(js.grad), `${what} grad`, 1e-11, 1e-11 * gmax);
      expect(wa.sumW).toBe(js.sumW);
    }
  });

  it('saturated scores (|t| up to 1e4) give the same loss and gradient', () => {
    const n = 9;
    const d = 2;
    const X = Float64Array.from([1e4, 0, -1e4, 0, 800, 1, -800, 1, 35, 0, -35, 0, 0, 0, 1e-300, 0, 745, -745]);
    const y = Float64Array.from([0, 1, 1, 0, 1, 0, 1, 0, 1]);
    const sp = spec(d, true, [0, 1], null);
    const coef = Float64Array.from([1, 0.5, 0.25]);
    const js = sums('js', sp, coef, X, y, null, n);
    const wa = sums('auto', sp, coef, X, y, null, n);
    expectClose([wa.loss], [js.loss], 'loss', 1e-14, 0);
    expectClose(Array.from(wa.grad), Array.from(js.grad), 'grad', 1e-14, 1e-14);
  });

  it('a non-finite X, an unknown label or a bad weight still names its row (and column)', () => {
    const sp = spec(3, true, [0, 1], null);
    const coef = new Float64Array(4).fill(0.1);
    const X = new Float64Array(30).fill(1);
    X[7 * 3 + 2] = Number.POSITIVE_INFINITY;
    const y = new Float64Array(10);
    expect(() => sums('auto', sp, coef, X, y, null, 10)).toThrow(/Infinity at row 7, column 2/);
    X[7 * 3 + 2] = 1;
    y[4] = 2;
    expect(() => sums('auto', sp, coef, X, y, null, 10)).toThrow(/label 2 \(row 4\)/);
    y[4] = 1;
    // Other labels (mapped to 0/1 in the general path): an unknown one is named there too.
    const sp2 = spec(3, true, [-1, 4], null);
    const y2 = new Float64Array(10).fill(4);
    y2[5] = 0;
    expect(() => sums('auto', sp2, coef, X, y2, null, 10)).toThrow(/label 0 \(row 5\)/);
    const sp3: LossSpec = { ...sp2, family: 'multinomial', k: 3, classes: Float64Array.from([0, 1, 2]) };
    const X3 = new Float64Array(30).fill(1);
    X3[8 * 3 + 1] = Number.NaN;
    expect(() => sums('auto', sp3, new Float64Array(12).fill(0.1), X3, new Float64Array(10), null, 10)).toThrow(/NaN at row 8, column 1/);
    const w = new Float64Array(10).fill(1);
    w[6] = Number.NaN;
    expect(() => sums('auto', sp, coef, X, y, w, 10)).toThrow(InvalidInputError);
    expect(() => sums('auto', sp, coef, X, y, w, 10)).toThrow(/sampleWeight contains NaN at row 6/);
  });
});

interface LogisticCase {
  params: Record<string, unknown>;
  X: number[][];
  y: number[];
  sampleWeight: number[] | null;
  classes: number[];
  coef: number[][];
  intercept: number[];
}

describe('LogisticRegression fixtures (scikit-learn 1.2) on the JavaScript backend', () => {
  const F = fixture<{ logistic: LogisticCase[] }>('glm.json');
  F.logistic.forEach((c, i) => {
    it(`case ${i}: ${c.classes.length} classes`, () => {
      setGlmBackend('js');
      const est = new LogisticRegression(c.params).fit(c.X, c.y, c.sampleWeight ? { sampleWeight: c.sampleWeight } : {});
      expectClose(est.coef_.data, c.coef.flat(), 'coef_', 1e-6, 1e-8);
      expectClose(est.intercept_.data, c.intercept, 'intercept_', 1e-6, 1e-8);
    });
  });
});
