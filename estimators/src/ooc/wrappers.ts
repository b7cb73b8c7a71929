/**
 * dask-ml's meta-estimators: {@link Incremental} fits any estimator with `partialFit` on data
 * larger than memory as a serial chain of partialFit links over the blocks, while the blocks ahead
 * are read and preprocessed on the other workers; {@link ParallelPostFit} fits in memory and
 * predicts in parallel. Both predict, transform and score lazy arrays block by block.
 */
import type { DenseArray, NDArray } from '@tessera/array';
import { BaseEstimator, estimatorFromSnapshot, type EstimatorSnapshot, type ExpectedInput, type State } from '../base.js';
import {
  applyMethod,
  fitInMemory,
  isPartialFitter,
  isScorer,
  partialFitBlock,
  type ApplyMethod,
  type EstimatorType,
  type LazyOptions,
  type PartialFitOptions,
} from '../contract.js';
import { ParameterTypeError } from '../errors.js';
import { isEstimator, registerEstimator } from '../registry.js';
import { type StateSchema, snapshotField } from '../state_schema.js';
import { BOOLEAN, RANDOM_STATE, checkArray, interval, type MatrixLike, type VectorLike } from '../validation.js';
import { partialFitChain } from './chain.js';
import { checkLazyInput, isLazy, lazyMethod, lazyScore, rejecting } from './lazy.js';

export { PREPARE_AHEAD } from './chain.js';

interface WrapperState extends State {
  /** The fitted copy of `estimator`, as a snapshot (plain data). */
  estimator_: EstimatorSnapshot;
}

/** Shared behaviour of the wrappers: the fitted estimator and lazy post-fit methods. */
abstract class MetaEstimator<P extends { estimator: BaseEstimator }> extends BaseEstimator<P, WrapperState> {
  /** The fitted copy of the wrapped estimator, as a snapshot (checked by rebuilding it). */
  static readonly stateSchema: StateSchema = { fields: { estimator_: snapshotField() } };
  /** The estimator to wrap (a hyperparameter: an own property set by the constructor). */
  declare estimator: BaseEstimator;
  #cache: { snap: EstimatorSnapshot; est: BaseEstimator } | undefined;

  /** The fitted copy of the wrapped estimator (read its `coef_`, `classes_`… here). */
  get estimator_(): BaseEstimator {
    const snap = this.fitted.estimator_;
    if (this.#cache?.snap !== snap) this.#cache = { snap, est: estimatorFromSnapshot(snap) };
    return this.#cache.est;
  }

  protected setFitted(est: BaseEstimator): void {
    const snap = est.snapshot();
    this.learned = { estimator_: snap };
    this.#cache = { snap, est };
  }

  protected override restoreState(state: State): WrapperState {
    // The state schema has checked estimator_ (by rebuilding it).
    return { estimator_: state['estimator_'] as EstimatorSnapshot };
  }

  /** The wrapped estimator answers (it is what checks X). */
  override expectedInput(): ExpectedInput | null {
    return this.learned === undefined ? null : this.estimator_.expectedInput();
  }

  /** What the wrapped estimator is: a wrapped classifier is a classifier. */
  override get estimatorType(): EstimatorType {
    return this.estimator.estimatorType;
  }

  /** Whether the wrapped estimator takes y. */
  override get requiresY(): boolean {
    return this.estimator.requiresY;
  }

  /** The wrapped estimator answers. */
  override lacking(method: ApplyMethod): BaseEstimator | null {
    return this.estimator.lacking(method);
  }

  /** The fitted wrapped estimator's output width. */
  override outputWidth(method: ApplyMethod): number | null {
    return this.estimator_.outputWidth(method);
  }

  protected checkEstimator(needsPartialFit: boolean): void {
    const est = this.estimator;
    if (!isEstimator(est)) {
      throw new ParameterTypeError(
        `The 'estimator' parameter of ${this.estimatorName} must be an estimator instance. Got ${String(est)} instead.`,
        this.estimatorName,
        'estimator',
        est,
      );
    }
    if (needsPartialFit && !isPartialFitter(est)) {
      throw new ParameterTypeError(
        `The 'estimator' parameter of ${this.estimatorName} must have a partialFit method; ${est.estimatorName} has none.`,
        this.estimatorName,
        'estimator',
        est,
      );
    }
  }

  /** Features seen at fit. */
  get nFeaturesIn_(): number {
    const n = this.estimator_.expectedInput();
    if (n === null)
      throw new TypeError(`${this.estimatorName}: ${this.estimator_.estimatorName} does not record the features it was fitted on.`);
    return n.nFeatures;
  }

  #post(X: MatrixLike | NDArray, method: ApplyMethod): DenseArray | NDArray {
    const est = this.estimator_;
    // lazyMethod checks X's width against the wrapped estimator before building anything.
    if (isLazy(X)) return lazyMethod(est, X, method, est.outputWidth(method));
    checkArray(X, { caller: `${this.estimatorName}.${method}` });
    return applyMethod(est, method, X);
  }

