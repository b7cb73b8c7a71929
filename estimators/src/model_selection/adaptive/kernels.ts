/**
 * Worker kernels of the adaptive searches (`search.*`). Each model's partialFit calls and its
 * held-out score are tasks of their own, so many models train at once on every worker; a training
 * block reaches them as one task's result (the blockwise split's), read once and shared by every
 * model that trains on it in a round.
 */
import { materialize, type Block } from '@tessera/array';
import { estimatorFromSnapshot, type EstimatorSnapshot } from '../../base.js';
import { partialFitLink } from '../../ooc/kernels.js';
import { getScorer } from '../scoring.js';
import { SearchKernel, type SearchKernelName } from './kernel_names.js';
import '../../catalog.js';

/**
 * One partialFit call of one model on one training block (`y` its targets). A block without rows
 * is skipped — the call still counts, as in dask-ml's `_partial_fit`.
 */
export function searchPartialFit(snapshot: EstimatorSnapshot, X: unknown, y: unknown, options: Record<string, unknown>): EstimatorSnapshot {
  const xb = materialize(X);
  if (xb.shape[0] === 0) return snapshot;
  return partialFitLink(snapshot, xb, y === null || y === undefined ? null : materialize(y), options);
}

/**
 * The score of the model in `snapshot` on the held-out rows, with the scorer `scoring` names
 * (scikit-learn's names; null: the estimator's own `score` — accuracy for classifiers, R² for
 * regressors). Greater is better.
 */
export function searchScore(snapshot: EstimatorSnapshot, X: Block, y: Block, scoring: string | null): number {
  const est = estimatorFromSnapshot(snapshot);
  return getScorer(scoring, 'search', est).score(est, X, y);
}

/** The table, keyed by {@link SearchKernel}'s names. */
export const kernels = {
  [SearchKernel.partialFit]: searchPartialFit,
  [SearchKernel.score]: searchScore,
} satisfies Record<SearchKernelName, unknown>;
