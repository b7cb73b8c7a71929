/**
 * dask-ml's adaptive hyperparameter searches on lazy data: {@link IncrementalSearchCV},
 * {@link InverseDecaySearchCV}, {@link SuccessiveHalvingSearchCV} and {@link HyperbandSearchCV}.
 * Each starts many models of one estimator with different hyperparameters, trains them with
 * `partialFit` block by block on the workers — all models at once — scores them on held-out rows,
 * and stops the bad ones early (loop.ts runs the rounds, policies.ts decides, schedule.ts holds
 * Hyperband's arithmetic). Parameters, semantics and outputs follow dask-ml, in camelCase.
 */
import { DenseArray, checkRandomState, type NDArray } from '@tessera/array';
import { defaultMemoryLimit, parseMemoryLimit } from '@tessera/scheduler';
import { estimatorFromSnapshot, type BaseEstimator, type EstimatorSnapshot, type Params } from '../../base.js';
import { isPartialFitter, type ApplyMethod, type LazyOptions, type PartialFitOptions } from '../../contract.js';
import { NotFittedError, ParameterRangeError, ParameterTypeError, describeValue } from '../../errors.js';
import { isEstimator } from '../../registry.js';
import {
  BOOLEAN,
  NULL,
  RANDOM_STATE,
  checkArray,
  checkVector,
  interval,
  options as oneOf,
  validateParams,
  type Constraint,
  type MatrixLike,
  type VectorLike,
} from '../../validation.js';
import { isLazy } from '../../ooc/lazy.js';
import type { ParallelPostFit } from '../../ooc/wrappers.js';
import { checkParameterSpace, parameterGrid, sampleParameters, type ParameterSpace } from './candidates.js';
import { defaultTestSize, lazyInputs, splitBlockwise, type SearchData } from './data.js';
import { searchScore } from './kernels.js';
import { SCORER_NAMES } from '../scoring.js';
import { RoundMemory, adaptiveLoop, type HistoryRecord, type LoopResults, type ModelId } from './loop.js';
import { FixedPolicy, HalvingPolicy, InverseDecayPolicy, type AdaptPolicy, type StopRules } from './policies.js';
import { hyperbandBrackets, hyperbandPaper, hyperbandPatience, simulateSuccessiveHalving, type HalvingMetadata } from './schedule.js';

export type { HistoryRecord, ModelId } from './loop.js';
export type { ParameterSpace } from './candidates.js';
export type { HalvingMetadata } from './schedule.js';

/** Options of `fit`: where and how the rounds run, and what every partialFit call receives. */
export interface AdaptiveFitOptions extends LazyOptions {
  /** Every label y can take: passed to each model's partialFit (classifiers need them). */
  classes?: readonly number[];
  /** More partialFit options, passed to every call (dask-ml's `**fit_params`). */
  fitParams?: PartialFitOptions;
}

/**
 * `cvResults_`: one entry per model, in model order (Hyperband: bracket by bracket, the most
 * adaptive first) — dask-ml's `cv_results_` keys in camelCase, plus `param_<name>` per hyperparameter.
 */
export interface AdaptiveCvResults {
  readonly modelId: ModelId[];
  readonly params: Params[];
  /** The model's last score on the held-out rows. */
  readonly testScore: number[];
  /** 1 for the best last score (ties share the lowest rank, scipy's `rankdata(method='min')`). */
  readonly rankTestScore: number[];
  readonly partialFitCalls: number[];
  readonly meanPartialFitTime: number[];
  readonly stdPartialFitTime: number[];
  readonly meanScoreTime: number[];
  readonly stdScoreTime: number[];
  /** Hyperband: the bracket of each model. */
  readonly bracket?: number[];
  readonly [column: `param_${string}`]: unknown[];
}

/** Hyperparameters every adaptive search has. */
export interface AdaptiveCommonParams {
  /** Fraction of each block held out for scoring (null: one block's worth, at most 0.2 — dask-ml's default). */
  testSize: number | null;
  /** Seeds the split, the candidates and the block order (null: different each run). */
  randomState: number | null;
  /** How models are compared: null (the estimator's `score`) or a scikit-learn scorer name. */
  scoring: string | null;
  /** With `patience`: the improvement below which a model has plateaued (null: never stop on a plateau). */
  tol: number | null;
}

/** Hyperparameters of {@link IncrementalSearchCV}. */
export interface IncrementalSearchCVParams extends AdaptiveCommonParams {
  /** Candidates sampled from `parameters`, or `'grid'` for every combination of its lists. */
  nInitialParameters: number | 'grid';
  /** Stop a model whose score has not improved by `tol` over its last `patience` calls (false or 0: never; at least 2). */
  patience: number | false;
  /** partialFit calls between scores. */
  fitsPerScore: number;
  /** Most partialFit calls of any model (null: no limit). */
  maxIter: number | null;
}

/** Hyperparameters of {@link InverseDecaySearchCV}. */
export interface InverseDecaySearchCVParams extends IncrementalSearchCVParams {
  /** After k calls, keep `nInitialParameters / (k + 1) ** decayRate` models. */
  decayRate: number;
}

