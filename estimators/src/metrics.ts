/**
 * Metrics with scikit-learn's definitions and defaults (`sklearn.metrics`), on in-memory arrays.
 * Labels are numbers; probability / score matrices are 2-D blocks or number[][].
 */
import { DenseArray, allocate, isBlock } from '@tessera/array';
import { InvalidInputError } from './errors.js';
import { type MatrixLike, type VectorLike, checkArray, checkVector } from './validation.js';

function vec(v: unknown, name: string, caller: string, n?: number): Float64Array {
  const len = n ?? lengthOf(v);
  return checkVector(v, len, { caller, name });
}

function lengthOf(v: unknown): number {
  if (isBlock(v)) return v.shape[0] ?? 0;
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return (v as ArrayLike<unknown>).length;
  throw new TypeError(`expected a number[], a typed array or a 1-D block. Got ${typeof v}.`);
}

function weightsOrNull(sampleWeight: VectorLike | undefined | null, n: number, caller: string): Float64Array | null {
  return sampleWeight === undefined || sampleWeight === null ? null : checkVector(sampleWeight, n, { caller, name: 'sampleWeight' });
}

function sortedUnique(...arrays: Float64Array[]): number[] {
  const set = new Set<number>();
  for (const a of arrays) for (const v of a) set.add(v);
  return [...set].sort((a, b) => a - b);
}

/**
 * Fraction (or, with `normalize: false`, weighted count) of exactly matching labels.
 *
 * @example
 * accuracyScore([0, 1, 1], [0, 1, 0]); // 0.666…
 */
export function accuracyScore(
  yTrue: VectorLike,
  yPred: VectorLike,
  options: { normalize?: boolean; sampleWeight?: VectorLike | null } = {},
): number {
  const caller = 'accuracyScore';
  const t = vec(yTrue, 'yTrue', caller);
  const p = vec(yPred, 'yPred', caller, t.length);
  const w = weightsOrNull(options.sampleWeight, t.length, caller);
  let hit = 0;
  let total = 0;
  for (let i = 0; i < t.length; i++) {
    const wi = w === null ? 1 : w[i]!;
    if (t[i] === p[i]) hit += wi;
    total += wi;
  }
  return options.normalize === false ? hit : hit / total;
}

/**
 * Cross-entropy of predicted probabilities (`yProba`: [n, k] with columns in sorted label order,
 * or 1-D probabilities of the larger label). Probabilities are clipped to [eps, 1 - eps] with eps
 * the float64 machine epsilon and each row renormalised, as scikit-learn 1.2 does.
 */
export function logLoss(
  yTrue: VectorLike,
  yProba: MatrixLike | VectorLike,
  options: { eps?: number; normalize?: boolean; sampleWeight?: VectorLike | null; labels?: VectorLike } = {},
): number {
  const caller = 'logLoss';
  const t = vec(yTrue, 'yTrue', caller);
  const n = t.length;
  const labels = options.labels !== undefined ? sortedUnique(vec(options.labels, 'labels', caller)) : sortedUnique(t);
  if (labels.length < 2) {
    throw new InvalidInputError(
      options.labels === undefined
        ? `logLoss: yTrue contains only one label (${labels[0]}). Provide the true labels explicitly through the labels option.`
        : `logLoss: labels needs to contain at least two labels, got [${labels.join(', ')}].`,
    );
  }
  let P: Float64Array;
  let k: number;
  const is1d =
    (isBlock(yProba) && yProba.shape.length === 1) ||
    (Array.isArray(yProba) && !Array.isArray(yProba[0])) ||
    (ArrayBuffer.isView(yProba) && !isBlock(yProba));
  if (is1d) {
    const p1 = vec(yProba, 'yProba', caller, n);
    P = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      P[2 * i] = 1 - p1[i]!;
      P[2 * i + 1] = p1[i]!;
    }
    k = 2;
  } else {
    const m = checkArray(yProba, { caller, name: 'yProba' });
    if (m.nSamples !== n) throw new InvalidInputError(`logLoss: yTrue has ${n} samples but yProba has ${m.nSamples}.`);
    k = m.nFeatures;
    P = m.data;
    if (k === 1) {
      const q = new Float64Array(2 * n);
      for (let i = 0; i < n; i++) {
        q[2 * i] = 1 - P[i]!;
        q[2 * i + 1] = P[i]!;
      }
      P = q;
      k = 2;
    }
  }
  if (k !== labels.length) {
    throw new InvalidInputError(
      `logLoss: yTrue has ${labels.length} classes but yProba has ${k} columns. Provide the labels option to name them.`,
    );
  }
  const index = new Map(labels.map((l, i) => [l, i]));
  const eps = options.eps ?? Number.EPSILON;
  const w = weightsOrNull(options.sampleWeight, n, caller);
  let sum = 0;
  let wsum = 0;
  for (let i = 0; i < n; i++) {
    const c = index.get(t[i]!);
    if (c === undefined) throw new InvalidInputError(`logLoss: yTrue[${i}] = ${t[i]} is not among the labels [${labels.join(', ')}].`);
    let rowSum = 0;
    for (let j = 0; j < k; j++) rowSum += clip(P[i * k + j]!, eps, 1 - eps);
    const pc = clip(P[i * k + c]!, eps, 1 - eps) / rowSum;
    const wi = w === null ? 1 : w[i]!;
    sum += -Math.log(pc) * wi;
    wsum += wi;
  }
  return options.normalize === false ? sum : sum / wsum;
}

