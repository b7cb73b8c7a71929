/**
 * Tall-skinny QR (dask.array.linalg's `tsqr`) and the passes of the randomized SVD built on it, as
 * worker kernels and the graphs that run them — what PCA and TruncatedSVD fit with in parallel.
 *
 * One pass over X (n × d, n ≫ d) gathers, per row block and then per group of blocks, a
 * {@link Sketch}: the row count, the column means and sums of squared deviations, and the
 * triangle R of a Householder QR of the block *centred on its own mean*, Y − 1·ȳᵀ where Y = X·Mᵀ
 * (M: q × d, the identity when absent). Blocks are folded tile by tile and combined by a tree of
 * merges, each a structured QR update of one triangle by the rows of the other plus one
 * correction row √(nₐ·n_b / n)·(ȳ_b − ȳₐ)ᵀ — Chan's mean/variance combination carried into the QR,
 * since [Rₐ; R_b; √(nₐn_b/n)·δᵀ] has the Gram matrix of the rows centred on their joint mean. So
 * the mean is *fused into the pass*: a centred R comes out of one reading of the data, with no
 * cancellation (XᵀX − n·x̄x̄ᵀ is never formed). The uncentred R (TruncatedSVD) follows on the main
 * thread with one more row, √n·ȳᵀ ({@link uncentred}).
 *
 * With M given the sketch also carries C = (Y − 1ȳᵀ)ᵀ(X − 1x̄ᵀ) (q × d, combined with the same
 * correction), from which Qᵀ(X − 1x̄ᵀ) follows for Q = (Y − 1ȳᵀ)·R⁻¹ — the randomized SVD's
 * "QR between the power iterations" without ever holding Q (n × q): see {@link projectedRows}.
 *
 * A second kind of pass ({@link projectKernel}) evaluates X·Vᵀ block by block and keeps, per
 * column, the entry of largest magnitude (first row on ties) and the column moments: what
 * scikit-learn's sign convention (`svd_flip`, decided on U) and TruncatedSVD's explained variance
 * need.
 */
import { Graph, compute, ref } from '@tessera/scheduler';
import { buildGraph, rowOrigin, streamOf, tileRows, tokenize, type NDArray } from '@tessera/array';
import type { LazyOptions } from '../contract.js';
import { InvalidInputError } from '../errors.js';
import { rowBlocks } from '../ooc/lazy.js';
import { WASM_PAGE, instantiateBase64 } from '../wasm_module.js';
import { TSQR_WASM_BASE64 } from './tsqr_wasm_bytes.js';

/** Kernel names of this module (registered by the package's index.ts). */
export const TsqrKernel = {
  /** The {@link Sketch} of one row block. */
  sketch: 'est.tsqrSketch',
  /** Merges sketches (a node of the reduction tree). */
  combineSketch: 'est.tsqrCombine',
  /** Per-column extremes and moments of X·Vᵀ over one row block. */
  project: 'est.svdProject',
  combineProject: 'est.svdCombineProject',
} as const;

/** What one pass gathers over some rows (see the module comment). */
export interface Sketch {
  /** Rows. */
  readonly n: number;
  /** Columns of X. */
  readonly d: number;
  /** Columns of Y = X·Mᵀ (d without M). */
  readonly q: number;
  /** Column means of X [d]. */
  readonly mean: Float64Array;
  /** Column sums of squared deviations from the mean [d]. */
  readonly m2: Float64Array;
  /** Upper triangle of the QR of the centred Y, q × q row-major. */
  readonly R: Float64Array;
  /** (Y − 1ȳᵀ)ᵀ(X − 1x̄ᵀ), q × d row-major; null without M. */
  readonly C: Float64Array | null;
}

function emptySketch(d: number, q: number, withC: boolean): Sketch {
  return {
    n: 0,
    d,
    q,
    mean: new Float64Array(d),
    m2: new Float64Array(d),
    R: new Float64Array(q * q),
    C: withC ? new Float64Array(q * d) : null,
  };
}

/**
 * Householder QR update of the upper triangle R (q × q, row-major, in place) by m more rows T
 * (column-major: column j at [j·m, (j+1)·m)), which are destroyed: afterwards RᵀR equals the old
 * RᵀR + TᵀT. Each reflection touches row k of R and column k of T only below the diagonal, so an
 * update costs ≈ 2·m·q² flops whatever R holds. The reflection is applied to four columns at a
 * time (one pass over column k for four dot products, one for four updates): 2.5–3× faster in V8
 * than one column at a time, the arithmetic per element unchanged.
 */
