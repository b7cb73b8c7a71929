/**
 * What GridSearchCV gained beyond one metric (fixtures from fixtures/make_model_selection_more.py,
 * scikit-learn 1.2): several metrics and refit by key / false / a function; pipeline steps replaced
 * through the grid (estimators and 'passthrough'), the prefix shared only between equal steps;
 * GroupKFold / LeaveOneGroupOut / GroupShuffleSplit and `groups` through `fit`; the refit as a task
 * on a worker thread in the search's own graph.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DenseArray, RandomState, fromArray } from '@tessera/array';
import { SyncScheduler, ThreadScheduler, withCallbacks, type TaskEvent } from '@tessera/scheduler';
import {
  BaseSearchCV,
  GaussianNB,
  GridSearchCV,
  KFold,
  RandomizedSearchCV,
  loguniform,
  type SearchJSON,
  GroupKFold,
  GroupShuffleSplit,
  LeaveOneGroupOut,
  MinMaxScaler,
  ParallelPostFit,
  ParameterRangeError,
  ParameterTypeError,
  Pipeline,
  SGDClassifier,
  SGDRegressor,
  StandardScaler,
  StratifiedKFold,
  metricColumn,
  paramColumn,
  type BaseEstimator,
  type CrossValidator,
  type CVResults,
} from '@tessera/estimators';
import { expectClose, fixture } from './helpers.js';

type EstSpec = { estimator: string; params: Record<string, unknown> };
interface Results {
  params: Record<string, unknown>[];
  metrics: Record<
    string,
    { rank: number[]; mean: number[]; std: number[]; split: number[][]; meanTrain?: number[]; stdTrain?: number[]; splitTrain?: number[][] }
  >;
  bestIndex: number | null;
  bestScore: number | null;
  bestParams: Record<string, unknown> | null;
  keys: string[];
}
interface Data {
  X: number[][];
  y: number[];
}
interface MultiCase {
  name: string;
  data: string;
  estimator: 'gnb' | 'pipeline' | 'sgdr';
  grid: Record<string, unknown[]>;
  scoring: string[] | Record<string, string>;
  refit: string | false;
  returnTrainScore?: boolean;
  cv: number;
  results: Results;
}
interface StepsCase {
  name: string;
  data: string;
  grid: Record<string, unknown[]> | Record<string, unknown[]>[];
  scoring: string;
  cv: number;
  results: Results;
  paramScaler: (EstSpec | string)[] | null;
}
type CvSpec = {
  kind: 'GroupKFold' | 'LeaveOneGroupOut' | 'GroupShuffleSplit';
  nSplits?: number;
  testSize?: number;
  trainSize?: number;
  randomState?: number;
};
const F = fixture<{
  sklearn: string;
  data: Record<string, Data>;
  multimetric: MultiCase[];
  steps: StepsCase[];
  groupSplits: {
    groups: number[];
    cases: { name: string; groups: number[] | null; cv: CvSpec; splits: [number[], number[]][]; nSplits: number }[];
  };
  groupSearch: { groups: number[]; cases: { name: string; cv: CvSpec; grid: Record<string, unknown[]>; results: Results }[] };
}>('model_selection_more.json');

const threads2 = new ThreadScheduler({ threads: 2 });
const threads1 = new ThreadScheduler({ threads: 1 });
afterAll(async () => {
  await threads2.close();
  await threads1.close();
});

const SGD = { shuffle: false, maxIter: 5, tol: null, randomState: 0 } as const;
const pipe = () =>
  new Pipeline([
    ['scaler', new StandardScaler()],
    ['clf', new SGDClassifier(SGD)],
  ]);

/** scikit-learn's parameter name in Tessera's spelling: clf__var_smoothing → clf__varSmoothing. */
function camel(name: string): string {
  const parts = name.split('__');
  parts[parts.length - 1] = parts[parts.length - 1]!.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
  return parts.join('__');
}

/** scikit-learn's `mean_test_<name>` etc. in Tessera's spelling (the metric's key camel-cased). */
function sklearnKey(k: string, metrics: string[]): string {
  if (k.startsWith('param_')) return paramColumn(camel(k.slice(6)));
  if (k === 'params') return k;
  for (const m of metrics) {
    for (const [pre, to] of [
      ['mean_test_', 'meanTest'],
      ['std_test_', 'stdTest'],
      ['rank_test_', 'rankTest'],
      ['mean_train_', 'meanTrain'],
      ['std_train_', 'stdTrain'],
    ] as const)
      if (k === pre + m) return to + metricColumn(m);
    const split = /^split(\d+)_(test|train)_(.*)$/.exec(k);
    if (split && split[3] === m) return `split${split[1]}${split[2] === 'test' ? 'Test' : 'Train'}${metricColumn(m)}`;
  }
  throw new Error(`unmapped key ${k}`);
}

