/**
 * Exhaustive searches, after scikit-learn 1.2's `GridSearchCV` / `RandomizedSearchCV` and dask-ml's
 * (which never fits a pipeline's shared prefix twice).
 *
 * In memory, every candidate × fold is a task on the worker threads: X and y are put in shared
 * memory once, each task rebuilds its estimator from a snapshot by name, takes its fold's rows,
 * fits and scores, and returns numbers. For a {@link Pipeline}, each step before the last is a task
 * of its own keyed by the step's parameters, the parameters of the steps before it and the fold —
 * candidates that agree on a prefix share its task (fitted once, its transformed rows read by all
 * of them), as dask-ml's `_search.py` builds its graph. Every task is pure, so the results are the
 * same whatever the thread count.
 *
 * On lazy arrays, the folds are contiguous row ranges (KFold without shuffle): the test fold a
 * slice, the train set the slices around it; each fit is the estimator's own out-of-core fit
 * (Incremental's partialFit chain, a pipeline's lazy steps), run one after the other with every
 * thread working inside each, pipeline prefixes fitted once per fold as in memory.
 */
import { NDArray, RandomState, concatenate, allocate, tokenize, type Block } from '@tessera/array';
import { Graph, ThreadScheduler, compute, ref, type Scheduler } from '@tessera/scheduler';
import { availableParallelism } from 'node:os';
import { estimatorFromJSON, estimatorFromSnapshot, type BaseEstimator, type EstimatorJSON, type Params } from '../base.js';
import { decodeJson, encodeJson, type Json } from '../serialize.js';
import { isLazyApplier, isScorer, type ApplyMethod, type LazyOptions } from '../contract.js';
import { NotFittedError, ParameterRangeError, ParameterTypeError, describeValue } from '../errors.js';
import { isEstimator } from '../registry.js';
import { checkArray, checkVector, type MatrixLike, type VectorLike } from '../validation.js';
import { Pipeline } from '../ooc/pipeline.js';
import { lazyScore, scoreKind } from '../ooc/lazy.js';
import { checkLazyStep, fitStep, transformStep } from '../ooc/steps.js';
import { MsKernel } from './kernel_names.js';
import type { FitScoreOutput, Fold, PrefixOutput, RefitOutput, RefitSpec, SearchData } from './kernels.js';
import {
  LogUniform,
  ParameterGrid,
  ParameterSampler,
  RandInt,
  Uniform,
  type ParamDistributionsSpec,
  type ParamGridSpec,
} from './params.js';
import {
  checkScoring,
  firstBest,
  getScorer,
  metricColumn,
  rankMin,
  rowStats,
  type ScoringSpec,
  type SearchMetric,
  type SearchScorer,
} from './scoring.js';
import {
  GroupKFold,
  GroupShuffleSplit,
  KFold,
  LeaveOneGroupOut,
  ShuffleSplit,
  StratifiedKFold,
  StratifiedShuffleSplit,
  checkCv,
  type CrossValidator,
  type GroupsLike,
  type RandomStateLike,
  type TrainTest,
} from './split.js';

/** Options shared by {@link GridSearchCV} and {@link RandomizedSearchCV} (scikit-learn's, camelCase). */
export interface SearchOptions {
  /**
   * The splits: an integer k (default 5) — StratifiedKFold(k) for classifiers, KFold(k) otherwise
   * (on lazy arrays always KFold: contiguous folds) — a cross-validator, or `[train, test]` index pairs.
   */
  cv?: number | CrossValidator | ReadonlyArray<readonly [ArrayLike<number>, ArrayLike<number>]> | null;
  /**
   * A scorer's name (`'accuracy'`, `'r2'`, `'neg_mean_squared_error'`, …), or null for the estimator's
   * own `score`; or several metrics — an array of names (`['accuracy', 'roc_auc']`) or an object
   * `{ key: name }` (`{ acc: 'accuracy', nll: 'neg_log_loss' }`) — each reported in `cvResults_` as
   * `meanTest<Key>`, `rankTest<Key>`… (the key camel-cased, see {@link metricColumn}).
   */
  scoring?: ScoringSpec;
  /**
   * Refit the best candidate on all the data as `bestEstimator_` (default true). With several
   * metrics: the key of the metric that picks the best, false, or — with one metric or several — a
   * function of `cvResults_` returning the index of the candidate to refit (then there is no
   * `bestScore_`, as in scikit-learn).
   */
  refit?: boolean | string | RefitCallable;
  /**
   * Worker threads running the candidate × fold tasks: null (default) the shared pool (every core),
   * -1 every core, k a pool of k threads. Give `scheduler` to `fit` to choose it yourself.
   */
  nJobs?: number | null;
  /** Also score each fit on its training rows (`splitKTrainScore`, `meanTrainScore`…). Default false. */
  returnTrainScore?: boolean;
  /** The score of a fit that failed (default NaN, with a warning), or `'raise'` to throw at once. */
  errorScore?: number | 'raise';
}

/** Options of {@link RandomizedSearchCV}. */
export interface RandomizedSearchOptions extends SearchOptions {
  /** Candidates sampled (default 10). */
  nIter?: number;
  /** Seed of the sampling: an int, a RandomState, or null (numpy's global generator). */
  randomState?: RandomStateLike;
}

/** A `refit` function: given `cvResults_`, the index of the candidate to refit (scikit-learn's callable refit). */
export type RefitCallable = (cvResults: CVResults) => number;

/** Options of a search's `fit`: where the tasks run (`scheduler`, `memoryLimit`, `signal`, `callbacks`, `name`), and `groups`. */
export interface SearchFitOptions extends LazyOptions {
  /** Group labels, one per sample, handed to the splitter's `split` (GroupKFold, LeaveOneGroupOut, GroupShuffleSplit). */
  groups?: GroupsLike | null;
}

/**
 * scikit-learn's `cv_results_` in camelCase: per candidate (one entry each), `meanFitTime`,
 * `stdFitTime`, `meanScoreTime`, `stdScoreTime` (seconds), one `param<Name>` column per parameter
 * name (the name with its first letter capitalised: `paramAlpha`, `paramSgd__alpha`; `undefined`
 * where a candidate does not set it — scikit-learn's masked entries), `params`, `split<k>TestScore`,
 * `meanTestScore`, `stdTestScore`, `rankTestScore` (1 best, ties sharing the lowest rank) and, with
 * `returnTrainScore`, `split<k>TrainScore`, `meanTrainScore`, `stdTrainScore`.
 *
 * With several metrics the `…Score` columns are per metric instead, named with the metric's key
 * camel-cased: `split<k>Test<Key>`, `meanTest<Key>`, `stdTest<Key>`, `rankTest<Key>` (and the train
 * columns) — `scoring: ['neg_log_loss']` gives `meanTestNegLogLoss`; `meanTestScore` is then absent.
 */
export interface CVResults {
  readonly meanFitTime: Float64Array;
  readonly stdFitTime: Float64Array;
  readonly meanScoreTime: Float64Array;
  readonly stdScoreTime: Float64Array;
  readonly params: Params[];
  readonly meanTestScore: Float64Array;
  readonly stdTestScore: Float64Array;
  readonly rankTestScore: Int32Array;
  readonly meanTrainScore?: Float64Array;
  readonly stdTrainScore?: Float64Array;
  readonly [column: string]: Float64Array | Int32Array | readonly unknown[] | undefined;
}

/** Every fit of a search failed (scikit-learn's "All the N fits failed" ValueError). */
export class FitFailedError extends Error {
  override readonly name = 'FitFailedError';
}

