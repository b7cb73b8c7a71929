/**
 * The numerics of scikit-learn 1.2's multi-layer perceptron (`neural_network/_multilayer_perceptron.py`,
 * `_base.py`, `_stochastic_optimizers.py`), ported operation by operation:
 *
 * - forward: Z = A·W + b, then the hidden activation in place; the output activation is identity
 *   (regression), logistic (binary / one output) or softmax (multiclass);
 * - loss: squared error / 2, or (binary) log loss with probabilities clipped to [eps, 1 − eps],
 *   plus (α/2)·Σ‖W‖² / batch;
 * - backward: δ_last = output − y; ∇W = (Aᵀ·δ + α·W) / batch; ∇b = mean(δ); δ_{i−1} = δ_i·W_iᵀ
 *   times the activation's derivative (relu: zero where the output is 0);
 * - optimizers: SGD with (Nesterov) momentum and constant / invscaling / adaptive learning rates,
 *   and Adam with scikit-learn's bias correction folded into the learning rate:
 *   lr_t = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ), update = −lr_t·m / (√v + ε);
 * - epochs: `t_ += n`, the loss curve, the no-improvement counter against tol (or the validation
 *   score with early stopping), `iteration_ends` (invscaling) and `trigger_stopping` (adaptive ÷5).
 *
 * All parameters live in one flat vector — coefs of every layer, then intercepts (scikit-learn's
 * `params = coefs_ + intercepts_` order) — so the optimizer updates are single loops, and all
 * working arrays live in one memory shared with the matrix-product backend (gemm.ts).
 */
import { ConvergenceError } from '../errors.js';
import type { RandomState } from '@tessera/array';
import { EPILOGUE, type Gemm, gemm } from './gemm.js';

export type Activation = 'identity' | 'logistic' | 'tanh' | 'relu';
export type OutActivation = 'identity' | 'logistic' | 'softmax';

/** Hyperparameters the engine uses (already validated). */
export interface EngineConfig {
  readonly activation: Activation;
  readonly outActivation: OutActivation;
  readonly solver: 'sgd' | 'adam';
  readonly alpha: number;
  readonly batchSize: 'auto' | number;
  readonly learningRate: 'constant' | 'invscaling' | 'adaptive';
  readonly learningRateInit: number;
  readonly powerT: number;
  readonly momentum: number;
  readonly nesterovsMomentum: boolean;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly shuffle: boolean;
  readonly tol: number;
  readonly nIterNoChange: number;
  readonly verbose: boolean;
}

/** Everything training changes, as plain data (the estimator's state holds it field by field). */
export interface EngineState {
  /** Units per layer: [nFeatures, ...hidden, nOutputs]. */
  readonly layerUnits: readonly number[];
  /** Flat parameters: coefs of every layer (row-major [fanIn, fanOut]), then intercepts. */
  params: Float64Array;
  /** The optimizer's current learning rate. */
  learningRate: number;
  /** Adam's step counter (0 for sgd). */
  adamT: number;
  /** SGD velocities, or Adam's first moments; null until the optimizer exists. */
  moment1: Float64Array | null;
  /** Adam's second moments. */
  moment2: Float64Array | null;
  nIter: number;
  t: number;
  loss: number;
  lossCurve: number[];
  bestLoss: number | null;
  noImprovementCount: number;
  validationScores: number[] | null;
  bestValidationScore: number | null;
}

/** Sizes of the flat parameter vector's parts. */
export function paramLayout(units: readonly number[]): { coefOffsets: number[]; interceptOffsets: number[]; size: number } {
  const coefOffsets: number[] = [];
  const interceptOffsets: number[] = [];
  let size = 0;
  for (let l = 0; l + 1 < units.length; l++) {
    coefOffsets.push(size);
    size += units[l]! * units[l + 1]!;
  }
  for (let l = 0; l + 1 < units.length; l++) {
    interceptOffsets.push(size);
    size += units[l + 1]!;
  }
  return { coefOffsets, interceptOffsets, size };
}