function expectMetrics(r: CVResults, want: Results, label: string): void {
  for (const [key, m] of Object.entries(want.metrics)) {
    const col = metricColumn(key);
    m.split.forEach((s, k) => expectClose(r[`split${k}Test${col}`] as Float64Array, s, `${label} split${k}Test${col}`));
    expectClose(r[`meanTest${col}`] as Float64Array, m.mean, `${label} meanTest${col}`);
    expectClose(r[`stdTest${col}`] as Float64Array, m.std, `${label} stdTest${col}`, 1e-9, 1e-12);
    expect(Array.from(r[`rankTest${col}`] as Int32Array), `${label} rankTest${col}`).toEqual(m.rank);
    if (m.meanTrain) {
      m.splitTrain!.forEach((s, k) => expectClose(r[`split${k}Train${col}`] as Float64Array, s, `split${k}Train${col}`));
      expectClose(r[`meanTrain${col}`] as Float64Array, m.meanTrain, `meanTrain${col}`);
      expectClose(r[`stdTrain${col}`] as Float64Array, m.stdTrain!, `stdTrain${col}`, 1e-9, 1e-12);
    }
  }
}

/** The refit function of the fixtures: argmax of mean − std of metric `key` (numpy's argmax: the first on ties). */
const bestMinusStd = (key: string) => (r: CVResults) => {
  const mean = r[`meanTest${metricColumn(key)}`] as Float64Array;
  const std = r[`stdTest${metricColumn(key)}`] as Float64Array;
  let best = 0;
  for (let i = 1; i < mean.length; i++) if (mean[i]! - std[i]! > mean[best]! - std[best]!) best = i;
  return best;
};

const dense = (d: Data) => ({ X: DenseArray.from(d.X), y: Float64Array.from(d.y) });

