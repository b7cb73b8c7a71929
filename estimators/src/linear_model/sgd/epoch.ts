/**
 * The SGD epoch: a port of what scikit-learn 1.2's `_sgd_fast.pyx` (the loss functions and
 * `_plain_sgd`) and `utils/_weight_vector.pyx` do, for dense float64 rows, operation for
 * operation, so that the same blocks fed in the same order give the same coefficients to
 * rounding. `plainSGD` runs the epochs (stopping rules, convergence checks); each epoch runs in
 * WebAssembly where wasm_epoch.ts covers the configuration, in JavaScript (`sgdEpoch`) otherwise.
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
import { ConvergenceError, InvalidInputError } from '../../errors.js';
import type { WasmMemory } from '../../wasm_module.js';
import { prefersWasm } from './backend.js';
import { glibcExp, glibcPow } from './libm.js';
import { EpochOrders, rowsPerBucket } from './shuffle.js';
import { WASM_NO_MEMORY, wasmAvailable } from './wasm.js';
import { type PreparedLayout, type StagedBlock, stageInOwnMemory, wasmEpoch, wasmEpochPrepared, wasmEpochStaged } from './wasm_epoch.js';

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
      if (z > 18) return glibcExp(-z);
      if (z < -18) return -z;
      return Math.log(1 + glibcExp(-z));
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
      if (z > 18) return glibcExp(-z) * -y;
      if (z < -18) return -y;
      // glibc's exp, not Math.exp: see libm.ts (1-ulp differences grow at small alpha).
      return -y / (glibcExp(z) + 1);
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
  /** Per-row weights; null means all ones. */
  readonly sampleWeight: Float64Array | null;
  /** Weights, updated in place (length nFeatures; may be a subarray of a coef matrix). */
  readonly weights: Float64Array;
  readonly intercept: number;
  /** Averaged weights, updated in place; null when not averaging. */
  readonly averageWeights: Float64Array | null;
  readonly averageIntercept: number;
  readonly loss: LossSpec;
  /** One of the `PENALTY` codes: 0 none, 1 l1, 2 l2, 3 elasticnet. */
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
  /** One of the `LEARNING_RATE` codes: 1 constant, 2 optimal, 3 invscaling, 4 adaptive, 5 PA-I, 6 PA-II. */
  readonly learningRate: number;
  readonly eta0: number;
  readonly powerT: number;
  /** Initial t (the estimator's t_). */
  readonly t: number;
  readonly interceptDecay: number;
  /** Number of samples before averaging starts (0: no averaging; true ↦ 1). */
  readonly average: number;
  /**
   * The rows are a prepared block's, in a shared WebAssembly memory: an unshuffled epoch runs on
   * them in place (see prepared.ts). Null for blocks given in memory.
   */
  readonly inPlace?: { readonly memory: WasmMemory; readonly layout: PreparedLayout } | null;
  /** Maps a row of X to the row to name in errors (a prepared block's rows are permuted); null: itself. */
  readonly rowOf?: ((row: number) => number) | null;
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

// Slots of the scalar state one epoch reads and writes (kept in a Float64Array so the epoch loop
// can live in its own function: V8 then optimises it whole, and its locals stay in registers).
const S_INTERCEPT = 0;
const S_AVG_INTERCEPT = 1;
const S_T = 2;
const S_WSCALE = 3;
const S_AVG_A = 4;
const S_AVG_B = 5;
const S_U = 6;
const S_ETA = 7;
const S_SUMLOSS = 8;

/** Everything an epoch needs besides the scalar state. */
interface EpochArgs {
  readonly X: Float64Array;
  readonly y: Float64Array;
  readonly sampleWeight: Float64Array | null;
  readonly validationMask: Uint8Array | null;
  order: Int32Array;
  readonly n: number;
  readonly d: number;
  readonly w: Float64Array;
  readonly aw: Float64Array | null;
  readonly q: Float64Array | null;
  readonly lossCode: number;
  readonly lossParam: number;
  readonly penalty: number;
  readonly l1Ratio: number;
  readonly alpha: number;
  readonly C: number;
  readonly lr: number;
  readonly eta0: number;
  readonly powerT: number;
  readonly optimalInit: number;
  readonly average: number;
  readonly fitIntercept: boolean;
  readonly interceptDecay: number;
  readonly weightPos: number;
  readonly weightNeg: number;
  readonly trackLoss: boolean;
  readonly rowOf: ((row: number) => number) | null;
}

