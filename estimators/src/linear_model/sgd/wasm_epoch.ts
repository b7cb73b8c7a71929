/**
 * The SGD epoch in WebAssembly (estimators/wasm/sgd_epoch.wat, f64x2 SIMD): the driver that moves
 * rows into WebAssembly memory and runs the pass there — the twin of the JavaScript epoch in
 * epoch.ts, for the configurations it covers (no averaging, L2 or no penalty, no
 * passive-aggressive steps, no early stopping).
 *
 * - Blocks given in memory: a fit of several epochs without shuffling copies the block into this
 *   thread's memory once and runs every epoch on it in place ({@link stageInOwnMemory}, up to
 *   512 MiB; the memory keeps that size); a single epoch (partialFit) streams the rows through a
 *   small, cache-sized window (about a MiB); with shuffling they are scattered once per epoch
 *   into their bucket-grouped slots (see shuffle.ts) — sequential reads, one write stream per
 *   bucket — and the memory grows to hold the whole block (it is kept for the next call:
 *   re-faulting fresh pages would cost more than the copy).
 * - Prepared blocks (prepared.ts): the epoch runs in place in the block's own shared memory,
 *   laid out as {@link preparedLayout}.
 *
 * Numerics: the same operations in the same order as the JavaScript epoch (the dot product's
 * additions stay left to right; SIMD computes the products and the update), log and pow are
 * JavaScript's (imported) and exp the module's twin of libm.ts's glibcExp, so both give
 * bit-identical results; both are tested against scikit-learn's
 * fixtures.
 */
import type { WasmMemory } from '../../wasm_module.js';
import { EXP_HEAD, EXP_TAIL } from './exp_table.js';
import type { EpochOrders } from './shuffle.js';
import { NONE, WASM_NO_MEMORY, align16, align64, chunkRows, ensureBytes, inMemory, kernelFor, ownKernel, type Kernel } from './wasm.js';

/** Parameters of one epoch the kernel needs (a subset of epoch.ts's EpochArgs). */
export interface WasmEpochArgs {
  readonly X: Float64Array;
  readonly y: Float64Array;
  readonly sampleWeight: Float64Array | null;
  readonly n: number;
  readonly d: number;
  readonly w: Float64Array;
  readonly lossCode: number;
  readonly lossParam: number;
  readonly l2: boolean;
  readonly alpha: number;
  readonly lr: number;
  readonly eta0: number;
  readonly powerT: number;
  readonly optimalInit: number;
  readonly fitIntercept: boolean;
  readonly interceptDecay: number;
  readonly weightPos: number;
  readonly weightNeg: number;
  readonly trackLoss: boolean;
}

function callEpoch(
  k: Kernel,
  a: WasmEpochArgs,
  rows: number,
  ys: number,
  sws: number,
  visit: number,
  count: number,
  w: number,
  st: number,
): number {
  return k.epoch(
    rows | 0,
    ys | 0,
    sws | 0,
    visit | 0,
    count,
    a.d,
    w,
    st,
    a.lossCode,
    a.lossParam,
    a.l2 ? 1 : 0,
    a.alpha,
    a.lr,
    a.eta0,
    a.powerT,
    a.optimalInit,
    a.fitIntercept ? 1 : 0,
    a.interceptDecay,
    a.weightPos,
    a.weightNeg,
    a.trackLoss ? 1 : 0,
  );
}

/**
 * Runs one epoch in WebAssembly over a block given in memory, in this epoch's order of `orders`
 * (shuffle.ts: scikit-learn's, as bucket-grouped slots; `orders.next()` already called) or in row
 * order when `orders` is null. `st` is the scalar state of epoch.ts (slots 0 intercept, 2 t, 3 wscale,
 * 7 eta, 8 sumloss), read and written back; `w` is updated in place. Returns -1, the row (index
 * into X) holding NaN/Infinity that stopped the pass, or {@link WASM_NO_MEMORY} (nothing was
 * changed).
 */