/**
 * Glorot-uniform initial parameters, drawn as scikit-learn's `_init_coef` draws them: for each
 * layer, `uniform(−b, b, (fanIn, fanOut))` for the coefs then `uniform(−b, b, fanOut)` for the
 * intercepts, b = √(factor/(fanIn + fanOut)), factor 2 for logistic, 6 otherwise — so the same
 * RandomState gives scikit-learn's initial weights bit for bit.
 */
export function glorotInit(units: readonly number[], activation: Activation, rs: RandomState): Float64Array {
  const { coefOffsets, interceptOffsets, size } = paramLayout(units);
  const p = new Float64Array(size);
  const factor = activation === 'logistic' ? 2.0 : 6.0;
  for (let l = 0; l + 1 < units.length; l++) {
    const fanIn = units[l]!;
    const fanOut = units[l + 1]!;
    const bound = Math.sqrt(factor / (fanIn + fanOut));
    p.set(rs.uniform(-bound, bound, fanIn * fanOut), coefOffsets[l]!);
    p.set(rs.uniform(-bound, bound, fanOut), interceptOffsets[l]!);
  }
  return p;
}

function batchSizeFor(cfg: EngineConfig, n: number): number {
  if (cfg.batchSize === 'auto') return Math.min(200, n);
  return Math.min(Math.max(cfg.batchSize, 1), n);
}

/** Offsets (in the gemm memory) of one network's working arrays, for batches of up to `rows`. */
class Workspace {
  readonly g: Gemm;
  readonly L: number;
  readonly units: readonly number[];
  readonly P: number;
  readonly G: number;
  readonly M1: number;
  readonly M2: number;
  readonly X: number;
  readonly Y: number;
  readonly A: number[];
  readonly D: number[];
  readonly Wt: number[];
  readonly coef: number[];
  readonly intercept: number[];
  readonly size: number;
  /** First element after this workspace (another one may start there). */
  readonly end: number;

  /** Lays the arrays out from element `base` of the backend's memory. */
  constructor(units: readonly number[], rows: number, withTraining: boolean, base = 0, g: Gemm = gemm()) {
    this.g = g;
    this.units = units;
    this.L = units.length - 1;
    const layout = paramLayout(units);
    this.size = layout.size;
    let at = base;
    const take = (n: number) => {
      const o = at;
      at += n + (n & 1); // keep every array 16-byte aligned
      return o;
    };
    this.P = take(layout.size);
    this.coef = layout.coefOffsets.map((o) => this.P + o);
    this.intercept = layout.interceptOffsets.map((o) => this.P + o);
    this.G = withTraining ? take(layout.size) : -1;
    this.M1 = withTraining ? take(layout.size) : -1;
    this.M2 = withTraining ? take(layout.size) : -1;
    this.X = take(rows * units[0]!);
    this.Y = withTraining ? take(rows * units[this.L]!) : -1;
    this.A = [this.X];
    for (let l = 1; l <= this.L; l++) this.A.push(take(rows * units[l]!));
    this.D = [];
    this.Wt = [];
    if (withTraining) {
      for (let l = 0; l < this.L; l++) this.D.push(take(rows * units[l + 1]!));
      for (let l = 0; l < this.L; l++) this.Wt.push(l === 0 ? -1 : take(units[l]! * units[l + 1]!));
    }
    this.end = at;
    this.g.reserve(at);
  }

  get mem(): Float64Array {
    return this.g.mem;
  }
}

