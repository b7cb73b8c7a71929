/**
 * What LinearRegression and Ridge fit from: the weighted, centered cross-products of Z = [X | Y]
 * (p = features + targets columns), made per block in one pass and combined exactly.
 *
 * - {@link CrossStats}: Σw, the weighted means and C = Σ w (z − z̄)(z − z̄)ᵀ. A tile is centered on
 *   its own mean and tiles and blocks are merged with Chan's pairwise formula
 *   C = C_a + C_b + (W_a W_b / W) δδᵀ (δ = z̄_b − z̄_a), so no uncentered sum of squares ever forms
 *   (a large mean costs no precision). The fast path: XᵀX and Xᵀy for a Cholesky solve.
 * - {@link QrStats}: the same with the triangular factor R (RᵀR = C) in place of C — the
 *   tall-skinny QR (dask.array's tsqr), rows folded in by Givens rotations and blocks merged by
 *   folding in R_b and √(W_a W_b / W)·δ. Used when the Gram matrix is ill-conditioned: R has the
 *   condition number of X, not its square.
 */
import { InvalidInputError } from '../../errors.js';
import { rowUpdate } from './linalg.js';

/** Weighted centered cross-products of some rows (see the module comment). */
export interface CrossStats {
  readonly sumW: number;
  readonly rows: number;
  readonly mean: Float64Array;
  /** p × p, row-major, symmetric (upper triangle filled, lower mirrored at the end). */
  readonly C: Float64Array;
}

/** The same with R (upper-triangular, RᵀR = C) instead of C. */
export interface QrStats {
  readonly sumW: number;
  readonly rows: number;
  readonly mean: Float64Array;
  readonly R: Float64Array;
}

/** Where a tile's columns come from: X's d columns, then t targets; weights per row or null. */
export interface TileSource {
  readonly X: ArrayLike<number>;
  readonly d: number;
  readonly Y: ArrayLike<number>;
  readonly t: number;
  readonly w: ArrayLike<number> | null;
  /** Rows in the tile. */
  readonly n: number;
  /** The tile's first row in the array (for messages). */
  readonly rowBase: number;
  readonly caller: string;
}

/** Weighted mean of a tile's Z; checks X, y and the weights as it goes (messages name the row). */
function tileMean(src: TileSource, z: Float64Array): { W: number; mean: Float64Array } {
  const { d, t, w, n } = src;
  const p = d + t;
  const mean = new Float64Array(p);
  let W = 0;
  for (let i = 0; i < n; i++) {
    const wi = w === null ? 1 : w[i]!;
    if (!(wi >= 0) || wi === Infinity) throw badWeight(src, i, wi);
    W += wi;
    rowOf(src, i, z);
    for (let j = 0; j < p; j++) {
      const v = z[j]!;
      if (v - v !== 0) throw nonFinite(src, i, j, v);
      mean[j] = mean[j]! + wi * v;
    }
  }
  if (W > 0) for (let j = 0; j < p; j++) mean[j] = mean[j]! / W;
  return { W, mean };
}

function rowOf(src: TileSource, i: number, z: Float64Array): void {
  const { X, d, Y, t } = src;
  for (let j = 0; j < d; j++) z[j] = X[i * d + j]!;
  for (let c = 0; c < t; c++) z[d + c] = Y[i * t + c]!;
}

function nonFinite(src: TileSource, i: number, j: number, v: number): InvalidInputError {
  const what = Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  const row = src.rowBase + i;
  const where = j < src.d ? `X contains ${what} at row ${row}, column ${j}` : `y contains ${what} at row ${row}`;
  return new InvalidInputError(`${src.caller}: input ${where}.`, { row });
}

function badWeight(src: TileSource, i: number, w: number): InvalidInputError {
  const row = src.rowBase + i;
  return new InvalidInputError(`${src.caller}: sampleWeight must be finite and non-negative; it is ${w} at row ${row}.`, { row });
}

/** Cross-products of one tile. */
export function tileCross(src: TileSource): CrossStats {
  const p = src.d + src.t;
  const z = new Float64Array(p);
  const { W, mean } = tileMean(src, z);
  const C = new Float64Array(p * p);
  const w = src.w;
  for (let i = 0; i < src.n; i++) {
    const wi = w === null ? 1 : w[i]!;
    if (wi === 0) continue;
    rowOf(src, i, z);
    for (let j = 0; j < p; j++) z[j] = z[j]! - mean[j]!;
    for (let a = 0; a < p; a++) {
      const za = wi * z[a]!;
      const off = a * p;
      for (let b = a; b < p; b++) C[off + b] = C[off + b]! + za * z[b]!;
    }
  }
  return { sumW: W, rows: src.n, mean, C };
}

/** Chan's merge of two {@link CrossStats} (upper triangles). */
export function mergeCross(a: CrossStats, b: CrossStats): CrossStats {
  if (b.sumW === 0) return { ...a, rows: a.rows + b.rows };
  if (a.sumW === 0) return { ...b, rows: a.rows + b.rows };
  const p = a.mean.length;
  const W = a.sumW + b.sumW;
  const delta = new Float64Array(p);
  const mean = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    delta[j] = b.mean[j]! - a.mean[j]!;
    mean[j] = a.mean[j]! + (delta[j]! * b.sumW) / W;
  }
  const f = (a.sumW * b.sumW) / W;
  const C = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = i; j < p; j++) C[i * p + j] = a.C[i * p + j]! + b.C[i * p + j]! + f * delta[i]! * delta[j]!;
  }
  return { sumW: W, rows: a.rows + b.rows, mean, C };
}

/**
 * R of one tile: rows centered on the tile's weighted mean, scaled by √w, folded in by Givens
 * rotations (measured here ~2× faster than Householder reflections over a copy of the tile, whose
 * column sweeps stride through memory).
 */
export function tileQr(src: TileSource): QrStats {
  const p = src.d + src.t;
  const z = new Float64Array(p);
  const { W, mean } = tileMean(src, z);
  const R = new Float64Array(p * p);
  const w = src.w;
  for (let i = 0; i < src.n; i++) {
    const wi = w === null ? 1 : w[i]!;
    if (wi === 0) continue;
    rowOf(src, i, z);
    const sw = Math.sqrt(wi);
    for (let j = 0; j < p; j++) z[j] = sw * (z[j]! - mean[j]!);
    rowUpdate(R, p, z);
  }
  return { sumW: W, rows: src.n, mean, R };
}

/** Merges two {@link QrStats}: R_b's rows and √(W_a W_b / W)·δ folded into R_a. */
export function mergeQr(a: QrStats, b: QrStats): QrStats {
  if (b.sumW === 0) return { ...a, rows: a.rows + b.rows };
  if (a.sumW === 0) return { ...b, rows: a.rows + b.rows };
  const p = a.mean.length;
  const W = a.sumW + b.sumW;
  const R = a.R.slice();
  const row = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    row.fill(0);
    for (let j = i; j < p; j++) row[j] = b.R[i * p + j]!;
    rowUpdate(R, p, row, i);
  }
  const f = Math.sqrt((a.sumW * b.sumW) / W);
  const mean = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const delta = b.mean[j]! - a.mean[j]!;
    row[j] = f * delta;
    mean[j] = a.mean[j]! + (delta * b.sumW) / W;
  }
  rowUpdate(R, p, row);
  return { sumW: W, rows: a.rows + b.rows, mean, R };
}