export function qrUpdate(R: Float64Array, q: number, T: Float64Array, m: number): void {
  for (let k = 0; k < q; k++) {
    const ck = k * m;
    const rk = k * q;
    const rkk = R[rk + k]!;
    let ss = rkk * rkk;
    for (let i = 0; i < m; i++) {
      const t = T[ck + i]!;
      ss += t * t;
    }
    if (ss === 0) continue;
    const norm = Math.sqrt(ss);
    const alpha = rkk >= 0 ? -norm : norm;
    // v = [rkk − alpha; T[:, k]], H = I − β·vvᵀ with β = 2/(vᵀv) = 1/(norm·(norm + |rkk|)).
    const v0 = rkk - alpha;
    const beta = 1 / (norm * (norm + Math.abs(rkk)));
    let j = k + 1;
    for (; j + 3 < q; j += 4) {
      const c1 = j * m;
      const c2 = c1 + m;
      const c3 = c2 + m;
      const c4 = c3 + m;
      let d1 = v0 * R[rk + j]!;
      let d2 = v0 * R[rk + j + 1]!;
      let d3 = v0 * R[rk + j + 2]!;
      let d4 = v0 * R[rk + j + 3]!;
      for (let i = 0; i < m; i++) {
        const v = T[ck + i]!;
        d1 += v * T[c1 + i]!;
        d2 += v * T[c2 + i]!;
        d3 += v * T[c3 + i]!;
        d4 += v * T[c4 + i]!;
      }
      const f1 = beta * d1;
      const f2 = beta * d2;
      const f3 = beta * d3;
      const f4 = beta * d4;
      R[rk + j] = R[rk + j]! - f1 * v0;
      R[rk + j + 1] = R[rk + j + 1]! - f2 * v0;
      R[rk + j + 2] = R[rk + j + 2]! - f3 * v0;
      R[rk + j + 3] = R[rk + j + 3]! - f4 * v0;
      for (let i = 0; i < m; i++) {
        const v = T[ck + i]!;
        T[c1 + i] = T[c1 + i]! - f1 * v;
        T[c2 + i] = T[c2 + i]! - f2 * v;
        T[c3 + i] = T[c3 + i]! - f3 * v;
        T[c4 + i] = T[c4 + i]! - f4 * v;
      }
    }
    for (; j < q; j++) {
      const c1 = j * m;
      let d1 = v0 * R[rk + j]!;
      for (let i = 0; i < m; i++) d1 += T[ck + i]! * T[c1 + i]!;
      const f1 = beta * d1;
      R[rk + j] = R[rk + j]! - f1 * v0;
      for (let i = 0; i < m; i++) T[c1 + i] = T[c1 + i]! - f1 * T[ck + i]!;
    }
    R[rk + k] = alpha;
  }
}

/** ȳ = M·x̄ (or x̄ itself without M). */
function project(M: Float64Array | null, q: number, x: Float64Array): Float64Array {
  if (M === null) return x.slice();
  const d = x.length;
  const y = new Float64Array(q);
  for (let j = 0; j < q; j++) {
    let acc = 0;
    for (let c = 0; c < d; c++) acc += M[j * d + c]! * x[c]!;
    y[j] = acc;
  }
  return y;
}

/** Merges b into a (Chan's combination, carried into R and C); returns the merged sketch. */
export function mergeSketches(a: Sketch, b: Sketch, M: Float64Array | null): Sketch {
  if (b.n === 0) return a;
  if (a.n === 0) return b;
  const { d, q } = a;
  const n = a.n + b.n;
  const w = (a.n * b.n) / n;
  const dx = new Float64Array(d);
  for (let c = 0; c < d; c++) dx[c] = b.mean[c]! - a.mean[c]!;
  const dy = project(M, q, dx);
  const mean = new Float64Array(d);
  const m2 = new Float64Array(d);
  for (let c = 0; c < d; c++) {
    mean[c] = a.mean[c]! + (dx[c]! * b.n) / n;
    m2[c] = a.m2[c]! + b.m2[c]! + w * dx[c]! * dx[c]!;
  }
  // Rows of b's triangle, then the correction row, column-major.
  const m = q + 1;
  const T = new Float64Array(m * q);
  const sw = Math.sqrt(w);
  for (let j = 0; j < q; j++) {
    for (let i = 0; i <= j; i++) T[j * m + i] = b.R[i * q + j]!;
    T[j * m + q] = sw * dy[j]!;
  }
  const R = a.R.slice();
  qrUpdate(R, q, T, m);
  let C: Float64Array | null = null;
  if (a.C !== null && b.C !== null) {
    C = new Float64Array(q * d);
    for (let j = 0; j < q; j++) for (let c = 0; c < d; c++) C[j * d + c] = a.C[j * d + c]! + b.C[j * d + c]! + w * dy[j]! * dx[c]!;
  }
  return { n, d, q, mean, m2, R, C };
}