  /** Predictions: lazy (block by block, in parallel) for a lazy X, in memory otherwise. */
  predict(X: NDArray): NDArray;
  predict(X: MatrixLike): DenseArray;
  predict(X: MatrixLike | NDArray): DenseArray | NDArray {
    return this.#post(X, 'predict');
  }

  decisionFunction(X: NDArray): NDArray;
  decisionFunction(X: MatrixLike): DenseArray;
  decisionFunction(X: MatrixLike | NDArray): DenseArray | NDArray {
    return this.#post(X, 'decisionFunction');
  }

  predictProba(X: NDArray): NDArray;
  predictProba(X: MatrixLike): DenseArray;
  predictProba(X: MatrixLike | NDArray): DenseArray | NDArray {
    return this.#post(X, 'predictProba');
  }

  predictLogProba(X: NDArray): NDArray;
  predictLogProba(X: MatrixLike): DenseArray;
  predictLogProba(X: MatrixLike | NDArray): DenseArray | NDArray {
    return this.#post(X, 'predictLogProba');
  }

  transform(X: NDArray): NDArray;
  transform(X: MatrixLike): DenseArray;
  transform(X: MatrixLike | NDArray): DenseArray | NDArray {
    return this.#post(X, 'transform');
  }

  /** A lazy method of the wrapped estimator, block by block (what pipelines call). */
  applyLazy(method: ApplyMethod, X: NDArray): NDArray {
    return this.#post(X, method) as NDArray;
  }

  /** The wrapped estimator's score on lazy X and y, without gathering X (what pipelines call). */
  scoreLazy(X: NDArray, y: NDArray, options: LazyOptions): Promise<number> {
    return this.score(X, y, options);
  }

  /**
   * Accuracy (classifiers) or R² (regressors). On lazy X and y it is computed block by block in
   * parallel, without gathering X, and the promise resolves with the number.
   */
  score(X: NDArray, y: NDArray, options?: LazyOptions): Promise<number>;
  score(X: MatrixLike, y: VectorLike): number;
  score(X: MatrixLike | NDArray, y: VectorLike | NDArray, options: LazyOptions = {}): number | Promise<number> {
    const est = this.estimator_;
    if (isLazy(X)) {
      if (!isLazy(y)) return Promise.reject(new TypeError(`${this.estimatorName}.score: X is a lazy array, so y must be one too.`));
      return rejecting(true, () => lazyScore(est, X, y, options));
    }
    if (!isScorer(est)) throw new TypeError(`${est.estimatorName} has no score method.`);
    return est.score(X, y as VectorLike);
  }
}

/** Hyperparameters of {@link Incremental}. */
export interface IncrementalParams {
  /** The estimator to fit; it needs `partialFit`. It is cloned, never modified. */
  estimator: BaseEstimator;
  /** Class labels, passed to the first partialFit (classifiers need them). */
  classes: readonly number[] | null;
  /**
   * Visit the blocks in a new random order each epoch (dask-ml's default, and dask-ml's order:
   * numpy's `RandomState(randomState).shuffle` of the block indices; later epochs continue it).
   */
  shuffleBlocks: boolean;
  /** Seed of the block order (null: fresh entropy). */
  randomState: number | null;
  /** Passes over the blocks. */
  epochs: number;
}

export interface Incremental extends IncrementalParams {}