export function wasmEpoch(a: WasmEpochArgs, st: Float64Array, orders: EpochOrders | null, perBucket: number): number {
  const k = ownKernel();
  if (k === null) return WASM_NO_MEMORY;
  const { X, y, sampleWeight: sw, n, d } = a;
  const ST = 0;
  const W = 128;
  const shuffled = orders !== null;
  // First: the buckets are computed in this kernel's memory (as scratch), before anything is
  // written here; their count sizes the layout.
  const drawn = shuffled ? orders.buckets(perBucket) : null;
  const nb = drawn === null ? 0 : drawn.bucketStart.length - 1;
  const rowsCap = shuffled ? n : Math.min(n, chunkRows(d));
  // Shuffled epochs stream X through a chunk-sized staging area on its way to the slots.
  const stageRows = shuffled ? Math.min(n, chunkRows(d)) : 0;
  const drawN = shuffled ? n : 0;
  const SLOTS = W + align16(d * 8);
  const VIS = SLOTS + align16(drawN * 4);
  const STARTS = VIS + align16(drawN * 4);
  const STAGE = STARTS + align16(shuffled ? (nb + 1) * 4 : 0);
  const ROWS = align64(STAGE + align16(stageRows * d * 8));
  const YS = ROWS + align16(rowsCap * d * 8);
  const SWS = YS + align16(rowsCap * 8);
  if (!ensureBytes(k, SWS + align16(sw === null ? 0 : rowsCap * 8))) return WASM_NO_MEMORY;
  const buf = k.memory.buffer;
  const F = new Float64Array(buf);
  const I = new Int32Array(buf);
  F.set(st.subarray(0, 9), ST / 8);
  F.set(a.w, W / 8);
  const sws = sw === null ? NONE : SWS;

  let bad = -1;
  if (!shuffled) {
    for (let start = 0; start < n && bad < 0; start += rowsCap) {
      const cnt = Math.min(rowsCap, n - start);
      F.set(X.subarray(start * d, (start + cnt) * d), ROWS / 8);
      F.set(y.subarray(start, start + cnt), YS / 8);
      if (sw !== null) F.set(sw.subarray(start, start + cnt), SWS / 8);
      const r = callEpoch(k, a, ROWS, YS, sws, NONE, cnt, W, ST);
      if (r >= 0) bad = start + r;
    }
  } else {
    I.set(drawn!.slot, SLOTS / 4);
    I.set(drawn!.visit, VIS / 4);
    I.set(drawn!.bucketStart, STARTS / 4);
    for (let start = 0; start < n; start += stageRows) {
      const cnt = Math.min(stageRows, n - start);
      const slots = SLOTS + start * 4;
      F.set(X.subarray(start * d, (start + cnt) * d), STAGE / 8);
      k.scatter(STAGE, slots, cnt, d, ROWS);
      F.set(y.subarray(start, start + cnt), STAGE / 8);
      k.scatter(STAGE, slots, cnt, 1, YS);
      if (sw !== null) {
        F.set(sw.subarray(start, start + cnt), STAGE / 8);
        k.scatter(STAGE, slots, cnt, 1, SWS);
      }
    }
    // Bucket by bucket: pull the bucket's rows into cache with one sequential read, then visit
    // them in their random order.
    for (let b = 0; b < nb && bad < 0; b++) {
      const lo = I[STARTS / 4 + b]!;
      const cnt = I[STARTS / 4 + b + 1]! - lo;
      if (cnt === 0) continue;
      k.touch(ROWS + lo * d * 8, cnt * d * 8);
      const r = callEpoch(k, a, ROWS, YS, sws, VIS + lo * 4, cnt, W, ST);
      // The row stored at the slot visited: the one whose slot it is.
      if (r >= 0) bad = I.subarray(SLOTS / 4, SLOTS / 4 + n).indexOf(I[VIS / 4 + lo + r]!);
    }
  }
  a.w.set(F.subarray(W / 8, W / 8 + d));
  st.set(F.subarray(ST / 8, ST / 8 + 9));
  return bad;
}

/**
 * Where a prepared block's arrays sit in its shared memory (byte offsets). The epoch's state and
 * weights first, then the rows (in the order they are visited), the labels as given, the sample
 * weights (when there are any), and room for the targets the epoch trains on (±1 for a binary
 * problem), which preparation uses as scratch for the shuffle's slots and visit order.
 */
export interface PreparedLayout {
  readonly n: number;
  readonly d: number;
  readonly st: number;
  readonly w: number;
  readonly rows: number;
  readonly ys: number;
  /** -1 when the block has no sample weights. */
  readonly sws: number;
  readonly yi: number;
  /** End of the part the epoch uses. */
  readonly end: number;
}

export function preparedLayout(n: number, d: number, weighted: boolean): PreparedLayout {
  const st = 0;
  const w = 128;
  const rows = align64(w + d * 8);
  const ys = rows + n * d * 8;
  const sws = weighted ? ys + n * 8 : NONE;
  const yi = (weighted ? sws : ys) + n * 8;
  return { n, d, st, w, rows, ys, sws, yi, end: yi + n * 8 };
}

/** Largest block {@link stageInOwnMemory} copies (the memory it grows to stays with the thread). */
const STAGE_MAX_BYTES = 512 * 1024 * 1024;

/** A block given in memory, copied once into this thread's own memory, laid out as a prepared block. */
export interface StagedBlock {
  readonly memory: WasmMemory;
  readonly layout: PreparedLayout;
  /** The rows, targets and sample weights in that memory (views for {@link wasmEpochPrepared}). */
  readonly X: Float64Array;
  readonly y: Float64Array;
  readonly sampleWeight: Float64Array | null;
  /** Where exp's table sits in that memory, after the block (see sgd_epoch.wat's $expTab). */
  readonly expTab: number;
}