/** The `param<Name>` column of parameter `name` (`alpha` → `paramAlpha`, `sgd__alpha` → `paramSgd__alpha`). */
export function paramColumn(name: string): string {
  return `param${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}

const pools = new Map<number, ThreadScheduler>();

/** The scheduler of `nJobs` threads (pools are made once per size and reused; idle workers do not keep the process alive). */
function schedulerFor(nJobs: number | null): Scheduler | 'threads' {
  if (nJobs === null) return 'threads';
  const threads = nJobs === -1 ? availableParallelism() : nJobs;
  let pool = pools.get(threads);
  if (pool === undefined) {
    pool = new ThreadScheduler({ threads });
    pools.set(threads, pool);
  }
  return pool;
}

function sharedCopy<T extends Float64Array | Int32Array>(a: T, dtype: 'float64' | 'int32'): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const out = allocate(dtype, a.length) as T;
  out.set(a);
  return out;
}

/**
 * The order the in-memory search's tasks are requested in, which is the order the scheduler runs
 * them among those ready (its priority is a depth-first walk of the requested keys, a task's
 * dependencies — a pipeline prefix's fold task — just before it):
 * - fold by fold (every candidate's fit on fold 0, then on fold 1…), so a fold's transformed rows
 *   are dropped after its last fit instead of every fold's being held to the end;
 * - one fit of fold k + 1 (with its prefix) right after the first of fold k, so the next fold's
 *   prefix is ready before fold k's fits run out and no thread waits for it;
 * - the refit's prefix (fitted on every row) before the last fold's fits, so it runs alongside
 *   them instead of alone after them, the other threads idle.
 * `keys` is candidate-major (`keys[c · nSplits + k]`, null for an invalid candidate). The outputs
 * do not depend on the order: every task is pure.
 */
export function searchOrder(keys: readonly (string | null)[], nSplits: number, refitPrefix: string | null, refit: string | null): string[] {
  const fold = (k: number): string[] => {
    const out: string[] = [];
    for (let i = k; i < keys.length; i += nSplits) if (keys[i] !== null) out.push(keys[i]!);
    return out;
  };
  const folds = Array.from({ length: nSplits }, (_, k) => fold(k));
  const out: string[] = [];
  for (let k = 0; k < nSplits; k++) {
    const f = folds[k]!;
    if (k === 0 && f.length > 0) out.push(f[0]!);
    if (k + 1 < nSplits && folds[k + 1]!.length > 0) out.push(folds[k + 1]![0]!);
    if (k === nSplits - 1 && refitPrefix !== null) out.push(refitPrefix);
    out.push(...f.slice(1));
  }
  if (refit !== null) out.push(refit);
  return out;
}

/** The base class of the exhaustive searches: `fit` evaluates the candidates, then the fitted attributes and the methods through `bestEstimator_`. */
export abstract class BaseSearchCV {
  /** The estimator whose parameters are searched (cloned for every fit; never fitted itself). */
  readonly estimator: BaseEstimator;
  readonly cv: SearchOptions['cv'];
  readonly scoring: ScoringSpec;
  readonly refit: boolean | string | RefitCallable;
  readonly nJobs: number | null;
  readonly returnTrainScore: boolean;
  readonly errorScore: number | 'raise';

  #fitted: {
    cvResults: CVResults;
    /** Null for several metrics with refit: false (scikit-learn sets no best_* then). */
    bestIndex: number | null;
    /** Null as well when refit is a callable. */
    bestScore: number | null;
    bestParams: Params | null;
    bestEstimator: BaseEstimator | null;
    refitTime: number;
    nSplits: number;
    multimetric: boolean;
    metrics: readonly SearchMetric[];
    /** The metric that picked the best (null: refit a callable or false with several metrics). */
    refitMetric: SearchMetric | null;
  } | null = null;

  protected constructor(
    protected readonly caller: string,
    estimator: BaseEstimator,
    options: SearchOptions,
  ) {
    if (!isEstimator(estimator))
      throw new TypeError(`${caller}: the first argument must be an estimator. Got ${describeValue(estimator)}.`);
    if (typeof options !== 'object' || options === null)
      throw new TypeError(`${caller}: options must be an object. Got ${describeValue(options)}.`);
    this.estimator = estimator;
    this.cv = options.cv ?? null;
    this.scoring = options.scoring ?? null;
    this.refit = options.refit ?? true;
    this.nJobs = options.nJobs ?? null;
    this.returnTrainScore = options.returnTrainScore ?? false;
    this.errorScore = options.errorScore ?? Number.NaN;
  }

  /** The candidates' parameters, in evaluation order. */
  protected abstract candidates(): Params[];

  #checkOptions(): void {
    const c = this.caller;
    const r = this.refit;
    if (typeof r !== 'boolean' && typeof r !== 'string' && typeof r !== 'function')
      throw new ParameterTypeError(
        `The 'refit' parameter of ${c} must be a boolean, a metric's key or a function. Got ${describeValue(r)} instead.`,
        c,
        'refit',
        r,
      );
    if (typeof this.returnTrainScore !== 'boolean')
      throw new ParameterTypeError(
        `The 'returnTrainScore' parameter of ${c} must be a boolean. Got ${describeValue(this.returnTrainScore)} instead.`,
        c,
        'returnTrainScore',
        this.returnTrainScore,
      );
    const e = this.errorScore;
    if (e !== 'raise' && typeof e !== 'number')
      throw new ParameterTypeError(
        `The 'errorScore' parameter of ${c} must be a number or 'raise'. Got ${describeValue(e)} instead.`,
        c,
        'errorScore',
        e,
      );
    const j = this.nJobs;
    if (j !== null && (typeof j !== 'number' || !Number.isInteger(j))) {
      throw new ParameterTypeError(
        `The 'nJobs' parameter of ${c} must be null, -1 or a positive int. Got ${describeValue(j)} instead.`,
        c,
        'nJobs',
        j,
      );
    }
    if (j !== null && j !== -1 && j < 1)
      throw new ParameterRangeError(`The 'nJobs' parameter of ${c} must be null, -1 or a positive int. Got ${j} instead.`, c, 'nJobs', j);
    const { multimetric, metrics } = checkScoring(this.scoring, c, this.estimator);
    if (multimetric && r !== false && typeof r !== 'function' && !metrics.some((m) => m.key === r)) {
      throw new ParameterRangeError(
        `${c}: for multi-metric scoring, the parameter refit must be set to a scorer key (${metrics.map((m) => `'${m.key}'`).join(', ')}) ` +
          `or a function to refit an estimator with the best parameter setting on the whole data and make the best_* attributes available for that metric. ` +
          `If this is not needed, refit should be set to false explicitly. Got ${describeValue(r)}.`,
        c,
        'refit',
        r,
      );
    }
  }

  /** Whether the best candidate is refitted (scikit-learn's truthiness of `refit`: '' does not). */
  get #refitOn(): boolean {
    return typeof this.refit === 'function' || this.refit === true || (typeof this.refit === 'string' && this.refit !== '');
  }

  /**
   * One clone per candidate with its parameters set (unknown names throw at once, naming the
   * parameter, the candidate and the step), and the message of its invalid values — a TypeError /
   * RangeError at once with `errorScore: 'raise'`, else the candidate's scores are `errorScore`.
   */
  #candidateEstimators(candidates: readonly Params[]): { ests: BaseEstimator[]; invalid: (string | null)[] } {
    const ests: BaseEstimator[] = [];
    const invalid: (string | null)[] = [];
    candidates.forEach((params, i) => {
      const est = withParams(this.estimator.clone(), params, `${this.caller}: candidate ${i}`, this.caller);
      ests.push(est);
      try {
        est.checkParams();
        invalid.push(null);
      } catch (e) {
        if (this.errorScore === 'raise') {
          (e as Error).message = `${this.caller}: candidate ${i} (${describeValue(params)}): ${(e as Error).message}`;
          throw e;
        }
        invalid.push(`${est.estimatorName}: ${(e as Error).name}: ${(e as Error).message}`);
      }
    });
    return { ests, invalid };
  }

  /**
   * Evaluates every candidate on every split, then (with `refit`) fits the best on all the data —
   * in memory, as a task on a worker that starts as soon as the last fit is scored. Resolves with
   * `this`. X and y in memory, or both lazy (see the module's note); `groups` goes to the splitter.
   */
  async fit(X: MatrixLike | NDArray, y?: VectorLike | NDArray | null, options: SearchFitOptions = {}): Promise<this> {
    this.#checkOptions();
    const candidates = this.candidates();
    if (candidates.length === 0) throw new RangeError(`${this.caller}: there are no candidates to evaluate.`);
    const { multimetric, metrics } = checkScoring(this.scoring, this.caller, this.estimator);
    const refitOn = this.#refitOn;
    // The metric that picks the best: the one metric, or refit's key; none for a callable, or refit: false with several.
    const refitMetric =
      typeof this.refit === 'function' ? null : multimetric ? (metrics.find((m) => m.key === this.refit) ?? null) : metrics[0]!;
    const { ests, invalid } = this.#candidateEstimators(candidates);
    const { groups = null, ...lazyOptions } = options;
    const run: LazyOptions = { ...lazyOptions };
    if (run.scheduler === undefined) run.scheduler = schedulerFor(this.nJobs);
    const yy = y ?? null;
    const lazy = X instanceof NDArray;
    if (lazy !== yy instanceof NDArray && yy !== null) {
      throw new TypeError(`${this.caller}.fit: pass X and y both lazy (NDArray) or both in memory.`);
    }
    const inGraph = refitOn && refitMetric !== null ? metrics.indexOf(refitMetric) : null;
    const results = lazy
      ? await this.#evaluateLazy(X as NDArray, yy as NDArray | null, ests, invalid, metrics, run, groups)
      : await this.#evaluateInMemory(X as MatrixLike, yy as VectorLike | null, ests, invalid, metrics, run, groups, inGraph);
    const { outputs, nSplits } = results;
    this.#checkFailures(outputs, candidates.length * nSplits);
    const cvResults = formatResults(candidates, outputs, nSplits, this.returnTrainScore, metrics);
    let bestIndex: number | null = null;
    if (typeof this.refit === 'function') bestIndex = this.#callRefit(this.refit, cvResults, candidates.length);
    else if (refitMetric !== null) bestIndex = firstBest(cvResults[`rankTest${refitMetric.column}`] as Int32Array);
    const bestScore =
      bestIndex !== null && refitMetric !== null ? (cvResults[`meanTest${refitMetric.column}`] as Float64Array)[bestIndex]! : null;
    let bestEstimator: BaseEstimator | null = null;
    let refitTime = Number.NaN;
    if (refitOn && bestIndex !== null) {
      const bestParams = candidates[bestIndex]!;
      if (lazy) {
        bestEstimator = withParams(this.estimator.clone(), bestParams, `${this.caller}: the refit`, this.caller);
        const t0 = performance.now();
        await fitStep(bestEstimator, X as NDArray, (yy as NDArray | null) ?? undefined, run);
        refitTime = (performance.now() - t0) / 1000;
      } else {
        const refit = results.refit ?? (await results.refitLater!(bestIndex));
        if (refit.index !== bestIndex)
          throw new Error(`${this.caller}: internal error: the refit task chose candidate ${refit.index}, the search ${bestIndex}.`);
        bestEstimator = estimatorFromSnapshot(refit.estimator);
        refitTime = refit.fitTime;
      }
    }
    this.#fitted = {
      cvResults,
      bestIndex,
      bestScore,
      bestParams: bestIndex === null ? null : { ...candidates[bestIndex]! },
      bestEstimator,
      refitTime,
      nSplits,
      multimetric,
      metrics,
      refitMetric,
    };
    return this;
  }

  /** The index a refit function returns, checked (scikit-learn: "best_index_ returned is not an integer" / "index out of range"). */
  #callRefit(refit: RefitCallable, cvResults: CVResults, n: number): number {
    const i = refit(cvResults);
    if (typeof i !== 'number' || !Number.isInteger(i))
      throw new ParameterTypeError(
        `${this.caller}: the 'refit' function returned ${describeValue(i)}; it must return the index of a candidate (an integer).`,
        this.caller,
        'refit',
        i,
      );
    if (i < 0 || i >= n)
      throw new ParameterRangeError(
        `${this.caller}: the 'refit' function returned index ${i}, out of range: there are ${n} candidates (0 to ${n - 1}).`,
        this.caller,
        'refit',
        i,
      );
    return i;
  }

  #checkFailures(outputs: readonly FitScoreOutput[], total: number): void {
    const failed = outputs.filter((o) => o.error !== null);
    if (failed.length === 0) return;
    const counts = new Map<string, number>();
    for (const o of failed) counts.set(o.error!, (counts.get(o.error!) ?? 0) + 1);
    const summary = [...counts].map(([msg, n]) => `${n} fits failed with: ${msg}`).join('\n');
    if (failed.length === total) {
      throw new FitFailedError(
        `${this.caller}: all the ${total} fits failed. It is very likely that your model is misconfigured. You can try to debug the error by setting errorScore: 'raise'.\n${summary}`,
      );
    }
    process.emitWarning(
      `${this.caller}: ${failed.length} fits failed out of a total of ${total}. The score on these train-test partitions for these parameters will be set to ${this.errorScore}. ` +
        `If these failures are not expected, you can try to debug them by setting errorScore: 'raise'.\n${summary}`,
      { type: 'FitFailedWarning' },
    );
  }

  async #evaluateInMemory(
    X: MatrixLike,
    y: VectorLike | null,
    ests: readonly BaseEstimator[],
    invalid: readonly (string | null)[],
    metrics: readonly SearchMetric[],
    run: LazyOptions,
    groups: GroupsLike | null,
    refitMetric: number | null,
  ): Promise<InMemoryResults> {
    const caller = `${this.caller}.fit`;
    const m = checkArray(X, { caller, skipFiniteCheck: true });
    const Xs: Block = { dtype: 'float64', shape: [m.nSamples, m.nFeatures], data: sharedCopy(m.data, 'float64') };
    if (this.estimator.requiresY && y === null)
      throw new TypeError(`${caller}: ${this.estimator.estimatorName} needs y (targets); none was given.`);
    const yv = y === null ? null : checkVector(y, m.nSamples, { caller, skipFiniteCheck: true });
    const ys: Block | null = yv === null ? null : { dtype: 'float64', shape: [yv.length], data: sharedCopy(yv, 'float64') };
    const cv = checkCv(this.cv, this.estimator.estimatorType === 'classifier', this.caller);
    const splits: TrainTest[] = [...cv.split(Xs, ys?.data ?? null, groups)];
    const nSplits = splits.length;
    if (nSplits < 1) throw new RangeError(`${caller}: no fits were performed. Was the CV iterator empty?`);
    const expected = cv.getNSplits(Xs, ys?.data ?? null, groups);
    if (nSplits !== expected) {
      throw new RangeError(
        `${caller}: cv.split and cv.getNSplits returned inconsistent results. Expected ${expected} splits, got ${nSplits}.`,
      );
    }
    const data: SearchData = { X: Xs, y: ys };
    const folds: Fold[] = splits.map(([train, test]) => ({ train: sharedCopy(train, 'int32'), test: sharedCopy(test, 'int32') }));
    const errorScore = this.errorScore;
    const recordErrors = errorScore !== 'raise';
    const g = new Graph();
    const scorings = metrics.map((mt) => (mt.scorer.name === 'score' ? null : mt.scorer.name));
    const failed = (c: number): FitScoreOutput => ({
      testScores: metrics.map(() => errorScore as number),
      trainScores: metrics.map(() => errorScore as number),
      fitTime: 0,
      scoreTime: 0,
      error: invalid[c]!,
    });
    const keys: (string | null)[] = [];
    // A fold's identity within this graph is its position (hashing its indices cost the main thread
    // a pass over every row per fold, before any task could start).
    const foldTokens = folds.map((f, k) => tokenize('fold', k, f.train.length, f.test.length));
    ests.forEach((est, c) => {
      if (invalid[c] !== null) {
        for (let k = 0; k < nSplits; k++) keys.push(null);
        return;
      }
      // A pipeline's steps before the last: one task per distinct (prefix, fold), shared by every
      // candidate whose prefix has the same parameters.
      const prefixSteps = est instanceof Pipeline && est.steps.length > 1 ? est.steps.slice(0, -1) : [];
      const final = prefixSteps.length > 0 ? (est as Pipeline).steps[prefixSteps.length]![1] : est;
      const finalSnap = final.snapshot();
      folds.forEach((fold, k) => {
        let prev: string | null = null;
        let token = foldTokens[k]!;
        for (const [name, step] of prefixSteps) {
          const snap = step.snapshot();
          token = tokenize(token, name, snap);
          const key = `ms-prefix-${name}-${token}`;
          if (!g.has(key)) g.add(key, MsKernel.fitPrefix, [snap, prev === null ? null : ref(prev), data, fold, recordErrors]);
          prev = key;
        }
        const key = `ms-fit-${c}-${k}`;
        g.add(key, MsKernel.fitScore, [
          finalSnap,
          prev === null ? null : ref(prev),
          data,
          fold,
          scorings,
          this.returnTrainScore,
          errorScore,
        ]);
        keys.push(key);
      });
    });
    const wanted = keys.filter((k): k is string => k !== null);
    const refitKey = this.#refitPrefix(g, ests, invalid, data, m.nSamples);
    const spec: RefitSpec = {
      candidates: ests.map((e) => e.snapshot()),
      prefixTokens: ests.map(prefixToken),
      sharedToken: refitKey?.token ?? null,
      nSplits,
      metric: refitMetric ?? 0,
    };
    // The refit as a task of the same graph: it waits for every fit's scores, picks the best on its
    // worker and fits it there, while the main thread only waits.
    const refitTask = refitMetric !== null && wanted.length > 0 ? 'ms-refit' : null;
    if (refitTask !== null) {
      const scores = keys.map((k, i) => (k === null ? failed(Math.floor(i / nSplits)) : ref(k)));
      g.add(refitTask, MsKernel.refit, [spec, scores, null, refitKey === null ? null : ref(refitKey.key), data]);
    }
    const { scheduler, ...rest } = run;
    const options = { ...rest, scheduler: scheduler ?? 'threads', name: rest.name ?? this.caller };
    const targets = searchOrder(keys, nSplits, refitKey?.key ?? null, refitTask);
    const out = wanted.length ? await compute(g, targets, options) : {};
    const outputs = keys.map((key, i): FitScoreOutput => (key !== null ? (out[key] as FitScoreOutput) : failed(Math.floor(i / nSplits))));
    const prefixOut = refitKey === null ? null : ((out[refitKey.key] as PrefixOutput | undefined) ?? null);
    // A refit function chooses on the main thread: then the refit is a second, one-task graph (the
    // shared prefix fitted on all rows is handed to it as a value).
    const refitLater = async (index: number): Promise<RefitOutput> => {
      const g2 = new Graph();
      g2.add('ms-refit', MsKernel.refit, [spec, null, index, prefixOut, data]);
      return (await compute(g2, ['ms-refit'], options))['ms-refit'] as RefitOutput;
    };
    return { outputs, nSplits, refit: refitTask === null ? null : ((out[refitTask] as RefitOutput | null) ?? null), refitLater };
  }

  /**
   * When every candidate is a pipeline with the same prefix (only the last step's parameters are
   * searched), the refit's prefix does not depend on which candidate wins: it is fitted on all the
   * rows as one more task, alongside the cross-validation, so the refit after it fits the last step
   * only. Returns the task's key and the prefix's token, or null when the prefixes differ (or there is no refit).
   */
  #refitPrefix(
    g: Graph,
    ests: readonly BaseEstimator[],
    invalid: readonly (string | null)[],
    data: SearchData,
    n: number,
  ): { key: string; token: string } | null {
    if (!this.#refitOn) return null;
    const tokens = new Set<string>();
    let steps: [string, BaseEstimator][] = [];
    ests.forEach((est, c) => {
      if (invalid[c] !== null) return;
      if (!(est instanceof Pipeline) || est.steps.length < 2) {
        tokens.add(`whole-${c}`);
        return;
      }
      steps = est.steps.slice(0, -1).map(([name, step]) => [name, step]);
      tokens.add(prefixToken(est)!);
    });
    if (tokens.size !== 1 || steps.length === 0) return null;
    const shared = [...tokens][0]!;
    // Filled in place: map() would make an ordinary (copied per task) array, not a shared one.
    const train = allocate('int32', n);
    for (let i = 0; i < n; i++) train[i] = i;
    const all: Fold = { train, test: new Int32Array(0) };
    let prev: string | null = null;
    let token = 'refit';
    for (const [name, step] of steps) {
      const snap = step.snapshot();
      token = tokenize(token, name, snap);
      const key = `ms-prefix-refit-${name}-${token}`;
      g.add(key, MsKernel.fitPrefix, [snap, prev === null ? null : ref(prev), data, all, true]);
      prev = key;
    }
    return { key: prev!, token: shared };
  }

  async #evaluateLazy(
    X: NDArray,
    y: NDArray | null,
    ests: readonly BaseEstimator[],
    invalid: readonly (string | null)[],
    metrics: readonly SearchMetric[],
    run: LazyOptions,
    groups: GroupsLike | null,
  ): Promise<{ outputs: FitScoreOutput[]; nSplits: number; refit: null; refitLater: null }> {
    const caller = `${this.caller}.fit`;
    if (groups !== null && !(this.cv === null || typeof this.cv === 'number' || this.cv instanceof KFold)) {
      throw new ParameterTypeError(
        `${caller}: on lazy arrays, folds are contiguous row ranges (KFold); 'groups' would need a group splitter gathering rows across blocks. Compute X and y to search in memory.`,
        this.caller,
        'groups',
        groups,
      );
    }
    if (X.ndim !== 2) throw new RangeError(`${caller}: X must be a 2-D array of samples × features; got shape [${X.shape.join(', ')}].`);
    if (y !== null && (y.ndim !== 1 || y.shape[0] !== X.shape[0])) {
      throw new RangeError(`${caller}: y must be 1-D with X's ${X.shape[0]} rows; got shape [${y.shape.join(', ')}].`);
    }
    if (this.estimator.requiresY && y === null)
      throw new TypeError(`${caller}: ${this.estimator.estimatorName} needs y (targets); none was given.`);
    // What cannot be fitted out of core fails here, once, not as a failed fit per candidate.
    if (this.estimator instanceof Pipeline) {
      const steps = this.estimator.steps;
      steps.forEach(([, step], i) => checkLazyStep(step, i < steps.length - 1));
    } else checkLazyStep(this.estimator, false);
    const n = X.shape[0]!;
    // Folds as contiguous row ranges: StratifiedKFold / ShuffleSplit would gather rows from every block.
    let kfold: KFold;
    if (this.cv === null || typeof this.cv === 'number') kfold = new KFold({ nSplits: this.cv ?? 5 });
    else if (this.cv instanceof KFold && !this.cv.shuffle) kfold = this.cv;
    else {
      throw new ParameterTypeError(
        `${caller}: on lazy arrays, 'cv' must be an integer or a KFold without shuffle (folds are contiguous row ranges, sliced lazily); ` +
          `${describeValue((this.cv as { name?: string }).name ?? this.cv)} would gather rows across blocks. Compute X and y to search in memory.`,
        this.caller,
        'cv',
        this.cv,
      );
    }
    if (kfold.nSplits > n)
      throw new RangeError(
        `${caller}: cannot have number of splits nSplits=${kfold.nSplits} greater than the number of samples: nSamples=${n}.`,
      );
    for (const { scorer } of metrics) {
      if (scorer.name !== 'score' && scorer.name !== 'accuracy' && scorer.name !== 'r2') {
        throw new ParameterRangeError(
          `${caller}: on lazy arrays, 'scoring' must be null (the estimator's score), 'accuracy' (classifiers) or 'r2' (regressors); '${scorer.name}' would gather predictions.`,
          this.caller,
          'scoring',
          scorer.name,
        );
      }
    }
    const rows = (a: NDArray, lo: number, hi: number): NDArray[] => (hi > lo ? [a.slice([lo, hi])] : []);
    const folds = kfold.foldBounds(n).map(([a, b]) => ({
      Xtr: concatenate([...rows(X, 0, a), ...rows(X, b, n)]),
      Xte: X.slice([a, b]),
      ytr: y === null ? undefined : concatenate([...rows(y, 0, a), ...rows(y, b, n)]),
      yte: y === null ? undefined : y.slice([a, b]),
    }));
    const errorScore = this.errorScore;
    const prefixes = new Map<string, Promise<{ step: BaseEstimator; Xtr: NDArray; Xte: NDArray; fitTime: number }>>();
    const score = (scorer: SearchScorer, est: BaseEstimator, Xs: NDArray, ys: NDArray | undefined): Promise<number> => {
      if (ys === undefined) throw new TypeError(`${caller}: scoring on lazy arrays needs y.`);
      if (scorer.name === 'score') return isLazyApplier(est) ? est.scoreLazy(Xs, ys, run) : lazyScore(est, Xs, ys, run);
      const kind = scoreKind(est);
      if (kind !== scorer.name)
        throw new TypeError(
          `${caller}: scoring '${scorer.name}' on lazy arrays is for ${scorer.name === 'accuracy' ? 'classifiers' : 'regressors'}; ${est.estimatorName} is not one.`,
        );
      return lazyScore(est, Xs, ys, run);
    };
    const outputs: FitScoreOutput[] = [];
    for (let c = 0; c < ests.length; c++) {
      for (let k = 0; k < folds.length; k++) {
        if (invalid[c] !== null) {
          const e = errorScore as number;
          outputs.push({
            testScores: metrics.map(() => e),
            trainScores: metrics.map(() => e),
            fitTime: 0,
            scoreTime: 0,
            error: invalid[c]!,
          });
          continue;
        }
        const f = folds[k]!;
        const est = ests[c]!;
        const t0 = performance.now();
        let fitTime = 0;
        let prefixTime = 0;
        try {
          let Xtr = f.Xtr;
          let Xte = f.Xte;
          let final = est;
          if (est instanceof Pipeline && est.steps.length > 1) {
            let token = `fold-${k}`;
            for (const [name, step] of est.steps.slice(0, -1)) {
              const snap = step.snapshot();
              token = tokenize(token, name, snap);
              let p = prefixes.get(token);
              if (p === undefined) {
                const [inTr, inTe] = [Xtr, Xte];
                p = (async () => {
                  const s0 = performance.now();
                  const fitted = estimatorFromSnapshot(snap);
                  await fitStep(fitted, inTr, f.ytr, run);
                  return {
                    step: fitted,
                    Xtr: transformStep(fitted, inTr),
                    Xte: transformStep(fitted, inTe),
                    fitTime: (performance.now() - s0) / 1000,
                  };
                })();
                prefixes.set(token, p);
              }
              const done = await p;
              prefixTime += done.fitTime;
              Xtr = done.Xtr;
              Xte = done.Xte;
            }
            final = est.steps[est.steps.length - 1]![1];
          }
          const f0 = performance.now();
          await fitStep(final, Xtr, f.ytr, run);
          fitTime = prefixTime + (performance.now() - f0) / 1000;
          const s0 = performance.now();
          const testScores: number[] = [];
          for (const { scorer } of metrics) testScores.push(await score(scorer, final, Xte, f.yte));
          const scoreTime = (performance.now() - s0) / 1000;
          const trainScores: number[] = [];
          for (const { scorer } of metrics) trainScores.push(this.returnTrainScore ? await score(scorer, final, Xtr, f.ytr) : Number.NaN);
          outputs.push({ testScores, trainScores, fitTime, scoreTime, error: null });
        } catch (e) {
          if (errorScore === 'raise') throw e;
          outputs.push({
            testScores: metrics.map(() => errorScore),
            trainScores: metrics.map(() => errorScore),
            fitTime: fitTime || (performance.now() - t0) / 1000,
            scoreTime: 0,
            error: `${est.estimatorName}: ${(e as Error).name}: ${(e as Error).message}`,
          });
        }
      }
    }
    return { outputs, nSplits: folds.length, refit: null, refitLater: null };
  }

  /** The constructor options as given (for {@link toJSON}); subclasses add theirs. */
  protected options(): Record<string, unknown> {
    return {
      cv: this.cv,
      scoring: this.scoring,
      refit: this.refit,
      nJobs: this.nJobs,
      returnTrainScore: this.returnTrainScore,
      errorScore: this.errorScore,
    };
  }

  /** The searched space (`paramGrid` or `paramDistributions`), for {@link toJSON}. */
  protected abstract space(): unknown;

  /**
   * Exact JSON form of the search: its estimator, space and options, and once fitted `cvResults_`,
   * the best_* attributes and `bestEstimator_` (each estimator through its own `toJSON`, the
   * registry's format). `BaseSearchCV.fromJSON(JSON.parse(JSON.stringify(search)))` rebuilds it:
   * predict / score answer as before, and `fit` searches again. What JSON cannot hold is refused with
   * a TypeError naming the option: a `refit` function, a RandomState instance, a splitter or a
   * distribution Tessera does not define.
   */
  toJSON(): SearchJSON {
    const where = `${this.caller}.toJSON`;
    const options: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(this.options())) options[k] = encodeOption(where, k, v);
    const st = this.#fitted;
    let fitted: SearchJSON['fitted'] = null;
    if (st !== null) {
      const r: Record<string, unknown> = {};
      // param<Name> columns are rebuilt from params (their masked entries are undefined, which JSON cannot hold).
      for (const [k, v] of Object.entries(st.cvResults)) if (!k.startsWith('param') || k === 'params') r[k] = v;
      fitted = {
        cvResults: encodeJson(r, encodeEstimatorJson) as { [key: string]: Json },
        bestIndex: st.bestIndex,
        bestScore: st.bestScore === null ? null : encodeJson(st.bestScore),
        bestParams: st.bestParams === null ? null : encodeJson(st.bestParams, encodeEstimatorJson),
        bestEstimator: st.bestEstimator === null ? null : (st.bestEstimator.toJSON() as unknown as Json),
        refitTime: encodeJson(st.refitTime),
        nSplits: st.nSplits,
        multimetric: st.multimetric,
        metrics: st.metrics.map((m) => ({ key: m.key, scorer: m.scorer.name })),
        refitMetric: st.refitMetric?.key ?? null,
      };
    }
    return {
      format: SEARCH_FORMAT,
      search: this.caller,
      estimator: this.estimator.toJSON() as unknown as Json,
      space: encodeOption(where, this.caller === 'GridSearchCV' ? 'paramGrid' : 'paramDistributions', this.space()),
      options,
      fitted,
    };
  }

  /**
   * Rebuilds a search from {@link toJSON} output (an object or its string): a GridSearchCV or
   * RandomizedSearchCV with its options and, when it was fitted, every fitted attribute. Malformed
   * input throws a TypeError / RangeError naming the field.
   */
  static fromJSON(json: SearchJSON | string): BaseSearchCV {
    const where = 'BaseSearchCV.fromJSON';
    let obj: SearchJSON;
    try {
      obj = typeof json === 'string' ? (JSON.parse(json) as SearchJSON) : json;
    } catch (e) {
      throw new SyntaxError(`${where}: not valid JSON (${(e as Error).message}).`);
    }
    if (typeof obj !== 'object' || obj === null || obj.format !== SEARCH_FORMAT)
      throw new TypeError(
        `${where}: expected { format: '${SEARCH_FORMAT}', … }. Got ${describeValue((obj as SearchJSON | null)?.format ?? obj)}.`,
      );
    const options = decodeOptions(where, obj.options);
    const estimator = estimatorFromJSON(obj.estimator as unknown as EstimatorJSON);
    const space = decodeOption(obj.space, `${where}: space`);
    let search: BaseSearchCV;
    if (obj.search === 'GridSearchCV') search = new GridSearchCV(estimator, space as ParamGridSpec, options);
    else if (obj.search === 'RandomizedSearchCV')
      search = new RandomizedSearchCV(estimator, space as ParamDistributionsSpec, options as RandomizedSearchOptions);
    else throw new TypeError(`${where}: unknown search ${describeValue(obj.search)}; expected 'GridSearchCV' or 'RandomizedSearchCV'.`);
    const f = obj.fitted;
    if (f === null || f === undefined) return search;
    const decode = (v: Json, field: string) => decodeJson(v, decodeEstimatorJson, `${where}: fitted.${field}`);
    const cv = decode(f.cvResults, 'cvResults') as Record<string, unknown>;
    const params = cv['params'];
    if (!Array.isArray(params)) throw new TypeError(`${where}: fitted.cvResults.params must be an array of candidates.`);
    const names = [...new Set(params.flatMap((p: Params) => Object.keys(p)))].sort();
    for (const name of names) cv[paramColumn(name)] = params.map((p: Params) => (Object.hasOwn(p, name) ? p[name] : undefined));
    if (!Array.isArray(f.metrics) || f.metrics.length === 0) throw new TypeError(`${where}: fitted.metrics must be a non-empty array.`);
    const metrics = f.metrics.map((m, i): SearchMetric => {
      if (typeof m?.key !== 'string' || typeof m.scorer !== 'string')
        throw new TypeError(`${where}: fitted.metrics[${i}] must be { key, scorer }.`);
      return {
        key: m.key,
        column: f.multimetric ? metricColumn(m.key) : 'Score',
        scorer: getScorer(m.scorer === 'score' ? null : m.scorer, where),
      };
    });
    const refitMetric = f.refitMetric === null ? null : (metrics.find((m) => m.key === f.refitMetric) ?? null);
    if (f.refitMetric !== null && refitMetric === null)
      throw new TypeError(`${where}: fitted.refitMetric '${f.refitMetric}' is none of the metrics.`);
    const bestIndex = f.bestIndex;
    if (bestIndex !== null && (!Number.isInteger(bestIndex) || bestIndex < 0 || bestIndex >= params.length))
      throw new RangeError(`${where}: fitted.bestIndex ${bestIndex} is not a candidate's index (0 to ${params.length - 1}).`);
    search.#fitted = {
      cvResults: cv as unknown as CVResults,
      bestIndex,
      bestScore: f.bestScore === null ? null : (decode(f.bestScore, 'bestScore') as number),
      bestParams: f.bestParams === null ? null : (decode(f.bestParams, 'bestParams') as Params),
      bestEstimator: f.bestEstimator === null ? null : estimatorFromJSON(f.bestEstimator as unknown as EstimatorJSON),
      refitTime: decode(f.refitTime, 'refitTime') as number,
      nSplits: f.nSplits,
      multimetric: f.multimetric === true,
      metrics,
      refitMetric,
    };
    return search;
  }

  get #state() {
    if (this.#fitted === null) {
      throw new NotFittedError(this.caller);
    }
    return this.#fitted;
  }

  /** Whether `fit` has run. */
  isFitted(): boolean {
    return this.#fitted !== null;
  }

  /** Per-candidate results (see {@link CVResults}). */
  get cvResults_(): CVResults {
    return this.#state.cvResults;
  }
  /** Why a best_* attribute is absent (scikit-learn raises AttributeError), or null when it is there. */
  #noBest(attr: string, needsScore: boolean): string | null {
    const st = this.#state;
    if (st.bestIndex === null)
      return `${this.caller} was fitted with several metrics and refit: false; it has no ${attr} (set refit to a metric's key or a function).`;
    if (needsScore && st.bestScore === null)
      return `${this.caller} was fitted with a refit function; it has no ${attr} (the function chose bestIndex_; read cvResults_ for its scores).`;
    return null;
  }

  /**
   * Index of the best candidate in `cvResults_`: the first of rank 1 on the metric (`refit`'s key
   * with several), or what a refit function returned. Absent (TypeError) with several metrics and refit: false.
   */
  get bestIndex_(): number {
    const why = this.#noBest('bestIndex_', false);
    if (why !== null) throw new TypeError(why);
    return this.#state.bestIndex!;
  }
  /** Mean test score of the best candidate on the refit metric. Absent (TypeError) with a refit function, or several metrics and refit: false. */
  get bestScore_(): number {
    const why = this.#noBest('bestScore_', true);
    if (why !== null) throw new TypeError(why);
    return this.#state.bestScore!;
  }
  /** Parameters of the best candidate. Absent (TypeError) with several metrics and refit: false. */
  get bestParams_(): Params {
    const why = this.#noBest('bestParams_', false);
    if (why !== null) throw new TypeError(why);
    return { ...this.#state.bestParams! };
  }
  /** The best candidate refitted on all the data (with `refit: true`). */
  get bestEstimator_(): BaseEstimator {
    const b = this.#state.bestEstimator;
    if (b === null)
      throw new TypeError(
        `${this.caller} was fitted with refit: false; it has no bestEstimator_ (refit the best candidate, or set refit: true).`,
      );
    return b;
  }
  /**
   * Seconds the refit took after the cross-validation (NaN without refit); a shared pipeline prefix
   * refitted alongside the folds (see {@link GridSearchCV}) ran within the search's time instead.
   */
  get refitTime_(): number {
    return this.#state.refitTime;
  }
  /** Number of cross-validation splits. */
  get nSplits_(): number {
    return this.#state.nSplits;
  }
  /**
   * The scorer that ranks the candidates and that `score` uses (its `name`: a scikit-learn name, or
   * `'score'` for the estimator's own): the one metric, or with several `refit`'s. With several and
   * no refit metric (refit false or a function), a TypeError: read {@link scorers_}.
   */
  get scorer_(): SearchScorer {
    const st = this.#state;
    if (st.refitMetric === null)
      throw new TypeError(
        `${this.caller} scores with several metrics and refit names none of them; read scorers_ (each metric's scorer by key).`,
      );
    return st.refitMetric.scorer;
  }
  /** Every metric's scorer by key (`{ score: scorer }` with one metric) — scikit-learn's `scorer_` dict. */
  get scorers_(): Record<string, SearchScorer> {
    return Object.fromEntries(this.#state.metrics.map((m) => [m.key, m.scorer]));
  }
  /** Whether `scoring` named several metrics. */
  get multimetric_(): boolean {
    return this.#state.multimetric;
  }
  /** The best estimator's classes (classifiers). */
  get classes_(): unknown {
    return (this.bestEstimator_ as unknown as { classes_: unknown }).classes_;
  }
  /** Features seen by the best estimator. */
  get nFeaturesIn_(): number {
    const e = this.bestEstimator_.expectedInput();
    if (e === null) throw new TypeError(`${this.bestEstimator_.estimatorName} does not record its input width.`);
    return e.nFeatures;
  }

  #call(method: ApplyMethod, X: unknown): unknown {
    const best = this.bestEstimator_;
    const fn = (best as unknown as Record<string, unknown>)[method];
    if (typeof fn !== 'function')
      throw new TypeError(`${this.caller}: the best estimator (${best.estimatorName}) has no method '${method}'.`);
    return (fn as (X: unknown) => unknown).call(best, X);
  }

  /** `bestEstimator_.predict(X)` (in memory, or lazy where the estimator takes lazy arrays). */
  predict(X: NDArray): NDArray;
  predict(X: MatrixLike): Block;
  predict(X: MatrixLike | NDArray): unknown {
    return this.#call('predict', X);
  }
  /** `bestEstimator_.predictProba(X)`. */
  predictProba(X: NDArray): NDArray;
  predictProba(X: MatrixLike): Block;
  predictProba(X: MatrixLike | NDArray): unknown {
    return this.#call('predictProba', X);
  }
  /** `bestEstimator_.predictLogProba(X)`. */
  predictLogProba(X: NDArray): NDArray;
  predictLogProba(X: MatrixLike): Block;
  predictLogProba(X: MatrixLike | NDArray): unknown {
    return this.#call('predictLogProba', X);
  }
  /** `bestEstimator_.decisionFunction(X)`. */
  decisionFunction(X: NDArray): NDArray;
  decisionFunction(X: MatrixLike): Block;
  decisionFunction(X: MatrixLike | NDArray): unknown {
    return this.#call('decisionFunction', X);
  }
  /** `bestEstimator_.transform(X)`. */
  transform(X: NDArray): NDArray;
  transform(X: MatrixLike): Block;
  transform(X: MatrixLike | NDArray): unknown {
    return this.#call('transform', X);
  }
  /** `bestEstimator_.inverseTransform(X)`. */
  inverseTransform(X: NDArray): NDArray;
  inverseTransform(X: MatrixLike): Block;
  inverseTransform(X: MatrixLike | NDArray): unknown {
    return this.#call('inverseTransform', X);
  }

  /**
   * The search's scorer on `bestEstimator_` (scikit-learn's `score`): in memory a number; lazy X and
   * y a promise (the estimator's score, accuracy or R², computed without gathering X).
   */
  score(X: NDArray, y: NDArray, options?: LazyOptions): Promise<number>;
  score(X: MatrixLike, y: VectorLike): number;
  score(X: MatrixLike | NDArray, y: VectorLike | NDArray, options: LazyOptions = {}): number | Promise<number> {
    const best = this.bestEstimator_;
    const scorer = this.scorer_;
    if (X instanceof NDArray) {
      if (!(y instanceof NDArray)) return Promise.reject(new TypeError(`${this.caller}.score: X is a lazy array, so y must be one too.`));
      if (scorer.name === 'score') return isLazyApplier(best) ? best.scoreLazy(X, y, options) : lazyScore(best, X, y, options);
      return lazyScore(best, X, y, options);
    }
    if (scorer.name === 'score' && !isScorer(best)) throw new TypeError(`${best.estimatorName} has no score method.`);
    return scorer.score(best, X, y as VectorLike);
  }
}

