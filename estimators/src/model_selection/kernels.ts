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
import { Pipeline } from '../ooc/pipeline.js';
import { firstBest, getScorer, rankMin, rowStats } from './scoring.js';
import { gatherBlockRows, splitBlockArg } from './train_test_split.js';
import '../catalog.js';

/** Whether `idx` is 0, 1, …, n − 1 (the refit's "fold": every row in order). */
function isIdentity(idx: Int32Array, n: number): boolean {
  if (idx.length !== n) return false;
  for (let i = 0; i < n; i++) if (idx[i] !== i) return false;
  return true;
}

/**
 * A fold's rows of the shared X (C order, `cols` wide) or y: a copy, or X itself (a view, no copy)
 * when the fold is every row in order — the refit's — so fitting on all the rows does not copy X.
 */
function rowsOf(data: TypedArray, cols: number, idx: Int32Array): Float64Array {
  if (data instanceof Float64Array && isIdentity(idx, data.length / cols)) return data;
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

/** What a fit-and-score task returns: one test (and train) score per metric, in the order of `scorings`. */
export interface FitScoreOutput {
  readonly testScores: readonly number[];
  readonly trainScores: readonly number[];
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
 * `trainScore`) with every scorer of `scorings` (null: the estimator's own `score`): the whole
 * estimator on the raw rows, or a pipeline's final step on its prefix's output. With `errorScore`
 * a number, a failed fit or score gives that score for every metric and the error's text.
 */
export function fitScoreKernel(
  snapshot: EstimatorSnapshot,
  prefix: PrefixOutput | null,
  data: SearchData,
  fold: Fold,
  scorings: readonly (string | null)[],
  trainScore: boolean,
  errorScore: number | 'raise',
): FitScoreOutput {
  const failed = (error: string, fitTime: number): FitScoreOutput => ({
    testScores: scorings.map(() => errorScore as number),
    trainScores: scorings.map(() => errorScore as number),
    fitTime,
    scoreTime: 0,
    error,
  });
  if (prefix !== null && prefix.error !== null) return failed(prefix.error, prefix.fitTime);
  const cols = data.X.shape[1]!;
  const scorers = scorings.map((s) => getScorer(s));
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
    const yTest = yte ?? new Float64Array(fold.test.length);
    const testScores = scorers.map((s) => s.score(est, Xte, yTest));
    const scoreTime = (prefix?.scoreTime ?? 0) + seconds(t1);
    const yTrain = ytr ?? new Float64Array(fold.train.length);
    const trainScores = scorers.map((s) => (trainScore ? s.score(est, Xtr, yTrain) : Number.NaN));
    return { testScores, trainScores, fitTime, scoreTime, error: null };
  } catch (e) {
    if (errorScore === 'raise') throw e;
    return { ...failed(`${snapshot.estimator} (scoring): ${message(e)}`, fitTime) };
  }
}

/** What the refit task needs besides the scores: every candidate's (unfitted) snapshot and how to rank them. */
export interface RefitSpec {
  /** Each candidate's estimator with its parameters set, unfitted (an invalid one too: its refit fails as scikit-learn's). */
  readonly candidates: readonly EstimatorSnapshot[];
  /** Each candidate's pipeline-prefix token (null: not a pipeline), compared with `sharedToken`. */
  readonly prefixTokens: readonly (string | null)[];
  /** The token of the prefix fitted on all rows alongside the folds (null: none was). */
  readonly sharedToken: string | null;
  readonly nSplits: number;
  /** Which of the fits' metrics ranks the candidates (the index into `testScores`). */
  readonly metric: number;
}

/** The refit's result: the best candidate's index and its estimator fitted on every row. */
export interface RefitOutput {
  readonly index: number;
  readonly estimator: EstimatorSnapshot;
  /** Seconds the refit's fit took on its worker (the last step only, when the shared prefix was reused). */
  readonly fitTime: number;
}

/**
 * The refit, on a worker: picks the best candidate from the fits' outputs (the first of rank 1 on
 * the refit metric — the main thread's rule, the same arithmetic) or takes `index` (a refit
 * callable's choice, made on the main thread), then fits it on every row — the last step only on
 * the shared prefix's output when that candidate has that prefix (the same computation as fitting
 * the whole pipeline). Runs as soon as the last fit is scored, with no round trip to the main thread.
 */
export function refitKernel(
  spec: RefitSpec,
  outputs: readonly FitScoreOutput[] | null,
  index: number | null,
  prefix: PrefixOutput | null,
  data: SearchData,
): RefitOutput {
  let best = index;
  if (best === null) {
    if (outputs === null) throw new TypeError("ms.refit: give the fits' outputs or the index of the candidate to refit.");
    const scores = Float64Array.from(outputs, (o) => o.testScores[spec.metric]!);
    best = firstBest(rankMin(rowStats(scores, spec.nSplits).mean));
  }
  const snap = spec.candidates[best]!;
  const t0 = performance.now();
  const y = data.y === null ? null : (data.y.data as Float64Array);
  if (prefix !== null && prefix.error === null && spec.sharedToken !== null && spec.prefixTokens[best] === spec.sharedToken) {
    const unfitted = estimatorFromSnapshot(snap) as Pipeline;
    const steps = unfitted.steps.map(
      ([name, step], i) => [name, i < prefix.steps.length ? estimatorFromSnapshot(prefix.steps[i]!) : step] as const,
    );
    fitInMemory(steps[steps.length - 1]![1], matrix(prefix.Xtrain!, 0, 0), y);
    const pipe = new Pipeline(steps);
    const first = steps[0]![1].expectedInput();
    pipe.setState({ nFeaturesIn_: first === null ? data.X.shape[1]! : first.nFeatures });
    return { index: best, estimator: pipe.snapshot(), fitTime: seconds(t0) };
  }
  const est = estimatorFromSnapshot(snap);
  // X itself (shared memory), not a copy: the refit fits on every row in order.
  fitInMemory(est, matrix(data.X, 0, 0), y);
  return { index: best, estimator: est.snapshot(), fitTime: seconds(t0) };
}

/** One side of a lazy array's blockwise split, for block argument `X` (a read, an expression or a block). */
export function splitBlockKernel(X: unknown, seed: number, nTrain: number, nTest: number, part: 'train' | 'test'): Block {
  return splitBlockArg(X, seed, nTrain, nTest, part);
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
  [MsKernel.refit]: refitKernel,
} satisfies Record<MsKernelName, unknown>;
