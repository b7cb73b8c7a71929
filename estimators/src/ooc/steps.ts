/**
 * How a pipeline step meets a lazy array: `fitStep` and `transformStep` dispatch on what the
 * estimator is. Scalers fit from one parallel pass of block statistics and transform as an
 * elementwise expression (fused into whatever consumes it); wrappers and pipelines handle lazy
 * input themselves; any other transformer is applied block by block.
 */
import { DenseArray, computeAll, type NDArray } from '@tessera/array';
import type { BaseEstimator } from '../base.js';
import { isEstimator } from '../registry.js';
import { MaxAbsScaler, MinMaxScaler, StandardScaler } from '../preprocessing/scalers.js';
import { checkLazyInput, lazyExtrema, lazyMethod, lazyMoments, type LazyOptions } from './lazy.js';

/** Estimators that fit and transform lazy arrays themselves (Incremental, ParallelPostFit, Pipeline). */
export interface LazyAware {
  fitLazy(X: NDArray, y: NDArray | undefined, options: LazyOptions): Promise<unknown>;
  transformLazy?(X: NDArray): NDArray;
}

export function isLazyAware(est: unknown): est is BaseEstimator & LazyAware {
  return typeof (est as Partial<LazyAware>).fitLazy === 'function';
}

/** Scalers fit from one pass of block statistics; see {@link fitStep}. */
function fitsFromStatistics(est: BaseEstimator): boolean {
  return est instanceof StandardScaler || est instanceof MinMaxScaler || est instanceof MaxAbsScaler;
}

/**
 * Throws the error {@link fitStep} would, before anything runs: when `est` cannot be fitted on a
 * lazy array, or (`transforms`: not the last step of a pipeline) has no transform. Pipelines call
 * it for every step on the main thread, so a bad last step fails before the first step's tasks.
 */
export function checkLazyStep(est: BaseEstimator, transforms: boolean): void {
  if (!isLazyAware(est) && !fitsFromStatistics(est)) {
    throw new TypeError(
      `${est.estimatorName} cannot be fitted on a lazy array directly. Wrap it in Incremental (partialFit block by block) ` +
        `or ParallelPostFit (fit in memory, predict in parallel).`,
    );
  }
  const without = transforms ? withoutTransform(est) : null;
  if (without !== null) throw new TypeError(`${without.estimatorName} has no transform; only the last step of a pipeline may be a predictor.`);
}

/** The estimator that lacks a transform, looking through wrappers (their `estimator`) and pipelines (their last step); null if none. */
function withoutTransform(est: BaseEstimator): BaseEstimator | null {
  const inner = (est as unknown as { estimator?: unknown }).estimator;
  if (isLazyAware(est) && isEstimator(inner)) return withoutTransform(inner);
  const steps = (est as unknown as { steps?: unknown }).steps;
  if (isLazyAware(est) && Array.isArray(steps) && steps.length > 0 && isEstimator((steps[steps.length - 1] as unknown[])[1])) {
    return withoutTransform((steps[steps.length - 1] as [string, BaseEstimator])[1]);
  }
  return typeof (est as unknown as { transform?: unknown }).transform === 'function' ? null : est;
}

/** Fits one step on lazy X (and y). */
export async function fitStep(est: BaseEstimator, X: NDArray, y: NDArray | undefined, options: LazyOptions): Promise<void> {
  if (isLazyAware(est)) {
    await est.fitLazy(X, y, options);
    return;
  }
  if (est instanceof StandardScaler) {
    // Column mean and variance in one parallel pass (the array reductions share their per-block
    // (count, mean, M2) partials and combine them with Chan's formula).
    const [mean, variance] = await computeAll([X.mean(0), X.var(0)], options);
    if (!allFinite(mean!.data) || !allFinite(variance!.data)) await lazyMoments(X, options); // names the block, row and column
    const n = X.shape[0]!;
    const m2 = Float64Array.from(variance!.data as ArrayLike<number>, (v) => v * n);
    const fresh = est.clone().partialFitMoments({ count: n, mean: Float64Array.from(mean!.data as ArrayLike<number>), m2 });
    est.setState(fresh.getState());
    return;
  }
  if (est instanceof MinMaxScaler || est instanceof MaxAbsScaler) {
    const e = await lazyExtrema(X, options);
    const d = e.min.length;
    const rows = DenseArray.zeros([2, d]);
    rows.data.set(e.min, 0);
    rows.data.set(e.max, d);
    const fresh = est.clone().partialFit(rows);
    est.setState({ ...fresh.getState(), nSamplesSeen_: e.count });
    return;
  }
  throw new TypeError(
    `${est.estimatorName} cannot be fitted on a lazy array directly. Wrap it in Incremental (partialFit block by block) ` +
      `or ParallelPostFit (fit in memory, predict in parallel).`,
  );
}

function allFinite(a: ArrayLike<number>): boolean {
  for (let j = 0; j < a.length; j++) if (!Number.isFinite(a[j]!)) return false;
  return true;
}

/**
 * Transforms lazy X with a fitted step: lazily, fused where possible. X's width is checked against
 * the step first ("X has 6 features, but StandardScaler is expecting 5 features as input."), so a
 * mismatch fails here rather than as a broadcast error or inside a task.
 */
export function transformStep(est: BaseEstimator, X: NDArray): NDArray {
  checkLazyInput(est, X);
  if (isLazyAware(est) && est.transformLazy) return est.transformLazy(X);
  if (est instanceof StandardScaler) {
    let out = X;
    if (est.withMean && est.mean_ !== null) out = out.sub(est.mean_);
    if (est.withStd && est.scale_ !== null) out = out.div(est.scale_);
    return out === X ? X.astype('float64') : out;
  }
  if (est instanceof MinMaxScaler) {
    const out = X.mul(est.scale_).add(est.min_);
    return est.clip ? out.clip(est.featureRange[0], est.featureRange[1]) : out;
  }
  if (est instanceof MaxAbsScaler) return X.div(est.scale_);
  if (typeof (est as unknown as { transform?: unknown }).transform === 'function') {
    return lazyMethod(est, X, 'transform', outputWidth(est, 'transform'));
  }
  throw new TypeError(`${est.estimatorName} has no transform; only the last step of a pipeline may be a predictor.`);
}

/**
 * Columns of `est[method]`'s output for one row, or null for a 1-D output: classes for
 * probabilities, components or clusters for transforms, features otherwise.
 */
export function outputWidth(est: BaseEstimator, method: string): number | null {
  const s = est.getState() as Record<string, unknown>;
  const classes = s['classes_'] as { shape: readonly number[] } | undefined;
  if (method === 'predict') return null;
  if (method === 'predictProba' || method === 'predictLogProba') return classes ? classes.shape[0]! : null;
  if (method === 'decisionFunction') {
    if (!classes) return null;
    return classes.shape[0]! <= 2 ? null : classes.shape[0]!;
  }
  if (method === 'inverseTransform') return s['nFeaturesIn_'] as number;
  const comps = (s['components_'] ?? s['clusterCenters_']) as { shape: readonly number[] } | undefined;
  if (comps) return comps.shape[0]!;
  return s['nFeaturesIn_'] as number;
}
