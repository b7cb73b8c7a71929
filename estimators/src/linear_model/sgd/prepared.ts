/**
 * Prepared blocks: the data movement of a partialFit epoch done ahead of time, elsewhere.
 *
 * With an integer `randomState`, every partialFit call re-seeds its shuffle from it (as
 * scikit-learn does), so the order in which an epoch visits a block's rows depends only on
 * (randomState, rows, features) — never on what was learned. A block can therefore be put into
 * visit order before the chain reaches it: by the task that reads it, on another worker, while
 * the previous link trains. The link then runs a sequential epoch over the prepared rows, which
 * is the same computation, in the same order, as the shuffled epoch over the original block —
 * bit-identical results (tests compare them over every fixture configuration).
 *
 * Where WebAssembly is used, the rows are prepared inside a shared WebAssembly memory laid out
 * for the epoch (wasm_epoch.ts's preparedLayout); the memory travels with the block (structured clone
 * shares it), and the link instantiates the epoch over it: no copy at all on the chain's critical
 * path. Preparing reads the block tile by tile (a read or the scaler's expression is evaluated
 * straight into the memory), scatters each tile's rows to their bucket's slots, then permutes
 * each bucket (a cache-sized range) into visit order — sequential reads and writes only, so the
 * 4 KiB-page random access of a plain shuffle never happens.
 *
 * Without shuffling, preparing only places the block in such a memory (so the link still skips
 * its copy). Multi-class problems with shuffling are not prepared: one-vs-rest draws one order
 * per class.
 *
 * This file makes prepared blocks and checks them when partialFit is given one; the memories they
 * live in come from pool.ts.
 */
import { DenseArray, allocate, isBlock, materialize, streamOf, type Block, type RowStream } from '@tessera/array';
import { InvalidInputError, describeValue } from '../../errors.js';
import { type Matrix, type VectorLike, checkArray } from '../../validation.js';
import type { WasmMemory } from '../../wasm_module.js';
import { acquireMemory, releaseMemory } from './pool.js';
import { bucketShape, bucketsInto, rowsPerBucket, visitOrder } from './shuffle.js';
import { align64, chunkRows, kernelFor } from './wasm.js';
import { type PreparedLayout, preparedLayout } from './wasm_epoch.js';

/**
 * What `partialFit(X, y, { prepared })` is told about a prepared block (plain data; crosses
 * threads with the block).
 */
export interface SGDPreparedHint {
  readonly kind: 'sgd-rows';
  /**
   * The rows are in the visit order of the shuffled epoch whose generator is seeded with `seed`
   * (the seed partialFit derives from `randomState`); null: in their original order.
   */
  readonly seed: number | null;
  readonly nSamples: number;
  readonly nFeatures: number;
  /** Whether the block carries (prepared) sample weights. */
  readonly weighted: boolean;
  /** The shared WebAssembly memory holding the arrays (laid out as `preparedLayout` in wasm_epoch.ts), or null. */
  readonly memory: WasmMemory | null;
}

/** A block ready for `partialFit(X, y, { sampleWeight, prepared: hint })`. */
export interface PreparedBlock {
  readonly X: Block;
  readonly y: Block | null;
  readonly sampleWeight: Block | null;
  readonly hint: SGDPreparedHint;
}

/**
 * Marks a prepared block as consumed: when it was prepared with `recycle`, its memory may now be
 * reused for the next block prepared on any thread (see pool.ts). The block must not be used
 * afterwards.
 */
export function releasePrepared(hint: SGDPreparedHint | null | undefined): void {
  releaseMemory(hint?.memory);
}

/** How a call trains on a prepared block. */
export interface PreparedContext {
  /** Rows are in the visit order of this call's shuffle: the epoch runs sequentially. */
  readonly permuted: boolean;
  /** Maps a prepared row to its row in the original block (for error messages); null: identity. */
  readonly rowOf: ((row: number) => number) | null;
  /** The block's shared WebAssembly memory, for an in-place epoch. */
  readonly inPlace: { readonly memory: WasmMemory; readonly layout: PreparedLayout } | null;
}

/** Options of prepareBlock. */
export interface PrepareBlockOptions {
  /** The labels partialFit will be given (classifiers: whether the problem is binary decides if the rows can be put in visit order). */
  classes?: VectorLike;
  /** Per-sample weights, prepared with the rows. */
  sampleWeight?: VectorLike;
  /**
   * The caller will call `releaseBlock` once partialFit has consumed the block
   * (and never use it again): its memory may then be reused for the next block prepared on this
   * thread — fresh memory costs page faults. For one-consumer pipelines such as the out-of-core chain.
   */
  recycle?: boolean;
}