/** Hyperparameters of {@link SuccessiveHalvingSearchCV}. */
export interface SuccessiveHalvingSearchCVParams extends AdaptiveCommonParams {
  /** Candidates sampled from `parameters`. */
  nInitialParameters: number;
  /** partialFit calls before the first comparison (required). */
  nInitialIter: number | null;
  /** Most partialFit calls of any model (null: until one model is left). */
  maxIter: number | null;
  /** Keep `1 / aggressiveness` of the models at each comparison, train them `aggressiveness` times longer. */
  aggressiveness: number;
  /** As in {@link IncrementalSearchCVParams.patience}. */
  patience: number | false;
}

/** Hyperparameters of {@link HyperbandSearchCV}. */
export interface HyperbandSearchCVParams extends AdaptiveCommonParams {
  /** partialFit calls the best model gets: the calls it needs to converge. */
  maxIter: number;
  /** How aggressively brackets cull models (3 is close to optimal in theory; 4 for a first exploration). */
  aggressiveness: number;
  /** true: `max(maxIter // aggressiveness, 1)`; false or 0: off; else an int ≥ 2 (see {@link IncrementalSearchCVParams.patience}). */
  patience: number | boolean;
}

/** A bracket of Hyperband in `metadata` / `metadata_`. */
export interface BracketMetadata {
  readonly bracket: number;
  readonly nModels: number;
  readonly partialFitCalls: number;
  /** The partialFit counts at which the bracket compares models. */
  readonly decisions: number[];
  /** The SuccessiveHalvingSearchCV the bracket is (dask-ml's "SuccessiveHalvingSearchCV params"). */
  readonly successiveHalvingParams: Omit<SuccessiveHalvingSearchCVParams, never>;
}

/** Hyperband's `metadata` / `metadata_`: totals and brackets (ascending). */
export interface HyperbandMetadata {
  readonly nModels: number;
  readonly partialFitCalls: number;
  readonly brackets: BracketMetadata[];
}

interface Fitted {
  readonly cvResults: AdaptiveCvResults;
  readonly history: HistoryRecord[];
  readonly modelHistory: Map<ModelId, HistoryRecord[]>;
  readonly best: EstimatorSnapshot;
  readonly bestIndex: number;
  readonly bestScore: number;
  readonly bestParams: Params;
  readonly scoring: string | null;
}

/**
 * Blocks (as read, before the split) the rounds may hold at once: enough for both workers to read
 * ahead while the chains train; the rest of the budget keeps training blocks between rounds.
 */
const ROUND_BLOCKS = 4;

const SCORING: readonly Constraint[] = [oneOf(...SCORER_NAMES), NULL];
const TOL: readonly Constraint[] = [interval('float', null, null, 'neither'), NULL];
const TEST_SIZE: readonly Constraint[] = [interval('float', 0, 1, 'neither'), NULL];
const PATIENCE: readonly Constraint[] = [BOOLEAN, interval('int', 0, null, 'left')];

const mean = (a: readonly number[]) => a.reduce((s, v) => s + v, 0) / a.length;
const std = (a: readonly number[]) => {
  const m = mean(a);
  return Math.sqrt(a.reduce((s, v) => s + (v - m) * (v - m), 0) / a.length);
};

/** scipy's `rankdata(-scores, method='min')`. */
function rankMin(scores: readonly number[]): number[] {
  return scores.map((s) => 1 + scores.filter((o) => o > s).length);
}

/** dask-ml's `_get_cv_results` over models' histories, in the given order. */
function cvResultsOf(models: readonly [ModelId, readonly HistoryRecord[]][], bracket?: (id: ModelId) => number): AdaptiveCvResults {
  const col = <T>(f: (h: readonly HistoryRecord[]) => T) => models.map(([, h]) => f(h));
  const params = col((h) => h[0]!.params);
  const testScore = col((h) => h[h.length - 1]!.score);
  const out: Record<string, unknown[]> = {
    modelId: models.map(([id]) => id),
    params,
    testScore,
    rankTestScore: rankMin(testScore),
    partialFitCalls: col((h) => h[h.length - 1]!.partialFitCalls),
    meanPartialFitTime: col((h) => mean(h.map((r) => r.partialFitTime))),
    stdPartialFitTime: col((h) => std(h.map((r) => r.partialFitTime))),
    meanScoreTime: col((h) => mean(h.map((r) => r.scoreTime))),
    stdScoreTime: col((h) => std(h.map((r) => r.scoreTime))),
  };
  if (bracket) out['bracket'] = models.map(([id]) => bracket(id));
  for (const p of params) for (const k of Object.keys(p)) out[`param_${k}`] ??= [];
  for (const k of Object.keys(out).filter((c) => c.startsWith('param_'))) out[k] = params.map((p) => p[k.slice(6)]);
  return out as unknown as AdaptiveCvResults;
}

