/**
 * Driver of the WebAssembly SGD epoch (estimators/wasm/sgd_epoch.wat): copies rows into the
 * module's memory and runs the pass there with f64x2 SIMD.
 *
 * Why a copy: a WebAssembly module can only read its own memory, and blocks live in their own
 * SharedArrayBuffers. Without shuffling, rows stream through a small, cache-sized window (the
 * module's memory stays about a MiB). With shuffling, rows are scattered once per epoch
 * into their bucket-grouped slots (see {@link bucketShuffle}) — sequential reads, so it costs
 * about a memcpy — and the module's memory grows to hold the whole block (it is kept for the
 * next call: re-faulting fresh pages would cost more than the copy).
 *
 * Numerics: the same operations in the same order as the JavaScript epoch in sgd_fast.ts (the
 * dot product's additions stay left to right; SIMD computes the products and the update), and
 * exp/log/pow are JavaScript's own, so both give bit-identical results; both are tested against
 * scikit-learn's fixtures.
 */
import { SGD_EPOCH_WASM_BASE64 } from './sgd_wasm_bytes.js';
import type { BucketShuffle } from '../random.js';

// The compiler's lib (ES2023, no DOM) has no WebAssembly types; these are the parts used here.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
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

interface Kernel {
  readonly memory: WasmMemory;
  readonly epoch: EpochFn;
  readonly touch: (at: number, bytes: number) => number;
  readonly scatter: (src: number, slots: number, count: number, d: number, dst: number) => void;
}

let kernel: Kernel | null | undefined;

/** The instantiated module, or null where WebAssembly SIMD is unavailable. */
function getKernel(): Kernel | null {
  if (kernel !== undefined) return kernel;
  try {
    const bin = atob(SGD_EPOCH_WASM_BASE64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    if (WA === undefined) throw new Error('no WebAssembly');
    const instance = new WA.Instance(new WA.Module(bytes), { m: { exp: Math.exp, log: Math.log, pow: Math.pow } });
    kernel = instance.exports as unknown as Kernel;
  } catch {
    kernel = null;
  }
  return kernel;
}

/** Whether the WebAssembly kernel can run here. */
export function wasmAvailable(): boolean {
  return getKernel() !== null;
}

/** Largest memory the driver uses (addresses stay below 2**31); larger blocks fall back to JavaScript. */
const MAX_BYTES = 2 ** 31 - 65536;

/** Grows the module's memory to `bytes`; false when that is not possible. */
function ensureBytes(k: Kernel, bytes: number): boolean {
  if (bytes > MAX_BYTES) return false;
  const have = k.memory.buffer.byteLength;
  if (have >= bytes) return true;
  try {
    k.memory.grow(Math.ceil((bytes - have) / 65536));
    return true;
  } catch {
    return false; // out of memory: let the caller run the epoch in JavaScript
  }
}

const align16 = (x: number): number => (x + 15) & ~15;

/** Rows per streamed chunk: ~1 MiB of features, so the chunk stays in cache while the kernel reads it (measured best among 64 KiB–16 MiB). */
function chunkRows(d: number): number {
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

/** Returned by {@link wasmEpoch} when the block does not fit in the module's memory. */
export const WASM_NO_MEMORY = -2;

/**
 * Runs one epoch in WebAssembly. `st` is the scalar state of sgd_fast.ts (slots 0 intercept,
 * 2 t, 3 wscale, 7 eta, 8 sumloss), read and written back; `w` is updated in place. Returns -1,
 * the row (index into X) holding NaN/Infinity that stopped the pass, or {@link WASM_NO_MEMORY}
 * (nothing was changed).
 */
export function wasmEpoch(a: WasmEpochArgs, st: Float64Array, shuffle: BucketShuffle | null): number {
  const k = getKernel()!;
  const { X, y, sampleWeight: sw, n, d } = a;
  const ST = 0;
  const W = 128;
  const VIS = W + align16(d * 8);
  const rowsCap = shuffle === null ? Math.min(n, chunkRows(d)) : n;
  // Shuffled epochs stream X through a chunk-sized staging area on its way to the slots.
  const stageRows = shuffle === null ? 0 : Math.min(n, chunkRows(d));
  const SLOTS = VIS + align16(rowsCap * 4);
  const STAGE = SLOTS + align16(stageRows * 4);
  const ROWS = STAGE + align16(stageRows * d * 8);
  const YS = ROWS + align16(rowsCap * d * 8);
  const SWS = YS + align16(rowsCap * 8);
  if (!ensureBytes(k, SWS + align16(rowsCap * 8))) return WASM_NO_MEMORY;
  const buf = k.memory.buffer;
  const F = new Float64Array(buf);
  const I = new Int32Array(buf);
  F.set(st.subarray(0, 9), ST / 8);
  F.set(a.w, W / 8);
  const call = (visitCount: number, visitAt = VIS): number =>
    k.epoch(ROWS, YS, SWS, visitAt, visitCount, d, W, ST, a.lossCode, a.lossParam, a.l2 ? 1 : 0, a.alpha, a.lr, a.eta0, a.powerT, a.optimalInit, a.fitIntercept ? 1 : 0, a.interceptDecay, a.weightPos, a.weightNeg, a.trackLoss ? 1 : 0);

  let bad = -1;
  if (shuffle === null) {
    for (let r = 0; r < rowsCap; r++) I[VIS / 4 + r] = r;
    if (sw === null) F.fill(1, SWS / 8, SWS / 8 + rowsCap);
    for (let start = 0; start < n && bad < 0; start += rowsCap) {
      const cnt = Math.min(rowsCap, n - start);
      F.set(X.subarray(start * d, (start + cnt) * d), ROWS / 8);
      F.set(y.subarray(start, start + cnt), YS / 8);
      if (sw !== null) F.set(sw.subarray(start, start + cnt), SWS / 8);
      const r = call(cnt);
      if (r >= 0) bad = start + r;
    }
  } else {
    const slot = shuffle.slot;
    const sws0 = SWS / 8;
    if (sw === null) F.fill(1, sws0, sws0 + n);
    for (let start = 0; start < n; start += stageRows) {
      const cnt = Math.min(stageRows, n - start);
      I.set(slot.subarray(start, start + cnt), SLOTS / 4);
      F.set(X.subarray(start * d, (start + cnt) * d), STAGE / 8);
      k.scatter(STAGE, SLOTS, cnt, d, ROWS);
      F.set(y.subarray(start, start + cnt), STAGE / 8);
      k.scatter(STAGE, SLOTS, cnt, 1, YS);
      if (sw !== null) {
        F.set(sw.subarray(start, start + cnt), STAGE / 8);
        k.scatter(STAGE, SLOTS, cnt, 1, SWS);
      }
    }
    I.set(shuffle.visit, VIS / 4);
    // Bucket by bucket: pull the bucket's rows into cache with one sequential read, then visit
    // them in their random order.
    const starts = shuffle.bucketStart;
    for (let b = 0; b + 1 < starts.length && bad < 0; b++) {
      const lo = starts[b]!;
      const cnt = starts[b + 1]! - lo;
      if (cnt === 0) continue;
      k.touch(ROWS + lo * d * 8, cnt * d * 8);
      const r = call(cnt, VIS + lo * 4);
      if (r >= 0) bad = slot.indexOf(shuffle.visit[lo + r]!); // the row stored at that slot
    }
  }
  a.w.set(F.subarray(W / 8, W / 8 + d));
  st.set(F.subarray(ST / 8, ST / 8 + 9));
  return bad;
}