/** Validates a prepared block's hint against X; returns the row mapping for error messages. */
export function preparedRowOf(caller: string, hint: SGDPreparedHint, m: Matrix): ((row: number) => number) | null {
  if (typeof hint !== 'object' || hint === null || hint.kind !== 'sgd-rows') {
    throw new TypeError(
      `${caller}.partialFit: the 'prepared' option must be the hint of a block returned by prepareBlock. Got ${describeValue(hint)}.`,
    );
  }
  if (hint.nSamples !== m.nSamples || hint.nFeatures !== m.nFeatures) {
    throw new InvalidInputError(
      `${caller}.partialFit: the block was prepared with ${hint.nSamples} rows × ${hint.nFeatures} features, but X has ${m.nSamples} × ${m.nFeatures}.`,
    );
  }
  return originalRows(hint);
}

/** Throws as checkVector does for the first non-finite value, naming its row in the original block. */
export function assertFiniteRows(v: Float64Array, name: string, caller: string, rowOf: (row: number) => number): void {
  let best = -1;
  let bad = 0;
  for (let k = 0; k < v.length; k++) {
    const x = v[k]!;
    if (x - x !== 0) {
      const o = rowOf(k);
      if (best < 0 || o < best) {
        best = o;
        bad = x;
      }
    }
  }
  if (best >= 0)
    throw new InvalidInputError(
      `${caller}: input ${name} contains ${Number.isNaN(bad) ? 'NaN' : bad > 0 ? 'Infinity' : '-Infinity'} at row ${best}.`,
      { row: best },
    );
}

/** Whether a value is a prepared block (as returned by an estimator's `prepareBlock`). */
export function isPreparedBlock(v: unknown): v is PreparedBlock {
  if (typeof v !== 'object' || v === null) return false;
  const h = (v as { hint?: { kind?: unknown } }).hint;
  return typeof h === 'object' && h !== null && typeof h.kind === 'string' && isBlock((v as { X?: unknown }).X);
}

/** Maps a row of a prepared block back to its row in the original block (identity when not permuted). */
export function originalRows(hint: SGDPreparedHint): ((k: number) => number) | null {
  if (hint.seed === null) return null;
  let order: Int32Array | undefined;
  const seed = hint.seed;
  return (k) => (order ??= visitOrder(hint.nSamples, seed))[k]!;
}

/**
 * A 1-D input (labels, weights): arrays are used as they are; a block or inline recipe (a file
 * read) becomes a stream, read tile by tile straight into the prepared memory — materialized, each
 * block's labels were a fresh 4 MB buffer left for the collector (peak RSS of the out-of-core fit).
 */
type VectorSource = ArrayLike<number> | RowStream;

function isStream(v: VectorSource): v is RowStream {
  return typeof (v as RowStream).read === 'function' && typeof (v as RowStream).close === 'function';
}

function vectorSource(v: unknown, n: number, name: string, caller: string): VectorSource {
  let out: VectorSource;
  let length: number;
  if (Array.isArray(v)) length = (out = v as number[]).length;
  else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) length = (out = v as unknown as ArrayLike<number>).length;
  else {
    const s = streamOf(v);
    if (s.shape.length !== 1) {
      s.close();
      out = materialize(v).data as ArrayLike<number>; // not 1-D: partialFit's validation says what is wrong
      length = out.length;
    } else length = (out = s).rows;
  }
  if (length !== n) {
    if (isStream(out)) out.close();
    throw new InvalidInputError(
      `${caller}: found input variables with inconsistent numbers of samples: X has ${n} rows but ${name} has ${length}.`,
    );
  }
  return out;
}

/** Values [a, b) of a vector source written into `dst` (of length b − a). */
function readVector(v: VectorSource, a: number, b: number, dst: Float64Array): void {
  if (!isStream(v)) dst.set(sliceOf(v, a, b));
  else if (v.dtype === 'float64') v.read(a, b, dst);
  else dst.set(v.read(a, b) as ArrayLike<number>);
}

/** A vector source's values, whole (the plain-buffer path). */
function vectorValues(v: VectorSource, n: number): ArrayLike<number> {
  if (!isStream(v)) return v;
  const out = new Float64Array(n);
  readVector(v, 0, n, out);
  return out;
}

