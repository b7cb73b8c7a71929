import { DenseArray, allocate } from '@tessera/array';
import type { ApplyMethod } from '../contract.js';
import type { BaseEstimator } from '../base.js';
import type { VectorLike, MatrixLike } from '../validation.js';
import { hidden, interval, options } from '../validation.js';
import { registerEstimator } from '../registry.js';
import { BaseSGDClassifier, type ClassifierPartialFitOptions, type FitOptions } from './sgd/base.js';
import {
  AVERAGE_CONSTRAINT,
  CLASS_WEIGHT_CONSTRAINT,
  COMMON_CONSTRAINTS,
  PENALTY_CONSTRAINT,
  type SGDCommonParams,
  type SGDConfig,
  averageValue,
} from './sgd/params.js';

/** Losses SGDClassifier accepts (the regression losses too, as in scikit-learn). */
export type SGDClassifierLoss =
  | 'hinge'
  | 'log_loss'
  | 'modified_huber'
  | 'squared_hinge'
  | 'perceptron'
  | 'squared_error'
  | 'huber'
  | 'epsilon_insensitive'
  | 'squared_epsilon_insensitive';

/** Hyperparameters of {@link SGDClassifier} (scikit-learn's, camelCase, same defaults). */
export interface SGDClassifierParams extends SGDCommonParams {
  loss: SGDClassifierLoss;
  penalty: 'l2' | 'l1' | 'elasticnet' | null;
  alpha: number;
  l1Ratio: number;
  epsilon: number;
  learningRate: 'constant' | 'optimal' | 'invscaling' | 'adaptive';
  eta0: number;
  powerT: number;
  classWeight: 'balanced' | Record<string, number> | null;
  average: boolean | number;
}

// Declaration merging: the hyperparameters are typed own properties of the instance.
export interface SGDClassifier extends SGDClassifierParams {}

/**
 * Linear classifier trained by stochastic gradient descent, one-vs-rest for more than two
 * classes — scikit-learn's `SGDClassifier`, with the same numerics: with `shuffle: false`,
 * feeding the same blocks to `partialFit` reproduces scikit-learn 1.2's `coef_`, `intercept_`
 * and `t_` to rounding.
 *
 * @example
 * const clf = new SGDClassifier({ loss: 'log_loss', shuffle: false });
 * clf.partialFit(X1, y1, { classes: [0, 1] });
 * clf.partialFit(X2, y2);
 * clf.predict(X3);        // DenseArray of labels
 * clf.predictProba(X3);   // [n, 2]
 * clf.coef_;              // DenseArray [1, nFeatures]
 */
export class SGDClassifier extends BaseSGDClassifier<SGDClassifierParams> {
  static readonly estimatorName = 'SGDClassifier';
  static readonly defaults: Readonly<SGDClassifierParams> = Object.freeze({
    loss: 'hinge',
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
    learningRate: 'optimal',
    eta0: 0.0,
    powerT: 0.5,
    earlyStopping: false,
    validationFraction: 0.1,
    nIterNoChange: 5,
    classWeight: null,
    warmStart: false,
    average: false,
  } satisfies SGDClassifierParams);
  static readonly constraints = {
    ...COMMON_CONSTRAINTS,
    loss: [
      options(
        'hinge',
        'log_loss',
        'modified_huber',
        'squared_hinge',
        'perceptron',
        'squared_error',
        'huber',
        'epsilon_insensitive',
        'squared_epsilon_insensitive',
      ),
    ],
    penalty: PENALTY_CONSTRAINT,
    alpha: [interval('float', 0, null, 'left')],
    l1Ratio: [interval('float', 0, 1, 'both')],
    powerT: [interval('float', null, null, 'neither')],
    epsilon: [interval('float', 0, null, 'left')],
    learningRate: [options('constant', 'optimal', 'invscaling', 'adaptive'), hidden(options('pa1', 'pa2'))],
    eta0: [interval('float', 0, null, 'left')],
    classWeight: CLASS_WEIGHT_CONSTRAINT,
    average: AVERAGE_CONSTRAINT,
  };

