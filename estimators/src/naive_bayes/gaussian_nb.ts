/**
 * Gaussian naive Bayes, a port of scikit-learn 1.2's `GaussianNB` (`naive_bayes.py`): per-class
 * feature means and variances updated block by block with Chan et al.'s pairwise formula
 * (`_update_mean_variance`), variances boosted by `epsilon_ = varSmoothing · max_j var(X_block[:, j])`.
 *
 * Learned state (plain data, see base.ts):
 *   classes_      DenseArray [k]
 *   theta_        DenseArray [k, d]   per-class means
 *   var_          DenseArray [k, d]   per-class variances (+ epsilon_)
 *   classCount_   DenseArray [k]      (weighted) samples per class
 *   classPrior_   DenseArray [k]
 *   epsilon_      number
 *   nFeaturesIn_  number
 */
import { DenseArray } from '@tessera/array';
import type { State } from '../base.js';
import { ParameterRangeError } from '../errors.js';
import { registerEstimator } from '../registry.js';
import { type StateSchema, count, matrix, real, vector } from '../state_schema.js';
import {
  type MatrixLike,
  type VectorLike,
  checkArray,
  checkFeatureCount,
  checkSampleWeight,
  checkVector,
  interval,
} from '../validation.js';
import { BaseNB } from './base_nb.js';
import { checkNumberArrayParam, labelIndices, partialFitClasses, uniqueSorted } from './labels.js';

/** Hyperparameters of {@link GaussianNB} (scikit-learn's, camelCase, same defaults). */
export interface GaussianNBParams {
  /** Prior probabilities of the classes (sorted label order); null = from the data. */
  priors: readonly number[] | null;
  /** Portion of the largest feature variance added to every variance, for stability. */
  varSmoothing: number;
}

export interface GaussianNBState extends State {
  classes_: DenseArray<'float64'>;
  theta_: DenseArray<'float64'>;
  var_: DenseArray<'float64'>;
  classCount_: DenseArray<'float64'>;
  classPrior_: DenseArray<'float64'>;
  epsilon_: number;
  nFeaturesIn_: number;
}

/** Options of {@link GaussianNB.partialFit}. */
export interface NBPartialFitOptions {
  /** Every label that can occur; required on the first call. */
  classes?: VectorLike;
  /** Per-sample weights (default: all ones). */
  sampleWeight?: VectorLike;
}

export interface GaussianNB extends GaussianNBParams {}

/**
 * Gaussian naive Bayes — scikit-learn's `GaussianNB`, with the same incremental numerics:
 * feeding the same blocks to `partialFit` reproduces scikit-learn 1.2's `theta_`, `var_`,
 * `classCount_`, `classPrior_` and probabilities to rounding (~1e-15).
 *
 * @example
 * const nb = new GaussianNB();
 * nb.partialFit(X1, y1, { classes: [0, 1, 2] });
 * nb.partialFit(X2, y2);
 * nb.predict(X3);        // labels
 * nb.predictProba(X3);   // [n, 3]
 */
export class GaussianNB extends BaseNB<GaussianNBParams, GaussianNBState> {
  static readonly estimatorName = 'GaussianNB';
  static readonly estimatorType = 'classifier';
  static readonly defaults: Readonly<GaussianNBParams> = Object.freeze({ priors: null, varSmoothing: 1e-9 });
  // `priors` (an array or null) is checked in code: no constraint kind describes number arrays.
  static readonly constraints = { varSmoothing: [interval('float', 0, null, 'left')] };
  static readonly stateSchema: StateSchema = {
    fields: {
      nFeaturesIn_: count(1, 'd'),
      classes_: vector('k', { sorted: true, minLength: 1 }),
      theta_: matrix('k', 'd'),
      var_: matrix('k', 'd'),
      classCount_: vector('k'),
      classPrior_: vector('k'),
      epsilon_: real('nonNegative'),
    },
  };

  constructor(options: Partial<GaussianNBParams> = {}) {
    super(options);
  }

  /** Forgets any previous state and fits on (X, y) in one pass (classes from y). */
  fit(X: MatrixLike, y: VectorLike, options: { sampleWeight?: VectorLike } = {}): this {
    const name = this.estimatorName;
    this.validate();
    const m = checkArray(X, { caller: name });
    const yv = checkVector(y, m.nSamples, { caller: name, name: 'y' });
    this.learned = this.update(null, m.data, m.nSamples, m.nFeatures, yv, uniqueSorted(yv), options.sampleWeight);
    return this;
  }

