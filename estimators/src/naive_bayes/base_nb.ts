/**
 * What every naive Bayes classifier derives from its joint log likelihood (scikit-learn's
 * `_BaseNB`): predicted labels, (log) class probabilities and accuracy.
 */
import { DenseArray, allocate } from '@tessera/array';
import { BaseEstimator, type State } from '../base.js';
import { accuracyScore } from '../metrics.js';
import type { MatrixLike, VectorLike } from '../validation.js';
import { argmaxLabels, logSumExpRows } from './labels.js';

/** A naive Bayes model's learned state: at least its classes. */
export interface NBState extends State {
  classes_: DenseArray<'float64'>;
}

/** Base of GaussianNB, MultinomialNB and BernoulliNB: prediction from the joint log likelihood. */
export abstract class BaseNB<P extends object, S extends NBState> extends BaseEstimator<P, S> {
  /** Unnormalised log posterior of every class for X (validated here), [n, k] row-major (scikit-learn's `_joint_log_likelihood`). */
  protected abstract jointLogLikelihood(X: MatrixLike): { jll: Float64Array; n: number; k: number };

  /** The most probable class of each row. */
  predict(X: MatrixLike): DenseArray<'float64'> {
    const { jll, n, k } = this.jointLogLikelihood(X);
    return new DenseArray(argmaxLabels(jll, n, k, this.fitted.classes_.data, allocate('float64', n)), [n]);
  }

  /** Log class probabilities [n, k] (columns in `classes_` order). */
  predictLogProba(X: MatrixLike): DenseArray<'float64'> {
    const { jll, n, k } = this.jointLogLikelihood(X);
    return new DenseArray(normalizeLog(jll, n, k, false), [n, k]);
  }

  /** Class probabilities [n, k] (columns in `classes_` order). */
  predictProba(X: MatrixLike): DenseArray<'float64'> {
    const { jll, n, k } = this.jointLogLikelihood(X);
    return new DenseArray(normalizeLog(jll, n, k, true), [n, k]);
  }

  /** Accuracy of predict on (X, y). */
  score(X: MatrixLike, y: VectorLike, sampleWeight?: VectorLike): number {
    return accuracyScore(y, this.predict(X), { sampleWeight: sampleWeight ?? null });
  }

  get classes_(): DenseArray<'float64'> {
    return this.fitted.classes_;
  }
}

/** jll − logsumexp(jll) per row, exponentiated when `exp`; over shared memory. */
function normalizeLog(jll: Float64Array, n: number, k: number, exp: boolean): Float64Array {
  const lse = logSumExpRows(jll, n, k);
  const out = allocate('float64', n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const v = jll[i * k + c]! - lse[i]!;
      out[i * k + c] = exp ? Math.exp(v) : v;
    }
  }
  return out;
}