/** What every search shares: its hyperparameters, the fit, the fitted attributes and post-fit methods. */
abstract class AdaptiveSearch<P extends AdaptiveCommonParams> {
  /** The estimator to search over; it needs `partialFit`. It is cloned, never modified. */
  declare estimator: BaseEstimator;
  /** What to search: hyperparameter names to lists of values or distributions. */
  declare parameters: ParameterSpace;
  declare testSize: number | null;
  declare randomState: number | null;
  declare scoring: string | null;
  declare tol: number | null;
  #fitted: Fitted | undefined;
  #post: { snap: EstimatorSnapshot; ppf: ParallelPostFit } | undefined;

  protected abstract get searchName(): string;
  protected abstract get defaults(): Readonly<P>;
  protected abstract get constraints(): Readonly<Record<string, readonly Constraint[]>>;

  constructor(estimator: BaseEstimator, parameters: ParameterSpace, opts: Partial<P>) {
    const self = this as unknown as Record<string, unknown>;
    self['estimator'] = estimator;
    self['parameters'] = parameters;
    this.#assign(opts ?? {});
  }

  #assign(opts: object, init = true): void {
    if (typeof opts !== 'object' || opts === null || Array.isArray(opts))
      throw new TypeError(`${this.searchName}: options must be an object of hyperparameters. Got ${describeValue(opts)}.`);
    const defaults = this.defaults as Record<string, unknown>;
    for (const key of Object.keys(opts)) {
      if (!Object.hasOwn(defaults, key) && !(key === 'estimator' || key === 'parameters')) {
        // dask-ml deprecated IncrementalSearchCV's decay_rate for InverseDecaySearchCV's.
        const hint = key === 'decayRate' ? ' (decayRate belongs to InverseDecaySearchCV, where dask-ml moved it)' : '';
        throw new TypeError(
          `${this.searchName} got an unexpected option '${key}'${hint}. Valid options: ${Object.keys(defaults).join(', ')}.`,
        );
      }
    }
    const self = this as unknown as Record<string, unknown>;
    for (const [key, def] of Object.entries(defaults)) {
      if (Object.hasOwn(opts, key)) self[key] = (opts as Record<string, unknown>)[key];
      else if (init) self[key] = def;
    }
    for (const key of ['estimator', 'parameters']) if (Object.hasOwn(opts, key)) self[key] = (opts as Record<string, unknown>)[key];
  }

  /** The hyperparameters, `estimator` and `parameters` included. */
  getParams(): P & { estimator: BaseEstimator; parameters: ParameterSpace } {
    const self = this as unknown as Record<string, unknown>;
    const out: Record<string, unknown> = { estimator: this.estimator, parameters: this.parameters };
    for (const key of Object.keys(this.defaults)) out[key] = self[key];
    return out as unknown as P & { estimator: BaseEstimator; parameters: ParameterSpace };
  }

  /** Sets hyperparameters (validated at the next fit). Returns `this`. */
  setParams(params: Partial<P & { estimator: BaseEstimator; parameters: ParameterSpace }>): this {
    this.#assign(params, false);
    return this;
  }

  /**
   * Validates the hyperparameters without data (the same message template as every estimator:
   * "The 'maxIter' parameter of HyperbandSearchCV must be an int in the range [1, inf). Got 0
   * instead."), the estimator (present, with partialFit) and `parameters`. `fit` starts with it.
   */
  checkParams(): this {
    const name = this.searchName;
    validateParams(name, this.constraints, this as unknown as Record<string, unknown>);
    const est = this.estimator;
    if (!isEstimator(est)) {
      throw new ParameterTypeError(
        `The 'estimator' parameter of ${name} must be an estimator instance. Got ${describeValue(est)} instead.`,
        name,
        'estimator',
        est,
      );
    }
    if (!isPartialFitter(est)) {
      throw new ParameterTypeError(
        `The 'estimator' parameter of ${name} must have a partialFit method (the search trains models block by block); ${est.estimatorName} has none.`,
        name,
        'estimator',
        est,
      );
    }
    checkParameterSpace(name, this.parameters);
    const patience = (this as unknown as { patience: unknown }).patience;
    if (patience === 1 || (patience === true && !this.allowsPatienceTrue())) {
      throw new ParameterRangeError(
        `The 'patience' parameter of ${name} must be false, 0 or an int of at least 2: patience=${String(patience)} would always detect a plateau.`,
        name,
        'patience',
        patience,
      );
    }
    this.checkMoreParams();
    return this;
  }

  protected allowsPatienceTrue(): boolean {
    return false;
  }

  protected checkMoreParams(): void {}

  /**
   * Runs the search on X and y — lazy arrays of row blocks, or in-memory arrays (one block, as
   * dask-ml wraps a NumPy array) — and resolves with `this` once no model is given more calls.
   * Hyperparameters, the estimator, every candidate's hyperparameters and the inputs are checked
   * first: the promise rejects before any task runs.
   */
  async fit(X: NDArray | MatrixLike, y: NDArray | VectorLike, options: AdaptiveFitOptions = {}): Promise<this> {
    this.checkParams();
    const name = this.searchName;
    const { classes, fitParams, ...run } = options;
    const fitOptions: PartialFitOptions = { ...(fitParams ?? {}), ...(classes === undefined ? {} : { classes: [...classes] }) };
    if (this.estimator.estimatorType === 'classifier' && fitOptions['classes'] === undefined) {
      throw new TypeError(
        `${name}.fit: ${this.estimator.estimatorName} is a classifier: pass every label y can take as the 'classes' option (its first partialFit call needs them).`,
      );
    }
    const inputs = lazyInputs(`${name}.fit`, X, y);
    const testSize = this.testSize ?? defaultTestSize(inputs.X.numBlocks[0]!);
    const data = await splitBlockwise(`${name}.fit`, inputs.X, inputs.y, testSize, this.randomState, run);
    const total = run.memoryLimit === undefined ? defaultMemoryLimit() : parseMemoryLimit(run.memoryLimit);
    // The held-out rows stay in memory for the whole search. Of the rest, the rounds keep room to
    // read a few blocks at once (ROUND_BLOCKS of the largest); what is left keeps training blocks
    // between rounds (dask-ml keeps them all), so they are not read and split again.
    const avail = Math.max(1, total - data.testBytes);
    const rounds = Math.min(avail, ROUND_BLOCKS * data.maxBlockBytes);
    data.cacheCapacity = avail - rounds;
    this.#fitted = await this.search(data, {
      fitOptions,
      run,
      memory: new RoundMemory(Math.max(1, rounds)),
      startTime: performance.now(),
    });
    this.#post = undefined;
    return this;
  }

  /** Runs the search proper on split data. */
  protected abstract search(data: SearchData, ctx: SearchContext): Promise<Fitted>;

  /** Models for the candidates: clones with each candidate's params set, checked for incremental training. */
  protected modelsFor(candidates: readonly Params[]): BaseEstimator[] {
    return candidates.map((p, i) => {
      const m = this.estimator.clone().setParams(p);
      try {
        m.checkParams({ partialFit: true });
      } catch (e) {
        if (e instanceof Error) e.message = `${this.searchName}: candidate ${i} (${JSON.stringify(p)}): ${e.message}`;
        throw e;
      }
      return m;
    });
  }

  /** One search loop over candidates with a policy (the common case). */
  protected loop(
    data: SearchData,
    ctx: SearchContext,
    candidates: readonly Params[],
    policy: AdaptPolicy,
    randomState: number | null,
    tag: (m: number) => string,
    budget: () => number,
  ): Promise<LoopResults> {
    return adaptiveLoop({
      caller: this.searchName,
      models: this.modelsFor(candidates),
      candidates,
      data,
      policy,
      fitOptions: ctx.fitOptions,
      scoring: this.scoring,
      randomState,
      tag,
      budget,
      memory: ctx.memory,
      options: ctx.run,
      startTime: ctx.startTime,
    });
  }

  /** The fitted attributes of one loop's results (dask-ml's BaseIncrementalSearchCV._fit). */
  protected fittedOf(r: LoopResults): Fitted {
    const models = [...r.info] as [number, HistoryRecord[]][];
    const cvResults = cvResultsOf(models);
    const bestIndex = models.findIndex(([id]) => id === r.best);
    return {
      cvResults,
      history: r.history,
      modelHistory: new Map(models),
      best: r.models.get(r.best)!,
      bestIndex,
      bestScore: cvResults.testScore[bestIndex]!,
      bestParams: cvResults.params[bestIndex]!,
      scoring: this.scoring,
    };
  }

  protected get fitted(): Fitted {
    if (this.#fitted === undefined) throw new NotFittedError(this.searchName);
    return this.#fitted;
  }

  /** One entry per model (see {@link AdaptiveCvResults}). */
  get cvResults_(): AdaptiveCvResults {
    return this.fitted.cvResults;
  }

  /** Every model's record after every round, in the order the scores came back. */
  get history_(): HistoryRecord[] {
    return this.fitted.history;
  }

  /** `history_` by model: `{ modelId → records }`. */
  get modelHistory_(): Map<ModelId, HistoryRecord[]> {
    return this.fitted.modelHistory;
  }

  /** The best model, trained (the highest last score among the models trained to the end). */
  get bestEstimator_(): BaseEstimator {
    return estimatorFromSnapshot(this.fitted.best);
  }

  /** Its index in `cvResults_`. */
  get bestIndex_(): number {
    return this.fitted.bestIndex;
  }

  /** Its last score on the held-out rows. */
  get bestScore_(): number {
    return this.fitted.bestScore;
  }

  /** Its hyperparameters. */
  get bestParams_(): Params {
    return this.fitted.bestParams;
  }

  /** Whether fit has run. */
  isFitted(): boolean {
    return this.#fitted !== undefined;
  }

  #postFit(): ParallelPostFit {
    const snap = this.fitted.best;
    if (this.#post?.snap !== snap) {
      const ppf = estimatorFromSnapshot({
        estimator: 'ParallelPostFit',
        params: { estimator: { ...snap, state: null } },
        state: { estimator_: snap },
      }) as ParallelPostFit;
      this.#post = { snap, ppf };
    }
    return this.#post.ppf;
  }

  /** The best model's predictions: lazy (block by block, in parallel) for a lazy X, in memory otherwise. */
  predict(X: NDArray): NDArray;
  predict(X: MatrixLike): DenseArray;
  predict(X: MatrixLike | NDArray): DenseArray | NDArray {
    return this.#apply('predict', X);
  }

  /** The best model's probabilities (classifiers that have them). */
  predictProba(X: NDArray): NDArray;
  predictProba(X: MatrixLike): DenseArray;
  predictProba(X: MatrixLike | NDArray): DenseArray | NDArray {
    return this.#apply('predictProba', X);
  }

  /** The best model's decision function. */
  decisionFunction(X: NDArray): NDArray;
  decisionFunction(X: MatrixLike): DenseArray;
  decisionFunction(X: MatrixLike | NDArray): DenseArray | NDArray {
    return this.#apply('decisionFunction', X);
  }

  /** The best model's transform (transformers). */
  transform(X: NDArray): NDArray;
  transform(X: MatrixLike): DenseArray;
  transform(X: MatrixLike | NDArray): DenseArray | NDArray {
    return this.#apply('transform', X);
  }

  #apply(method: ApplyMethod, X: MatrixLike | NDArray): DenseArray | NDArray {
    const ppf = this.#postFit() as unknown as Record<ApplyMethod, (x: unknown) => DenseArray | NDArray>;
    return ppf[method].call(ppf, X);
  }

  /**
   * The best model's score with the search's `scoring` (null: its own `score`). On lazy X and y
   * with the default scoring it is computed block by block in parallel; with a scorer name, X and y
   * are computed into memory first.
   */
  score(X: NDArray, y: NDArray, options?: LazyOptions): Promise<number>;
  score(X: MatrixLike, y: VectorLike): number;
  score(X: MatrixLike | NDArray, y: VectorLike | NDArray, options: LazyOptions = {}): number | Promise<number> {
    const { best, scoring } = this.fitted;
    if (isLazy(X)) {
      if (!isLazy(y)) return Promise.reject(new TypeError(`${this.searchName}.score: X is a lazy array, so y must be one too.`));
      if (scoring === null) return this.#postFit().score(X, y, options);
      return Promise.all([X.compute(options), y.compute(options)]).then(([Xm, ym]) => searchScore(best, Xm, ym, scoring));
    }
    if (isLazy(y)) throw new TypeError(`${this.searchName}.score: y is a lazy array but X is not; pass both lazy or both in memory.`);
    const m = checkArray(X, { caller: `${this.searchName}.score` });
    const yv = checkVector(y, m.nSamples, { caller: `${this.searchName}.score`, name: 'y' });
    return searchScore(best, new DenseArray(m.data, [m.nSamples, m.nFeatures]), new DenseArray(yv, [yv.length]), scoring);
  }
}

