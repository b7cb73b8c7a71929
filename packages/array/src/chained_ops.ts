/**
 * The operations of {@link NDArray}, attached to the class in one place (tfjs-core's
 * `chained_ops`): `ndarray.ts` holds the core — shape, chunks, keys, the graph, `compute` — and
 * imports none of the modules that build operations (elementwise, reductions, structure,
 * `mapBlocks`, the stores), which all import it. Each method is declared on the class's
 * interface below (so it is typed and documented as a method) and defined on its prototype after.
 * `index.ts` imports this module once, before anything can call a method.
 */
import type { Manifest } from '@tessera/io';
import { DenseArray, type Block, type DType } from './dense.js';
import { blockIndices, type Chunks, type ChunksSpec } from './chunks.js';
import { NDArray } from './ndarray.js';
import { sliceArray, normalizeSlices, rechunk as rechunkArray, type AxisSlice } from './structure.js';
import { binary, unary, clip as clipArray, astype as astypeArray, type Operand } from './elementwise.js';
import { reduce, type Axis, type ReduceOptions } from './reductions.js';
import { dotArray } from './mapblocks.js';
import { storeNpy, storeArrayNpyDir, storeArrow, type StoreOptions, type ArrowStoreOptions } from './formats.js';

declare module './ndarray.js' {
  interface NDArray<D extends DType = DType> {
    /** Block `idx` as a lazy array of its own. */
    block(...idx: number[]): NDArray<D>;
    /** Iterates over the blocks (C order) as lazy arrays. */
    blocks(): Generator<NDArray<D>>;
    // --- Elementwise (lazy, fused) -----------------------------------------------------------------
    /** `this + other` (broadcasting; see elementwise.ts for dtype rules). */
    add(other: Operand): NDArray;
    /** `this - other`. @example X.sub(mean) // mean: per-column vector */
    sub(other: Operand): NDArray;
    /** `this * other`. */
    mul(other: Operand): NDArray;
    /** `this / other` (true division: integers give float64). */
    div(other: Operand): NDArray;
    /** `this ** other`. */
    pow(other: Operand): NDArray;
    /** Elementwise maximum (NaN propagates). */
    maximum(other: Operand): NDArray;
    /** Elementwise minimum (NaN propagates). */
    minimum(other: Operand): NDArray;
    /** `this == other` as uint8 0/1. */
    eq(other: Operand): NDArray<'uint8'>;
    /** `this != other` as uint8 0/1. */
    ne(other: Operand): NDArray<'uint8'>;
    /** `this < other` as uint8 0/1. */
    lt(other: Operand): NDArray<'uint8'>;
    /** `this <= other` as uint8 0/1. */
    le(other: Operand): NDArray<'uint8'>;
    /** `this > other` as uint8 0/1. */
    gt(other: Operand): NDArray<'uint8'>;
    /** `this >= other` as uint8 0/1. */
    ge(other: Operand): NDArray<'uint8'>;
    /** `-this`. */
    neg(): NDArray<D>;
    /** `|this|`. */
    abs(): NDArray<D>;
    /** `e ** this`. */
    exp(): NDArray;
    /** Natural logarithm. */
    log(): NDArray;
    /** Square root. */
    sqrt(): NDArray;
    /** 1 where NaN, else 0 (uint8). */
    isnan(): NDArray<'uint8'>;
    /** Values limited to `[lo, hi]`. */
    clip(lo: Operand, hi: Operand): NDArray;
    /** The same values as another dtype. */
    astype<T extends DType>(dtype: T): NDArray<T>;
    // --- Reductions ----------------------------------------------------------------------------------
    /** Sum over `axis` (0: per column, 1: per row, null: all). Integers sum as float64. */
    sum(axis?: Axis, options?: ReduceOptions): NDArray;
    /** Mean over `axis`. @example await X.mean(0).compute() */
    mean(axis?: Axis, options?: ReduceOptions): NDArray;
    /** Variance over `axis` (`ddof` option; numerically stable, Chan's combine). */
    var(axis?: Axis, options?: ReduceOptions): NDArray;
    /** Standard deviation over `axis`. */
    std(axis?: Axis, options?: ReduceOptions): NDArray;
    /** Minimum over `axis` (NaN propagates). */
    min(axis?: Axis, options?: ReduceOptions): NDArray<D>;
    /** Maximum over `axis` (NaN propagates). */
    max(axis?: Axis, options?: ReduceOptions): NDArray<D>;
    /** Index of the minimum over `axis` (first occurrence; a NaN wins). Flat index for `null`. */
    argmin(axis?: Axis, options?: ReduceOptions): NDArray<'int32'>;
    /** Index of the maximum over `axis`. */
    argmax(axis?: Axis, options?: ReduceOptions): NDArray<'int32'>;
    /** Sum skipping NaN. */
    nansum(axis?: Axis, options?: ReduceOptions): NDArray;
    /** Mean skipping NaN (NaN where all are NaN). */
    nanmean(axis?: Axis, options?: ReduceOptions): NDArray;
    /** Variance skipping NaN. */
    nanvar(axis?: Axis, options?: ReduceOptions): NDArray;
    /** Standard deviation skipping NaN. */
    nanstd(axis?: Axis, options?: ReduceOptions): NDArray;
    /** Minimum skipping NaN. */
    nanmin(axis?: Axis, options?: ReduceOptions): NDArray<D>;
    /** Maximum skipping NaN. */
    nanmax(axis?: Axis, options?: ReduceOptions): NDArray<D>;
    /** Index of the minimum skipping NaN (an all-NaN slice is an error, as in numpy). */
    nanargmin(axis?: Axis, options?: ReduceOptions): NDArray<'int32'>;
    /** Index of the maximum skipping NaN. */
    nanargmax(axis?: Axis, options?: ReduceOptions): NDArray<'int32'>;
    // --- Linear algebra, structure ---------------------------------------------------------------
    /**
     * `this @ w` with a small in-memory vector `[C]` (result `[R]`) or matrix `[C, K]` (`[R, K]`).
     * @example X.dot(coef) // decision values per row
     */
    dot(w: DenseArray | Block | readonly number[] | readonly (readonly number[])[]): NDArray;
    /** Same as {@link NDArray.dot}. */
    matmul(w: DenseArray | Block | readonly number[] | readonly (readonly number[])[]): NDArray;
    /**
     * A slice: `[start, stop)` per axis (negative counts from the end, null for the whole axis).
     * @example X.slice([0, 1000])            // first 1000 rows
     * @example X.slice(null, [2, 5])         // columns 2..4
     */
    slice(...slices: AxisSlice[]): NDArray<D>;
    /** The same values with other chunks. @example X.rechunk([1_000_000, -1]) */
    rechunk(chunks: ChunksSpec | Chunks): NDArray<D>;
    // --- Stores --------------------------------------------------------------------------------------
    /** Writes the array to one .npy file, block by block in parallel, atomically. */
    toNpy(file: string, options?: StoreOptions): Promise<void>;
    /**
     * Writes the array to an npy-chunks-v1 dataset directory, one file per row block: a 2-D array
     * as X (with `options.y` as y), a 1-D array as y alone — a y-only dataset, the form predictions
     * take.
     * @example await X.toNpyDir('scaled/', { y })
     * @example await pipe.predict(X).toNpyDir('pred/')   // y-00000.npy…, manifest with cols 0
     */
    toNpyDir(dir: string, options?: StoreOptions & { y?: NDArray }): Promise<Manifest>;
    /** Writes the array to an Arrow IPC file, one record batch per row block. */
    toArrow(file: string, options?: ArrowStoreOptions): Promise<void>;
  }
}