/**
 * Runs up to `maxIter` epochs of SGD over the rows; `weights` and `averageWeights` are updated
 * in place. Throws {@link ConvergenceError} when the weights stop being finite, and
 * {@link InvalidInputError} naming the row and column when a training row holds NaN or ±Infinity
 * (detected from the prediction, so clean data pays one comparison per row).
 */
/**
 * Whether the epochs sum the training loss: only when something reads it — verbose output, or the
 * stopping rule without early stopping, which needs a tolerance (tol null, -Infinity, never stops
 * on the loss) and more than one epoch. Skipping it changes no weight; for the log loss it saves a
 * bit-exact exp per sample, about as much as the update itself.
 */
export function tracksLoss(a: Pick<PlainSGDArgs, 'verbose' | 'earlyStopping' | 'maxIter' | 'tol'>): boolean {
  return a.verbose > 0 || (!a.earlyStopping && a.maxIter > 1 && a.tol > Number.NEGATIVE_INFINITY);
}

export function plainSGD(a: PlainSGDArgs): PlainSGDResult {
  const n = a.nSamples;
  const d = a.nFeatures;
  const w = a.weights;
  const lossCode = a.loss.code;
  const lossParam = a.loss.param;
  const penalty = a.penalty;
  const alpha = a.alpha;
  const lr = a.learningRate;

  let l1Ratio = a.l1Ratio;
  if (penalty === PENALTY.L2) l1Ratio = 0;
  else if (penalty === PENALTY.L1) l1Ratio = 1;
  const useL1 = penalty === PENALTY.L1 || penalty === PENALTY.ELASTICNET;

  let optimalInit = 0;
  if (lr === LEARNING_RATE.OPTIMAL) {
    const typw = Math.sqrt(1 / Math.sqrt(alpha));
    const initialEta0 = typw / pyMax(1, dlossValue(lossCode, lossParam, -typw, 1));
    optimalInit = 1 / (initialEta0 * alpha);
  }

  // scikit-learn's dataset index, shuffled at the start of every epoch with the same seed.
  const orders = a.shuffle ? new EpochOrders(n, a.seed) : null;
  const rowOf = a.rowOf ?? null;
  const inPlace = a.inPlace ?? null;
  const useWasm =
    a.averageWeights === null &&
    (penalty === PENALTY.NONE || penalty === PENALTY.L2) &&
    lr <= LEARNING_RATE.ADAPTIVE &&
    a.validationMask === null &&
    prefersWasm(n, d) &&
    wasmAvailable();
  // Visit order for the JS epoch: identity, or the epoch's shuffled order (the WebAssembly epoch
  // takes the same order as bucket-grouped slots, and without shuffling streams rows in place).
  let order: Int32Array = new Int32Array(orders === null && !useWasm ? n : 0);
  if (orders === null && !useWasm) for (let i = 0; i < n; i++) order[i] = i;
  const identityOrder = (): Int32Array => {
    if (order.length !== n) {
      order = new Int32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
    }
    return order;
  };

  const ep: EpochArgs = {
    X: a.X,
    y: a.y,
    sampleWeight: a.sampleWeight,
    validationMask: a.validationMask,
    order,
    n,
    d,
    w,
    aw: a.averageWeights,
    q: useL1 ? new Float64Array(d) : null,
    lossCode,
    lossParam,
    penalty,
    l1Ratio,
    alpha,
    C: a.C,
    lr,
    eta0: a.eta0,
    powerT: a.powerT,
    optimalInit,
    average: a.average,
    fitIntercept: a.fitIntercept,
    interceptDecay: a.interceptDecay,
    weightPos: a.weightPos,
    weightNeg: a.weightNeg,
    trackLoss: tracksLoss(a),
    rowOf,
  };
  const st = new Float64Array(9);
  st[S_INTERCEPT] = a.intercept;
  st[S_AVG_INTERCEPT] = a.averageIntercept;
  st[S_T] = a.t;
  st[S_WSCALE] = 1; // the weight vector is wscale * w
  st[S_AVG_A] = 0; // the average is (aw + averageA * w) / averageB
  st[S_AVG_B] = 1;
  st[S_U] = 0;
  st[S_ETA] = a.eta0;

  // Rows given in memory, unshuffled, several epochs: copied into WebAssembly memory once for
  // the whole fit, each epoch then runs on them in place (see stageInOwnMemory).
  let staged: StagedBlock | null =
    useWasm && orders === null && inPlace === null && a.maxIter > 1 ? stageInOwnMemory(a.X, a.y, a.sampleWeight, n, d) : null;

  let noImprovementCount = 0;
  let bestLoss = Number.POSITIVE_INFINITY;
  let bestScore = Number.NEGATIVE_INFINITY;
  let epoch = 0;
  for (epoch = 0; epoch < a.maxIter; epoch++) {
    if (a.verbose > 0) console.log(`-- Epoch ${epoch + 1}`);
    st[S_SUMLOSS] = 0;
    let bad = WASM_NO_MEMORY;
    const shuffledOrder = orders === null ? null : orders.next();
    if (useWasm) {
      const wa = { ...ep, l2: penalty === PENALTY.L2 };
      if (orders === null && inPlace !== null) bad = wasmEpochPrepared(wa, st, inPlace.memory, inPlace.layout);
      else if (staged !== null) {
        bad = wasmEpochStaged(wa, st, staged);
        if (bad === WASM_NO_MEMORY) staged = null; // not usable in place after all (nothing was changed): stream
      }
      if (bad === WASM_NO_MEMORY) bad = wasmEpoch(wa, st, orders, rowsPerBucket(d));
    }
    if (bad >= 0) throwIfNonFinite(a.X, bad * d, d, rowOf === null ? bad : rowOf(bad));
    if (bad === WASM_NO_MEMORY) {
      // JavaScript epoch (WebAssembly not used, or out of memory).
      ep.order = shuffledOrder ?? identityOrder();
      sgdEpoch(ep, st);
    }
    const intercept = st[S_INTERCEPT]!;
    const wscale = st[S_WSCALE]!;
    const sumloss = st[S_SUMLOSS]!;

    if (a.verbose > 0) {
      let sq = 0;
      let nnz = 0;
      for (let j = 0; j < d; j++) {
        const v = w[j]! * wscale;
        sq += v * v;
        if (w[j] !== 0) nnz++;
      }
      console.log(
        `Norm: ${Math.sqrt(sq).toFixed(2)}, NNZs: ${nnz}, Bias: ${intercept.toFixed(6)}, T: ${(epoch + 1) * n}, Avg. loss: ${(sumloss / n).toFixed(6)}`,
      );
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
      // scikit-learn 1.2 scores the raw weight array (`validation_score_cb(weights, intercept)`),
      // without the pending scale wscale: reproduced, as it decides when training stops.
      const score = a.validationScore!(w, 1, intercept);
      if (a.tol > Number.NEGATIVE_INFINITY && score < bestScore + a.tol) noImprovementCount += 1;
      else noImprovementCount = 0;
      if (score > bestScore) bestScore = score;
    } else {
      if (a.tol > Number.NEGATIVE_INFINITY && sumloss > bestLoss - a.tol * n) noImprovementCount += 1;
      else noImprovementCount = 0;
      if (sumloss < bestLoss) bestLoss = sumloss;
    }

    if (noImprovementCount >= a.nIterNoChange) {
      if (lr === LEARNING_RATE.ADAPTIVE && st[S_ETA]! > 1e-6) {
        st[S_ETA] = st[S_ETA]! / 5;
        noImprovementCount = 0;
      } else {
        if (a.verbose > 0) console.log(`Convergence after ${epoch + 1} epochs`);
        break;
      }
    }
  }

  if (ep.aw !== null) foldAverage(w, ep.aw, st[S_AVG_A]!, st[S_AVG_B]!);
  scaleInPlace(w, st[S_WSCALE]!);
  return { intercept: st[S_INTERCEPT]!, averageIntercept: st[S_AVG_INTERCEPT]!, nIter: Math.min(epoch + 1, a.maxIter) };
}

