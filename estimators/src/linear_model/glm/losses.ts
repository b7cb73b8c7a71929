/**
 * scikit-learn 1.2's `LinearModelLoss.loss_gradient` for the half binomial, half multinomial and
 * half Poisson losses (`_loss/loss.py`), summed over some rows: Σ s_i loss(y_i, X_i·w + b) and its
 * gradient, with s_i the sample weight times the class weight. The penalty and the scaling of the
 * objective are the estimator's (added on the main thread once the blocks' sums are in).
 *
 * Coefficients are k rows of q = d (+ 1 with an intercept, last) numbers, row-major: one row for
 * the binomial and Poisson losses, one per class for the multinomial. (scikit-learn ravels them
 * feature-major; L-BFGS does not depend on the order of the variables.)
 */
import { InvalidInputError } from '../../errors.js';
import {
  type ResidentRun,
  binomialTile,
  multinomialTile,
  residentSlot,
  residentTiles,
  runBinomial,
  runMultinomial,
  runResident,
} from './wasm_loss.js';

/** The loss and how the targets are read. */
export interface LossSpec {
  readonly family: 'binomial' | 'multinomial' | 'poisson';
  readonly nFeatures: number;
  /** Coefficient rows: 1, or the number of classes for the multinomial. */
  readonly k: number;
  readonly fitIntercept: boolean;
  /** Sorted class labels (binomial: two; y is matched against them), or null (Poisson). */
  readonly classes: Float64Array | null;
  /** A weight per class multiplying the sample weights, or null. */
  readonly classWeight: Float64Array | null;
  /** Estimator name, for messages. */
  readonly caller: string;
}

/**
 * Sums over some rows: the weighted loss, its gradient (k · q), Σ sample weights and rows, and —
 * for the Newton solver (one coefficient row) — the Hessian Σ s_i h_i x̃_i x̃_iᵀ (q × q, upper
 * triangle; x̃ = [x, 1] with an intercept), or null.
 */
export interface LossSums {
  loss: number;
  readonly grad: Float64Array;
  sumW: number;
  rows: number;
  readonly hess: Float64Array | null;
}

/** Empty sums for a spec (with the Hessian when `hessian`). */
export function emptySums(spec: LossSpec, hessian = false): LossSums {
  const q = spec.nFeatures + (spec.fitIntercept ? 1 : 0);
  return { loss: 0, grad: new Float64Array(spec.k * q), sumW: 0, rows: 0, hess: hessian ? new Float64Array(q * q) : null };
}

/** Adds b into a. */
export function addSums(a: LossSums, b: LossSums): LossSums {
  a.loss += b.loss;
  for (let i = 0; i < a.grad.length; i++) a.grad[i] = a.grad[i]! + b.grad[i]!;
  if (a.hess !== null && b.hess !== null) for (let i = 0; i < a.hess.length; i++) a.hess[i] = a.hess[i]! + b.hess[i]!;
  a.sumW += b.sumW;
  a.rows += b.rows;
  return a;
}

/** The first non-finite value of row i of X (its column), or −1. */
function badColumn(X: ArrayLike<number>, off: number, d: number): number {
  for (let j = 0; j < d; j++) if (!Number.isFinite(X[off + j]!)) return j;
  return -1;
}

function nonFiniteX(spec: LossSpec, X: ArrayLike<number>, off: number, j: number, row: number): InvalidInputError {
  const v = X[off + j]!;
  const what = Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  return new InvalidInputError(`${spec.caller}: input X contains ${what} at row ${row}, column ${j}.`, { row });
}

