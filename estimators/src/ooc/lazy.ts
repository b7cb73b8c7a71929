/**
 * Estimators on lazy arrays: the graph builders behind `fit`, `predict`, `transform` and `score`
 * when X is an {@link NDArray}. Every function here builds tasks from `est.*` kernels
 * (ooc/kernels.ts) and runs them, or returns a lazy array for the caller to compute or store.
 */
import { Graph, ref } from '@tessera/scheduler';
import { NDArray, buildGraph, mapBlocks, tokenize, type DType } from '@tessera/array';
import { compute } from '@tessera/scheduler';
import type { BaseEstimator, EstimatorSnapshot } from '../base.js';
import type { ApplyMethod, LazyOptions } from '../contract.js';
import type { Moments } from '../preprocessing/moments.js';
import { checkFeatureCount } from '../validation.js';
import type { Extrema, ScoreParts } from './kernels.js';
import { EstKernel, type EstKernelName } from './kernel_names.js';

export type { LazyOptions } from '../contract.js';

/** Whether `x` is a lazy chunked array. */
export function isLazy(x: unknown): x is NDArray {
  return x instanceof NDArray;
}

/** X as a 2-D lazy array with one block along the columns (blocks of whole rows). */
export function rowBlocks(X: NDArray, caller: string): NDArray {
  if (X.ndim !== 2) throw new RangeError(`${caller}: X must be a 2-D array of samples × features; got shape [${X.shape.join(', ')}].`);
  return X.numBlocks[1] === 1 ? X : X.rechunk([X.chunks[0]!, [X.shape[1]!]]);
}

/**
 * Throws InvalidInputError ("X has 6 features, but StandardScaler is expecting 5 features as
 * input.") when a lazy X's width is not what the fitted `est` expects (see
 * {@link BaseEstimator.expectedInput}): checked on the main thread from X's shape, before a graph
 * is built, so no task ever meets the mismatch.
 */
export function checkLazyInput(est: BaseEstimator, X: NDArray): void {
  const e = est.expectedInput();
  if (e !== null && X.ndim === 2) checkFeatureCount(e.estimator, e.nFeatures, X.shape[1]!);
}

/**
 * Runs `f`; when `lazy` (the caller's API returns a promise for lazy input), a synchronous
 * failure becomes a rejected promise, as promise APIs here report errors.
 */
export function rejecting<T>(lazy: boolean, f: () => T): T | Promise<never> {
  if (!lazy) return f();
  try {
    return f();
  } catch (e) {
    return Promise.reject(e);
  }
}

/** y lined up with X's row blocks. */
export function alignedTarget(X: NDArray, y: NDArray, caller: string): NDArray {
  if (y.ndim !== 1) throw new RangeError(`${caller}: y must be 1-D; got shape [${y.shape.join(', ')}].`);
  if (y.shape[0] !== X.shape[0]) {
    throw new RangeError(`${caller}: X has ${X.shape[0]} rows but y has ${y.shape[0]}; they must have the same number of samples.`);
  }
  return y.chunks[0]!.join() === X.chunks[0]!.join() ? y : y.rechunk([X.chunks[0]!]);
}

const FAN_IN = 8;

/** Adds a tree of `combine` tasks over `keys` and returns the root key. */
export function treeReduce(g: Graph, keys: string[], combine: EstKernelName, prefix: string): string {
  let level = keys;
  for (let depth = 0; level.length > 1 || depth === 0; depth++) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += FAN_IN) {
      const key = `${prefix}-combine-${depth}-${i / FAN_IN}`;
      g.add(key, combine, [level.slice(i, i + FAN_IN).map((k) => ref(k))]);
      next.push(key);
    }
    level = next;
  }
  return level[0]!;
}