/** What `search` receives besides the data. */
interface SearchContext {
  readonly fitOptions: PartialFitOptions;
  readonly run: LazyOptions;
  /** What the rounds may hold, shared by the runs of concurrent loops. */
  readonly memory: RoundMemory;
  readonly startTime: number;
}

const INCREMENTAL_DEFAULTS: Readonly<IncrementalSearchCVParams> = Object.freeze({
  nInitialParameters: 10,
  testSize: null,
  patience: false,
  tol: 0.001,
  fitsPerScore: 1,
  maxIter: 100,
  randomState: null,
  scoring: null,
});

const INCREMENTAL_CONSTRAINTS = {
  nInitialParameters: [interval('int', 1, null, 'left'), oneOf('grid')],
  testSize: TEST_SIZE,
  patience: PATIENCE,
  tol: TOL,
  fitsPerScore: [interval('int', 1, null, 'left')],
  maxIter: [interval('int', 1, null, 'left'), NULL],
  randomState: RANDOM_STATE,
  scoring: SCORING,
};

export interface IncrementalSearchCV extends IncrementalSearchCVParams {}

/**
 * Trains `nInitialParameters` sampled candidates (or the whole grid) together, scoring each every
 * `fitsPerScore` partialFit calls, until `maxIter` calls or — with `patience` — until its score
 * stops improving by `tol`. dask-ml's `IncrementalSearchCV` (whose deprecated `decay_rate` lives on
 * in {@link InverseDecaySearchCV}).
 *
 * @example
 * const search = new IncrementalSearchCV(new SGDClassifier({ tol: null }), { alpha: [1e-4, 1e-3, 1e-2] }, {
 *   nInitialParameters: 'grid', maxIter: 10, patience: 3, randomState: 0,
 * });
 * await search.fit(X, y, { classes: [0, 1] });
 * search.bestParams_; // { alpha: … }
 */
