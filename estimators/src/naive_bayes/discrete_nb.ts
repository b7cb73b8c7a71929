/**
 * Naive Bayes for discrete features, ports of scikit-learn 1.2's `MultinomialNB` and
 * `BernoulliNB` (`_BaseDiscreteNB` in `naive_bayes.py`): per-class feature counts and class counts
 * are sufficient statistics, summed block by block; the smoothed log probabilities are recomputed
 * from them after every call.
 *
 * Learned state (plain data, see base.ts):
 *   classes_          DenseArray [k]
 *   classCount_       DenseArray [k]      (weighted) samples per class
 *   featureCount_     DenseArray [k, d]   (weighted) per-class feature sums (Bernoulli: of binarized X)
 *   featureLogProb_   DenseArray [k, d]
 *   classLogPrior_    DenseArray [k]      (−Infinity for a class not seen yet with fitPrior)
 *   nFeaturesIn_      number
 */
import { DenseArray } from '@tessera/array';
import type { State } from '../base.js';
import { InvalidInputError, ParameterRangeError } from '../errors.js';
import { registerEstimator } from '../registry.js';
import { type StateSchema, count, matrix, vector } from '../state_schema.js';
import {
  BOOLEAN,
  NULL,
  type Matrix,
  type MatrixLike,
  type VectorLike,
  checkArray,
  checkFeatureCount,
  checkSampleWeight,
  checkVector,
  interval,
} from '../validation.js';
import { BaseNB } from './base_nb.js';
import type { NBPartialFitOptions } from './gaussian_nb.js';
import { checkNumberArrayParam, labelIndices, partialFitClasses, uniqueSorted } from './labels.js';

/** Smallest alpha used unless forceAlpha (scikit-learn's `alpha_lower_bound`). */
const ALPHA_MIN = 1e-10;

/** Hyperparameters shared by the discrete naive Bayes models. */
export interface DiscreteNBParams {
  /** Additive (Laplace/Lidstone) smoothing; 0 for none. */
  alpha: number;
  /** Keep alpha as given even below 1e-10 (otherwise it is raised to 1e-10, as in scikit-learn). */
  forceAlpha: boolean;
  /** Learn class priors from the data (else uniform). */
  fitPrior: boolean;
  /** Prior probabilities of the classes (sorted label order); null = fitPrior decides. */
  classPrior: readonly number[] | null;
}

export interface MultinomialNBParams extends DiscreteNBParams {}

export interface BernoulliNBParams extends DiscreteNBParams {
  /** Threshold for turning features into 0/1 (x > binarize ↦ 1); null if X is already binary. */
  binarize: number | null;
}

export interface DiscreteNBState extends State {
  classes_: DenseArray<'float64'>;
  classCount_: DenseArray<'float64'>;
  featureCount_: DenseArray<'float64'>;
  featureLogProb_: DenseArray<'float64'>;
  classLogPrior_: DenseArray<'float64'>;
  nFeaturesIn_: number;
}

const DISCRETE_CONSTRAINTS = {
  alpha: [interval('float', 0, null, 'left')],
  forceAlpha: [BOOLEAN],
  fitPrior: [BOOLEAN],
};

/** What MultinomialNB and BernoulliNB share: counting, smoothing, priors, prediction. */
abstract class BaseDiscreteNB<P extends DiscreteNBParams> extends BaseNB<P, DiscreteNBState> {
  /** Log probabilities may be -Infinity (a zero count with alpha 0 and forceAlpha), hence 'any'. */
  static readonly stateSchema: StateSchema = {
    fields: {
      nFeaturesIn_: count(1, 'd'),
      classes_: vector('k', { sorted: true, minLength: 1 }),
      classCount_: vector('k'),
      featureCount_: matrix('k', 'd'),
      featureLogProb_: matrix('k', 'd', 'any'),
      classLogPrior_: vector('k', { values: 'any' }),
    },
  };

  /** X as the model counts it (Bernoulli binarizes); validates model-specific input rules. */
  protected abstract prepare(m: Matrix, forFit: boolean): Float64Array;
  /** Smoothed log probabilities from the counts. */
  protected abstract featureLogProb(
    featureCount: Float64Array,
    classCount: Float64Array,
    k: number,
    d: number,
    alpha: number,
  ): Float64Array;
  /** Joint log likelihood [n, k] of prepared X. */
  protected abstract jll(X: Float64Array, n: number, d: number, s: DiscreteNBState): Float64Array;

  /** Forgets any previous state and fits on (X, y) (classes from y). */
  fit(X: MatrixLike, y: VectorLike, options: { sampleWeight?: VectorLike } = {}): this {
    const name = this.estimatorName;
    this.validate();
    const m = checkArray(X, { caller: name });
    const yv = checkVector(y, m.nSamples, { caller: name, name: 'y' });
    this.learned = this.update(null, m, yv, uniqueSorted(yv), options.sampleWeight);
    return this;
  }

