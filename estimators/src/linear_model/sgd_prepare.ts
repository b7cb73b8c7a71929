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
 * for the epoch ({@link preparedLayout}); the memory travels with the block (structured clone
 * shares it), and the link instantiates the epoch over it: no copy at all on the chain's critical
 * path. Preparing reads the block tile by tile (a read or the scaler's expression is evaluated
 * straight into the memory), scatters each tile's rows to their bucket's slots, then permutes
 * each bucket (a cache-sized range) into visit order — sequential reads and writes only, so the
 * 4 KiB-page random access of a plain shuffle never happens.
 *
 * Without shuffling, preparing only places the block in such a memory (so the link still skips
 * its copy). Multi-class problems with shuffling are not prepared: one-vs-rest draws one order
 * per class.
 */
import { isMainThread } from 'node:worker_threads';
import { DenseArray, allocate, isBlock, materialize, streamOf, type Block, type RowStream } from '@tessera/array';
import { noteDeadBytes, registerRecycledBuffers, requestGc } from '@tessera/scheduler';
import { InvalidInputError } from '../errors.js';
import { Random, bucketShuffle, rowsPerBucket } from '../random.js';
import { checkArray } from '../validation.js';
import { align64, chunkRows, keptDraws, kernelFor, newSharedMemory, preparedLayout, wasmBucketShuffle, type PreparedLayout, type WasmMemory } from './sgd_wasm.js';

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
  /** The shared WebAssembly memory holding the arrays (laid out as `preparedLayout` in sgd_wasm.ts), or null. */
  readonly memory: WasmMemory | null;
}

/** A block ready for `partialFit(X, y, { sampleWeight, prepared: hint })`. */
export interface PreparedBlock {
  readonly X: Block;
  readonly y: Block | null;
  readonly sampleWeight: Block | null;
  readonly hint: SGDPreparedHint;
}

/*
 * Recycling. A fresh 80 MB memory costs ~30 ms of page faults (4 KiB pages; V8 asks for no huge
 * pages), as much as the rest of the preparation's data movement. The out-of-core chain, where
 * each prepared block has exactly one consumer, asks for recycling: the memory's header carries
 * a state word, the link sets it to FREE once its partialFit is done (releasePrepared), and the
 * next block prepared on any thread reuses it: every thread's pool holds every pooled memory (a
 * new one is posted to the other threads on a BroadcastChannel), and the state word's
 * compare-and-swap decides which thread takes a FREE one — so the memories made are as many as
 * blocks in flight (the chain's lookahead keeps that at two or three), not that many per thread.
 * When the chain ends, its last link retires them (retirePrepared): every thread drops them and
 * collects. Otherwise idle memories are dropped after a second (a shorter wait dropped and
 * re-made memories within a run), their bytes reported dead so that a collection frees them (see
 * noteDeadBytes). Blocks prepared without `recycle` are never reused.
 */
const STATE_WORD = 24; // int32 index: byte 96 of the header, past the epoch's scalar state
const USED_WORD = 25; // byte 100: when the memory was last taken or released (Date.now(), low 31 bits), by any thread
const ID_WORD = 27; // byte 108: the memory's identity (each thread sees its own wrapper object of a shared memory)
const MAGIC_WORD = 28; // byte 112: POOL_MAGIC in every pooled memory (how the scheduler's test below knows one)
const POOL_MAGIC = 0x50535354; // 'TSSP'
const NOT_POOLED = 0;
const BUSY = 1;
const FREE = 2;
const RETIRED = 3;
const POOL_MAX = 4;
const POOL_IDLE_MS = 1000;
const CHANNEL = 'tessera:sgd-prepared-memories';

interface PoolEntry {
  readonly memory: WasmMemory;
  /** Its capacity. */
  readonly bytes: number;
}
const pool: PoolEntry[] = [];
let trimTimer: ReturnType<typeof setTimeout> | undefined;

function stateWords(memory: { readonly buffer: ArrayBufferLike }): Int32Array {
  return new Int32Array(memory.buffer, 0, MAGIC_WORD + 1);
}

