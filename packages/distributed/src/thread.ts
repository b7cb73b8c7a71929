/**
 * The piscina entry of a `tessera worker` process: runs one job's batch on a worker thread. The
 * thread reads the batch's input blocks from the store, runs the batch with the scheduler's own
 * `runBatch` (kernels, module imports and errors exactly as on a local thread), writes each
 * returned result that holds typed arrays to the store under its deterministic key, and answers
 * with the serialized response. The process's main thread only talks to Redis, so BullMQ's lock
 * renewal is never starved by a long kernel.
 *
 * **Unwritten results.** A result that exactly one later batch reads (the engine says so: a
 * prepared block, read by its chain link) is not written when it is large: writing it cost as
 * much CPU as making it (an 89 MB block: 20–40 ms, most of it in the kernel). It is kept, marked
 * unwritten in its {@link BlockRef} (`u`), and the coordinator sends its reader to this process,
 * which takes it. Its job stays active in BullMQ until the reader's job completed (worker.ts), so
 * if this process dies before, the job is retried elsewhere and the result made again (a lineage
 * recompute by BullMQ's own stalled-job check). It is written after all ("spilled") when it was
 * not taken within {@link UNWRITTEN_KEEP_MS}, when the keep budget needs its room, or when the coordinator
 * asks (its reader must run elsewhere); the main thread hears of each spill and of each take.
 */
import { isMainThread, threadId, workerData } from 'node:worker_threads';
import { byteSize, noteDeadBytes, runBatch, type BatchRequest, type BatchResponse } from '@tessera/scheduler';
import { decode, encode, encodeParts, isBlockRef, makeMemoriesAhead, readValue, writeValue, type BlockRef, type Encoded } from './codec.js';
import { openStore, type BlockStore } from './store.js';
import { CONTROL_CHANNEL } from './keys.js';

/** One job, as the worker's main thread hands it over. */
export interface ThreadJob {
  readonly store: string;
  /** Store key of the request, or the serialized request itself. */
  readonly request: Uint8Array | { readonly key: string };
  /** Prefix of this job's result keys: `runs/<runId>/<jobId>`. */
  readonly resultPrefix: string;
  /** Results whose serialized form exceeds this go to the store even without typed arrays. */
  readonly inlineLimit: number;
  /** Bytes of results this thread keeps after writing them, for its own later jobs (see {@link keep}). */
  readonly keepBytes: number;
  /** Registration id of this worker process, written into the {@link BlockRef}s of its results (routing). */
  readonly worker: string;
  /** Indices of the returned results read by exactly one later batch (the engine's `readers`). */
  readonly single?: readonly number[];
  /** Such a result of at least this many bytes is kept unwritten (see the file's header); default never. */
  readonly unwrittenMin?: number;
  /** Threads of this process: a result kept in one thread's memory only may stay unwritten when 1. */
  readonly threads?: number;
}

const stores = new Map<string, BlockStore>();

function storeFor(url: string): BlockStore {
  let s = stores.get(url);
  if (!s) stores.set(url, (s = openStore(url)));
  return s;
}

/**
 * Results this process's threads wrote lately, by store key, oldest first. A later job whose input
 * is one of them *takes* it (once, in the whole process) instead of reading it back: the producing
 * job is over and nothing else holds the value, so the taker owns it exactly as if it had read it —
 * what a thread scheduler gives when a block's producer and consumer run in one process (a
 * prepared block's memory goes back to the pools of this process, and nothing is read back). A
 * result whose large buffers are all shared memory (a prepared block) is posted to the process's
 * other threads too (structured clone: the memory is shared, not copied), with one claim word
 * that decides which thread takes it. Any other reader, or a retry, reads the store. At most
 * `keepBytes` per thread, and only for two seconds (a block is consumed soon after it is made,
 * or elsewhere).
 */
