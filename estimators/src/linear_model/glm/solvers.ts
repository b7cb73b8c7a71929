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
  /**
   * Whether the data term is divided by Σ sample weights (PoissonRegressor; LogisticRegression with
   * the Newton solver, whose penalty is then divided by it too, as scikit-learn rescales) or not
   * (LogisticRegression with L-BFGS).
   */
  readonly normalize: boolean;
  /** The penalty is l2 / Σ sample weights (LogisticRegression with the Newton solver). */
  readonly l2OverSumW?: boolean;
}

/** f and g of the objective at x from the blocks' sums (`scale`: 1 / Σw when normalized, else 1). */
function evaluate(obj: Objective, x: Float64Array, sums: LossSums, scale: number): { f: number; g: Float64Array } {
  const { spec } = obj;
  const l2 = obj.l2OverSumW ? obj.l2 * scale : obj.l2;
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

/** The Hessian of the objective (q × q, full) from the blocks' sums: the data term scaled, l2 on the features' diagonal. */
function hessianOf(obj: Objective, sums: LossSums, scale: number): Float64Array {
  const q = sums.grad.length;
  const d = obj.spec.nFeatures;
  const l2 = obj.l2OverSumW ? obj.l2 * scale : obj.l2;
  const H = new Float64Array(q * q);
  for (let a = 0; a < q; a++) {
    for (let b = a; b < q; b++) {
      const v = sums.hess![a * q + b]! * scale;
      H[a * q + b] = v;
      H[b * q + a] = v;
    }
    if (a < d) H[a * q + a] = H[a * q + a]! + l2;
  }
  return H;
}

/** Why the Newton solver handed over to L-BFGS (scikit-learn's fallback), or null. */
export type NewtonFallback =
  null | 'singular or very ill-conditioned Hessian' | 'Newton step not a descent direction' | 'line search failed';

/** A Newton fit's result: as L-BFGS's, and whether (why) it fell back to L-BFGS. */
export interface NewtonFit extends LbfgsFit {
  readonly fallback: NewtonFallback;
}

/**
 * scikit-learn 1.2's `NewtonCholeskySolver` (one coefficient row): each iteration solves H·d = −g
 * by Cholesky and backtracks (Armijo, σ = 2⁻¹¹, halving up to 20 times; or a loss change within
 * 16·eps with a smaller Σ|g|); converged when max |g| ≤ tol and ½·dᵀHd ≤ tol. One pass per trial
 * point, computing loss, gradient and Hessian together — so an accepted full step costs one
 * pass, where L-BFGS needs one per evaluation and many more iterations on poorly scaled data. A
 * singular Hessian, an ascent direction or a failed line search hands over to L-BFGS (scipy's
 * options as scikit-learn's fallback sets them), as scikit-learn does.
 */
export function* newtonFit(
  obj: Objective,
  x0: Float64Array,
  options: { tol: number; maxIter: number },
  sumW: number | null,
): Algorithm<NewtonFit> {
  const q = x0.length;
  let x: Float64Array = x0.slice();
  let sums = yield* pass((p) => p.lossGradHess(x, obj.spec));
  const total = sumW ?? sums.sumW;
  const scale = obj.normalize ? 1 / total : 1;
  let { f, g } = evaluate(obj, x, sums, scale);
  let H = hessianOf(obj, sums, scale);
  let nFev = 1;
  let iteration = 1;
  let converged = false;
  let fallback: NewtonFallback = null;
  const maxAbs = (v: Float64Array) => v.reduce((m, e) => Math.max(m, Math.abs(e)), 0);
  const sumAbs = (v: Float64Array) => v.reduce((m, e) => m + Math.abs(e), 0);
  while (iteration <= options.maxIter && !converged) {
    const R = cholesky(H, q);
    let dmin = Infinity;
    let dmax = 0;
    for (let i = 0; R !== null && i < q; i++) {
      dmin = Math.min(dmin, R[i * q + i]!);
      dmax = Math.max(dmax, R[i * q + i]!);
    }
    if (R === null || (dmin / dmax) ** 2 < Number.EPSILON) {
      fallback = 'singular or very ill-conditioned Hessian';
      break;
    }
    // d = −H⁻¹g: Rᵀz = −g, then R d = z.
    const dir = new Float64Array(q);
    for (let i = 0; i < q; i++) dir[i] = -g[i]!;
    solveLowerT(R, q, q, dir, 1);
    for (let i = q - 1; i >= 0; i--) {
      let v = dir[i]!;
      for (let k = i + 1; k < q; k++) v -= R[i * q + k]! * dir[k]!;
      dir[i] = v / R[i * q + i]!;
    }
    let gd = 0;
    for (let i = 0; i < q; i++) gd += g[i]! * dir[i]!;
    if (gd > 0) {
      fallback = 'Newton step not a descent direction';
      break;
    }
    const armijo = 0.00048828125 * gd;
    const tiny = 16 * Number.EPSILON;
    let t = 1;
    let accepted: { x: Float64Array; f: number; g: Float64Array; sums: LossSums } | null = null;
    for (let ls = 0; ls < 21; ls++) {
      const xt = new Float64Array(q);
      for (let i = 0; i < q; i++) xt[i] = x[i]! + t * dir[i]!;
      const st = yield* pass((p) => p.lossGradHess(xt, obj.spec));
      nFev++;
      const ev = evaluate(obj, xt, st, scale);
      const improvement = ev.f - f;
      if (improvement <= t * armijo || (Math.abs(improvement) <= Math.abs(f * tiny) && sumAbs(ev.g) < sumAbs(g))) {
        accepted = { x: xt, f: ev.f, g: ev.g, sums: st };
        break;
      }
      t *= 0.5;
    }
    if (accepted === null) {
      fallback = 'line search failed';
      break;
    }
    const Hold = H;
    x = accepted.x;
    f = accepted.f;
    g = accepted.g;
    sums = accepted.sums;
    H = hessianOf(obj, sums, scale);
    if (maxAbs(g) <= options.tol) {
      let d2 = 0;
      for (let a = 0; a < q; a++) {
        let row = 0;
        for (let b = 0; b < q; b++) row += Hold[a * q + b]! * dir[b]!;
        d2 += dir[a]! * row;
      }
      if (0.5 * d2 <= options.tol) converged = true;
    }
    iteration++;
  }
  const nIter = iteration - 1;
  if (fallback !== null) {
    const lb = yield* lbfgsFit(obj, x, { gtol: options.tol, maxIter: options.maxIter, maxLs: 50, ftol: 64 * Number.EPSILON }, total);
    return { ...lb, nIter: nIter + lb.nIter, nFev: nFev + lb.nFev, fallback };
  }
  return {
    x,
    f,
    g,
    nIter,
    nFev,
    status: converged ? 'CONVERGENCE: NORM_OF_PROJECTED_GRADIENT_<=_PGTOL' : 'STOP: TOTAL NO. of ITERATIONS REACHED LIMIT',
    converged,
    sumW: total,
    fallback: null,
  };
}
