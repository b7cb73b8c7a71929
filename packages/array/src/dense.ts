/**
 * In-memory arrays: the form blocks take between tasks and the form computed results take.
 *
 * A {@link Block} is plain data (`{ dtype, shape, data }`) so it crosses threads by structured
 * clone; when `data` sits on a SharedArrayBuffer the crossing shares memory instead of copying.
 * {@link DenseArray} is the same thing with methods, for users.
 */

import { ARRAY_TYPES, bytesPerElement, isNumericDType, sharedArray, type NumericArrayMap, type NumericDType } from '@tessera/io';

// The dtype table is @tessera/io's (the formats carry the same four types, and io sits below this
// package): the names here are the array layer's for the same things.

/** Element types Tessera arrays hold. `bool` is stored as `uint8`. */
export type DType = NumericDType;

/** The typed array behind each dtype. */
export type DTypeMap = NumericArrayMap;

/** Any typed array Tessera stores. */
export type TypedArray = DTypeMap[DType];

/** Constructors of the typed arrays, by dtype. */
export const TYPED_ARRAYS: typeof ARRAY_TYPES = ARRAY_TYPES;

/** Bytes per element, by dtype. */
export const itemSize: (dtype: DType) => number = bytesPerElement;

/** Whether `value` names a supported dtype. */
export const isDType: (value: unknown) => value is DType = isNumericDType;

/** The dtype of a typed array, or undefined when Tessera does not store that kind. */
export function dtypeOf(data: ArrayBufferView): DType | undefined {
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'uint8';
  return undefined;
}

/**
 * A typed array of `length` zeros over a SharedArrayBuffer, so it can be handed to another
 * thread without a copy. Kernels allocate their outputs with this.
 */
export const allocate: <D extends DType>(dtype: D, length: number) => DTypeMap[D] = sharedArray;

/** A block of an array as plain data: C-order `data` of `shape`. */
export interface Block<D extends DType = DType> {
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly data: DTypeMap[D];
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** Whether `value` has the structure of a {@link Block}. */
export function isBlock(value: unknown): value is Block {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<Block>;
  return (
    isDType(v.dtype) &&
    Array.isArray(v.shape) &&
    ArrayBuffer.isView(v.data) &&
    dtypeOf(v.data as ArrayBufferView) === v.dtype &&
    sizeOf(v.shape) === (v.data as TypedArray).length
  );
}

/**
 * An in-memory n-dimensional array (C order). Results of `compute()` come back as DenseArray;
 * estimators take them as input.
 *
 * @example
 * const X = DenseArray.from([[1, 2], [3, 4]]);
 * X.shape;      // [2, 2]
 * X.get(1, 0);  // 3
 */
export class DenseArray<D extends DType = DType> implements Block<D> {
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly data: DTypeMap[D];

  constructor(data: DTypeMap[D], shape: readonly number[] = [data.length]) {
    const dtype = dtypeOf(data);
    if (dtype === undefined) {
      throw new TypeError(`DenseArray: data must be a Float64Array, Float32Array, Int32Array or Uint8Array. Got ${describe(data)}.`);
    }
    for (const s of shape) {
      if (!Number.isInteger(s) || s < 0) {
        throw new RangeError(`DenseArray: shape must hold non-negative integers. Got [${shape.join(', ')}].`);
      }
    }
    if (sizeOf(shape) !== data.length) {
      throw new RangeError(`DenseArray: shape [${shape.join(', ')}] holds ${sizeOf(shape)} elements but data has ${data.length}.`);
    }
    this.dtype = dtype as D;
    this.shape = Object.freeze([...shape]);
    this.data = data;
  }

  /** Wraps a block (as received from a task) without copying. */
  static fromBlock<D extends DType>(block: Block<D>): DenseArray<D> {
    return block instanceof DenseArray ? block : new DenseArray(block.data, block.shape);
  }

  /** Builds a float64 (or the given dtype) array from nested JavaScript arrays. */
  static from(values: readonly number[] | readonly (readonly number[])[], dtype: DType = 'float64'): DenseArray {
    if (values.length > 0 && Array.isArray(values[0])) {
      const rows = values as readonly (readonly number[])[];
      const cols = rows[0]!.length;
      const data = allocate(dtype, rows.length * cols);
      rows.forEach((row, i) => {
        if (!Array.isArray(row) || row.length !== cols) {
          throw new RangeError(`DenseArray.from: row ${i} has ${Array.isArray(row) ? row.length : 'no'} elements; row 0 has ${cols}.`);
        }
        for (let j = 0; j < cols; j++) data[i * cols + j] = row[j]!;
      });
      return new DenseArray(data, [rows.length, cols]);
    }
    const flat = values as readonly number[];
    const data = allocate(dtype, flat.length);
    for (let i = 0; i < flat.length; i++) data[i] = flat[i]!;
    return new DenseArray(data, [flat.length]);
  }

  /** An array of zeros over shared memory. */
  static zeros<D extends DType = 'float64'>(shape: readonly number[], dtype: D = 'float64' as D): DenseArray<D> {
    return new DenseArray(allocate(dtype, sizeOf(shape)), shape);
  }

  get ndim(): number {
    return this.shape.length;
  }

  get size(): number {
    return this.data.length;
  }

  /** The element at the given index (one number per axis). */
  get(...index: number[]): number {
    if (index.length !== this.shape.length) {
      throw new RangeError(`DenseArray.get: expected ${this.shape.length} indices, got ${index.length}.`);
    }
    let offset = 0;
    for (let a = 0; a < index.length; a++) {
      const i = index[a]!;
      const n = this.shape[a]!;
      if (!Number.isInteger(i) || i < 0 || i >= n) {
        throw new RangeError(`DenseArray.get: index ${i} is out of bounds for axis ${a} with size ${n}.`);
      }
      offset = offset * n + i;
    }
    return this.data[offset]!;
  }

  /** Nested JavaScript arrays (numbers), like numpy's `tolist()`. */
  toArray(): number[] | number[][] {
    if (this.shape.length === 1) return Array.from(this.data as ArrayLike<number>);
    if (this.shape.length !== 2)
      throw new RangeError(`DenseArray.toArray supports 1-D and 2-D arrays; this one has shape [${this.shape.join(', ')}].`);
    const [r, c] = this.shape as [number, number];
    const out: number[][] = [];
    for (let i = 0; i < r; i++) out.push(Array.from((this.data as TypedArray).subarray(i * c, (i + 1) * c) as ArrayLike<number>));
    return out;
  }

  /** Plain-data form (the block itself), for structured clone. */
  toBlock(): Block<D> {
    return { dtype: this.dtype, shape: this.shape, data: this.data };
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