interface Kept {
  readonly value: unknown;
  readonly bytes: number;
  /** {@link FREE} or {@link UNWRITTEN} until a thread takes the value (compare-and-swap to {@link TAKEN}). */
  readonly claim: Int32Array;
  /** This thread made it and has not written it: the frame to spill, and the store. */
  unwritten?: { readonly data: Encoded; readonly store: BlockStore };
}
/** Claim word states. FREE: written, may be taken. */
const FREE = 0;
const TAKEN = 1;
/** Not in the store: its taker settles the producer's job (worker.ts). */
const UNWRITTEN = 2;
/** Being written by its thread (a spill): a taker waits for FREE. */
const SPILLING = 3;
const kept = new Map<string, Kept>();
let keptBytes = 0;
const KEEP_MS = 2000;
/** An unwritten result is kept longer: its reader may wait for other inputs (it is written after that). */
const UNWRITTEN_KEEP_MS = 5000;
let keepLimit = Number((workerData as { keepBytes?: number } | null)?.keepBytes) || 0;

interface KeptMessage {
  readonly key: string;
  readonly value: unknown;
  readonly bytes: number;
  readonly claim: Int32Array;
}

/** On {@link CONTROL_CHANNEL}, a thread → main: an unwritten result was written (or failed to be). */
export interface SpilledMessage {
  readonly spilled: string;
  readonly error?: string;
}
/** Main → threads: write `flush` now (the coordinator sends its reader elsewhere); forget every result under `drop` (a dead run's). */
export interface ControlMessage {
  readonly flush?: string;
  readonly drop?: string;
}
interface BroadcastLike {
  postMessage(m: unknown): void;
  onmessage: ((e: { data: unknown }) => void) | null;
  unref?: () => void;
}
const Channel = (globalThis as unknown as { BroadcastChannel: new (name: string) => BroadcastLike }).BroadcastChannel;
// Worker threads listen from the start (a post reaches only the channels open at that time).
const channel: BroadcastLike | undefined = isMainThread ? undefined : new Channel('tessera:distributed-kept');
// A worker thread reads blocks in a stream: the memory of the next one is made ahead (codec.ts).
if (!isMainThread) makeMemoriesAhead(true);
if (channel) {
  channel.unref?.();
  channel.onmessage = (event) => {
    const m = event.data as KeptMessage;
    if (Atomics.load(m.claim, 0) !== TAKEN) keep(m.key, { value: m.value, bytes: m.bytes, claim: m.claim });
  };
}
const control: BroadcastLike | undefined = isMainThread ? undefined : new Channel(CONTROL_CHANNEL);
if (control) {
  control.unref?.();
  control.onmessage = (event) => {
    const m = event.data as ControlMessage;
    if (m.flush !== undefined) {
      const k = kept.get(m.flush);
      if (k?.unwritten) void spill(m.flush, k);
    }
    if (m.drop !== undefined)
      for (const [key, k] of kept) {
        if (!key.startsWith(m.drop)) continue;
        // Nobody will read it: neither taken nor written.
        if (k.unwritten) {
          Atomics.compareExchange(k.claim, 0, UNWRITTEN, TAKEN);
          k.unwritten = undefined;
        }
        drop(key);
      }
  };
}

/** `Atomics.waitAsync` (Node 16+; not in this project's TypeScript lib). */
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, ms: number): { value: unknown } }).waitAsync;

/** Spills under way in this thread: a reader that finds the key gone from `kept` waits for it. */
const spills = new Map<string, Promise<void>>();

/** Writes an unwritten result this thread kept (unless it was taken), and tells the main thread. */
function spill(key: string, k: Kept): Promise<void> {
  const un = k.unwritten;
  if (un === undefined || Atomics.compareExchange(k.claim, 0, UNWRITTEN, SPILLING) !== UNWRITTEN) return Promise.resolve();
  k.unwritten = undefined;
  const done = write(key, k, un).finally(() => spills.delete(key));
  spills.set(key, done);
  return done;
}