/** The identity of a pipeline's steps before the last (names and parameters), or null for anything else. */
function prefixToken(est: BaseEstimator): string | null {
  if (!(est instanceof Pipeline) || est.steps.length < 2) return null;
  return tokenize(est.steps.slice(0, -1).map(([name, step]) => [name, step.snapshot()]));
}

/** `cv_results_` from the fits' outputs (candidate-major: candidate c, split k at `c * nSplits + k`), score columns per metric. */
function formatResults(
  candidates: readonly Params[],
  outputs: readonly FitScoreOutput[],
  nSplits: number,
  trainScores: boolean,
  metrics: readonly SearchMetric[],
): CVResults {
  const nc = candidates.length;
  const column = (f: (o: FitScoreOutput) => number) => Float64Array.from(outputs, f);
  const fit = rowStats(
    column((o) => o.fitTime),
    nSplits,
  );
  const sc = rowStats(
    column((o) => o.scoreTime),
    nSplits,
  );
  const out: Record<string, Float64Array | Int32Array | unknown[]> = {
    meanFitTime: fit.mean,
    stdFitTime: fit.std,
    meanScoreTime: sc.mean,
    stdScoreTime: sc.std,
  };
  const names = [...new Set(candidates.flatMap((p) => Object.keys(p)))].sort();
  for (const name of names) out[paramColumn(name)] = candidates.map((p) => (Object.hasOwn(p, name) ? p[name] : undefined));
  out['params'] = candidates.map((p) => ({ ...p }));
  const addScores = (side: 'Test' | 'Train', col: string, get: (o: FitScoreOutput) => number) => {
    const values = column(get);
    for (let k = 0; k < nSplits; k++) out[`split${k}${side}${col}`] = Float64Array.from({ length: nc }, (_, c) => values[c * nSplits + k]!);
    const { mean, std } = rowStats(values, nSplits);
    out[`mean${side}${col}`] = mean;
    out[`std${side}${col}`] = std;
    if (side === 'Test') out[`rankTest${col}`] = rankMin(mean);
  };
  metrics.forEach((m, j) => {
    addScores('Test', m.column, (o) => o.testScores[j]!);
    if (trainScores) addScores('Train', m.column, (o) => o.trainScores[j]!);
  });
  return out as unknown as CVResults;
}