describe(`several metrics = scikit-learn ${F.sklearn}`, () => {
  it.each(F.multimetric.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const est: BaseEstimator =
      c.estimator === 'gnb'
        ? new GaussianNB()
        : c.estimator === 'sgdr'
          ? new SGDRegressor({ ...SGD, eta0: 0.01 })
          : new Pipeline([
              ['scaler', new StandardScaler()],
              ['sgd', new SGDClassifier(SGD)],
            ]);
    const grid = Object.fromEntries(Object.entries(c.grid).map(([k, v]) => [camel(k), v]));
    const refit = c.refit === 'callable:acc' ? bestMinusStd('acc') : c.refit;
    const s = new GridSearchCV(est, grid, { cv: c.cv, scoring: c.scoring, refit, returnTrainScore: c.returnTrainScore ?? false });
    const { X, y } = dense(F.data[c.data]!);
    await s.fit(X, y, { scheduler: threads2 });
    const r = s.cvResults_;
    expect(s.multimetric_).toBe(true);
    expectMetrics(r, c.results, c.name);
    const keys = Array.isArray(c.scoring) ? c.scoring : Object.keys(c.scoring);
    // Every scikit-learn column (timings aside) under its camelCase name, and no other.
    const ours = Object.keys(r).filter((k) => !/Time$/.test(k));
    expect(ours.sort()).toEqual(c.results.keys.map((k) => sklearnKey(k, keys)).sort());
    expect(r.meanTestScore).toBeUndefined();
    if (c.results.bestIndex === null) {
      expect(() => s.bestIndex_).toThrow(/several metrics and refit: false; it has no bestIndex_/);
      expect(() => s.bestScore_).toThrow(TypeError);
      expect(() => s.bestParams_).toThrow(TypeError);
      expect(() => s.bestEstimator_).toThrow(TypeError);
      expect(() => s.scorer_).toThrow(/read scorers_/);
      expect(Object.keys(s.scorers_)).toEqual(keys);
      return;
    }
    expect(s.bestIndex_).toBe(c.results.bestIndex);
    if (c.results.bestScore === null) expect(() => s.bestScore_).toThrow(/refit function; it has no bestScore_/);
    else expectClose([s.bestScore_], [c.results.bestScore], 'bestScore_');
    expect(Object.keys(s.bestParams_).sort()).toEqual(Object.keys(c.results.bestParams!).sort());
    // The refit: the chosen candidate fitted on every row, as fitting it by hand gives.
    const byHand = est.clone().setParams(s.bestParams_);
    (byHand as unknown as { fit(X: DenseArray, y: Float64Array): void }).fit(X, y);
    const pred = (e: BaseEstimator) => Array.from((e as unknown as { predict(X: DenseArray): DenseArray }).predict(X).data);
    expect(pred(s.bestEstimator_)).toEqual(pred(byHand));
    if (typeof refit === 'string') {
      expect(s.scorer_.name).toBe(Array.isArray(c.scoring) ? refit : (c.scoring as Record<string, string>)[refit]);
      expect(s.score(X, y)).toBe(s.scorer_.score(s.bestEstimator_, X, y));
    } else {
      // A refit function names no metric: no scorer_ to score with (scikit-learn's score fails too).
      expect(() => s.scorer_).toThrow(TypeError);
      expect(() => s.score(X, y)).toThrow(/read scorers_/);
    }
  });

  it('gives the same columns at 1 and 2 threads and on the sync scheduler', async () => {
    const { X, y } = dense(F.data['bin']!);
    const make = () =>
      new GridSearchCV(
        pipe(),
        { clf__alpha: [1e-4, 1e-2], clf__loss: ['log_loss', 'hinge'] },
        { cv: 3, scoring: ['accuracy', 'roc_auc'], refit: 'roc_auc' },
      );
    const runs: GridSearchCV[] = [];
    for (const scheduler of [threads1, threads2, new SyncScheduler()]) runs.push(await make().fit(X, y, { scheduler }));
    for (const s of runs.slice(1)) {
      for (const k of ['meanTestAccuracy', 'meanTestRocAuc', 'rankTestRocAuc', 'split2TestAccuracy'])
        expect(Array.from(s.cvResults_[k] as Float64Array)).toEqual(Array.from(runs[0]!.cvResults_[k] as Float64Array));
      expect(s.bestIndex_).toBe(runs[0]!.bestIndex_);
    }
  });

  it('camel-cases metric keys: split at _, each part capitalised', () => {
    expect(metricColumn('accuracy')).toBe('Accuracy');
    expect(metricColumn('neg_log_loss')).toBe('NegLogLoss');
    expect(metricColumn('myAcc')).toBe('MyAcc');
    expect(metricColumn('score')).toBe('Score');
  });

  it('refuses what scikit-learn refuses, naming the parameter', async () => {
    const { X, y } = dense(F.data['bin']!);
    const grid = { varSmoothing: [1e-9, 1e-2] };
    const fit = (o: object) => new GridSearchCV(new GaussianNB(), grid, { cv: 3, ...o }).fit(X, y, { scheduler: threads2 });
    await expect(fit({ scoring: ['accuracy', 'roc_auc'] })).rejects.toThrow(ParameterRangeError);
    await expect(fit({ scoring: ['accuracy', 'roc_auc'] })).rejects.toThrow(
      /for multi-metric scoring, the parameter refit must be set to a scorer key \('accuracy', 'roc_auc'\).*Got true/,
    );
    await expect(fit({ scoring: { a: 'accuracy' }, refit: 'b' })).rejects.toThrow(/refit must be set to a scorer key \('a'\).*Got 'b'/);
    await expect(fit({ scoring: [] })).rejects.toThrow(/'scoring' parameter of GridSearchCV.*the array is empty/);
    await expect(fit({ scoring: ['accuracy', 'accuracy'], refit: false })).rejects.toThrow(/'accuracy' appears twice/);
    await expect(fit({ scoring: { a: 'accuracy', b: 3 }, refit: false })).rejects.toThrow(ParameterTypeError);
    await expect(fit({ scoring: { a: 'accuracy', b: 'nope' }, refit: false })).rejects.toThrow(
      /'scoring' parameter of GridSearchCV must be null or a string among/,
    );
    await expect(fit({ scoring: { neg_log_loss: 'neg_log_loss', negLogLoss: 'neg_log_loss' }, refit: false })).rejects.toThrow(
      /keys 'neg_log_loss' and 'negLogLoss' would both be reported as the cvResults_ column suffix 'NegLogLoss'/,
    );
    await expect(fit({ refit: 3 })).rejects.toThrow(/'refit' parameter of GridSearchCV must be a boolean, a metric's key or a function/);
    await expect(fit({ refit: () => 1.5 })).rejects.toThrow(ParameterTypeError);
    await expect(fit({ refit: () => 1.5 })).rejects.toThrow(/'refit' function returned 1.5; it must return the index of a candidate/);
    await expect(fit({ refit: () => 2 })).rejects.toThrow(ParameterRangeError);
    await expect(fit({ refit: () => -1 })).rejects.toThrow(/returned index -1, out of range: there are 2 candidates/);
    // One metric: refit a string refits on it (scikit-learn's truthiness), a function keeps no bestScore_.
    const s = await fit({ refit: () => 1, scoring: 'accuracy' });
    expect(s.bestIndex_).toBe(1);
    expect(() => s.bestScore_).toThrow(TypeError);
    expect(s.bestParams_).toEqual({ varSmoothing: 1e-2 });
    expect(s.multimetric_).toBe(false);
  });
});

