/**
 * Per-feature moments of a block and their exact combination (Chan, Golub & LeVeque, 1979), the
 * statistics StandardScaler fits. The out-of-core layer fits a scaler by computing
 * {@link blockMoments} per block in parallel, folding them with {@link combineMoments} (in any
 * tree shape) and loading the result with `StandardScaler.partialFitMoments`.
 */
import { type Matrix, type MatrixLike, type VectorLike, checkArray, checkSampleWeight } from '../validation.js';
import { InvalidInputError } from '../errors.js';

/** Count (sum of weights), mean and sum of squared deviations (M2) of each feature. */
export interface Moments {
  readonly count: number;
  readonly mean: Float64Array;
  readonly m2: Float64Array;
}

/** Empty moments for `nFeatures` features (the identity of {@link combineMoments}). */
export function emptyMoments(nFeatures: number): Moments {
  return { count: 0, mean: new Float64Array(nFeatures), m2: new Float64Array(nFeatures) };
}

/**
 * Moments of one block. The mean is the sum over the count; M2 uses the corrected two-pass
 * formula Σ(x − m)² − (Σ(x − m))² / n, accurate when the mean is large against the spread
 * (e.g. mean 1e6, std 3).
 */
export function blockMoments(X: MatrixLike | Matrix, sampleWeight?: VectorLike | null): Moments {
  const m = 'nSamples' in X ? X : checkArray(X, { caller: 'blockMoments' });
  const { data, nSamples: n, nFeatures: d } = m;
  const mean = new Float64Array(d);
  const m2 = new Float64Array(d);
  if (sampleWeight === undefined || sampleWeight === null) {
    for (let i = 0; i < n; i++) {
      const off = i * d;
      for (let j = 0; j < d; j++) mean[j] = mean[j]! + data[off + j]!;
    }
    for (let j = 0; j < d; j++) mean[j] = mean[j]! / n;
    const corr = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const off = i * d;
      for (let j = 0; j < d; j++) {
        const t = data[off + j]! - mean[j]!;
        corr[j] = corr[j]! + t;
        m2[j] = m2[j]! + t * t;
      }
    }
    for (let j = 0; j < d; j++) m2[j] = m2[j]! - (corr[j]! * corr[j]!) / n;
    return { count: n, mean, m2 };
  }
  const w = checkSampleWeight(sampleWeight, n, 'blockMoments');
  let count = 0;
  for (let i = 0; i < n; i++) {
    const wi = w[i]!;
    count += wi;
    const off = i * d;
    for (let j = 0; j < d; j++) mean[j] = mean[j]! + wi * data[off + j]!;
  }
  if (!(count > 0)) throw new InvalidInputError(`blockMoments: the sample weights sum to ${count}; they must sum to a positive number.`);
  for (let j = 0; j < d; j++) mean[j] = mean[j]! / count;
  const corr = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const wi = w[i]!;
    const off = i * d;
    for (let j = 0; j < d; j++) {
      const t = data[off + j]! - mean[j]!;
      corr[j] = corr[j]! + wi * t;
      m2[j] = m2[j]! + wi * t * t;
    }
  }
  for (let j = 0; j < d; j++) m2[j] = m2[j]! - (corr[j]! * corr[j]!) / count;
  return { count, mean, m2 };
}

/**
 * Moments of the union of two disjoint sets of rows (Chan et al.'s pairwise update):
 * δ = mean_b − mean_a, mean = mean_a + δ·n_b/n, M2 = M2_a + M2_b + δ²·n_a·n_b/n.
 * Pure; associative and commutative up to rounding.
 */
export function combineMoments(a: Moments, b: Moments): Moments {
  if (a.mean.length !== b.mean.length) {
    throw new InvalidInputError(`combineMoments: moments of ${a.mean.length} and ${b.mean.length} features cannot be combined.`);
  }
  if (a.count === 0) return { count: b.count, mean: b.mean.slice(), m2: b.m2.slice() };
  if (b.count === 0) return { count: a.count, mean: a.mean.slice(), m2: a.m2.slice() };
  const d = a.mean.length;
  const n = a.count + b.count;
  const mean = new Float64Array(d);
  const m2 = new Float64Array(d);
  const fb = b.count / n;
  const fab = (a.count * b.count) / n;
  for (let j = 0; j < d; j++) {
    const delta = b.mean[j]! - a.mean[j]!;
    mean[j] = a.mean[j]! + delta * fb;
    m2[j] = a.m2[j]! + b.m2[j]! + delta * delta * fab;
  }
  return { count: n, mean, m2 };
}
