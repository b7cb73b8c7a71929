/**
 * Decision and scoring of the linear models: X · coefᵀ + intercept (scikit-learn's
 * LinearClassifierMixin.decision_function / LinearModel._decision_function), labels from scores,
 * and the out-of-core apply hook over a row stream. In WebAssembly where it pays
 * (wasm_decision.ts, bit-identical), in JavaScript otherwise; a non-finite score is traced back
 * to the NaN/Infinity in X that caused it, naming its row and column.
 */
import { allocate, type Block, type RowStream } from '@tessera/array';
import { type Matrix, checkFeatureCount } from '../../validation.js';
import { prefersWasm } from './backend.js';
import { throwIfNonFinite } from './epoch.js';
import { wasmDecision, wasmStreamDecision } from './wasm_decision.js';

/**
 * decision = X · coef[c] + intercept[c] for every row and class; [n] when k = 1, else [n, k]
 * (row-major), over shared memory. NaN/Infinity in a row shows up as a non-finite sum, which is
 * then traced to its column (so clean data needs no separate pass).
 */
export function linearDecision(
  m: Matrix,
  coef: Float64Array,
  intercept: Float64Array,
  k: number,
  out: Float64Array = allocate('float64', m.nSamples * k),
): Float64Array {
  const { data: X, nSamples: n, nFeatures: d } = m;
  if (prefersWasm(n, d)) {
    const bad = wasmDecision(X, n, d, coef, intercept, k, out);
    if (bad >= 0) throwIfNonFinite(X, bad * d, d, bad);
    if (bad === -1) return out;
  }
  jsDecision(X, n, d, coef, intercept, k, out, 0);
  return out;
}

/** The JavaScript loop of {@link linearDecision}; rows are numbered from `rowBase` in errors. */
function jsDecision(
  X: Float64Array,
  n: number,
  d: number,
  coef: Float64Array,
  intercept: Float64Array,
  k: number,
  out: Float64Array,
  rowBase: number,
): void {
  const d4 = d & ~3;
  for (let c = 0; c < k; c++) {
    const w = c * d;
    const b = intercept[c]!;
    for (let i = 0; i < n; i++) {
      const off = i * d;
      // Four partial sums: independent additions pipeline (the order differs from BLAS's anyway).
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let j = 0;
      for (; j < d4; j += 4) {
        s0 += X[off + j]! * coef[w + j]!;
        s1 += X[off + j + 1]! * coef[w + j + 1]!;
        s2 += X[off + j + 2]! * coef[w + j + 2]!;
        s3 += X[off + j + 3]! * coef[w + j + 3]!;
      }
      for (; j < d; j++) s0 += X[off + j]! * coef[w + j]!;
      const s = s0 + s1 + (s2 + s3);
      if (s - s !== 0) throwIfNonFinite(X, off, d, rowBase + i);
      out[i * k + c] = s + b;
    }
  }
}

/**
 * {@link linearDecision} over a row stream (a block, a read, a scaler's expression over a read),
 * tile by tile, each tile evaluated straight into this thread's WebAssembly memory and scored
 * there (wasmStreamDecision); `sink(scores, a, count)` receives each tile's scores (a view, valid
 * during the call). Returns false, having called nothing, when that is not available.
 */
function streamDecision(
  s: RowStream,
  coef: Float64Array,
  intercept: Float64Array,
  k: number,
  sink: (scores: Float64Array, a: number, count: number) => void,
): boolean {
  const d = s.cols;
  return wasmStreamDecision(s, coef, intercept, k, (rows, a, count, scores, bad) => {
    if (bad >= 0) {
      throwIfNonFinite(rows, bad * d, d, a + bad);
      // A finite row whose score overflowed: the tile again in JavaScript, as linearDecision does.
      jsDecision(rows, count, d, coef, intercept, k, scores, a);
    }
    sink(scores, a, count);
  });
}

/**
 * Labels from scores into out[at…]: classes[1] where the binary score is > 0, else classes[0];
 * the class of the largest score (the first on ties) when k > 1.
 */
export function labelsOf(scores: Float64Array, n: number, k: number, classes: Float64Array, out: Float64Array, at: number): void {
  if (k === 1) {
    for (let i = 0; i < n; i++) out[at + i] = classes[scores[i]! > 0 ? 1 : 0]!;
    return;
  }
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestScore = scores[i * k]!;
    for (let c = 1; c < k; c++) {
      const v = scores[i * k + c]!;
      if (v > bestScore) {
        bestScore = v;
        best = c;
      }
    }
    out[at + i] = classes[best]!;
  }
}

/**
 * The out-of-core apply kernel's hook for linear models (see applyMethod): `decision` over a row
 * stream of a whole block, or null when the stream is not 2-D or cannot be evaluated in
 * WebAssembly memory (the kernel then calls the method tile by tile).
 */
export function applyLinear(
  name: string,
  nFeaturesIn: number,
  s: RowStream,
  k: number,
  coef: Float64Array,
  intercept: Float64Array,
  width: number,
  each: (scores: Float64Array, count: number, out: Float64Array, at: number) => void,
): Block | null {
  if (s.shape.length !== 2 || s.rows === 0 || !prefersWasm(s.rows, s.cols)) return null;
  checkFeatureCount(name, nFeaturesIn, s.cols);
  const n = s.rows;
  const out = allocate('float64', n * width);
  const done = streamDecision(s, coef, intercept, k, (scores, a, count) => each(scores, count, out, a * width));
  return done ? { dtype: 'float64', shape: width === 1 ? [n] : [n, width], data: out } : null;
}
