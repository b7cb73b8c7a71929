/**
 * Cross-validation splitters and `trainTestSplit`, after scikit-learn 1.2's `model_selection/_split.py`
 * (and, for lazy arrays, dask-ml's `model_selection/_split.py`).
 *
 * Every random draw comes from numpy's legacy `RandomState` (MT19937, `@tessera/array`), drawn in the
 * order scikit-learn draws, so a splitter given the same `randomState` yields the same index sets as
 * scikit-learn's. Index sets are `Int32Array`s: sorted for the K-fold splitters (as scikit-learn's
 * masks give them), in permutation order for the shuffle splitters.
 *
 * Sizes (`testSize`, `trainSize`): JavaScript has one number type, so an integer is an absolute
 * number of samples and a non-integer a fraction in (0, 1) — scikit-learn's int / float, except that
 * `1` (an int here) means one sample, where scikit-learn's `1.0` is refused.
 */
import { RandomState, checkRandomState } from '@tessera/array';
import { NDArray, isBlock } from '@tessera/array';
import { InvalidInputError, ParameterRangeError, ParameterTypeError, describeValue } from '../errors.js';
import { asVector } from '../validation.js';

/** What a splitter's `randomState` may be: a seed, a generator (advanced by every draw), or null (numpy's global generator). */
export type RandomStateLike = number | RandomState | null;

/** One split: the train and test row indices. */
export type TrainTest = readonly [train: Int32Array, test: Int32Array];

/** Anything with samples along its first axis (what `split` and `trainTestSplit` take). */
export type Indexable = NDArray | { readonly shape: readonly number[] } | ArrayLike<unknown>;

/**
 * A cross-validator (scikit-learn's `BaseCrossValidator`): yields train/test index sets.
 * `GridSearchCV` and `RandomizedSearchCV` take one as `cv`.
 */
export interface CrossValidator {
  /** The class name, for messages. */
  readonly name: string;
  /** Yields `[train, test]` for each split (y needed by the stratified splitters, `groups` by the group splitters). */
  split(X: Indexable, y?: Indexable | null, groups?: GroupsLike | null): Generator<TrainTest>;
  /** Number of splits `split` yields (the group splitters count from `groups`). */
  getNSplits(X?: Indexable | null, y?: Indexable | null, groups?: GroupsLike | null): number;
}

/** Group labels, one per sample: numbers or strings (compared as numpy's `np.unique` sorts them). */
export type GroupsLike = ArrayLike<number> | readonly string[];

/** Number of samples of an array-like (scikit-learn's `_num_samples`). */
export function numSamples(x: unknown, caller: string, name = 'X'): number {
  if (x instanceof NDArray) return x.shape[0] ?? 0;
  if (isBlock(x)) {
    if (x.shape.length === 0) throw new TypeError(`${caller}: ${name} must have samples along its first axis; got a 0-d array.`);
    return x.shape[0]!;
  }
  if (typeof x === 'object' && x !== null && Array.isArray((x as { shape?: unknown }).shape)) {
    return (x as { shape: number[] }).shape[0] ?? 0;
  }
  if (Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView))) return (x as ArrayLike<unknown>).length;
  throw new TypeError(
    `${caller}: ${name} must be an array (a DenseArray, a block, a typed array, number[] or number[][], or an NDArray). Got ${describeValue(x)}.`,
  );
}

function checkInt(cls: string, param: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new ParameterTypeError(
      `The '${param}' parameter of ${cls} must be an int in the range [${min}, inf). Got ${describeValue(v)} instead.`,
      cls,
      param,
      v,
    );
  }
  if (v < min)
    throw new ParameterRangeError(
      `The '${param}' parameter of ${cls} must be an int in the range [${min}, inf). Got ${v} instead.`,
      cls,
      param,
      v,
    );
  return v;
}

function checkBool(cls: string, param: string, v: unknown): boolean {
  if (typeof v !== 'boolean')
    throw new ParameterTypeError(`The '${param}' parameter of ${cls} must be a boolean. Got ${describeValue(v)} instead.`, cls, param, v);
  return v;
}

function checkRandom(cls: string, v: unknown): RandomStateLike {
  if (v === null || v === undefined) return null;
  if (v instanceof RandomState) return v;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 2 ** 32 - 1) return v;
  const msg = `The 'randomState' parameter of ${cls} must be an int in the range [0, 4294967295], a RandomState instance or null. Got ${describeValue(v)} instead.`;
  if (typeof v === 'number') throw new ParameterRangeError(msg, cls, 'randomState', v);
  throw new ParameterTypeError(msg, cls, 'randomState', v);
}

/** A size: null, an integer count ≥ 1, or a fraction strictly between 0 and 1 (see the module's note). */
function checkSize(cls: string, param: string, v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'number' || Number.isNaN(v)) {
    throw new ParameterTypeError(
      `The '${param}' parameter of ${cls} must be a fraction in (0, 1), a positive integer or null. Got ${describeValue(v)} instead.`,
      cls,
      param,
      v,
    );
  }
  return v;
}