/** The class index of label v (classes sorted), or −1. */
function classIndex(classes: Float64Array, v: number): number {
  let lo = 0;
  let hi = classes.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (classes[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return classes[lo] === v ? lo : -1;
}

function unknownLabel(spec: LossSpec, v: number, row: number): InvalidInputError {
  return new InvalidInputError(
    `${spec.caller}: y contains label ${v} (row ${row}) which is not among classes [${[...spec.classes!].join(', ')}].`,
    {
      row,
    },
  );
}

/**
 * Adds n rows (X: n × d row-major, y: n, w: n or null) to `acc` at coefficients `coef`. `rowBase`:
 * the first row's number in messages. A NaN or infinity in X, y or the weights is an
 * InvalidInputError naming its row (and column).
 */
export function accumulate(
  acc: LossSums,
  spec: LossSpec,
  coef: Float64Array,
  X: ArrayLike<number>,
  y: ArrayLike<number>,
  w: ArrayLike<number> | null,
  n: number,
  rowBase: number,
): void {
  if (acc.hess === null) {
    if (spec.family === 'multinomial' && accumulateMultinomialWasm(acc, spec, coef, X, y, w, n, rowBase)) return;
    if (spec.family === 'binomial' && accumulateBinomialWasm(acc, spec, coef, X, y, w, n, rowBase)) return;
  }
  accumulateJs(acc, spec, coef, X, y, w, n, rowBase);
}

/** The JavaScript loop of {@link accumulate} (every loss; the Hessian; the rows WebAssembly hands back). */
function accumulateJs(
  acc: LossSums,
  spec: LossSpec,
  coef: Float64Array,
  X: ArrayLike<number>,
  y: ArrayLike<number>,
  w: ArrayLike<number> | null,
  n: number,
  rowBase: number,
): void {
  const d = spec.nFeatures;
  const q = d + (spec.fitIntercept ? 1 : 0);
  const grad = acc.grad;
  const hess = acc.hess;
  const cw = spec.classWeight;
  let loss = 0;
  let sumW = 0;
  if (spec.family === 'multinomial') {
    const k = spec.k;
    const z = new Float64Array(k);
    const classes = spec.classes!;
    for (let i = 0; i < n; i++) {
      const off = i * d;
      let s = w === null ? 1 : w[i]!;
      if (!Number.isFinite(s)) throw badWeight(spec, s, rowBase + i);
      sumW += s;
      const c = classIndex(classes, y[i]!);
      if (c < 0) throw unknownLabel(spec, y[i]!, rowBase + i);
      if (cw !== null) s *= cw[c]!;
      let zmax = -Infinity;
      for (let r = 0; r < k; r++) {
        const wr = r * q;
        let t = spec.fitIntercept ? coef[wr + d]! : 0;
        for (let j = 0; j < d; j++) t += X[off + j]! * coef[wr + j]!;
        if (t - t !== 0) {
          const bad = badColumn(X, off, d);
          if (bad >= 0) throw nonFiniteX(spec, X, off, bad, rowBase + i);
        }
        z[r] = t;
        if (t > zmax) zmax = t;
      }
      let sum = 0;
      for (let r = 0; r < k; r++) {
        const e = Math.exp(z[r]! - zmax);
        z[r] = e;
        sum += e;
      }
      // loss = logsumexp(z) − z_y; z now holds exp(z − max).
      loss += s * (Math.log(sum) - Math.log(z[c]!));
      for (let r = 0; r < k; r++) {
        const gp = s * (z[r]! / sum - (r === c ? 1 : 0));
        if (gp === 0) continue;
        const wr = r * q;
        for (let j = 0; j < d; j++) grad[wr + j] = grad[wr + j]! + gp * X[off + j]!;
        if (spec.fitIntercept) grad[wr + d] = grad[wr + d]! + gp;
      }
    }
  } else {
    const binomial = spec.family === 'binomial';
    const c0 = binomial ? spec.classes![0]! : 0;
    const c1 = binomial ? spec.classes![1]! : 0;
    const b = spec.fitIntercept ? coef[d]! : 0;
    let gb = 0;
    for (let i = 0; i < n; i++) {
      const off = i * d;
      let s = w === null ? 1 : w[i]!;
      if (!Number.isFinite(s)) throw badWeight(spec, s, rowBase + i);
      sumW += s;
      let yi = y[i]!;
      if (binomial) {
        if (yi === c1) yi = 1;
        else if (yi === c0) yi = 0;
        else throw unknownLabel(spec, yi, rowBase + i);
        if (cw !== null) s *= cw[yi]!;
      } else if (!(yi >= 0) || yi === Infinity) {
        throw new InvalidInputError(`${spec.caller}: y must be finite and non-negative (Poisson); it is ${yi} at row ${rowBase + i}.`, {
          row: rowBase + i,
        });
      }
      // Four partial sums: independent additions pipeline.
      let t0 = b;
      let t1 = 0;
      let t2 = 0;
      let t3 = 0;
      let j = 0;
      for (; j + 3 < d; j += 4) {
        t0 += X[off + j]! * coef[j]!;
        t1 += X[off + j + 1]! * coef[j + 1]!;
        t2 += X[off + j + 2]! * coef[j + 2]!;
        t3 += X[off + j + 3]! * coef[j + 3]!;
      }
      for (; j < d; j++) t0 += X[off + j]! * coef[j]!;
      const t = t0 + t1 + (t2 + t3);
      if (t - t !== 0) {
        const bad = badColumn(X, off, d);
        if (bad >= 0) throw nonFiniteX(spec, X, off, bad, rowBase + i);
      }
      let gp: number;
      let hp: number;
      if (binomial) {
        // One exponential for both: log(1 + e^t) = max(t, 0) + log1p(e^−|t|), expit(t) from the same e^−|t|.
        const e = Math.exp(t > 0 ? -t : t);
        loss += s * ((t > 0 ? t : 0) + Math.log1p(e) - yi * t);
        const p = t >= 0 ? 1 / (1 + e) : e / (1 + e);
        gp = s * (p - yi);
        hp = s * p * (1 - p);
      } else {
        const mu = Math.exp(t);
        loss += s * (mu - yi * t);
        gp = s * (mu - yi);
        hp = s * mu;
      }
      if (hess !== null && hp !== 0) addOuter(hess, X, off, d, q, hp);
      if (gp === 0) continue;
      for (j = 0; j < d; j++) grad[j] = grad[j]! + gp * X[off + j]!;
      gb += gp;
    }
    if (spec.fitIntercept) grad[d] = grad[d]! + gb;
  }
  acc.loss += loss;
  acc.sumW += sumW;
  acc.rows += n;
}

/**
 * The binomial branch of {@link accumulate} in WebAssembly (wasm_loss.ts): labels and weights are
 * checked and mapped here, X copied into the module's memory. Returns false, having added
 * nothing, when WebAssembly is not used or a score is not finite (the JavaScript loop then runs
 * and names the offending row and column).
 */
function accumulateBinomialWasm(
  acc: LossSums,
  spec: LossSpec,
  coef: Float64Array,
  X: ArrayLike<number>,
  y: ArrayLike<number>,
  w: ArrayLike<number> | null,
  n: number,
  rowBase: number,
): boolean {
  if (n === 0) return false;
  const d = spec.nFeatures;
  const tile = binomialTile(n, d, coef);
  if (tile === null) return false;
  const { heap, dp } = tile;
  const sumW = placeLabels(heap, tile.y, tile.s, spec, y, w, n, rowBase);
  copyRows(heap, tile.x, dp, X, d, n);
  const loss = runBinomial(tile, n, spec.fitIntercept ? coef[d]! : 0);
  if (Number.isNaN(loss)) return false;
  const grad = acc.grad;
  for (let j = 0; j < d; j++) grad[j] = grad[j]! + heap[tile.grad + j]!;
  if (spec.fitIntercept) grad[d] = grad[d]! + heap[tile.grad + dp]!;
  acc.loss += loss;
  acc.sumW += sumW;
  acc.rows += n;
  return true;
}

/** The multinomial branch of {@link accumulate} in WebAssembly; as {@link accumulateBinomialWasm}. */
function accumulateMultinomialWasm(
  acc: LossSums,
  spec: LossSpec,
  coef: Float64Array,
  X: ArrayLike<number>,
  y: ArrayLike<number>,
  w: ArrayLike<number> | null,
  n: number,
  rowBase: number,
): boolean {
  if (n === 0) return false;
  const d = spec.nFeatures;
  const k = spec.k;
  const tile = multinomialTile(n, d, k, coef, spec.fitIntercept);
  if (tile === null) return false;
  const { heap, dp } = tile;
  const sumW = placeLabels(heap, tile.y, tile.s, spec, y, w, n, rowBase);
  copyRows(heap, tile.x, dp, X, d, n);
  const loss = runMultinomial(tile, n);
  if (Number.isNaN(loss)) return false;
  const grad = acc.grad;
  const q = d + (spec.fitIntercept ? 1 : 0);
  for (let r = 0; r < k; r++) {
    for (let j = 0; j < d; j++) grad[r * q + j] = grad[r * q + j]! + heap[tile.grad + r * dp + j]!;
    if (spec.fitIntercept) grad[r * q + d] = grad[r * q + d]! + (heap[tile.gradBias + 2 * r]! + heap[tile.gradBias + 2 * r + 1]!);
  }
  acc.loss += loss;
  acc.sumW += sumW;
  acc.rows += n;
  return true;
}

/**
 * The labels (binomial: 0/1; multinomial: class indices) and s_i (sample weight × class weight) of
 * n rows into the module's memory at yAt and sAt, checked (a row's unknown label or non-finite
 * weight is an InvalidInputError naming it); returns Σ sample weights, summed as the JavaScript
 * loop sums them.
 */
function placeLabels(
  heap: Float64Array,
  yAt: number,
  sAt: number,
  spec: LossSpec,
  y: ArrayLike<number>,
  w: ArrayLike<number> | null,
  n: number,
  rowBase: number,
): number {
  const cw = spec.classWeight;
  let sumW = 0;
  if (spec.family === 'multinomial') {
    const classes = spec.classes!;
    for (let i = 0; i < n; i++) {
      let s = w === null ? 1 : w[i]!;
      if (!Number.isFinite(s)) throw badWeight(spec, s, rowBase + i);
      sumW += s;
      const c = classIndex(classes, y[i]!);
      if (c < 0) throw unknownLabel(spec, y[i]!, rowBase + i);
      if (cw !== null) s *= cw[c]!;
      heap[yAt + i] = c;
      heap[sAt + i] = s;
    }
    return sumW;
  }
  if (w === null && cw === null && spec.classes![0] === 0 && spec.classes![1] === 1 && y instanceof Float64Array) {
    // The common case — labels 0/1, unit weights — copied as they are after one check.
    for (let i = 0; i < n; i++) {
      const v = y[i]!;
      if (v !== 0 && v !== 1) throw unknownLabel(spec, v, rowBase + i);
    }
    heap.set(y.subarray(0, n), yAt);
    heap.fill(1, sAt, sAt + n);
    return n;
  }
  fillLabels(heap, yAt, sAt, spec, y, w, n, rowBase);
  for (let i = 0; i < n; i++) sumW += w === null ? 1 : w[i]!;
  return sumW;
}

/** Rows [a, b) of a block as given: X (row-major), y and the weights (or null). */
export interface SourceRows {
  readonly X: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  readonly w: ArrayLike<number> | null;
}

/**
 * Adds block `block` of a resident memory (wasm_loss.ts's {@link ResidentLayout}) to `acc` at
 * `coef` — the same sums as {@link accumulate} over the block's tiles, bit for bit. The block's
 * first evaluation places each tile (rows copied, labels and weights checked and mapped: what the
 * tile-by-tile path does on every evaluation) just before running it; later evaluations only run
 * the module. `source(a, b)`: the block's rows [a, b) as given, for placing them and for a tile
 * with a non-finite score (the JavaScript loop then names the row and column). `rowBase`: the
 * block's first row, for messages.
 */
export function accumulateResident(
  acc: LossSums,
  spec: LossSpec,
  coef: Float64Array,
  run: ResidentRun,
  block: number,
  rowBase: number,
  source: (a: number, b: number) => SourceRows,
): void {
  const L = run.layout;
  const h = run.heap;
  const d = spec.nFeatures;
  const { k, dp } = L;
  const q = d + (spec.fitIntercept ? 1 : 0);
  const sl = residentSlot(L, block);
  for (let r = 0; r < k; r++) {
    for (let j = 0; j < d; j++) h[sl.coef + r * dp + j] = coef[r * q + j]!;
    h.fill(0, sl.coef + r * dp + d, sl.coef + (r + 1) * dp);
    h[sl.bias + r] = spec.fitIntercept ? coef[r * q + d]! : 0;
  }
  const binomial = L.family === 'binomial';
  const b0 = binomial && spec.fitIntercept ? coef[d]! : 0;
  const filled = h[sl.flag] === 1;
  const grad = acc.grad;
  for (const t of residentTiles(L, block)) {
    const n = t.b - t.a;
    if (!filled) {
      const src = source(t.a, t.b);
      h[L.sumW + t.g] = placeLabels(h, L.y + t.at, L.s + t.at, spec, src.y, src.w, n, rowBase + t.a);
      copyRows(h, L.x + t.at * dp, dp, src.X, d, n);
      if (t.np > n) {
        // The padding row: zero features, label 0, weight 0 (it adds nothing).
        h.fill(0, L.x + (t.at + n) * dp, L.x + (t.at + t.np) * dp);
        h[L.y + t.at + n] = 0;
        h[L.s + t.at + n] = 0;
      }
    }
    h.fill(0, sl.grad, sl.flag);
    const loss = runResident(run, block, t, b0);
    if (Number.isNaN(loss)) {
      const src = source(t.a, t.b);
      accumulateJs(acc, spec, coef, src.X, src.y, src.w, n, rowBase + t.a);
      continue;
    }
    for (let r = 0; r < k; r++) {
      for (let j = 0; j < d; j++) grad[r * q + j] = grad[r * q + j]! + h[sl.grad + r * dp + j]!;
      if (spec.fitIntercept) {
        grad[r * q + d] = binomial
          ? grad[d]! + h[sl.grad + dp]!
          : grad[r * q + d]! + (h[sl.gradBias + 2 * r]! + h[sl.gradBias + 2 * r + 1]!);
      }
    }
    acc.loss += loss;
    acc.sumW += h[L.sumW + t.g]!;
    acc.rows += n;
  }
  if (!filled) h[sl.flag] = 1;
}

/** Copies n rows of X (n × d) into the module's memory at `at`, rows dp apart (the extra columns zero). */
function copyRows(heap: Float64Array, at: number, dp: number, X: ArrayLike<number>, d: number, n: number): void {
  if (dp === d && X instanceof Float64Array) {
    heap.set(X.subarray(0, n * d), at);
    return;
  }
  for (let i = 0; i < n; i++) {
    const src = i * d;
    const dst = at + i * dp;
    for (let j = 0; j < d; j++) heap[dst + j] = X[src + j]!;
    for (let j = d; j < dp; j++) heap[dst + j] = 0;
  }
}

/** The general labels → 0/1 and weights × class weights of {@link accumulateBinomialWasm}, checked. */
function fillLabels(
  heap: Float64Array,
  yAt: number,
  sAt: number,
  spec: LossSpec,
  y: ArrayLike<number>,
  w: ArrayLike<number> | null,
  n: number,
  rowBase: number,
): void {
  const c0 = spec.classes![0]!;
  const c1 = spec.classes![1]!;
  const cw = spec.classWeight;
  for (let i = 0; i < n; i++) {
    let s = w === null ? 1 : w[i]!;
    if (!Number.isFinite(s)) throw badWeight(spec, s, rowBase + i);
    const v = y[i]!;
    let yi: number;
    if (v === c1) yi = 1;
    else if (v === c0) yi = 0;
    else throw unknownLabel(spec, v, rowBase + i);
    if (cw !== null) s *= cw[yi]!;
    heap[yAt + i] = yi;
    heap[sAt + i] = s;
  }
}

/** hess += h · x̃x̃ᵀ (upper triangle), x̃ = [row of X, 1 when q > d]. */
function addOuter(hess: Float64Array, X: ArrayLike<number>, off: number, d: number, q: number, h: number): void {
  for (let a = 0; a < d; a++) {
    const xa = h * X[off + a]!;
    const row = a * q;
    for (let b = a; b < d; b++) hess[row + b] = hess[row + b]! + xa * X[off + b]!;
    if (q > d) hess[row + d] = hess[row + d]! + xa;
  }
  if (q > d) hess[d * q + d] = hess[d * q + d]! + h;
}

function badWeight(spec: LossSpec, s: number, row: number): InvalidInputError {
  return new InvalidInputError(`${spec.caller}: sampleWeight contains ${s} at row ${row}; sample weights must be finite.`, { row });
}

/**
 * Sums for the Poisson deviance score (D²): Σw, Σw·y, Σ(y log y − y) — unweighted, as scikit-learn
 * 1.2 sums it (then divides by Σw) — and Σw·(e^η − y η) at the coefficients.
 */
export interface DevianceSums {
  sumW: number;
  sumWY: number;
  constant: number;
  loss: number;
}

/** Adds n rows to {@link DevianceSums} (Poisson; X, y, w as {@link accumulate}). */
export function accumulateDeviance(
  acc: DevianceSums,
  spec: LossSpec,
  coef: Float64Array,
  X: ArrayLike<number>,
  y: ArrayLike<number>,
  w: ArrayLike<number> | null,
  n: number,
  rowBase: number,
): void {
  const d = spec.nFeatures;
  const b = spec.fitIntercept ? coef[d]! : 0;
  for (let i = 0; i < n; i++) {
    const off = i * d;
    const s = w === null ? 1 : w[i]!;
    if (!Number.isFinite(s)) throw badWeight(spec, s, rowBase + i);
    const yi = y[i]!;
    if (!(yi >= 0) || yi === Infinity) {
      throw new InvalidInputError(`${spec.caller}: y must be finite and non-negative (Poisson); it is ${yi} at row ${rowBase + i}.`, {
        row: rowBase + i,
      });
    }
    let t = b;
    for (let j = 0; j < d; j++) t += X[off + j]! * coef[j]!;
    if (t - t !== 0) {
      const bad = badColumn(X, off, d);
      if (bad >= 0) throw nonFiniteX(spec, X, off, bad, rowBase + i);
    }
    acc.sumW += s;
    acc.sumWY += s * yi;
    acc.constant += (yi > 0 ? yi * Math.log(yi) : 0) - yi;
    acc.loss += s * (Math.exp(t) - yi * t);
  }
}