/** One pass over the rows in `order` (the body of scikit-learn's per-epoch loop). */
function sgdEpoch(ep: EpochArgs, st: Float64Array): void {
  const { X, y, sampleWeight, validationMask, order, n, d, w, aw, q } = ep;
  const {
    lossCode,
    lossParam,
    penalty,
    l1Ratio,
    alpha,
    C,
    lr,
    eta0,
    powerT,
    optimalInit,
    average,
    fitIntercept,
    interceptDecay,
    weightPos,
    weightNeg,
    trackLoss,
    rowOf,
  } = ep;
  const isHinge = lossCode === LOSS.HINGE;
  const useL1 = q !== null;
  const d4 = d & ~3;
  let intercept = st[S_INTERCEPT]!;
  let averageIntercept = st[S_AVG_INTERCEPT]!;
  let t = st[S_T]!;
  let wscale = st[S_WSCALE]!;
  let averageA = st[S_AVG_A]!;
  let averageB = st[S_AVG_B]!;
  let u = st[S_U]!;
  let eta = st[S_ETA]!;
  let sumloss = 0;

  for (let i = 0; i < n; i++) {
    const idx = order[i]!;
    if (validationMask !== null && validationMask[idx] !== 0) continue; // no learning on validation rows
    const off = idx * d;
    const yi = y[idx]!;

    // Left-to-right sum as in WeightVector.dot (unrolled; one accumulator keeps the order).
    let dot = 0;
    let j = 0;
    for (; j < d4; j += 4) {
      dot += w[j]! * X[off + j]!;
      dot += w[j + 1]! * X[off + j + 1]!;
      dot += w[j + 2]! * X[off + j + 2]!;
      dot += w[j + 3]! * X[off + j + 3]!;
    }
    for (; j < d; j++) dot += w[j]! * X[off + j]!;
    const p = dot * wscale + intercept;
    // NaN or ±Infinity in the row always makes p non-finite; then look for it (p may also have
    // overflowed from diverging weights, which the epoch-end check reports).
    if (p - p !== 0) throwIfNonFinite(X, off, d, rowOf === null ? idx : rowOf(idx));

    if (lr === LEARNING_RATE.OPTIMAL) eta = 1 / (alpha * (optimalInit + t - 1));
    else if (lr === LEARNING_RATE.INVSCALING) eta = eta0 / glibcPow(t, powerT);

    if (trackLoss) sumloss += lossValue(lossCode, lossParam, p, yi);

    const classWeight = yi > 0 ? weightPos : weightNeg;

    let update: number;
    if (lr === LEARNING_RATE.PA1) {
      const sq = sqnorm(X, off, d);
      if (sq === 0) continue; // scikit-learn skips the sample, t included
      update = pyMin(C, lossValue(lossCode, lossParam, p, yi) / sq);
    } else if (lr === LEARNING_RATE.PA2) {
      update = lossValue(lossCode, lossParam, p, yi) / (sqnorm(X, off, d) + 0.5 / C);
    } else {
      let dloss = lossCode === LOSS.HINGE ? (p * yi <= lossParam ? -yi : 0) : dlossValue(lossCode, lossParam, p, yi);
      if (dloss < -MAX_DLOSS) dloss = -MAX_DLOSS;
      else if (dloss > MAX_DLOSS) dloss = MAX_DLOSS;
      update = -eta * dloss;
    }
    if (lr >= LEARNING_RATE.PA1) {
      if (isHinge)
        update *= yi; // classification
      else if (yi - p < 0) update *= -1; // regression
    }
    update *= classWeight * (sampleWeight === null ? 1 : sampleWeight[idx]!);

    if (penalty >= PENALTY.L2) {
      // Never scale to negative values when eta or alpha are too big: set the weights to zero.
      wscale *= pyMax(0, 1 - (1 - l1Ratio) * eta * alpha);
      if (wscale < WSCALE_RESET) {
        // WeightVector.reset_wscale: fold the lazy average into aw, then wscale into w.
        if (aw !== null) foldAverage(w, aw, averageA, averageB);
        averageA = 0;
        averageB = 1;
        scaleInPlace(w, wscale);
        wscale = 1;
      }
    }
    if (update !== 0) {
      const step = update / wscale;
      for (let k = 0; k < d; k++) w[k] = w[k]! + X[off + k]! * step;
      if (fitIntercept) intercept += update * interceptDecay;
    }

    if (average > 0 && average <= t) {
      // Bottou's lazy averaging; done whether or not the update is zero.
      const numIter = t - average + 1;
      const mu = 1 / numIter;
      const step = -update / wscale;
      for (let k = 0; k < d; k++) aw![k] = aw![k]! + averageA * X[off + k]! * step;
      if (numIter > 1) averageB /= 1 - mu;
      averageA += mu * averageB * wscale;
      averageIntercept += (intercept - averageIntercept) / numIter;
    }

    if (useL1) {
      u += l1Ratio * eta * alpha;
      // Truncated gradient: move each weight towards zero by the penalty not yet applied to it,
      // never across zero; q[k] records what was applied.
      for (let k = 0; k < d; k++) {
        const z = w[k]!;
        if (wscale * z > 0) w[k] = pyMax(0, w[k]! - (u + q[k]!) / wscale);
        else if (wscale * z < 0) w[k] = pyMin(0, w[k]! + (u - q[k]!) / wscale);
        q[k] = q[k]! + wscale * (w[k]! - z);
      }
    }

    t += 1;
  }

  st[S_INTERCEPT] = intercept;
  st[S_AVG_INTERCEPT] = averageIntercept;
  st[S_T] = t;
  st[S_WSCALE] = wscale;
  st[S_AVG_A] = averageA;
  st[S_AVG_B] = averageB;
  st[S_U] = u;
  st[S_ETA] = eta;
  st[S_SUMLOSS] = sumloss;
}