/** What the in-memory evaluation hands `fit`: the fits' outputs and the refit (done in the graph, or to run for a chosen index). */
interface InMemoryResults {
  outputs: FitScoreOutput[];
  nSplits: number;
  /** The refit task's result, when the refit ran in the search's graph (refit on a metric). */
  refit: RefitOutput | null;
  /** Runs the refit of candidate `index` (a refit function's choice). */
  refitLater: ((index: number) => Promise<RefitOutput>) | null;
}

const PASSTHROUGH = 'passthrough';

/**
 * Sets a candidate's parameters on `est` (a clone) as scikit-learn's `set_params` does, pipelines
 * included: a pipeline step's name as a key replaces the step — by a clone of the given estimator,
 * or removes it for `'passthrough'` / null (an identity step: the pipeline without it computes the
 * same) — before the step's own `step__param` keys apply to the replacement; nested pipelines
 * likewise. Returns the estimator (a new Pipeline when steps changed). Errors name the full key
 * and `where` (the candidate).
 */
export function withParams(
  est: BaseEstimator,
  params: Params,
  where: string,
  caller: string,
  top = est.estimatorName,
  prefix = '',
): BaseEstimator {
  const fail = (
    key: string,
    value: unknown,
    e: unknown,
    cls: typeof ParameterTypeError | typeof ParameterRangeError = ParameterTypeError,
  ) => {
    const full = prefix + key;
    const step = full.includes('__') ? ` (in '${full.slice(0, full.indexOf('__'))}', a nested estimator of ${top})` : '';
    return new cls(`${where} sets '${full}'${step}: ${e instanceof Error ? e.message : String(e)}`, caller, full, value);
  };
  const setOne = (target: BaseEstimator, key: string, value: unknown) => {
    try {
      target.setParams({ [key]: value });
    } catch (e) {
      throw fail(key, value, e);
    }
  };
  if (!(est instanceof Pipeline)) {
    for (const [key, value] of Object.entries(params)) setOne(est, key, value);
    return est;
  }
  // scikit-learn's order: `steps` itself first, then steps replaced by name, then the other keys.
  if (Object.hasOwn(params, 'steps')) setOne(est, 'steps', params['steps']);
  const steps: [string, BaseEstimator | null][] = est.steps.map(([n, e]) => [n, e]);
  const at = new Map(steps.map(([n], i) => [n, i]));
  const nested = new Map<string, Params>();
  const own: [string, unknown][] = [];
  let changed = false;
  for (const [key, value] of Object.entries(params)) {
    if (key === 'steps') continue;
    const sep = key.indexOf('__');
    const head = sep < 0 ? key : key.slice(0, sep);
    if (!at.has(head)) own.push([key, value]);
    else if (sep < 0) {
      if (value === PASSTHROUGH || value === null) steps[at.get(key)!]![1] = null;
      else if (isEstimator(value)) steps[at.get(key)!]![1] = value.clone();
      else throw fail(key, value, `a pipeline step is replaced by an estimator, '${PASSTHROUGH}' or null; got ${describeValue(value)}.`);
      changed = true;
    } else {
      const update = nested.get(head) ?? {};
      update[key.slice(sep + 2)] = value;
      nested.set(head, update);
    }
  }
  for (const [head, update] of nested) {
    const i = at.get(head)!;
    const step = steps[i]![1];
    if (step === null) {
      const key = `${head}__${Object.keys(update)[0]}`;
      throw fail(key, update, `step '${head}' is '${PASSTHROUGH}' in this candidate; it has no parameters to set.`);
    }
    const set = withParams(step, update, where, caller, top, `${prefix}${head}__`);
    if (set !== step) {
      steps[i]![1] = set;
      changed = true;
    }
  }
  for (const [key, value] of own) setOne(est, key, value);
  const [lastName, last] = steps[steps.length - 1]!;
  if (last === null)
    throw fail(
      lastName,
      PASSTHROUGH,
      'the final step of a searched pipeline must be an estimator (it is fitted and scored).',
      ParameterRangeError,
    );
  return changed ? new Pipeline(steps.filter((st): st is [string, BaseEstimator] => st[1] !== null)) : est;
}

