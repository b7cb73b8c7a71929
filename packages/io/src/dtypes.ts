/**
 * The element types the formats carry — Tessera's one dtype table. `@tessera/array` (which
 * depends on this package, not the other way round) takes its `DType`, `DTypeMap`,
 * `TYPED_ARRAYS`, `itemSize`, `isDType` and `allocate` from here, so codecs stay free of the
 * array layer and a dtype is added in one place.
 */

/** Element types stored in npy and Arrow files that Tessera reads and writes. */
export type NumericDType = 'float64' | 'float32' | 'int32' | 'uint8';

/** The typed array of each dtype. */
export interface NumericArrayMap {
  float64: Float64Array;
  float32: Float32Array;
  int32: Int32Array;
  uint8: Uint8Array;
}

export type NumericArray = NumericArrayMap[NumericDType];

type Ctor<D extends NumericDType> = {
  new (length: number): NumericArrayMap[D];
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): NumericArrayMap[D];
  readonly BYTES_PER_ELEMENT: number;
};

/** Typed array constructors by dtype. */
export const ARRAY_TYPES: { readonly [D in NumericDType]: Ctor<D> } = {
  float64: Float64Array,
  float32: Float32Array,
  int32: Int32Array,
  uint8: Uint8Array,
};

/** Bytes per element. */
export function bytesPerElement(dtype: NumericDType): number {
  return ARRAY_TYPES[dtype].BYTES_PER_ELEMENT;
}

/** Whether `v` names a supported dtype. */
export function isNumericDType(v: unknown): v is NumericDType {
  return v === 'float64' || v === 'float32' || v === 'int32' || v === 'uint8';
}

/** The dtype of a typed array of one of the four dtypes. */
export function dtypeOfArray(a: NumericArray): NumericDType {
  return a instanceof Float64Array ? 'float64' : a instanceof Float32Array ? 'float32' : a instanceof Int32Array ? 'int32' : 'uint8';
}

/** A typed array of `length` elements over a SharedArrayBuffer. */
export function sharedArray<D extends NumericDType>(dtype: D, length: number): NumericArrayMap[D] {
  const C = ARRAY_TYPES[dtype];
  return new C(new SharedArrayBuffer(length * C.BYTES_PER_ELEMENT), 0, length);
}
