/**
 * The SGD kernel: a port of what scikit-learn 1.2's `_sgd_fast.pyx` (`_plain_sgd`) and
 * `utils/_weight_vector.pyx` do, for dense float64 rows, operation for operation, so that the
 * same blocks fed in the same order give the same coefficients to rounding.
 *
 * What has to be reproduced, not approximated:
 * - The weight vector is `wscale * w`. The L2 shrink multiplies only the scalar; `w` is rescaled
 *   (and wscale reset to 1) when wscale falls below 1e-9 and at the end of every call.
 * - 'optimal' learning rate: eta = 1 / (alpha * (t0 + t - 1)) with t0 chosen so that the first
 *   eta equals typw / max(1, dloss(-typw, 1)), typw = sqrt(1 / sqrt(alpha)) (Bottou's heuristic).
 * - L1 / elastic net: the truncated gradient of Tsuruoka et al. (2009) with the cumulative
 *   penalty `u` and the per-weight record `q` of the penalty actually applied.
 * - Averaging (ASGD) done lazily with Bottou's trick: the average is `(aw + a * w) / b` for two
 *   scalars a, b updated per sample; it is materialised on rescale and at the end of the call.
 * - dloss is clipped to ±1e12; passive-aggressive steps replace the gradient step; t advances
 *   once per training sample that is not skipped (validation rows and zero rows under PA-I are).
 *
 * The loops are written so that each floating-point operation happens in the same order as in
 * the Cython code (e.g. the dot product is a plain left-to-right sum, then times wscale).
 */
import { ConvergenceError } from '../errors.js';
import { Random } from '../random.js';

/** Loss functions of the SGD family (scikit-learn's names). 'perceptron' is hinge with threshold 0. */
export type LossName =
  | 'hinge'
  | 'squared_hinge'
  | 'perceptron'
  | 'log_loss'
  | 'modified_huber'
  | 'squared_error'
  | 'huber'
  | 'epsilon_insensitive'
  | 'squared_epsilon_insensitive';

/** Integer codes used inside the loop (a switch on a small int is cheaper than on a string). */
export const LOSS = {
  HINGE: 0, // threshold in `lossParam` (1 for hinge, 0 for perceptron)
  SQUARED_HINGE: 1, // threshold in `lossParam`
  LOG: 2,
  MODIFIED_HUBER: 3,
  SQUARED: 4,
  HUBER: 5, // c in `lossParam`
  EPSILON_INSENSITIVE: 6, // epsilon in `lossParam`
  SQUARED_EPSILON_INSENSITIVE: 7, // epsilon in `lossParam`
} as const;

export const PENALTY = { NONE: 0, L1: 1, L2: 2, ELASTICNET: 3 } as const;
export const LEARNING_RATE = { CONSTANT: 1, OPTIMAL: 2, INVSCALING: 3, ADAPTIVE: 4, PA1: 5, PA2: 6 } as const;

/** A loss as the kernel sees it: its code and its one parameter (threshold, c or epsilon). */
export interface LossSpec {
  readonly code: number;
  readonly param: number;
}

/** The kernel's loss for a loss name; `epsilon` is used by huber and the epsilon-insensitive losses. */
export function lossSpec(name: LossName, epsilon: number): LossSpec {
  switch (name) {
    case 'hinge':
      return { code: LOSS.HINGE, param: 1 };
    case 'perceptron':
      return { code: LOSS.HINGE, param: 0 };
    case 'squared_hinge':
      return { code: LOSS.SQUARED_HINGE, param: 1 };
    case 'log_loss':
      return { code: LOSS.LOG, param: 0 };
    case 'modified_huber':
      return { code: LOSS.MODIFIED_HUBER, param: 0 };
    case 'squared_error':
      return { code: LOSS.SQUARED, param: 0 };
    case 'huber':
      return { code: LOSS.HUBER, param: epsilon };
    case 'epsilon_insensitive':
      return { code: LOSS.EPSILON_INSENSITIVE, param: epsilon };
    case 'squared_epsilon_insensitive':
      return { code: LOSS.SQUARED_EPSILON_INSENSITIVE, param: epsilon };
  }
}

