/**
 * Validation rows for early stopping, as scikit-learn's `train_test_split(test_size=fraction,
 * stratify=y)` does it, drawn with our generator so that the same seed gives the same split
 * everywhere. Shared by the SGD family and the MLPs.
 */
import { InvalidInputError } from './errors.js';
import type { Random } from './random.js';

/**
 * A mask over `n` rows, 1 for a validation row: `ceil(fraction * n)` rows, stratified by the
 * values of `strata` (each class gets its share, largest remainders first) when given.
 * Throws {@link InvalidInputError} (naming `caller`) when either side would be empty.
 */
export function validationSplit(caller: string, n: number, fraction: number, rng: Random, strata: Float64Array | null): Uint8Array {
  const mask = new Uint8Array(n);
  const nVal = Math.ceil(fraction * n);
  const nTrain = n - nVal;
  if (nVal === 0 || nTrain === 0) {
    throw new InvalidInputError(
      `${caller}: splitting ${n} samples into a train set and a validation set with validationFraction=${fraction} led to an empty set (${nTrain} and ${nVal} samples). Please either change validationFraction, increase number of samples, or disable earlyStopping.`,
    );
  }
  if (strata === null) {
    const idx = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
    for (let r = 0; r < nVal; r++) mask[idx[r]!] = 1;
  } else {
    // Stratified: each class gets its share of the validation rows (largest remainders first).
    const groups = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const g = groups.get(strata[i]!);
      if (g === undefined) groups.set(strata[i]!, [i]);
      else g.push(i);
    }
    const keys = [...groups.keys()].sort((a, b) => a - b);
    const quota = keys.map((k) => (nVal * groups.get(k)!.length) / n);
    const take = quota.map(Math.floor);
    let left = nVal - take.reduce((s, v) => s + v, 0);
    const byRemainder = keys.map((_, i) => i).sort((a, b) => quota[b]! - take[b]! - (quota[a]! - take[a]!) || a - b);
    for (const i of byRemainder) {
      if (left === 0) break;
      if (take[i]! < groups.get(keys[i]!)!.length) {
        take[i]! += 1;
        left--;
      }
    }
    keys.forEach((k, gi) => {
      const members = Int32Array.from(groups.get(k)!);
      rng.shuffle(members);
      for (let r = 0; r < take[gi]!; r++) mask[members[r]!] = 1;
    });
  }
  return mask;
}