/** Forward pass of `n` rows already in ws.X; the output is at ws.A[L] (n × nOutputs). */
function forward(ws: Workspace, n: number, activation: Activation, out: OutActivation): void {
  const { g, L, units } = ws;
  for (let l = 0; l < L; l++) {
    const hidden = l + 1 < L;
    // relu is applied by the product's epilogue (in WebAssembly, without branches).
    const fused = hidden && activation === 'relu';
    g.nn(ws.A[l]!, ws.coef[l]!, ws.A[l + 1]!, n, units[l]!, units[l + 1]!, ws.intercept[l]!, fused ? EPILOGUE.RELU : EPILOGUE.NONE);
    const m = ws.mem;
    const o = ws.A[l + 1]!;
    const len = n * units[l + 1]!;
    if (hidden) {
      if (!fused) applyActivation(m, o, len, activation);
    } else {
      applyOutput(m, o, n, units[L]!, out);
    }
  }
}

function applyActivation(m: Float64Array, o: number, len: number, activation: Activation | OutActivation): void {
  switch (activation) {
    case 'identity':
      return;
    case 'relu':
      // max(z, 0) as WebAssembly's f64.max: −0 becomes +0, NaN stays NaN.
      for (let q = o; q < o + len; q++) {
        const v = m[q]!;
        m[q] = v > 0 ? v : v === v ? 0 : v;
      }
      return;
    case 'tanh':
      for (let q = o; q < o + len; q++) m[q] = Math.tanh(m[q]!);
      return;
    case 'logistic':
      for (let q = o; q < o + len; q++) m[q] = 1 / (1 + Math.exp(-m[q]!));
      return;
    default:
      throw new RangeError(`unknown activation ${activation}`);
  }
}

function applyOutput(m: Float64Array, o: number, n: number, k: number, out: OutActivation): void {
  if (out !== 'softmax') {
    applyActivation(m, o, n * k, out);
    return;
  }
  for (let i = 0; i < n; i++) {
    const r = o + i * k;
    let max = m[r]!;
    for (let c = 1; c < k; c++) if (m[r + c]! > max) max = m[r + c]!;
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp(m[r + c]! - max);
      m[r + c] = e;
      sum += e;
    }
    for (let c = 0; c < k; c++) m[r + c] = m[r + c]! / sum;
  }
}

const EPS = 2.220446049250313e-16;

/** The data loss of one batch (before the L2 term), as scikit-learn's LOSS_FUNCTIONS. */
function dataLoss(m: Float64Array, out: number, y: number, n: number, k: number, kind: OutActivation): number {
  const len = n * k;
  if (kind === 'identity') {
    let s = 0;
    for (let q = 0; q < len; q++) {
      const e = m[y + q]! - m[out + q]!;
      s += e * e;
    }
    return s / len / 2;
  }
  if (kind === 'logistic') {
    // binary_log_loss: −(Σ xlogy(y, p) + Σ xlogy(1 − y, 1 − p)) / n
    let s1 = 0;
    let s2 = 0;
    for (let q = 0; q < len; q++) {
      let p = m[out + q]!;
      p = p < EPS ? EPS : p > 1 - EPS ? 1 - EPS : p;
      const t = m[y + q]!;
      if (t !== 0) s1 += t * Math.log(p);
      if (1 - t !== 0) s2 += (1 - t) * Math.log(1 - p);
    }
    return -(s1 + s2) / n;
  }
  let s = 0;
  for (let q = 0; q < len; q++) {
    const t = m[y + q]!;
    if (t === 0) continue;
    let p = m[out + q]!;
    p = p < EPS ? EPS : p > 1 - EPS ? 1 - EPS : p;
    s += t * Math.log(p);
  }
  return -s / n;
}

/**
 * One backpropagation on a batch of `n` rows in ws.X / ws.Y: leaves the gradients in ws.G and
 * returns the batch loss (scikit-learn's `_backprop`).
 */