/** An estimator (or 'passthrough') from the fixture's spelling. */
function build(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || !('estimator' in v)) return v;
  const { estimator, params } = v as EstSpec;
  if (estimator === 'StandardScaler') return new StandardScaler(params);
  if (estimator === 'MinMaxScaler') return new MinMaxScaler(params);
  if (estimator === 'GaussianNB') return new GaussianNB(params);
  if (estimator === 'SGDClassifier') return new SGDClassifier({ ...SGD, ...(params as object), alpha: 1e-4 });
  throw new Error(`no ${estimator}`);
}

const nameOf = (v: unknown) => (typeof v === 'object' && v !== null && 'estimatorName' in v ? (v as BaseEstimator).estimatorName : v);

describe(`pipeline steps replaced through the grid = scikit-learn ${F.sklearn}`, () => {
  it.each(F.steps.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const grids = (Array.isArray(c.grid) ? c.grid : [c.grid]).map((g) =>
      Object.fromEntries(Object.entries(g).map(([k, vs]) => [camel(k), vs.map(build)])),
    );
    const s = new GridSearchCV(pipe(), grids, { cv: c.cv, scoring: c.scoring });
    const { X, y } = dense(F.data[c.data]!);
    await s.fit(X, y, { scheduler: threads2 });
    const r = s.cvResults_;
    expectMetrics(r, c.results, c.name);
    // Estimator-valued parameters compared by class: scikit-learn 1.2's refit sets the best params
    // on the grid's own estimator object, so its cv_results_['params'] show the best's alpha for all.
    r.params.forEach((p, i) => {
      const want = c.results.params[i]!;
      expect(Object.keys(p).sort()).toEqual(Object.keys(want).sort());
      for (const [k, v] of Object.entries(want))
        expect(nameOf(p[k])).toEqual(typeof v === 'object' && v !== null ? (v as EstSpec).estimator : v);
    });
    if (c.paramScaler !== null)
      expect((r['paramScaler'] as unknown[]).map(nameOf)).toEqual(c.paramScaler.map((v) => (typeof v === 'string' ? v : v.estimator)));
    expect(s.bestIndex_).toBe(c.results.bestIndex);
    expectClose([s.bestScore_], [c.results.bestScore!], 'bestScore_');
    // The refitted best has the best's steps (a 'passthrough' step left out: the identity).
    const best = s.bestEstimator_ as Pipeline;
    const bp = s.bestParams_;
    const names = best.steps.map(([n, e]) => `${n}:${e.estimatorName}`);
    const scaler = bp['scaler'] ?? 'kept';
    expect(names).toEqual([
      ...(scaler === 'passthrough' ? [] : [`scaler:${scaler === 'kept' ? 'StandardScaler' : (scaler as BaseEstimator).estimatorName}`]),
      `clf:${(bp['clf'] as BaseEstimator).estimatorName}`,
    ]);
    // The grid's estimators are cloned per candidate, never fitted or changed themselves.
    for (const p of r.params)
      for (const v of Object.values(p)) if (typeof v === 'object' && v !== null) expect((v as BaseEstimator).isFitted()).toBe(false);
  });

  it('shares a prefix only between candidates whose steps are equal (a replaced step is a different prefix); results equal fitting each pipeline by hand', async () => {
    const { X, y } = dense(F.data['bin']!);
    const grid = { scaler: [new StandardScaler(), new MinMaxScaler(), 'passthrough'], clf__alpha: [1e-4, 1e-2] };
    const events: TaskEvent[] = [];
    const s = new GridSearchCV(pipe(), grid, { cv: 3, scoring: 'accuracy' });
    await withCallbacks([{ onTaskEnd: (e) => events.push(e) }], () => s.fit(X, y, { scheduler: threads2 }));
    // StandardScaler × 3 folds + MinMaxScaler × 3 folds, each shared by the 2 alphas; none for passthrough,
    // and no refit prefix on all rows (the candidates' prefixes differ).
    const prefix = events.filter((e) => e.kernel === 'ms.fitPrefix');
    expect(prefix).toHaveLength(6);
    expect(events.filter((e) => e.kernel === 'ms.fitScore')).toHaveLength(6 * 3);
    const folds = [...s.cvResults_.params.keys()].length;
    expect(folds).toBe(6);
    const splits = [...new StratifiedKFold({ nSplits: 3 }).split(X, y)];
    const take = (idx: Int32Array) => ({
      X: new DenseArray(Float64Array.from(Array.from(idx).flatMap((i) => Array.from(X.data.subarray(i * 5, i * 5 + 5)))), [idx.length, 5]),
      y: Float64Array.from(idx, (i) => y[i]!),
    });
    s.cvResults_.params.forEach((params, c) => {
      splits.forEach(([train, test], k) => {
        const steps: [string, BaseEstimator][] = [];
        if (params['scaler'] !== 'passthrough') steps.push(['scaler', (params['scaler'] as BaseEstimator).clone()]);
        steps.push(['clf', new SGDClassifier({ ...SGD, alpha: params['clf__alpha'] as number })]);
        const p = new Pipeline(steps);
        p.fit(take(train).X, take(train).y);
        expect((s.cvResults_[`split${k}TestScore`] as Float64Array)[c], `candidate ${c} split ${k}`).toBe(
          p.score(take(test).X, take(test).y),
        );
      });
    });
  });

  it('refuses a step value that is not an estimator, a passthrough final step, and params of a passthrough step', async () => {
    const { X, y } = dense(F.data['bin']!);
    const fit = (grid: Record<string, unknown[]>) => new GridSearchCV(pipe(), grid, { cv: 3 }).fit(X, y, { scheduler: threads2 });
    await expect(fit({ scaler: ['standard'] })).rejects.toThrow(ParameterTypeError);
    await expect(fit({ scaler: ['standard'] })).rejects.toThrow(
      /GridSearchCV: candidate 0 sets 'scaler': a pipeline step is replaced by an estimator, 'passthrough' or null; got 'standard'/,
    );
    await expect(fit({ clf: ['passthrough'] })).rejects.toThrow(ParameterRangeError);
    await expect(fit({ clf: [null] })).rejects.toThrow(/sets 'clf': the final step of a searched pipeline must be an estimator/);
    await expect(fit({ scaler: ['passthrough'], scaler__withMean: [false] })).rejects.toThrow(
      /candidate 0 sets 'scaler__withMean' \(in 'scaler', a nested estimator of Pipeline\): step 'scaler' is 'passthrough' in this candidate/,
    );
    await expect(fit({ clf: [new GaussianNB()], clf__alpha: [1] })).rejects.toThrow(
      /sets 'clf__alpha'.*Invalid parameter 'alpha' for estimator GaussianNB/,
    );
  });
});

