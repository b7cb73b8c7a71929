/** Memory budget helpers. */
import { freemem } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
  k: 2 ** 10,
  m: 2 ** 20,
  g: 2 ** 30,
};

/**
 * Bytes from a number or a string such as `'512MB'`, `'1.5 GiB'`, `'2e9'`.
 * `param` names the option in the error message.
 */
export function parseBytes(value: number | string, param = 'value'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`The '${param}' option must be a non-negative number of bytes. Got ${value} instead.`);
    return value;
  }
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-z]*)\s*$/i.exec(String(value));
  const unit = m ? UNITS[(m[2] || 'b').toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new RangeError(`The '${param}' option must be a size such as 512MB or 2GiB. Got '${value}' instead.`);
  }
  return Math.round(Number(m[1]) * unit);
}

/** Default memory budget: a quarter of the memory free when the run starts, at least 256 MiB. */
export function defaultMemoryLimit(): number {
  return Math.max(256 * 2 ** 20, Math.floor(freemem() / 4));
}

/** Human-readable bytes (`'1.5 GB'`). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (Math.abs(v) >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v < 10 && u > 0 ? v.toFixed(2) : v < 100 && u > 0 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/**
 * Memory-pressure hints. V8 frees a SharedArrayBuffer's memory only when the wrapper objects in
 * every thread that saw it are garbage-collected, and it does not count that memory when deciding
 * to collect: a stream of 80 MB blocks can leave gigabytes of dead blocks waiting for a GC. So the
 * scheduler asks for a collection itself once enough block bytes have died — in a worker after a
 * batch that consumed large inputs, on the main thread after releasing large results. Collections
 * of the small heaps involved take a few milliseconds. `--expose-gc` is set before the first
 * worker starts, so workers have `gc` too.
 */

let gcFn: ((options?: { type: 'minor' | 'major' }) => void) | undefined;

/** Makes `gc()` available in this thread and in workers started afterwards. */
export function enableGcHints(): void {
  if (gcFn) return;
  try {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;
  } catch {
    gcFn = undefined;
  }
}

/** Bytes of dead blocks after which a collection is requested. */
export const GC_HINT_BYTES = 64 * 2 ** 20;

let pendingGc = false;
let deadBytes = 0;

const recycledTests: ((buffer: ArrayBufferLike) => boolean)[] = [];

/**
 * Declares that the buffers `test` accepts are reused by their owner (a pool of shared memories
 * that passes them from task to task), not freed by a collection: a thread dropping its handle on
 * one frees nothing, so their bytes do not count towards the garbage that triggers collections
 * ({@link noteDeadBytes}). They still count in the memory budget while a task result holds them.
 * Register once per thread (e.g. when the pool's module loads); `test` must be cheap and must
 * accept only buffers that are certainly pooled (it sees every buffer of every result and input).
 */
export function registerRecycledBuffers(test: (buffer: ArrayBufferLike) => boolean): void {
  recycledTests.push(test);
}

/** Whether a registered pool says it reuses `buffer` (see {@link registerRecycledBuffers}). */
export function isRecycledBuffer(buffer: ArrayBufferLike): boolean {
  for (const test of recycledTests) if (test(buffer)) return true;
  return false;
}

/**
 * Tells the scheduler that `bytes` of large buffers just became garbage in this thread (blocks a
 * task consumed, tiles a streaming kernel read). Past {@link GC_HINT_BYTES} a collection is
 * requested. The scheduler calls it for task inputs and results; kernels that stream or allocate
 * large scratch memory of their own call it too. `pooledBytes`: bytes of pooled buffers this
 * thread let go of at the same time (see {@link registerRecycledBuffers}) — not garbage, but the
 * task that used one leaves small garbage around it, which a scavenge (under 1 ms) clears; a
 * full collection would free nothing more.
 */
export function noteDeadBytes(bytes: number, pooledBytes = 0): void {
  deadBytes += bytes;
  if (deadBytes >= GC_HINT_BYTES) {
    deadBytes = 0;
    requestGc();
  } else if (pooledBytes >= GC_HINT_BYTES) {
    requestGc(false, true);
  }
}

/**
 * Every how many requested collections one is a full (major) collection; the others are minor
 * (scavenges). A full collection of a worker's heap takes 15–18 ms here, a scavenge under 1 ms,
 * and most dead block handles are young: they die in the batch that received them. Handles that
 * lived long enough to be promoted (a prepared block waiting for its link) need the full ones.
 * Measured on the 10M-row demo: all full — fit 1.45 s, 0.3 s of GC per worker; all minor — fit
 * 1.05 s but peak RSS +100 MB; one in four full — fit 1.05–1.2 s at the all-full RSS.
 */
export const GC_MAJOR_EVERY = 4;

let gcCount = 0;

let pendingFull = false;
let pendingCounted = false;

/**
 * Requests a garbage collection once the current work is done (coalesced): a scavenge, or a full
 * collection every fourth time — or now when `full` (for long-lived handles a
 * kernel just dropped, which a scavenge does not reach). `minor`: a scavenge only, not counted
 * towards the fourth (unless a full one is pending).
 */
export function requestGc(full = false, minor = false): void {
  const gc = gcFn ?? (globalThis as { gc?: (options?: { type: 'minor' | 'major' }) => void }).gc;
  if (!gc) return;
  pendingFull ||= full;
  pendingCounted ||= !minor;
  if (pendingGc) return;
  pendingGc = true;
  setImmediate(() => {
    pendingGc = false;
    const major = pendingFull || (pendingCounted && ++gcCount % GC_MAJOR_EVERY === 0);
    pendingFull = false;
    pendingCounted = false;
    gc(major ? undefined : { type: 'minor' });
  });
}