/** The number of samples of each side, scikit-learn's `_validate_shuffle_split`, with errors naming `caller`. */
export function validateShuffleSplit(
  caller: string,
  nSamples: number,
  testSize: number | null,
  trainSize: number | null,
  defaultTestSize: number | null,
): { nTrain: number; nTest: number } {
  if (testSize === null && trainSize === null) testSize = defaultTestSize;
  const isInt = (v: number | null) => v !== null && Number.isInteger(v);
  const isFrac = (v: number | null) => v !== null && !Number.isInteger(v);
  const bad = (v: number | null) => (isInt(v) && (v! >= nSamples || v! <= 0)) || (isFrac(v) && (v! <= 0 || v! >= 1));
  if (bad(testSize)) {
    throw new RangeError(
      `${caller}: testSize=${testSize} should be either positive and smaller than the number of samples ${nSamples} or a fraction in the (0, 1) range.`,
    );
  }
  if (bad(trainSize)) {
    throw new RangeError(
      `${caller}: trainSize=${trainSize} should be either positive and smaller than the number of samples ${nSamples} or a fraction in the (0, 1) range.`,
    );
  }
  if (isFrac(trainSize) && isFrac(testSize) && trainSize! + testSize! > 1) {
    throw new RangeError(
      `${caller}: the sum of testSize and trainSize = ${trainSize! + testSize!}, should be in the (0, 1) range. Reduce testSize and/or trainSize.`,
    );
  }
  let nTest = testSize === null ? 0 : isFrac(testSize) ? Math.ceil(testSize * nSamples) : testSize;
  let nTrain = trainSize === null ? 0 : isFrac(trainSize) ? Math.floor(trainSize * nSamples) : trainSize;
  if (trainSize === null) nTrain = nSamples - nTest;
  else if (testSize === null) nTest = nSamples - nTrain;
  if (nTrain + nTest > nSamples) {
    throw new RangeError(
      `${caller}: the sum of trainSize and testSize = ${nTrain + nTest}, should be smaller than the number of samples ${nSamples}. Reduce testSize and/or trainSize.`,
    );
  }
  if (nTrain === 0) {
    throw new RangeError(
      `${caller}: with nSamples=${nSamples}, testSize=${testSize} and trainSize=${trainSize}, the resulting train set will be empty. Adjust any of the aforementioned parameters.`,
    );
  }
  return { nTrain, nTest };
}

/**
 * Labels as numbers, `n` of them; with `integers`, checked to be class labels (scikit-learn's
 * 'binary' / 'multiclass' targets: StratifiedKFold refuses 'continuous' ones, StratifiedShuffleSplit
 * takes any values).
 */
function classLabels(caller: string, y: Indexable | null | undefined, n: number, integers: boolean): Float64Array {
  if (y === null || y === undefined) throw new TypeError(`${caller}: y (the class labels) is required to stratify the split.`);
  if (y instanceof NDArray)
    throw new TypeError(`${caller}: y must be in memory (a number[], a typed array or a 1-D block); got a lazy array.`);
  const v = asVector(y, { caller, name: 'y' });
  if (v.length !== n)
    throw new InvalidInputError(
      `${caller}: found input variables with inconsistent numbers of samples: X has ${n} rows but y has ${v.length}.`,
    );
  for (let i = 0; integers && i < v.length; i++) {
    if (!Number.isInteger(v[i]!)) {
      throw new InvalidInputError(
        `${caller}: supported target types are 'binary' and 'multiclass' (integer class labels). Got 'continuous' instead (y[${i}] = ${v[i]}).`,
      );
    }
  }
  return v;
}

/** `np.unique(y, return_inverse=True)`: sorted classes and each sample's class index. */
function uniqueInverse(y: Float64Array): { classes: number[]; inverse: Int32Array } {
  // Small non-negative integer labels (the usual classes): a lookup table, not a Map per row —
  // this runs on the main thread before any fit starts, over every row.
  let max = -1;
  let small = true;
  for (let i = 0; i < y.length && small; i++) {
    const v = y[i]!;
    if (v >= 0 && v < 65536 && Number.isInteger(v) && !Object.is(v, -0)) max = Math.max(max, v);
    else small = false;
  }
  if (small) {
    const code = new Int32Array(max + 1).fill(-1);
    for (let i = 0; i < y.length; i++) code[y[i]!] = 0;
    const classes: number[] = [];
    for (let v = 0; v <= max; v++) if (code[v] === 0) code[v] = classes.push(v) - 1;
    const inverse = new Int32Array(y.length);
    for (let i = 0; i < y.length; i++) inverse[i] = code[y[i]!]!;
    return { classes, inverse };
  }
  const classes = [...new Set(y)].sort((a, b) => a - b);
  const at = new Map(classes.map((c, i) => [c, i]));
  const inverse = new Int32Array(y.length);
  for (let i = 0; i < y.length; i++) inverse[i] = at.get(y[i]!)!;
  return { classes, inverse };
}