/** Rows folded into a triangle at a time: column-major, a chunk of 20 columns stays in L1. */
const CHUNK = 128;

/** Which implementation of the Householder update runs: the WebAssembly one (SIMD) where available, or {@link qrUpdate}. */
let backend: 'wasm' | 'js' = 'wasm';

/**
 * Chooses the Householder update's implementation on this thread (tests compare the two; the
 * WebAssembly one is used wherever the runtime has WebAssembly SIMD, else JavaScript).
 */
export function setTsqrBackend(b: 'wasm' | 'js'): void {
  backend = b;
}

/** The WebAssembly module's exports on this thread (instantiated once), or null. */
let wasmExports:
  | { memory: { buffer: ArrayBuffer; grow(pages: number): number }; qr_update(R: number, q: number, T: number, m: number): void }
  | null
  | undefined;

/**
 * The WebAssembly update for q columns: R (q × q) and a chunk T ((CHUNK + 1) × q, column-major)
 * as views of its memory, and `update(m)` folding the first m rows of T (m even) into R. Null
 * when the backend is 'js' or the runtime has no WebAssembly SIMD.
 */
function wasmFolder(q: number): { R: Float64Array; T: Float64Array; update(m: number): void } | null {
  if (backend !== 'wasm') return null;
  if (wasmExports === undefined) wasmExports = instantiateBase64(TSQR_WASM_BASE64) as typeof wasmExports | null;
  const ex = wasmExports;
  if (ex === null || ex === undefined) return null;
  const need = (q * q + (CHUNK + 2) * q) * 8;
  const have = ex.memory.buffer.byteLength;
  if (have < need) ex.memory.grow(Math.ceil((need - have) / WASM_PAGE));
  const buffer = ex.memory.buffer;
  const tOffset = q * q * 8;
  return {
    R: new Float64Array(buffer, 0, q * q),
    T: new Float64Array(buffer, tOffset, (CHUNK + 2) * q),
    update: (m) => ex.qr_update(0, q, tOffset, m),
  };
}

/** Where a block's rows come from, for messages. */
export interface BlockPlace {
  /** Who asks (PCA.fit…). */
  readonly caller: string;
  /** The block's index along the rows, and its first row in X. */
  readonly block: number;
  readonly rowOffset: number;
}

function nonFinite(X: unknown, place: BlockPlace, v: ArrayLike<number>, d: number, tileStart: number): InvalidInputError {
  for (let i = 0; i * d < v.length; i++) {
    for (let j = 0; j < d; j++) {
      const x = v[i * d + j]!;
      if (Number.isFinite(x)) continue;
      const row = tileStart + i;
      const origin = rowOrigin(X, row);
      return new InvalidInputError(
        `${place.caller}: Input X contains ${Number.isNaN(x) ? 'NaN' : 'infinity'} at row ${row} of block ${place.block} ` +
          `(row ${place.rowOffset + row} of X), column ${j}${origin === undefined ? '' : ` (${origin})`}.`,
        { row },
      );
    }
  }
  return new InvalidInputError(`${place.caller}: Input X contains a non-finite value in block ${place.block}.`);
}

/**
 * The {@link Sketch} of the rows of `X` (a block or an inline read / expression, streamed tile by
 * tile): each tile is centred on its own mean and folded into the running sketch. `M` (q × d
 * row-major) projects the rows first; null for the plain TSQR. `centre`: subtract it from every
 * row first (the 'full' solver's second pass). A NaN or an infinity is an
 * InvalidInputError naming the block, the row (in the block and in X) and the column.
 */
