/**
 * Training inputs of the GLMs, checked and put in the form the passes take: in memory, X as a
 * float64 matrix with y (1-D, or 2-D for several targets) and the sample weights; lazy, X, y and
 * the weights in the same blocks of whole rows. Everything that can be checked from shapes is
 * checked here, on the main thread, before any task runs.
 */
import { isBlock, type NDArray } from '@tessera/array';
import { InvalidInputError } from '../../errors.js';
import type { LazyOptions } from '../../contract.js';
import { isLazy, rowBlocks } from '../../ooc/lazy.js';
import { type MatrixLike, type VectorLike, checkArray, checkSampleWeight, checkVector } from '../../validation.js';
import { LazyPasses, MemoryPasses, SharedPasses } from './passes.js';

/** Options of the GLMs' in-memory `fit`. */
export interface GlmFitOptions {
  /** A weight per sample (scikit-learn's `sample_weight`). */
  readonly sampleWeight?: VectorLike;
}

/**
 * Options of the GLMs' in-memory `fit` on the worker threads: giving a `scheduler` asks for it
 * (the passes then run as tasks over the rows in shared memory, and `fit` returns a promise).
 */
export interface GlmParallelFitOptions extends LazyOptions {
  readonly scheduler: NonNullable<LazyOptions['scheduler']>;
  readonly sampleWeight?: VectorLike;
}

/** Whether in-memory `fit` options ask for the worker threads ({@link GlmParallelFitOptions}). */
export function isParallel(options: object): options is GlmParallelFitOptions {
  return (options as { scheduler?: unknown }).scheduler !== undefined;
}

/** The passes of checked in-memory inputs on `options`' scheduler (the rows shared with the workers). */
export function sharedPasses(inp: MemoryInputs, options: GlmParallelFitOptions): SharedPasses {
  const { sampleWeight: _w, ...run } = options;
  return new SharedPasses(inp.passes.X, inp.n, inp.d, inp.passes.y, inp.t, inp.passes.w, run);
}

/** Options of the GLMs' lazy `fit`: where it runs, and the sample weights as a lazy 1-D array. */
export interface GlmLazyFitOptions extends LazyOptions {
  readonly sampleWeight?: NDArray;
}

/** y as the estimators take it: 1-D, or 2-D (n × t) for several targets. */
export type TargetLike = VectorLike | readonly (readonly number[])[];

/** Checked in-memory inputs. */
export interface MemoryInputs {
  readonly passes: MemoryPasses;
  readonly n: number;
  readonly d: number;
  /** Targets per row (1 for 1-D y). */
  readonly t: number;
  /** Whether y was 2-D. */
  readonly multiOutput: boolean;
  readonly y: Float64Array;
}

/** X, y (1-D; or 2-D when `multiOutput`), weights — in memory (a lazy y beside them is refused). */
export function memoryInputs(
  caller: string,
  X: MatrixLike,
  y: TargetLike | NDArray,
  sampleWeight: VectorLike | undefined,
  multiOutput: boolean,
): MemoryInputs {
  if (isLazy(y)) throw new TypeError(`${caller}: y is a lazy array but X is not; pass both lazy or both in memory.`);
  const m = checkArray(X, { caller });
  let yv: Float64Array;
  let t = 1;
  let twoD = false;
  if (multiOutput && ((Array.isArray(y) && Array.isArray(y[0])) || (isBlock(y) && y.shape.length === 2))) {
    const ym = checkArray(y as MatrixLike, { caller, name: 'y' });
    if (ym.nSamples !== m.nSamples) {
      throw new InvalidInputError(
        `${caller}: found input variables with inconsistent numbers of samples: X has ${m.nSamples} rows but y has ${ym.nSamples}.`,
      );
    }
    yv = ym.data;
    t = ym.nFeatures;
    twoD = true;
  } else {
    yv = checkVector(y, m.nSamples, { caller, name: 'y' });
  }
  const w = sampleWeight === undefined || sampleWeight === null ? null : checkSampleWeight(sampleWeight, m.nSamples, caller);
  return { passes: new MemoryPasses(m.data, m.nSamples, m.nFeatures, yv, w), n: m.nSamples, d: m.nFeatures, t, multiOutput: twoD, y: yv };
}

/** Checked lazy inputs. */
export interface LazyInputs {
  readonly passes: LazyPasses;
  readonly X: NDArray;
  readonly y: NDArray;
  readonly n: number;
  readonly d: number;
  readonly t: number;
  readonly multiOutput: boolean;
}

/** `a` in X's row blocks (1-D, or 2-D with one column block). */
function aligned(X: NDArray, a: NDArray, caller: string, name: string, twoD: boolean): NDArray {
  if (!isLazy(a)) throw new TypeError(`${caller}: X is a lazy array, so ${name} must be one too (an NDArray).`);
  if (a.ndim !== 1 && !(twoD && a.ndim === 2)) {
    throw new RangeError(`${caller}: ${name} must be ${twoD ? '1-D or 2-D' : '1-D'}; got shape [${a.shape.join(', ')}].`);
  }
  if (a.shape[0] !== X.shape[0]) {
    throw new InvalidInputError(
      `${caller}: X has ${X.shape[0]} rows but ${name} has ${a.shape[0]}; they must have the same number of samples.`,
    );
  }
  const rows = X.chunks[0]!;
  if (a.ndim === 1) return a.chunks[0]!.join() === rows.join() ? a : a.rechunk([rows]);
  return a.chunks[0]!.join() === rows.join() && a.numBlocks[1] === 1 ? a : a.rechunk([rows, [a.shape[1]!]]);
}

/** X, y, weights — lazy, in X's row blocks. */
export function lazyInputs(
  caller: string,
  X: NDArray,
  y: NDArray | undefined,
  options: GlmLazyFitOptions,
  multiOutput: boolean,
): LazyInputs {
  if (y === undefined) throw new TypeError(`${caller} needs y (targets); none was given.`);
  const Xr = rowBlocks(X, caller);
  if (Xr.shape[0] === 0) throw new InvalidInputError(`${caller}: found array X with 0 samples, while a minimum of 1 is required.`);
  if (Xr.shape[1] === 0) throw new InvalidInputError(`${caller}: found array X with 0 features, while a minimum of 1 is required.`);
  const yr = aligned(Xr, y, caller, 'y', multiOutput);
  const { sampleWeight, ...run } = options;
  const w = sampleWeight === undefined || sampleWeight === null ? null : aligned(Xr, sampleWeight, caller, 'sampleWeight', false);
  const t = yr.ndim === 2 ? yr.shape[1]! : 1;
  return { passes: new LazyPasses(Xr, yr, w, run), X: Xr, y: yr, n: Xr.shape[0]!, d: Xr.shape[1]!, t, multiOutput: yr.ndim === 2 };
}
