/**
 * Validation rows for early stopping. Given numpy's legacy `RandomState`, exactly scikit-learn
 * 1.2's first split of `ShuffleSplit(test_size=fraction, random_state=…)` /
 * `StratifiedShuffleSplit(…)` (what `_make_validation_split` draws), index for index; given our
 * own generator, a split of the same sizes drawn from it. Shared by the SGD family and the MLPs.
 */
import { RandomState } from '@tessera/array';
import { InvalidInputError } from './errors.js';
import { ShuffleSplit, StratifiedShuffleSplit } from './model_selection/split.js';
import type { Random } from './random.js';

/** A split's row indices, in scikit-learn's order. */
export interface SplitIndices {
  readonly train: Int32Array;
  readonly test: Int32Array;
}

/**
 * The first split of scikit-learn's `ShuffleSplit(test_size=testSize, random_state=rs)` (model
 * selection's {@link ShuffleSplit}): `permutation(n)`, the first ceil(testSize·n) rows for test.
 *
 * @example
 * shuffleSplitFirst(10, 0.2, new RandomState(0)).test; // Int32Array [2, 8], as scikit-learn
 */
export function shuffleSplitFirst(n: number, testSize: number, rs: RandomState): SplitIndices {
  const [train, test] = new ShuffleSplit({ nSplits: 1, testSize, randomState: rs }).split({ shape: [n, 1] }).next().value!;
  return { train, test };
}

/**
 * The first split of scikit-learn's `StratifiedShuffleSplit(test_size=testSize, random_state=rs)`
 * over labels `y` (model selection's {@link StratifiedShuffleSplit}), index for index.
 */
export function stratifiedShuffleSplitFirst(y: ArrayLike<number>, testSize: number, rs: RandomState): SplitIndices {
  const splitter = new StratifiedShuffleSplit({ nSplits: 1, testSize, randomState: rs });
  const [train, test] = splitter.split({ shape: [y.length, 1] }, Float64Array.from(y)).next().value!;
  return { train, test };
}

/**
 * A mask over `n` rows, 1 for a validation row: `ceil(fraction * n)` rows, stratified by the
 * values of `strata` (each class gets its share, largest remainders first) when given. With a
 * {@link RandomState}: scikit-learn's split exactly ({@link shuffleSplitFirst},
 * {@link stratifiedShuffleSplitFirst}). Throws {@link InvalidInputError} (naming `caller`) when
 * either side would be empty.
 */
export function validationSplit(
  caller: string,
  n: number,
  fraction: number,
  rng: Random | RandomState,
  strata: Float64Array | null,
): Uint8Array {
  const mask = new Uint8Array(n);
  if (rng instanceof RandomState) {
    const nVal = Math.ceil(fraction * n);
    if (nVal === 0 || nVal === n) {
      throw new InvalidInputError(
        `${caller}: splitting ${n} samples into a train set and a validation set with validationFraction=${fraction} led to an empty set (${n - nVal} and ${nVal} samples). Please either change validationFraction, increase number of samples, or disable earlyStopping.`,
      );
    }
    let test: Int32Array;
    try {
      test = (strata === null ? shuffleSplitFirst(n, fraction, rng) : stratifiedShuffleSplitFirst(strata, fraction, rng)).test;
    } catch (error) {
      // The splitter names itself; say who asked for the split.
      if (error instanceof InvalidInputError || error instanceof RangeError) {
        throw new InvalidInputError(`${caller}: early stopping's validation split: ${error.message}`);
      }
      throw error;
    }
    for (const i of test) mask[i] = 1;
    return mask;
  }
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
