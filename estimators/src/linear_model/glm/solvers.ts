/**
 * The GLM algorithms, each written once over {@link Passes} (in memory or lazy alike):
 *
 * - {@link leastSquares}: LinearRegression and Ridge. One pass of weighted centered cross-products
 *   of [X | y]; the Cholesky factor of XᵀX and its SVD (one-sided Jacobi, d × d). When XᵀX is not
 *   positive definite or X's condition number passes {@link CONDITION_LIMIT} (the Gram matrix
 *   squares it, and with it the rounding), a second pass builds the triangular factor of X itself
 *   by tall-skinny QR, and the SVD of that gives scikit-learn's minimum-norm lstsq solution, rank_
 *   and singular_.
 * - {@link lbfgsFit}: LogisticRegression and PoissonRegressor — L-BFGS on this thread, each
 *   evaluation of the objective one pass (loss and gradient summed over the blocks).
 */
import { InvalidInputError } from '../../errors.js';
import type { CrossSpec } from './kernels.js';
import { lbfgs, type LbfgsOptions, type LbfgsResult } from './lbfgs.js';
import { cholesky, jacobiSvd, rowUpdate, solveLowerT, svdSolve } from './linalg.js';
import type { LossSpec, LossSums } from './losses.js';
import { pass, type Algorithm } from './passes.js';

/**
 * Above this condition number of X (σ_max / σ_min, after the ridge penalty) the normal equations
 * lose more than ~1e-10 of relative precision (κ² · eps), so the solve goes through the QR of X.
 */
export const CONDITION_LIMIT = 1e3;

/** A least-squares fit: coef (t × d, row-major), intercepts (t), rank and singular values of the centered, weighted X. */
export interface LeastSquaresFit {
  readonly coef: Float64Array;
  readonly intercept: Float64Array;
  readonly rank: number;
  readonly singular: Float64Array;
  /** Whether the tall-skinny QR pass ran. */
  readonly usedQr: boolean;
  readonly rows: number;
}

/**
 * min Σ w_i ||y_i − x_i W − b||² + Σ_c alpha_c ||W_c||² (alpha 0: LinearRegression's minimum-norm
 * solution). Singular values ≤ eps · max(n, d) · σ_max count as zero — numpy's lstsq cutoff; scipy's
 * (eps · σ_max, what scikit-learn gets) would keep a singular value that is rounding noise when a
 * column repeats another, and the answer would be that noise amplified.
 */
export function* leastSquares(spec: CrossSpec, alpha: Float64Array, fitIntercept: boolean): Algorithm<LeastSquaresFit> {
  const { d, t } = spec;
  const p = d + t;
  const stats = yield* pass((q) => q.cross(spec));
  if (!(stats.sumW > 0))
    throw new InvalidInputError(`${spec.caller}: the sample weights sum to ${stats.sumW}; they must sum to a positive number.`);
  const { mean, sumW } = stats;
  // The full symmetric cross-product matrix (uncentered without an intercept, as scikit-learn).
  const G = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = i; j < p; j++) {
      let v = stats.C[i * p + j]!;
      if (!fitIntercept) v += sumW * mean[i]! * mean[j]!;
      G[i * p + j] = v;
      G[j * p + i] = v;
    }
  }
  const Gxx = new Float64Array(d * d);
  const Rxy = new Float64Array(d * t);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) Gxx[i * d + j] = G[i * p + j]!;
    for (let c = 0; c < t; c++) Rxy[i * t + c] = G[i * p + d + c]!;
  }
  let Rxx = cholesky(Gxx, d);
  let svd = Rxx === null ? null : jacobiSvd(Rxx, d, d);
  let usedQr = false;
  if (svd === null || conditionOf(svd.s, alpha) > CONDITION_LIMIT) {
    const qr = yield* pass((q) => q.qr(spec));
    const R = qr.R.slice();
    if (!fitIntercept) {
      const row = new Float64Array(p);
      for (let j = 0; j < p; j++) row[j] = Math.sqrt(qr.sumW) * qr.mean[j]!;
      rowUpdate(R, p, row);
    }
    Rxx = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) Rxx[i * d + j] = R[i * p + j]!;
      for (let c = 0; c < t; c++) Rxy[i * t + c] = R[i * p + d + c]!;
    }
    svd = jacobiSvd(Rxx, d, d);
    usedQr = true;
  } else {
    // Rxy = Rxx⁻ᵀ Xᵀy, so that ||X w − y||² = ||Rxx w − Rxy||² + const.
    solveLowerT(Rxx!, d, d, Rxy, t);
  }
  const { w, rank } = svdSolve(svd, d, Rxy, t, alpha, Number.EPSILON * Math.max(stats.rows, d));
  const coef = new Float64Array(t * d);
  const intercept = new Float64Array(t);
  for (let c = 0; c < t; c++) {
    let b = fitIntercept ? mean[d + c]! : 0;
    for (let j = 0; j < d; j++) {
      const v = w[j * t + c]!;
      coef[c * d + j] = v;
      if (fitIntercept) b -= mean[j]! * v;
    }
    intercept[c] = b;
  }
  const nSingular = Math.min(d, stats.rows);
  return { coef, intercept, rank: Math.min(rank, nSingular), singular: svd.s.slice(0, nSingular), usedQr, rows: stats.rows };
}