  constructor(options: Partial<SGDClassifierParams> = {}) {
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
   * One epoch of SGD over the given rows (scikit-learn's `partial_fit`). `classes` (every label
   * that can occur) is required on the first call. Hyperparameters are validated on every call (scikit-learn 1.2: the first only).
   */
  partialFit(X: MatrixLike, y: VectorLike, options: ClassifierPartialFitOptions = {}): this {
    return this.partialFitImpl(X, y, options);
  }

  /** Forgets any previous state (unless warmStart) and runs up to maxIter epochs. */
  fit(X: MatrixLike, y: VectorLike, options: FitOptions = {}): this {
    return this.fitImpl(X, y, options);
  }

  /**
   * Probabilities exist for log_loss and modified_huber only (scikit-learn's `available_if`):
   * with another loss, `predictProba` is not a method this estimator offers.
   */
  override lacking(method: ApplyMethod): BaseEstimator | null {
    if ((method === 'predictProba' || method === 'predictLogProba') && this.loss !== 'log_loss' && this.loss !== 'modified_huber')
      return this;
    return super.lacking(method);
  }

  private checkProba(): void {
    if (this.loss !== 'log_loss' && this.loss !== 'modified_huber') {
      throw new TypeError(
        `${this.estimatorName}: probability estimates are not available for loss='${this.loss}' (use 'log_loss' or 'modified_huber').`,
      );
    }
  }

  /**
   * Class probabilities [n, nClasses]: the logistic function of the decision (normalised over
   * classes one-vs-rest) for log_loss; (clip(decision, -1, 1) + 1) / 2 for modified_huber.
   */
  predictProba(X: MatrixLike): DenseArray<'float64'> {
    this.checkProba();
    const dec = this.decisionFunction(X);
    const k = this.classes_.data.length;
    const n = dec.shape[0]!;
    const s = dec.data;
    const out = allocate('float64', n * k);
    const binary = k === 2;
    if (this.loss === 'log_loss') {
      if (binary) {
        for (let i = 0; i < n; i++) {
          const p = expit(s[i]!);
          out[2 * i] = 1 - p;
          out[2 * i + 1] = p;
        }
      } else {
        for (let i = 0; i < n; i++) {
          let sum = 0;
          for (let c = 0; c < k; c++) {
            const p = expit(s[i * k + c]!);
            out[i * k + c] = p;
            sum += p;
          }
          for (let c = 0; c < k; c++) out[i * k + c] = out[i * k + c]! / sum;
        }
      }
    } else if (binary) {
      for (let i = 0; i < n; i++) {
        const p = (clip1(s[i]!) + 1) / 2;
        out[2 * i] = 1 - p;
        out[2 * i + 1] = p;
      }
    } else {
      for (let i = 0; i < n; i++) {
        let sum = 0;
        for (let c = 0; c < k; c++) {
          const p = (clip1(s[i * k + c]!) + 1) / 2;
          out[i * k + c] = p;
          sum += p;
        }
        // All-zero rows become uniform.
        if (sum === 0) {
          for (let c = 0; c < k; c++) out[i * k + c] = 1 / k;
        } else {
          for (let c = 0; c < k; c++) out[i * k + c] = out[i * k + c]! / sum;
        }
      }
    }
    return new DenseArray(out, [n, k]);
  }

  /** Natural log of {@link predictProba}. */
  predictLogProba(X: MatrixLike): DenseArray<'float64'> {
    const p = this.predictProba(X);
    const d = p.data;
    for (let i = 0; i < d.length; i++) d[i] = Math.log(d[i]!);
    return p;
  }
}

/** scipy.special.expit. */
function expit(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function clip1(x: number): number {
  return x < -1 ? -1 : x > 1 ? 1 : x;
}

registerEstimator(SGDClassifier);
