/**
 * Driver of the WebAssembly SGD epoch (estimators/wasm/sgd_epoch.wat): moves rows into
 * WebAssembly memory and runs the pass there with f64x2 SIMD.
 *
 * The module imports a shared memory, and is instantiated once per memory it works on:
 * - its own memory, for blocks given in memory (any SharedArrayBuffer or ArrayBuffer). A module
 *   reads only its memory, so rows are copied in: without shuffling they stream through a small,
 *   cache-sized window (the memory stays about a MiB); with shuffling they are scattered once per
 *   epoch into their bucket-grouped slots (see {@link bucketShuffle}) — sequential reads, one
 *   write stream per bucket — and the memory grows to hold the whole block (it is kept for the
 *   next call: re-faulting fresh pages would cost more than the copy);
 * - the memory of a prepared block (sgd_prepare.ts): a block read, permuted into visit order and
 *   stored in its own shared memory by another task, possibly on another thread, is trained on
 *   in place — no copy, rows read front to back.
 *
 * Numerics: the same operations in the same order as the JavaScript epoch in sgd_fast.ts (the
 * dot product's additions stay left to right; SIMD computes the products and the update), and
 * exp/log/pow are JavaScript's own, so both give bit-identical results; both are tested against
 * scikit-learn's fixtures.
 */
import { SGD_EPOCH_WASM_BASE64 } from './sgd_wasm_bytes.js';
import type { RowStream } from '@tessera/array';
import { bucketShuffle, type Random } from '../random.js';

// The compiler's lib (ES2023, no DOM) has no WebAssembly types; these are the parts used here.
/** A WebAssembly.Memory (shared: its buffer is a SharedArrayBuffer, and it crosses threads by structured clone). */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

type EpochFn = (
  rows: number,
  ys: number,
  sws: number,
  visit: number,
  count: number,
  d: number,
  w: number,
  st: number,
  lossCode: number,
  lossParam: number,
  l2: number,
  alpha: number,
  lr: number,
  eta0: number,
  powerT: number,
  optimalInit: number,
  fitIntercept: number,
  interceptDecay: number,
  weightPos: number,
  weightNeg: number,
  trackLoss: number,
) => number;

/** The module's functions, bound to one memory. */
export interface Kernel {
  readonly memory: WasmMemory;
  readonly epoch: EpochFn;
  readonly touch: (at: number, bytes: number) => number;
  readonly scatter: (src: number, slots: number, count: number, d: number, dst: number) => void;
  readonly permute: (rows: number, visit: number, starts: number, b0: number, b1: number, d: number, scratch: number) => void;
  readonly draws: (n: number, nb: number, state: number, slot: number, visit: number, starts: number, raw: number, order: number) => void;
  readonly below: (state: number, x: number, bound: number) => number;
  readonly decision: (rows: number, count: number, d: number, w: number, k: number, b: number, out: number) => number;
}

const PAGE = 65536;
/** Largest memory used (addresses stay below 2**31); larger blocks fall back to JavaScript. */
const MAX_BYTES = 2 ** 31 - PAGE;
const MAX_PAGES = MAX_BYTES / PAGE + 1;

let compiled: object | null | undefined;
const kernels = new WeakMap<WasmMemory, Kernel>();
let own: Kernel | null | undefined;

