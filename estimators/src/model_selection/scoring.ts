/**
 * Scorers by scikit-learn's names (`sklearn.metrics.get_scorer`), over the metrics of metrics.ts:
 * what `scoring` in the searches names. A scorer is found by name on every thread, so a task
 * carries the name only. Greater is better: losses are negated (`neg_…`), as in scikit-learn.
 */
import { isBlock, type DenseArray } from '@tessera/array';
import type { BaseEstimator } from '../base.js';
import { applyMethod, hasApplyMethod, isScorer } from '../contract.js';
import { ParameterRangeError, ParameterTypeError, describeValue } from '../errors.js';
import { accuracyScore, logLoss, meanSquaredError, r2Score, rocAucScore } from '../metrics.js';
import type { MatrixLike, VectorLike } from '../validation.js';

/** A scorer: `score(estimator, X, y)`, greater is better. */
export interface SearchScorer {
  /** scikit-learn's name, or `'score'` for the estimator's own `score` method. */
  readonly name: string;
  score(est: BaseEstimator, X: MatrixLike, y: VectorLike): number;
}

/** The probability of the positive class (the second column) for a binary y, the matrix otherwise (scikit-learn's `_select_proba_binary`). */
function probaFor(y: VectorLike, P: DenseArray): DenseArray | Float64Array {
  if (distinct(y) <= 2 && P.shape.length === 2 && P.shape[1] === 2) {
    const n = P.shape[0]!;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = P.data[2 * i + 1]!;
    return out;
  }
  return P;
}

function distinct(y: VectorLike): number {
  const data = isBlock(y) ? y.data : y;
  return new Set(Array.from(data as ArrayLike<number>)).size;
}

const predict = (est: BaseEstimator, X: MatrixLike) => applyMethod(est, 'predict', X);

/** The scorers by name. */
const SCORERS: Readonly<Record<string, (est: BaseEstimator, X: MatrixLike, y: VectorLike) => number>> = {
  accuracy: (est, X, y) => accuracyScore(y, predict(est, X)),
  r2: (est, X, y) => r2Score(y, predict(est, X)),
  neg_mean_squared_error: (est, X, y) => -meanSquaredError(y, predict(est, X)),
  neg_root_mean_squared_error: (est, X, y) => -meanSquaredError(y, predict(est, X), { squared: false }),
  neg_log_loss: (est, X, y) => -logLoss(y, probaFor(y, applyMethod(est, 'predictProba', X))),
  // A threshold scorer: the decision function when there is one, else the positive class's probability.
  roc_auc: (est, X, y) => {
    if (distinct(y) > 2) throw new RangeError("roc_auc: the 'multiclass' format is not supported; use 'roc_auc_ovr'.");
    if (est.estimatorType === 'regressor') return rocAucScore(y, predict(est, X));
    const s = hasApplyMethod(est, 'decisionFunction')
      ? applyMethod(est, 'decisionFunction', X)
      : probaFor(y, applyMethod(est, 'predictProba', X));
    return rocAucScore(y, s);
  },
  roc_auc_ovr: (est, X, y) => rocAucScore(y, probaFor(y, applyMethod(est, 'predictProba', X)), { multiClass: 'ovr' }),
};

/** The names `scoring` accepts. */
export const SCORER_NAMES: readonly string[] = Object.keys(SCORERS);

/**
 * The scorer named `scoring` (scikit-learn's `get_scorer`), or for null the estimator's own
 * `score` (a TypeError naming the estimator when it has none). `caller` names the search in
 * messages.
 */
export function getScorer(scoring: string | null, caller = 'getScorer', est?: BaseEstimator): SearchScorer {
  if (scoring === null || scoring === undefined) {
    if (est !== undefined && !isScorer(est)) {
      throw new TypeError(`${caller}: ${est.estimatorName} has no score method; pass scoring (one of ${SCORER_NAMES.join(', ')}).`);
    }
    return {
      name: 'score',
      score: (e, X, y) => {
        if (!isScorer(e)) throw new TypeError(`${e.estimatorName} has no score method.`);
        return e.score(X, y);
      },
    };
  }
  if (typeof scoring !== 'string') {
    throw new ParameterTypeError(
      `The 'scoring' parameter of ${caller} must be null or a string among ${SCORER_NAMES.map((s) => `'${s}'`).join(', ')}. Got ${describeValue(scoring)} instead.`,
      caller,
      'scoring',
      scoring,
    );
  }
  const fn = SCORERS[scoring];
  if (fn === undefined) {
    throw new ParameterRangeError(
      `The 'scoring' parameter of ${caller} must be null or a string among ${SCORER_NAMES.map((s) => `'${s}'`).join(', ')}. Got '${scoring}' instead.`,
      caller,
      'scoring',
      scoring,
    );
  }
  return { name: scoring, score: fn };
}
