/**
 * Early stopping (scikit-learn's `_stochastic_gradient.py`: `_make_validation_split` and
 * `_ValidationScoreCallback`): the validation rows held out of training, and the score the epoch
 * loop checks after each epoch — accuracy for classifiers, R² for regressors, weighted.
 */
import { InvalidInputError } from '../../errors.js';
import { r2FromArrays } from '../../metrics.js';
import { validationSplit } from '../../model_selection.js';
import type { RandomState } from '@tessera/array';
import type { Matrix } from '../../validation.js';

/** Validation / training rows split for early stopping; the validation rows must carry weight. */
export function validationSplitWeighted(
  caller: string,
  n: number,
  fraction: number,
  rng: RandomState,
  strata: Float64Array | null,
  sampleWeight: Float64Array | null,
): Uint8Array {
  const mask = validationSplit(caller, n, fraction, rng, strata);
  let anyWeight = false;
  for (let i = 0; i < n; i++) if (mask[i] && (sampleWeight === null || sampleWeight[i]! > 0)) anyWeight = true;
  if (!anyWeight) {
    throw new InvalidInputError(
      `${caller}: the sample weights for the validation set are all zero, consider using a different randomState.`,
    );
  }
  return mask;
}

/** Early stopping's score for a binary problem: weighted accuracy of sign(w·x + b) on the validation rows. */
export function validationAccuracy(m: Matrix, yi: Float64Array, sw: Float64Array | null, mask: Uint8Array) {
  return (w: Float64Array, wscale: number, b: number): number => {
    const { data: X, nSamples: n, nFeatures: d } = m;
    let hit = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (!mask[i]) continue;
      let s = 0;
      for (let j = 0; j < d; j++) s += X[i * d + j]! * w[j]!;
      const pred = s * wscale + b > 0 ? 1 : -1;
      const wi = sw === null ? 1 : sw[i]!;
      if (pred === yi[i]) hit += wi;
      total += wi;
    }
    return hit / total;
  };
}

/** Early stopping's score for a regression: weighted R² on the validation rows. */
export function validationR2(m: Matrix, y: Float64Array, sw: Float64Array | null, mask: Uint8Array) {
  let nv = 0;
  for (let i = 0; i < mask.length; i++) nv += mask[i]!;
  const yv = new Float64Array(nv);
  const wv = new Float64Array(nv);
  const rows = new Int32Array(nv);
  for (let i = 0, r = 0; i < mask.length; i++) {
    if (mask[i]) {
      yv[r] = y[i]!;
      wv[r] = sw === null ? 1 : sw[i]!;
      rows[r++] = i;
    }
  }
  const pred = new Float64Array(nv);
  return (w: Float64Array, wscale: number, b: number): number => {
    const { data: X, nFeatures: d } = m;
    for (let r = 0; r < nv; r++) {
      const off = rows[r]! * d;
      let s = 0;
      for (let j = 0; j < d; j++) s += X[off + j]! * w[j]!;
      pred[r] = s * wscale + b;
    }
    return r2FromArrays(yv, pred, wv);
  };
}
