import type { MatrixLike, VectorLike } from '../validation.js';
import type { SGDPreparedHint } from './sgd/prepared.js';
import { interval, options } from '../validation.js';
import { registerEstimator } from '../registry.js';
import { BaseSGDClassifier, BaseSGDRegressor } from './sgd/base.js';
import {
  AVERAGE_CONSTRAINT,
  CLASS_WEIGHT_CONSTRAINT,
  COMMON_CONSTRAINTS,
  type SGDCommonParams,
  type SGDConfig,
  averageValue,
} from './sgd/params.js';

/** Hyperparameters of {@link PassiveAggressiveClassifier} (scikit-learn's, camelCase, same defaults). */
export interface PassiveAggressiveClassifierParams extends SGDCommonParams {
  C: number;
  loss: 'hinge' | 'squared_hinge';
  classWeight: 'balanced' | Record<string, number> | null;
  average: boolean | number;
}

export interface PassiveAggressiveClassifier extends PassiveAggressiveClassifierParams {}

/**
 * Passive-aggressive classifier (Crammer et al., 2006): PA-I steps for loss 'hinge', PA-II for
 * 'squared_hinge', one-vs-rest — scikit-learn's `PassiveAggressiveClassifier`, same numerics.
 * As in scikit-learn, it takes no sample weights.
 *
 * @example
 * const pa = new PassiveAggressiveClassifier({ C: 0.5, shuffle: false });
 * pa.partialFit(X, y, { classes: [0, 1] });
 */
export class PassiveAggressiveClassifier extends BaseSGDClassifier<PassiveAggressiveClassifierParams> {
  static readonly estimatorName = 'PassiveAggressiveClassifier';
  static readonly defaults: Readonly<PassiveAggressiveClassifierParams> = Object.freeze({
    C: 1.0,
    fitIntercept: true,
    maxIter: 1000,
    tol: 1e-3,
    earlyStopping: false,
    validationFraction: 0.1,
    nIterNoChange: 5,
    shuffle: true,
    verbose: 0,
    loss: 'hinge',
    randomState: null,
    warmStart: false,
    classWeight: null,
    average: false,
  } satisfies PassiveAggressiveClassifierParams);
  static readonly constraints = {
    ...COMMON_CONSTRAINTS,
    loss: [options('hinge', 'squared_hinge')],
    C: [interval('float', 0, null, 'right')],
    classWeight: CLASS_WEIGHT_CONSTRAINT,
    average: AVERAGE_CONSTRAINT,
  };

  constructor(options: Partial<PassiveAggressiveClassifierParams> = {}) {
    super(options);
  }

  protected sgdConfig(): SGDConfig {
    return {
      loss: 'hinge',
      learningRate: this.loss === 'hinge' ? 'pa1' : 'pa2',
      penalty: null,
      alpha: 1.0,
      C: this.C,
      l1Ratio: 0.15,
      eta0: 1.0,
      powerT: 0.5,
      epsilon: 0.1,
      average: averageValue(this.average),
    };
  }

  /** One epoch over the given rows; `classes` is required on the first call. `prepared`: see SGDClassifier.partialFit. */
  partialFit(X: MatrixLike, y: VectorLike, options: { classes?: VectorLike; prepared?: SGDPreparedHint } = {}): this {
    return this.partialFitImpl(X, y, {
      ...(options.classes !== undefined ? { classes: options.classes } : {}),
      ...(options.prepared !== undefined ? { prepared: options.prepared } : {}),
    });
  }

  /** Forgets any previous state (unless warmStart) and runs up to maxIter epochs. */
  fit(X: MatrixLike, y: VectorLike, options: { coefInit?: MatrixLike | VectorLike; interceptInit?: VectorLike | number } = {}): this {
    return this.fitImpl(X, y, options);
  }
}

/** Hyperparameters of {@link PassiveAggressiveRegressor} (scikit-learn's, camelCase, same defaults). */
export interface PassiveAggressiveRegressorParams extends SGDCommonParams {
  C: number;
  loss: 'epsilon_insensitive' | 'squared_epsilon_insensitive';
  epsilon: number;
  average: boolean | number;
}

export interface PassiveAggressiveRegressor extends PassiveAggressiveRegressorParams {}

/**
 * Passive-aggressive regression: PA-I steps for 'epsilon_insensitive', PA-II for
 * 'squared_epsilon_insensitive' — scikit-learn's `PassiveAggressiveRegressor`, same numerics.
 *
 * @example
 * const par = new PassiveAggressiveRegressor({ epsilon: 0.05, shuffle: false });
 * par.partialFit(X, y);
 * par.predict(X);
 */
export class PassiveAggressiveRegressor extends BaseSGDRegressor<PassiveAggressiveRegressorParams> {
  static readonly estimatorName = 'PassiveAggressiveRegressor';
  static readonly defaults: Readonly<PassiveAggressiveRegressorParams> = Object.freeze({
    C: 1.0,
    fitIntercept: true,
    maxIter: 1000,
    tol: 1e-3,
    earlyStopping: false,
    validationFraction: 0.1,
    nIterNoChange: 5,
    shuffle: true,
    verbose: 0,
    loss: 'epsilon_insensitive',
    epsilon: 0.1,
    randomState: null,
    warmStart: false,
    average: false,
  } satisfies PassiveAggressiveRegressorParams);
  static readonly constraints = {
    ...COMMON_CONSTRAINTS,
    loss: [options('epsilon_insensitive', 'squared_epsilon_insensitive')],
    C: [interval('float', 0, null, 'right')],
    epsilon: [interval('float', 0, null, 'left')],
    average: AVERAGE_CONSTRAINT,
  };

  constructor(options: Partial<PassiveAggressiveRegressorParams> = {}) {
    super(options);
  }

  protected sgdConfig(): SGDConfig {
    return {
      loss: 'epsilon_insensitive',
      learningRate: this.loss === 'epsilon_insensitive' ? 'pa1' : 'pa2',
      penalty: null,
      alpha: 1.0,
      C: this.C,
      l1Ratio: 0,
      eta0: 1.0,
      powerT: 0.25,
      epsilon: this.epsilon,
      average: averageValue(this.average),
    };
  }

  /** One epoch over the given rows, continuing from the current state. `prepared`: see SGDRegressor.partialFit. */
  partialFit(X: MatrixLike, y: VectorLike, options: { prepared?: SGDPreparedHint } = {}): this {
    return this.partialFitImpl(X, y, undefined, options.prepared);
  }

  /** Forgets any previous state (unless warmStart) and runs up to maxIter epochs. */
  fit(X: MatrixLike, y: VectorLike, options: { coefInit?: MatrixLike | VectorLike; interceptInit?: VectorLike | number } = {}): this {
    return this.fitImpl(X, y, options);
  }
}

registerEstimator(PassiveAggressiveClassifier);
registerEstimator(PassiveAggressiveRegressor);
