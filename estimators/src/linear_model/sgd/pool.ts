/**
 * The memory pool of prepared blocks (prepared.ts): shared WebAssembly memories reused from block
 * to block, a state word in each memory's header saying who may use it (BUSY / FREE / RETIRED),
 * and what the scheduler is told about them (a pool of its own, see `createBufferPool` in
 * @tessera/scheduler) so that it neither collects for a memory in use nor forgets one let go.
 *
 * Recycling. A fresh 80 MB memory costs ~30 ms of page faults (4 KiB pages; V8 asks for no huge
 * pages), as much as the rest of the preparation's data movement. The out-of-core chain, where
 * each prepared block has exactly one consumer, asks for recycling: the memory's header carries
 * a state word, the link sets it to FREE once its partialFit is done (releaseMemory), and the
 * next block prepared on any thread reuses it: every thread's pool holds every pooled memory, and
 * the state word's compare-and-swap decides which thread takes a FREE one — so the memories made
 * are as many as blocks in flight (the chain's lookahead keeps that at two), not that many per
 * thread. Memories travel on a BroadcastChannel: a new one is posted when made and again when
 * released; a thread opening the channel says hello and the others post their free ones; and a
 * thread about to make a memory first takes the messages waiting for it (its event loop may not
 * have turned since).
 * When the chain ends, its last link retires them (retireMemories): every thread drops them and
 * collects. Otherwise idle memories are dropped after a second (a shorter wait dropped and
 * re-made memories within a run), their bytes reported to the scheduler so that a collection frees
 * them. Blocks prepared without `recycle` are never reused.
 */
import { isMainThread, receiveMessageOnPort } from 'node:worker_threads';
import { createBufferPool } from '@tessera/scheduler';
import type { WasmMemory } from '../../wasm_module.js';
import { newSharedMemory } from './wasm.js';

const STATE_WORD = 24; // int32 index: byte 96 of the header, past the epoch's scalar state
const USED_WORD = 25; // byte 100: when the memory was last taken or released (Date.now(), low 31 bits), by any thread
const ID_WORD = 27; // byte 108: the memory's identity (each thread sees its own wrapper object of a shared memory)
const MAGIC_WORD = 28; // byte 112: POOL_MAGIC in every pooled memory (how `isPooled` below knows one)
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

// A pooled memory in use or waiting for reuse is not garbage when a thread drops its handle: the
// scheduler should not collect for it. Each task that makes or consumes a prepared block used to
// request a collection (90 MB ≥ the 64 MB hint), one in four a full one that held the thread
// 15 ms before its next task — often the chain's next link. Retired memories count again.
const schedulerPool = createBufferPool({
  name: 'sgd-prepared-blocks',
  isPooled: (buffer) => {
    if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < 128) return false;
    const words = stateWords({ buffer });
    if (Atomics.load(words, MAGIC_WORD) !== POOL_MAGIC) return false;
    const state = Atomics.load(words, STATE_WORD);
    return state === BUSY || state === FREE;
  },
});

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
        schedulerPool.dropped(e.bytes);
      }
    }
    if (pool.length > 0) scheduleTrim();
  }, POOL_IDLE_MS);
  (trimTimer as { unref?: () => void }).unref?.();
}

type PoolMessage = { readonly kind: 'new'; readonly memory: WasmMemory } | { readonly kind: 'retire' } | { readonly kind: 'hello' };
interface BroadcastLike {
  postMessage(m: unknown): void;
  onmessage: ((e: { data: unknown }) => void) | null;
  unref?: () => void;
}
const Channel = (globalThis as unknown as { BroadcastChannel: new (name: string) => BroadcastLike }).BroadcastChannel;

let channel: BroadcastLike | undefined;

/** The channel pooled memories and retirements travel on (opened on first use; it never keeps a thread alive). */
function poolChannel(): BroadcastLike {
  if (channel !== undefined) return channel;
  channel = new Channel(CHANNEL);
  channel.unref?.();
  channel.onmessage = (event) => onPoolMessage(event.data as PoolMessage);
  // Memories pooled before this thread opened the channel never reached it: the others post theirs
  // again. Without it, a worker that loaded this module 10–20 ms after the first one never knew the
  // first one's memory, and made a third 89 MB memory (peak RSS 360 MB instead of 278 at 10M rows
  // in one run in three).
  channel.postMessage({ kind: 'hello' } satisfies PoolMessage);
  return channel;
}

function onPoolMessage(msg: PoolMessage): void {
  if (msg.kind === 'new') adopt(msg.memory);
  else if (msg.kind === 'hello') announcePool();
  else retireFree();
}

/**
 * Posts this thread's free memories again, for a thread that just opened the channel (one in use
 * is posted again when it is released).
 */
function announcePool(): void {
  for (const e of pool) {
    if (Atomics.load(stateWords(e.memory), STATE_WORD) === FREE)
      channel!.postMessage({ kind: 'new', memory: e.memory } satisfies PoolMessage);
  }
}

/**
 * Handles the pool messages waiting for this thread now, without waiting for its event loop: a
 * thread going from task to task may not have turned it since another thread pooled a memory.
 */
function drainPoolMessages(): void {
  const c = poolChannel();
  for (let m = receiveMessageOnPort(c as never); m !== undefined; m = receiveMessageOnPort(c as never))
    onPoolMessage(m.message as PoolMessage);
}

// Worker threads listen from the start, so that few memories have to be posted again for them.
if (!isMainThread) poolChannel();

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
  schedulerPool.retired(dropped);
}

/**
 * Retires every released memory of the pools: called when the chain that recycled them ends, so
 * that they do not outlive it (up to a second, with the next phase's blocks). Each thread drops
 * them on the channel's message and collects.
 */
export function retireMemories(): void {
  retireFree();
  poolChannel().postMessage({ kind: 'retire' } satisfies PoolMessage);
}

/** Retires the released memories of this thread's pool, then drops every retired one. */
function retireFree(): void {
  for (const e of pool) Atomics.compareExchange(stateWords(e.memory), STATE_WORD, FREE, RETIRED);
  dropRetired();
}

/** A shared memory of at least `bytes` for a prepared block: a released one from the pools when `recycle`, else a new one. */
export function acquireMemory(bytes: number, recycle: boolean): WasmMemory | null {
  if (recycle) {
    drainPoolMessages();
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
      if (
        Atomics.load(stateWords(pool[i]!.memory), STATE_WORD) === FREE &&
        (oldest < 0 || idleMs(pool[i]!.memory) > idleMs(pool[oldest]!.memory))
      )
        oldest = i;
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
 * Marks a pooled memory as consumed (a prepared block's, once its partialFit is done): it may now
 * be reused for the next block prepared on any thread. Memories that are not pooled are ignored.
 */
export function releaseMemory(memory: WasmMemory | null | undefined): void {
  if (memory === null || memory === undefined) return;
  touchUsed(memory);
  if (Atomics.compareExchange(stateWords(memory), STATE_WORD, BUSY, FREE) !== BUSY) return;
  // Adopt it (if the channel has not brought it yet): the next block prepared here may reuse it.
  adopt(memory);
  // And tell every thread again, now that it is free: a thread that opened the pool after the
  // memory was made learns of it here, without waiting for the maker's event loop to answer its
  // hello (at 100M rows from a cold disk a preparation keeps a thread busy for 100 ms).
  poolChannel().postMessage({ kind: 'new', memory } satisfies PoolMessage);
}