export function sketchRows(X: unknown, M: Float64Array | null, q: number, place: BlockPlace, centre: Float64Array | null = null): Sketch {
  const s = streamOf(X);
  try {
    const d = s.cols;
    if (M !== null && M.length !== q * d)
      throw new RangeError(`${place.caller}: the projection is ${M.length / q} wide but X has ${d} columns.`);
    let acc = emptySketch(d, M === null ? d : q, M !== null);
    const qq = acc.q;
    const tile = tileRows(s);
    const tmean = new Float64Array(d);
    const xc = new Float64Array((CHUNK + 1) * d);
    const yc = new Float64Array((CHUNK + 1) * qq);
    const wasm = wasmFolder(qq);
    const shifted = centre === null ? null : new Float64Array(Math.min(tile, s.rows) * d);
    for (let a = 0; a < s.rows; a += tile) {
      const b = Math.min(s.rows, a + tile);
      const t = b - a;
      const v = centre === null ? s.read(a, b) : subtractRows(s.read(a, b), centre, shifted!, t, d);
      tmean.fill(0);
      for (let i = 0; i < t; i++) for (let j = 0; j < d; j++) tmean[j] = tmean[j]! + v[i * d + j]!;
      for (let j = 0; j < d; j++) {
        if (!Number.isFinite(tmean[j]!)) throw nonFinite(X, place, v, d, a);
        tmean[j] = tmean[j]! / t;
      }
      // The tile centred on its own mean, CHUNK rows at a time (column-major, so they stay in L1;
      // padded with a zero row to an even count for the WebAssembly update), projected
      // (Yc = Xc·Mᵀ) and folded into the tile's own triangle; then merged like any part.
      const m2 = new Float64Array(d);
      if (wasm !== null) wasm.R.fill(0);
      const R = wasm === null ? new Float64Array(qq * qq) : wasm.R;
      const C = M === null ? null : new Float64Array(qq * d);
      for (let c0 = 0; c0 < t; c0 += CHUNK) {
        const m = Math.min(CHUNK, t - c0);
        const ms = wasm === null ? m : m + (m & 1);
        // Where the rows to fold go: straight into the WebAssembly memory when there is one.
        const fold = wasm === null ? (M === null ? xc : yc) : wasm.T;
        const xs = M === null ? fold : xc;
        for (let i = 0; i < m; i++) {
          const row = (c0 + i) * d;
          for (let j = 0; j < d; j++) {
            const x = v[row + j]! - tmean[j]!;
            xs[j * ms + i] = x;
            m2[j] = m2[j]! + x * x;
          }
        }
        if (ms > m) for (let j = 0; j < d; j++) xs[j * ms + m] = 0;
        if (M !== null && C !== null) {
          fold.fill(0, 0, qq * ms);
          for (let k = 0; k < qq; k++) {
            const out = k * ms;
            for (let j = 0; j < d; j++) {
              const f = M[k * d + j]!;
              if (f === 0) continue;
              const col = j * ms;
              for (let i = 0; i < ms; i++) fold[out + i] = fold[out + i]! + f * xc[col + i]!;
            }
          }
          for (let k = 0; k < qq; k++) {
            for (let j = 0; j < d; j++) {
              let dot = 0;
              for (let i = 0; i < ms; i++) dot += fold[k * ms + i]! * xc[j * ms + i]!;
              C[k * d + j] = C[k * d + j]! + dot;
            }
          }
        }
        if (wasm === null) qrUpdate(R, qq, fold, ms);
        else wasm.update(ms);
      }
      acc = mergeSketches(acc, { n: t, d, q: qq, mean: tmean.slice(), m2, R: wasm === null ? R : R.slice(), C }, M);
    }
    return acc;
  } finally {
    s.close();
  }
}

/** `rows − centre` (t rows of d) into `out`. */
function subtractRows(rows: ArrayLike<number>, centre: Float64Array, out: Float64Array, t: number, d: number): Float64Array {
  for (let i = 0; i < t; i++) for (let j = 0; j < d; j++) out[i * d + j] = rows[i * d + j]! - centre[j]!;
  return out;
}

/** `est.tsqrSketch`: {@link sketchRows} of one row block. */
export function sketchKernel(X: unknown, M: Float64Array | null, q: number, place: BlockPlace, centre: Float64Array | null): Sketch {
  return sketchRows(X, M, q, place, centre);
}

/** `est.tsqrCombine`: the parts merged in order (the order is the graph's, so results do not depend on timing). */
export function combineSketchKernel(parts: readonly Sketch[], M: Float64Array | null): Sketch {
  let acc = parts[0]!;
  for (let i = 1; i < parts.length; i++) acc = mergeSketches(acc, parts[i]!, M);
  return acc;
}

