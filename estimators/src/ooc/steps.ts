/**
 * How a pipeline step meets a lazy array, through the out-of-core contract (contract.ts) only: a
 * step fits a lazy X itself when it is a {@link LazyFitter} (scalers from one parallel pass of
 * statistics, IncrementalPCA as a partialFit chain, wrappers, pipelines) and transforms it as a
 * {@link LazyTransformer} (an elementwise expression fused into whatever consumes it) or, failing
 * that, block by block with its in-memory `transform`.
 */
import type { NDArray } from '@tessera/array';
import type { BaseEstimator } from '../base.js';
import { isLazyApplier, isLazyFitter, isLazyTransformer, type LazyOptions } from '../contract.js';
import { checkLazyInput, lazyMethod } from './lazy.js';

/** The message for an estimator that cannot fit a lazy array itself. */
export function wrapItMessage(est: BaseEstimator): string {
  return (
    `${est.estimatorName} cannot be fitted on a lazy array directly. Wrap it in Incremental (partialFit block by block) ` +
    `or ParallelPostFit (fit in memory, predict in parallel).`
  );
}

/**
 * Throws the error {@link fitStep} would, before anything runs: when `est` cannot be fitted on a
 * lazy array, or (`transforms`: not the last step of a pipeline) has no transform. Pipelines call
 * it for every step on the main thread, so a bad last step fails before the first step's tasks.
 */
export function checkLazyStep(est: BaseEstimator, transforms: boolean): void {
  if (!isLazyFitter(est)) throw new TypeError(wrapItMessage(est));
  const culprit = transforms ? est.lacking('transform') : null;
  if (culprit !== null)
    throw new TypeError(`${culprit.estimatorName} has no transform; only the last step of a pipeline may be a predictor.`);
}

/** Fits one step on lazy X (and y). */
export async function fitStep(est: BaseEstimator, X: NDArray, y: NDArray | undefined, options: LazyOptions): Promise<void> {
  if (!isLazyFitter(est)) throw new TypeError(wrapItMessage(est));
  await est.fitLazy(X, y, options);
}

/**
 * Transforms lazy X with a fitted step: lazily, fused where possible. X's width is checked against
 * the step first ("X has 6 features, but StandardScaler is expecting 5 features as input."), so a
 * mismatch fails here rather than as a broadcast error or inside a task.
 */
export function transformStep(est: BaseEstimator, X: NDArray): NDArray {
  checkLazyInput(est, X);
  if (isLazyTransformer(est)) return est.transformLazy(X);
  if (isLazyApplier(est)) return est.applyLazy('transform', X);
  if (est.supports('transform')) return lazyMethod(est, X, 'transform', est.outputWidth('transform'));
  throw new TypeError(`${est.estimatorName} has no transform; only the last step of a pipeline may be a predictor.`);
}