/**
 * Exhaustive search over a parameter grid with cross-validation (scikit-learn's `GridSearchCV`),
 * every candidate × fold a task on the worker threads; a pipeline's shared prefix fitted once per
 * fold (dask-ml), and — when every candidate has the same prefix — once on all the rows for the
 * refit, alongside the folds. Parameters of pipeline steps are named `step__param` (`sgd__alpha`).
 *
 * @example
 * const search = new GridSearchCV(
 *   makePipeline(new StandardScaler(), new SGDClassifier({ shuffle: false })),
 *   { sgdclassifier__alpha: [1e-4, 1e-3, 1e-2] },
 *   { cv: 3, scoring: 'accuracy' },
 * );
 * await search.fit(X, y);
 * search.bestParams_;                 // { sgdclassifier__alpha: … }
 * search.cvResults_.meanTestScore;    // one mean per candidate
 */
export class GridSearchCV extends BaseSearchCV {
  readonly paramGrid: ParamGridSpec | readonly ParamGridSpec[];

  constructor(estimator: BaseEstimator, paramGrid: ParamGridSpec | readonly ParamGridSpec[], options: SearchOptions = {}) {
    super('GridSearchCV', estimator, options);
    this.paramGrid = paramGrid;
  }

  protected candidates(): Params[] {
    return [...new ParameterGrid(this.paramGrid)];
  }