  /** Adds one block's counts (scikit-learn's `partial_fit`). `classes` is required on the first call. */
  partialFit(X: MatrixLike, y: VectorLike, options: NBPartialFitOptions = {}): this {
    const name = this.estimatorName;
    const prev = this.learned ?? null;
    // Every call: a setParams between calls is validated too (scikit-learn 1.2 checks only the first).
    this.validate();
    const m = checkArray(X, { caller: name });
    if (prev !== null) checkFeatureCount(name, prev.nFeaturesIn_, m.nFeatures);
    const yv = checkVector(y, m.nSamples, { caller: name, name: 'y' });
    const classes = partialFitClasses(name, options.classes, prev === null ? null : prev.classes_.data);
    this.learned = this.update(prev, m, yv, classes, options.sampleWeight);
    return this;
  }

  protected validate(): void {
    this.checkParams();
  }

  /** `classPrior`: null or an array of finite numbers (its length is checked against the classes at fit). */
  protected override checkMoreParams(): void {
    checkNumberArrayParam(this.estimatorName, 'classPrior', (this as unknown as DiscreteNBParams).classPrior, true);
  }

  private update(
    prev: DiscreteNBState | null,
    m: Matrix,
    y: Float64Array,
    classes: Float64Array,
    sampleWeight: VectorLike | undefined,
  ): DiscreteNBState {
    const name = this.estimatorName;
    const { nSamples: n, nFeatures: d } = m;
    const X = this.prepare(m, true);
    const sw = sampleWeight === undefined || sampleWeight === null ? null : checkSampleWeight(sampleWeight, n, name);
    const idx = labelIndices(name, y, classes);
    const k = classes.length;
    const featureCount = prev === null ? new Float64Array(k * d) : prev.featureCount_.data.slice();
    const classCount = prev === null ? new Float64Array(k) : prev.classCount_.data.slice();
    // feature_count_ += Yᵀ·X and class_count_ += Y.sum(0), with Y the (weighted) one-hot labels.
    for (let i = 0; i < n; i++) {
      const c = idx[i]!;
      const w = sw === null ? 1 : sw[i]!;
      const o = c * d;
      const r = i * d;
      for (let j = 0; j < d; j++) featureCount[o + j] = featureCount[o + j]! + w * X[r + j]!;
      classCount[c] = classCount[c]! + w;
    }
    const self = this as unknown as DiscreteNBParams;
    const alpha = self.alpha < ALPHA_MIN && !self.forceAlpha ? ALPHA_MIN : self.alpha;
    const flp = this.featureLogProb(featureCount, classCount, k, d, alpha);
    const prior = checkNumberArrayParam(name, 'classPrior', self.classPrior, true);
    let logPrior: Float64Array;
    if (prior !== null) {
      if (prior.length !== k) {
        throw new ParameterRangeError(
          `The 'classPrior' parameter of ${name} must have one value per class (${k}). Got ${prior.length} values instead.`,
          name,
          'classPrior',
          self.classPrior,
        );
      }
      logPrior = prior.map(Math.log);
    } else if (self.fitPrior) {
      let total = 0;
      for (let c = 0; c < k; c++) total += classCount[c]!;
      const logTotal = Math.log(total);
      logPrior = classCount.map((v) => Math.log(v) - logTotal);
    } else {
      logPrior = new Float64Array(k).fill(-Math.log(k));
    }
    return {
      classes_: new DenseArray(classes.slice(), [k]),
      classCount_: new DenseArray(classCount, [k]),
      featureCount_: new DenseArray(featureCount, [k, d]),
      featureLogProb_: new DenseArray(flp, [k, d]),
      classLogPrior_: new DenseArray(logPrior, [k]),
      nFeaturesIn_: d,
    };
  }

  protected jointLogLikelihood(X: MatrixLike): { jll: Float64Array; n: number; k: number } {
    const s = this.fitted;
    const m = checkArray(X, { caller: this.estimatorName });
    checkFeatureCount(this.estimatorName, s.nFeaturesIn_, m.nFeatures);
    return { jll: this.jll(this.prepare(m, false), m.nSamples, m.nFeatures, s), n: m.nSamples, k: s.classes_.data.length };
  }

  get classCount_(): DenseArray<'float64'> {
    return this.fitted.classCount_;
  }
  get featureCount_(): DenseArray<'float64'> {
    return this.fitted.featureCount_;
  }
  get featureLogProb_(): DenseArray<'float64'> {
    return this.fitted.featureLogProb_;
  }
  get classLogPrior_(): DenseArray<'float64'> {
    return this.fitted.classLogPrior_;
  }
  get nFeaturesIn_(): number {
    return this.fitted.nFeaturesIn_;
  }
}

export interface MultinomialNB extends MultinomialNBParams {}

/**
 * Multinomial naive Bayes (counts, frequencies, tf-idf) — scikit-learn's `MultinomialNB`. Features
 * must be non-negative: a negative value throws, naming its row and column.
 *
 * @example
 * const nb = new MultinomialNB({ alpha: 0.5 });
 * for (const [X, y] of blocks) nb.partialFit(X, y, { classes: [0, 1] });
 * nb.predictProba(Xtest);
 */
