/**
 * Linear least squares with an l2 penalty (scikit-learn's `Ridge`), fitted in parallel: one pass of
 * per-block weighted, centered cross-products combined exactly, solved through the SVD of the
 * Cholesky factor (a second, tall-skinny QR pass when X is ill-conditioned even with the penalty).
 */
import { registerEstimator } from '../registry.js';
import { BOOLEAN, interval } from '../validation.js';
import { LeastSquaresEstimator, leastSquaresSchema } from './glm/least_squares_estimator.js';

/** Hyperparameters of {@link Ridge} (scikit-learn's, camelCase, same defaults). */
export interface RidgeParams {
  /** The penalty: min ||y − Xw||² + alpha ||w||². */
  alpha: number;
  fitIntercept: boolean;
}

export interface Ridge extends RidgeParams {}

/**
 * min Σ w_i ||y_i − x_i · coef − intercept||² + alpha ||coef||², in memory or on lazy arrays.
 * Equal to scikit-learn 1.2's `Ridge` (solver 'auto') to ~1e-9 relative.
 *
 * @example
 * const r = new Ridge({ alpha: 10 }).fit(X, y);
 * await new Ridge({ alpha: 10 }).fit(Xlazy, ylazy, { sampleWeight: wLazy });
 * r.coef_, r.intercept_;
 */
export class Ridge extends LeastSquaresEstimator<RidgeParams> {
  static readonly estimatorName = 'Ridge';
  static readonly estimatorType = 'regressor';
  static readonly defaults: Readonly<RidgeParams> = Object.freeze({ alpha: 1.0, fitIntercept: true });
  static readonly constraints = { alpha: [interval('float', 0, null, 'left')], fitIntercept: [BOOLEAN] };
  static readonly stateSchema = leastSquaresSchema(false);

  constructor(options: Partial<RidgeParams> = {}) {
    super(options);
  }

  protected penalty(): number {
    return this.alpha;
  }
  protected keepsLstsq(): boolean {
    return false;
  }
}

registerEstimator(Ridge);
