/**
 * GridSearchCV and RandomizedSearchCV: cv_results_ against scikit-learn 1.2's (fixtures from
 * fixtures/make_model_selection.py, estimators whose fits are exact: SGD with shuffle: false,
 * StandardScaler → SGD pipelines, GaussianNB), a pipeline's shared prefix fitted once (counted from
 * the tasks that ran), the same results at any thread count, lazy arrays, and every error.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DenseArray, fromArray } from '@tessera/array';
import { SyncScheduler, ThreadScheduler, withCallbacks, type TaskEvent } from '@tessera/scheduler';
import {
  FitFailedError,
  GaussianNB,
  GridSearchCV,
  KFold,
  NotFittedError,
  ParallelPostFit,
  ParameterRangeError,
  ParameterTypeError,
  Pipeline,
  RandomizedSearchCV,
  SGDClassifier,
  SGDRegressor,
  ShuffleSplit,
  StandardScaler,
  StratifiedKFold,
  loguniform,
  paramColumn,
  randint,
  uniform,
  type BaseEstimator,
  type BaseSearchCV,
  type ParamDistribution,
} from '@tessera/estimators';
import { expectClose, fixture } from './helpers.js';

type DistSpec = { dist: 'uniform' | 'loguniform' | 'randint'; args: number[] };
interface SearchCase {
  name: string;
  data: 'bin' | 'multi' | 'reg';
  estimator: { sgd?: object; pipeline?: object; gnb?: object; sgdr?: object };
  kind: 'grid' | 'random';
  params: Record<string, unknown[] | DistSpec>;
  options: {
    cv: number | { kfold: number; shuffle: boolean; randomState: number };
    scoring: string | null;
    returnTrainScore?: boolean;
    nIter?: number;
    randomState?: number;
  };
  results: {
    params: Record<string, unknown>[];
    rankTestScore: number[];
    meanTestScore: number[];
    stdTestScore: number[];
    splitTestScores: number[][];
    meanTrainScore?: number[];
    stdTrainScore?: number[];
    splitTrainScores?: number[][];
    bestIndex: number;
    bestScore: number;
    bestParams: Record<string, unknown>;
  };
}
const F = fixture<{ sklearn: string; data: Record<string, { X: number[][]; y: number[] }>; cases: SearchCase[] }>(
  'model_selection_search.json',
);

const threads2 = new ThreadScheduler({ threads: 2 });
const threads1 = new ThreadScheduler({ threads: 1 });
afterAll(async () => {
  await threads2.close();
  await threads1.close();
});

const SGD = { shuffle: false, maxIter: 5, tol: null, randomState: 0 } as const;

function estimatorOf(c: SearchCase): BaseEstimator {
  if (c.estimator.sgd) return new SGDClassifier(SGD);
  if (c.estimator.pipeline)
    return new Pipeline([
      ['scaler', new StandardScaler()],
      ['sgd', new SGDClassifier(SGD)],
    ]);
  if (c.estimator.gnb) return new GaussianNB();
  return new SGDRegressor({ ...SGD, eta0: 0.01 });
}

function dist(v: unknown[] | DistSpec): unknown[] | ParamDistribution {
  if (Array.isArray(v)) return v;
  if (v.dist === 'uniform') return uniform(v.args[0], v.args[1]);
  if (v.dist === 'loguniform') return loguniform(v.args[0]!, v.args[1]!);
  return randint(v.args[0]!, v.args[1]!);
}

function searchOf(c: SearchCase): BaseSearchCV {
  const o = c.options;
  const cv = typeof o.cv === 'number' ? o.cv : new KFold({ nSplits: o.cv.kfold, shuffle: o.cv.shuffle, randomState: o.cv.randomState });
  const common = { cv, scoring: o.scoring, returnTrainScore: o.returnTrainScore ?? false };
  if (c.kind === 'grid') return new GridSearchCV(estimatorOf(c), c.params as Record<string, unknown[]>, common);
  const dists = Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, dist(v)]));
  return new RandomizedSearchCV(estimatorOf(c), dists, { ...common, nIter: o.nIter, randomState: o.randomState });
}

function expectParams(got: Record<string, unknown>, want: Record<string, unknown>, label: string): void {
  expect(Object.keys(got).sort(), label).toEqual(Object.keys(want).sort());
  for (const [k, v] of Object.entries(want)) {
    if (typeof v === 'number' && !Number.isInteger(v)) expectClose([got[k] as number], [v], `${label} ${k}`, 1e-14);
    else expect(got[k], `${label} ${k}`).toEqual(v);
  }
}

describe(`GridSearchCV / RandomizedSearchCV cv_results_ = scikit-learn ${F.sklearn}`, () => {
  it.each(F.cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const { X, y } = F.data[c.data]!;
    const search = searchOf(c);
    await search.fit(DenseArray.from(X), Float64Array.from(y), { scheduler: threads2 });
    const r = search.cvResults_;
    const want = c.results;
    expect(r.params.length).toBe(want.params.length);
    r.params.forEach((p, i) => expectParams(p, want.params[i]!, `candidate ${i}`));
    want.splitTestScores.forEach((s, k) => expectClose(r[`split${k}TestScore`] as Float64Array, s, `split${k}TestScore`));
    expectClose(r.meanTestScore, want.meanTestScore, 'meanTestScore');
    expectClose(r.stdTestScore, want.stdTestScore, 'stdTestScore', 1e-9, 1e-12);
    expect(Array.from(r.rankTestScore)).toEqual(want.rankTestScore);
    if (want.meanTrainScore) {
      want.splitTrainScores!.forEach((s, k) => expectClose(r[`split${k}TrainScore`] as Float64Array, s, `split${k}TrainScore`));
      expectClose(r.meanTrainScore!, want.meanTrainScore, 'meanTrainScore');
      expectClose(r.stdTrainScore!, want.stdTrainScore!, 'stdTrainScore', 1e-9, 1e-12);
    } else expect(r.meanTrainScore).toBeUndefined();
    expect(search.bestIndex_).toBe(want.bestIndex);
    expectClose([search.bestScore_], [want.bestScore], 'bestScore_');
    expectParams(search.bestParams_, want.bestParams, 'bestParams_');
    expect(search.nSplits_).toBe(want.splitTestScores.length);
    for (const k of ['meanFitTime', 'stdFitTime', 'meanScoreTime', 'stdScoreTime'] as const) {
      expect(r[k].length).toBe(want.params.length);
      expect(r[k].every((t) => t >= 0 && Number.isFinite(t))).toBe(true);
    }
    for (const name of Object.keys(want.params[0]!)) expect(r[paramColumn(name)]).toEqual(r.params.map((p) => p[name]));
    // The refitted best estimator answers through the search: the search's scorer on it.
    const Xd = DenseArray.from(X);
    const best = search.bestEstimator_;
    expect(search.predict(Xd).data).toEqual((best as unknown as { predict(X: DenseArray): DenseArray }).predict(Xd).data);
    expect(Number.isFinite(search.score(Xd, Float64Array.from(y)))).toBe(true);
    expect(search.scorer_.name).toBe(c.options.scoring ?? 'score');
  });
});

function pipelineData(n = 180, d = 4) {
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: d }, (_, j) => Math.sin(i * (j + 1) * 0.37) * (j + 1) + (i % 3) * 0.5);
    X.push(row);
    y.push(row[0]! + row[1]! > 0.4 ? 1 : 0);
  }
  return { X: DenseArray.from(X), y: Float64Array.from(y) };
}

describe('the work a search does', () => {
  it("fits a pipeline's shared prefix once per fold, not once per candidate (counted from the tasks that ran)", async () => {
    const { X, y } = pipelineData();
    const pipe = new Pipeline([
      ['scaler', new StandardScaler()],
      ['sgd', new SGDClassifier(SGD)],
    ]);
    const grid = { scaler__withMean: [true, false], sgd__alpha: [1e-4, 1e-3, 1e-2], sgd__loss: ['hinge', 'log_loss'] };
    const events: TaskEvent[] = [];
    const search = new GridSearchCV(pipe, grid, { cv: 4 });
    await withCallbacks([{ onTaskEnd: (e) => events.push(e) }], () => search.fit(X, y, { scheduler: threads2 }));
    const prefix = events.filter((e) => e.kernel === 'ms.fitPrefix');
    const fits = events.filter((e) => e.kernel === 'ms.fitScore');
    // 2 scaler settings × 4 folds, shared by the 6 SGD settings each: 8 scaler fits, not 48.
    expect(prefix).toHaveLength(8);
    expect(new Set(prefix.map((e) => e.key)).size).toBe(8);
    expect(fits).toHaveLength(12 * 4);
    // …and the results are those of fitting every candidate's whole pipeline on its own, fold by fold.
    const folds = [...new StratifiedKFold({ nSplits: 4 }).split(X, y)];
    const take = (idx: Int32Array) => ({
      X: new DenseArray(Float64Array.from(Array.from(idx).flatMap((i) => Array.from(X.data.subarray(i * 4, i * 4 + 4)))), [idx.length, 4]),
      y: Float64Array.from(idx, (i) => y[i]!),
    });
    search.cvResults_.params.forEach((params, c) => {
      let sum = 0;
      folds.forEach(([train, test]) => {
        const p = pipe.clone().setParams(params);
        const tr = take(train);
        const te = take(test);
        p.fit(tr.X, tr.y);
        const score = p.score(te.X, te.y);
        sum += score;
        expect((search.cvResults_[`split${folds.indexOf(folds.find((f) => f[1] === test)!)}TestScore`] as Float64Array)[c]).toBe(score);
      });
      expect(search.cvResults_.meanTestScore[c]).toBe(sum / 4);
    });
  });

  it('fits the refit’s shared prefix on all rows alongside the folds; the refit equals fitting the whole pipeline', async () => {
    const { X, y } = pipelineData(150, 4);
    const pipe = new Pipeline([
      ['scaler', new StandardScaler()],
      ['sgd', new SGDClassifier(SGD)],
    ]);
    const events: TaskEvent[] = [];
    const s = new GridSearchCV(pipe, { sgd__alpha: [1e-4, 1e-2], sgd__loss: ['hinge', 'log_loss'] }, { cv: 3 });
    await withCallbacks([{ onTaskEnd: (e) => events.push(e) }], () => s.fit(X, y, { scheduler: threads2 }));
    const prefix = events.filter((e) => e.kernel === 'ms.fitPrefix').map((e) => e.key);
    expect(prefix).toHaveLength(3 + 1);
    expect(prefix.filter((k) => k.startsWith('ms-prefix-refit-'))).toHaveLength(1);
    const plain = (pipe.clone() as Pipeline).setParams(s.bestParams_).fit(X, y);
    const best = s.bestEstimator_ as Pipeline;
    const coef = (p: Pipeline) => Array.from((p.step('sgd') as SGDClassifier).coef_.data);
    expect(coef(best)).toEqual(coef(plain));
    expect(Array.from((best.step('scaler') as StandardScaler).scale_!.data)).toEqual(
      Array.from((plain.step('scaler') as StandardScaler).scale_!.data),
    );
    expect(Array.from(s.predict(X).data)).toEqual(Array.from(plain.predict(X).data));
    expect(s.refitTime_).toBeGreaterThan(0);
    expect(s.nFeaturesIn_).toBe(4);
    // The shared prefix serves only a best candidate that has it: an invalid candidate scored above
    // the rest (errorScore 100) is refitted as it is, and its refit fails as scikit-learn's would.
    await expect(
      new GridSearchCV(pipe, { scaler__withMean: [true, 'yes'] }, { cv: 3, errorScore: 100 }).fit(X, y, { scheduler: threads2 }),
    ).rejects.toThrow(/'withMean' parameter of StandardScaler must be/);
    // With refit: false, no refit task runs.
    const none: TaskEvent[] = [];
    await withCallbacks([{ onTaskEnd: (e) => none.push(e) }], () =>
      new GridSearchCV(pipe, { sgd__alpha: [1e-4, 1e-2] }, { cv: 3, refit: false }).fit(X, y, { scheduler: threads2 }),
    );
    expect(none.filter((e) => e.kernel === 'ms.fitPrefix')).toHaveLength(3);
  });

  it('gives the same results at 1 and 2 threads and on the sync scheduler', async () => {
    const { X, y } = pipelineData(150, 3);
    const make = () =>
      new RandomizedSearchCV(
        new Pipeline([
          ['scaler', new StandardScaler()],
          ['sgd', new SGDClassifier(SGD)],
        ]),
        { sgd__alpha: loguniform(1e-5, 1), scaler__withStd: [true, false] },
        { nIter: 6, randomState: 3, cv: new StratifiedKFold({ nSplits: 3, shuffle: true, randomState: 1 }), returnTrainScore: true },
      );
    const runs = [];
    for (const scheduler of [threads1, threads2, new SyncScheduler()]) runs.push((await make().fit(X, y, { scheduler })).cvResults_);
    for (const r of runs.slice(1)) {
      for (const k of ['meanTestScore', 'stdTestScore', 'split0TestScore', 'split2TestScore', 'meanTrainScore', 'rankTestScore'])
        expect(Array.from(r[k] as Float64Array)).toEqual(Array.from(runs[0]![k] as Float64Array));
      expect(r.params).toEqual(runs[0]!.params);
    }
  });

  it('nJobs picks the thread pool; refit: false leaves no bestEstimator_', async () => {
    const { X, y } = pipelineData(90, 3);
    const s = new GridSearchCV(new GaussianNB(), { varSmoothing: [1e-9, 1e-1] }, { nJobs: 1, refit: false, cv: 3 });
    await s.fit(X, y);
    expect(s.cvResults_.meanTestScore.length).toBe(2);
    expect(Number.isNaN(s.refitTime_)).toBe(true);
    expect(() => s.bestEstimator_).toThrow(/refit: false/);
    expect(() => s.predict(X)).toThrow(/refit: false/);
  });

  it('takes splits given as [train, test] index pairs and a ShuffleSplit', async () => {
    const { X, y } = pipelineData(60, 2);
    const pairs = [...new ShuffleSplit({ nSplits: 2, testSize: 0.3, randomState: 0 }).split(X)];
    const a = await new GridSearchCV(
      new GaussianNB(),
      { varSmoothing: [1e-9, 1] },
      { cv: pairs.map(([tr, te]) => [Array.from(tr), Array.from(te)] as const) },
    ).fit(X, y, {
      scheduler: threads2,
    });
    const b = await new GridSearchCV(
      new GaussianNB(),
      { varSmoothing: [1e-9, 1] },
      { cv: new ShuffleSplit({ nSplits: 2, testSize: 0.3, randomState: 0 }) },
    ).fit(X, y, {
      scheduler: threads2,
    });
    expect(Array.from(a.cvResults_.meanTestScore)).toEqual(Array.from(b.cvResults_.meanTestScore));
    expect(a.nSplits_).toBe(2);
  });
});

describe('searches on lazy arrays (contiguous folds)', () => {
  it('equal the in-memory search with unshuffled KFold for an estimator fitted in memory (ParallelPostFit)', async () => {
    const { X, y } = pipelineData(200, 3);
    const grid = { estimator__varSmoothing: [1e-9, 1e-2, 0.5] };
    const Xl = fromArray(X, { chunks: [[50, 50, 50, 50], [3]] });
    const yl = fromArray(y, { chunks: [[50, 50, 50, 50]] });
    const lazy = await new GridSearchCV(new ParallelPostFit(new GaussianNB()), grid, { cv: 3 }).fit(Xl, yl, { scheduler: threads2 });
    const mem = await new GridSearchCV(
      new GaussianNB(),
      { varSmoothing: grid.estimator__varSmoothing },
      { cv: new KFold({ nSplits: 3 }) },
    ).fit(X, y, {
      scheduler: threads2,
    });
    expectClose(lazy.cvResults_.meanTestScore, mem.cvResults_.meanTestScore, 'lazy vs in memory', 1e-12);
    expect(Array.from(lazy.cvResults_.rankTestScore)).toEqual(Array.from(mem.cvResults_.rankTestScore));
    expect(Array.from((await lazy.predict(Xl).compute({ scheduler: threads2 })).data)).toEqual(Array.from(mem.predict(X).data));
    expect(await lazy.score(Xl, yl, { scheduler: threads2 })).toBeCloseTo(mem.score(X, y), 12);
  });

  it('fit a pipeline prefix once per fold on lazy data too, and refuse what would gather rows', async () => {
    const { X, y } = pipelineData(120, 3);
    const Xl = fromArray(X, { chunks: [[40, 40, 40], [3]] });
    const yl = fromArray(y, { chunks: [[40, 40, 40]] });
    const pipe = new Pipeline([
      ['scaler', new StandardScaler()],
      ['clf', new ParallelPostFit(new GaussianNB())],
    ]);
    const events: TaskEvent[] = [];
    const s = new GridSearchCV(pipe, { clf__estimator__varSmoothing: [1e-9, 1e-3, 1e-1] }, { cv: 2, scoring: 'accuracy' });
    await withCallbacks([{ onTaskEnd: (e) => events.push(e) }], () => s.fit(Xl, yl, { scheduler: threads2 }));
    expect(s.cvResults_.meanTestScore.length).toBe(3);
    // The scaler's statistics (each fit ends in one 'mean' reduction): once per fold (2) plus the
    // refit (1) — not once per candidate and fold (6 + 1).
    expect(events.filter((e) => e.kernel === 'array.reduceFinal' && e.key.startsWith('mean-'))).toHaveLength(3);
    await expect(
      new GridSearchCV(pipe, { clf__estimator__varSmoothing: [1e-9] }, { cv: new StratifiedKFold({ nSplits: 2 }) }).fit(Xl, yl),
    ).rejects.toThrow(/on lazy arrays, 'cv' must be an integer or a KFold without shuffle/);
    await expect(
      new GridSearchCV(pipe, { clf__estimator__varSmoothing: [1e-9] }, { cv: 2, scoring: 'neg_log_loss' }).fit(Xl, yl),
    ).rejects.toThrow(/on lazy arrays, 'scoring' must be null/);
    await expect(new GridSearchCV(pipe, { clf__estimator__varSmoothing: [1e-9] }, { cv: 2 }).fit(Xl, y)).rejects.toThrow(
      /both lazy \(NDArray\) or both in memory/,
    );
    const noLazyFit = new GridSearchCV(new GaussianNB(), { varSmoothing: [1e-9] }, { cv: 2 }).fit(Xl, yl);
    await expect(noLazyFit).rejects.toThrow(TypeError);
    await expect(noLazyFit).rejects.toThrow(/^GaussianNB cannot be fitted on a lazy array directly. Wrap it in Incremental/);
  });
});

describe('search errors', () => {
  const { X, y } = pipelineData(60, 2);
  const pipe = () =>
    new Pipeline([
      ['scaler', new StandardScaler()],
      ['sgd', new SGDClassifier(SGD)],
    ]);

  it('names an unknown parameter, its candidate and its step', async () => {
    await expect(new GridSearchCV(pipe(), { sgd__alpah: [1] }).fit(X, y)).rejects.toThrow(
      /GridSearchCV: candidate 0 sets 'sgd__alpah' \(in 'sgd', a nested estimator of Pipeline\): Invalid parameter 'alpah' for estimator SGDClassifier/,
    );
    await expect(new GridSearchCV(pipe(), { svm__C: [1] }).fit(X, y)).rejects.toThrow(/'svm__C'.*no nested estimator of that name/);
    await expect(new GridSearchCV(new GaussianNB(), { alpha: [1] }).fit(X, y)).rejects.toThrow(ParameterTypeError);
  });

  it('invalid parameter values: raised at once with errorScore: raise, else scored errorScore with a warning', async () => {
    await expect(new GridSearchCV(pipe(), { sgd__alpha: [-1, 0.1] }, { errorScore: 'raise' }).fit(X, y)).rejects.toThrow(
      /candidate 0 .*The 'alpha' parameter of SGDClassifier must be a float in the range \[0, inf\). Got -1 instead/,
    );
    const warnings: string[] = [];
    const listen = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', listen);
    try {
      const s = await new GridSearchCV(pipe(), { sgd__alpha: [-1, 0.1] }, { cv: 3, errorScore: -5 }).fit(X, y, { scheduler: threads2 });
      expect(Array.from(s.cvResults_.split0TestScore as Float64Array)[0]).toBe(-5);
      expect(s.cvResults_.meanTestScore[0]).toBe(-5);
      expect(s.bestIndex_).toBe(1);
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', listen);
    }
    expect(warnings.some((w) => /FitFailedWarning: GridSearchCV: 3 fits failed out of a total of 6/.test(w))).toBe(true);
    await expect(new GridSearchCV(pipe(), { sgd__alpha: [-1, -2] }, { cv: 2 }).fit(X, y)).rejects.toThrow(FitFailedError);
    await expect(new GridSearchCV(pipe(), { sgd__alpha: [-1, -2] }, { cv: 2 }).fit(X, y)).rejects.toThrow(/all the 4 fits failed/);
  });

  it('a fit failing on a worker gives NaN (the default errorScore) and the ranks put it last', async () => {
    // One class only in the train rows of the first fold: SGDClassifier refuses to fit it.
    const yy = Float64Array.from(y, (_, i) => (i < 20 ? 1 : i % 2));
    const s = await new GridSearchCV(
      new SGDClassifier(SGD),
      { alpha: [1e-3, 1e-2] },
      {
        cv: [
          [[...Array(20).keys()], [20, 21, 22, 23]],
          [[...Array(40).keys()].map((i) => i + 20), [0, 1, 2, 3]],
        ],
      },
    ).fit(X, yy, { scheduler: threads2 });
    expect(Number.isNaN(s.cvResults_.split0TestScore![0] as number)).toBe(true);
    expect(Array.from(s.cvResults_.rankTestScore)).toEqual([1, 1]);
    await expect(
      new GridSearchCV(new SGDClassifier(SGD), { alpha: [1e-3] }, { cv: [[[...Array(20).keys()], [20, 21]]], errorScore: 'raise' }).fit(
        X,
        yy,
        { scheduler: threads2 },
      ),
    ).rejects.toThrow(/SGDClassifier/);
  });

  it('refuses bad options, naming them', async () => {
    const est = new GaussianNB();
    const grid = { varSmoothing: [1e-9] };
    await expect(new GridSearchCV(est, grid, { scoring: 'acuracy' }).fit(X, y)).rejects.toThrow(ParameterRangeError);
    await expect(new GridSearchCV(est, grid, { scoring: 'acuracy' }).fit(X, y)).rejects.toThrow(
      /'scoring' parameter of GridSearchCV must be null or a string among 'accuracy'/,
    );
    await expect(new GridSearchCV(est, grid, { scoring: 3 as never }).fit(X, y)).rejects.toThrow(ParameterTypeError);
    await expect(new GridSearchCV(est, grid, { cv: 1 }).fit(X, y)).rejects.toThrow(/nSplits=2 or more/);
    await expect(new GridSearchCV(est, grid, { cv: 'five' as never }).fit(X, y)).rejects.toThrow(/'cv' parameter of GridSearchCV/);
    await expect(new GridSearchCV(est, grid, { cv: 100 }).fit(X, y)).rejects.toThrow(
      /cannot be greater than the number of members in each class|greater than the number of samples/,
    );
    await expect(new GridSearchCV(est, grid, { nJobs: 0 }).fit(X, y)).rejects.toThrow(
      /'nJobs' parameter of GridSearchCV must be null, -1 or a positive int. Got 0/,
    );
    await expect(new GridSearchCV(est, grid, { errorScore: 'nan' as never }).fit(X, y)).rejects.toThrow(/'errorScore' parameter/);
    await expect(new GridSearchCV(est, grid, { refit: 1 as never }).fit(X, y)).rejects.toThrow(/'refit' parameter/);
    await expect(new GridSearchCV(est, { varSmoothing: 1e-9 } as never).fit(X, y)).rejects.toThrow(/needs to be an array/);
    await expect(new GridSearchCV(est, grid).fit(X)).rejects.toThrow(/needs y/);
    await expect(new GridSearchCV(est, grid).fit([[1, 2]] as never, [1, 2])).rejects.toThrow(/inconsistent numbers of samples/);
    await expect(new RandomizedSearchCV(est, grid, { nIter: 0 }).fit(X, y)).rejects.toThrow(/'nIter' parameter of RandomizedSearchCV/);
    expect(() => new GridSearchCV({} as never, grid)).toThrow(/first argument must be an estimator/);
    const unfitted = new GridSearchCV(est, grid);
    expect(() => unfitted.cvResults_).toThrow(NotFittedError);
    expect(() => unfitted.predict(X)).toThrow(/This GridSearchCV instance is not fitted yet/);
  });

  it('nIter larger than an all-lists grid runs the whole grid, with a warning (as scikit-learn)', async () => {
    const warnings: string[] = [];
    const listen = (w: Error) => warnings.push(w.message);
    process.on('warning', listen);
    try {
      const s = await new RandomizedSearchCV(
        new GaussianNB(),
        { varSmoothing: [1e-9, 1e-3, 1e-1] },
        { nIter: 10, randomState: 0, cv: 2 },
      ).fit(X, y, { scheduler: threads2 });
      expect(s.cvResults_.params.length).toBe(3);
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', listen);
    }
    expect(warnings.some((w) => /total space of parameters 3 is smaller than nIter=10/.test(w))).toBe(true);
  });

  it('the estimator without a score method needs scoring', async () => {
    await expect(new GridSearchCV(new StandardScaler(), { withMean: [true] }).fit(X, y)).rejects.toThrow(
      /StandardScaler has no score method; pass scoring/,
    );
  });
});