/**
 * Fits an estimator with `partialFit` on a lazy dataset: one graph in which every block is read
 * and preprocessed in parallel on the workers — ahead of the chain no further than the memory
 * budget allows — and a serial chain of partialFit links consumes them, `epochs` times, in a
 * seeded new order each epoch when `shuffleBlocks`. On in-memory input it calls partialFit
 * directly. dask-ml's `Incremental`.
 *
 * @example
 * const { X, y } = await fromNpyDir('data/');
 * const inc = new Incremental(new SGDClassifier({ loss: 'hinge', randomState: 2 }), { classes: [0, 1] });
 * await inc.fit(X, y, { memoryLimit: '512MB' });
 * await inc.predict(X).toNpyDir('pred/');
 * inc.estimator_.coef_;
 */
export class Incremental extends MetaEstimator<IncrementalParams> implements IncrementalParams {
  static readonly estimatorName = 'Incremental';
  static readonly estimatorType = 'meta';
  static readonly defaults: Readonly<Omit<IncrementalParams, 'estimator'> & { estimator: null }> = Object.freeze({
    estimator: null,
    classes: null,
    shuffleBlocks: true,
    randomState: null,
    epochs: 1,
  });
  static readonly constraints = {
    shuffleBlocks: [BOOLEAN],
    randomState: RANDOM_STATE,
    epochs: [interval('int', 1, null, 'left')],
  };

  /** `new Incremental(estimator, { classes, … })`, or one params object (as `clone` does). */
  constructor(estimator?: BaseEstimator | Partial<IncrementalParams>, options: Partial<Omit<IncrementalParams, 'estimator'>> = {}) {
    super((isEstimator(estimator) ? { ...options, estimator } : { ...(estimator ?? {}), ...options }) as Partial<IncrementalParams>);
  }

  /**
   * `classes`, and the wrapped estimator: present, with a partialFit, and its own hyperparameters
   * valid for incremental training — checked here, on the main thread, so that an invalid one
   * fails before the chain's first task instead of inside it.
   */
  protected override checkMoreParams(): void {
    const classes = this.classes;
    if (classes !== null && (!Array.isArray(classes) || !classes.every((c) => typeof c === 'number' && Number.isFinite(c)))) {
      throw new ParameterTypeError(
        `The 'classes' parameter of Incremental must be an array of finite numbers or null. Got ${JSON.stringify(classes)} instead.`,
        'Incremental',
        'classes',
        classes,
      );
    }
    this.checkEstimator(true);
    this.estimator.checkParams({ partialFit: true });
  }

  /**
   * Resets and fits. Lazy X (and y): resolves once the whole chain has run. In-memory input: runs
   * `epochs` partialFit calls and returns `this`. Hyperparameters (the wrapped estimator's too)
   * are validated first: with lazy X the promise rejects before any task runs.
   */
  fit(X: NDArray, y?: NDArray, options?: LazyOptions): Promise<this>;
  fit(X: MatrixLike, y?: VectorLike): this;
  fit(X: MatrixLike | NDArray, y?: VectorLike | NDArray, options: LazyOptions = {}): this | Promise<this> {
    return rejecting(isLazy(X), () => {
      this.checkParams();
      this.learned = undefined;
      return this.#train(this.estimator.clone(), X, y, options);
    });
  }

  /**
   * Continues from the fitted state (or starts fresh) with one more pass over X. Hyperparameters
   * are validated on every call (a setParams in between included) and, once fitted, X's width.
   */
  partialFit(X: NDArray, y?: NDArray, options?: LazyOptions): Promise<this>;
  partialFit(X: MatrixLike, y?: VectorLike): this;
  partialFit(X: MatrixLike | NDArray, y?: VectorLike | NDArray, options: LazyOptions = {}): this | Promise<this> {
    return rejecting(isLazy(X), () => {
      this.checkParams();
      if (isLazy(X)) checkLazyInput(this, X);
      const start = this.learned === undefined ? this.estimator.clone() : estimatorFromSnapshot(this.fitted.estimator_);
      return this.#train(start, X, y, options, 1);
    });
  }

  /** For pipelines: fit on lazy arrays. */
  async fitLazy(X: NDArray, y: NDArray | undefined, options: LazyOptions): Promise<this> {
    return this.fit(X, y, options);
  }

