/**
 * The conformance suite run against every estimator. To add one (MLP, KMeans, NaiveBayes,
 * IncrementalPCA…), append its spec below; checkEstimator lives in conformance.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  MaxAbsScaler,
  MinMaxScaler,
  PassiveAggressiveClassifier,
  PassiveAggressiveRegressor,
  Perceptron,
  SGDClassifier,
  SGDRegressor,
  StandardScaler,
  Incremental,
  ParallelPostFit,
  Pipeline,
  registeredEstimators,
} from '../src/index.js';
import { type EstimatorSpec, checkEstimator } from './conformance.js';

const classes = { classes: [0, 1, 2] };
const fast = { maxIter: 5, tol: null, shuffle: false };

export const specs: EstimatorSpec[] = [
  // predictProba exists only for log_loss and modified_huber (it throws a TypeError otherwise).
  { name: 'SGDClassifier', cls: SGDClassifier, options: fast, kind: 'classifier', firstPartialFit: classes, random: true, outputs: ['predict', 'decisionFunction'] },
  { name: 'SGDClassifier (log_loss, averaged)', cls: SGDClassifier, options: { ...fast, loss: 'log_loss', average: true }, kind: 'classifier', firstPartialFit: classes, random: true },
  { name: 'SGDClassifier (modified_huber, elasticnet)', cls: SGDClassifier, options: { ...fast, loss: 'modified_huber', penalty: 'elasticnet' }, kind: 'classifier', firstPartialFit: classes, random: true },
  { name: 'SGDRegressor', cls: SGDRegressor, options: fast, kind: 'regressor', random: true },
  { name: 'SGDRegressor (huber, l1, averaged)', cls: SGDRegressor, options: { ...fast, loss: 'huber', penalty: 'l1', average: 10 }, kind: 'regressor', random: true },
  { name: 'Perceptron', cls: Perceptron, options: fast, kind: 'classifier', firstPartialFit: classes, random: true },
  { name: 'PassiveAggressiveClassifier', cls: PassiveAggressiveClassifier, options: fast, kind: 'classifier', firstPartialFit: classes, random: true },
  { name: 'PassiveAggressiveRegressor', cls: PassiveAggressiveRegressor, options: fast, kind: 'regressor', random: true },
  { name: 'StandardScaler', cls: StandardScaler, kind: 'transformer' },
  { name: 'MinMaxScaler', cls: MinMaxScaler, kind: 'transformer' },
  { name: 'MaxAbsScaler', cls: MaxAbsScaler, kind: 'transformer' },
  // Meta-estimators on in-memory input (their lazy-array behaviour is tested in ooc.test.ts).
  { name: 'Incremental', cls: Incremental as never, options: { estimator: new SGDClassifier(fast), classes: [0, 1, 2], shuffleBlocks: false }, kind: 'classifier', outputs: ['predict', 'decisionFunction'] },
  { name: 'ParallelPostFit', cls: ParallelPostFit as never, options: { estimator: new SGDClassifier(fast) }, kind: 'classifier', outputs: ['predict', 'decisionFunction'] },
  { name: 'Pipeline', cls: Pipeline as never, options: { steps: [['scale', new StandardScaler()], ['clf', new SGDClassifier(fast)]] }, kind: 'classifier', outputs: ['predict', 'decisionFunction'] },
];

for (const spec of specs) {
  describe(`conformance: ${spec.name}`, () => {
    checkEstimator(spec);
  });
}

/**
 * Registered estimators deliberately not run through checkEstimator, with the reason (e.g. a
 * meta-estimator over lazy arrays that has its own suite). Prefer adding a spec above.
 */
export const notCovered: Readonly<Record<string, string>> = {};

describe('conformance coverage', () => {
  it('covers every registered estimator (add a spec to `specs`, or an entry with a reason to `notCovered`)', () => {
    const covered = new Set([...specs.map((s) => s.cls.estimatorName), ...Object.keys(notCovered)]);
    expect(registeredEstimators().filter((name) => !covered.has(name)), 'registered estimators without a conformance spec').toEqual([]);
  });
});