  /** Folds one block into the per-class means and variances (scikit-learn's `partial_fit`). */
  partialFit(X: MatrixLike, y: VectorLike, options: NBPartialFitOptions = {}): this {
    const name = this.estimatorName;
    const prev = this.learned ?? null;
    // Every call: a setParams between calls is validated too (scikit-learn 1.2 checks only the first).
    this.validate();
    const m = checkArray(X, { caller: name });
    if (prev !== null) checkFeatureCount(name, prev.nFeaturesIn_, m.nFeatures);
    const yv = checkVector(y, m.nSamples, { caller: name, name: 'y' });
    const classes = partialFitClasses(name, options.classes, prev === null ? null : prev.classes_.data);
    this.learned = this.update(prev, m.data, m.nSamples, m.nFeatures, yv, classes, options.sampleWeight);
    return this;
  }

  private validate(): void {
    this.checkParams();
  }

  /** `priors`: null or an array of finite numbers (its length is checked against the classes at fit). */
  protected override checkMoreParams(): void {
    checkNumberArrayParam(this.estimatorName, 'priors', this.priors, true);
  }

  /** scikit-learn's `_partial_fit` on fresh copies of the state. */
  private update(
    prev: GaussianNBState | null,
    X: Float64Array,
    n: number,
    d: number,
    y: Float64Array,
    classes: Float64Array,
    sampleWeight: VectorLike | undefined,
  ): GaussianNBState {
    const name = this.estimatorName;
    const sw = sampleWeight === undefined || sampleWeight === null ? null : checkSampleWeight(sampleWeight, n, name);
    const idx = labelIndices(name, y, classes);
    const k = classes.length;
    // epsilon_ = varSmoothing · the largest feature variance of this block.
    const colVar = columnVariance(X, n, d, null, null);
    let maxVar = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < d; j++) if (colVar.var[j]! > maxVar) maxVar = colVar.var[j]!;
    const epsilon = this.varSmoothing * maxVar;
    let theta: Float64Array, variance: Float64Array, count: Float64Array, prior: Float64Array;
    if (prev === null) {
      theta = new Float64Array(k * d);
      variance = new Float64Array(k * d);
      count = new Float64Array(k);
      const priors = checkNumberArrayParam(name, 'priors', this.priors, true);
      if (priors !== null) {
        if (priors.length !== k) {
          throw new ParameterRangeError(
            `The 'priors' parameter of ${name} must have one value per class (${k}). Got ${priors.length} values instead.`,
            name,
            'priors',
            this.priors,
          );
        }
        let sum = 0;
        for (const p of priors) sum += p;
        // numpy.isclose(sum, 1): |sum − 1| <= 1e-8 + 1e-5
        if (!(Math.abs(sum - 1) <= 1e-8 + 1e-5))
          throw new ParameterRangeError(
            `The 'priors' parameter of ${name} must sum to 1. Got a sum of ${sum} instead.`,
            name,
            'priors',
            this.priors,
          );
        if (priors.some((p) => p < 0))
          throw new ParameterRangeError(`The 'priors' parameter of ${name} must be non-negative.`, name, 'priors', this.priors);
        prior = priors;
      } else {
        prior = new Float64Array(k);
      }
    } else {
      theta = prev.theta_.data.slice();
      variance = prev.var_.data.slice();
      count = prev.classCount_.data.slice();
      prior = prev.classPrior_.data.slice();
      // scikit-learn takes the *new* block's epsilon back out (not the previous one): kept as is.
      for (let q = 0; q < variance.length; q++) variance[q] = variance[q]! - epsilon;
    }
    // Rows of each class present in this block, in row order.
    const members: number[][] = Array.from({ length: k }, () => []);
    for (let i = 0; i < n; i++) members[idx[i]!]!.push(i);
    for (let c = 0; c < k; c++) {
      const rows = members[c]!;
      if (rows.length === 0) continue;
      const nPast = count[c]!;
      let nNew: number;
      let stats: { mean: Float64Array; var: Float64Array };
      if (sw !== null) {
        nNew = 0;
        for (const r of rows) nNew += sw[r]!;
        // numpy.isclose(n_new, 0): the block adds nothing to this class.
        if (Math.abs(nNew) <= 1e-8) continue;
        stats = columnVariance(X, n, d, rows, sw);
      } else {
        nNew = rows.length;
        stats = columnVariance(X, n, d, rows, null);
      }
      const o = c * d;
      if (nPast === 0) {
        for (let j = 0; j < d; j++) {
          theta[o + j] = stats.mean[j]!;
          variance[o + j] = stats.var[j]!;
        }
      } else {
        const nTotal = nPast + nNew;
        const f = (nNew * nPast) / nTotal;
        for (let j = 0; j < d; j++) {
          const mu = theta[o + j]!;
          const newMu = stats.mean[j]!;
          theta[o + j] = (nNew * newMu + nPast * mu) / nTotal;
          const diff = mu - newMu;
          const ssd = nPast * variance[o + j]! + nNew * stats.var[j]! + f * (diff * diff);
          variance[o + j] = ssd / nTotal;
        }
      }
      count[c] = nPast + nNew;
    }
    for (let q = 0; q < variance.length; q++) variance[q] = variance[q]! + epsilon;
    if (this.priors === null) {
      let total = 0;
      for (let c = 0; c < k; c++) total += count[c]!;
      for (let c = 0; c < k; c++) prior[c] = count[c]! / total;
    }
    return {
      classes_: new DenseArray(classes.slice(), [k]),
      theta_: new DenseArray(theta, [k, d]),
      var_: new DenseArray(variance, [k, d]),
      classCount_: new DenseArray(count, [k]),
      classPrior_: new DenseArray(prior, [k]),
      epsilon_: epsilon,
      nFeaturesIn_: d,
    };
  }

  /** Unnormalised log posterior of every class, [n, k] row-major (scikit-learn's `_joint_log_likelihood`). */
  protected jointLogLikelihood(X: MatrixLike): { jll: Float64Array; n: number; k: number } {
    const s = this.fitted;
    const m = checkArray(X, { caller: this.estimatorName });
    checkFeatureCount(this.estimatorName, s.nFeaturesIn_, m.nFeatures);
    const { data, nSamples: n, nFeatures: d } = m;
    const k = s.classes_.data.length;
    const theta = s.theta_.data;
    const v = s.var_.data;
    const jll = new Float64Array(n * k);
    for (let c = 0; c < k; c++) {
      const o = c * d;
      const joint = Math.log(s.classPrior_.data[c]!);
      let logDet = 0;
      for (let j = 0; j < d; j++) logDet += Math.log(2.0 * Math.PI * v[o + j]!);
      const nij0 = -0.5 * logDet;
      for (let i = 0; i < n; i++) {
        const r = i * d;
        let q = 0;
        for (let j = 0; j < d; j++) {
          const t = data[r + j]! - theta[o + j]!;
          q += (t * t) / v[o + j]!;
        }
        jll[i * k + c] = joint + (nij0 - 0.5 * q);
      }
    }
    return { jll, n, k };
  }

  get theta_(): DenseArray<'float64'> {
    return this.fitted.theta_;
  }
  get var_(): DenseArray<'float64'> {
    return this.fitted.var_;
  }
  get classCount_(): DenseArray<'float64'> {
    return this.fitted.classCount_;
  }
  get classPrior_(): DenseArray<'float64'> {
    return this.fitted.classPrior_;
  }
  get epsilon_(): number {
    return this.fitted.epsilon_;
  }
  get nFeaturesIn_(): number {
    return this.fitted.nFeaturesIn_;
  }
}