/** The compiled module (once per thread), or null where WebAssembly SIMD / shared memory is unavailable. */
function compiledModule(): object | null {
  if (compiled !== undefined) return compiled;
  try {
    if (WA === undefined) throw new Error('no WebAssembly');
    const bin = atob(SGD_EPOCH_WASM_BASE64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    compiled = new WA.Module(bytes);
  } catch {
    compiled = null;
  }
  return compiled;
}

/** The module's functions over `memory` (instantiated once per memory), or null. */
export function kernelFor(memory: WasmMemory): Kernel | null {
  const hit = kernels.get(memory);
  if (hit !== undefined) return hit;
  const mod = compiledModule();
  if (mod === null || WA === undefined) return null;
  try {
    const instance = new WA.Instance(mod, { m: { exp: Math.exp, log: Math.log, pow: Math.pow, memory } });
    const k = { ...(instance.exports as unknown as Omit<Kernel, 'memory'>), memory } as Kernel;
    kernels.set(memory, k);
    return k;
  } catch {
    return null;
  }
}

/**
 * A new shared memory of at least `bytes` that cannot grow (a prepared block's), or null when
 * WebAssembly is unavailable, the size is beyond what the driver addresses, or the address space
 * for another memory cannot be reserved.
 */
export function newSharedMemory(bytes: number): WasmMemory | null {
  if (WA === undefined || compiledModule() === null || bytes > MAX_BYTES) return null;
  const pages = Math.max(1, Math.ceil(bytes / PAGE));
  try {
    return new WA.Memory({ initial: pages, maximum: pages, shared: true });
  } catch {
    return null;
  }
}

/** This thread's kernel over its own growable memory (for blocks given in memory), or null. */
function ownKernel(): Kernel | null {
  if (own !== undefined) return own;
  own = null;
  if (WA !== undefined && compiledModule() !== null) {
    try {
      own = kernelFor(new WA.Memory({ initial: 16, maximum: MAX_PAGES, shared: true }));
      if (own !== null) warmUp(own);
    } catch {
      own = null;
    }
  }
  return own;
}

/**
 * Runs each hot function briefly on scratch data (~2 ms, once per thread). V8 first runs
 * WebAssembly through its baseline compiler and recompiles a function with the optimizing one
 * after it has run for a while, for the calls after that: without this, a worker's first 80 MB
 * block is prepared and trained on with baseline code (~35 ms slower in all).
 */
function warmUp(k: Kernel): void {
  const d = 16;
  const rows = 2000;
  const SLOT = 4096;
  const n = 20000;
  const VISIT = SLOT + n * 4;
  const STARTS = VISIT + n * 4;
  const RAW = STARTS + 4096;
  const SRC = 1 << 18;
  const DST = 2 << 18;
  const YS = 3 << 18;
  const I = new Int32Array(k.memory.buffer);
  const F = new Float64Array(k.memory.buffer);
  I.set([0x9e3779b9, 0x243f6a88, 0x85a308d3, 0x13198a2e], RNG_STATE / 4);
  k.draws(n, 13, RNG_STATE, SLOT, VISIT, STARTS, RAW, NONE);
  for (let i = 0; i < rows; i++) I[SLOT / 4 + i] = rows - 1 - i;
  k.scatter(SRC, SLOT, rows, d, DST);
  I.set([0, rows >> 1, rows], STARTS / 4);
  k.permute(DST, SLOT, STARTS, 0, 2, d, SRC);
  k.touch(DST, rows * d * 8);
  F.fill(0.25, SRC / 8, SRC / 8 + rows * d);
  F.fill(1, YS / 8, YS / 8 + rows);
  for (let pass = 0; pass < 3; pass++) {
    F.fill(0, 0, 16 + d);
    F[3] = 1; // wscale
    k.epoch(SRC, YS, NONE, pass === 0 ? NONE : SLOT, rows, d, 128, 0, 0, 1, 1, 1e-4, 2, 0, 0.5, 1e4, 1, 1, 1, 1, 1);
  }
  F.fill(0, 0, (YS + rows * 8) / 8);
}

/** Whether the WebAssembly kernel can run here. */
export function wasmAvailable(): boolean {
  return ownKernel() !== null;
}

/** Grows the kernel's memory to `bytes`; false when that is not possible. */
function ensureBytes(k: Kernel, bytes: number): boolean {
  if (bytes > MAX_BYTES) return false;
  const have = k.memory.buffer.byteLength;
  if (have >= bytes) return true;
  try {
    k.memory.grow(Math.ceil((bytes - have) / PAGE));
    return true;
  } catch {
    return false; // out of memory: let the caller run the epoch in JavaScript
  }
}

export const align16 = (x: number): number => (x + 15) & ~15;
export const align64 = (x: number): number => (x + 63) & ~63;

/** Rows per streamed chunk: ~1 MiB of features, so the chunk stays in cache while the kernel reads it (measured best among 64 KiB–16 MiB). */
export function chunkRows(d: number): number {
  return Math.max(64, Math.floor(1048576 / (8 * d)));
}

/** Parameters of one epoch the kernel needs (a subset of sgd_fast.ts's EpochArgs). */
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

/** Returned by the epoch functions when the block does not fit in WebAssembly memory. */
export const WASM_NO_MEMORY = -2;

/** Sentinel for the kernel: rows are visited in storage order / every sample weight is 1 / no order wanted. */
const NONE = -1;

/** Byte offset of the generator state (four i32) in the header of every layout: past the epoch's scalar state (nine f64, then a scratch slot at byte 72), before the weights. */
const RNG_STATE = 80;
/** Byte offset of the word {@link inMemory} writes its token to (bytes 96..103 and 108..115 hold sgd_prepare.ts's recycling state). */
const TOKEN = 104;
let token = 0x2545f491;

/**
 * Whether `view` lies over `memory`. Not `view.buffer === memory.buffer`: V8 gives every shared
 * memory of a thread a new buffer object whenever one of them grows, so the identity of buffer
 * objects proves nothing; a fresh token written through the memory and read through the view does.
 */
export function inMemory(view: ArrayBufferView, memory: WasmMemory): boolean {
  const buf = view.buffer;
  if (buf === memory.buffer) return true;
  if (!(buf instanceof SharedArrayBuffer) || buf.byteLength !== memory.buffer.byteLength) return false;
  token = (Math.imul(token, 1664525) + 1013904223) | 0;
  new Int32Array(memory.buffer, TOKEN, 1)[0] = token;
  return new Int32Array(buf, TOKEN, 1)[0] === token;
}

/** Where {@link drawsInto} writes (byte offsets; `order` -1 for none). */
interface DrawsAt {
  readonly slot: number;
  readonly visit: number;
  readonly starts: number;
  readonly raw: number;
  readonly order: number;
}

/**
 * {@link bucketShuffle} (random.ts), draw for draw, in WebAssembly into `k`'s memory: slot,
 * visit and bucket starts (and order) at `at`. `rng` continues as if the JavaScript version had run.
 */
function drawsInto(k: Kernel, n: number, nb: number, rng: Random, at: DrawsAt): void {
  const I = new Int32Array(k.memory.buffer);
  rng.saveState(I, RNG_STATE / 4);
  k.draws(n, nb, RNG_STATE, at.slot, at.visit, at.starts, at.raw, at.order);
  rng.loadState(I, RNG_STATE / 4);
}

/** The bucket count of {@link bucketShuffle}. */
export function bucketCount(n: number, perBucket: number): number {
  return Math.max(1, Math.ceil(n / perBucket));
}

/**
 * {@link bucketShuffle} without `order`, computed in WebAssembly (bit-identical; several times
 * faster): views of this thread's kernel memory, valid until its next use. Null when unavailable.
 */
export function wasmBucketShuffle(n: number, perBucket: number, rng: Random, withOrder = false): { slot: Int32Array; visit: Int32Array; bucketStart: Int32Array; order: Int32Array | null } | null {
  const k = ownKernel();
  if (k === null) return null;
  const nb = bucketCount(n, perBucket);
  const SLOT = 128;
  const VISIT = SLOT + align16(n * 4);
  const STARTS = VISIT + align16(n * 4);
  const RAW = STARTS + align16((nb + 1) * 4);
  const ORDER = RAW + align16(n * 4);
  if (!ensureBytes(k, ORDER + (withOrder ? n * 4 : 0))) return null;
  drawsInto(k, n, nb, rng, { slot: SLOT, visit: VISIT, starts: STARTS, raw: RAW, order: withOrder ? ORDER : NONE });
  const buf = k.memory.buffer;
  return {
    slot: new Int32Array(buf, SLOT, n),
    visit: new Int32Array(buf, VISIT, n),
    bucketStart: new Int32Array(buf, STARTS, nb + 1),
    order: withOrder ? new Int32Array(buf, ORDER, n) : null,
  };
}

/** For tests: the kernel's Lemire step with a generator continuing from `rng` (advanced as the JavaScript one would be). */
export function wasmBelow(x: number, bound: number, rng: Random): number | null {
  const k = ownKernel();
  if (k === null) return null;
  const I = new Int32Array(k.memory.buffer);
  rng.saveState(I, RNG_STATE / 4);
  const r = k.below(RNG_STATE, x | 0, bound | 0) >>> 0;
  rng.loadState(I, RNG_STATE / 4);
  return r;
}

/** The last shuffle drawn on this thread (see {@link keptDraws}). */
let lastDraws: { n: number; perBucket: number; before: Int32Array; after: Int32Array; drawn: KeptDraws } | null = null;

/** A bucket shuffle's slots, visit order and bucket starts (see {@link bucketShuffle}). */
export interface KeptDraws {
  readonly slot: Int32Array;
  readonly visit: Int32Array;
  readonly bucketStart: Int32Array;
}

/**
 * {@link bucketShuffle}'s draws for n rows with `rng` (which advances as if they were drawn),
 * kept: partialFit re-seeds from randomState on every call, so blocks of one size draw the same
 * order again (~3 ms for 500k rows), and the last one is kept per thread (copies, ~8 bytes per
 * row), keyed by the generator's state before drawing. Drawn in WebAssembly where possible.
 */
export function keptDraws(n: number, perBucket: number, rng: Random): KeptDraws {
  const before = new Int32Array(4);
  rng.saveState(before);
  const hit = lastDraws;
  if (hit !== null && hit.n === n && hit.perBucket === perBucket && hit.before.every((v, i) => v === before[i])) {
    rng.loadState(hit.after);
    return hit.drawn;
  }
  const d = wasmBucketShuffle(n, perBucket, rng) ?? bucketShuffle(n, perBucket, rng, undefined, false);
  const after = new Int32Array(4);
  rng.saveState(after);
  const drawn = { slot: d.slot.slice(), visit: d.visit.slice(), bucketStart: d.bucketStart.slice() };
  lastDraws = { n, perBucket, before, after, drawn };
  return drawn;
}

function callEpoch(k: Kernel, a: WasmEpochArgs, rows: number, ys: number, sws: number, visit: number, count: number, w: number, st: number): number {
  return k.epoch(rows | 0, ys | 0, sws | 0, visit | 0, count, a.d, w, st, a.lossCode, a.lossParam, a.l2 ? 1 : 0, a.alpha, a.lr, a.eta0, a.powerT, a.optimalInit, a.fitIntercept ? 1 : 0, a.interceptDecay, a.weightPos, a.weightNeg, a.trackLoss ? 1 : 0);
}

/**
 * Runs one epoch in WebAssembly over a block given in memory, shuffled with `rng` (drawing the
 * order of {@link bucketShuffle} in WebAssembly; `rng` advances as it would there) or in row order
 * when `rng` is null. `st` is the scalar state of sgd_fast.ts (slots 0 intercept, 2 t, 3 wscale,
 * 7 eta, 8 sumloss), read and written back; `w` is updated in place. Returns -1, the row (index
 * into X) holding NaN/Infinity that stopped the pass, or {@link WASM_NO_MEMORY} (nothing was
 * changed, `rng` included).
 */
export function wasmEpoch(a: WasmEpochArgs, st: Float64Array, rng: Random | null, perBucket: number): number {
  const k = ownKernel();
  if (k === null) return WASM_NO_MEMORY;
  const { X, y, sampleWeight: sw, n, d } = a;
  const ST = 0;
  const W = 128;
  const shuffled = rng !== null;
  const nb = shuffled ? bucketCount(n, perBucket) : 0;
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
  // Drawn before anything is written here: drawing uses this kernel's memory as scratch.
  const drawn = shuffled ? keptDraws(n, perBucket, rng) : null;
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
 * linearDecision (base_sgd.ts) in WebAssembly, bit-identical: `out[i * k + c]` = row i of X (n × d)
 * · row c of `coef` (k × d) + `intercept[c]`. Rows already in this thread's kernel memory (past
 * the window) are read in place; others stream through a cache-sized window of it. Returns -1, the first row whose
 * score is not finite, or {@link WASM_NO_MEMORY} (nothing written: use JavaScript).
 */
export function wasmDecision(X: Float64Array, n: number, d: number, coef: Float64Array, intercept: Float64Array, k: number, out: Float64Array): number {
  const kern = ownKernel();
  if (kern === null) return WASM_NO_MEMORY;
  const W = 128;
  const B = W + align16(k * d * 8);
  const OUT = B + align16(k * 8);
  const chunk = Math.min(n, chunkRows(d));
  const ROWS = align64(OUT + align16(chunk * k * 8));
  const inPlace = inMemory(X, kern.memory) && X.byteOffset >= ROWS;
  if (!ensureBytes(kern, inPlace ? ROWS : ROWS + chunk * d * 8)) return WASM_NO_MEMORY;
  const F = new Float64Array(kern.memory.buffer);
  F.set(coef.subarray(0, k * d), W / 8);
  F.set(intercept.subarray(0, k), B / 8);
  for (let a = 0; a < n; a += chunk) {
    const cnt = Math.min(chunk, n - a);
    let rows = X.byteOffset + a * d * 8;
    if (!inPlace) {
      F.set(X.subarray(a * d, (a + cnt) * d), ROWS / 8);
      rows = ROWS;
    }
    const bad = kern.decision(rows, cnt, d, W, k, B, OUT);
    if (bad >= 0) return a + bad;
    out.set(F.subarray(OUT / 8, OUT / 8 + cnt * k), a * k);
  }
  return -1;
}

/**
 * The decision values of a row stream, a tile at a time, in this thread's kernel memory: each
 * tile is evaluated straight into the memory (`RowStream.readInto`: a read, or the scaler's
 * expression over a read, lands where the kernel reads it — no copy between memories), then
 * scored there. `tile(rows, a, count, scores, bad)` receives, per tile, views of its rows and of
 * its scores (k per row; valid during the call) and the first row whose score is not finite
 * (-1: none; its scores from that row on are not computed). Returns false, having called nothing,
 * when the stream cannot be evaluated into the memory (not float64, an expression WebAssembly does
 * not cover) or WebAssembly is unavailable.
 */
export function wasmStreamDecision(
  s: RowStream,
  coef: Float64Array,
  intercept: Float64Array,
  k: number,
  tile: (rows: Float64Array, a: number, count: number, scores: Float64Array, bad: number) => void,
): boolean {
  const kern = ownKernel();
  if (kern === null) return false;
  const n = s.rows;
  const d = s.cols;
  const W = 128;
  const B = W + align16(k * d * 8);
  const OUT = B + align16(k * 8);
  const chunk = Math.max(1, Math.min(n, chunkRows(d)));
  const ROWS = align64(OUT + align16(chunk * k * 8));
  const SCRATCH = align64(ROWS + chunk * d * 8);
  // Room for the expression's inputs: a tile of rows and its constants, with slack for alignment.
  const scratchBytes = chunk * d * 8 + 4 * d * 8 + 4096;
  if (!ensureBytes(kern, SCRATCH + scratchBytes)) return false;
  const F = new Float64Array(kern.memory.buffer);
  F.set(coef.subarray(0, k * d), W / 8);
  F.set(intercept.subarray(0, k), B / 8);
  const target = { memory: kern.memory, out: ROWS, scratch: SCRATCH, scratchBytes };
  for (let a = 0; a < n; a += chunk) {
    const cnt = Math.min(chunk, n - a);
    if (!s.readInto(target, a, a + cnt)) {
      if (a === 0) return false;
      throw new Error(`wasmStreamDecision: the stream stopped evaluating into memory at row ${a}.`);
    }
    const bad = kern.decision(ROWS, cnt, d, W, k, B, OUT);
    tile(F.subarray(ROWS / 8, ROWS / 8 + cnt * d), a, cnt, F.subarray(OUT / 8, OUT / 8 + cnt * k), bad);
  }
  return true;
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