function splitterOf(spec: CvSpec): CrossValidator {
  if (spec.kind === 'GroupKFold') return new GroupKFold({ nSplits: spec.nSplits });
  if (spec.kind === 'LeaveOneGroupOut') return new LeaveOneGroupOut();
  return new GroupShuffleSplit({
    nSplits: spec.nSplits,
    testSize: spec.testSize,
    trainSize: spec.trainSize,
    randomState: spec.randomState,
  });
}

describe(`group splitters = scikit-learn ${F.sklearn}`, () => {
  it.each(F.groupSplits.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const groups = c.groups ?? F.groupSplits.groups;
    const cv = splitterOf(c.cv);
    const X = { shape: [groups.length, 1] };
    const got = [...cv.split(X, null, groups)].map(([tr, te]) => [Array.from(tr), Array.from(te)]);
    expect(got).toEqual(c.splits);
    expect(cv.getNSplits(X, null, groups)).toBe(c.nSplits);
  });

  it('StratifiedKFold: labels off the small-integer fast path (negative, large) fold as their order says', () => {
    const y = Array.from({ length: 50 }, (_, i) => (i * 7) % 3);
    const X = { shape: [50, 1] };
    for (const shuffle of [false, true]) {
      const cv = () => new StratifiedKFold({ nSplits: 4, shuffle, randomState: shuffle ? 3 : null });
      const want = [...cv().split(X, y)];
      expect([
        ...cv().split(
          X,
          y.map((v) => v * 70000 - 5),
        ),
      ]).toEqual(want);
      expect(
        [
          ...cv().split(
            X,
            y.map((v) => -v),
          ),
        ].map(([tr, te]) => [tr.length, te.length]),
      ).toEqual(want.map(([tr, te]) => [tr.length, te.length]));
    }
  });

  it('string groups split as their sorted order does', () => {
    const num = [2, 0, 1, 1, 2, 0, 3];
    const str = num.map((g) => ['a', 'b', 'c', 'd'][g]!);
    for (const cv of [
      new LeaveOneGroupOut(),
      new GroupKFold({ nSplits: 3 }),
      new GroupShuffleSplit({ nSplits: 2, testSize: 0.5, randomState: 0 }),
    ]) {
      expect([...cv.split(num, null, str)]).toEqual([...cv.split(num, null, num)]);
    }
  });

  it('errors name the splitter and the groups', () => {
    const X = [[1], [2], [3], [4]];
    expect(() => [...new GroupKFold({ nSplits: 3 }).split(X)]).toThrow(/GroupKFold.split: the 'groups' parameter should not be null/);
    expect(() => [...new GroupKFold({ nSplits: 3 }).split(X, null, [0, 0, 1, 1])]).toThrow(RangeError);
    expect(() => [...new GroupKFold({ nSplits: 3 }).split(X, null, [0, 0, 1, 1])]).toThrow(
      /cannot have number of splits nSplits=3 greater than the number of groups: 2/,
    );
    expect(() => [...new GroupKFold().split(X, null, [0, 1, 2])]).toThrow(/X has 4 rows but groups has 3/);
    expect(() => [...new LeaveOneGroupOut().split(X, null, [5, 5, 5, 5])]).toThrow(/fewer than 2 unique groups \(5\)/);
    expect(() => [...new LeaveOneGroupOut().split(X, null, [0, 'a', 1, 1] as never)]).toThrow(/groups\[1\] is 'a'/);
    expect(() => new GroupKFold({ nSplits: 1 })).toThrow(ParameterRangeError);
    expect(() => new LeaveOneGroupOut().getNSplits()).toThrow(TypeError);
    expect(new GroupShuffleSplit().nSplits).toBe(5);
  });
});