export class IncrementalSearchCV extends AdaptiveSearch<IncrementalSearchCVParams> implements IncrementalSearchCVParams {
  static readonly searchName: string = 'IncrementalSearchCV';

  constructor(estimator: BaseEstimator, parameters: ParameterSpace, options: Partial<IncrementalSearchCVParams> = {}) {
    super(estimator, parameters, options);
  }

  protected get searchName(): string {
    return (this.constructor as typeof IncrementalSearchCV).searchName;
  }
  protected get defaults(): Readonly<IncrementalSearchCVParams> {
    return INCREMENTAL_DEFAULTS;
  }
  protected get constraints(): Readonly<Record<string, readonly Constraint[]>> {
    return INCREMENTAL_CONSTRAINTS;
  }

  protected candidates(): Params[] {
    return this.nInitialParameters === 'grid'
      ? parameterGrid(this.searchName, this.parameters)
      : sampleParameters(this.parameters, this.nInitialParameters, this.randomState);
  }

  protected rules(): StopRules {
    return { patience: this.patience === false ? false : this.patience || false, tol: this.tol, maxIter: this.maxIter };
  }

  protected policy(candidates: readonly Params[]): AdaptPolicy {
    void candidates;
    return new FixedPolicy(this.rules(), this.fitsPerScore);
  }