export class MultinomialNB extends BaseDiscreteNB<MultinomialNBParams> {
  static readonly estimatorName = 'MultinomialNB';
  static readonly estimatorType = 'classifier';
  static readonly defaults: Readonly<MultinomialNBParams> = Object.freeze({
    alpha: 1.0,
    forceAlpha: false,
    fitPrior: true,
    classPrior: null,
  });
  static readonly constraints = DISCRETE_CONSTRAINTS;

  constructor(options: Partial<MultinomialNBParams> = {}) {
    super(options);
  }

  protected prepare(m: Matrix, forFit: boolean): Float64Array {
    if (forFit) {
      const { data, nFeatures: d } = m;
      for (let q = 0; q < data.length; q++) {
        if (data[q]! < 0) {
          throw new InvalidInputError(
            `${this.estimatorName}: X contains a negative value (${data[q]}) at row ${Math.floor(q / d)}, column ${q % d}; the multinomial model needs non-negative features (counts, frequencies).`,
          );
        }
      }
    }
    return m.data;
  }

  protected featureLogProb(fc: Float64Array, _cc: Float64Array, k: number, d: number, alpha: number): Float64Array {
    const out = new Float64Array(k * d);
    for (let c = 0; c < k; c++) {
      let total = 0;
      for (let j = 0; j < d; j++) total += fc[c * d + j]! + alpha;
      const logTotal = Math.log(total);
      for (let j = 0; j < d; j++) out[c * d + j] = Math.log(fc[c * d + j]! + alpha) - logTotal;
    }
    return out;
  }

  protected jll(X: Float64Array, n: number, d: number, s: DiscreteNBState): Float64Array {
    const k = s.classes_.data.length;
    const flp = s.featureLogProb_.data;
    const prior = s.classLogPrior_.data;
    const out = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) {
        let acc = 0;
        for (let j = 0; j < d; j++) acc += X[i * d + j]! * flp[c * d + j]!;
        out[i * k + c] = acc + prior[c]!;
      }
    }
    return out;
  }
}

export interface BernoulliNB extends BernoulliNBParams {}

/**
 * Bernoulli naive Bayes for binary features — scikit-learn's `BernoulliNB`: X is binarized at
 * `binarize` (x > binarize ↦ 1, else 0) for fitting and prediction alike.
 *
 * @example
 * const nb = new BernoulliNB({ binarize: 0.5 });
 * nb.partialFit(X1, y1, { classes: [0, 1, 2] }).partialFit(X2, y2);
 * nb.predictLogProba(Xtest);
 */
export class BernoulliNB extends BaseDiscreteNB<BernoulliNBParams> {
  static readonly estimatorName = 'BernoulliNB';
  static readonly estimatorType = 'classifier';
  static readonly defaults: Readonly<BernoulliNBParams> = Object.freeze({
    alpha: 1.0,
    forceAlpha: false,
    binarize: 0.0,
    fitPrior: true,
    classPrior: null,
  });
  static readonly constraints = { ...DISCRETE_CONSTRAINTS, binarize: [interval('float', null, null, 'neither'), NULL] };

  constructor(options: Partial<BernoulliNBParams> = {}) {
    super(options);
  }

  protected prepare(m: Matrix): Float64Array {
    if (this.binarize === null) return m.data;
    const t = this.binarize;
    const src = m.data;
    const out = new Float64Array(src.length);
    for (let q = 0; q < src.length; q++) out[q] = src[q]! > t ? 1 : 0;
    return out;
  }

  protected featureLogProb(fc: Float64Array, cc: Float64Array, k: number, d: number, alpha: number): Float64Array {
    const out = new Float64Array(k * d);
    for (let c = 0; c < k; c++) {
      const logDen = Math.log(cc[c]! + alpha * 2);
      for (let j = 0; j < d; j++) out[c * d + j] = Math.log(fc[c * d + j]! + alpha) - logDen;
    }
    return out;
  }

  protected jll(X: Float64Array, n: number, d: number, s: DiscreteNBState): Float64Array {
    const k = s.classes_.data.length;
    const flp = s.featureLogProb_.data;
    // neg = log(1 − exp(flp)); jll = X·(flp − neg)ᵀ + (classLogPrior + Σ_j neg)
    const diff = new Float64Array(k * d);
    const base = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      let negSum = 0;
      for (let j = 0; j < d; j++) {
        const neg = Math.log(1 - Math.exp(flp[c * d + j]!));
        diff[c * d + j] = flp[c * d + j]! - neg;
        negSum += neg;
      }
      base[c] = s.classLogPrior_.data[c]! + negSum;
    }
    const out = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) {
        let acc = 0;
        for (let j = 0; j < d; j++) acc += X[i * d + j]! * diff[c * d + j]!;
        out[i * k + c] = acc + base[c]!;
      }
    }
    return out;
  }
}

registerEstimator(MultinomialNB);
registerEstimator(BernoulliNB);
