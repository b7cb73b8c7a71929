/**
 * L-BFGS for smooth unconstrained problems, as scipy's `minimize(method='L-BFGS-B')` runs it
 * without bounds (what scikit-learn 1.2's LogisticRegression and PoissonRegressor call): the
 * two-loop recursion with memory `m` (maxcor 10) and initial scaling s'y / y'y, the Moré–Thuente
 * line search (MINPACK-2's dcsrch / dcstep, ftol 1e-3, gtol 0.9, xtol 0.1) whose first step is
 * min(1 / ||d||, stpmax) and later steps 1, the curvature guard s'y > eps · (−g's), a restart
 * from steepest descent when a line search fails, and scipy's stopping rules: max |g| ≤ gtol,
 * (f_old − f) ≤ ftol · max(|f_old|, |f|, 1), or maxIter iterations.
 *
 * Written here rather than taken from npm: the candidates there (fmin 0.0.4, optimization-js
 * 1.5.0) are unmaintained and have no L-BFGS with a Wolfe line search; and the optimizer must
 * hand each evaluation point out (a generator) because one evaluation is a parallel pass over
 * the blocks on the worker threads, awaited, while in memory it is a plain call.
 */

/** f and its gradient at a point. */
export interface Evaluation {
  readonly f: number;
  readonly g: Float64Array;
}

/** Options, with scipy's names and defaults. */
export interface LbfgsOptions {
  /** Stop when max |g_i| ≤ gtol (scipy's `gtol`, scikit-learn's `tol`). */
  readonly gtol: number;
  /** Stop when the relative reduction of f is ≤ ftol (scipy's default: 2.22e-9 = 1e7 · eps). */
  readonly ftol?: number;
  /** Most iterations (scipy's `maxiter`). */
  readonly maxIter: number;
  /** Corrections kept (scipy's `maxcor`). */
  readonly m?: number;
  /** Most function evaluations per line search (scipy's `maxls`). */
  readonly maxLs?: number;
  /** Most function evaluations in all (scipy's `maxfun`). */
  readonly maxFun?: number;
}

/** Why the optimizer stopped, in scipy's words. */
export type LbfgsStatus =
  | 'CONVERGENCE: NORM_OF_PROJECTED_GRADIENT_<=_PGTOL'
  | 'CONVERGENCE: REL_REDUCTION_OF_F_<=_FACTR*EPSMCH'
  | 'STOP: TOTAL NO. of ITERATIONS REACHED LIMIT'
  | 'STOP: TOTAL NO. of f AND g EVALUATIONS EXCEEDS LIMIT'
  | 'ABNORMAL_TERMINATION_IN_LNSRCH';

/** The result: the point, f and g there, iterations and evaluations, and why it stopped. */
export interface LbfgsResult {
  readonly x: Float64Array;
  readonly f: number;
  readonly g: Float64Array;
  readonly nIter: number;
  readonly nFev: number;
  readonly status: LbfgsStatus;
  /** Whether it converged (a CONVERGENCE status). */
  readonly converged: boolean;
}

const EPS = Number.EPSILON;
/** scipy's stpmx for variables without bounds. */
const STPMAX = 1e10;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]!);
    if (v > m || v !== v) m = v !== v ? Infinity : v;
  }
  return m;
}

/**
 * L-BFGS as a generator: it yields each point at which it needs f and g and is resumed with them
 * (`gen.next(evaluation)`); it returns the {@link LbfgsResult}. Drive it with {@link minimizeSync}
 * or {@link minimizeAsync}.
 */