/** The kernel's exp table address (sgd_epoch.wat's exported mutable global $expTab). */
function expTabGlobal(k: Kernel): { value: number } {
  return (k as unknown as { expTab: { value: number } }).expTab;
}

/**
 * Copies a block given in memory into this thread's own WebAssembly memory once, laid out as
 * {@link preparedLayout}, so that every epoch of a fit without shuffling runs on it in place
 * ({@link wasmEpochPrepared}) instead of streaming all its rows in again (one copy per fit instead
 * of one per epoch: a grid search fits the same fold many times over). Null when there is no
 * kernel, the block is larger than 512 MiB or the memory cannot grow; the caller then streams.
 * Valid until the next use of this thread's memory by anything else (the caller runs its epochs
 * synchronously).
 */
export function stageInOwnMemory(
  X: Float64Array,
  y: Float64Array,
  sampleWeight: Float64Array | null,
  n: number,
  d: number,
): StagedBlock | null {
  const k = ownKernel();
  if (k === null) return null;
  const layout = preparedLayout(n, d, sampleWeight !== null);
  const expTab = align64(layout.end);
  if (layout.end > STAGE_MAX_BYTES || !ensureBytes(k, expTab + 128 * 16)) return null;
  const buf = k.memory.buffer;
  const T = new Float64Array(buf, expTab, 256);
  for (let j = 0; j < 128; j++) {
    T[2 * j] = EXP_HEAD[j]!;
    T[2 * j + 1] = EXP_TAIL[j]!;
  }
  const Xs = new Float64Array(buf, layout.rows, n * d);
  Xs.set(X.subarray(0, n * d));
  const ys = new Float64Array(buf, layout.yi, n);
  ys.set(y.subarray(0, n));
  let sws: Float64Array | null = null;
  if (sampleWeight !== null) {
    sws = new Float64Array(buf, layout.sws, n);
    sws.set(sampleWeight.subarray(0, n));
  }
  return { memory: k.memory, layout, X: Xs, y: ys, sampleWeight: sws, expTab };
}

/**
 * Runs one epoch over a block staged by {@link stageInOwnMemory}, in place, with exp reading its
 * table from the memory (the address is set for this call only: other users of the memory may
 * overwrite it afterwards). Returns as {@link wasmEpochPrepared}.
 */
export function wasmEpochStaged(a: WasmEpochArgs, st: Float64Array, s: StagedBlock): number {
  const k = kernelFor(s.memory);
  if (k === null) return WASM_NO_MEMORY;
  const tab = expTabGlobal(k);
  tab.value = s.expTab;
  try {
    return wasmEpochPrepared({ ...a, X: s.X, y: s.y, sampleWeight: s.sampleWeight }, st, s.memory, s.layout);
  } finally {
    tab.value = 0;
  }
}

/**
 * Runs one epoch in WebAssembly, in place, over a prepared block (rows in visit order in
 * `memory`, laid out as {@link preparedLayout}). `a.X` must be the rows' view in that memory;
 * `a.y` (the targets) is copied into the block's target area; sample weights are used in place
 * when `a.sampleWeight` is the block's own view. Returns as {@link wasmEpoch}: -1, the row
 * holding NaN/Infinity, or {@link WASM_NO_MEMORY} when the block cannot be used in place
 * (nothing was changed; the caller then runs the in-memory epoch).
 */
export function wasmEpochPrepared(a: WasmEpochArgs, st: Float64Array, memory: WasmMemory, layout: PreparedLayout): number {
  const { X, y, sampleWeight: sw, n, d } = a;
  if (layout.n !== n || layout.d !== d || X.byteOffset !== layout.rows || !inMemory(X, memory)) return WASM_NO_MEMORY;
  let sws = NONE;
  if (sw !== null) {
    if (layout.sws < 0 || sw.byteOffset !== layout.sws || !inMemory(sw, memory)) return WASM_NO_MEMORY;
    sws = layout.sws;
  }
  const k = kernelFor(memory);
  if (k === null || memory.buffer.byteLength < layout.end) return WASM_NO_MEMORY;
  const F = new Float64Array(memory.buffer);
  F.set(st.subarray(0, 9), layout.st / 8);
  F.set(a.w, layout.w / 8);
  if (y.byteOffset !== layout.yi || !inMemory(y, memory)) F.set(y, layout.yi / 8);
  const bad = callEpoch(k, a, layout.rows, layout.yi, sws, NONE, n, layout.w, layout.st);
  a.w.set(F.subarray(layout.w / 8, layout.w / 8 + d));
  st.set(F.subarray(layout.st / 8, layout.st / 8 + 9));
  return bad;
}