async function write(key: string, k: Kept, un: NonNullable<Kept['unwritten']>): Promise<void> {
  let error: string | undefined;
  try {
    await writeValue(un.store, key, un.data);
  } catch (e) {
    error = (e as Error).message;
  }
  // Written: the value may be taken as any written result (a failed write: by nobody).
  Atomics.store(k.claim, 0, error === undefined ? FREE : TAKEN);
  Atomics.notify(k.claim, 0);
  control?.postMessage({ spilled: key, ...(error === undefined ? {} : { error }) } satisfies SpilledMessage);
}

function drop(key: string): void {
  const k = kept.get(key);
  if (k === undefined) return;
  kept.delete(key);
  keptBytes -= k.bytes;
}

/** Keeps `entry` (false when it does not fit at all); older entries make room — unwritten ones are written first. */
function keep(key: string, entry: Kept): boolean {
  drop(key);
  if (!(entry.bytes > 0) || entry.bytes > keepLimit) return false;
  for (const [old, k] of kept) {
    if (keptBytes + entry.bytes <= keepLimit) break;
    if (k.unwritten) void spill(old, k);
    drop(old);
  }
  kept.set(key, entry);
  keptBytes += entry.bytes;
  setTimeout(
    () => {
      if (entry.unwritten) void spill(key, entry);
      if (kept.get(key) === entry) drop(key);
    },
    entry.unwritten ? UNWRITTEN_KEEP_MS : KEEP_MS,
  ).unref();
  return true;
}

/**
 * Keeps a result this thread just made, and offers it to the other threads when they can share
 * it. With `store`, it is not written: kept unwritten, or false when it does not fit.
 */
function offer(key: string, value: unknown, data: Encoded, store?: BlockStore): boolean {
  const claim = new Int32Array(new SharedArrayBuffer(4));
  const entry: Kept = { value, bytes: data.byteLength, claim, ...(store ? { unwritten: { data, store } } : {}) };
  if (store) Atomics.store(claim, 0, UNWRITTEN);
  if (!keep(key, entry)) return false;
  if (channel === undefined || !data.shared) return true;
  try {
    channel.postMessage({ key, value, bytes: entry.bytes, claim } satisfies KeptMessage);
  } catch {
    // Not clonable after all: the other threads read the store, so an unwritten one is written.
    if (!entry.unwritten) return true;
    entry.unwritten = undefined;
    Atomics.store(claim, 0, TAKEN);
    drop(key);
    return false;
  }
  return true;
}

/**
 * An input: taken from the results kept in this process, else read from the store. An unwritten
 * one taken is added to `took`; one being spilled is taken once written.
 */
async function input(store: BlockStore, key: string, took: string[]): Promise<unknown> {
  const k = kept.get(key);
  if (k === undefined) {
    await spills.get(key);
    return readValue(store, key);
  }
  drop(key);
  for (;;) {
    const state = Atomics.compareExchange(k.claim, 0, FREE, TAKEN);
    if (state === FREE) return k.value;
    if (state === UNWRITTEN) {
      if (Atomics.compareExchange(k.claim, 0, UNWRITTEN, TAKEN) !== UNWRITTEN) continue;
      k.unwritten = undefined;
      took.push(key);
      return k.value;
    }
    if (state !== SPILLING) return readValue(store, key);
    await waitAsync(k.claim, 0, SPILLING, 10_000).value;
  }
}

/** A job's answer: the serialized response, and the bytes of typed arrays in its results (for the worker's budget). */
export interface ThreadAnswer {
  readonly payload: Uint8Array;
  readonly bytes: number;
  /** Store keys this job wrote (its worker deletes them when the run turns out to be over). */
  readonly keys: readonly string[];
  /** Keys of results it kept unwritten (its job stays active until each is taken and its taker done, or written). */
  readonly unwritten: readonly string[];
  /** Keys of unwritten results (of other jobs) it took as inputs. */
  readonly took: readonly string[];
}