function range(a: number, b: number): Int32Array {
  const out = new Int32Array(b - a);
  for (let i = 0; i < out.length; i++) out[i] = a + i;
  return out;
}

/** `[train, test]` from a boolean test mask, both sorted (scikit-learn's `_iter_test_masks` → `split`). */
function fromMask(mask: Uint8Array): TrainTest {
  let nTest = 0;
  for (const m of mask) nTest += m;
  const train = new Int32Array(mask.length - nTest);
  const test = new Int32Array(nTest);
  let a = 0;
  let b = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i]) test[b++] = i;
    else train[a++] = i;
  }
  return [train, test];
}

/** Options of {@link KFold} and {@link StratifiedKFold}. */
export interface KFoldOptions {
  /** Number of folds, at least 2 (default 5). */
  nSplits?: number;
  /** Shuffle the samples (KFold) or each class's fold assignment (StratifiedKFold) before splitting (default false). */
  shuffle?: boolean;
  /** Seed of the shuffle; only with `shuffle: true` (scikit-learn refuses it otherwise). */
  randomState?: RandomStateLike;
}

abstract class BaseKFold implements CrossValidator {
  abstract readonly name: string;
  readonly nSplits: number;
  readonly shuffle: boolean;
  readonly randomState: RandomStateLike;

  constructor(cls: string, options: KFoldOptions) {
    if (typeof options !== 'object' || options === null)
      throw new TypeError(`${cls}: options must be an object. Got ${describeValue(options)}.`);
    const nSplits = options.nSplits ?? 5;
    if (typeof nSplits !== 'number' || !Number.isInteger(nSplits)) {
      throw new ParameterTypeError(
        `The 'nSplits' parameter of ${cls} must be an int. Got ${describeValue(nSplits)} instead.`,
        cls,
        'nSplits',
        nSplits,
      );
    }
    if (nSplits <= 1) {
      throw new ParameterRangeError(
        `${cls}: k-fold cross-validation requires at least one train/test split by setting nSplits=2 or more, got nSplits=${nSplits}.`,
        cls,
        'nSplits',
        nSplits,
      );
    }
    this.nSplits = nSplits;
    this.shuffle = checkBool(cls, 'shuffle', options.shuffle ?? false);
    this.randomState = checkRandom(cls, options.randomState);
    if (!this.shuffle && this.randomState !== null) {
      throw new ParameterRangeError(
        `${cls}: setting a randomState has no effect since shuffle is false. You should leave randomState to its default (null), or set shuffle: true.`,
        cls,
        'randomState',
        this.randomState,
      );
    }
  }

  getNSplits(): number {
    return this.nSplits;
  }

  protected checkSamples(n: number): void {
    if (this.nSplits > n) {
      throw new RangeError(
        `${this.name}: cannot have number of splits nSplits=${this.nSplits} greater than the number of samples: nSamples=${n}.`,
      );
    }
  }

  abstract split(X: Indexable, y?: Indexable | null): Generator<TrainTest>;
}

/**
 * K-fold cross-validation (scikit-learn's `KFold`): `nSplits` consecutive folds (shuffled first with
 * `shuffle: true`); each fold is the test set once. The first `n % nSplits` folds have one sample more.
 *
 * @example
 * for (const [train, test] of new KFold({ nSplits: 3 }).split(X)) { … }
 */
export class KFold extends BaseKFold {
  readonly name = 'KFold';
  constructor(options: KFoldOptions = {}) {
    super('KFold', options);
  }

  /** The test folds as contiguous ranges of the (possibly shuffled) sample order: `[start, stop)` per fold. */
  foldBounds(nSamples: number): Array<readonly [number, number]> {
    const out: Array<readonly [number, number]> = [];
    const base = Math.floor(nSamples / this.nSplits);
    const extra = nSamples % this.nSplits;
    let start = 0;
    for (let k = 0; k < this.nSplits; k++) {
      const size = base + (k < extra ? 1 : 0);
      out.push([start, start + size]);
      start += size;
    }
    return out;
  }

  *split(X: Indexable): Generator<TrainTest> {
    const n = numSamples(X, 'KFold.split');
    this.checkSamples(n);
    const indices = range(0, n);
    if (this.shuffle) checkRandomState(this.randomState).shuffle(indices);
    for (const [a, b] of this.foldBounds(n)) {
      const mask = new Uint8Array(n);
      for (let i = a; i < b; i++) mask[indices[i]!] = 1;
      yield fromMask(mask);
    }
  }
}

/**
 * Stratified K-fold (scikit-learn 1.2's `StratifiedKFold`): folds that keep each class's share,
 * samples of a class assigned to folds in blocks in their order of appearance (the assignment
 * shuffled per class with `shuffle: true`). Warns when a class has fewer members than `nSplits`.
 */
export class StratifiedKFold extends BaseKFold {
  readonly name = 'StratifiedKFold';
  constructor(options: KFoldOptions = {}) {
    super('StratifiedKFold', options);
  }