/** X's condition number once the ridge penalty is added (the smallest alpha: the worst target). */
function conditionOf(s: Float64Array, alpha: Float64Array): number {
  let a = Infinity;
  for (const v of alpha) a = Math.min(a, v);
  const hi = s[0]!;
  const lo = s[s.length - 1]!;
  return Math.sqrt((hi * hi + a) / (lo * lo + a));
}

/** The objective of an L-BFGS fit: data term scaled, plus ½·l2·||coef||² (intercepts unpenalised). */
export interface Objective {
  readonly spec: LossSpec;
  /** The penalty strength (1/C for LogisticRegression, alpha for PoissonRegressor; 0 for none). */
  readonly l2: number;
  /** Whether the data term is divided by Σ sample weights (PoissonRegressor) or not (LogisticRegression). */
  readonly normalize: boolean;
}

/** f and g of the objective at x from the blocks' sums. */
function evaluate(obj: Objective, x: Float64Array, sums: LossSums, scale: number): { f: number; g: Float64Array } {
  const { spec, l2 } = obj;
  const d = spec.nFeatures;
  const q = d + (spec.fitIntercept ? 1 : 0);
  const g = new Float64Array(x.length);
  let f = sums.loss * scale;
  let pen = 0;
  for (let r = 0; r < spec.k; r++) {
    for (let j = 0; j < q; j++) {
      const i = r * q + j;
      g[i] = sums.grad[i]! * scale;
      if (j < d && l2 !== 0) {
        pen += x[i]! * x[i]!;
        g[i] = g[i]! + l2 * x[i]!;
      }
    }
  }
  f += 0.5 * l2 * pen;
  return { f, g };
}

/** An L-BFGS fit's result with the sums at its last point. */
export interface LbfgsFit extends LbfgsResult {
  readonly sumW: number;
}

/**
 * Minimizes the objective from x0 by L-BFGS (see lbfgs.ts), one pass per evaluation. With
 * `normalize`, Σ sample weights must be known first: `sumW` (from an earlier pass), else the
 * first evaluation's sums provide it (x0 must then not depend on it).
 */
export function* lbfgsFit(obj: Objective, x0: Float64Array, options: LbfgsOptions, sumW: number | null): Algorithm<LbfgsFit> {
  const opt = lbfgs(x0, options);
  let scale = obj.normalize && sumW !== null ? 1 / sumW : 1;
  let total = sumW;
  let step = opt.next();
  while (!step.done) {
    const x = step.value;
    const sums = yield* pass((q) => q.lossGrad(x, obj.spec));
    if (total === null) {
      total = sums.sumW;
      if (obj.normalize) scale = 1 / total;
    }
    step = opt.next(evaluate(obj, x, sums, scale));
  }
  return { ...step.value, sumW: total ?? 0 };
}