const idOf = (memory: WasmMemory): number => Atomics.load(stateWords(memory), ID_WORD);

const clock = (): number => Date.now() & 0x7fffffff;

/** Marks a memory used now (shared: threads' performance.now() origins differ, Date.now() does not). */
function touchUsed(memory: WasmMemory): void {
  Atomics.store(stateWords(memory), USED_WORD, clock());
}

/** Milliseconds since any thread last took or released the memory. */
function idleMs(memory: WasmMemory): number {
  return (clock() - Atomics.load(stateWords(memory), USED_WORD)) & 0x7fffffff;
}

function scheduleTrim(): void {
  if (trimTimer !== undefined) return;
  trimTimer = setTimeout(() => {
    trimTimer = undefined;
    for (let i = pool.length - 1; i >= 0; i--) {
      const e = pool[i]!;
      if (idleMs(e.memory) >= POOL_IDLE_MS && Atomics.load(stateWords(e.memory), STATE_WORD) === FREE) {
        pool.splice(i, 1);
        noteDeadBytes(e.bytes);
      }
    }
    if (pool.length > 0) scheduleTrim();
  }, POOL_IDLE_MS);
  (trimTimer as { unref?: () => void }).unref?.();
}

type PoolMessage = { readonly kind: 'new'; readonly memory: WasmMemory } | { readonly kind: 'retire' };
interface BroadcastLike { postMessage(m: unknown): void; onmessage: ((e: { data: unknown }) => void) | null; unref?: () => void }
const Channel = (globalThis as unknown as { BroadcastChannel: new (name: string) => BroadcastLike }).BroadcastChannel;

let channel: BroadcastLike | undefined;

/** The channel pooled memories and retirements travel on (opened on first use; it never keeps a thread alive). */
function poolChannel(): BroadcastLike {
  if (channel !== undefined) return channel;
  channel = new Channel(CHANNEL);
  channel.unref?.();
  channel.onmessage = (event) => {
    const msg = event.data as PoolMessage;
    if (msg.kind === 'new') adopt(msg.memory);
    else retireFree();
  };
  return channel;
}

// Worker threads listen from the start: a memory posted before a thread opened the channel
// would never reach it (and that thread would make a memory of its own instead).
if (!isMainThread) poolChannel();

// A pooled memory in use or waiting for reuse is not garbage when a thread drops its handle: the
// scheduler should not collect for it. Each task that makes or consumes a prepared block used to
// request a collection (90 MB ≥ the 64 MB hint), one in four a full one that held the thread
// 15 ms before its next task — often the chain's next link. Retired memories count again.
registerRecycledBuffers((buffer) => {
  if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < 128) return false;
  const words = stateWords({ buffer });
  if (Atomics.load(words, MAGIC_WORD) !== POOL_MAGIC) return false;
  const state = Atomics.load(words, STATE_WORD);
  return state === BUSY || state === FREE;
});

/** Puts a memory another thread pooled (or a link released) into this thread's pool, if there is room. */
function adopt(memory: WasmMemory): void {
  const id = idOf(memory);
  if (pool.length >= POOL_MAX || pool.some((e) => idOf(e.memory) === id)) return;
  if (Atomics.load(stateWords(memory), STATE_WORD) === RETIRED) return;
  pool.push({ memory, bytes: memory.buffer.byteLength });
  scheduleTrim();
}

/** Forgets the retired memories of this thread's pool and has them collected. */
function dropRetired(): void {
  let dropped = 0;
  for (let i = pool.length - 1; i >= 0; i--) {
    if (Atomics.load(stateWords(pool[i]!.memory), STATE_WORD) === RETIRED) {
      dropped += pool[i]!.bytes;
      pool.splice(i, 1);
    }
  }
  if (dropped > 0) {
    noteDeadBytes(dropped);
    requestGc(true); // pooled memories are old objects: only a full collection frees them
  }
}

/**
 * Retires every released memory of the pools: called when the chain that recycled them ends, so
 * that they do not outlive it (up to a second, with the next phase's blocks). Each thread drops
 * them on the channel's message and collects.
 */
