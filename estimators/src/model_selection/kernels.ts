/**
 * Worker kernels of model selection (`ms.*`): the blockwise train/test split of lazy arrays, and the
 * search's fits. A search task rebuilds its estimator from a snapshot (by name: catalog.ts makes
 * every built-in estimator known here), takes its fold's rows from the shared X and y (a
 * SharedArrayBuffer: every task reads the same memory, nothing is copied between threads), fits,
 * scores and returns plain numbers — or, for a pipeline's prefix, the transformed rows, which the
 * candidates sharing that prefix all read.
 */
import { allocate, isBlock, materialize, type Block, type TypedArray } from '@tessera/array';
import { estimatorFromSnapshot, type EstimatorSnapshot } from '../base.js';
import { applyMethod, fitInMemory } from '../contract.js';
import { DenseArray } from '@tessera/array';
import { MsKernel, type MsKernelName } from './kernel_names.js';
import { getScorer } from './scoring.js';
import { gatherBlockRows, splitBlockRows } from './train_test_split.js';
import '../catalog.js';

/** A fold's rows of the shared X (C order, `cols` wide) or y. */
function rowsOf(data: TypedArray, cols: number, idx: Int32Array): Float64Array {
  const out = allocate('float64', idx.length * cols);
  if (cols === 1) for (let i = 0; i < idx.length; i++) out[i] = data[idx[i]!]!;
  else for (let i = 0; i < idx.length; i++) out.set(data.subarray(idx[i]! * cols, (idx[i]! + 1) * cols) as ArrayLike<number>, i * cols);
  return out;
}

/** The data every search task reads: X and y in shared memory, and the folds. */
export interface SearchData {
  readonly X: Block;
  readonly y: Block | null;
}

/** A fold: its train and test rows. */
export interface Fold {
  readonly train: Int32Array;
  readonly test: Int32Array;
}

/** What a prefix task hands the next step: the transformed rows of the fold, and what it cost. */
export interface PrefixOutput {
  readonly Xtrain: Block | null;
  readonly Xtest: Block | null;
  /** Seconds spent fitting the prefix (every step up to this one). */
  readonly fitTime: number;
  /** Seconds spent transforming the test rows (part of scoring, as in scikit-learn). */
  readonly scoreTime: number;
  /** The first error, when a step failed and errors are recorded rather than thrown. */
  readonly error: string | null;
  /** The fitted steps so far (small: their learned state), for a refit that reuses them. */
  readonly steps: readonly EstimatorSnapshot[];
}

/** What a fit-and-score task returns. */
export interface FitScoreOutput {
  readonly testScore: number;
  readonly trainScore: number;
  readonly fitTime: number;
  readonly scoreTime: number;
  readonly error: string | null;
}

function seconds(t0: number): number {
  return (performance.now() - t0) / 1000;
}

/** A C-order 2-D block over shared memory (a transform's output may sit on an ordinary buffer). */
function shared(a: DenseArray): Block {
  if (a.data.buffer instanceof SharedArrayBuffer) return { dtype: a.dtype, shape: a.shape, data: a.data };
  const data = allocate(a.dtype, a.data.length);
  data.set(a.data as never);
  return { dtype: a.dtype, shape: a.shape, data };
}

function matrix(b: Block | Float64Array, rows: number, cols: number): DenseArray {
  return isBlock(b) ? new DenseArray(b.data, b.shape) : new DenseArray(b, [rows, cols]);
}