describe(`searches given groups = scikit-learn ${F.sklearn}`, () => {
  it.each(F.groupSearch.cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const { X, y } = dense(F.data['bin']!);
    const grid = { varSmoothing: c.grid['var_smoothing']! };
    const s = new GridSearchCV(new GaussianNB(), grid, { cv: splitterOf(c.cv), scoring: ['accuracy', 'roc_auc'], refit: 'accuracy' });
    await s.fit(X, y, { scheduler: threads2, groups: F.groupSearch.groups });
    expectMetrics(s.cvResults_, c.results, c.name);
    expect(s.nSplits_).toBe(c.results.metrics['accuracy']!.split.length);
    expect(s.bestIndex_).toBe(c.results.bestIndex);
  });

  it('a group splitter without groups fails naming the parameter', async () => {
    const { X, y } = dense(F.data['bin']!);
    await expect(
      new GridSearchCV(new GaussianNB(), { varSmoothing: [1e-9] }, { cv: new GroupKFold({ nSplits: 3 }) }).fit(X, y),
    ).rejects.toThrow(/GroupKFold.split: the 'groups' parameter should not be null/);
  });
});

describe('the refit runs on a worker, in the search’s graph', () => {
  it('one ms.refit task on a worker thread, after the last fit, in the same run; the result equals fitting by hand', async () => {
    const { X, y } = dense(F.data['bin']!);
    const events: TaskEvent[] = [];
    const s = new GridSearchCV(new GaussianNB(), { varSmoothing: [1e-9, 1e-3, 1e-1] }, { cv: 3 });
    await withCallbacks([{ onTaskEnd: (e) => events.push(e) }], () => s.fit(X, y, { scheduler: threads2 }));
    const refit = events.filter((e) => e.kernel === 'ms.refit');
    expect(refit).toHaveLength(1);
    expect(refit[0]!.worker).not.toBe(0);
    const fits = events.filter((e) => e.kernel === 'ms.fitScore');
    expect(new Set([...fits, ...refit].map((e) => e.runId)).size).toBe(1);
    expect(refit[0]!.start).toBeGreaterThanOrEqual(Math.max(...fits.map((e) => e.end)));
    const byHand = new GaussianNB({ varSmoothing: s.bestParams_['varSmoothing'] as number }).fit(X, y);
    expect(Array.from((s.bestEstimator_ as GaussianNB).theta_.data)).toEqual(Array.from(byHand.theta_.data));
    expect(s.refitTime_).toBeGreaterThan(0);
  });

  it('a refit function: the refit is a second one-task run on a worker, reusing the shared prefix fitted on all rows', async () => {
    const { X, y } = dense(F.data['bin']!);
    const events: TaskEvent[] = [];
    const s = new GridSearchCV(pipe(), { clf__alpha: [1e-4, 1e-2, 1] }, { cv: 3, refit: () => 2 });
    await withCallbacks([{ onTaskEnd: (e) => events.push(e) }], () => s.fit(X, y, { scheduler: threads2 }));
    const refit = events.filter((e) => e.kernel === 'ms.refit');
    expect(refit).toHaveLength(1);
    expect(refit[0]!.worker).not.toBe(0);
    expect(events.filter((e) => e.key.startsWith('ms-prefix-refit-'))).toHaveLength(1);
    expect(s.bestIndex_).toBe(2);
    const byHand = pipe().setParams({ clf__alpha: 1 }).fit(X, y);
    expect(Array.from((s.bestEstimator_ as Pipeline).predict(X).data)).toEqual(Array.from(byHand.predict(X).data));
    expect(Array.from(((s.bestEstimator_ as Pipeline).step('clf') as SGDClassifier).coef_.data)).toEqual(
      Array.from((byHand.step('clf') as SGDClassifier).coef_.data),
    );
  });
});