  /** Each sample's test fold (scikit-learn's `_make_test_folds`). */
  testFolds(y: Float64Array): Int32Array {
    const rng = checkRandomState(this.randomState);
    const { classes, inverse } = uniqueInverse(y);
    // Classes re-encoded by order of first appearance, as scikit-learn does.
    const firstSeen: number[] = [];
    const seen = new Uint8Array(classes.length);
    for (const c of inverse) {
      if (!seen[c]) {
        seen[c] = 1;
        firstSeen.push(c);
      }
    }
    const byAppearance = new Int32Array(firstSeen.length);
    firstSeen.forEach((c, order) => (byAppearance[c] = order));
    // np.unique(y_idx) sorts the first-appearance positions: class k (sorted) gets the rank of its first position.
    const enc = new Int32Array(y.length);
    for (let i = 0; i < y.length; i++) enc[i] = byAppearance[inverse[i]!]!;
    const nClasses = firstSeen.length;
    const counts = new Int32Array(nClasses);
    for (const c of enc) counts[c]!++;
    let min = Infinity;
    let allBelow = true;
    for (const c of counts) {
      min = Math.min(min, c);
      if (this.nSplits <= c) allBelow = false;
    }
    if (allBelow)
      throw new RangeError(`StratifiedKFold: nSplits=${this.nSplits} cannot be greater than the number of members in each class.`);
    if (this.nSplits > min) {
      process.emitWarning(
        `The least populated class in y has only ${min} members, which is less than nSplits=${this.nSplits}.`,
        'UserWarning',
      );
    }
    // allocation[i][k]: samples of class k in test fold i — a round robin over the sorted labels
    // (class k holds sorted positions [start, start + counts[k])), counted without sorting.
    const allocation = Array.from({ length: this.nSplits }, () => new Int32Array(nClasses));
    let start = 0;
    for (let k = 0; k < nClasses; k++) {
      for (let r = start; r < start + counts[k]!; r++) allocation[r % this.nSplits]![k]!++;
      start += counts[k]!;
    }
    const forClass: Int32Array[] = [];
    for (let k = 0; k < nClasses; k++) {
      const f = new Int32Array(counts[k]!);
      let p = 0;
      for (let i = 0; i < this.nSplits; i++) for (let c = 0; c < allocation[i]![k]!; c++) f[p++] = i;
      if (this.shuffle) rng.shuffle(f);
      forClass.push(f);
    }
    // One pass: each sample takes its class's next fold.
    const folds = new Int32Array(y.length);
    const next = new Int32Array(nClasses);
    for (let s = 0; s < y.length; s++) {
      const k = enc[s]!;
      folds[s] = forClass[k]![next[k]!++]!;
    }
    return folds;
  }

  *split(X: Indexable, y?: Indexable | null): Generator<TrainTest> {
    const n = numSamples(X, 'StratifiedKFold.split');
    const labels = classLabels('StratifiedKFold.split', y, n, true);
    this.checkSamples(n);
    const folds = this.testFolds(labels);
    for (let k = 0; k < this.nSplits; k++) {
      const mask = new Uint8Array(n);
      for (let i = 0; i < n; i++) if (folds[i] === k) mask[i] = 1;
      yield fromMask(mask);
    }
  }
}

/** Options of {@link ShuffleSplit} and {@link StratifiedShuffleSplit}. */
export interface ShuffleSplitOptions {
  /** Re-shufflings (default 10). */
  nSplits?: number;
  /** Test samples: a fraction in (0, 1) or a count; default 0.1 when `trainSize` is null too, else its complement. */
  testSize?: number | null;
  /** Train samples: a fraction or a count; default the complement of the test size. */
  trainSize?: number | null;
  /** Seed of the permutations (null: numpy's global generator). */
  randomState?: RandomStateLike;
}

abstract class BaseShuffleSplit implements CrossValidator {
  abstract readonly name: string;
  readonly nSplits: number;
  readonly testSize: number | null;
  readonly trainSize: number | null;
  readonly randomState: RandomStateLike;

  constructor(cls: string, options: ShuffleSplitOptions) {
    if (typeof options !== 'object' || options === null)
      throw new TypeError(`${cls}: options must be an object. Got ${describeValue(options)}.`);
    this.nSplits = checkInt(cls, 'nSplits', options.nSplits ?? 10, 1);
    this.testSize = checkSize(cls, 'testSize', options.testSize);
    this.trainSize = checkSize(cls, 'trainSize', options.trainSize);
    this.randomState = checkRandom(cls, options.randomState);
  }

  getNSplits(): number {
    return this.nSplits;
  }

  protected sizes(n: number): { nTrain: number; nTest: number } {
    return validateShuffleSplit(`${this.name}.split`, n, this.testSize, this.trainSize, 0.1);
  }

  abstract split(X: Indexable, y?: Indexable | null): Generator<TrainTest>;
}