  protected space(): unknown {
    return this.paramGrid;
  }
}

/**
 * Search over `nIter` candidates sampled from lists and distributions (scikit-learn's
 * `RandomizedSearchCV`, sampling as its `ParameterSampler`: the same candidates for the same
 * `randomState`).
 *
 * @example
 * const search = new RandomizedSearchCV(new SGDClassifier({ shuffle: false }),
 *   { alpha: loguniform(1e-5, 1e-1), penalty: ['l2', 'l1'] }, { nIter: 8, randomState: 0, cv: 3 });
 * await search.fit(X, y);
 */
export class RandomizedSearchCV extends BaseSearchCV {
  readonly paramDistributions: ParamDistributionsSpec | readonly ParamDistributionsSpec[];
  readonly nIter: number;
  readonly randomState: RandomStateLike;

  constructor(
    estimator: BaseEstimator,
    paramDistributions: ParamDistributionsSpec | readonly ParamDistributionsSpec[],
    options: RandomizedSearchOptions = {},
  ) {
    super('RandomizedSearchCV', estimator, options);
    this.paramDistributions = paramDistributions;
    this.nIter = options.nIter ?? 10;
    this.randomState = options.randomState ?? null;
  }

  protected candidates(): Params[] {
    if (typeof this.nIter !== 'number' || !Number.isInteger(this.nIter) || this.nIter < 1) {
      throw new ParameterRangeError(
        `The 'nIter' parameter of RandomizedSearchCV must be an int in the range [1, inf). Got ${describeValue(this.nIter)} instead.`,
        this.caller,
        'nIter',
        this.nIter,
      );
    }
    return [...new ParameterSampler(this.paramDistributions, this.nIter, { randomState: this.randomState })];
  }