/** The sketch of the rows uncentred: R of [R_c; √n·ȳᵀ], C + n·ȳx̄ᵀ (TruncatedSVD does not centre). */
export function uncentred(s: Sketch, M: Float64Array | null): Sketch {
  const { n, d, q } = s;
  const y = project(M, q, s.mean);
  const R = s.R.slice();
  const T = new Float64Array(q);
  const sn = Math.sqrt(n);
  for (let j = 0; j < q; j++) T[j] = sn * y[j]!;
  qrUpdate(R, q, T, 1);
  let C: Float64Array | null = null;
  if (s.C !== null) {
    C = new Float64Array(q * d);
    for (let j = 0; j < q; j++) for (let c = 0; c < d; c++) C[j * d + c] = s.C[j * d + c]! + n * y[j]! * s.mean[c]!;
  }
  return { ...s, R, C };
}

// ---------------------------------------------------------------------------------------------

/** Per column of X·Vᵀ over some rows: the largest |value| (first row on ties) and moments. */
export interface Projection {
  readonly n: number;
  /** Signed value of largest magnitude per column, and its row in X. */
  readonly peak: Float64Array;
  readonly peakRow: Float64Array;
  /** Column means and sums of squared deviations (Chan). */
  readonly mean: Float64Array;
  readonly m2: Float64Array;
}

/** `est.svdProject`: (X − centre)·Vᵀ for one row block (V: k × d row-major), streamed; see {@link Projection}. */
export function projectKernel(X: unknown, V: Float64Array, k: number, rowOffset: number, centre: Float64Array | null = null): Projection {
  const s = streamOf(X);
  try {
    const d = s.cols;
    const peak = new Float64Array(k);
    const peakRow = new Float64Array(k).fill(-1);
    let n = 0;
    let mean = new Float64Array(k);
    let m2 = new Float64Array(k);
    const tile = tileRows(s);
    const shifted = centre === null ? null : new Float64Array(Math.min(tile, s.rows) * d);
    const peakAbs = new Float64Array(k).fill(-1);
    const us = new Float64Array(Math.min(tile, s.rows) * k); // reused by every tile
    for (let a = 0; a < s.rows; a += tile) {
      const b = Math.min(s.rows, a + tile);
      const t = b - a;
      const v = centre === null ? s.read(a, b) : subtractRows(s.read(a, b), centre, shifted!, t, d);
      const tmean = new Float64Array(k);
      for (let i = 0; i < t; i++) {
        const row = i * d;
        for (let c = 0; c < k; c++) {
          let dot = 0;
          const vc = c * d;
          for (let j = 0; j < d; j++) dot += v[row + j]! * V[vc + j]!;
          us[i * k + c] = dot;
          tmean[c] = tmean[c]! + dot;
          // Rows come in order, so a strict comparison keeps the first of equal magnitudes.
          const abs = dot < 0 ? -dot : dot;
          if (abs > peakAbs[c]!) {
            peakAbs[c] = abs;
            peak[c] = dot;
            peakRow[c] = rowOffset + a + i;
          }
        }
      }
      for (let c = 0; c < k; c++) tmean[c] = tmean[c]! / t;
      const tm2 = new Float64Array(k);
      for (let i = 0; i < t; i++) {
        for (let c = 0; c < k; c++) {
          const e = us[i * k + c]! - tmean[c]!;
          tm2[c] = tm2[c]! + e * e;
        }
      }
      const total = n + t;
      const nextMean = new Float64Array(k);
      const nextM2 = new Float64Array(k);
      for (let c = 0; c < k; c++) {
        const delta = tmean[c]! - mean[c]!;
        nextMean[c] = mean[c]! + (delta * t) / total;
        nextM2[c] = m2[c]! + tm2[c]! + ((n * t) / total) * delta * delta;
      }
      n = total;
      mean = nextMean;
      m2 = nextM2;
    }
    return { n, peak, peakRow, mean, m2 };
  } finally {
    s.close();
  }
}