/**
 * Random permutation cross-validator (scikit-learn's `ShuffleSplit`): each split draws
 * `permutation(n)`; the first `nTest` indices are the test set, the next `nTrain` the train set.
 *
 * @example
 * const [[train, test]] = new ShuffleSplit({ nSplits: 1, testSize: 0.2, randomState: 0 }).split(X);
 */
export class ShuffleSplit extends BaseShuffleSplit {
  readonly name = 'ShuffleSplit';
  constructor(options: ShuffleSplitOptions = {}) {
    super('ShuffleSplit', options);
  }

  *split(X: Indexable): Generator<TrainTest> {
    const n = numSamples(X, 'ShuffleSplit.split');
    const { nTrain, nTest } = this.sizes(n);
    const rng = checkRandomState(this.randomState);
    for (let i = 0; i < this.nSplits; i++) {
      const perm = rng.permutation(n);
      yield [perm.slice(nTest, nTest + nTrain), perm.slice(0, nTest)];
    }
  }
}

/**
 * scikit-learn's `_approximate_mode`: how many of `nDraws` each class gets, proportionally, the
 * remainders handed out largest first with ties broken at random.
 */
function approximateMode(counts: Int32Array, nDraws: number, rng: RandomState): Int32Array {
  let total = 0;
  for (const c of counts) total += c;
  const continuous = Array.from(counts, (c) => (c / total) * nDraws);
  const floored = continuous.map(Math.floor);
  let needToAdd = Math.trunc(nDraws - floored.reduce((s, v) => s + v, 0));
  if (needToAdd > 0) {
    const remainder = continuous.map((c, i) => c - floored[i]!);
    const values = [...new Set(remainder)].sort((a, b) => b - a);
    for (const value of values) {
      const inds: number[] = [];
      remainder.forEach((r, i) => {
        if (r === value) inds.push(i);
      });
      const addNow = Math.min(inds.length, needToAdd);
      for (const i of rng.choice(inds, { size: addNow, replace: false })) floored[i]! += 1;
      needToAdd -= addNow;
      if (needToAdd === 0) break;
    }
  }
  return Int32Array.from(floored);
}

/**
 * Stratified random splits (scikit-learn 1.2's `StratifiedShuffleSplit`): each class contributes
 * its share of the train and test sets (`_approximate_mode`), permuted per class, and each set is
 * permuted at the end. Every class needs at least 2 members.
 */
export class StratifiedShuffleSplit extends BaseShuffleSplit {
  readonly name = 'StratifiedShuffleSplit';
  constructor(options: ShuffleSplitOptions = {}) {
    super('StratifiedShuffleSplit', options);
  }

  *split(X: Indexable, y?: Indexable | null): Generator<TrainTest> {
    const caller = 'StratifiedShuffleSplit.split';
    const n = numSamples(X, caller);
    const labels = classLabels(caller, y, n, false);
    const { nTrain, nTest } = this.sizes(n);
    yield* stratifiedShuffle(caller, labels, nTrain, nTest, this.nSplits, checkRandomState(this.randomState));
  }
}

export function* stratifiedShuffle(
  caller: string,
  labels: Float64Array,
  nTrain: number,
  nTest: number,
  nSplits: number,
  rng: RandomState,
): Generator<TrainTest> {
  const { classes, inverse } = uniqueInverse(labels);
  const nClasses = classes.length;
  const counts = new Int32Array(nClasses);
  for (const c of inverse) counts[c]!++;
  for (let k = 0; k < nClasses; k++) {
    if (counts[k]! < 2) {
      throw new InvalidInputError(
        `${caller}: the least populated class in y (class ${classes[k]}) has only ${counts[k]} member, which is too few. The minimum number of members for any class cannot be less than 2.`,
      );
    }
  }
  if (nTrain < nClasses)
    throw new RangeError(`${caller}: the trainSize = ${nTrain} should be greater or equal to the number of classes = ${nClasses}.`);
  if (nTest < nClasses)
    throw new RangeError(`${caller}: the testSize = ${nTest} should be greater or equal to the number of classes = ${nClasses}.`);
  // Each class's members in index order (a stable argsort of the class indices).
  const members: number[][] = Array.from({ length: nClasses }, () => []);
  for (let i = 0; i < inverse.length; i++) members[inverse[i]!]!.push(i);
  for (let s = 0; s < nSplits; s++) {
    const nI = approximateMode(counts, nTrain, rng);
    const remaining = counts.map((c, k) => c - nI[k]!);
    const tI = approximateMode(remaining, nTest, rng);
    const train: number[] = [];
    const test: number[] = [];
    for (let k = 0; k < nClasses; k++) {
      const perm = rng.permutation(counts[k]!);
      const m = members[k]!;
      for (let r = 0; r < nI[k]!; r++) train.push(m[perm[r]!]!);
      for (let r = nI[k]!; r < nI[k]! + tI[k]!; r++) test.push(m[perm[r]!]!);
    }
    yield [Int32Array.from(rng.permutation(train)), Int32Array.from(rng.permutation(test))];
  }
}