/** X as a row stream: blocks and inline recipes (a read, an expression) directly; number[][] through validation. */
function rowStream(X: unknown, caller: string): RowStream {
  if (Array.isArray(X)) {
    const m = checkArray(X, { caller, skipFiniteCheck: true });
    return streamOf(new DenseArray(m.data, [m.nSamples, m.nFeatures]));
  }
  const s = streamOf(X);
  if (s.shape.length !== 2) {
    s.close();
    throw new InvalidInputError(`${caller}: expected a 2-D array for X, got shape [${s.shape.join(', ')}].`);
  }
  return s;
}

/**
 * Reads X (a block, an inline recipe or number[][]), y and sample weights, and returns them
 * with the rows in the visit order of the epoch seeded with `seed` (or in their order when
 * `seed` is null) — in a shared WebAssembly memory when `inMemory(n, d)` says so and WebAssembly
 * is available, otherwise over plain shared buffers. Values are not validated here (partialFit does it,
 * naming rows of the original block).
 */
export function prepareRows(
  X: unknown,
  y: unknown,
  sampleWeight: unknown,
  seed: number | null,
  inMemory: (n: number, d: number) => boolean,
  recycle: boolean,
  caller: string,
): PreparedBlock {
  const s = rowStream(X, caller);
  let yv: VectorSource | null = null;
  let swv: VectorSource | null = null;
  try {
    const n = s.rows;
    const d = s.cols;
    yv = y === null || y === undefined ? null : vectorSource(y, n, 'y', caller);
    swv = sampleWeight === null || sampleWeight === undefined ? null : vectorSource(sampleWeight, n, 'sampleWeight', caller);
    const prepared = n > 0 && inMemory(n, d) ? intoMemory(s, yv, swv, n, d, seed, recycle) : null;
    return prepared ?? intoBuffers(s, yv && vectorValues(yv, n), swv && vectorValues(swv, n), n, d, seed);
  } finally {
    s.close();
    if (yv !== null && isStream(yv)) yv.close();
    if (swv !== null && isStream(swv)) swv.close();
  }
}

function hintOf(n: number, d: number, seed: number | null, weighted: boolean, memory: WasmMemory | null): SGDPreparedHint {
  return { kind: 'sgd-rows', seed, nSamples: n, nFeatures: d, weighted, memory };
}

/** Prepares inside a new shared WebAssembly memory; null when one cannot be had. */
function intoMemory(
  s: RowStream,
  y: VectorSource | null,
  sw: VectorSource | null,
  n: number,
  d: number,
  seed: number | null,
  recycle: boolean,
): PreparedBlock | null {
  const layout: PreparedLayout = preparedLayout(n, d, sw !== null);
  const tile = Math.min(n, chunkRows(d));
  // The shuffle's visit order as bucket-grouped slots, made in this memory (bucketsInto).
  const perBucket = rowsPerBucket(d);
  const { size, nb: buckets } = bucketShape(n, perBucket);
  const nb = seed === null ? 0 : buckets;
  const maxBucket = seed === null ? 0 : Math.min(size, n);
  // Preparation scratch past the epoch's part: bucket starts, then a staging area for one tile
  // (and, when permuting, for the largest bucket). The slots and visit order borrow the targets'
  // area, which the epoch fills only later.
  const STARTS = layout.end;
  const STAGE = align64(STARTS + (nb + 1) * 4);
  // The permutation is made where the rows will go, free until they arrive (4·n + 4·nb bytes;
  // the rows take 8·n·d), or in the staging area when the rows take less.
  const permBytes = seed === null ? 0 : align64(n * 4) + nb * 4;
  const permInRows = permBytes <= n * d * 8;
  const stageBytes = seed === null ? 0 : Math.max(tile * d * 8, maxBucket * d * 8, permInRows ? 0 : permBytes);
  const memory = acquireMemory(STAGE + stageBytes, recycle);
  if (memory === null) return null;
  const k = kernelFor(memory);
  if (k === null) {
    releaseMemory(memory);
    return null;
  }
  const F = new Float64Array(memory.buffer);
  const direct = s.dtype === 'float64';
  const ROWS = layout.rows;
  if (seed === null) {
    for (let a = 0; a < n; a += tile) {
      const b = Math.min(n, a + tile);
      const dst = F.subarray(ROWS / 8 + a * d, ROWS / 8 + b * d);
      if (direct) s.read(a, b, dst);
      else dst.set(s.read(a, b) as ArrayLike<number>);
    }
    if (y !== null) readVector(y, 0, n, F.subarray(layout.ys / 8, layout.ys / 8 + n));
    if (sw !== null) readVector(sw, 0, n, F.subarray(layout.sws / 8, layout.sws / 8 + n));
  } else {
    const I = new Int32Array(memory.buffer);
    const SLOTS = layout.yi;
    const VISIT = layout.yi + n * 4;
    I.set(bucketsInto(k, n, seed, perBucket, SLOTS, VISIT, permInRows ? ROWS : STAGE), STARTS / 4);
    // The rows go straight to their slots: read (or evaluated, e.g. the scaler's expression) in
    // the staging area of this memory and written to their slots in the same pass. Where the
    // stream cannot (not float64, an expression WebAssembly does not cover), tile by tile: read
    // into the staging area, then scattered.
    if (!s.readInto({ memory, out: ROWS, slots: SLOTS, scratch: STAGE, scratchBytes: stageBytes })) {
      const stage = F.subarray(STAGE / 8, STAGE / 8 + tile * d);
      for (let a = 0; a < n; a += tile) {
        const b = Math.min(n, a + tile);
        const dst = stage.subarray(0, (b - a) * d);
        if (direct) s.read(a, b, dst);
        else dst.set(s.read(a, b) as ArrayLike<number>);
        k.scatter(STAGE, SLOTS + a * 4, b - a, d, ROWS);
      }
    }
    k.permute(ROWS, VISIT, STARTS, 0, nb, d, STAGE);
    const vector = (v: VectorSource, at: number) => {
      for (let a = 0; a < n; a += tile) {
        const b = Math.min(n, a + tile);
        readVector(v, a, b, F.subarray(STAGE / 8, STAGE / 8 + (b - a)));
        k.scatter(STAGE, SLOTS + a * 4, b - a, 1, at);
      }
      k.permute(at, VISIT, STARTS, 0, nb, 1, STAGE);
    };
    if (y !== null) vector(y, layout.ys);
    if (sw !== null) vector(sw, layout.sws);
  }
  const view = (at: number, len: number) => new Float64Array(memory.buffer, at, len);
  return {
    X: { dtype: 'float64', shape: [n, d], data: view(ROWS, n * d) },
    y: y === null ? null : { dtype: 'float64', shape: [n], data: view(layout.ys, n) },
    sampleWeight: sw === null ? null : { dtype: 'float64', shape: [n], data: view(layout.sws, n) },
    hint: hintOf(n, d, seed, sw !== null, memory),
  };
}