export function retirePrepared(): void {
  retireFree();
  poolChannel().postMessage({ kind: 'retire' } satisfies PoolMessage);
}

/** Retires the released memories of this thread's pool, then drops every retired one. */
function retireFree(): void {
  for (const e of pool) Atomics.compareExchange(stateWords(e.memory), STATE_WORD, FREE, RETIRED);
  dropRetired();
}

/** A shared memory of at least `bytes` for a prepared block: a released one from the pools when `recycle`, else a new one. */
function acquireMemory(bytes: number, recycle: boolean): WasmMemory | null {
  if (recycle) {
    poolChannel();
    for (const e of pool) {
      if (e.bytes >= bytes && Atomics.compareExchange(stateWords(e.memory), STATE_WORD, FREE, BUSY) === FREE) {
        touchUsed(e.memory);
        scheduleTrim();
        return e.memory;
      }
    }
  }
  const memory = newSharedMemory(bytes);
  if (memory === null || !recycle) return memory;
  Atomics.store(stateWords(memory), STATE_WORD, BUSY);
  Atomics.store(stateWords(memory), ID_WORD, (Math.random() * 0x7fffffff) | 1);
  Atomics.store(stateWords(memory), MAGIC_WORD, POOL_MAGIC);
  touchUsed(memory);
  if (pool.length >= POOL_MAX) {
    // Make room by forgetting the longest-idle released memory (busy ones stay with their links).
    let oldest = -1;
    for (let i = 0; i < pool.length; i++) {
      if (Atomics.load(stateWords(pool[i]!.memory), STATE_WORD) === FREE && (oldest < 0 || idleMs(pool[i]!.memory) > idleMs(pool[oldest]!.memory))) oldest = i;
    }
    if (oldest < 0) {
      Atomics.store(stateWords(memory), STATE_WORD, NOT_POOLED);
      return memory;
    }
    pool.splice(oldest, 1);
  }
  pool.push({ memory, bytes: memory.buffer.byteLength });
  scheduleTrim();
  poolChannel().postMessage({ kind: 'new', memory } satisfies PoolMessage);
  return memory;
}

/**
 * Marks a prepared block as consumed: when it was prepared with `recycle`, its memory may now be
 * reused for the next block prepared on the thread that made it. The block must not be used
 * afterwards.
 */
export function releasePrepared(hint: SGDPreparedHint | null | undefined): void {
  const memory = hint?.memory;
  if (memory === null || memory === undefined) return;
  touchUsed(memory);
  if (Atomics.compareExchange(stateWords(memory), STATE_WORD, BUSY, FREE) !== BUSY) return;
  // Adopt it (if the channel has not brought it yet): the next block prepared here may reuse it.
  adopt(memory);
}

/** Whether a value is a prepared block (as returned by an estimator's `prepareBlock`). */
export function isPreparedBlock(v: unknown): v is PreparedBlock {
  if (typeof v !== 'object' || v === null) return false;
  const h = (v as { hint?: { kind?: unknown } }).hint;
  return typeof h === 'object' && h !== null && typeof h.kind === 'string' && isBlock((v as { X?: unknown }).X);
}

/** The visit order of a shuffled epoch over n rows of d features seeded with `seed` (order[k]: the row visited k-th). */
export function visitOrder(n: number, d: number, seed: number): Int32Array {
  return wasmBucketShuffle(n, rowsPerBucket(d), new Random(seed), true)?.order?.slice() ?? bucketShuffle(n, rowsPerBucket(d), new Random(seed)).order;
}

/** Maps a row of a prepared block back to its row in the original block (identity when not permuted). */
export function originalRows(hint: SGDPreparedHint): ((k: number) => number) | null {
  if (hint.seed === null) return null;
  let order: Int32Array | undefined;
  const seed = hint.seed;
  return (k) => (order ??= visitOrder(hint.nSamples, hint.nFeatures, seed))[k]!;
}