/** Whether `cv` is a cross-validator (has `split` and `getNSplits`). */
export function isCrossValidator(cv: unknown): cv is CrossValidator {
  return (
    typeof cv === 'object' &&
    cv !== null &&
    typeof (cv as CrossValidator).split === 'function' &&
    typeof (cv as CrossValidator).getNSplits === 'function'
  );
}

/**
 * scikit-learn's `check_cv`: an integer (or null: 5) becomes a StratifiedKFold for classifiers,
 * a KFold otherwise; a cross-validator is used as it is; an array of `[train, test]` pairs is
 * taken as the splits themselves.
 */
export function checkCv(cv: unknown, classifier: boolean, caller: string): CrossValidator {
  if (cv === null || cv === undefined) cv = 5;
  if (typeof cv === 'number') {
    if (!Number.isInteger(cv))
      throw new ParameterTypeError(
        `The 'cv' parameter of ${caller} must be an int, a cross-validator or an array of [train, test] pairs. Got ${cv} instead.`,
        caller,
        'cv',
        cv,
      );
    return classifier ? new StratifiedKFold({ nSplits: cv }) : new KFold({ nSplits: cv });
  }
  if (isCrossValidator(cv)) return cv;
  if (Array.isArray(cv)) return new PredefinedSplits(cv, caller);
  throw new ParameterTypeError(
    `The 'cv' parameter of ${caller} must be an int, a cross-validator or an array of [train, test] pairs. Got ${describeValue(cv)} instead.`,
    caller,
    'cv',
    cv,
  );
}

/** Splits given as index pairs (scikit-learn's `_CVIterableWrapper`). */
class PredefinedSplits implements CrossValidator {
  readonly name = 'splits';
  readonly #splits: TrainTest[];
  constructor(splits: readonly unknown[], caller: string) {
    this.#splits = splits.map((s, k) => {
      if (!Array.isArray(s) || s.length !== 2)
        throw new ParameterTypeError(`${caller}: cv[${k}] must be a [train, test] pair of index arrays.`, caller, 'cv', s);
      const idx = (a: unknown, side: string) => {
        if (!Array.isArray(a) && !(ArrayBuffer.isView(a) && !(a instanceof DataView)))
          throw new ParameterTypeError(`${caller}: cv[${k}] ${side} indices must be an array of integers.`, caller, 'cv', a);
        const out = Int32Array.from(a as ArrayLike<number>);
        out.forEach((v, i) => {
          if (v !== (a as ArrayLike<number>)[i] || v < 0)
            throw new ParameterRangeError(
              `${caller}: cv[${k}] ${side} index ${(a as ArrayLike<number>)[i]} is not a non-negative integer.`,
              caller,
              'cv',
              a,
            );
        });
        return out;
      };
      return [idx(s[0], 'train'), idx(s[1], 'test')] as const;
    });
    if (this.#splits.length === 0) throw new ParameterRangeError(`${caller}: cv is an empty array of splits.`, caller, 'cv', splits);
  }
  *split(X: Indexable): Generator<TrainTest> {
    const n = numSamples(X, 'cv');
    for (const [k, [train, test]] of this.#splits.entries()) {
      for (const a of [train, test])
        for (const i of a) if (i >= n) throw new RangeError(`cv[${k}] has index ${i}, but X has ${n} samples.`);
      yield [train, test];
    }
  }
  getNSplits(): number {
    return this.#splits.length;
  }
}

/**
 * `np.unique(groups, return_inverse=True)` over numbers or strings (one kind): the sorted distinct
 * labels and each sample's index among them. Errors name `caller` and the offending position.
 */
function groupCodes(caller: string, groups: unknown, n: number | null): { unique: (number | string)[]; inverse: Int32Array } {
  if (groups === null || groups === undefined) throw new TypeError(`${caller}: the 'groups' parameter should not be null.`);
  if (groups instanceof NDArray)
    throw new TypeError(`${caller}: groups must be in memory (a number[], string[] or typed array); got a lazy array.`);
  const isArr = Array.isArray(groups) || (ArrayBuffer.isView(groups) && !(groups instanceof DataView));
  if (!isArr)
    throw new TypeError(`${caller}: groups must be an array of numbers or strings, one per sample. Got ${describeValue(groups)}.`);
  const g = groups as ArrayLike<unknown>;
  if (n !== null && g.length !== n)
    throw new InvalidInputError(
      `${caller}: found input variables with inconsistent numbers of samples: X has ${n} rows but groups has ${g.length}.`,
    );
  const kind = g.length > 0 ? typeof g[0] : 'number';
  for (let i = 0; i < g.length; i++) {
    const v = g[i];
    if ((typeof v !== 'number' && typeof v !== 'string') || typeof v !== kind || (typeof v === 'number' && Number.isNaN(v)))
      throw new TypeError(
        `${caller}: groups[${i}] is ${describeValue(v)}; groups must be all numbers (not NaN) or all strings (groups[0] is a ${kind}).`,
      );
  }
  const unique = [...new Set(Array.from(g as ArrayLike<number | string>))].sort((a, b) =>
    typeof a === 'number' ? a - (b as number) : a < b ? -1 : a > b ? 1 : 0,
  );
  const at = new Map(unique.map((u, i) => [u, i]));
  const inverse = new Int32Array(g.length);
  for (let i = 0; i < g.length; i++) inverse[i] = at.get(g[i] as number | string)!;
  return { unique, inverse };
}