function mergeProjections(a: Projection, b: Projection): Projection {
  if (b.n === 0) return a;
  if (a.n === 0) return { ...b, mean: b.mean.slice(), m2: b.m2.slice() };
  const k = a.mean.length;
  const n = a.n + b.n;
  const mean = new Float64Array(k);
  const m2 = new Float64Array(k);
  const peak = a.peak.slice();
  const peakRow = a.peakRow.slice();
  for (let c = 0; c < k; c++) {
    const delta = b.mean[c]! - a.mean[c]!;
    mean[c] = a.mean[c]! + (delta * b.n) / n;
    m2[c] = a.m2[c]! + b.m2[c]! + ((a.n * b.n) / n) * delta * delta;
    const pa = Math.abs(a.peak[c]!);
    const pb = Math.abs(b.peak[c]!);
    if (pb > pa || (pb === pa && b.peakRow[c]! < a.peakRow[c]!)) {
      peak[c] = b.peak[c]!;
      peakRow[c] = b.peakRow[c]!;
    }
  }
  return { n, peak, peakRow, mean, m2 };
}

/** `est.svdCombineProject`: merges projections (largest magnitude, first row on ties; Chan's moments). */
export function combineProjectKernel(parts: readonly Projection[]): Projection {
  let acc = parts[0]!;
  for (let i = 1; i < parts.length; i++) acc = mergeProjections(acc, parts[i]!);
  return acc;
}

/** This module's worker kernels (registered by the package's index.ts). */
export const kernels = {
  [TsqrKernel.sketch]: sketchKernel,
  [TsqrKernel.combineSketch]: combineSketchKernel,
  [TsqrKernel.project]: projectKernel,
  [TsqrKernel.combineProject]: combineProjectKernel,
};

// ---------------------------------------------------------------------------------------------
// Graphs: one pass each, a task per row block and a tree of merges.

const FAN_IN = 8;

function reduceTree(g: Graph, keys: string[], kernel: string, prefix: string, extra: readonly unknown[]): string {
  let level = keys;
  for (let depth = 0; level.length > 1 || depth === 0; depth++) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += FAN_IN) {
      const key = `${prefix}-combine-${depth}-${i / FAN_IN}`;
      g.add(key, kernel, [level.slice(i, i + FAN_IN).map((k) => ref(k)), ...extra]);
      next.push(key);
    }
    level = next;
  }
  return level[0]!;
}

/**
 * The {@link Sketch} of a lazy X in one parallel pass: an `est.tsqrSketch` task per row block (the
 * block read, or its expression evaluated, tile by tile inside the task) and a tree of
 * `est.tsqrCombine` merges, 8 at a time.
 */
export async function lazySketch(
  X: NDArray,
  M: Float64Array | null,
  q: number,
  centre: Float64Array | null,
  caller: string,
  options: LazyOptions,
): Promise<Sketch> {
  const Xr = rowBlocks(X, caller);
  const g = buildGraph([Xr], new Graph());
  const name = `tsqr-${tokenize('tsqr', Xr.name, M, q, centre)}`;
  const keys: string[] = [];
  const offsets = Xr.blockOffsets[0]!;
  for (let i = 0; i < Xr.numBlocks[0]!; i++) {
    const key = `${name}-block-${i}`;
    const place: BlockPlace = { caller, block: i, rowOffset: offsets[i]! };
    g.add(key, TsqrKernel.sketch, [Xr.blockArg(i, 0), M, q, place, centre]);
    keys.push(key);
  }
  const root = reduceTree(g, keys, TsqrKernel.combineSketch, name, [M]);
  return (await compute(g, [root], options))[root] as Sketch;
}

/** The {@link Projection} of a lazy X − centre on the rows of V (k × d) in one parallel pass. */
export async function lazyProjection(
  X: NDArray,
  V: Float64Array,
  k: number,
  centre: Float64Array | null,
  caller: string,
  options: LazyOptions,
): Promise<Projection> {
  const Xr = rowBlocks(X, caller);
  const g = buildGraph([Xr], new Graph());
  const name = `svd-project-${tokenize('svd-project', Xr.name, V, k, centre)}`;
  const keys: string[] = [];
  const offsets = Xr.blockOffsets[0]!;
  for (let i = 0; i < Xr.numBlocks[0]!; i++) {
    const key = `${name}-block-${i}`;
    g.add(key, TsqrKernel.project, [Xr.blockArg(i, 0), V, k, offsets[i]!, centre]);
    keys.push(key);
  }
  const root = reduceTree(g, keys, TsqrKernel.combineProject, name, []);
  return (await compute(g, [root], options))[root] as Projection;
}