const proto = NDArray.prototype;

proto.block = function <D extends DType>(this: NDArray<D>, ...idx: number[]): NDArray<D> {
  this.checkBlockIndex(idx, 'block');
  return sliceArray(
    this,
    idx.map((b, a) => [this.blockOffsets[a]![b]!, this.blockOffsets[a]![b + 1]!] as [number, number]),
  );
};
proto.blocks = function* <D extends DType>(this: NDArray<D>): Generator<NDArray<D>> {
  for (const idx of blockIndices(this.numBlocks)) yield this.block(...idx);
};
// --- Elementwise (lazy, fused) -----------------------------------------------------------------
proto.add = function <D extends DType>(this: NDArray<D>, other: Operand): NDArray {
  return binary('add', this, other);
};
proto.sub = function <D extends DType>(this: NDArray<D>, other: Operand): NDArray {
  return binary('sub', this, other);
};
proto.mul = function <D extends DType>(this: NDArray<D>, other: Operand): NDArray {
  return binary('mul', this, other);
};
proto.div = function <D extends DType>(this: NDArray<D>, other: Operand): NDArray {
  return binary('div', this, other);
};
proto.pow = function <D extends DType>(this: NDArray<D>, other: Operand): NDArray {
  return binary('pow', this, other);
};
proto.maximum = function <D extends DType>(this: NDArray<D>, other: Operand): NDArray {
  return binary('maximum', this, other);
};
proto.minimum = function <D extends DType>(this: NDArray<D>, other: Operand): NDArray {
  return binary('minimum', this, other);
};
proto.eq = function <D extends DType>(this: NDArray<D>, other: Operand): NDArray<'uint8'> {
  return binary('eq', this, other) as NDArray<'uint8'>;
};
proto.ne = function <D extends DType>(this: NDArray<D>, other: Operand): NDArray<'uint8'> {
  return binary('ne', this, other) as NDArray<'uint8'>;
};
proto.lt = function <D extends DType>(this: NDArray<D>, other: Operand): NDArray<'uint8'> {
  return binary('lt', this, other) as NDArray<'uint8'>;
};
proto.le = function <D extends DType>(this: NDArray<D>, other: Operand): NDArray<'uint8'> {
  return binary('le', this, other) as NDArray<'uint8'>;
};
proto.gt = function <D extends DType>(this: NDArray<D>, other: Operand): NDArray<'uint8'> {
  return binary('gt', this, other) as NDArray<'uint8'>;
};
proto.ge = function <D extends DType>(this: NDArray<D>, other: Operand): NDArray<'uint8'> {
  return binary('ge', this, other) as NDArray<'uint8'>;
};
proto.neg = function <D extends DType>(this: NDArray<D>): NDArray<D> {
  return unary('neg', this) as NDArray<D>;
};
proto.abs = function <D extends DType>(this: NDArray<D>): NDArray<D> {
  return unary('abs', this) as NDArray<D>;
};
proto.exp = function <D extends DType>(this: NDArray<D>): NDArray {
  return unary('exp', this);
};
proto.log = function <D extends DType>(this: NDArray<D>): NDArray {
  return unary('log', this);
};
proto.sqrt = function <D extends DType>(this: NDArray<D>): NDArray {
  return unary('sqrt', this);
};
proto.isnan = function <D extends DType>(this: NDArray<D>): NDArray<'uint8'> {
  return unary('isnan', this) as NDArray<'uint8'>;
};
proto.clip = function <D extends DType>(this: NDArray<D>, lo: Operand, hi: Operand): NDArray {
  return clipArray(this, lo, hi);
};
proto.astype = function <D extends DType, T extends DType>(this: NDArray<D>, dtype: T): NDArray<T> {
  return astypeArray(this, dtype);
};
// --- Reductions ----------------------------------------------------------------------------------
proto.sum = function <D extends DType>(this: NDArray<D>, axis?: Axis, options?: ReduceOptions): NDArray {
  return reduce(this, 'sum', false, axis, options);
};
proto.mean = function <D extends DType>(this: NDArray<D>, axis?: Axis, options?: ReduceOptions): NDArray {
  return reduce(this, 'mean', false, axis, options);
};
proto.var = function <D extends DType>(this: NDArray<D>, axis?: Axis, options?: ReduceOptions): NDArray {
  return reduce(this, 'var', false, axis, options);
};
proto.std = function <D extends DType>(this: NDArray<D>, axis?: Axis, options?: ReduceOptions): NDArray {
  return reduce(this, 'std', false, axis, options);
};
proto.min = function <D extends DType>(this: NDArray<D>, axis?: Axis, options?: ReduceOptions): NDArray<D> {
  return reduce(this, 'min', false, axis, options) as NDArray<D>;
};
proto.max = function <D extends DType>(this: NDArray<D>, axis?: Axis, options?: ReduceOptions): NDArray<D> {
  return reduce(this, 'max', false, axis, options) as NDArray<D>;
};
proto.argmin = function <D extends DType>(this: NDArray<D>, axis?: Axis, options?: ReduceOptions): NDArray<'int32'> {
  return reduce(this, 'argmin', false, axis, options) as NDArray<'int32'>;
};
proto.argmax = function <D extends DType>(this: NDArray<D>, axis?: Axis, options?: ReduceOptions): NDArray<'int32'> {
  return reduce(this, 'argmax', false, axis, options) as NDArray<'int32'>;
};
proto.nansum = function <D extends DType>(this: NDArray<D>, axis?: Axis, options?: ReduceOptions): NDArray {
  return reduce(this, 'sum', true, axis, options);
};
proto.nanmean = function <D extends DType>(this: NDArray<D>, axis?: Axis, options?: ReduceOptions): NDArray {
  return reduce(this, 'mean', true, axis, options);
};
proto.nanvar = function <D extends DType>(this: NDArray<D>, axis?: Axis, options?: ReduceOptions): NDArray {
  return reduce(this, 'var', true, axis, options);
};
proto.nanstd = function <D extends DType>(this: NDArray<D>, axis?: Axis, options?: ReduceOptions): NDArray {
  return reduce(this, 'std', true, axis, options);
};
proto.nanmin = function <D extends DType>(this: NDArray<D>, axis?: Axis, options?: ReduceOptions): NDArray<D> {
  return reduce(this, 'min', true, axis, options) as NDArray<D>;
};
proto.nanmax = function <D extends DType>(this: NDArray<D>, axis?: Axis, options?: ReduceOptions): NDArray<D> {
  return reduce(this, 'max', true, axis, options) as NDArray<D>;
};
proto.nanargmin = function <D extends DType>(this: NDArray<D>, axis?: Axis, options?: ReduceOptions): NDArray<'int32'> {
  return reduce(this, 'argmin', true, axis, options) as NDArray<'int32'>;
};
proto.nanargmax = function <D extends DType>(this: NDArray<D>, axis?: Axis, options?: ReduceOptions): NDArray<'int32'> {
  return reduce(this, 'argmax', true, axis, options) as NDArray<'int32'>;
};
// --- Linear algebra, structure ---------------------------------------------------------------
proto.dot = function (this: NDArray<any>, w: DenseArray | Block | readonly number[] | readonly (readonly number[])[]): NDArray {
  const b = Array.isArray(w) ? DenseArray.from(w as number[]).toBlock() : (w as Block);
  return dotArray(this, b);
};
proto.matmul = function (this: NDArray<any>, w: DenseArray | Block | readonly number[] | readonly (readonly number[])[]): NDArray {
  return this.dot(w);
};
proto.slice = function <D extends DType>(this: NDArray<D>, ...slices: AxisSlice[]): NDArray<D> {
  return sliceArray(this, normalizeSlices(this.shape, slices));
};
proto.rechunk = function <D extends DType>(this: NDArray<D>, chunks: ChunksSpec | Chunks): NDArray<D> {
  return rechunkArray(this, chunks);
};
// --- Stores --------------------------------------------------------------------------------------
proto.toNpy = function <D extends DType>(this: NDArray<D>, file: string, options?: StoreOptions): Promise<void> {
  return storeNpy(file, this, options);
};
proto.toNpyDir = function <D extends DType>(this: NDArray<D>, dir: string, options?: StoreOptions & { y?: NDArray }): Promise<Manifest> {
  return storeArrayNpyDir(dir, this, options);
};
proto.toArrow = function <D extends DType>(this: NDArray<D>, file: string, options?: ArrowStoreOptions): Promise<void> {
  return storeArrow(file, { X: this, ...(options?.y ? { y: options.y } : {}) }, options);
};