  protected async search(data: SearchData, ctx: SearchContext): Promise<Fitted> {
    const candidates = this.candidates();
    const r = await this.loop(data, ctx, candidates, this.policy(candidates), this.randomState, String, () => ctx.memory.capacity);
    return this.fittedOf(r);
  }
}

export interface InverseDecaySearchCV extends InverseDecaySearchCVParams {}

/**
 * {@link IncrementalSearchCV} that keeps fewer models over time: after k partialFit calls, the
 * best `nInitialParameters / (k + 1) ** decayRate`. dask-ml's `InverseDecaySearchCV`.
 *
 * @example
 * const search = new InverseDecaySearchCV(new SGDClassifier(), { alpha: [1e-4, 1e-3, 1e-2, 1e-1] }, { nInitialParameters: 'grid', randomState: 0 });
 * await search.fit(X, y, { classes: [0, 1] });
 */
export class InverseDecaySearchCV extends IncrementalSearchCV implements InverseDecaySearchCVParams {
  static override readonly searchName: string = 'InverseDecaySearchCV';
  declare decayRate: number;

  constructor(estimator: BaseEstimator, parameters: ParameterSpace, options: Partial<InverseDecaySearchCVParams> = {}) {
    super(estimator, parameters, options);
  }

  protected override get defaults(): Readonly<InverseDecaySearchCVParams> {
    return INVERSE_DECAY_DEFAULTS;
  }
  protected override get constraints(): Readonly<Record<string, readonly Constraint[]>> {
    return INVERSE_DECAY_CONSTRAINTS;
  }

  protected override policy(candidates: readonly Params[]): AdaptPolicy {
    return new InverseDecayPolicy(this.rules(), candidates.length, this.decayRate, this.fitsPerScore);
  }
}

const INVERSE_DECAY_DEFAULTS: Readonly<InverseDecaySearchCVParams> = Object.freeze({ ...INCREMENTAL_DEFAULTS, decayRate: 1.0 });
const INVERSE_DECAY_CONSTRAINTS = { ...INCREMENTAL_CONSTRAINTS, decayRate: [interval('float', 0, null, 'left')] };

const HALVING_DEFAULTS: Readonly<SuccessiveHalvingSearchCVParams> = Object.freeze({
  nInitialParameters: 10,
  nInitialIter: null,
  maxIter: null,
  aggressiveness: 3,
  testSize: null,
  patience: false,
  tol: 0.001,
  randomState: null,
  scoring: null,
});

const HALVING_CONSTRAINTS = {
  nInitialParameters: [interval('int', 1, null, 'left')],
  // Required: dask-ml's default None fails at the first decision.
  nInitialIter: [interval('int', 1, null, 'left')],
  maxIter: [interval('int', 1, null, 'left'), NULL],
  aggressiveness: [interval('float', 1, null, 'neither')],
  testSize: TEST_SIZE,
  patience: PATIENCE,
  tol: TOL,
  randomState: RANDOM_STATE,
  scoring: SCORING,
};

export interface SuccessiveHalvingSearchCV extends SuccessiveHalvingSearchCVParams {}

/**
 * Successive halving: trains `nInitialParameters` sampled candidates for `nInitialIter` calls,
 * keeps the best `1 / aggressiveness` of them, trains those `aggressiveness` times longer, and so
 * on until one is left (or `maxIter`). dask-ml's `SuccessiveHalvingSearchCV`; `metadata` says how
 * many calls it will make, `metadata_` how many it made.
 *
 * @example
 * const search = new SuccessiveHalvingSearchCV(new SGDClassifier(), { alpha: [1e-5, 1e-4, 1e-3, 1e-2, 1e-1] }, {
 *   nInitialParameters: 9, nInitialIter: 1, maxIter: 9, randomState: 0,
 * });
 * search.metadata; // { partialFitCalls: 21, nModels: 9, maxIter: 9 }
 */
export class SuccessiveHalvingSearchCV extends AdaptiveSearch<SuccessiveHalvingSearchCVParams> implements SuccessiveHalvingSearchCVParams {
  static readonly searchName: string = 'SuccessiveHalvingSearchCV';

  constructor(estimator: BaseEstimator, parameters: ParameterSpace, options: Partial<SuccessiveHalvingSearchCVParams> = {}) {
    super(estimator, parameters, options);
  }

