/**
 * Worker kernels of the adaptive searches (`search.*`). Each model's partialFit calls and its
 * held-out score are tasks of their own, so many models train at once on every worker; a block
 * reaches them as one task's result, read once and shared by every model that trains on it in a
 * round.
 */
import { allocate, isBlock, materialize, type Block } from '@tessera/array';
import { estimatorFromSnapshot, type EstimatorSnapshot } from '../../base.js';
import { applyMethod, isScorer } from '../../contract.js';
import { partialFitLink } from '../../ooc/kernels.js';
import { Random } from '../../random.js';
import { accuracyScore, logLoss, meanSquaredError, r2Score } from '../../metrics.js';
import { SearchKernel, type SearchKernelName } from './kernel_names.js';
import '../../catalog.js';

/** Rows of a block: a training block for a partialFit call, or the held-out rows. */
export interface RowsPart {
  readonly X: Block;
  readonly y: Block | null;
}

function isRowsPart(v: unknown): v is RowsPart {
  return typeof v === 'object' && v !== null && !isBlock(v) && isBlock((v as { X?: unknown }).X);
}

/**
 * One partialFit call: `X` is a block (then `y` its targets) or a {@link RowsPart}. A block
 * without rows is skipped — the call still counts, as in dask-ml's `_partial_fit`.
 */
export function searchPartialFit(snapshot: EstimatorSnapshot, X: unknown, y: unknown, options: Record<string, unknown>): EstimatorSnapshot {
  const part: RowsPart = isRowsPart(X) ? X : { X: materialize(X), y: y === null || y === undefined ? null : materialize(y) };
  if (part.X.shape[0] === 0) return snapshot;
  return partialFitLink(snapshot, part.X, part.y, options);
}

/** Scoring names a search accepts (scikit-learn's scorer names); null: the estimator's own `score`. */
export const SCORERS = ['accuracy', 'r2', 'neg_mean_squared_error', 'neg_log_loss'] as const;

/** One of {@link SCORERS}. */
export type ScorerName = (typeof SCORERS)[number];

/**
 * The score of the model in `snapshot` on the held-out rows, as `scoring` defines it (null: the
 * estimator's `score`: accuracy for classifiers, R² for regressors). Higher is better.
 */
export function searchScore(snapshot: EstimatorSnapshot, X: Block, y: Block, scoring: ScorerName | null): number {
  const est = estimatorFromSnapshot(snapshot);
  const yt = y.data;
  switch (scoring) {
    case null:
      if (!isScorer(est)) throw new TypeError(`${est.estimatorName} has no score method; give the search a 'scoring'.`);
      return est.score(X, yt as Float64Array);
    case 'accuracy':
      return accuracyScore(yt as Float64Array, applyMethod(est, 'predict', X).data as Float64Array);
    case 'r2':
      return r2Score(yt as Float64Array, applyMethod(est, 'predict', X).data as Float64Array);
    case 'neg_mean_squared_error':
      return -meanSquaredError(yt as Float64Array, applyMethod(est, 'predict', X).data as Float64Array);
    case 'neg_log_loss': {
      const classes = (est.getState() as Record<string, unknown>)['classes_'];
      const labels = isBlock(classes) ? (classes.data as Float64Array) : undefined;
      return -logLoss(yt as Float64Array, applyMethod(est, 'predictProba', X), labels === undefined ? {} : { labels });
    }
  }
}

/**
 * The training (`part: 'train'`) or held-out (`'test'`) rows of one block, as a blockwise
 * `train_test_split` draws them: a seeded permutation of the block's rows, the first `nTest`
 * held out, in permutation order.
 */
export function splitBlockKernel(X: unknown, y: unknown, seed: number, nTest: number, part: 'train' | 'test'): RowsPart {
  const xb = materialize(X);
  const yb = y === null || y === undefined ? null : materialize(y);
  const n = xb.shape[0]!;
  const cols = xb.shape.length === 2 ? xb.shape[1]! : 1;
  const perm = new Random(seed).shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const rows = part === 'test' ? perm.subarray(0, nTest) : perm.subarray(nTest);
  const xs = allocate(xb.dtype, rows.length * cols);
  for (let r = 0; r < rows.length; r++) xs.set(xb.data.subarray(rows[r]! * cols, (rows[r]! + 1) * cols) as never, r * cols);
  let ys: Block | null = null;
  if (yb !== null) {
    const yd = allocate(yb.dtype, rows.length);
    for (let r = 0; r < rows.length; r++) yd[r] = yb.data[rows[r]!]!;
    ys = { dtype: yb.dtype, shape: [rows.length], data: yd };
  }
  return { X: { dtype: xb.dtype, shape: xb.shape.length === 2 ? [rows.length, cols] : [rows.length], data: xs }, y: ys };
}

/** The table, keyed by {@link SearchKernel}'s names. */
export const kernels = {
  [SearchKernel.partialFit]: searchPartialFit,
  [SearchKernel.score]: searchScore,
  [SearchKernel.splitBlock]: splitBlockKernel,
} satisfies Record<SearchKernelName, unknown>;