/** The loss at prediction p for target y. */
export function lossValue(code: number, param: number, p: number, y: number): number {
  switch (code) {
    case LOSS.HINGE: {
      const z = p * y;
      return z <= param ? param - z : 0;
    }
    case LOSS.SQUARED_HINGE: {
      const z = param - p * y;
      return z > 0 ? z * z : 0;
    }
    case LOSS.LOG: {
      const z = p * y;
      if (z > 18) return Math.exp(-z);
      if (z < -18) return -z;
      return Math.log(1 + Math.exp(-z));
    }
    case LOSS.MODIFIED_HUBER: {
      const z = p * y;
      if (z >= 1) return 0;
      if (z >= -1) return (1 - z) * (1 - z);
      return -4 * z;
    }
    case LOSS.SQUARED:
      return 0.5 * (p - y) * (p - y);
    case LOSS.HUBER: {
      const r = p - y;
      const absR = Math.abs(r);
      return absR <= param ? 0.5 * r * r : param * absR - 0.5 * param * param;
    }
    case LOSS.EPSILON_INSENSITIVE: {
      const ret = Math.abs(y - p) - param;
      return ret > 0 ? ret : 0;
    }
    case LOSS.SQUARED_EPSILON_INSENSITIVE: {
      const ret = Math.abs(y - p) - param;
      return ret > 0 ? ret * ret : 0;
    }
    default:
      throw new RangeError(`unknown loss code ${code}`);
  }
}

/** The derivative of the loss with respect to the prediction p. */
export function dlossValue(code: number, param: number, p: number, y: number): number {
  switch (code) {
    case LOSS.HINGE:
      return p * y <= param ? -y : 0;
    case LOSS.SQUARED_HINGE: {
      const z = param - p * y;
      return z > 0 ? -2 * y * z : 0;
    }
    case LOSS.LOG: {
      const z = p * y;
      if (z > 18) return Math.exp(-z) * -y;
      if (z < -18) return -y;
      return -y / (Math.exp(z) + 1);
    }
    case LOSS.MODIFIED_HUBER: {
      const z = p * y;
      if (z >= 1) return 0;
      if (z >= -1) return 2 * (1 - z) * -y;
      return -4 * y;
    }
    case LOSS.SQUARED:
      return p - y;
    case LOSS.HUBER: {
      const r = p - y;
      if (Math.abs(r) <= param) return r;
      return r > 0 ? param : -param;
    }
    case LOSS.EPSILON_INSENSITIVE:
      if (y - p > param) return -1;
      if (p - y > param) return 1;
      return 0;
    case LOSS.SQUARED_EPSILON_INSENSITIVE: {
      const z = y - p;
      if (z > param) return -2 * (z - param);
      if (z < -param) return 2 * (-z - param);
      return 0;
    }
    default:
      throw new RangeError(`unknown loss code ${code}`);
  }
}

/** Inputs of one call of the kernel (one binary problem or one regression). */
export interface PlainSGDArgs {
  /** C-order rows, nSamples × nFeatures. */
  readonly X: Float64Array;
  readonly nSamples: number;
  readonly nFeatures: number;
  /** Targets: ±1 for classification, real values for regression. */
  readonly y: Float64Array;
  readonly sampleWeight: Float64Array;
  /** Weights, updated in place (length nFeatures; may be a subarray of a coef matrix). */
  readonly weights: Float64Array;
  readonly intercept: number;
  /** Averaged weights, updated in place; null when not averaging. */
  readonly averageWeights: Float64Array | null;
  readonly averageIntercept: number;
  readonly loss: LossSpec;
  /** One of {@link PENALTY}. */
  readonly penalty: number;
  readonly alpha: number;
  /** Maximum step of passive-aggressive. */
  readonly C: number;
  readonly l1Ratio: number;
  /** Rows to hold out (1 = validation); null for none. */
  readonly validationMask: Uint8Array | null;
  readonly earlyStopping: boolean;
  /** Score of (wscale * weights, intercept) on the validation rows; needed when earlyStopping. */
  readonly validationScore: ((weights: Float64Array, wscale: number, intercept: number) => number) | null;
  readonly nIterNoChange: number;
  readonly maxIter: number;
  /** Stopping tolerance; -Infinity for none (scikit-learn's tol=None). */
  readonly tol: number;
  readonly fitIntercept: boolean;
  readonly verbose: number;
  readonly shuffle: boolean;
  /** Seed of the shuffling generator (ignored without shuffle). */
  readonly seed: number;
  readonly weightPos: number;
  readonly weightNeg: number;
  /** One of {@link LEARNING_RATE}. */
  readonly learningRate: number;
  readonly eta0: number;
  readonly powerT: number;
  /** Initial t (the estimator's t_). */
  readonly t: number;
  readonly interceptDecay: number;
  /** Number of samples before averaging starts (0: no averaging; true ↦ 1). */
  readonly average: number;
}

export interface PlainSGDResult {
  readonly intercept: number;
  readonly averageIntercept: number;
  /** Epochs run. */
  readonly nIter: number;
}