function clip(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Mean squared error (its square root with `squared: false`). */
export function meanSquaredError(
  yTrue: VectorLike,
  yPred: VectorLike,
  options: { sampleWeight?: VectorLike | null; squared?: boolean } = {},
): number {
  const caller = 'meanSquaredError';
  const t = vec(yTrue, 'yTrue', caller);
  const p = vec(yPred, 'yPred', caller, t.length);
  const w = weightsOrNull(options.sampleWeight, t.length, caller);
  let s = 0;
  let ws = 0;
  for (let i = 0; i < t.length; i++) {
    const d = t[i]! - p[i]!;
    const wi = w === null ? 1 : w[i]!;
    s += wi * d * d;
    ws += wi;
  }
  const mse = s / ws;
  return options.squared === false ? Math.sqrt(mse) : mse;
}

/**
 * Coefficient of determination R². With fewer than two samples it is NaN; a constant yTrue gives
 * 1 for a perfect prediction and 0 otherwise (scikit-learn's `force_finite=True`).
 */
export function r2Score(
  yTrue: VectorLike,
  yPred: VectorLike,
  options: { sampleWeight?: VectorLike | null; forceFinite?: boolean } = {},
): number {
  const caller = 'r2Score';
  const t = vec(yTrue, 'yTrue', caller);
  const p = vec(yPred, 'yPred', caller, t.length);
  const w = weightsOrNull(options.sampleWeight, t.length, caller);
  return r2FromArrays(t, p, w, options.forceFinite ?? true);
}

/** R² on raw arrays (also used by the regressors' score and early stopping). */
export function r2FromArrays(t: Float64Array, p: Float64Array, w: Float64Array | null, forceFinite = true): number {
  const n = t.length;
  if (n < 2) return Number.NaN;
  let wsum = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) {
    const wi = w === null ? 1 : w[i]!;
    mean += wi * t[i]!;
    wsum += wi;
  }
  mean /= wsum;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const wi = w === null ? 1 : w[i]!;
    const r = t[i]! - p[i]!;
    const c = t[i]! - mean;
    num += wi * r * r;
    den += wi * c * c;
  }
  if (den === 0) {
    if (!forceFinite) return num === 0 ? Number.NaN : Number.NEGATIVE_INFINITY;
    return num === 0 ? 1 : 0;
  }
  return 1 - num / den;
}

/**
 * Confusion matrix C with C[i, j] the (weighted) count of samples of true label i predicted as j,
 * labels sorted (or as given). `normalize` divides by row ('true'), column ('pred') or total ('all').
 * Returns a float64 DenseArray [k, k].
 */
export function confusionMatrix(
  yTrue: VectorLike,
  yPred: VectorLike,
  options: { labels?: VectorLike; sampleWeight?: VectorLike | null; normalize?: 'true' | 'pred' | 'all' | null } = {},
): DenseArray<'float64'> {
  const caller = 'confusionMatrix';
  const t = vec(yTrue, 'yTrue', caller);
  const p = vec(yPred, 'yPred', caller, t.length);
  const labels = options.labels !== undefined ? [...vec(options.labels, 'labels', caller)] : sortedUnique(t, p);
  if (labels.length === 0) throw new InvalidInputError('confusionMatrix: labels must not be empty.');
  const index = new Map(labels.map((l, i) => [l, i]));
  const k = labels.length;
  const w = weightsOrNull(options.sampleWeight, t.length, caller);
  const cm = allocate('float64', k * k);
  for (let i = 0; i < t.length; i++) {
    const a = index.get(t[i]!);
    const b = index.get(p[i]!);
    if (a === undefined || b === undefined) continue; // labels outside `labels` are ignored, as in scikit-learn
    cm[a * k + b] = cm[a * k + b]! + (w === null ? 1 : w[i]!);
  }
  const norm = options.normalize ?? null;
  if (norm !== null) {
    const div = (x: number, d: number): number => (d === 0 ? 0 : x / d);
    if (norm === 'all') {
      let s = 0;
      for (const v of cm) s += v;
      for (let q = 0; q < k * k; q++) cm[q] = div(cm[q]!, s);
    } else {
      for (let a = 0; a < k; a++) {
        let s = 0;
        for (let b = 0; b < k; b++) s += norm === 'true' ? cm[a * k + b]! : cm[b * k + a]!;
        for (let b = 0; b < k; b++) {
          const q = norm === 'true' ? a * k + b : b * k + a;
          cm[q] = div(cm[q]!, s);
        }
      }
    }
  }
  return new DenseArray(cm, [k, k]);
}