  protected get searchName(): string {
    return SuccessiveHalvingSearchCV.searchName;
  }
  protected get defaults(): Readonly<SuccessiveHalvingSearchCVParams> {
    return HALVING_DEFAULTS;
  }
  protected get constraints(): Readonly<Record<string, readonly Constraint[]>> {
    return HALVING_CONSTRAINTS;
  }

  /** The computation it will do (dask-ml's `_simulate_sha`): total calls, models, most calls of one model. */
  get metadata(): HalvingMetadata {
    validateParams(this.searchName, HALVING_CONSTRAINTS, this as unknown as Record<string, unknown>);
    return simulateSuccessiveHalving(this.nInitialParameters, this.nInitialIter!, this.aggressiveness, this.maxIter);
  }

  /** The computation it did (fewer calls than `metadata` when patience stopped models early). */
  get metadata_(): HalvingMetadata {
    const calls = [...this.fitted.modelHistory.values()].map((h) => h[h.length - 1]!.partialFitCalls);
    return { partialFitCalls: calls.reduce((a, b) => a + b, 0), nModels: this.nInitialParameters, maxIter: Math.max(...calls) };
  }

  protected async search(data: SearchData, ctx: SearchContext): Promise<Fitted> {
    const candidates = sampleParameters(this.parameters, this.nInitialParameters, this.randomState);
    const policy = new HalvingPolicy(
      { patience: this.patience || false, tol: this.tol, maxIter: this.maxIter },
      this.nInitialParameters,
      this.nInitialIter!,
      this.aggressiveness,
    );
    return this.fittedOf(await this.loop(data, ctx, candidates, policy, this.randomState, String, () => ctx.memory.capacity));
  }
}

const HYPERBAND_DEFAULTS: Readonly<HyperbandSearchCVParams> = Object.freeze({
  maxIter: 81,
  aggressiveness: 3,
  patience: false,
  tol: 0.001,
  testSize: null,
  randomState: null,
  scoring: null,
});

const HYPERBAND_CONSTRAINTS = {
  maxIter: [interval('int', 1, null, 'left')],
  aggressiveness: [interval('float', 1, null, 'neither')],
  patience: PATIENCE,
  tol: TOL,
  testSize: TEST_SIZE,
  randomState: RANDOM_STATE,
  scoring: SCORING,
};

export interface HyperbandSearchCV extends HyperbandSearchCVParams {}

/**
 * Hyperband: successive halving in several brackets at once, from many models trained briefly
 * (the most adaptive bracket) to a few trained for `maxIter` calls (bracket 0), so no trade-off
 * between "many candidates" and "long training" has to be guessed. All brackets run concurrently
 * on the workers. dask-ml's `HyperbandSearchCV`: `metadata` gives the brackets with their model
 * counts and partialFit calls exactly as dask-ml computes them; `metadata_` what was done.
 *
 * Differences from dask-ml, on purpose: every bracket uses one train/test split (dask-ml splits
 * again per bracket, with the bracket's seed), so brackets are compared on the same held-out rows
 * and one test set is in memory; `rankTestScore` ranks all models together (dask-ml concatenates
 * per-bracket ranks).
 *
 * @example
 * const search = new HyperbandSearchCV(new SGDClassifier({ tol: null }), { alpha: [1e-5, 1e-4, 1e-3, 1e-2], penalty: ['l2', 'l1'] }, {
 *   maxIter: 27, randomState: 0,
 * });
 * search.metadata.nModels; // 49
 * await search.fit(X, y, { classes: [0, 1] });
 * await search.predict(Xnew).compute();
 */
export class HyperbandSearchCV extends AdaptiveSearch<HyperbandSearchCVParams> implements HyperbandSearchCVParams {
  static readonly searchName: string = 'HyperbandSearchCV';
  #metadata: HyperbandMetadata | undefined;

  constructor(estimator: BaseEstimator, parameters: ParameterSpace, options: Partial<HyperbandSearchCVParams> = {}) {
    super(estimator, parameters, options);
  }

  protected get searchName(): string {
    return HyperbandSearchCV.searchName;
  }
  protected get defaults(): Readonly<HyperbandSearchCVParams> {
    return HYPERBAND_DEFAULTS;
  }
  protected get constraints(): Readonly<Record<string, readonly Constraint[]>> {
    return HYPERBAND_CONSTRAINTS;
  }
  protected override allowsPatienceTrue(): boolean {
    return true;
  }