  #train(
    est: BaseEstimator,
    X: MatrixLike | NDArray,
    y: VectorLike | NDArray | undefined,
    options: LazyOptions,
    epochs = this.epochs,
  ): this | Promise<this> {
    const fitOptions: PartialFitOptions = this.classes === null ? {} : { classes: [...this.classes] };
    if (!isLazy(X)) {
      if (isLazy(y)) throw new TypeError('Incremental.fit: y is a lazy array but X is not; pass both lazy or both in memory.');
      if (!isPartialFitter(est)) throw new TypeError(`Incremental.fit: ${est.estimatorName} has no partialFit.`);
      for (let e = 0; e < epochs; e++) partialFitBlock(est, X, y ?? null, fitOptions);
      this.setFitted(est);
      return this;
    }
    if (y !== undefined && !isLazy(y)) return Promise.reject(new TypeError('Incremental.fit: X is a lazy array, so y must be one too.'));
    const plan = { epochs, shuffleBlocks: this.shuffleBlocks, randomState: this.randomState, fitOptions, caller: 'Incremental.fit' };
    return partialFitChain(est, X, y, plan, options).then((fitted) => {
      this.setFitted(fitted);
      return this;
    });
  }
}

/** Hyperparameters of {@link ParallelPostFit}. */
export interface ParallelPostFitParams {
  estimator: BaseEstimator;
}

export interface ParallelPostFit extends ParallelPostFitParams {}

/**
 * Fits the wrapped estimator in memory (a lazy X is computed first — for data that fits), then
 * predicts, transforms and scores lazy arrays block by block in parallel. dask-ml's
 * `ParallelPostFit`.
 *
 * @example
 * const ppf = new ParallelPostFit(new SGDClassifier()).fit(Xsmall, ysmall);
 * await ppf.predict(Xhuge).toNpyDir('pred/');
 */
export class ParallelPostFit extends MetaEstimator<ParallelPostFitParams> implements ParallelPostFitParams {
  static readonly estimatorName = 'ParallelPostFit';
  static readonly estimatorType = 'meta';
  static readonly defaults: Readonly<{ estimator: null }> = Object.freeze({ estimator: null });
  static readonly constraints = {};

  /** `new ParallelPostFit(estimator)`, or one params object (as `clone` does). */
  constructor(estimator?: BaseEstimator | Partial<ParallelPostFitParams>) {
    super((isEstimator(estimator) ? { estimator } : (estimator ?? {})) as Partial<ParallelPostFitParams>);
  }

  /** The wrapped estimator: present, with valid hyperparameters (checked before a lazy X is computed). */
  protected override checkMoreParams(): void {
    this.checkEstimator(false);
    this.estimator.checkParams();
  }

  /** Fits a clone of the estimator in memory (a lazy X and y are computed first, after the hyperparameters are validated). */
  fit(X: NDArray, y?: NDArray, options?: LazyOptions): Promise<this>;
  fit(X: MatrixLike, y?: VectorLike, options?: Record<string, unknown>): this;
  fit(X: MatrixLike | NDArray, y?: VectorLike | NDArray, options: LazyOptions | Record<string, unknown> = {}): this | Promise<this> {
    if (!isLazy(X)) {
      this.checkParams();
      return this.#fitIn(X, y as VectorLike | undefined);
    }
    return (async () => {
      // Validated before the lazy X is computed (a rejection, as every promise API here).
      this.checkParams();
      const Xm = await X.compute(options as LazyOptions);
      const ym = isLazy(y) ? (await y.compute(options as LazyOptions)).data : (y as VectorLike | undefined);
      return this.#fitIn(Xm, ym);
    })();
  }

  #fitIn(X: MatrixLike, y: VectorLike | undefined): this {
    const est = this.estimator.clone();
    fitInMemory(est, X, y ?? null);
    this.setFitted(est);
    return this;
  }

  async fitLazy(X: NDArray, y: NDArray | undefined, options: LazyOptions): Promise<this> {
    return this.fit(X, y, options);
  }
}

registerEstimator(Incremental as never);
registerEstimator(ParallelPostFit as never);
