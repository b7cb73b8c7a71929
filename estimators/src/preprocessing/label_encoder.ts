/**
 * LabelEncoder (scikit-learn's): targets y to codes 0…n−1 by their rank among the sorted distinct
 * labels `classes_`, and back. On a lazy y `fit` learns the classes in one parallel pass of
 * per-block distinct values, and `transform` / `inverseTransform` run block by block.
 */
import { DenseArray, allocate, mapBlocks, type NDArray } from '@tessera/array';
import { BaseEstimator, type State } from '../base.js';
import type { ApplyMethod, LazyFitter, LazyOptions, LazyTransformer } from '../contract.js';
import { InvalidInputError, NotFittedError } from '../errors.js';
import { EstKernel } from '../ooc/kernel_names.js';
import { isLazy, rejecting } from '../ooc/lazy.js';
import { registerEstimator } from '../registry.js';
import { type StateSchema, vector } from '../state_schema.js';
import { type VectorLike, asVector } from '../validation.js';
import { lazyValueCounts } from './lazy_counts.js';
import { countValues } from './value_counts.js';

export interface LabelEncoderState extends State {
  /** The distinct labels, in increasing order: label classes_[k] is encoded as k. */
  classes_: DenseArray<'float64'>;
}

/** Index of `v` in sorted `a`, or -1. */
function rank(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] === v) return mid;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function unseen(caller: string, values: Iterable<number>): InvalidInputError {
  const sorted = [...new Set(values)].sort((x, y) => x - y);
  const shown = sorted.length > 10 ? `${sorted.slice(0, 10).join(', ')}, … (${sorted.length} in all)` : sorted.join(', ');
  return new InvalidInputError(`${caller}: y contains previously unseen labels: [${shown}].`);
}

/**
 * Encodes target labels as 0…n−1 (scikit-learn's `LabelEncoder`); takes y, not X.
 *
 * @example
 * const le = new LabelEncoder().fit([3, 1, 3, 2.5]);
 * le.classes_.data;                 // [1, 2.5, 3]
 * le.transform([2.5, 3]).data;      // [1, 2]
 * le.inverseTransform([0, 2]).data; // [1, 3]
 */
export class LabelEncoder extends BaseEstimator<Record<string, never>, LabelEncoderState> implements LazyFitter, LazyTransformer {
  static readonly estimatorName = 'LabelEncoder';
  static readonly estimatorType = 'transformer';
  static readonly defaults: Readonly<Record<string, never>> = Object.freeze({});
  static readonly constraints = {};
  static readonly stateSchema: StateSchema = { fields: { classes_: vector('nClasses', { sorted: true, minLength: 1 }) } };

  constructor(options: Partial<Record<string, never>> = {}) {
    super(options);
  }

  get classes_(): DenseArray<'float64'> {
    return this.fitted.classes_;
  }

  /** Learns the classes. A lazy y: one parallel pass of distinct values; the promise resolves with the fitted encoder. */
  fit(y: NDArray, options?: LazyOptions): Promise<this>;
  fit(y: VectorLike): this;
  fit(y: VectorLike | NDArray, options: LazyOptions = {}): this | Promise<this> {
    if (isLazy(y)) return rejecting(true, () => this.fitLazy(y, undefined, options));
    this.checkParams();
    const caller = `${this.estimatorName}.fit`;
    const v = asVector(y, { caller, name: 'y' });
    if (v.length === 0) throw new InvalidInputError(`${caller}: found array y with 0 samples, while a minimum of 1 is required.`);
    return this.fitClasses(countValues(v, v.length, 1, { missing: null, distinct: true, caller }).columns![0]!.values);
  }

  /** Fits on a lazy 1-D y (see {@link fit}); the first argument is y. */
  async fitLazy(y: NDArray, _unused: NDArray | undefined, options: LazyOptions): Promise<this> {
    this.checkParams();
    const caller = `${this.estimatorName}.fit`;
    if (y.ndim !== 1) throw new RangeError(`${caller}: y must be 1-D; got shape [${y.shape.join(', ')}].`);
    const advice = 'LabelEncoder is for class labels (a few distinct values); raise memoryLimit, or compute() y if it fits in memory.';
    const counts = await lazyValueCounts(y, { missing: null, distinct: true, caller }, options, advice);
    return this.fitClasses(counts.columns![0]!.values);
  }

  private fitClasses(classes: Float64Array): this {
    this.resetState();
    this.learned = { classes_: new DenseArray(classes.slice(), [classes.length]) };
    return this;
  }

  /** Both methods return one value per label (a 1-D output). */
  override outputWidth(method: ApplyMethod): number | null {
    if (method === 'transform' || method === 'inverseTransform') {
      if (!this.isFitted()) throw new NotFittedError(this.estimatorName);
      return null;
    }
    return super.outputWidth(method);
  }

  /** Each label's code (its index in classes_); unseen labels are an error naming them. Lazy for a lazy y. */
  transform(y: NDArray): NDArray;
  transform(y: VectorLike): DenseArray<'float64'>;
  transform(y: VectorLike | NDArray): DenseArray<'float64'> | NDArray {
    if (isLazy(y)) return this.transformLazy(y);
    const classes = this.fitted.classes_.data;
    const caller = `${this.estimatorName}.transform`;
    const v = asVector(y, { caller, name: 'y' });
    const out = allocate('float64', v.length);
    let bad: number[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const k = rank(classes, v[i]!);
      if (k < 0) (bad ??= []).push(v[i]!);
      out[i] = k;
    }
    if (bad !== null) throw unseen(caller, bad);
    return new DenseArray(out, [v.length]);
  }

  /** The labels of codes 0…n−1; any other value is an error naming it. Lazy for a lazy y. */
  inverseTransform(y: NDArray): NDArray;
  inverseTransform(y: VectorLike): DenseArray<'float64'>;
  inverseTransform(y: VectorLike | NDArray): DenseArray<'float64'> | NDArray {
    if (isLazy(y)) return this.lazy(y, 'inverseTransform');
    const classes = this.fitted.classes_.data;
    const caller = `${this.estimatorName}.inverseTransform`;
    const v = asVector(y, { caller, name: 'y' });
    const out = allocate('float64', v.length);
    let bad: number[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const k = v[i]!;
      if (Number.isInteger(k) && k >= 0 && k < classes.length) out[i] = classes[k]!;
      else (bad ??= []).push(k);
    }
    if (bad !== null) throw unseen(caller, bad);
    return new DenseArray(out, [v.length]);
  }

  /** The lazy transform: {@link transform} on each block of y (`est.apply`). */
  transformLazy(y: NDArray): NDArray {
    return this.lazy(y, 'transform');
  }

  private lazy(y: NDArray, method: 'transform' | 'inverseTransform'): NDArray {
    if (!this.isFitted()) throw new NotFittedError(this.estimatorName);
    const snapshot = this.snapshot();
    if (y.ndim !== 1) throw new RangeError(`${this.estimatorName}.${method}: y must be 1-D; got shape [${y.shape.join(', ')}].`);
    return mapBlocks(EstKernel.apply, [y], {
      dtype: 'float64',
      chunks: [y.chunks[0]!],
      args: [snapshot, method],
      name: `${this.estimatorName}-${method}`,
      streaming: true,
    });
  }

  /** fit then transform. */
  fitTransform(y: VectorLike): DenseArray<'float64'> {
    return this.fit(y).transform(y);
  }
}

registerEstimator(LabelEncoder);
