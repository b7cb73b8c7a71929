import type { MatrixLike, VectorLike } from '../validation.js';
import type { SGDPreparedHint } from './sgd/prepared.js';
import { hidden, interval, options } from '../validation.js';
import { registerEstimator } from '../registry.js';
import { BaseSGDRegressor, type FitOptions } from './sgd/base.js';
import {
  AVERAGE_CONSTRAINT,
  COMMON_CONSTRAINTS,
  PENALTY_CONSTRAINT,
  type SGDCommonParams,
  type SGDConfig,
  averageValue,
} from './sgd/params.js';

/** Losses SGDRegressor accepts. */
export type SGDRegressorLoss = 'squared_error' | 'huber' | 'epsilon_insensitive' | 'squared_epsilon_insensitive';

/** Hyperparameters of {@link SGDRegressor} (scikit-learn's, camelCase, same defaults). */
export interface SGDRegressorParams extends SGDCommonParams {
  loss: SGDRegressorLoss;
  penalty: 'l2' | 'l1' | 'elasticnet' | null;
  alpha: number;
  l1Ratio: number;
  epsilon: number;
  learningRate: 'constant' | 'optimal' | 'invscaling' | 'adaptive';
  eta0: number;
  powerT: number;
  average: boolean | number;
}

export interface SGDRegressor extends SGDRegressorParams {}

/**
 * Linear regression trained by stochastic gradient descent — scikit-learn's `SGDRegressor` with
 * the same numerics (see {@link SGDClassifier}). `coef_` is [nFeatures], `intercept_` is [1].
 *
 * @example
 * const reg = new SGDRegressor({ shuffle: false });
 * for (const [Xb, yb] of blocks) reg.partialFit(Xb, yb);
 * reg.predict(Xtest);     // DenseArray [n]
 * reg.score(Xtest, ytest); // R²
 */
export class SGDRegressor extends BaseSGDRegressor<SGDRegressorParams> {
  static readonly estimatorName = 'SGDRegressor';
  static readonly defaults: Readonly<SGDRegressorParams> = Object.freeze({
    loss: 'squared_error',
    penalty: 'l2',
    alpha: 0.0001,
    l1Ratio: 0.15,
    fitIntercept: true,
    maxIter: 1000,
    tol: 1e-3,
    shuffle: true,
    verbose: 0,
    epsilon: 0.1,
    randomState: null,
    learningRate: 'invscaling',
    eta0: 0.01,
    powerT: 0.25,
    earlyStopping: false,
    validationFraction: 0.1,
    nIterNoChange: 5,
    warmStart: false,
    average: false,
  } satisfies SGDRegressorParams);
  static readonly constraints = {
    ...COMMON_CONSTRAINTS,
    loss: [options('squared_error', 'huber', 'epsilon_insensitive', 'squared_epsilon_insensitive')],
    penalty: PENALTY_CONSTRAINT,
    alpha: [interval('float', 0, null, 'left')],
    l1Ratio: [interval('float', 0, 1, 'both')],
    powerT: [interval('float', null, null, 'neither')],
    learningRate: [options('constant', 'optimal', 'invscaling', 'adaptive'), hidden(options('pa1', 'pa2'))],
    epsilon: [interval('float', 0, null, 'left')],
    eta0: [interval('float', 0, null, 'left')],
    average: AVERAGE_CONSTRAINT,
  };

  constructor(options: Partial<SGDRegressorParams> = {}) {
    super(options);
  }

  protected sgdConfig(): SGDConfig {
    return {
      loss: this.loss,
      learningRate: this.learningRate,
      penalty: this.penalty,
      alpha: this.alpha,
      C: 1,
      l1Ratio: this.l1Ratio,
      eta0: this.eta0,
      powerT: this.powerT,
      epsilon: this.epsilon,
      average: averageValue(this.average),
    };
  }

  /**
   * One epoch of SGD over the given rows, continuing from the current state. `prepared`: X, y
   * and sampleWeight are a block returned by {@link prepareBlock}, and this is its hint.
   */
  partialFit(X: MatrixLike, y: VectorLike, options: { sampleWeight?: VectorLike; prepared?: SGDPreparedHint } = {}): this {
    return this.partialFitImpl(X, y, options.sampleWeight, options.prepared);
  }

  /** Forgets any previous state (unless warmStart) and runs up to maxIter epochs. */
  fit(X: MatrixLike, y: VectorLike, options: FitOptions = {}): this {
    return this.fitImpl(X, y, options);
  }
}

registerEstimator(SGDRegressor);
