/**
 * The out-of-core contract: everything the out-of-core layer (`ooc/`: Incremental, ParallelPostFit,
 * Pipeline on lazy arrays, and the `est.*` worker kernels) may ask of an estimator, written down as
 * typed interfaces with type guards. The layer uses only these — no method names as strings, no
 * casts, no `instanceof` of particular estimators — so making a new estimator work out-of-core
 * means implementing the interfaces below that fit it, nothing else. docs/architecture.md walks
 * through adding one.
 *
 * What an estimator is, it declares (scikit-learn's `_estimator_type` and tags): `static
 * estimatorType` and `static requiresY` on its class, read through {@link estimatorTypeOf} and
 * {@link requiresY}. What it can do, its methods say, each checked by a guard:
 *
 * | interface | methods | what the layer does with it |
 * | --- | --- | --- |
 * | {@link PartialFitter} | `partialFit` | `Incremental`: the serial chain of links over the blocks |
 * | {@link BlockPreparer} | `prepareBlock` (+ `releaseBlock`, `retireBlocks`) | prepares each block on any worker, ahead of the chain |
 * | {@link RowApplier} | `applyRows` | predict / transform a whole block's row stream at once |
 * | {@link LazyFitter} | `fitLazy` | a pipeline step (or a standalone `fit`) on a lazy X |
 * | {@link LazyTransformer} | `transformLazy` | a pipeline step's lazy transform (fused when it can be) |
 * | {@link LazyApplier} | `applyLazy`, `scoreLazy` | wrappers and pipelines: their lazy methods, used as they are |
 * | {@link Applier} | `predict`, `transform`… | per block (`est.apply`), through {@link applyMethod} |
 *
 * and every estimator answers `outputWidth(method)` (columns of a method's output) and
 * `expectedInput()` (the width X must have), both on {@link BaseEstimator}.
 */
import type { Block, DenseArray, NDArray, RowStream } from '@tessera/array';
import type { BaseEstimator } from './base.js';
import type { MatrixLike, VectorLike } from './validation.js';
import type { ArrayComputeOptions } from '@tessera/array';

/**
 * What an estimator is (scikit-learn's `_estimator_type`): decides what `score` means on lazy data
 * (accuracy for classifiers, R² for regressors) and what `predict` and friends return.
 * `'transformer'` for estimators whose product is `transform`; `'meta'` for wrappers and
 * pipelines, which answer with what they hold (see {@link estimatorTypeOf}).
 */
export type EstimatorType = 'classifier' | 'regressor' | 'clusterer' | 'transformer' | 'meta';

/** Methods applied block by block to a lazy X (`est.apply`): each maps rows to rows. */
export type ApplyMethod = 'predict' | 'decisionFunction' | 'predictProba' | 'predictLogProba' | 'transform' | 'inverseTransform';

/** Every {@link ApplyMethod}, in a stable order (for messages and loops). */
export const APPLY_METHODS: readonly ApplyMethod[] = [
  'predict',
  'decisionFunction',
  'predictProba',
  'predictLogProba',
  'transform',
  'inverseTransform',
];

/** Options of a lazy computation: where and how it runs (scheduler, memoryLimit, signal, callbacks). */
export type LazyOptions = ArrayComputeOptions;

/** Options every `partialFit` accepts (estimators add their own: `classes`, `prepared`…). */
export interface PartialFitOptions {
  readonly [option: string]: unknown;
}

/**
 * Trains incrementally, one block at a time (scikit-learn's `partial_fit`). Supervised estimators
 * (`requiresY`) take `(X, y, options)`, the others `(X, options)`: call it through
 * {@link partialFitBlock}, which knows which.
 */
export interface PartialFitter {
  partialFit(X: MatrixLike, yOrOptions?: VectorLike | PartialFitOptions, options?: PartialFitOptions): unknown;
}

/**
 * A block as the `est.prepareBlock` kernel hands it to its link: what the estimator's
 * `prepareBlock` returned (`hint` non-null: passed to partialFit as `prepared`), or the block
 * itself (`hint` null).
 */
export interface LinkBlock {
  readonly X: Block;
  readonly y: Block | null;
  readonly sampleWeight: Block | null;
  readonly hint: unknown;
}

/** Options of {@link BlockPreparer.prepareBlock}: partialFit's options, plus `recycle`. */
export interface PrepareOptions extends PartialFitOptions {
  /** The link releases the block once trained on ({@link BlockPreparer.releaseBlock}), so its memory may be reused. */
  readonly recycle?: boolean;
}

/**
 * Prepares a block for its partialFit ahead of the serial chain, on any worker: reads the block (a
 * read or a fused expression, given as an inline recipe) and puts it in the form partialFit trains
 * on fastest (SGD: rows in the visit order of the epoch's shuffle, in the WebAssembly memory the
 * epoch uses in place). Pure: it sees the hyperparameters only (the estimator it is called on is
 * unfitted). Returns null to hand the block on as it is.
 */
export interface BlockPreparer {
  prepareBlock(X: unknown, y: unknown, options: PrepareOptions): LinkBlock | null;
  /** The link is done with a prepared block: its memory may be reused for the next one on this thread. */
  releaseBlock?(hint: unknown): void;
  /** The chain has ended: memories kept for reuse are let go, on every thread. */
  retireBlocks?(): void;
}

/**
 * Applies a method to a whole block's row stream at once (e.g. linear models evaluate each tile of a
 * read or of the scaler's expression straight into their WebAssembly memory). Returns null where it
 * does not (another method, an expression it cannot take): the layer then applies the method tile
 * by tile.
 */
