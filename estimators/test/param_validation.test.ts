/**
 * Hyperparameter validation (issue 14 §2): on the main thread before any task runs — a lazy
 * pipeline with `alpha: -1` used to run the scaler's statistics and the chain's first link before
 * failing inside a task — and on every `partialFit`, a `setParams` between calls included
 * (scikit-learn 1.2 validates only the first call; we validate each).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DenseArray, makeClassification } from '@tessera/array';
import { SyncScheduler, ThreadScheduler, type Scheduler } from '@tessera/scheduler';
import {
  BernoulliNB,
  GaussianNB,
  Incremental,
  IncrementalPCA,
  MaxAbsScaler,
  MiniBatchKMeans,
  MinMaxScaler,
  MLPClassifier,
  MLPRegressor,
  MultinomialNB,
  ParallelPostFit,
  ParameterRangeError,
  ParameterTypeError,
  PassiveAggressiveClassifier,
  PassiveAggressiveRegressor,
  Perceptron,
  Pipeline,
  SGDClassifier,
  SGDRegressor,
  StandardScaler,
  estimatorClass,
  isInvalidParameterError,
  makePipeline,
  registeredEstimators,
  type BaseEstimator,
} from '@tessera/estimators';
import { invalidValuesFor } from '@tessera/estimators/internal';

const threads2 = new ThreadScheduler({ threads: 2 });
afterAll(() => threads2.close());

const schedulers: [string, () => Scheduler][] = [
  ['sync', () => new SyncScheduler()],
  ['threads', () => threads2],
];

function lazyData(cols = 5) {
  return makeClassification({ nSamples: 2000, nFeatures: cols, nInformative: 3, nRedundant: 1, randomState: 7, chunks: 250 });
}

/** Options that count the tasks a run starts. */
function counting(scheduler: Scheduler) {
  const counter = { starts: 0 };
  return { counter, options: { scheduler, callbacks: [{ onTaskStart: () => void counter.starts++ }] } };
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

const ALPHA = "The 'alpha' parameter of SGDClassifier must be a float in the range [0, inf). Got -1 instead.";

describe.each(schedulers)('validated before any task runs (%s)', (_name, scheduler) => {
  it('a lazy pipeline with alpha: -1 fails on the main thread, having run no task', async () => {
    const { X, y } = lazyData();
    const { counter, options } = counting(scheduler());
    const pipe = makePipeline(new StandardScaler(), new Incremental(new SGDClassifier({ alpha: -1 }), { classes: [0, 1] }));
    const err = await failure(pipe.fit(X, y, options));
    expect(err).toBeInstanceOf(ParameterRangeError);
    expect((err as Error).message).toBe(ALPHA);
    expect(counter.starts).toBe(0);
    expect(pipe.step(0).isFitted(), 'the scaler was not fitted either').toBe(false);
  });

  it('every step, every wrapper, every rule: no task runs', async () => {
    const { X, y } = lazyData();
    const { counter, options } = counting(scheduler());
    const cases: [string, () => Promise<unknown>, RegExp | string][] = [
      [
        'first step',
        () =>
          makePipeline(new StandardScaler({ withMean: 'yes' as never }), new Incremental(new SGDClassifier(), { classes: [0, 1] })).fit(
            X,
            y,
            options,
          ),
        "The 'withMean' parameter of StandardScaler must be a boolean. Got 'yes' instead.",
      ],
      [
        'MinMaxScaler range',
        () =>
          makePipeline(new MinMaxScaler({ featureRange: [1, 0] }), new Incremental(new SGDClassifier(), { classes: [0, 1] })).fit(
            X,
            y,
            options,
          ),
        /'featureRange' parameter of MinMaxScaler must have its minimum smaller/,
      ],
      [
        'partialFit rule',
        () => new Incremental(new SGDClassifier({ earlyStopping: true }), { classes: [0, 1] }).fit(X, y, options),
        "The 'earlyStopping' parameter of SGDClassifier must be false with partialFit. Got true instead.",
      ],
      [
        'balanced',
        () => new Incremental(new SGDClassifier({ classWeight: 'balanced' }), { classes: [0, 1] }).fit(X, y, options),
        /classWeight 'balanced' is not supported for partialFit/,
      ],
      [
        'Incremental itself',
        () => new Incremental(new SGDClassifier(), { epochs: 0 }).fit(X, y, options),
        "The 'epochs' parameter of Incremental must be an int in the range [1, inf). Got 0 instead.",
      ],
      [
        'MLP layers',
        () => new Incremental(new MLPClassifier({ hiddenLayerSizes: [0] }), { classes: [0, 1] }).fit(X, y, options),
        /'hiddenLayerSizes' parameter of MLPClassifier/,
      ],
      [
        'ParallelPostFit (before computing X)',
        () => new ParallelPostFit(new GaussianNB({ varSmoothing: -1 })).fit(X, y, options),
        /'varSmoothing' parameter of GaussianNB must be a float in the range \[0, inf\)/,
      ],
      [
        'a step that cannot fit lazily',
        () => makePipeline(new StandardScaler(), new SGDClassifier()).fit(X, y, options),
        /SGDClassifier cannot be fitted on a lazy array directly/,
      ],
      [
        'a middle step without transform',
        () =>
          makePipeline(
            new StandardScaler(),
            new Incremental(new SGDClassifier(), { classes: [0, 1] }),
            new Incremental(new SGDClassifier(), { classes: [0, 1] }),
          ).fit(X, y, options),
        /SGDClassifier has no transform/,
      ],
    ];
    for (const [what, run, message] of cases) {
      const err = await failure(run());
      expect(err, what).toBeInstanceOf(Error);
      expect((err as Error).message, what).toMatch(message);
      expect(counter.starts, `${what}: tasks started`).toBe(0);
    }
  });

  it('Incremental.partialFit validates after setParams, before its chain', async () => {
    const { X, y } = lazyData();
    const inc = new Incremental(new SGDClassifier({ shuffle: false }), { classes: [0, 1], shuffleBlocks: false });
    await inc.fit(X, y, { scheduler: scheduler() });
    const before = JSON.stringify(inc);
    inc.setParams({ estimator__alpha: -1 });
    const { counter, options } = counting(scheduler());
    const err = await failure(inc.partialFit(X, y, options));
    expect((err as Error).message).toBe(ALPHA);
    expect(counter.starts).toBe(0);
    inc.setParams({ estimator__alpha: 0.0001 });
    expect(JSON.stringify(inc)).toBe(before);
  });
});

const X = DenseArray.from(
  Array.from({ length: 60 }, (_, i) => Array.from({ length: 4 }, (_, j) => ((i * 7 + j * 3) % 11) / 5 + (j === i % 3 ? 2 : 0))),
);
const y = Array.from({ length: 60 }, (_, i) => i % 3);
const yReg = Array.from({ length: 60 }, (_, i) => (i % 7) / 3);

/** A first partialFit for every estimator that has one. */
const incremental: Record<string, () => BaseEstimator & { partialFit(...a: unknown[]): unknown }> = {
  SGDClassifier: () => new SGDClassifier({ shuffle: false }).partialFit(X, y, { classes: [0, 1, 2] }),
  SGDRegressor: () => new SGDRegressor({ shuffle: false }).partialFit(X, yReg),
  Perceptron: () => new Perceptron({ shuffle: false }).partialFit(X, y, { classes: [0, 1, 2] }),
  PassiveAggressiveClassifier: () => new PassiveAggressiveClassifier({ shuffle: false }).partialFit(X, y, { classes: [0, 1, 2] }),
  PassiveAggressiveRegressor: () => new PassiveAggressiveRegressor({ shuffle: false }).partialFit(X, yReg),
  StandardScaler: () => new StandardScaler().partialFit(X),
  MinMaxScaler: () => new MinMaxScaler().partialFit(X),
  MaxAbsScaler: () => new MaxAbsScaler().partialFit(X),
  GaussianNB: () => new GaussianNB().partialFit(X, y, { classes: [0, 1, 2] }),
  MultinomialNB: () => new MultinomialNB().partialFit(X, y, { classes: [0, 1, 2] }),
  BernoulliNB: () => new BernoulliNB().partialFit(X, y, { classes: [0, 1, 2] }),
  IncrementalPCA: () => new IncrementalPCA({ nComponents: 2 }).partialFit(X),
  MiniBatchKMeans: () => new MiniBatchKMeans({ nClusters: 3, randomState: 0 }).partialFit(X),
  MLPClassifier: () => new MLPClassifier({ hiddenLayerSizes: [3], randomState: 0 }).partialFit(X, y, { classes: [0, 1, 2] }),
  MLPRegressor: () => new MLPRegressor({ hiddenLayerSizes: [3], randomState: 0 }).partialFit(X, yReg),
  Incremental: () => new Incremental(new SGDClassifier({ shuffle: false }), { classes: [0, 1, 2] }).partialFit(X, y),
};

function nextCall(name: string, est: { partialFit(...a: unknown[]): unknown }): void {
  if (['StandardScaler', 'MinMaxScaler', 'MaxAbsScaler', 'IncrementalPCA', 'MiniBatchKMeans'].includes(name)) est.partialFit(X);
  else if (/Regressor/.test(name)) est.partialFit(X, yReg);
  else est.partialFit(X, y);
}

describe('every partialFit validates the hyperparameters, a setParams in between included', () => {
  it("est.partialFit(X, y); est.setParams({ alpha: -1 }); est.partialFit(X, y) → scikit-learn's message", () => {
    const est = new SGDClassifier({ shuffle: false }).partialFit(X, y, { classes: [0, 1, 2] });
    const before = JSON.stringify(est);
    est.setParams({ alpha: -1 });
    expect(() => est.partialFit(X, y)).toThrow(new ParameterRangeError(ALPHA, 'SGDClassifier', 'alpha', -1));
    est.setParams({ alpha: 0.0001 });
    expect(JSON.stringify(est), 'the failed call changed nothing').toBe(before);
  });

  it('covers every estimator with partialFit', () => {
    const withPartialFit = registeredEstimators().filter(
      (n) => typeof (estimatorClass(n).prototype as { partialFit?: unknown }).partialFit === 'function',
    );
    expect(withPartialFit.filter((n) => !(n in incremental))).toEqual([]);
  });

  for (const [name, make] of Object.entries(incremental)) {
    it(`${name}: each invalid value set between two calls is refused by the second`, () => {
      const cls = estimatorClass(name);
      let checked = 0;
      for (const [param, constraints] of Object.entries(cls.constraints)) {
        for (const bad of invalidValuesFor(constraints)) {
          const est = make();
          const before = JSON.stringify(est);
          const good = (est.getParams(false) as Record<string, unknown>)[param];
          est.setParams({ [param]: bad });
          let error: unknown;
          try {
            nextCall(name, est);
          } catch (e) {
            error = e;
          }
          expect(isInvalidParameterError(error), `${name}.${param} = ${String(bad)}: ${String(error)}`).toBe(true);
          expect((error as Error).message).toMatch(new RegExp(`^The '${param}' parameter of ${name} must be .+\\. Got .+ instead\\.$`));
          est.setParams({ [param]: good });
          expect(JSON.stringify(est), `${name}.${param}: the failed call changed nothing`).toBe(before);
          checked++;
        }
      }
      expect(checked > 0 || Object.keys(cls.constraints).length === 0).toBe(true);
    });
  }

  it('checks the cross-parameter rules and array-valued parameters again too', () => {
    const sgd = new SGDClassifier({ shuffle: false }).partialFit(X, y, { classes: [0, 1, 2] });
    sgd.setParams({ learningRate: 'constant' });
    expect(() => sgd.partialFit(X, y)).toThrow(
      "The 'eta0' parameter of SGDClassifier must be > 0 with learningRate 'constant'. Got 0 instead.",
    );
    sgd.setParams({ learningRate: 'optimal', classWeight: 'balanced' });
    expect(() => sgd.partialFit(X, y)).toThrow(/classWeight 'balanced' is not supported for partialFit/);
    const nb = new GaussianNB().partialFit(X, y, { classes: [0, 1, 2] });
    nb.setParams({ priors: 'uniform' as never });
    expect(() => nb.partialFit(X, y)).toThrow(ParameterTypeError);
    const km = new MiniBatchKMeans({ nClusters: 3, randomState: 0 }).partialFit(X);
    km.setParams({ init: 'kmeans' as never });
    expect(() => km.partialFit(X)).toThrow(/'init' parameter of MiniBatchKMeans must be a string among/);
    km.setParams({ init: 'k-means++', nClusters: 4 });
    expect(() => km.partialFit(X)).toThrow(
      'MiniBatchKMeans: nClusters changed from 3 to 4 since the first call to partialFit; refit to change it.',
    );
  });
});

describe('checkParams', () => {
  it('validates without data, nested estimators included', () => {
    expect(() => new SGDClassifier({ alpha: -1 }).checkParams()).toThrow(ALPHA);
    expect(new SGDClassifier().checkParams()).toBeInstanceOf(SGDClassifier);
    expect(() => new SGDClassifier({ earlyStopping: true }).checkParams()).not.toThrow();
    expect(() => new SGDClassifier({ earlyStopping: true }).checkParams({ partialFit: true })).toThrow(/must be false with partialFit/);
    const pipe = new Pipeline([
      ['s', new StandardScaler()],
      ['c', new Incremental(new SGDRegressor({ eta0: -2 }))],
    ]);
    expect(() => pipe.checkParams()).toThrow("The 'eta0' parameter of SGDRegressor must be a float in the range [0, inf). Got -2 instead.");
    expect(() => new Pipeline([]).checkParams()).toThrow(/non-empty array/);
  });

  it('an in-memory pipeline validates every step before fitting the first', () => {
    const pipe = makePipeline(new StandardScaler(), new SGDClassifier({ alpha: -1 }));
    expect(() => pipe.fit(X, y)).toThrow(ALPHA);
    expect(pipe.step(0).isFitted()).toBe(false);
  });
});
