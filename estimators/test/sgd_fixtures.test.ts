/**
 * Fidelity with scikit-learn 1.2: the same blocks fed to partialFit (or fit) with shuffle: false
 * must give the same coef_, intercept_, t_, nIter_, decision values, predictions and
 * probabilities to 1e-9 relative, and coef_ bit for bit. Fixtures: estimators/scripts/make_fixtures.py.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimatorClass, type BaseEstimator } from '../src/index.js';
import { setSGDBackend, wasmAvailable, type SGDBackend } from '../src/internal.js';
import { expectClose, fixture, rows } from './helpers.js';

interface Step {
  coef: number[];
  intercept: number[];
  t: number;
  nIter: number;
}
interface Case {
  name: string;
  estimator: string;
  params: Record<string, unknown>;
  target: 'binary' | 'multiclass' | 'multiclass_labels' | 'regression';
  mode: 'partial_fit' | 'fit';
  sampleWeight: boolean;
  steps: Step[];
  decision?: number[];
  predict: number[];
  proba?: number[];
}
interface Data {
  sklearnVersion: string;
  blockRows: number[];
  nTest: number;
  X: number[][];
  binary: number[];
  multiclass: number[];
  multiclass_labels: number[];
  regression: number[];
  sample_weight: number[];
}

const data = fixture<Data>('sgd_data.json');
const { cases } = fixture<{ cases: Case[] }>('sgd_cases.json');

type Fittable = BaseEstimator & {
  partialFit(X: unknown, y: unknown, o?: unknown): unknown;
  fit(X: unknown, y: unknown, o?: unknown): unknown;
  predict(X: unknown): { data: Float64Array };
  decisionFunction?(X: unknown): { data: Float64Array };
  predictProba?(X: unknown): { data: Float64Array };
  coef_: { data: Float64Array };
  intercept_: { data: Float64Array };
  t_: number;
  nIter_: number;
};

/** Runs one fixture case and returns the estimator after checking every step. */
export function runCase(c: Case): Fittable {
  const Cls = estimatorClass(c.estimator) as unknown as new (p: unknown) => Fittable;
  const est = new Cls(c.params);
  const y = data[c.target];
  const n = data.blockRows.reduce((s, r) => s + r, 0);
  const classes = c.target === 'regression' ? undefined : [...new Set(y)].sort((a, b) => a - b);
  const check = (step: Step, label: string) => {
    expectClose(est.coef_.data, step.coef, `${label} coef_`);
    // Same operations in the same order, exp and pow included (libm.ts): bit-identical coefficients.
    expect(firstDifference(est.coef_.data, step.coef), `${label} coef_ bit for bit`).toBe(-1);
    expectClose(est.intercept_.data, step.intercept, `${label} intercept_`);
    expect(est.t_, `${label} t_`).toBe(step.t);
    expect(est.nIter_, `${label} nIter_`).toBe(step.nIter);
  };
  if (c.mode === 'partial_fit') {
    let a = 0;
    c.steps.forEach((step, i) => {
      const b = a + data.blockRows[i]!;
      const opts: Record<string, unknown> = {};
      if (classes !== undefined) opts['classes'] = classes;
      if (c.sampleWeight) opts['sampleWeight'] = data.sample_weight.slice(a, b);
      if (c.estimator.startsWith('PassiveAggressiveRegressor')) est.partialFit(rows(data.X, a, b), y.slice(a, b));
      else est.partialFit(rows(data.X, a, b), y.slice(a, b), opts);
      check(step, `block ${i}`);
      a = b;
    });
  } else {
    const opts: Record<string, unknown> = {};
    if (c.sampleWeight) opts['sampleWeight'] = data.sample_weight.slice(0, n);
    est.fit(rows(data.X, 0, n), y.slice(0, n), opts);
    check(c.steps[0]!, 'fit');
  }
  const Xtest = rows(data.X, n, n + data.nTest);
  if (c.decision !== undefined) {
    const dec = est.decisionFunction ? est.decisionFunction(Xtest) : est.predict(Xtest);
    expectClose(dec.data, c.decision, 'decision');
  }
  if (c.target === 'regression') expectClose(est.predict(Xtest).data, c.predict, 'predict');
  else expect(unambiguous(Array.from(est.predict(Xtest).data), c), 'predict').toEqual(unambiguous(c.predict, c));
  if (c.proba !== undefined) expectClose(est.predictProba!(Xtest).data, c.proba, 'predictProba');
  return est;
}

/** Index of the first element that differs (=== comparison, so ±0 are equal), -1 when none does. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/**
 * Predictions with the rows whose two best expected scores tie to within 1e-9 relative blanked
 * out: there the argmax is decided by the last bit of BLAS's summation order, not by the model.
 */
function unambiguous(pred: number[], c: Case): (number | null)[] {
  const dec = c.decision;
  const n = pred.length;
  if (dec === undefined || dec.length === n) return pred;
  const k = dec.length / n;
  return pred.map((p, i) => {
    const row = dec.slice(i * k, (i + 1) * k).sort((a, b) => b - a);
    return Math.abs(row[0]! - row[1]!) <= 1e-9 * Math.abs(row[0]!) ? null : p;
  });
}

/** Whether the WebAssembly epoch covers a case (no averaging, L1/elastic net, passive-aggressive). */
function wasmCovers(c: Case): boolean {
  const p = c.params;
  const avg = p['average'] ?? false;
  return (
    c.estimator !== 'PassiveAggressiveClassifier' &&
    c.estimator !== 'PassiveAggressiveRegressor' &&
    (avg === false || avg === 0) &&
    p['penalty'] !== 'l1' &&
    p['penalty'] !== 'elasticnet' &&
    !(c.estimator === 'Perceptron' && (p['penalty'] === 'l1' || p['penalty'] === 'elasticnet'))
  );
}

describe.each(['js', 'wasm'] as SGDBackend[])(
  `fidelity with scikit-learn ${data.sklearnVersion} (shuffle: false), %s epochs`,
  (backend) => {
    let previous: SGDBackend;
    beforeAll(() => {
      previous = setSGDBackend(backend);
    });
    afterAll(() => {
      setSGDBackend(previous);
    });
    it('has WebAssembly SIMD available', () => {
      expect(wasmAvailable()).toBe(true);
    });
    const groups = new Map<string, Case[]>();
    for (const c of cases) {
      if (backend === 'wasm' && !wasmCovers(c)) continue;
      const g = c.name.split('/')[0]!;
      groups.set(g, [...(groups.get(g) ?? []), c]);
    }
    for (const [group, list] of groups) {
      describe(group, () => {
        it.each(list.map((c) => [c.name, c] as const))('%s', (_name, c) => {
          runCase(c);
        });
      });
    }
  },
);