  protected space(): unknown {
    return this.paramDistributions;
  }

  protected override options(): Record<string, unknown> {
    return { ...super.options(), nIter: this.nIter, randomState: this.randomState };
  }
}

const SEARCH_FORMAT = 'tessera-search/1';

/** {@link BaseSearchCV.toJSON}'s output. */
export interface SearchJSON {
  readonly format: typeof SEARCH_FORMAT;
  readonly search: string;
  /** The searched estimator (unfitted), in the registry's `tessera-estimator/1` format. */
  readonly estimator: Json;
  /** `paramGrid` / `paramDistributions`: estimators as `$estimator`, distributions as `$dist`. */
  readonly space: Json;
  /** The constructor options; a splitter as `{ $cv: name, … }`. */
  readonly options: { [key: string]: Json };
  readonly fitted: {
    readonly cvResults: { [key: string]: Json };
    readonly bestIndex: number | null;
    readonly bestScore: Json | null;
    readonly bestParams: Json | null;
    readonly bestEstimator: Json | null;
    readonly refitTime: Json;
    readonly nSplits: number;
    readonly multimetric: boolean;
    readonly metrics: readonly { readonly key: string; readonly scorer: string }[];
    readonly refitMetric: string | null;
  } | null;
}

const encodeEstimatorJson = (v: unknown): Json | undefined => (isEstimator(v) ? (v.toJSON() as unknown as Json) : undefined);