function backprop(ws: Workspace, n: number, cfg: EngineConfig): number {
  const { g, L, units } = ws;
  forward(ws, n, cfg.activation, cfg.outActivation);
  let m = ws.mem;
  const kOut = units[L]!;
  let loss = dataLoss(m, ws.A[L]!, ws.Y, n, kOut, cfg.outActivation);
  let values = 0;
  for (let l = 0; l < L; l++) values += g.sumSq(ws.coef[l]!, units[l]! * units[l + 1]!);
  loss += (0.5 * cfg.alpha * values) / n;
  // δ_last = output − y
  const dl = ws.D[L - 1]!;
  for (let q = 0; q < n * kOut; q++) m[dl + q] = m[ws.A[L]! + q]! - m[ws.Y + q]!;
  lossGrad(ws, L - 1, n, cfg.alpha);
  for (let i = L - 1; i > 0; i--) {
    // δ_{i−1} = δ_i · W_iᵀ, through a transposed copy of W_i so the product streams rows.
    const fin = units[i]!;
    const fout = units[i + 1]!;
    m = ws.mem;
    const w = ws.coef[i]!;
    const wt = ws.Wt[i]!;
    for (let r = 0; r < fin; r++) for (let c = 0; c < fout; c++) m[wt + c * fin + r] = m[w + r * fout + c]!;
    if (cfg.activation === 'relu') {
      g.nn(ws.D[i]!, wt, ws.D[i - 1]!, n, fout, fin, -1, EPILOGUE.MASK_ZERO, ws.A[i]!);
    } else {
      g.nn(ws.D[i]!, wt, ws.D[i - 1]!, n, fout, fin, -1);
      derivative(ws.mem, ws.A[i]!, ws.D[i - 1]!, n * fin, cfg.activation);
    }
    lossGrad(ws, i - 1, n, cfg.alpha);
  }
  return loss;
}

/** In place: δ ← δ · f'(z), expressed through the activation's output Z (scikit-learn's DERIVATIVES). */
function derivative(m: Float64Array, z: number, d: number, len: number, activation: Activation): void {
  switch (activation) {
    case 'identity':
      return;
    case 'relu':
      for (let q = 0; q < len; q++) if (m[z + q] === 0) m[d + q] = 0;
      return;
    case 'tanh':
      for (let q = 0; q < len; q++) {
        const v = m[z + q]!;
        m[d + q] = m[d + q]! * (1 - v * v);
      }
      return;
    case 'logistic':
      for (let q = 0; q < len; q++) {
        const v = m[z + q]!;
        m[d + q] = m[d + q]! * v * (1 - v);
      }
      return;
  }
}

/** ∇W_l = (A_lᵀ·δ_l + α·W_l)/n and ∇b_l = mean(δ_l) (scikit-learn's `_compute_loss_grad`). */
function lossGrad(ws: Workspace, l: number, n: number, alpha: number): void {
  const { g, units } = ws;
  const fin = units[l]!;
  const fout = units[l + 1]!;
  const gw = ws.G + (ws.coef[l]! - ws.P);
  const gb = ws.G + (ws.intercept[l]! - ws.P);
  g.tn(ws.A[l]!, ws.D[l]!, gw, n, fin, fout);
  g.gradFinalize(gw, ws.coef[l]!, fin * fout, alpha, n);
  g.colMean(ws.D[l]!, gb, n, fout);
}

