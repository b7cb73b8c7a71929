/**
 * scikit-learn 1.2's default randomness in MLPClassifier / MLPRegressor: with shuffle: true (the
 * default) and an integer randomState, the Glorot init is bit for bit scikit-learn's, and fit over
 * several epochs, repeated partialFit calls, early stopping's split (stratified for a binary
 * classifier), solvers adam and sgd give scikit-learn's coefs_ / intercepts_ / loss curve (to 1e-9;
 * see the tolerance note below) and nIter_ / t_ exactly. Fixtures: fixtures/make_mlp_random.py →
 * fixtures/mlp_random.json.
 */
import { describe, expect, it } from 'vitest';
import { DenseArray, RandomState, checkRandomState } from '@tessera/array';
import { MLPClassifier, MLPRegressor } from '../src/index.js';
import { glorotInit } from '../src/neural_network/mlp_engine.js';
import { expectClose, fixture } from './helpers.js';

interface Step {
  coefs: number[][];
  intercepts: number[][];
  lossCurve: number[];
  nIter: number;
  t: number;
  validationScores: number[] | null;
}
type Target = 'binary' | 'multiclass' | 'regression';
interface Case {
  name: string;
  estimator: 'MLPClassifier' | 'MLPRegressor';
  params: Record<string, unknown>;
  target: Target;
  mode: 'fit' | 'partial_fit';
  blocks: number;
  steps: Step[];
  predictProbaHead?: number[];
}
interface Fixture {
  sklearnVersion: string;
  data: { seed: number; n: number; d: number };
  checks: Record<Target | 'X', number>;
  cases: Case[];
  inits: { seed: number; units: number[]; activation: 'relu' | 'logistic' | 'tanh'; coefs: number[][]; intercepts: number[][] }[];
  splits: { seed: number; target: Target; fraction: number; stratify: boolean; train: number[]; test: number[] }[];
}

const fx = fixture<Fixture>('mlp_random.json');

/** The fixture's data recipe (see make_mlp_random.py), rebuilt with numpy's RandomState. */
function build(seed: number, n: number, d: number) {
  const rs = new RandomState(seed);
  const X = rs.uniform(-1, 1, n * d);
  const u = rs.uniform(-1, 1, n);
  const binary = new Float64Array(n);
  const multiclass = new Float64Array(n);
  const regression = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [x0, x1, x2] = [X[i * d]!, X[i * d + 1]!, X[i * d + 2]!];
    binary[i] = x0 + 0.5 * x1 - 0.3 * x2 + 0.2 * u[i]! > 0 ? 1 : 0;
    const s = [x0, x1 + 0.3 * x2, -x0 - x1 + 0.2 * u[i]!];
    multiclass[i] = s.indexOf(Math.max(...s));
    regression[i] = 2 * x0 - x1 + 0.5 * x2 + 0.1 * u[i]!;
  }
  return { X, n, d, binary, multiclass, regression };
}
const ds = build(fx.data.seed, fx.data.n, fx.data.d);
const rowsOf = (a: number, b: number) => new DenseArray(ds.X.slice(a * ds.d, b * ds.d), [b - a, ds.d]);

const camel = (k: string) => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
/** scikit-learn's parameter names → ours (learning_rate_init → learningRateInit, beta_1 → beta1). */
function paramsOf(c: Case): Record<string, unknown> {
  return Object.fromEntries(Object.entries(c.params).map(([k, v]) => [camel(k), v]));
}

/*
 * Tolerance: the random draws (init, shuffles, split) are exact, so the weights differ from
 * scikit-learn's only by float64 rounding — our matrix products (gemm.ts, WebAssembly) sum in
 * another order than OpenBLAS's dgemm. Over these runs (up to 12 epochs, 100 hidden units) the
 * largest difference seen is ~1e-13 relative, checked here at 1e-9 relative (1e-12 × the largest
 * |value| absolute, closeness() in helpers.ts).
 */
function check(est: MLPClassifier | MLPRegressor, step: Step, label: string): void {
  expect(est.coefs_.length, `${label} layers`).toBe(step.coefs.length);
  est.coefs_.forEach((c, l) => expectClose(c.data, step.coefs[l]!, `${label} coefs_[${l}]`));
  est.intercepts_.forEach((b, l) => expectClose(b.data, step.intercepts[l]!, `${label} intercepts_[${l}]`));
  expectClose(est.lossCurve_, step.lossCurve, `${label} lossCurve_`);
  expect(est.nIter_, `${label} nIter_`).toBe(step.nIter);
  expect(est.t_, `${label} t_`).toBe(step.t);
  if (step.validationScores === null) expect(est.validationScores_, `${label} validationScores_`).toBeNull();
  else expectClose(est.validationScores_!, step.validationScores, `${label} validationScores_`);
}

