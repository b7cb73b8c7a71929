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

/** `scoring` as a search takes it: one scorer's name (or null: the estimator's `score`), several names, or `{ key: name }`. */
export type ScoringSpec = string | null | readonly string[] | Readonly<Record<string, string>>;

/** One metric of a search: the key it is reported under (`'score'` for a single metric) and its scorer. */
export interface SearchMetric {
  /** The metric's key: its name in a list, the object's key, or `'score'` for a single scorer. */
  readonly key: string;
  /** The `cvResults_` column suffix: the key camel-cased ({@link metricColumn}), `'Score'` for a single scorer. */
  readonly column: string;
  readonly scorer: SearchScorer;
}

/**
 * The `cvResults_` spelling of a metric key: scikit-learn's `mean_test_<key>` becomes
 * `meanTest<Column>`, where the column is the key camel-cased — split at `_`, each part's first
 * letter capitalised, joined: `accuracy` → `Accuracy`, `neg_log_loss` → `NegLogLoss`, `myAcc` → `MyAcc`.
 */
export function metricColumn(key: string): string {
  return key
    .split('_')
    .filter((p) => p !== '')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

/**
 * The metrics of `scoring` (scikit-learn's `check_scoring` / `_check_multimetric_scoring`): a string
 * or null gives one metric keyed `'score'`; an array of distinct scorer names or an object of
 * `{ key: scorer name }` gives several (`multimetric`). Errors name the `scoring` parameter.
 */
export function checkScoring(scoring: ScoringSpec, caller: string, est?: BaseEstimator): { multimetric: boolean; metrics: SearchMetric[] } {
  if (scoring === null || scoring === undefined || typeof scoring === 'string') {
    return { multimetric: false, metrics: [{ key: 'score', column: 'Score', scorer: getScorer(scoring ?? null, caller, est) }] };
  }
  const bad = (why: string, cls: typeof ParameterTypeError | typeof ParameterRangeError = ParameterTypeError): never => {
    throw new cls(
      `The 'scoring' parameter of ${caller} must be null, a scorer's name, an array of distinct names or an object of { key: name }: ${why}`,
      caller,
      'scoring',
      scoring,
    );
  };
  let entries: [string, unknown][];
  if (Array.isArray(scoring)) {
    if (scoring.length === 0) bad('the array is empty.', ParameterRangeError);
    entries = (scoring as readonly unknown[]).map((s, i) => {
      if (typeof s !== 'string') bad(`element ${i} is ${describeValue(s)}, not a string.`);
      return [s as string, s];
    });
    const seen = new Set<string>();
    for (const [k] of entries) {
      if (seen.has(k)) bad(`'${k}' appears twice (duplicate elements were found in the given array).`, ParameterRangeError);
      seen.add(k);
    }
  } else if (typeof scoring === 'object' && Object.getPrototypeOf(scoring) === Object.prototype) {
    entries = Object.entries(scoring);
    if (entries.length === 0) bad('the object is empty.', ParameterRangeError);
    for (const [k, v] of entries) {
      if (typeof v !== 'string')
        bad(
          `the value of key '${k}' is ${describeValue(v)}; each value must be a scorer's name (scorers run on the worker threads, found there by name).`,
        );
    }
  } else return bad(`got ${describeValue(scoring)}.`);
  const columns = new Map<string, string>();
  const metrics = entries.map(([key, name]) => {
    if (key === '') bad('a metric key is empty.', ParameterRangeError);
    const column = metricColumn(key);
    const clash = columns.get(column);
    if (clash !== undefined)
      bad(`keys '${clash}' and '${key}' would both be reported as the cvResults_ column suffix '${column}'.`, ParameterRangeError);
    columns.set(column, key);
    return { key, column, scorer: getScorer(name as string, caller, est) };
  });
  return { multimetric: true, metrics };
}

/** numpy's pairwise summation of a short row (what `np.mean(axis=1)` adds with), so means agree to the bit. */
function pairwiseSum(a: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i]!;
    return res;
  }
  if (n <= 128) {
    const r = new Float64Array(8);
    for (let j = 0; j < 8; j++) r[j] = a[start + j]!;
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] = r[j]! + a[start + i + j]!;
    let res = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) res += a[start + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/**
 * Mean and standard deviation of each candidate's row of `values` (nCandidates × nSplits), as
 * scikit-learn's `_store`. Here (not in search.ts) because the refit task ranks the candidates on
 * its worker with exactly the arithmetic the main thread reports.
 */
export function rowStats(values: ArrayLike<number>, nSplits: number): { mean: Float64Array; std: Float64Array } {
  const nc = values.length / nSplits;
  const mean = new Float64Array(nc);
  const std = new Float64Array(nc);
  const sq = new Float64Array(nSplits);
  for (let c = 0; c < nc; c++) {
    const m = pairwiseSum(values, c * nSplits, nSplits) / nSplits;
    mean[c] = m;
    for (let k = 0; k < nSplits; k++) {
      const d = values[c * nSplits + k]! - m;
      sq[k] = d * d;
    }
    std[c] = Math.sqrt(pairwiseSum(sq, 0, nSplits) / nSplits);
  }
  return { mean, std };
}

/** scipy's `rankdata(-means, method='min')` with NaN counted below the worst, as scikit-learn 1.2 ranks. */
export function rankMin(means: Float64Array): Int32Array {
  const rank = new Int32Array(means.length);
  const finite = [...means].filter((m) => !Number.isNaN(m));
  if (finite.length === 0) return rank.fill(1);
  const worst = Math.min(...finite) - 1;
  const v = Array.from(means, (m) => (Number.isNaN(m) ? worst : m));
  for (let i = 0; i < v.length; i++) {
    let better = 0;
    for (let j = 0; j < v.length; j++) if (-v[j]! < -v[i]!) better++;
    rank[i] = better + 1;
  }
  return rank;
}

/** The first candidate of rank 1 (scikit-learn's `rank_test_<metric>.argmin()`). */
export function firstBest(rank: Int32Array): number {
  let best = 0;
  for (let i = 1; i < rank.length; i++) if (rank[i]! < rank[best]!) best = i;
  return best;
}