/**
 * Column means and (population) variances of the rows `rows` of X (all rows when null), as numpy
 * computes `mean(axis=0)` / `var(axis=0)` — or `average(…, weights)` with sample weights.
 */
function columnVariance(
  X: Float64Array,
  n: number,
  d: number,
  rows: number[] | null,
  sw: Float64Array | null,
): { mean: Float64Array; var: Float64Array } {
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  const count = rows === null ? n : rows.length;
  let wsum = 0;
  for (let r = 0; r < count; r++) {
    const i = rows === null ? r : rows[r]!;
    const o = i * d;
    if (sw === null) {
      for (let j = 0; j < d; j++) mean[j] = mean[j]! + X[o + j]!;
    } else {
      const w = sw[i]!;
      wsum += w;
      for (let j = 0; j < d; j++) mean[j] = mean[j]! + X[o + j]! * w;
    }
  }
  const denom = sw === null ? count : wsum;
  for (let j = 0; j < d; j++) mean[j] = mean[j]! / denom;
  for (let r = 0; r < count; r++) {
    const i = rows === null ? r : rows[r]!;
    const o = i * d;
    const w = sw === null ? 1 : sw[i]!;
    for (let j = 0; j < d; j++) {
      const t = X[o + j]! - mean[j]!;
      sq[j] = sq[j]! + (sw === null ? t * t : t * t * w);
    }
  }
  for (let j = 0; j < d; j++) sq[j] = sq[j]! / denom;
  return { mean, var: sq };
}

registerEstimator(GaussianNB);
