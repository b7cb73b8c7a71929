import type { MatrixLike, VectorLike } from '../validation.js';
import { interval } from '../validation.js';
import { registerEstimator } from '../registry.js';
import { BaseSGDClassifier, type ClassifierPartialFitOptions, type FitOptions } from './sgd/base.js';
import { CLASS_WEIGHT_CONSTRAINT, COMMON_CONSTRAINTS, PENALTY_CONSTRAINT, type SGDCommonParams, type SGDConfig } from './sgd/params.js';

/** Hyperparameters of {@link Perceptron} (scikit-learn's, camelCase, same defaults: randomState 0, eta0 1, no penalty). */
export interface PerceptronParams extends SGDCommonParams {
  penalty: 'l2' | 'l1' | 'elasticnet' | null;
  alpha: number;
  l1Ratio: number;
  eta0: number;
  classWeight: 'balanced' | Record<string, number> | null;
}

export interface Perceptron extends PerceptronParams {}

/**
 * The perceptron: SGD with the hinge loss at threshold 0 and a constant learning rate —
 * scikit-learn's `Perceptron` (which is `SGDClassifier(loss='perceptron', learning_rate='constant',
 * eta0=1, penalty=None)`), same numerics.
 *
 * @example
 * const p = new Perceptron({ shuffle: false });
 * p.partialFit(X, y, { classes: [0, 1, 2] });
 * p.predict(X);
 */
export class Perceptron extends BaseSGDClassifier<PerceptronParams> {
  static readonly estimatorName = 'Perceptron';
  static readonly defaults: Readonly<PerceptronParams> = Object.freeze({
    penalty: null,
    alpha: 0.0001,
    l1Ratio: 0.15,
    fitIntercept: true,
    maxIter: 1000,
    tol: 1e-3,
    shuffle: true,
    verbose: 0,
    eta0: 1.0,
    randomState: 0,
    earlyStopping: false,
    validationFraction: 0.1,
    nIterNoChange: 5,
    classWeight: null,
    warmStart: false,
  } satisfies PerceptronParams);
  static readonly constraints = {
    ...COMMON_CONSTRAINTS,
    penalty: PENALTY_CONSTRAINT,
    alpha: [interval('float', 0, null, 'left')],
    l1Ratio: [interval('float', 0, 1, 'both')],
    eta0: [interval('float', 0, null, 'left')],
    classWeight: CLASS_WEIGHT_CONSTRAINT,
  };

  constructor(options: Partial<PerceptronParams> = {}) {
    super(options);
  }

  protected sgdConfig(): SGDConfig {
    return {
      loss: 'perceptron',
      learningRate: 'constant',
      penalty: this.penalty,
      alpha: this.alpha,
      C: 1,
      l1Ratio: this.l1Ratio,
      eta0: this.eta0,
      powerT: 0.5,
      epsilon: 0.1,
      average: 0,
    };
  }

  /** One epoch over the given rows; `classes` is required on the first call. */
  partialFit(X: MatrixLike, y: VectorLike, options: ClassifierPartialFitOptions = {}): this {
    return this.partialFitImpl(X, y, options);
  }

  /** Forgets any previous state (unless warmStart) and runs up to maxIter epochs. */
  fit(X: MatrixLike, y: VectorLike, options: FitOptions = {}): this {
    return this.fitImpl(X, y, options);
  }
}

registerEstimator(Perceptron);