export default async function runJob(job: ThreadJob): Promise<ThreadAnswer> {
  const store = storeFor(job.store);
  keepLimit = job.keepBytes;
  const req = job.request instanceof Uint8Array ? decode<BatchRequest>(job.request) : await readValue<BatchRequest>(store, job.request.key);
  // Inputs kept in the store are read here, on the worker (straight into the memories they are
  // restored into): the coordinator never touches blocks.
  // Results another thread offered are posted before its job answered, so before this job was
  // sent; but the task may be dispatched first: a few turns of the event loop (at most ~1 ms)
  // take pending posts in.
  // Only inputs this process made can come that way (a thread's own are kept already), and only
  // with other threads. An unwritten one is in this process (the coordinator sends its reader
  // here): wait longer for its post (~50 ms at most), else it was written meanwhile.
  const missing = (unwrittenOnly: boolean) =>
    req.inputs.some(
      (v) =>
        isBlockRef(v) &&
        v.w === job.worker &&
        (!unwrittenOnly || v.u === 1) &&
        !kept.has(v.__tesseraBlock) &&
        !spills.has(v.__tesseraBlock),
    );
  for (let turn = 0; channel !== undefined && job.threads !== 1 && turn < 50 && missing(turn >= 4); turn++)
    await new Promise((resolve) => (turn < 3 ? setImmediate(resolve) : setTimeout(resolve, 1)));
  const took: string[] = [];
  const inputs = await Promise.all(req.inputs.map((v) => (isBlockRef(v) ? input(store, v.__tesseraBlock, took) : v)));
  const res = await runBatch({ ...req, inputs }, false);
  // What this job held dies with it (its inputs, its results but those kept): past a threshold,
  // a collection is requested, as the thread scheduler does after a batch. V8 does not count
  // the memory of restored blocks (WebAssembly memories) and would leave gigabytes of them dead.
  // Buffers a pool reuses (a prepared block's memory, released by its link) are not garbage.
  const dying: unknown[] = [...inputs];
  const died = () => {
    let bytes = 0;
    let pooled = 0;
    for (const v of dying) {
      const garbage = byteSize(v, true);
      bytes += garbage;
      pooled += byteSize(v) - garbage;
    }
    noteDeadBytes(bytes, pooled);
  };
  if (res.failed) {
    died();
    return { payload: encode(res), bytes: 0, keys: [], unwritten: [], took };
  }
  const keys: string[] = [];
  const unwritten: string[] = [];
  const results = await Promise.all(
    res.results.map(async (value, j) => {
      const bytes = byteSize(value);
      // The frame's parts are views of the result's own memories: written as they are, no copy.
      const data = encodeParts(value);
      if (bytes === 0 && data.byteLength <= job.inlineLimit) return value;
      // Deterministic key: a retried job writes the same key with the same bytes.
      const key = `${job.resultPrefix}-${j}`;
      const ref: BlockRef = { __tesseraBlock: key, bytes: bytes || data.byteLength, w: job.worker };
      // Not a result a task of this batch consumed too: that one may have changed it, or let its memory go.
      const slot = -req.returns[j]! - 1;
      const offered = !req.tasks.some((t) => t.r.includes(slot));
      if (
        offered &&
        job.single?.includes(j) &&
        data.byteLength >= (job.unwrittenMin ?? Infinity) &&
        (data.shared || job.threads === 1) &&
        offer(key, value, data, store)
      ) {
        unwritten.push(key);
        return { ...ref, u: 1 } satisfies BlockRef;
      }
      await writeValue(store, key, data);
      if (offered) offer(key, value, data);
      if (!kept.has(key)) dying.push(value);
      keys.push(key);
      return ref;
    }),
  );
  died();
  const out: BatchResponse = { ...res, results, thread: threadId };
  return { payload: encode(out), bytes: res.bytes.reduce((a, b) => a + b, 0), keys, unwritten, took };
}
