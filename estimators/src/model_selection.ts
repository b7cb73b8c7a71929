/**
 * Validation rows for early stopping. Given numpy's legacy `RandomState`, exactly scikit-learn
 * 1.2's first split of `ShuffleSplit(test_size=fraction, random_state=…)` /
 * `StratifiedShuffleSplit(…)` (what `_make_validation_split` draws), index for index; given our
 * own generator, a split of the same sizes drawn from it. Shared by the SGD family and the MLPs.
 */
import { RandomState } from '@tessera/array';
import { InvalidInputError } from './errors.js';
import type { Random } from './random.js';

/** A split's row indices, in scikit-learn's order. */
export interface SplitIndices {
  readonly train: Int32Array;
  readonly test: Int32Array;
}

/** `_validate_shuffle_split` for a float test_size and no train_size: [nTrain, nTest]. */
function shuffleSplitSizes(caller: string, n: number, testSize: number): [number, number] {
  const nTest = Math.ceil(testSize * n);
  const nTrain = n - nTest;
  if (nTrain <= 0) {
    throw new InvalidInputError(
      `${caller}: with n_samples=${n}, test_size=${testSize} and train_size=None, the resulting train set will be empty. Adjust any of the aforementioned parameters.`,
    );
  }
  return [nTrain, nTest];
}

/**
 * The first split of scikit-learn's `ShuffleSplit(test_size=testSize, random_state=rs)`:
 * `permutation(n)`, the first ceil(testSize·n) rows for test, the rest for train.
 *
 * @example
 * shuffleSplitFirst('fit', 10, 0.2, new RandomState(0)).test; // Int32Array [2, 8], as scikit-learn
 */
export function shuffleSplitFirst(caller: string, n: number, testSize: number, rs: RandomState): SplitIndices {
  const [nTrain, nTest] = shuffleSplitSizes(caller, n, testSize);
  const perm = rs.permutation(n);
  return { test: perm.slice(0, nTest), train: perm.slice(nTest, nTest + nTrain) };
}

/**
 * scikit-learn's `_approximate_mode`: how many of nDraws each class gets — the floor of its
 * share, then one more for the largest remainders, ties broken by `rs.choice(…, replace=False)`.
 */
export function approximateMode(counts: ArrayLike<number>, nDraws: number, rs: RandomState): number[] {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  const continuous = Array.from(counts, (c) => (c / total) * nDraws);
  const floored = continuous.map(Math.floor);
  let need = nDraws - floored.reduce((a, b) => a + b, 0);
  if (need > 0) {
    const remainder = continuous.map((c, i) => c - floored[i]!);
    const values = [...new Set(remainder)].sort((a, b) => b - a);
    for (const value of values) {
      const inds: number[] = [];
      remainder.forEach((r, i) => r === value && inds.push(i));
      const addNow = Math.min(inds.length, need);
      for (const i of rs.choice(inds, { size: addNow, replace: false })) floored[i]! += 1;
      need -= addNow;
      if (need === 0) break;
    }
  }
  return floored;
}

/**
 * The first split of scikit-learn's `StratifiedShuffleSplit(test_size=testSize, random_state=rs)`
 * over labels `y`, index for index (the per-class permutations, then both sides permuted).
 */
export function stratifiedShuffleSplitFirst(caller: string, y: ArrayLike<number>, testSize: number, rs: RandomState): SplitIndices {
  const n = y.length;
  const [nTrain, nTest] = shuffleSplitSizes(caller, n, testSize);
  const classes = [...new Set(Array.from(y))].sort((a, b) => a - b);
  const code = new Map(classes.map((c, i) => [c, i]));
  // np.argsort(y_indices, kind='mergesort') split by class: each class's rows in ascending order.
  const members: number[][] = classes.map(() => []);
  for (let i = 0; i < n; i++) members[code.get(y[i]!)!]!.push(i);
  const counts = members.map((m) => m.length);
  if (Math.min(...counts) < 2) {
    throw new InvalidInputError(
      `${caller}: the least populated class in y has only 1 member, which is too few. The minimum number of groups for any class cannot be less than 2.`,
    );
  }
  if (nTrain < classes.length) {
    throw new InvalidInputError(
      `${caller}: the train_size = ${nTrain} should be greater or equal to the number of classes = ${classes.length}.`,
    );
  }
  if (nTest < classes.length) {
    throw new InvalidInputError(
      `${caller}: the test_size = ${nTest} should be greater or equal to the number of classes = ${classes.length}.`,
    );
  }
  const nI = approximateMode(counts, nTrain, rs);
  const tI = approximateMode(
    counts.map((c, i) => c - nI[i]!),
    nTest,
    rs,
  );
  const train: number[] = [];
  const test: number[] = [];
  members.forEach((rows, i) => {
    const perm = rs.permutation(rows.length);
    for (let r = 0; r < nI[i]!; r++) train.push(rows[perm[r]!]!);
    for (let r = nI[i]!; r < nI[i]! + tI[i]!; r++) test.push(rows[perm[r]!]!);
  });
  return { train: Int32Array.from(rs.permutation(train)), test: Int32Array.from(rs.permutation(test)) };
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
    const { test } =
      strata === null ? shuffleSplitFirst(caller, n, fraction, rng) : stratifiedShuffleSplitFirst(caller, strata, fraction, rng);
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
