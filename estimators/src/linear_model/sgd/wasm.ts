/**
 * The WebAssembly module of the fast SGD path (estimators/wasm/sgd_epoch.wat: the epoch, the
 * decision function, the shuffle and its buckets, scatter/permute of rows) and the memories it runs in.
 * What the WebAssembly drivers (wasm_epoch.ts, wasm_decision.ts, shuffle.ts, prepared.ts) share
 * lives here: compiling the module once per thread, instantiating it once per memory, this
 * thread's own growable memory (warmed up once), shared memories for prepared blocks, and the
 * header every layout starts with.
 *
 * The module imports a shared memory, and is instantiated once per memory it works on:
 * - its own memory, for blocks given in memory (any SharedArrayBuffer or ArrayBuffer). A module
 *   reads only its memory, so rows are copied in (see wasm_epoch.ts);
 * - the memory of a prepared block (prepared.ts): a block read, permuted into visit order and
 *   stored in its own shared memory by another task, possibly on another thread, is trained on
 *   in place — no copy, rows read front to back.
 */
import { glibcPow } from './libm.js';
import { SGD_EPOCH_WASM_BASE64 } from './sgd_wasm_bytes.js';
import { WA, WASM_PAGE, compileBase64, instantiate, type WasmMemory } from '../../wasm_module.js';

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
  readonly seqperm: (ind: number, n: number, seed: number) => void;
  readonly seqbuckets: (order: number, n: number, shift: number, slot: number, visit: number, fill: number) => void;
  readonly decision: (rows: number, count: number, d: number, w: number, k: number, b: number, out: number) => number;
  /** glibc's exp (libm.ts's glibcExp, computed in the module: the log loss calls it per sample). */
  readonly exp: (x: number) => number;
}

const PAGE = WASM_PAGE;
/** Largest memory used (addresses stay below 2**31); larger blocks fall back to JavaScript. */
const MAX_BYTES = 2 ** 31 - PAGE;
const MAX_PAGES = MAX_BYTES / PAGE + 1;

let compiled: object | null | undefined;
const kernels = new WeakMap<WasmMemory, Kernel>();
let own: Kernel | null | undefined;

/** The compiled module (once per thread), or null where WebAssembly SIMD / shared memory is unavailable. */
function compiledModule(): object | null {
  if (compiled !== undefined) return compiled;
  compiled = compileBase64(SGD_EPOCH_WASM_BASE64);
  return compiled;
}

/** The module's functions over `memory` (instantiated once per memory), or null. */
export function kernelFor(memory: WasmMemory): Kernel | null {
  const hit = kernels.get(memory);
  if (hit !== undefined) return hit;
  const mod = compiledModule();
  if (mod === null) return null;
  const exports = instantiate(mod, { m: { log: Math.log, pow: glibcPow, memory } });
  if (exports === null) return null;
  const k = { ...(exports as unknown as Omit<Kernel, 'memory'>), memory } as Kernel;
  kernels.set(memory, k);
  return k;
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
export function ownKernel(): Kernel | null {
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
 * A kernel with at least `bytes` of memory for one computation: this thread's own when its
 * memory is that large already, else one over a memory made for the call, which the caller drops
 * afterwards (and reports with `noteDeadBytes`). For scratch needed once per block size (a
 * shuffle's permutation and buckets: 6 MB at 500k rows): grown into the own memory it would stay
 * for good — a WebAssembly memory never shrinks — 6 MB per thread for the rest of the run, at the
 * out-of-core fit's peak. Null where WebAssembly is unavailable or the memory cannot be had.
 */
export function scratchKernel(bytes: number): Kernel | null {
  const k = ownKernel();
  if (k === null || k.memory.buffer.byteLength >= bytes) return k;
  const memory = bytes > MAX_BYTES ? null : newSharedMemory(bytes);
  return memory === null ? null : kernelFor(memory);
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
  k.seqperm(SLOT, n, 1);
  k.seqbuckets(SLOT, n, 10, VISIT, RAW, STARTS);
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
export function ensureBytes(k: Kernel, bytes: number): boolean {
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

/** Returned by the WebAssembly drivers when the block does not fit in WebAssembly memory (nothing was changed: use JavaScript). */
export const WASM_NO_MEMORY = -2;

/** Sentinel for the kernel: rows are visited in storage order / every sample weight is 1 / no order wanted. */
export const NONE = -1;

/** Byte offset of the word {@link inMemory} writes its token to (bytes 96..103 and 108..115 hold pool.ts's recycling state). */
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