function decodeEstimatorJson(v: Json, where: string): BaseEstimator {
  try {
    return estimatorFromJSON(v as unknown as EstimatorJSON);
  } catch (e) {
    if (e instanceof Error) e.message = `${where}: ${e.message}`;
    throw e;
  }
}

/** The splitters Tessera defines, by name, with the options that rebuild them. */
function encodeSplitter(cv: object): Json | undefined {
  const rs = (v: RandomStateLike) => {
    if (v !== null && typeof v !== 'number') throw new TypeError('a RandomState instance');
    return v;
  };
  if (cv instanceof KFold || cv instanceof StratifiedKFold)
    return { $cv: cv.name, nSplits: cv.nSplits, shuffle: cv.shuffle, randomState: rs(cv.randomState) };
  if (cv instanceof ShuffleSplit || cv instanceof StratifiedShuffleSplit || cv instanceof GroupShuffleSplit)
    return { $cv: cv.name, nSplits: cv.nSplits, testSize: cv.testSize, trainSize: cv.trainSize, randomState: rs(cv.randomState) };
  if (cv instanceof GroupKFold) return { $cv: cv.name, nSplits: cv.nSplits };
  if (cv instanceof LeaveOneGroupOut) return { $cv: cv.name };
  return undefined;
}

/** One option or the space as JSON: estimators, Tessera's distributions and splitters tagged; anything else JSON cannot hold refused naming `name`. */
function encodeOption(where: string, name: string, value: unknown): Json {
  const refuse = (what: string): never => {
    throw new TypeError(
      `${where}: the '${name}' option holds ${what}, which JSON cannot hold; rebuild the search with the option given anew.`,
    );
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'function') return refuse('a function');
    if (v instanceof RandomState) return refuse('a RandomState instance (give an int seed)');
    if (v instanceof Uniform) return { $dist: 'uniform', loc: v.loc, scale: v.scale };
    if (v instanceof LogUniform) return { $dist: 'loguniform', a: v.a, b: v.b };
    if (v instanceof RandInt) return { $dist: 'randint', low: v.low, high: v.high };
    if (isEstimator(v) || v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return v;
    if (Array.isArray(v)) return v.map(walk);
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    let split: Json | undefined;
    try {
      split = encodeSplitter(v);
    } catch (e) {
      return refuse(`a splitter seeded with ${(e as Error).message}`);
    }
    return split ?? refuse(`${describeValue(v)} (not a splitter or distribution Tessera defines)`);
  };
  return encodeJson(walk(value), encodeEstimatorJson);
}

/** Inverse of {@link encodeOption}. */
function decodeOption(value: Json, where: string): unknown {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v) || isEstimator(v)) return v;
    const o = v as Record<string, unknown>;
    const num = (k: string) => o[k] as number;
    if (typeof o['$dist'] === 'string') {
      if (o['$dist'] === 'uniform') return new Uniform(num('loc'), num('scale'));
      if (o['$dist'] === 'loguniform') return new LogUniform(num('a'), num('b'));
      if (o['$dist'] === 'randint') return new RandInt(num('low'), num('high'));
      throw new TypeError(`${where}: unknown distribution ${describeValue(o['$dist'])}.`);
    }
    if (typeof o['$cv'] === 'string') {
      const { $cv, ...opts } = o;
      const make: Record<string, (x: never) => CrossValidator> = {
        KFold: (x) => new KFold(x),
        StratifiedKFold: (x) => new StratifiedKFold(x),
        ShuffleSplit: (x) => new ShuffleSplit(x),
        StratifiedShuffleSplit: (x) => new StratifiedShuffleSplit(x),
        GroupShuffleSplit: (x) => new GroupShuffleSplit(x),
        GroupKFold: (x) => new GroupKFold(x),
        LeaveOneGroupOut: () => new LeaveOneGroupOut(),
      };
      const f = make[$cv as string];
      if (f === undefined) throw new TypeError(`${where}: unknown splitter ${describeValue($cv)}.`);
      return f(opts as never);
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x)]));
  };
  return walk(decodeJson(value, decodeEstimatorJson, where));
}

function decodeOptions(where: string, options: unknown): RandomizedSearchOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new TypeError(`${where}: 'options' must be an object. Got ${describeValue(options)}.`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options as Record<string, Json>)) out[k] = decodeOption(v, `${where}: option '${k}'`);
  return out as RandomizedSearchOptions;
}