/** One optimizer step on the flat parameters (SGDOptimizer / AdamOptimizer `update_params`). */
function optimizerStep(ws: Workspace, cfg: EngineConfig, st: EngineState): void {
  const { g, P, G, M1, M2, size } = ws;
  if (cfg.solver === 'sgd') {
    // v = momentum·v − lr·g; p += nesterov ? momentum·v − lr·g : v
    g.sgd(P, G, M1, size, cfg.momentum, st.learningRate, cfg.nesterovsMomentum);
    return;
  }
  st.adamT += 1;
  const b1 = cfg.beta1;
  const b2 = cfg.beta2;
  const t = st.adamT;
  // scikit-learn folds the bias correction into the learning rate.
  st.learningRate = (cfg.learningRateInit * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
  // m = β₁m + (1 − β₁)g; v = β₂v + (1 − β₂)g²; p += (−lr·m) / (√v + ε)
  g.adam(P, G, M1, M2, size, b1, 1 - b1, b2, 1 - b2, -st.learningRate, cfg.epsilon);
}

/** Options of one training call. */
export interface TrainArgs {
  readonly X: Float64Array;
  readonly Y: Float64Array;
  readonly n: number;
  /** Epochs to run at most (1 for partialFit). */
  readonly maxIter: number;
  /** partialFit: one epoch, the optimizer kept, no early stopping. */
  readonly incremental: boolean;
  /** Shuffles the row order each epoch (scikit-learn's `shuffle(sample_idx, random_state=...)`). */
  readonly rng: RandomState;
  /** With early stopping: scores the network's outputs on the validation rows (accuracy or R²). */
  readonly validation: { X: Float64Array; n: number; score: (out: Float64Array) => number } | null;
}

/**
 * Runs `_fit_stochastic` on (X, Y) from `st` (updated in place; its arrays are replaced by new
 * ones, never written). Throws ConvergenceError when the weights become non-finite.
 */
export function trainStochastic(cfg: EngineConfig, st: EngineState, args: TrainArgs): void {
  const units = st.layerUnits;
  const d = units[0]!;
  const kOut = units[units.length - 1]!;
  const { X, Y, n } = args;
  const batch = batchSizeFor(cfg, n);
  const ws = new Workspace(units, batch, true);
  let m = ws.mem;
  m.set(st.params, ws.P);
  const fresh = st.moment1 === null;
  if (fresh) {
    // A new optimizer (scikit-learn builds one on fit, or on the first partialFit).
    st.learningRate = cfg.learningRateInit;
    st.adamT = 0;
    m.fill(0, ws.M1, ws.M1 + ws.size);
    m.fill(0, ws.M2, ws.M2 + ws.size);
  } else {
    m.set(st.moment1!, ws.M1);
    if (st.moment2 !== null) m.set(st.moment2, ws.M2);
    else m.fill(0, ws.M2, ws.M2 + ws.size);
  }
  const order = cfg.shuffle ? Int32Array.from({ length: n }, (_, i) => i) : null;
  let bestParams: Float64Array | null = null;
  const earlyStopping = args.validation !== null;
  for (let it = 0; it < args.maxIter; it++) {
    // sklearn.utils.shuffle(sample_idx) is sample_idx[perm] with perm = arange(n) shuffled in place:
    // the same swaps applied to sample_idx itself.
    if (order !== null) args.rng.shuffle(order);
    let accumulated = 0;
    for (let start = 0; start < n; start += batch) {
      const rows = Math.min(batch, n - start);
      m = ws.mem;
      if (order === null) {
        m.set(X.subarray(start * d, (start + rows) * d), ws.X);
        m.set(Y.subarray(start * kOut, (start + rows) * kOut), ws.Y);
      } else {
        // Gather the batch's rows (a plain loop: no subarray per row).
        const xb = ws.X;
        const yb = ws.Y;
        for (let r = 0; r < rows; r++) {
          const i = order[start + r]!;
          const src = i * d;
          const dst = xb + r * d;
          for (let j = 0; j < d; j++) m[dst + j] = X[src + j]!;
          for (let c = 0; c < kOut; c++) m[yb + r * kOut + c] = Y[i * kOut + c]!;
        }
      }
      const loss = backprop(ws, rows, cfg);
      accumulated += loss * rows;
      optimizerStep(ws, cfg, st);
    }
    st.nIter += 1;
    st.loss = accumulated / n;
    st.t += n;
    st.lossCurve.push(st.loss);
    if (cfg.verbose) console.log(`Iteration ${st.nIter}, loss = ${st.loss.toFixed(8)}`);
    // _update_no_improvement_count
    if (earlyStopping) {
      const v = args.validation!;
      const score = v.score(predictRows(ws, v.X, v.n, cfg.activation, cfg.outActivation));
      st.validationScores!.push(score);
      if (cfg.verbose) console.log(`Validation score: ${score}`);
      if (score < st.bestValidationScore! + cfg.tol) st.noImprovementCount += 1;
      else st.noImprovementCount = 0;
      if (score > st.bestValidationScore!) {
        st.bestValidationScore = score;
        bestParams = ws.mem.slice(ws.P, ws.P + ws.size);
      }
    } else {
      if (st.loss > st.bestLoss! - cfg.tol) st.noImprovementCount += 1;
      else st.noImprovementCount = 0;
      if (st.loss < st.bestLoss!) st.bestLoss = st.loss;
    }
    // iteration_ends
    if (cfg.solver === 'sgd' && cfg.learningRate === 'invscaling') st.learningRate = cfg.learningRateInit / (st.t + 1) ** cfg.powerT;
    if (st.noImprovementCount > cfg.nIterNoChange) {
      // trigger_stopping: only sgd with the adaptive schedule continues, with a fifth of the rate.
      let stop = true;
      if (cfg.solver === 'sgd' && cfg.learningRate === 'adaptive' && st.learningRate > 1e-6) {
        st.learningRate /= 5.0;
        stop = false;
      }
      if (cfg.verbose) console.log(stop ? 'Stopping: no improvement.' : `Setting learning rate to ${st.learningRate}`);
      if (stop) break;
      st.noImprovementCount = 0;
    }
    if (args.incremental) break;
  }
  m = ws.mem;
  const params = bestParams ?? m.slice(ws.P, ws.P + ws.size);
  for (let q = 0; q < params.length; q++) {
    if (!Number.isFinite(params[q]!)) {
      throw new ConvergenceError(
        'Solver produced non-finite parameter weights. The input data may contain large values and need to be preprocessed.',
      );
    }
  }
  st.params = params;
  st.moment1 = m.slice(ws.M1, ws.M1 + ws.size);
  st.moment2 = cfg.solver === 'adam' ? m.slice(ws.M2, ws.M2 + ws.size) : null;
}

/** Rows per forward chunk in prediction (bounds the activation memory). */
const PREDICT_ROWS = 512;

/** Outputs for n rows of X with the parameters currently in `ws`, through a workspace laid out after it. */
function predictRows(ws: Workspace, X: Float64Array, n: number, activation: Activation, out: OutActivation): Float64Array {
  const units = ws.units;
  const d = units[0]!;
  const k = units[units.length - 1]!;
  const result = new Float64Array(n * k);
  const rowsPer = Math.min(PREDICT_ROWS, Math.max(1, n));
  const pw = new Workspace(units, rowsPer, false, ws.end, ws.g);
  pw.mem.copyWithin(pw.P, ws.P, ws.P + ws.size);
  for (let start = 0; start < n; start += rowsPer) {
    const rows = Math.min(rowsPer, n - start);
    pw.mem.set(X.subarray(start * d, (start + rows) * d), pw.X);
    forward(pw, rows, activation, out);
    result.set(pw.mem.subarray(pw.A[pw.L]!, pw.A[pw.L]! + rows * k), start * k);
  }
  return result;
}

/** Network outputs for n rows of X (row-major, nFeatures columns), into `out` (n × nOutputs). */
export function predictOutputs(
  units: readonly number[],
  params: Float64Array,
  X: Float64Array,
  n: number,
  activation: Activation,
  outAct: OutActivation,
  out: Float64Array,
): void {
  const d = units[0]!;
  const k = units[units.length - 1]!;
  const rowsPer = Math.min(PREDICT_ROWS, Math.max(1, n));
  const ws = new Workspace(units, rowsPer, false);
  ws.mem.set(params, ws.P);
  for (let start = 0; start < n; start += rowsPer) {
    const rows = Math.min(rowsPer, n - start);
    ws.mem.set(X.subarray(start * d, (start + rows) * d), ws.X);
    forward(ws, rows, activation, outAct);
    out.set(ws.mem.subarray(ws.A[ws.L]!, ws.A[ws.L]! + rows * k), start * k);
  }
}