function sqnorm(X: Float64Array, off: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const z = X[off + j]!;
    s += z * z;
  }
  return s;
}

/** Throws InvalidInputError naming the first NaN/±Infinity of row `row` (C-order, `d` columns from `off`). */
export function throwIfNonFinite(X: Float64Array, off: number, d: number, row: number, name = 'X'): void {
  for (let j = 0; j < d; j++) {
    const v = X[off + j]!;
    if (!Number.isFinite(v)) {
      throw new InvalidInputError(
        `input ${name} contains ${Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'} at row ${row}, column ${j}.`,
        { row },
      );
    }
  }
}

/** aw = (aw + a·w) · (1/b): materialises the lazy average (BLAS axpy then scal in scikit-learn). */
function foldAverage(w: Float64Array, aw: Float64Array, a: number, b: number): void {
  const d = w.length;
  for (let j = 0; j < d; j++) aw[j] = aw[j]! + a * w[j]!;
  const inv = 1 / b;
  for (let j = 0; j < d; j++) aw[j] = aw[j]! * inv;
}

function scaleInPlace(w: Float64Array, c: number): void {
  for (let j = 0; j < w.length; j++) w[j] = w[j]! * c;
}

/** Python's max(a, b) for two floats: the first argument unless the second is strictly greater (keeps signed zeros as Cython does). */
function pyMax(a: number, b: number): number {
  return b > a ? b : a;
}

/** Python's min(a, b) for two floats: the first argument unless the second is strictly smaller. */
function pyMin(a: number, b: number): number {
  return b < a ? b : a;
}