/** A 1-D input (labels, weights) as its values: a block or inline recipe is read; arrays are used as they are. */
function vectorValues(v: unknown, n: number, name: string, caller: string): ArrayLike<number> {
  let out: ArrayLike<number>;
  if (Array.isArray(v)) out = v as number[];
  else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) out = v as unknown as ArrayLike<number>;
  else out = materialize(v).data as ArrayLike<number>;
  if (out.length !== n) throw new InvalidInputError(`${caller}: found input variables with inconsistent numbers of samples: X has ${n} rows but ${name} has ${out.length}.`);
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
  try {
    const n = s.rows;
    const d = s.cols;
    const yv = y === null || y === undefined ? null : vectorValues(y, n, 'y', caller);
    const swv = sampleWeight === null || sampleWeight === undefined ? null : vectorValues(sampleWeight, n, 'sampleWeight', caller);
    const prepared = n > 0 && inMemory(n, d) ? intoMemory(s, yv, swv, n, d, seed, recycle) : null;
    return prepared ?? intoBuffers(s, yv, swv, n, d, seed);
  } finally {
    s.close();
  }
}

function hintOf(n: number, d: number, seed: number | null, weighted: boolean, memory: WasmMemory | null): SGDPreparedHint {
  return { kind: 'sgd-rows', seed, nSamples: n, nFeatures: d, weighted, memory };
}

/** Prepares inside a new shared WebAssembly memory; null when one cannot be had. */
function intoMemory(s: RowStream, y: ArrayLike<number> | null, sw: ArrayLike<number> | null, n: number, d: number, seed: number | null, recycle: boolean): PreparedBlock | null {
  const layout: PreparedLayout = preparedLayout(n, d, sw !== null);
  const tile = Math.min(n, chunkRows(d));
  // The shuffle's draws (in WebAssembly when possible: views of this thread's kernel memory,
  // copied into the block's memory below before anything else uses that memory).
  const shuffle = seed === null ? null : keptDraws(n, rowsPerBucket(d), new Random(seed));
  // Preparation scratch past the epoch's part: bucket starts, then a staging area for one tile
  // (and, when permuting, for the largest bucket). The slots and visit order borrow the targets'
  // area, which the epoch fills only later.
  const nb = shuffle === null ? 0 : shuffle.bucketStart.length - 1;
  let maxBucket = 0;
  for (let b = 0; b < nb; b++) maxBucket = Math.max(maxBucket, shuffle!.bucketStart[b + 1]! - shuffle!.bucketStart[b]!);
  const STARTS = layout.end;
  const STAGE = align64(STARTS + (nb + 1) * 4);
  const stageBytes = shuffle === null ? 0 : Math.max(tile * d * 8, maxBucket * d * 8);
  const memory = acquireMemory(STAGE + stageBytes, recycle);
  if (memory === null) return null;
  const k = kernelFor(memory);
  if (k === null) {
    releasePrepared({ ...hintOf(n, d, seed, false, memory) });
    return null;
  }
  const F = new Float64Array(memory.buffer);
  const direct = s.dtype === 'float64';
  const ROWS = layout.rows;
  if (shuffle === null) {
    for (let a = 0; a < n; a += tile) {
      const b = Math.min(n, a + tile);
      const dst = F.subarray(ROWS / 8 + a * d, ROWS / 8 + b * d);
      if (direct) s.read(a, b, dst);
      else dst.set(s.read(a, b) as ArrayLike<number>);
    }
    if (y !== null) F.set(y, layout.ys / 8);
    if (sw !== null) F.set(sw, layout.sws / 8);
  } else {
    const I = new Int32Array(memory.buffer);
    const SLOTS = layout.yi;
    const VISIT = layout.yi + n * 4;
    I.set(shuffle.slot, SLOTS / 4);
    I.set(shuffle.visit, VISIT / 4);
    I.set(shuffle.bucketStart, STARTS / 4);
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
    const vector = (v: ArrayLike<number>, at: number) => {
      for (let a = 0; a < n; a += tile) {
        const b = Math.min(n, a + tile);
        F.set(sliceOf(v, a, b), STAGE / 8);
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
function intoBuffers(s: RowStream, y: ArrayLike<number> | null, sw: ArrayLike<number> | null, n: number, d: number, seed: number | null): PreparedBlock {
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
    const order = visitOrder(n, d, seed);
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