function sliceOf(v: ArrayLike<number>, a: number, b: number): ArrayLike<number> {
  if (ArrayBuffer.isView(v)) return (v as unknown as Float64Array).subarray(a, b);
  return (v as number[]).slice(a, b);
}

/** Prepares over plain shared buffers (no WebAssembly memory). */
function intoBuffers(
  s: RowStream,
  y: ArrayLike<number> | null,
  sw: ArrayLike<number> | null,
  n: number,
  d: number,
  seed: number | null,
): PreparedBlock {
  const Xd = allocate('float64', n * d);
  const tile = Math.max(1, Math.min(n, chunkRows(d)));
  for (let a = 0; a < n; a += tile) {
    const b = Math.min(n, a + tile);
    Xd.set(s.read(a, b) as ArrayLike<number>, a * d);
  }
  const vec = (v: ArrayLike<number> | null): Block | null => {
    if (v === null) return null;
    const out = allocate('float64', n);
    out.set(v);
    return { dtype: 'float64', shape: [n], data: out };
  };
  let Xb: Block = { dtype: 'float64', shape: [n, d], data: Xd };
  let yb = vec(y);
  let swb = vec(sw);
  if (seed !== null) {
    const order = visitOrder(n, seed);
    const Xp = allocate('float64', n * d);
    for (let k = 0; k < n; k++) Xp.set(Xd.subarray(order[k]! * d, (order[k]! + 1) * d), k * d);
    Xb = { dtype: 'float64', shape: [n, d], data: Xp };
    const permute = (b: Block | null): Block | null => {
      if (b === null) return null;
      const src = b.data as Float64Array;
      const out = allocate('float64', n);
      for (let k = 0; k < n; k++) out[k] = src[order[k]!]!;
      return { dtype: 'float64', shape: [n], data: out };
    };
    yb = permute(yb);
    swb = permute(swb);
  }
  return { X: Xb, y: yb, sampleWeight: swb, hint: hintOf(n, d, seed, sw !== null, null) };
}

/** The in-place epoch's memory and layout for a prepared block, or null (plain buffers). */
export function inPlaceOf(hint: SGDPreparedHint): { memory: WasmMemory; layout: PreparedLayout } | null {
  if (hint.memory === null) return null;
  return { memory: hint.memory, layout: preparedLayout(hint.nSamples, hint.nFeatures, hint.weighted) };
}