describe('a search as JSON (toJSON / BaseSearchCV.fromJSON)', () => {
  it('a fitted search round-trips: cvResults_, best_*, bestEstimator_ and the options; predict and score answer alike', async () => {
    const { X, y } = dense(F.data['bin']!);
    const grid: Record<string, unknown[]>[] = [
      { scaler: [new StandardScaler(), 'passthrough'], clf__alpha: [1e-4, 1e-2], clf__loss: ['log_loss'] },
      { clf: [new GaussianNB()], clf__varSmoothing: [1e-9] },
    ];
    const s = await new GridSearchCV(pipe(), grid, {
      cv: new KFold({ nSplits: 3, shuffle: true, randomState: 4 }),
      scoring: { acc: 'accuracy', nll: 'neg_log_loss' },
      refit: 'nll',
      returnTrainScore: true,
      errorScore: Number.NaN,
    }).fit(X, y, { scheduler: threads2 });
    const back = BaseSearchCV.fromJSON(JSON.stringify(s));
    expect(back).toBeInstanceOf(GridSearchCV);
    const r = s.cvResults_;
    const b = back.cvResults_;
    expect(Object.keys(b).sort()).toEqual(Object.keys(r).sort());
    for (const [k, v] of Object.entries(r)) {
      if (ArrayBuffer.isView(v)) {
        expect(b[k]!.constructor, k).toBe(v.constructor);
        expect(Array.from(b[k] as Float64Array), k).toEqual(Array.from(v as Float64Array));
      }
    }
    // Masked param entries stay undefined; estimator-valued params come back as estimators of their class.
    expect((b['paramClf__varSmoothing'] as unknown[]).slice(0, 4)).toEqual([undefined, undefined, undefined, undefined]);
    expect((b['paramScaler'] as unknown[]).map(nameOf)).toEqual((r['paramScaler'] as unknown[]).map(nameOf));
    expect(back.bestIndex_).toBe(s.bestIndex_);
    expect(back.bestScore_).toBe(s.bestScore_);
    expect(Object.keys(back.bestParams_).sort()).toEqual(Object.keys(s.bestParams_).sort());
    expect(back.multimetric_).toBe(true);
    expect(back.nSplits_).toBe(3);
    expect(back.refitTime_).toBe(s.refitTime_);
    expect(back.scorer_.name).toBe('neg_log_loss');
    expect(Object.keys(back.scorers_)).toEqual(['acc', 'nll']);
    expect(Array.from(back.predict(X).data)).toEqual(Array.from(s.predict(X).data));
    expect(back.score(X, y)).toBe(s.score(X, y));
    // The options come back too: fitting the rebuilt search again gives the same columns.
    const again = await back.fit(X, y, { scheduler: threads2 });
    expect(Array.from(again.cvResults_['meanTestNll'] as Float64Array)).toEqual(Array.from(r['meanTestNll'] as Float64Array));
  });

  it('an unfitted RandomizedSearchCV with distributions round-trips and samples the same candidates', async () => {
    const { X, y } = dense(F.data['bin']!);
    const make = () =>
      new RandomizedSearchCV(
        new GaussianNB(),
        { varSmoothing: loguniform(1e-9, 1) },
        { nIter: 3, randomState: 5, cv: new GroupKFold({ nSplits: 3 }) },
      );
    const back = BaseSearchCV.fromJSON(JSON.parse(JSON.stringify(make())) as SearchJSON);
    expect(back.isFitted()).toBe(false);
    const groups = F.groupSearch.groups;
    const [a, b] = [await make().fit(X, y, { groups }), await back.fit(X, y, { groups })];
    expect(b.cvResults_.params).toEqual(a.cvResults_.params);
    expect(Array.from(b.cvResults_.meanTestScore)).toEqual(Array.from(a.cvResults_.meanTestScore));
  });

  it('refuses what JSON cannot hold, naming the option; malformed JSON names the field', async () => {
    const { X, y } = dense(F.data['bin']!);
    const grid = { varSmoothing: [1e-9, 1e-2] };
    expect(() => new GridSearchCV(new GaussianNB(), grid, { refit: () => 0 }).toJSON()).toThrow(
      /GridSearchCV.toJSON: the 'refit' option holds a function/,
    );
    expect(() => new RandomizedSearchCV(new GaussianNB(), grid, { randomState: new RandomState(1) }).toJSON()).toThrow(
      /the 'randomState' option holds a RandomState instance \(give an int seed\)/,
    );
    class Mine {
      readonly name = 'mine';
      *split(): Generator<[Int32Array, Int32Array]> {}
      getNSplits(): number {
        return 1;
      }
    }
    expect(() => new GridSearchCV(new GaussianNB(), grid, { cv: new Mine() }).toJSON()).toThrow(
      /the 'cv' option holds .*not a splitter or distribution Tessera defines/,
    );
    expect(() =>
      new GridSearchCV(new GaussianNB(), grid, { cv: { name: 'x', split: () => [], getNSplits: () => 1 } as never }).toJSON(),
    ).toThrow(/the 'cv' option holds a function/);
    expect(() =>
      new GridSearchCV(new GaussianNB(), grid, { cv: new KFold({ shuffle: true, randomState: new RandomState(0) }) }).toJSON(),
    ).toThrow(/the 'cv' option holds a splitter seeded with a RandomState instance/);
    expect(() => BaseSearchCV.fromJSON('{')).toThrow(SyntaxError);
    expect(() => BaseSearchCV.fromJSON({ format: 'x' } as never)).toThrow(/expected \{ format: 'tessera-search\/1'/);
    const fitted = (await new GridSearchCV(new GaussianNB(), grid, { cv: 3 }).fit(X, y)).toJSON();
    expect(() => BaseSearchCV.fromJSON({ ...fitted, fitted: { ...fitted.fitted!, bestIndex: 7 } })).toThrow(RangeError);
    expect(() => BaseSearchCV.fromJSON({ ...fitted, search: 'HalvingGridSearchCV' })).toThrow(/unknown search 'HalvingGridSearchCV'/);
  });
});

describe('lazy arrays', () => {
  it('several metrics and a replaced step work lazily as in memory; a group splitter is refused naming groups', async () => {
    const { X, y } = dense(F.data['bin']!);
    const Xl = fromArray(X, { chunks: [[50, 50, 50], [5]] });
    const yl = fromArray(y, { chunks: [[50, 50, 50]] });
    const lazyPipe = new Pipeline([
      ['scaler', new StandardScaler()],
      ['clf', new ParallelPostFit(new GaussianNB())],
    ]);
    const memPipe = new Pipeline([
      ['scaler', new StandardScaler()],
      ['clf', new GaussianNB()],
    ]);
    const options = { cv: 3, scoring: { acc: 'accuracy', own: 'accuracy' }, refit: 'acc' } as const;
    const lazy = await new GridSearchCV(
      lazyPipe,
      { scaler: [new StandardScaler(), 'passthrough'], clf__estimator__varSmoothing: [1e-9, 0.5] },
      options,
    ).fit(Xl, yl, { scheduler: threads2 });
    const mem = await new GridSearchCV(
      memPipe,
      { scaler: [new StandardScaler(), 'passthrough'], clf__varSmoothing: [1e-9, 0.5] },
      { ...options, cv: new KFold({ nSplits: 3 }) },
    ).fit(X, y, { scheduler: threads2 });
    expectClose(lazy.cvResults_['meanTestAcc'] as Float64Array, mem.cvResults_['meanTestAcc'] as Float64Array, 'lazy vs in memory', 1e-12);
    expect(Array.from(lazy.cvResults_['rankTestOwn'] as Int32Array)).toEqual(Array.from(mem.cvResults_['rankTestOwn'] as Int32Array));
    expect(lazy.bestIndex_).toBe(mem.bestIndex_);
    await expect(
      new GridSearchCV(lazyPipe, { clf__estimator__varSmoothing: [1e-9] }, { cv: new GroupKFold({ nSplits: 2 }) }).fit(Xl, yl, {
        groups: Array.from({ length: 150 }, (_, i) => i % 4),
      }),
    ).rejects.toThrow(/on lazy arrays, folds are contiguous row ranges \(KFold\); 'groups' would need a group splitter/);
  });
});