/**
 * numpy 1.24's `np.argsort(a)` (kind 'quicksort': its introsort `aquicksort_` — median-of-3
 * partitions, insertion sort up to 16 elements (SMALL_QUICKSORT 15), heapsort past the depth limit) for integer keys,
 * so equal keys come out in numpy's order, not a stable one: GroupKFold assigns tied group sizes
 * in exactly that order.
 */
export function numpyArgsort(v: ArrayLike<number>): Int32Array {
  const num = v.length;
  const tosort = new Int32Array(num);
  for (let i = 0; i < num; i++) tosort[i] = i;
  if (num < 2) return tosort;
  const swap = (i: number, j: number) => {
    const t = tosort[i]!;
    tosort[i] = tosort[j]!;
    tosort[j] = t;
  };
  const less = (a: number, b: number) => v[a]! < v[b]!;
  const stack: number[] = [];
  const depths: number[] = [];
  let pl = 0;
  let pr = num - 1;
  let cdepth = 2 * (31 - Math.clz32(num));
  for (;;) {
    if (cdepth < 0) {
      aheapsort(v, tosort, pl, pr - pl + 1);
    } else {
      while (pr - pl > 15) {
        const pm = pl + ((pr - pl) >> 1);
        if (less(tosort[pm]!, tosort[pl]!)) swap(pm, pl);
        if (less(tosort[pr]!, tosort[pm]!)) swap(pr, pm);
        if (less(tosort[pm]!, tosort[pl]!)) swap(pm, pl);
        const vp = v[tosort[pm]!]!;
        let pi = pl;
        let pj = pr - 1;
        swap(pm, pj);
        for (;;) {
          do ++pi;
          while (v[tosort[pi]!]! < vp);
          do --pj;
          while (vp < v[tosort[pj]!]!);
          if (pi >= pj) break;
          swap(pi, pj);
        }
        swap(pi, pr - 1);
        // The larger partition waits on the stack; the smaller one is sorted next.
        if (pi - pl < pr - pi) {
          stack.push(pi + 1, pr);
          pr = pi - 1;
        } else {
          stack.push(pl, pi - 1);
          pl = pi + 1;
        }
        depths.push(--cdepth);
      }
      for (let pi = pl + 1; pi <= pr; ++pi) {
        const vi = tosort[pi]!;
        const vpv = v[vi]!;
        let pj = pi;
        while (pj > pl && vpv < v[tosort[pj - 1]!]!) {
          tosort[pj] = tosort[pj - 1]!;
          pj--;
        }
        tosort[pj] = vi;
      }
    }
    if (stack.length === 0) break;
    pr = stack.pop()!;
    pl = stack.pop()!;
    cdepth = depths.pop()!;
  }
  return tosort;
}

/** numpy's `aheapsort_` on `tosort[start, start + n)` (1-based heap over that window). */
function aheapsort(v: ArrayLike<number>, tosort: Int32Array, start: number, n: number): void {
  const a = (i: number) => tosort[start + i - 1]!;
  const set = (i: number, x: number) => (tosort[start + i - 1] = x);
  let i: number;
  let j: number;
  let l: number;
  let tmp: number;
  for (l = n >> 1; l > 0; --l) {
    tmp = a(l);
    for (i = l, j = l << 1; j <= n;) {
      if (j < n && v[a(j)]! < v[a(j + 1)]!) j += 1;
      if (v[tmp]! < v[a(j)]!) {
        set(i, a(j));
        i = j;
        j += j;
      } else break;
    }
    set(i, tmp);
  }
  for (; n > 1;) {
    tmp = a(n);
    set(n, a(1));
    n -= 1;
    for (i = 1, j = 2; j <= n;) {
      if (j < n && v[a(j)]! < v[a(j + 1)]!) j++;
      if (v[tmp]! < v[a(j)]!) {
        set(i, a(j));
        i = j;
        j += j;
      } else break;
    }
    set(i, tmp);
  }
}

/** Options of {@link GroupKFold}. */
export interface GroupKFoldOptions {
  /** Number of folds, at least 2 (default 5). */
  nSplits?: number;
}

/**
 * K-fold over groups (scikit-learn 1.2's `GroupKFold`): no group is in two folds. Groups are taken
 * largest first (numpy's argsort order for equal sizes) and each goes to the fold with the fewest
 * samples so far; test sets are sorted indices. Needs `groups` in `split`.
 *
 * @example
 * for (const [train, test] of new GroupKFold({ nSplits: 3 }).split(X, y, patientIds)) { … }
 */