const MAX_DLOSS = 1e12;
/** wscale below this is folded into the weights (scikit-learn's float64 threshold). */
const WSCALE_RESET = 1e-9;

/**
 * Runs up to `maxIter` epochs of SGD over the rows; `weights` and `averageWeights` are updated
 * in place. Throws {@link ConvergenceError} when the weights stop being finite.
 */
export function plainSGD(a: PlainSGDArgs): PlainSGDResult {
  const { X, y, sampleWeight, validationMask } = a;
  const n = a.nSamples;
  const d = a.nFeatures;
  const w = a.weights;
  const aw = a.averageWeights;
  const lossCode = a.loss.code;
  const lossParam = a.loss.param;
  const penalty = a.penalty;
  const alpha = a.alpha;
  const lr = a.learningRate;
  const eta0 = a.eta0;
  const powerT = a.powerT;
  const average = a.average;
  const isHinge = lossCode === LOSS.HINGE;
  const fitIntercept = a.fitIntercept;
  const interceptDecay = a.interceptDecay;
  const C = a.C;
  const weightPos = a.weightPos;
  const weightNeg = a.weightNeg;
  // The training loss is only needed to decide on another epoch or to print it.
  const trackLoss = (a.verbose > 0 || !a.earlyStopping) && (a.maxIter > 1 || a.verbose > 0);

  let intercept = a.intercept;
  let averageIntercept = a.averageIntercept;
  let t = a.t;
  // The weight vector is wscale * w; the average is (aw + averageA * w) / averageB.
  let wscale = 1;
  let averageA = 0;
  let averageB = 1;

  let l1Ratio = a.l1Ratio;
  if (penalty === PENALTY.L2) l1Ratio = 0;
  else if (penalty === PENALTY.L1) l1Ratio = 1;
  const useL1 = penalty === PENALTY.L1 || penalty === PENALTY.ELASTICNET;
  const q = useL1 ? new Float64Array(d) : null;
  let u = 0;

  let eta = eta0;
  let optimalInit = 0;
  if (lr === LEARNING_RATE.OPTIMAL) {
    const typw = Math.sqrt(1 / Math.sqrt(alpha));
    const initialEta0 = typw / pyMax(1, dlossValue(lossCode, lossParam, -typw, 1));
    optimalInit = 1 / (initialEta0 * alpha);
  }

  // Folds wscale into w and the lazy average into aw (WeightVector.reset_wscale).
  const resetWscale = (): void => {
    if (aw !== null) {
      for (let j = 0; j < d; j++) aw[j] = aw[j]! + averageA * w[j]!;
      const inv = 1 / averageB;
      for (let j = 0; j < d; j++) aw[j] = aw[j]! * inv;
      averageA = 0;
      averageB = 1;
    }
    for (let j = 0; j < d; j++) w[j] = w[j]! * wscale;
    wscale = 1;
  };

  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const rng = a.shuffle ? new Random(a.seed) : null;

  let noImprovementCount = 0;
  let bestLoss = Number.POSITIVE_INFINITY;
  let bestScore = Number.NEGATIVE_INFINITY;
  let epoch = 0;
  for (epoch = 0; epoch < a.maxIter; epoch++) {
    let sumloss = 0;
    if (a.verbose > 0) console.log(`-- Epoch ${epoch + 1}`);
    if (rng !== null) rng.shuffle(order);
    for (let i = 0; i < n; i++) {
      const idx = order[i]!;
      if (validationMask !== null && validationMask[idx] !== 0) continue; // no learning on validation rows
      const off = idx * d;
      const yi = y[idx]!;

      let dot = 0;
      for (let j = 0; j < d; j++) dot += w[j]! * X[off + j]!;
      const p = dot * wscale + intercept;

      if (lr === LEARNING_RATE.OPTIMAL) eta = 1 / (alpha * (optimalInit + t - 1));
      else if (lr === LEARNING_RATE.INVSCALING) eta = eta0 / Math.pow(t, powerT);

      if (trackLoss) sumloss += lossValue(lossCode, lossParam, p, yi);

      const classWeight = yi > 0 ? weightPos : weightNeg;

      let update: number;
      if (lr === LEARNING_RATE.PA1) {
        let sq = 0;
        for (let j = 0; j < d; j++) {
          const z = X[off + j]!;
          sq += z * z;
        }
        if (sq === 0) continue; // scikit-learn skips the sample, t included
        update = pyMin(C, lossValue(lossCode, lossParam, p, yi) / sq);
      } else if (lr === LEARNING_RATE.PA2) {
        let sq = 0;
        for (let j = 0; j < d; j++) {
          const z = X[off + j]!;
          sq += z * z;
        }
        update = lossValue(lossCode, lossParam, p, yi) / (sq + 0.5 / C);
      } else {
        let dloss = dlossValue(lossCode, lossParam, p, yi);
        if (dloss < -MAX_DLOSS) dloss = -MAX_DLOSS;
        else if (dloss > MAX_DLOSS) dloss = MAX_DLOSS;
        update = -eta * dloss;
      }
      if (lr >= LEARNING_RATE.PA1) {
        if (isHinge) update *= yi; // classification
        else if (yi - p < 0) update *= -1; // regression
      }
      update *= classWeight * sampleWeight[idx]!;

      if (penalty >= PENALTY.L2) {
        // Never scale to negative values when eta or alpha are too big: set the weights to zero.
        const c = pyMax(0, 1 - (1 - l1Ratio) * eta * alpha);
        wscale *= c;
        if (wscale < WSCALE_RESET) resetWscale();
      }
      if (update !== 0) {
        const step = update / wscale;
        for (let j = 0; j < d; j++) w[j] = w[j]! + X[off + j]! * step;
        if (fitIntercept) intercept += update * interceptDecay;
      }

      if (average > 0 && average <= t) {
        // Bottou's lazy averaging; done whether or not the update is zero.
        const numIter = t - average + 1;
        const mu = 1 / numIter;
        const step = -update / wscale;
        for (let j = 0; j < d; j++) aw![j] = aw![j]! + averageA * X[off + j]! * step;
        if (numIter > 1) averageB /= 1 - mu;
        averageA += mu * averageB * wscale;
        averageIntercept += (intercept - averageIntercept) / numIter;
      }

      if (useL1) {
        u += l1Ratio * eta * alpha;
        // Truncated gradient: move each weight towards zero by the penalty not yet applied to it,
        // never across zero; q[j] records what was applied.
        for (let j = 0; j < d; j++) {
          const z = w[j]!;
          if (wscale * z > 0) w[j] = pyMax(0, w[j]! - (u + q![j]!) / wscale);
          else if (wscale * z < 0) w[j] = pyMin(0, w[j]! + (u - q![j]!) / wscale);
          q![j] = q![j]! + wscale * (w[j]! - z);
        }
      }

      t += 1;
    }

    if (a.verbose > 0) {
      let sq = 0;
      let nnz = 0;
      for (let j = 0; j < d; j++) {
        const v = w[j]! * wscale;
        sq += v * v;
        if (w[j] !== 0) nnz++;
      }
      console.log(`Norm: ${Math.sqrt(sq).toFixed(2)}, NNZs: ${nnz}, Bias: ${intercept.toFixed(6)}, T: ${(epoch + 1) * n}, Avg. loss: ${(sumloss / n).toFixed(6)}`);
    }

    // Floating-point under-/overflow check.
    let finite = Number.isFinite(intercept);
    for (let j = 0; finite && j < d; j++) finite = Number.isFinite(w[j]!);
    if (!finite) {
      throw new ConvergenceError(
        `Floating-point under-/overflow occurred at epoch #${epoch + 1}. Scaling input data with StandardScaler or MinMaxScaler might help.`,
      );
    }

    if (a.earlyStopping) {
      const score = a.validationScore!(w, wscale, intercept);
      if (a.tol > Number.NEGATIVE_INFINITY && score < bestScore + a.tol) noImprovementCount += 1;
      else noImprovementCount = 0;
      if (score > bestScore) bestScore = score;
    } else {
      if (a.tol > Number.NEGATIVE_INFINITY && sumloss > bestLoss - a.tol * n) noImprovementCount += 1;
      else noImprovementCount = 0;
      if (sumloss < bestLoss) bestLoss = sumloss;
    }

    if (noImprovementCount >= a.nIterNoChange) {
      if (lr === LEARNING_RATE.ADAPTIVE && eta > 1e-6) {
        eta = eta / 5;
        noImprovementCount = 0;
      } else {
        if (a.verbose > 0) console.log(`Convergence after ${epoch + 1} epochs`);
        break;
      }
    }
  }

  resetWscale();
  return { intercept, averageIntercept, nIter: Math.min(epoch + 1, a.maxIter) };
}

/** Python's max(a, b) for two floats: the first argument unless the second is strictly greater (keeps signed zeros as Cython does). */
function pyMax(a: number, b: number): number {
  return b > a ? b : a;
}

/** Python's min(a, b) for two floats: the first argument unless the second is strictly smaller. */
function pyMin(a: number, b: number): number {
  return b < a ? b : a;
}