export interface RowApplier {
  applyRows(method: ApplyMethod, rows: RowStream): Block | null;
}

/** Fits itself on a lazy X (and y): scalers from one parallel pass of statistics, wrappers, pipelines. */
export interface LazyFitter {
  fitLazy(X: NDArray, y: NDArray | undefined, options: LazyOptions): Promise<unknown>;
}

/** Transforms a lazy X lazily: an elementwise expression the consumer fuses, or block by block. */
export interface LazyTransformer {
  transformLazy(X: NDArray): NDArray;
}

/**
 * Applies its methods and its score to a lazy X itself: wrappers (the wrapped estimator does the
 * block work) and pipelines (through their steps). The layer hands such an estimator the lazy X
 * rather than shipping the wrapper to every block.
 */
export interface LazyApplier {
  applyLazy(method: ApplyMethod, X: NDArray): NDArray;
  scoreLazy(X: NDArray, y: NDArray, options: LazyOptions): Promise<number>;
}

/** In-memory methods applied per block. */
export type Applier = Partial<Record<ApplyMethod, (X: MatrixLike) => DenseArray>>;

function hasMethod(est: unknown, name: string): boolean {
  return typeof est === 'object' && est !== null && typeof (est as Record<string, unknown>)[name] === 'function';
}

/** Whether `est` trains incrementally ({@link PartialFitter}). */
export function isPartialFitter<E extends BaseEstimator>(est: E): est is E & PartialFitter {
  return hasMethod(est, 'partialFit');
}

/** Whether `est` prepares blocks ahead of its chain ({@link BlockPreparer}). */
export function isBlockPreparer<E extends BaseEstimator>(est: E): est is E & BlockPreparer {
  return hasMethod(est, 'prepareBlock');
}

/** Whether `est` applies methods to whole row streams ({@link RowApplier}). */
export function isRowApplier<E extends BaseEstimator>(est: E): est is E & RowApplier {
  return hasMethod(est, 'applyRows');
}

/** Whether `est` fits on lazy arrays itself ({@link LazyFitter}). */
export function isLazyFitter<E extends BaseEstimator>(est: E): est is E & LazyFitter {
  return hasMethod(est, 'fitLazy');
}

/** Whether `est` transforms lazy arrays itself ({@link LazyTransformer}). */
export function isLazyTransformer<E extends BaseEstimator>(est: E): est is E & LazyTransformer {
  return hasMethod(est, 'transformLazy');
}

/** Whether `est` applies its methods to lazy arrays itself ({@link LazyApplier}). */
export function isLazyApplier<E extends BaseEstimator>(est: E): est is E & LazyApplier {
  return hasMethod(est, 'applyLazy');
}

/** Whether `est` has the in-memory method `method`. */
export function hasApplyMethod(est: BaseEstimator, method: ApplyMethod): boolean {
  return hasMethod(est, method);
}

/** What `est` is (see {@link EstimatorType}); wrappers and pipelines answer for what they hold. */
export function estimatorTypeOf(est: BaseEstimator): EstimatorType {
  return est.estimatorType;
}

/** Whether `est`'s fit and partialFit take y (scikit-learn's `requires_y` tag). */
export function requiresY(est: BaseEstimator): boolean {
  return est.requiresY;
}

/**
 * `est.partialFit` on one block, with y or without as the estimator declares
 * ({@link requiresY}): a supervised estimator without y, or an unsupervised one given y, is a
 * TypeError naming it.
 */
export function partialFitBlock(est: BaseEstimator & PartialFitter, X: MatrixLike, y: VectorLike | null, options: PartialFitOptions): void {
  if (est.requiresY) {
    if (y === null) throw new TypeError(`${est.estimatorName}.partialFit needs y (targets); none was given.`);
    est.partialFit(X, y, options);
  } else {
    est.partialFit(X, options);
  }
}

/**
 * `est[method](X)` in memory: the method through the {@link Applier} interface, or a TypeError
 * naming the estimator and the method it lacks.
 */
export function applyMethod(est: BaseEstimator, method: ApplyMethod, X: MatrixLike): DenseArray {
  const fn = (est as BaseEstimator & Applier)[method];
  if (typeof fn !== 'function') throw new TypeError(`${est.estimatorName} has no method '${method}'.`);
  return fn.call(est, X);
}

/** Fits in memory (scikit-learn's `fit`): `(X, y)` for supervised estimators, `(X)` otherwise. */
export interface Fitter {
  fit(X: MatrixLike, yOrOptions?: VectorLike | PartialFitOptions, options?: PartialFitOptions): unknown;
}

/** Scores in memory (accuracy, R², a clusterer's −inertia…), as scikit-learn's `score`. */
export interface Scorer {
  score(X: MatrixLike, y: VectorLike): number;
}

/** Whether `est` fits in memory ({@link Fitter}). */
export function isFitter<E extends BaseEstimator>(est: E): est is E & Fitter {
  return hasMethod(est, 'fit');
}

/** Whether `est` scores in memory ({@link Scorer}). */
export function isScorer<E extends BaseEstimator>(est: E): est is E & Scorer {
  return hasMethod(est, 'score');
}

/** `est.fit` in memory, with y or without as the estimator declares ({@link requiresY}). */
export function fitInMemory(est: BaseEstimator, X: MatrixLike, y: VectorLike | null): void {
  if (!isFitter(est)) throw new TypeError(`${est.estimatorName} has no fit method.`);
  if (est.requiresY) {
    if (y === null) throw new TypeError(`${est.estimatorName}.fit needs y (targets); none was given.`);
    est.fit(X, y);
  } else {
    est.fit(X);
  }
}