export class GroupKFold implements CrossValidator {
  readonly name = 'GroupKFold';
  readonly nSplits: number;
  constructor(options: GroupKFoldOptions = {}) {
    if (typeof options !== 'object' || options === null)
      throw new TypeError(`GroupKFold: options must be an object. Got ${describeValue(options)}.`);
    this.nSplits = checkInt('GroupKFold', 'nSplits', options.nSplits ?? 5, 2);
  }

  getNSplits(): number {
    return this.nSplits;
  }

  *split(X: Indexable, _y?: Indexable | null, groups?: GroupsLike | null): Generator<TrainTest> {
    const caller = 'GroupKFold.split';
    const n = numSamples(X, caller);
    const { unique, inverse } = groupCodes(caller, groups, n);
    const nGroups = unique.length;
    if (this.nSplits > nGroups)
      throw new RangeError(
        `${caller}: cannot have number of splits nSplits=${this.nSplits} greater than the number of groups: ${nGroups}.`,
      );
    const perGroup = new Float64Array(nGroups);
    for (const c of inverse) perGroup[c]!++;
    const order = numpyArgsort(perGroup).reverse();
    const perFold = new Float64Array(this.nSplits);
    const groupToFold = new Int32Array(nGroups);
    for (const g of order) {
      let lightest = 0;
      for (let f = 1; f < this.nSplits; f++) if (perFold[f]! < perFold[lightest]!) lightest = f;
      perFold[lightest]! += perGroup[g]!;
      groupToFold[g] = lightest;
    }
    for (let f = 0; f < this.nSplits; f++) {
      const mask = new Uint8Array(n);
      for (let i = 0; i < n; i++) if (groupToFold[inverse[i]!] === f) mask[i] = 1;
      yield fromMask(mask);
    }
  }
}

/**
 * Leave one group out (scikit-learn's `LeaveOneGroupOut`): each distinct group, in sorted order, is
 * the test set once. Needs at least 2 groups.
 */
export class LeaveOneGroupOut implements CrossValidator {
  readonly name = 'LeaveOneGroupOut';

  /** The number of distinct groups (`groups` is required, as in scikit-learn). */
  getNSplits(_X?: Indexable | null, _y?: Indexable | null, groups?: GroupsLike | null): number {
    return groupCodes('LeaveOneGroupOut.getNSplits', groups, null).unique.length;
  }

  *split(X: Indexable, _y?: Indexable | null, groups?: GroupsLike | null): Generator<TrainTest> {
    const caller = 'LeaveOneGroupOut.split';
    const n = numSamples(X, caller);
    const { unique, inverse } = groupCodes(caller, groups, n);
    if (unique.length <= 1)
      throw new RangeError(
        `${caller}: the groups parameter contains fewer than 2 unique groups (${unique.join(', ')}). LeaveOneGroupOut expects at least 2.`,
      );
    for (let g = 0; g < unique.length; g++) {
      const mask = new Uint8Array(n);
      for (let i = 0; i < n; i++) if (inverse[i] === g) mask[i] = 1;
      yield fromMask(mask);
    }
  }
}

/**
 * Shuffle-split over groups (scikit-learn 1.2's `GroupShuffleSplit`): a ShuffleSplit of the sorted
 * distinct groups (`testSize` / `trainSize` count groups; default test size 0.2), each side the
 * sorted indices of its groups' samples. Default 5 splits.
 */
export class GroupShuffleSplit extends BaseShuffleSplit {
  readonly name = 'GroupShuffleSplit';
  constructor(options: ShuffleSplitOptions = {}) {
    // scikit-learn's GroupShuffleSplit defaults to 5 splits (ShuffleSplit: 10).
    super('GroupShuffleSplit', typeof options === 'object' && options !== null ? { ...options, nSplits: options.nSplits ?? 5 } : options);
  }

  protected override sizes(n: number): { nTrain: number; nTest: number } {
    return validateShuffleSplit(`${this.name}.split`, n, this.testSize, this.trainSize, 0.2);
  }

  *split(X: Indexable, _y?: Indexable | null, groups?: GroupsLike | null): Generator<TrainTest> {
    const caller = 'GroupShuffleSplit.split';
    const n = numSamples(X, caller);
    const { unique, inverse } = groupCodes(caller, groups, n);
    const nGroups = unique.length;
    const { nTrain, nTest } = this.sizes(nGroups);
    const rng = checkRandomState(this.randomState);
    for (let s = 0; s < this.nSplits; s++) {
      const perm = rng.permutation(nGroups);
      const side = new Int8Array(nGroups).fill(-1);
      for (let i = 0; i < nTest; i++) side[perm[i]!] = 1;
      for (let i = nTest; i < nTest + nTrain; i++) side[perm[i]!] = 0;
      const train: number[] = [];
      const test: number[] = [];
      for (let i = 0; i < n; i++) {
        const at = side[inverse[i]!];
        if (at === 0) train.push(i);
        else if (at === 1) test.push(i);
      }
      yield [Int32Array.from(train), Int32Array.from(test)];
    }
  }
}