async function reduceBlocks<T>(X: NDArray, kernel: EstKernelName, combine: EstKernelName, label: string, options: LazyOptions): Promise<T> {
  const Xr = rowBlocks(X, label);
  const g = buildGraph([Xr]);
  const name = `${label}-${tokenize(label, Xr.name)}`;
  const keys: string[] = [];
  for (let i = 0; i < Xr.numBlocks[0]!; i++) {
    const key = `${name}-block-${i}`;
    // The kernel streams the block argument (a read or an expression is consumed tile by tile).
    g.add(key, kernel, [Xr.blockArg(i, 0)]);
    keys.push(key);
  }
  const root = treeReduce(g, keys, combine, name);
  const out = await compute(g, [root], options);
  return out[root] as T;
}

/** Column moments of a lazy X in one parallel pass (Chan's combine over blocks). */
export function lazyMoments(X: NDArray, options: LazyOptions = {}): Promise<Moments> {
  return reduceBlocks<Moments>(X, EstKernel.moments, EstKernel.combineMoments, 'moments', options);
}

/** Column extrema of a lazy X in one parallel pass. */
export function lazyExtrema(X: NDArray, options: LazyOptions = {}): Promise<Extrema> {
  return reduceBlocks<Extrema>(X, EstKernel.extrema, EstKernel.combineExtrema, 'extrema', options);
}

/** `est[method]` applied block by block: a lazy array with X's row blocks. */
export function lazyMethod(est: BaseEstimator, X: NDArray, method: ApplyMethod, width: number | null, dtype: DType = 'float64'): NDArray {
  const Xr = rowBlocks(X, `${est.estimatorName}.${method}`);
  // inverseTransform takes the transform's output, whose width the estimator checks itself.
  if (method !== 'inverseTransform') checkLazyInput(est, Xr);
  const snapshot: EstimatorSnapshot = est.snapshot();
  const chunks = width === null ? [Xr.chunks[0]!] : [Xr.chunks[0]!, [width]];
  // streaming: the kernel receives inline recipes (a read, the scaler's expression) and
  // evaluates them itself, so profiles show 'est.apply' rather than a generic wrapper.
  return mapBlocks(EstKernel.apply, [Xr], {
    dtype,
    chunks,
    args: [snapshot, method],
    name: `${est.estimatorName}-${method}`,
    streaming: true,
  });
}

/**
 * What `score` means for `est` on lazy data, from its declared type: accuracy for classifiers, R²
 * for regressors; anything else is a TypeError naming it.
 */
export function scoreKind(est: BaseEstimator): 'accuracy' | 'r2' {
  const t = est.estimatorType;
  if (t === 'classifier') return 'accuracy';
  if (t === 'regressor') return 'r2';
  throw new TypeError(
    `${est.estimatorName}.score on lazy arrays is defined for classifiers (accuracy) and regressors (R²); ${est.estimatorName} is a ${t}.`,
  );
}

/** Accuracy (classifiers) or R² (regressors) over lazy X and y, without gathering X. */
export async function lazyScore(est: BaseEstimator, X: NDArray, y: NDArray, options: LazyOptions = {}): Promise<number> {
  const kind = scoreKind(est);
  const Xr = rowBlocks(X, `${est.estimatorName}.score`);
  checkLazyInput(est, Xr);
  const yr = alignedTarget(Xr, y, `${est.estimatorName}.score`);
  const g = buildGraph([Xr, yr]);
  const snapshot = est.snapshot();
  const name = `score-${tokenize('score', Xr.name, yr.name, kind)}`;
  const keys: string[] = [];
  for (let i = 0; i < Xr.numBlocks[0]!; i++) {
    const key = `${name}-block-${i}`;
    // The kernel reads / evaluates inline block recipes itself.
    g.add(key, EstKernel.scoreParts, [Xr.blockArg(i, 0), yr.blockArg(i), snapshot, kind]);
    keys.push(key);
  }
  const root = treeReduce(g, keys, EstKernel.combineScore, name);
  const p = (await compute(g, [root], options))[root] as ScoreParts;
  if (kind === 'accuracy') return p.correct / p.n;
  const ssTot = p.sumY2 - (p.sumY * p.sumY) / p.n;
  return ssTot === 0 ? (p.sse === 0 ? 1 : 0) : 1 - p.sse / ssTot;
}
