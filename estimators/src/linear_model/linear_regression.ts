/**
 * Ordinary least squares (scikit-learn's `LinearRegression`), fitted in parallel: one pass of
 * per-block weighted, centered cross-products of [X | y] combined exactly, solved through the SVD
 * of the Cholesky factor — or, when X is ill-conditioned or rank-deficient, of X's own triangular
 * factor from a tall-skinny QR pass — giving scipy lstsq's minimum-norm solution, `rank_` and
 * `singular_`.
 */
import { DenseArray } from '@tessera/array';
import { registerEstimator } from '../registry.js';
import { BOOLEAN } from '../validation.js';
import { LeastSquaresEstimator, leastSquaresSchema } from './glm/least_squares_estimator.js';

/** Hyperparameters of {@link LinearRegression} (scikit-learn's, camelCase, same defaults). */
export interface LinearRegressionParams {
  fitIntercept: boolean;
}

export interface LinearRegression extends LinearRegressionParams {}

/**
 * min Σ w_i ||y_i − x_i · coef − intercept||², in memory or on lazy arrays (one parallel pass).
 * Equal to scikit-learn 1.2's `LinearRegression` to ~1e-9 relative.
 *
 * @example
 * const lr = new LinearRegression().fit(X, y);            // in memory
 * await new LinearRegression().fit(Xlazy, ylazy);         // lazy: one pass on the worker threads
 * lr.coef_, lr.intercept_, lr.rank_, lr.singular_;
 * lr.predict(X);
 */
export class LinearRegression extends LeastSquaresEstimator<LinearRegressionParams> {
  static readonly estimatorName = 'LinearRegression';
  static readonly estimatorType = 'regressor';
  static readonly defaults: Readonly<LinearRegressionParams> = Object.freeze({ fitIntercept: true });
  static readonly constraints = { fitIntercept: [BOOLEAN] };
  static readonly stateSchema = leastSquaresSchema(true);

  constructor(options: Partial<LinearRegressionParams> = {}) {
    super(options);
  }

  protected penalty(): number {
    return 0;
  }
  protected keepsLstsq(): boolean {
    return true;
  }

  /** Rank of the centered (and weighted) X. */
  get rank_(): number {
    return this.fitted.rank_!;
  }
  /** Singular values of the centered (and weighted) X, largest first (min(n, d) of them). */
  get singular_(): DenseArray<'float64'> {
    return this.fitted.singular_!;
  }
}

registerEstimator(LinearRegression);
