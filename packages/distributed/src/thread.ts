/**
 * The piscina entry of a `tessera worker` process: runs one job's batch on a worker thread. The
 * thread reads the batch's input blocks from the store, runs the batch with the scheduler's own
 * `runBatch` (kernels, module imports and errors exactly as on a local thread), writes each
 * returned result that holds typed arrays to the store under its deterministic key, and answers
 * with the serialized response. The process's main thread only talks to Redis, so BullMQ's lock
 * renewal is never starved by a long kernel.
 */
import { isMainThread, threadId, workerData } from 'node:worker_threads';
import { byteSize, noteDeadBytes, runBatch, type BatchRequest, type BatchResponse } from '@tessera/scheduler';
import { decode, encode, encodeParts, isBlockRef, makeMemoriesAhead, readValue, writeValue, type BlockRef, type Encoded } from './codec.js';
import { openStore, type BlockStore } from './store.js';

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
  /** 0 until a thread takes the value (compare-and-swap to 1). */
  readonly claim: Int32Array;
}
const kept = new Map<string, Kept>();
let keptBytes = 0;
const KEEP_MS = 2000;
let keepLimit = Number((workerData as { keepBytes?: number } | null)?.keepBytes) || 0;

interface KeptMessage {
  readonly key: string;
  readonly value: unknown;
  readonly bytes: number;
  readonly claim: Int32Array;
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
    if (Atomics.load(m.claim, 0) === 0) keep(m.key, { value: m.value, bytes: m.bytes, claim: m.claim });
  };
}

function drop(key: string): void {
  const k = kept.get(key);
  if (k === undefined) return;
  kept.delete(key);
  keptBytes -= k.bytes;
}

function keep(key: string, entry: Kept): void {
  drop(key);
  if (!(entry.bytes > 0) || entry.bytes > keepLimit) return;
  for (const old of kept.keys()) {
    if (keptBytes + entry.bytes <= keepLimit) break;
    drop(old);
  }
  kept.set(key, entry);
  keptBytes += entry.bytes;
  setTimeout(() => kept.get(key) === entry && drop(key), KEEP_MS).unref();
}

/** Keeps a result this thread just wrote, and offers it to the other threads when they can share it. */
function offer(key: string, value: unknown, data: Encoded): void {
  const entry: Kept = { value, bytes: data.byteLength, claim: new Int32Array(new SharedArrayBuffer(4)) };
  keep(key, entry);
  if (channel === undefined || !data.shared || !kept.has(key)) return;
  try {
    channel.postMessage({ key, value, bytes: entry.bytes, claim: entry.claim } satisfies KeptMessage);
  } catch {
    // Not clonable after all: the other threads read the store.
  }
}

/** An input: taken from the results kept in this process, else read from the store. */
function input(store: BlockStore, key: string): unknown {
  const k = kept.get(key);
  if (k === undefined) return readValue(store, key);
  drop(key);
  return Atomics.compareExchange(k.claim, 0, 0, 1) === 0 ? k.value : readValue(store, key);
}

/** A job's answer: the serialized response, and the bytes of typed arrays in its results (for the worker's budget). */
export interface ThreadAnswer {
  readonly payload: Uint8Array;
  readonly bytes: number;
  /** Store keys this job wrote (its worker deletes them when the run turns out to be over). */
  readonly keys: readonly string[];
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
  const missing = () => req.inputs.some((v) => isBlockRef(v) && !kept.has(v.__tesseraBlock));
  for (let turn = 0; channel !== undefined && turn < 4 && missing(); turn++)
    await new Promise((resolve) => (turn < 3 ? setImmediate(resolve) : setTimeout(resolve, 1)));
  const inputs = await Promise.all(req.inputs.map((v) => (isBlockRef(v) ? input(store, v.__tesseraBlock) : v)));
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
    return { payload: encode(res), bytes: 0, keys: [] };
  }
  const keys: string[] = [];
  const results = await Promise.all(
    res.results.map(async (value, j) => {
      const bytes = byteSize(value);
      // The frame's parts are views of the result's own memories: written as they are, no copy.
      const data = encodeParts(value);
      if (bytes === 0 && data.byteLength <= job.inlineLimit) return value;
      // Deterministic key: a retried job writes the same key with the same bytes.
      const ref: BlockRef = { __tesseraBlock: `${job.resultPrefix}-${j}`, bytes: bytes || data.byteLength, w: job.worker };
      await writeValue(store, ref.__tesseraBlock, data);
      // Not a result a task of this batch consumed too: that one may have changed it, or let its memory go.
      const slot = -req.returns[j]! - 1;
      if (!req.tasks.some((t) => t.r.includes(slot))) offer(ref.__tesseraBlock, value, data);
      if (!kept.has(ref.__tesseraBlock)) dying.push(value);
      keys.push(ref.__tesseraBlock);
      return ref;
    }),
  );
  died();
  const out: BatchResponse = { ...res, results, thread: threadId };
  return { payload: encode(out), bytes: res.bytes.reduce((a, b) => a + b, 0), keys };
}