function message(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/**
 * Fits one pipeline step (a transformer) on the fold's train rows — the raw rows, or the previous
 * prefix's output — and transforms the train and test rows with it. With `recordErrors`, a failure
 * is returned (and handed down the chain) instead of thrown.
 */
export function fitPrefixKernel(
  snapshot: EstimatorSnapshot,
  previous: PrefixOutput | null,
  data: SearchData,
  fold: Fold,
  recordErrors: boolean,
): PrefixOutput {
  if (previous !== null && previous.error !== null) return previous;
  const cols = data.X.shape[1]!;
  const t0 = performance.now();
  try {
    const est = estimatorFromSnapshot(snapshot);
    const Xtr = previous === null ? matrix(rowsOf(data.X.data, cols, fold.train), fold.train.length, cols) : matrix(previous.Xtrain!, 0, 0);
    const ytr = data.y === null ? null : rowsOf(data.y.data, 1, fold.train);
    fitInMemory(est, Xtr, ytr);
    const XtrOut = shared(applyMethod(est, 'transform', Xtr));
    const fitTime = (previous?.fitTime ?? 0) + seconds(t0);
    const t1 = performance.now();
    // No test rows: the refit's prefix, fitted on every row.
    let XteOut: Block | null = null;
    if (fold.test.length > 0) {
      const Xte = previous === null ? matrix(rowsOf(data.X.data, cols, fold.test), fold.test.length, cols) : matrix(previous.Xtest!, 0, 0);
      XteOut = shared(applyMethod(est, 'transform', Xte));
    }
    const steps = [...(previous?.steps ?? []), est.snapshot()];
    return { Xtrain: XtrOut, Xtest: XteOut, fitTime, scoreTime: (previous?.scoreTime ?? 0) + seconds(t1), error: null, steps };
  } catch (e) {
    if (!recordErrors) throw e;
    return {
      Xtrain: null,
      Xtest: null,
      fitTime: (previous?.fitTime ?? 0) + seconds(t0),
      steps: [],
      scoreTime: 0,
      error: `${snapshot.estimator}: ${message(e)}`,
    };
  }
}

/**
 * Fits one candidate on one fold and scores it on the test rows (and the train rows with
 * `trainScore`): the whole estimator on the raw rows, or a pipeline's final step on its prefix's
 * output. With `errorScore` a number, a failed fit or score gives that score and the error's text.
 */
export function fitScoreKernel(
  snapshot: EstimatorSnapshot,
  prefix: PrefixOutput | null,
  data: SearchData,
  fold: Fold,
  scoring: string | null,
  trainScore: boolean,
  errorScore: number | 'raise',
): FitScoreOutput {
  const failed = (error: string, fitTime: number): FitScoreOutput => ({
    testScore: errorScore as number,
    trainScore: errorScore as number,
    fitTime,
    scoreTime: 0,
    error,
  });
  if (prefix !== null && prefix.error !== null) return failed(prefix.error, prefix.fitTime);
  const cols = data.X.shape[1]!;
  const scorer = getScorer(scoring);
  const ytr = data.y === null ? null : rowsOf(data.y.data, 1, fold.train);
  const yte = data.y === null ? null : rowsOf(data.y.data, 1, fold.test);
  const Xtr = prefix === null ? matrix(rowsOf(data.X.data, cols, fold.train), fold.train.length, cols) : matrix(prefix.Xtrain!, 0, 0);
  const t0 = performance.now();
  const est = estimatorFromSnapshot(snapshot);
  try {
    fitInMemory(est, Xtr, ytr);
  } catch (e) {
    if (errorScore === 'raise') throw e;
    return failed(`${snapshot.estimator}: ${message(e)}`, (prefix?.fitTime ?? 0) + seconds(t0));
  }
  const fitTime = (prefix?.fitTime ?? 0) + seconds(t0);
  const t1 = performance.now();
  try {
    const Xte = prefix === null ? matrix(rowsOf(data.X.data, cols, fold.test), fold.test.length, cols) : matrix(prefix.Xtest!, 0, 0);
    const testScore = scorer.score(est, Xte, yte ?? new Float64Array(fold.test.length));
    const scoreTime = (prefix?.scoreTime ?? 0) + seconds(t1);
    const train = trainScore ? scorer.score(est, Xtr, ytr ?? new Float64Array(fold.train.length)) : Number.NaN;
    return { testScore, trainScore: train, fitTime, scoreTime, error: null };
  } catch (e) {
    if (errorScore === 'raise') throw e;
    return { ...failed(`${snapshot.estimator} (scoring): ${message(e)}`, fitTime) };
  }
}

/** One side of a lazy array's blockwise split, for block argument `X` (a read, an expression or a block). */
export function splitBlockKernel(X: unknown, seed: number, nTrain: number, nTest: number, part: 'train' | 'test'): Block {
  return splitBlockRows(materialize(X), seed, nTrain, nTest, part);
}

/** Rows of a lazy array gathered across its blocks (`blockwise: false`). */
export function gatherRowsKernel(blocks: readonly unknown[], offsets: readonly number[], idx: Int32Array): Block {
  return gatherBlockRows(
    blocks.map((b) => materialize(b)),
    offsets,
    idx,
  );
}

/** The table, keyed by {@link MsKernel}'s names. */
export const kernels = {
  [MsKernel.splitBlock]: splitBlockKernel,
  [MsKernel.gatherRows]: gatherRowsKernel,
  [MsKernel.fitPrefix]: fitPrefixKernel,
  [MsKernel.fitScore]: fitScoreKernel,
} satisfies Record<MsKernelName, unknown>;