function binaryAuc(t: Float64Array, s: Float64Array, w: Float64Array | null, positive: number): number {
  const n = t.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => s[b]! - s[a]! || a - b);
  // Walk thresholds from high to low; trapezoids between distinct score values (ties share a segment).
  let tp = 0;
  let fp = 0;
  let prevTp = 0;
  let prevFp = 0;
  let area = 0;
  for (let r = 0; r < n; r++) {
    const i = order[r]!;
    const wi = w === null ? 1 : w[i]!;
    if (t[i] === positive) tp += wi;
    else fp += wi;
    const last = r === n - 1 || s[order[r + 1]!] !== s[i];
    if (last) {
      area += (fp - prevFp) * (tp + prevTp) * 0.5;
      prevTp = tp;
      prevFp = fp;
    }
  }
  if (tp === 0 || fp === 0) {
    throw new InvalidInputError('rocAucScore: only one class present in yTrue. ROC AUC score is not defined in that case.');
  }
  return area / (tp * fp);
}

/**
 * Area under the ROC curve. Binary: `yScore` is the score of the larger label (a 1-D vector, or an
 * [n, 2] probability matrix whose second column is used). Multi-class: `yScore` is [n, k] and
 * `multiClass: 'ovr'` gives the macro average of one-vs-rest AUCs.
 */
export function rocAucScore(
  yTrue: VectorLike,
  yScore: VectorLike | MatrixLike,
  options: { sampleWeight?: VectorLike | null; multiClass?: 'raise' | 'ovr' } = {},
): number {
  const caller = 'rocAucScore';
  const t = vec(yTrue, 'yTrue', caller);
  const n = t.length;
  const w = weightsOrNull(options.sampleWeight, n, caller);
  const labels = sortedUnique(t);
  const twoD = (isBlock(yScore) && yScore.shape.length === 2) || (Array.isArray(yScore) && Array.isArray(yScore[0]));
  if (labels.length <= 2) {
    if (labels.length < 2)
      throw new InvalidInputError('rocAucScore: only one class present in yTrue. ROC AUC score is not defined in that case.');
    let s: Float64Array;
    if (twoD) {
      const m = checkArray(yScore, { caller, name: 'yScore' });
      if (m.nFeatures !== 2 || m.nSamples !== n)
        throw new InvalidInputError(
          `rocAucScore: binary yTrue needs a 1-D yScore or an [n, 2] matrix; got [${m.nSamples}, ${m.nFeatures}].`,
        );
      s = new Float64Array(n);
      for (let i = 0; i < n; i++) s[i] = m.data[2 * i + 1]!;
    } else {
      s = vec(yScore, 'yScore', caller, n);
    }
    return binaryAuc(t, s, w, labels[1]!);
  }
  if (options.multiClass !== 'ovr') {
    throw new InvalidInputError(
      "rocAucScore: yTrue has more than two classes; pass multiClass: 'ovr' for the macro-averaged one-vs-rest AUC.",
    );
  }
  const m = checkArray(yScore, { caller, name: 'yScore' });
  if (m.nFeatures !== labels.length || m.nSamples !== n) {
    throw new InvalidInputError(
      `rocAucScore: yScore must be [${n}, ${labels.length}] (one column per class); got [${m.nSamples}, ${m.nFeatures}].`,
    );
  }
  let total = 0;
  const col = new Float64Array(n);
  for (let c = 0; c < labels.length; c++) {
    for (let i = 0; i < n; i++) col[i] = m.data[i * labels.length + c]!;
    total += binaryAuc(t, col, w, labels[c]!);
  }
  return total / labels.length;
}