function runCase(c: Case): MLPClassifier | MLPRegressor {
  const est = c.estimator === 'MLPClassifier' ? new MLPClassifier(paramsOf(c)) : new MLPRegressor(paramsOf(c));
  const y = ds[c.target];
  if (c.mode === 'fit') {
    est.fit(rowsOf(0, ds.n), y);
    check(est, c.steps[0]!, `${c.name}: fit`);
    return est;
  }
  const classes = [...new Set(y)].sort((a, b) => a - b);
  for (let i = 0; i < c.blocks; i++) {
    const a = Math.floor((ds.n * i) / c.blocks);
    const b = Math.floor((ds.n * (i + 1)) / c.blocks);
    if (est instanceof MLPClassifier) est.partialFit(rowsOf(a, b), y.slice(a, b), { classes });
    else est.partialFit(rowsOf(a, b), y.slice(a, b));
    check(est, c.steps[i]!, `${c.name}: block ${i}`);
  }
  return est;
}

describe(`scikit-learn ${fx.sklearnVersion}'s randomized MLPs`, () => {
  it('rebuilds the fixture data exactly', () => {
    expect(ds.X.reduce((s, v) => s + v, 0)).toBeCloseTo(fx.checks.X, 10);
    for (const t of ['binary', 'multiclass', 'regression'] as const) expect(ds[t].reduce((s, v) => s + v, 0)).toBeCloseTo(fx.checks[t], 10);
  });

  it('draws the Glorot init bit for bit as _init_coef (coefs then intercepts per layer; factor 2 for logistic)', () => {
    for (const init of fx.inits) {
      const flat = glorotInit(init.units, init.activation, new RandomState(init.seed));
      let at = 0;
      for (const c of init.coefs) {
        expect(Array.from(flat.subarray(at, at + c.length)), `seed ${init.seed} coefs`).toEqual(c);
        at += c.length;
      }
      for (const b of init.intercepts) {
        expect(Array.from(flat.subarray(at, at + b.length)), `seed ${init.seed} intercepts`).toEqual(b);
        at += b.length;
      }
      expect(at).toBe(flat.length);
    }
  });

  it("fit with maxIter 1 and a tiny learning rate starts from scikit-learn's init", () => {
    // The init reaches the estimator: one adam step of 1e-12 moves no weight by more than ~1e-12.
    const init = fx.inits[0]!;
    const est = new MLPClassifier({ randomState: init.seed, maxIter: 1, learningRateInit: 1e-12, hiddenLayerSizes: [100] });
    est.fit(rowsOf(0, ds.n), ds.binary);
    est.coefs_.forEach((c, l) => expectClose(c.data, init.coefs[l]!, `coefs_[${l}]`, 0, 1e-11));
  });

  for (const c of fx.cases) {
    it(`${c.name}: ${c.estimator} ${c.mode} gives scikit-learn's weights`, () => {
      const est = runCase(c);
      if (c.predictProbaHead !== undefined) {
        expectClose((est as MLPClassifier).predictProba(rowsOf(0, 20)).data, c.predictProbaHead, `${c.name}: predictProba`);
      }
    });
  }

  it('every fit and partialFit call starts a new RandomState(seed), as scikit-learn', () => {
    // Two partialFit calls on the same block shuffle it the same way; a third estimator with the
    // same seed fed the same blocks agrees exactly (no state carried in the generator).
    const c = fx.cases.find((k) => k.mode === 'partial_fit' && k.estimator === 'MLPRegressor')!;
    const a = runCase(c);
    const b = runCase(c);
    a.coefs_.forEach((w, l) => expect(Array.from(b.coefs_[l]!.data)).toEqual(Array.from(w.data)));
    const f1 = new MLPRegressor({ randomState: 3, maxIter: 2, hiddenLayerSizes: [5] }).fit(rowsOf(0, 100), ds.regression.slice(0, 100));
    const f2 = new MLPRegressor({ randomState: 3, maxIter: 2, hiddenLayerSizes: [5] });
    f2.fit(rowsOf(0, 100), ds.regression.slice(0, 100));
    f2.fit(rowsOf(0, 100), ds.regression.slice(0, 100)); // refit: same seed, same result
    f1.coefs_.forEach((w, l) => expect(Array.from(f2.coefs_[l]!.data)).toEqual(Array.from(w.data)));
  });

  it('randomState null draws from the process-wide entropy-seeded generator', () => {
    const global = checkRandomState(null);
    const before = global.getState()[1].slice();
    const posBefore = global.getState()[2];
    const a = new MLPRegressor({ randomState: null, maxIter: 1, hiddenLayerSizes: [4] }).fit(rowsOf(0, 50), ds.regression.slice(0, 50));
    const b = new MLPRegressor({ randomState: null, maxIter: 1, hiddenLayerSizes: [4] }).fit(rowsOf(0, 50), ds.regression.slice(0, 50));
    const after = global.getState();
    expect(after[2] !== posBefore || Array.from(after[1]).some((v, i) => v !== before[i])).toBe(true);
    expect(Array.from(a.coefs_[0]!.data)).not.toEqual(Array.from(b.coefs_[0]!.data));
  });
});