  /** The successive halving of each bracket (dask-ml's `_get_SHAs`), highest bracket first. */
  #brackets(): { bracket: number; params: SuccessiveHalvingSearchCVParams }[] {
    const patience = hyperbandPatience(this.patience, this.maxIter, this.aggressiveness);
    // The first use of randomState: one draw seeds every bracket but 0 (which takes randomState).
    const seedStart = checkRandomState(this.randomState).randint(2 ** 31) as number;
    return hyperbandBrackets(this.maxIter, this.aggressiveness).map((b) => ({
      bracket: b.bracket,
      params: {
        nInitialParameters: b.nInitialParameters,
        nInitialIter: b.nInitialIter,
        maxIter: this.maxIter,
        aggressiveness: this.aggressiveness,
        testSize: this.testSize,
        patience,
        tol: this.tol,
        randomState: b.bracket !== 0 ? seedStart + b.bracket : this.randomState,
        scoring: this.scoring,
      },
    }));
  }

  /**
   * The computation Hyperband will do, as dask-ml computes it: total models and partialFit
   * calls, and per bracket (ascending) its models, calls, decision points and the
   * SuccessiveHalvingSearchCV parameters it runs with.
   */
  get metadata(): HyperbandMetadata {
    validateParams(this.searchName, HYPERBAND_CONSTRAINTS, this as unknown as Record<string, unknown>);
    const shas = new Map(this.#brackets().map((b) => [b.bracket, b.params]));
    const brackets = hyperbandPaper(this.maxIter, this.aggressiveness).map((b) => ({
      ...b,
      successiveHalvingParams: shas.get(b.bracket)!,
    }));
    return {
      nModels: brackets.reduce((s, b) => s + b.nModels, 0),
      partialFitCalls: brackets.reduce((s, b) => s + b.partialFitCalls, 0),
      brackets,
    };
  }

  /** The computation it did (dask-ml's `_get_meta` over the histories): equal to `metadata` without patience. */
  get metadata_(): HyperbandMetadata {
    void this.fitted;
    return this.#metadata!;
  }

  protected async search(data: SearchData, ctx: SearchContext): Promise<Fitted> {
    const brackets = this.#brackets();
    const top = Math.max(...brackets.map((b) => b.bracket));
    // Brackets run concurrently and share the rounds' memory: a run asks for its part of it among
    // the brackets still running, but at least two blocks (one trained on, one read ahead) — when
    // those do not fit beside the other brackets' runs, it waits for them (RoundMemory).
    let active = brackets.length;
    const least = 2 * data.maxBlockBytes;
    const results = await Promise.all(
      brackets.map(async ({ bracket, params }) => {
        const sampler = sampleParameters(this.parameters, params.nInitialParameters, params.randomState);
        const policy = new HalvingPolicy(
          { patience: params.patience || false, tol: params.tol, maxIter: params.maxIter },
          params.nInitialParameters,
          params.nInitialIter!,
          params.aggressiveness,
        );
        try {
          const r = await this.loop(
            data,
            ctx,
            sampler,
            policy,
            params.randomState,
            (m) => `${bracket}.${m}`,
            () => Math.max(least, Math.floor(ctx.memory.capacity / active)),
          );
          return { bracket, params, r };
        } finally {
          active--;
        }
      }),
    );
    const id = (b: number, m: number): string => `bracket=${b}-${m}`;
    const rename = (b: number, h: HistoryRecord): HistoryRecord => ({ ...h, modelId: id(b, h.modelId as number), bracket: b });
    const models: [ModelId, HistoryRecord[]][] = [];
    const bracketOf = new Map<ModelId, number>();
    for (const { bracket, r } of results) {
      for (const [m, hist] of r.info) {
        models.push([id(bracket, m), hist.map((h) => rename(bracket, h))]);
        bracketOf.set(id(bracket, m), bracket);
      }
    }
    const cvResults = cvResultsOf(models, (mid) => bracketOf.get(mid)!);
    // The best bracket: the highest best score (the most adaptive bracket first on ties).
    let bestRun = results[0]!;
    const bestScoreOf = (x: (typeof results)[number]) => x.r.info.get(x.r.best)!.at(-1)!.score;
    for (const x of results) if (bestScoreOf(x) > bestScoreOf(bestRun)) bestRun = x;
    const bestIndex = models.findIndex(([mid]) => mid === id(bestRun.bracket, bestRun.r.best));
    const history = results
      .flatMap(({ bracket, r }) => r.history.map((h) => rename(bracket, h)))
      .sort((a, b) => a.elapsedWallTime - b.elapsedWallTime);
    this.#metadata = (() => {
      const meta = results
        .map(({ bracket, params, r }) => {
          const hist = [...r.info.values()];
          const decisions = new Set(hist.flatMap((h) => h.map((x) => x.partialFitCalls)));
          if (bracket !== top) decisions.delete(1);
          return {
            bracket,
            nModels: hist.length,
            partialFitCalls: hist.reduce((s, h) => s + Math.max(...h.map((x) => x.partialFitCalls)), 0),
            decisions: [...decisions].sort((a, b) => a - b),
            successiveHalvingParams: params,
          };
        })
        .sort((a, b) => a.bracket - b.bracket);
      return {
        nModels: meta.reduce((s, b) => s + b.nModels, 0),
        partialFitCalls: meta.reduce((s, b) => s + b.partialFitCalls, 0),
        brackets: meta,
      };
    })();
    return {
      cvResults,
      history,
      modelHistory: new Map(models),
      best: bestRun.r.models.get(bestRun.r.best)!,
      bestIndex,
      bestScore: bestScoreOf(bestRun),
      bestParams: cvResults.params[bestIndex]!,
      scoring: this.scoring,
    };
  }
}