export function* lbfgs(x0: Float64Array, options: LbfgsOptions): Generator<Float64Array, LbfgsResult, Evaluation> {
  const n = x0.length;
  const m = options.m ?? 10;
  const ftol = options.ftol ?? 1e7 * EPS;
  const maxLs = options.maxLs ?? 20;
  const maxFun = options.maxFun ?? 15000;
  let x = x0.slice();
  let { f, g } = yield x.slice();
  g = g.slice();
  let nFev = 1;
  let nIter = 0;
  const done = (status: LbfgsStatus): LbfgsResult => ({ x, f, g, nIter, nFev, status, converged: status.startsWith('CONVERGENCE') });
  if (maxAbs(g) <= options.gtol) return done('CONVERGENCE: NORM_OF_PROJECTED_GRADIENT_<=_PGTOL');

  // The correction pairs, oldest first.
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(m);
  const d = new Float64Array(n);
  for (;;) {
    // d = −H g by the two-loop recursion, H0 = (s'y / y'y) I.
    for (let i = 0; i < n; i++) d[i] = -g[i]!;
    const k = S.length;
    for (let j = k - 1; j >= 0; j--) {
      const a = rho[j]! * dot(S[j]!, d);
      alpha[j] = a;
      const yj = Y[j]!;
      for (let i = 0; i < n; i++) d[i] = d[i]! - a * yj[i]!;
    }
    if (k > 0) {
      const gamma = 1 / (rho[k - 1]! * dot(Y[k - 1]!, Y[k - 1]!));
      for (let i = 0; i < n; i++) d[i] = d[i]! * gamma;
    }
    for (let j = 0; j < k; j++) {
      const b = rho[j]! * dot(Y[j]!, d);
      const sj = S[j]!;
      const c = alpha[j]! - b;
      for (let i = 0; i < n; i++) d[i] = d[i]! + c * sj[i]!;
    }
    let gd = dot(g, d);
    if (!(gd < 0)) {
      // Not a descent direction (rounding with a poor memory): steepest descent, memory cleared.
      if (k === 0) return done('ABNORMAL_TERMINATION_IN_LNSRCH');
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      continue;
    }
    // The first iteration (no memory) steps to a unit move; later ones try the full step.
    const dnorm = Math.sqrt(dot(d, d));
    const stp0 = k === 0 ? Math.min(1 / dnorm, STPMAX) : 1;
    const fOld = f;
    const gOld = g;
    const xOld = x;
    const search = new MoreThuente(stp0, f, gd, 1e-3, 0.9, 0.1, 0, STPMAX);
    let stp = search.stp;
    let ok = false;
    let xNew = x;
    let fNew = f;
    let gNew = g;
    for (let ls = 0; ; ls++) {
      xNew = new Float64Array(n);
      for (let i = 0; i < n; i++) xNew[i] = xOld[i]! + stp * d[i]!;
      const ev = yield xNew.slice();
      nFev++;
      fNew = ev.f;
      gNew = ev.g.slice();
      const dg = dot(gNew, d);
      const task = search.step(fNew, dg);
      if (task !== 'FG') {
        ok = true;
        break;
      }
      stp = search.stp;
      if (ls + 1 >= maxLs || nFev >= maxFun || !Number.isFinite(stp)) break;
    }
    if (!ok || !Number.isFinite(fNew)) {
      // scipy: restore the last point; restart from steepest descent unless the memory is already empty.
      x = xOld;
      f = fOld;
      g = gOld;
      if (nFev >= maxFun) return done('STOP: TOTAL NO. of f AND g EVALUATIONS EXCEEDS LIMIT');
      if (k === 0) return done('ABNORMAL_TERMINATION_IN_LNSRCH');
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      continue;
    }
    x = xNew;
    f = fNew;
    g = gNew;
    nIter++;
    gd = dot(gOld, d);
    // The pair (s, y); kept only with enough curvature (L-BFGS-B: dr > epsmch · ddum).
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = x[i]! - xOld[i]!;
      y[i] = g[i]! - gOld[i]!;
    }
    const sy = dot(s, y);
    if (sy > EPS * (-gd * stp)) {
      if (S.length === m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    if (maxAbs(g) <= options.gtol) return done('CONVERGENCE: NORM_OF_PROJECTED_GRADIENT_<=_PGTOL');
    if (fOld - f <= ftol * Math.max(Math.abs(fOld), Math.abs(f), 1)) return done('CONVERGENCE: REL_REDUCTION_OF_F_<=_FACTR*EPSMCH');
    if (nIter >= options.maxIter) return done('STOP: TOTAL NO. of ITERATIONS REACHED LIMIT');
    if (nFev >= maxFun) return done('STOP: TOTAL NO. of f AND g EVALUATIONS EXCEEDS LIMIT');
  }
}

/** Runs {@link lbfgs} with a synchronous f-and-g. */
export function minimizeSync(x0: Float64Array, fg: (x: Float64Array) => Evaluation, options: LbfgsOptions): LbfgsResult {
  const gen = lbfgs(x0, options);
  let step = gen.next();
  while (!step.done) step = gen.next(fg(step.value));
  return step.value;
}

/** Runs {@link lbfgs} with an asynchronous f-and-g (one parallel pass over the data per call). */
export async function minimizeAsync(
  x0: Float64Array,
  fg: (x: Float64Array) => Promise<Evaluation>,
  options: LbfgsOptions,
): Promise<LbfgsResult> {
  const gen = lbfgs(x0, options);
  let step = gen.next();
  while (!step.done) step = gen.next(await fg(step.value));
  return step.value;
}

/**
 * The Moré–Thuente line search (MINPACK-2's dcsrch and dcstep, as L-BFGS-B calls them): finds a
 * step satisfying the strong Wolfe conditions f(stp) ≤ f(0) + ftol·stp·f'(0) and
 * |f'(stp)| ≤ gtol·|f'(0)|, keeping an interval of uncertainty and choosing trial steps by
 * safeguarded cubic and quadratic interpolation. `step(f, g)` takes f and the directional
 * derivative at `stp` and answers 'FG' (evaluate at the new `stp`), 'CONVERGENCE' or 'WARNING'
 * (both: accept `stp`).
 */
export class MoreThuente {
  stp: number;
  #brackt = false;
  #stage = 1;
  readonly #finit: number;
  readonly #ginit: number;
  readonly #gtest: number;
  #width: number;
  #width1: number;
  #stx = 0;
  #fx: number;
  #gx: number;
  #sty = 0;
  #fy: number;
  #gy: number;
  #stmin = 0;
  #stmax: number;

  constructor(
    stp: number,
    f: number,
    g: number,
    readonly ftol: number,
    readonly gtol: number,
    readonly xtol: number,
    readonly stpmin: number,
    readonly stpmax: number,
  ) {
    this.stp = stp;
    this.#finit = f;
    this.#ginit = g;
    this.#gtest = ftol * g;
    this.#width = stpmax - stpmin;
    this.#width1 = this.#width / 0.5;
    this.#fx = f;
    this.#gx = g;
    this.#fy = f;
    this.#gy = g;
    this.#stmax = stp + 4 * stp;
  }

  step(f: number, g: number): 'FG' | 'CONVERGENCE' | 'WARNING' {
    const stp = this.stp;
    const ftest = this.#finit + stp * this.#gtest;
    if (this.#stage === 1 && f <= ftest && g >= 0) this.#stage = 2;
    let warn = false;
    if (this.#brackt && (stp <= this.#stmin || stp >= this.#stmax)) warn = true;
    if (this.#brackt && this.#stmax - this.#stmin <= this.xtol * this.#stmax) warn = true;
    if (stp === this.stpmax && f <= ftest && g <= this.#gtest) warn = true;
    if (stp === this.stpmin && (f > ftest || g >= this.#gtest)) warn = true;
    if (f <= ftest && Math.abs(g) <= this.gtol * -this.#ginit) return 'CONVERGENCE';
    if (warn) return 'WARNING';
    const gtest = this.#gtest;
    if (this.#stage === 1 && f <= this.#fx && f > ftest) {
      // The modified function ψ(stp) = f(stp) − f(0) − ftol·stp·f'(0) while in the first stage.
      const r = dcstep(
        this.#stx,
        this.#fx - this.#stx * gtest,
        this.#gx - gtest,
        this.#sty,
        this.#fy - this.#sty * gtest,
        this.#gy - gtest,
        stp,
        f - stp * gtest,
        g - gtest,
        this.#brackt,
        this.#stmin,
        this.#stmax,
      );
      this.#stx = r.stx;
      this.#fx = r.fx + r.stx * gtest;
      this.#gx = r.dx + gtest;
      this.#sty = r.sty;
      this.#fy = r.fy + r.sty * gtest;
      this.#gy = r.dy + gtest;
      this.#brackt = r.brackt;
      this.stp = r.stp;
    } else {
      const r = dcstep(this.#stx, this.#fx, this.#gx, this.#sty, this.#fy, this.#gy, stp, f, g, this.#brackt, this.#stmin, this.#stmax);
      this.#stx = r.stx;
      this.#fx = r.fx;
      this.#gx = r.dx;
      this.#sty = r.sty;
      this.#fy = r.fy;
      this.#gy = r.dy;
      this.#brackt = r.brackt;
      this.stp = r.stp;
    }
    // Force a sufficient decrease in the size of the interval of uncertainty.
    if (this.#brackt) {
      if (Math.abs(this.#sty - this.#stx) >= 0.66 * this.#width1) this.stp = this.#stx + 0.5 * (this.#sty - this.#stx);
      this.#width1 = this.#width;
      this.#width = Math.abs(this.#sty - this.#stx);
      this.#stmin = Math.min(this.#stx, this.#sty);
      this.#stmax = Math.max(this.#stx, this.#sty);
    } else {
      this.#stmin = this.stp + 1.1 * (this.stp - this.#stx);
      this.#stmax = this.stp + 4 * (this.stp - this.#stx);
    }
    this.stp = Math.min(Math.max(this.stp, this.stpmin), this.stpmax);
    if (
      (this.#brackt && (this.stp <= this.#stmin || this.stp >= this.#stmax)) ||
      (this.#brackt && this.#stmax - this.#stmin <= this.xtol * this.#stmax)
    ) {
      this.stp = this.#stx;
    }
    return 'FG';
  }
}

interface StepState {
  stx: number;
  fx: number;
  dx: number;
  sty: number;
  fy: number;
  dy: number;
  stp: number;
  brackt: boolean;
}

/** MINPACK-2's dcstep: the safeguarded step and the updated interval of uncertainty. */
function dcstep(
  stx: number,
  fx: number,
  dx: number,
  sty: number,
  fy: number,
  dy: number,
  stp: number,
  fp: number,
  dp: number,
  brackt: boolean,
  stpmin: number,
  stpmax: number,
): StepState {
  const sgnd = dp * Math.sign(dx);
  let stpf: number;
  if (fp > fx) {
    // A higher function value: the minimum is bracketed.
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = s * Math.sqrt((theta / s) ** 2 - (dx / s) * (dp / s));
    if (stp < stx) gamma = -gamma;
    const p = gamma - dx + theta;
    const q = gamma - dx + gamma + dp;
    const r = p / q;
    const stpc = stx + r * (stp - stx);
    const stpq = stx + (dx / ((fx - fp) / (stp - stx) + dx) / 2) * (stp - stx);
    stpf = Math.abs(stpc - stx) < Math.abs(stpq - stx) ? stpc : stpc + (stpq - stpc) / 2;
    brackt = true;
  } else if (sgnd < 0) {
    // Derivatives of opposite sign: the minimum is bracketed.
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = s * Math.sqrt((theta / s) ** 2 - (dx / s) * (dp / s));
    if (stp > stx) gamma = -gamma;
    const p = gamma - dp + theta;
    const q = gamma - dp + gamma + dx;
    const r = p / q;
    const stpc = stp + r * (stx - stp);
    const stpq = stp + (dp / (dp - dx)) * (stx - stp);
    stpf = Math.abs(stpc - stp) > Math.abs(stpq - stp) ? stpc : stpq;
    brackt = true;
  } else if (Math.abs(dp) < Math.abs(dx)) {
    // Same sign, the derivative's magnitude decreases.
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = s * Math.sqrt(Math.max(0, (theta / s) ** 2 - (dx / s) * (dp / s)));
    if (stp > stx) gamma = -gamma;
    const p = gamma - dp + theta;
    const q = gamma + (dx - dp) + gamma;
    const r = p / q;
    let stpc: number;
    if (r < 0 && gamma !== 0) stpc = stp + r * (stx - stp);
    else if (stp > stx) stpc = stpmax;
    else stpc = stpmin;
    const stpq = stp + (dp / (dp - dx)) * (stx - stp);
    if (brackt) {
      stpf = Math.abs(stpc - stp) < Math.abs(stpq - stp) ? stpc : stpq;
      stpf = stp > stx ? Math.min(stp + 0.66 * (sty - stp), stpf) : Math.max(stp + 0.66 * (sty - stp), stpf);
    } else {
      stpf = Math.abs(stpc - stp) > Math.abs(stpq - stp) ? stpc : stpq;
      stpf = Math.max(stpmin, Math.min(stpmax, stpf));
    }
  } else if (brackt) {
    // Same sign, the magnitude does not decrease: a cubic step within the bracket.
    const theta = (3 * (fp - fy)) / (sty - stp) + dy + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dy), Math.abs(dp));
    let gamma = s * Math.sqrt((theta / s) ** 2 - (dy / s) * (dp / s));
    if (stp > sty) gamma = -gamma;
    const p = gamma - dp + theta;
    const q = gamma - dp + gamma + dy;
    const r = p / q;
    stpf = stp + r * (sty - stp);
  } else {
    stpf = stp > stx ? stpmax : stpmin;
  }
  if (fp > fx) {
    sty = stp;
    fy = fp;
    dy = dp;
  } else {
    if (sgnd < 0) {
      sty = stx;
      fy = fx;
      dy = dx;
    }
    stx = stp;
    fx = fp;
    dx = dp;
  }
  return { stx, fx, dx, sty, fy, dy, stp: stpf, brackt };
}
