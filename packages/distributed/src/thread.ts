/**
 * The piscina entry of a `tessera worker` process: runs one job's batch on a worker thread. The
 * thread reads the batch's input blocks from the store, runs the batch with the scheduler's own
 * `runBatch` (kernels, module imports and errors exactly as on a local thread), writes each
 * returned result that holds typed arrays to the store under its deterministic key, and answers
 * with the serialized response. The process's main thread only talks to Redis, so BullMQ's lock
 * renewal is never starved by a long kernel.
 */
import { threadId } from 'node:worker_threads';
import { byteSize, runBatch, type BatchRequest, type BatchResponse } from '@tessera/scheduler';
import { decode, encode, encodeParts, isBlockRef, readValue, writeValue, type BlockRef } from './codec.js';
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
}

const stores = new Map<string, BlockStore>();

function storeFor(url: string): BlockStore {
  let s = stores.get(url);
  if (!s) stores.set(url, (s = openStore(url)));
  return s;
}

/**
 * Results this thread wrote lately, by store key, oldest first. A later job of this thread whose
 * input is one of them *takes* it (once) instead of reading it back: the producing job is over and
 * nothing else in the process holds the value, so the taker owns it exactly as if it had been
 * read — what a thread scheduler gives when a block's producer and consumer share a thread (a
 * prepared block's memory then goes back to its pool on this thread, and nothing is read back).
 * Any other reader, or a retry, reads the store. At most `keepBytes`, and only for two seconds (a
 * block is consumed soon after it is made, or elsewhere).
 */
const kept = new Map<string, { readonly value: unknown; readonly bytes: number }>();
let keptBytes = 0;
const KEEP_MS = 2000;

function drop(key: string): void {
  const k = kept.get(key);
  if (k === undefined) return;
  kept.delete(key);
  keptBytes -= k.bytes;
}

function keep(key: string, value: unknown, bytes: number, limit: number): void {
  drop(key);
  if (!(bytes > 0) || bytes > limit) return;
  for (const old of kept.keys()) {
    if (keptBytes + bytes <= limit) break;
    drop(old);
  }
  kept.set(key, { value, bytes });
  keptBytes += bytes;
  setTimeout(() => kept.get(key)?.value === value && drop(key), KEEP_MS).unref();
}

/** An input: taken from the results this thread kept, else read from the store. */
function input(store: BlockStore, key: string): unknown {
  const k = kept.get(key);
  if (k === undefined) return readValue(store, key);
  drop(key);
  return k.value;
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
  const req = job.request instanceof Uint8Array ? decode<BatchRequest>(job.request) : await readValue<BatchRequest>(store, job.request.key);
  // Inputs kept in the store are read here, on the worker (straight into the memories they are
  // restored into): the coordinator never touches blocks.
  const inputs = await Promise.all(req.inputs.map((v) => (isBlockRef(v) ? input(store, v.__tesseraBlock) : v)));
  const res = await runBatch({ ...req, inputs }, false);
  if (res.failed) return { payload: encode(res), bytes: 0, keys: [] };
  const keys: string[] = [];
  const results = await Promise.all(
    res.results.map(async (value, j) => {
      const bytes = byteSize(value);
      // The frame's parts are views of the result's own memories: written as they are, no copy.
      const data = encodeParts(value);
      if (bytes === 0 && data.byteLength <= job.inlineLimit) return value;
      // Deterministic key: a retried job writes the same key with the same bytes.
      const ref: BlockRef = { __tesseraBlock: `${job.resultPrefix}-${j}`, bytes: bytes || data.byteLength };
      await writeValue(store, ref.__tesseraBlock, data);
      // Not a result a task of this batch consumed too: that one may have changed it, or let its memory go.
      const slot = -req.returns[j]! - 1;
      if (!req.tasks.some((t) => t.r.includes(slot))) keep(ref.__tesseraBlock, value, data.byteLength, job.keepBytes);
      keys.push(ref.__tesseraBlock);
      return ref;
    }),
  );
  const out: BatchResponse = { ...res, results, thread: threadId };
  return { payload: encode(out), bytes: res.bytes.reduce((a, b) => a + b, 0), keys };
}
