/** Memory budget helpers. */
import { freemem } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Bytes per unit, as dask's `byte_sizes` (dask/utils.py): decimal `kB`…`PB`, binary `KiB`…`PiB`,
 * `B` and no unit; the one-letter forms `k`, `M`, `G`, `T`, `P` are decimal, `Ki`…`Pi` binary.
 * Keys are lowercase: units are matched in any case, as dask does.
 */
const UNITS: Readonly<Record<string, number>> = (() => {
  const base: Record<string, number> = {
    kb: 1e3,
    mb: 1e6,
    gb: 1e9,
    tb: 1e12,
    pb: 1e15,
    kib: 2 ** 10,
    mib: 2 ** 20,
    gib: 2 ** 30,
    tib: 2 ** 40,
    pib: 2 ** 50,
    b: 1,
    '': 1,
  };
  const units = { ...base };
  for (const [k, v] of Object.entries(base)) {
    if (k && !k.includes('i')) units[k[0]!] = v;
    if (k.includes('i')) units[k.slice(0, -1)] = v;
  }
  return units;
})();

/** A number as Python's `float()` reads it (digits may be grouped with `_`), without inf/nan. */
const NUMBER = /^[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;

/**
 * Bytes from a number or a size string, parsed as dask's `parse_bytes` parses it:
 *
 * - decimal units are powers of 1000: `'256MB'` = 256·10^6, `'5kB'` = 5000, `'2GB'`, `'1TB'`, `'1PB'`;
 * - binary units are powers of 1024: `'256MiB'` = 2^28, `'1KiB'` = 1024, `'2GiB'`, `'1TiB'`, `'1PiB'`;
 * - units are matched in any case (`'kb'`, `'KB'` and `'kB'` are all 1000 bytes; `'mib'` is 2^20);
 *   one-letter units are decimal (`'100M'` = 10^8) and `Ki`, `Mi`… binary; `B` or no unit is bytes;
 * - the number may be fractional or in exponent form (`'1.5 GiB'`, `'1e6 kB'`); spaces anywhere
 *   are ignored; a unit alone means one of it (`'MB'` = 10^6); the result is truncated to an integer;
 * - a plain number is bytes (truncated: `1.5` → 1).
 *
 * Unlike dask, negative sizes, infinities, NaN and the empty string are refused (RangeError);
 * a value that is neither a number nor a string is a TypeError. `param` names the option in
 * error messages.
 *
 * @example
 * parseBytes('256MB');   // 256000000
 * parseBytes('256MiB');  // 268435456
 * parseBytes('1.5 GiB'); // 1610612736
 */
export function parseBytes(value: number | string, param = 'value'): number {
  const bytes = parseSize(value, param);
  if (!(bytes >= 0) || !Number.isFinite(bytes)) {
    throw new RangeError(
      `The '${param}' option must be a non-negative number of bytes or size. Got ${typeof value === 'string' ? `'${value}'` : value} instead.`,
    );
  }
  return bytes;
}

/** dask's parse_bytes, sign and all (NaN and infinities pass through as numbers). */
function parseSize(value: number | string, param: string): number {
  if (typeof value === 'number') return Math.trunc(value);
  if (typeof value !== 'string') {
    throw new TypeError(
      `The '${param}' option must be a number of bytes or a size string such as '512MB' or '2GiB'. Got ${typeof value} instead.`,
    );
  }
  let s = value.replace(/\s+/g, '');
  if (s === '') throw new RangeError(`The '${param}' option must be a size such as '512MB' or '2GiB'. Got an empty string instead.`);
  if (!/[0-9]/.test(s)) s = `1${s}`;
  const [, prefix = '', suffix = ''] = /^(.*?)([A-Za-z]*)$/.exec(s)!;
  if (!NUMBER.test(prefix)) {
    throw new RangeError(
      `The '${param}' option must be a size such as '512MB' or '2GiB': could not interpret '${prefix}' as a number. Got '${value}' instead.`,
    );
  }
  const unit = UNITS[suffix.toLowerCase()];
  if (unit === undefined) {
    throw new RangeError(
      `The '${param}' option must be a size such as '512MB' or '2GiB': could not interpret '${suffix}' as a byte unit ` +
        `(kB, MB, GB, TB, PB are powers of 1000; KiB, MiB, GiB, TiB, PiB powers of 1024). Got '${value}' instead.`,
    );
  }
  return Math.trunc(Number(prefix.replaceAll('_', '')) * unit);
}

/**
 * A memory budget in bytes from a number or a size string ({@link parseBytes}): it must be
 * positive — a budget of 0 bytes (or a size that truncates to 0, or NaN) is refused with a
 * RangeError naming `param`.
 *
 * @example
 * parseMemoryLimit('512MB');         // 512000000
 * parseMemoryLimit(0);               // RangeError: The 'memoryLimit' option must be positive …
 * parseMemoryLimit('0', '--memory-limit');
 */
export function parseMemoryLimit(value: number | string, param = 'memoryLimit'): number {
  const bytes = parseSize(value, param);
  if (!(bytes > 0) || !Number.isFinite(bytes)) {
    throw new RangeError(
      `The '${param}' option must be positive: a number of bytes, or a size such as '512MB' or '2GiB'. ` +
        `Got ${typeof value === 'string' ? `'${value}'` : value} instead.`,
    );
  }
  return bytes;
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
 * of the small heaps involved take a few milliseconds. Each thread takes its own `gc` function
 * ({@link enableGcHints}: the main thread when it makes a pool, each worker as it starts).
 */

type GcFunction = (options?: { type: 'minor' | 'major' }) => void;

/**
 * How to ask `gc` for a full collection. The call that frees dead block handles differs between V8
 * lines, measured in a pool worker (scheduler/test/fixtures/gc-probe.mjs): on V8 11 (Node 20)
 * `gc()` does and `gc({ type: 'major' })` leaves them; on V8 12 and 13 (Node 22, 24) the reverse.
 * The consumer test checks it on each line.
 */
const FULL_GC: { type: 'major' } | undefined = Number(process.versions.v8.split('.')[0]) >= 12 ? { type: 'major' } : undefined;

let gcFn: GcFunction | undefined;
let gcTried = false;

/**
 * Makes `gc()` available to this thread's hints (the main thread calls it when it makes a pool;
 * each worker at its start). V8's `--expose-gc` is set only for as long as it takes to make one
 * context holding `gc`, then unset: left on, it changes V8's flag hash, so every worker started
 * afterwards found Node's built-in code cache stale and compiled Node's own modules from
 * source — measured here, a 2-thread pool took 54–56 ms to start instead of 30–33 ms. The flag is
 * process-wide: threads doing this at the same moment can unset it under each other, so a thread
 * whose context came out without `gc` tries again. A process started with `--expose-gc` keeps it
 * (its `gc` is used as is).
 */
export function enableGcHints(): void {
  if (gcFn || gcTried) return;
  gcTried = true;
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') {
    gcFn = exposed as GcFunction;
    return;
  }
  for (let attempt = 0; attempt < 8 && !gcFn; attempt++) {
    try {
      setFlagsFromString('--expose-gc');
      try {
        const fn: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
        if (typeof fn === 'function') gcFn = fn as GcFunction;
      } finally {
        setFlagsFromString('--no-expose-gc');
      }
    } catch {
      return; // V8 refused the flag: collections happen on V8's own schedule
    }
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
 * Internal: pools register through {@link createBufferPool}.
 */
export function registerRecycledBuffers(test: (buffer: ArrayBufferLike) => boolean): void {
  recycledTests.push(test);
}

/** Whether a registered pool says it reuses `buffer` (see {@link createBufferPool}). */
export function isRecycledBuffer(buffer: ArrayBufferLike): boolean {
  for (const test of recycledTests) if (test(buffer)) return true;
  return false;
}

/** Options of {@link createBufferPool}. */
export interface BufferPoolOptions {
  /** Names the pool in error messages, e.g. `'sgd-prepared-blocks'`. */
  readonly name: string;
  /**
   * Whether `buffer` is one of the pool's and still in its hands (in use, or waiting to be reused):
   * then a thread dropping its handle on it frees nothing, and its bytes are not counted as
   * garbage. Called as a plain function for every buffer of every task input and result a thread
   * lets go of, so it must be cheap, and must say true only for buffers that certainly are the
   * pool's (e.g. checked by a mark in the buffer's own header).
   */
  readonly isPooled: (buffer: ArrayBufferLike) => boolean;
}

/**
 * A pool of reused buffers as the scheduler sees it (see {@link createBufferPool}): the pool says
 * what happened to its buffers, the scheduler decides whether to collect and how.
 */
export interface BufferPool {
  /** The name given to {@link createBufferPool}. */
  readonly name: string;
  /**
   * This thread's pool let go of buffers of `bytes` in all (e.g. ones idle too long), though they
   * may still be pooled elsewhere: they count as dead block bytes, as a consumed block's do — past
   * {@link GC_HINT_BYTES} a collection follows (one in four full).
   */
  dropped(bytes: number): void;
  /**
   * The pool retired buffers of `bytes` in all in this thread for good (their owner is done with
   * them, e.g. at the end of a run): they count as dead bytes, and since pooled buffers lived long
   * (a scavenge does not reach them) a full collection follows at once. `retired(0)` does nothing.
   */
  retired(bytes: number): void;
}

function checkPoolBytes(pool: string, method: string, bytes: unknown): void {
  if (typeof bytes !== 'number') {
    throw new TypeError(`BufferPool '${pool}'.${method}: bytes must be a number. Got ${typeof bytes} instead.`);
  }
  if (!(bytes >= 0) || !Number.isFinite(bytes)) {
    throw new RangeError(`BufferPool '${pool}'.${method}: bytes must be a non-negative finite number. Got ${bytes} instead.`);
  }
}

/**
 * Registers a pool of buffers its owner reuses from task to task (shared memories that outlive
 * the tasks that fill them), in this thread, and returns the pool's line to the scheduler. Why:
 * V8 does not count SharedArrayBuffer memory when deciding to collect, so the scheduler asks for
 * collections itself as block bytes die ({@link noteDeadBytes}) — a pooled buffer is not garbage
 * when a task drops it, and collecting for it held workers 15 ms before the chain's next link.
 * The policy (what counts, when to scavenge, when to collect fully) stays here: the pool only
 * says which buffers are its own ({@link BufferPoolOptions.isPooled}) and reports what it let go
 * of ({@link BufferPool.dropped}, {@link BufferPool.retired}). Pooled bytes still count in the
 * memory budget while a task result holds them.
 *
 * Create it once per thread, when the pool's module loads (a thread's tasks and this registration
 * see the same module of @tessera/scheduler).
 *
 * @example
 * const pool = createBufferPool({ name: 'my-pool', isPooled: (b) => b instanceof SharedArrayBuffer && markOf(b) === IN_POOL });
 * pool.dropped(idle.byteLength);        // an idle buffer let go
 * pool.retired(total);                  // the run is over: every pooled buffer retired
 */
export function createBufferPool(options: BufferPoolOptions): BufferPool {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `createBufferPool: options must be an object { name, isPooled }. Got ${options === null ? 'null' : typeof options} instead.`,
    );
  }
  const { name, isPooled } = options;
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(
      `createBufferPool: the 'name' option must be a non-empty string. Got ${typeof name === 'string' ? "''" : typeof name} instead.`,
    );
  }
  if (typeof isPooled !== 'function') {
    throw new TypeError(
      `createBufferPool: the 'isPooled' option of pool '${name}' must be a function (buffer) => boolean. Got ${typeof isPooled} instead.`,
    );
  }
  registerRecycledBuffers(isPooled);
  return {
    name,
    dropped(bytes: number): void {
      checkPoolBytes(name, 'dropped', bytes);
      noteDeadBytes(bytes);
    },
    retired(bytes: number): void {
      checkPoolBytes(name, 'retired', bytes);
      if (bytes === 0) return;
      noteDeadBytes(bytes);
      requestGc(true); // pooled buffers are old objects: only a full collection frees them
    },
  };
}

/**
 * Tells the scheduler that `bytes` of large buffers just became garbage in this thread (blocks a
 * task consumed, tiles a streaming kernel read). Past {@link GC_HINT_BYTES} a collection is
 * requested. The scheduler calls it for task inputs and results; kernels that stream or allocate
 * large scratch memory of their own call it too (`noteDeadBytes(bytes)`). Buffers a pool reuses
 * are reported through their {@link BufferPool} instead. `pooledBytes` (the scheduler's own
 * accounting): bytes of pooled buffers this thread let go of at the same time — not garbage, but
 * the task that used one leaves small garbage around it, which a scavenge (under 1 ms) clears; a
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
  // A global gc (node --expose-gc) first; else this thread's own, taken now if it never was (a
  // kernel's own worker).
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed !== 'function' && !gcFn) enableGcHints();
  const gc = typeof exposed === 'function' ? (exposed as GcFunction) : gcFn;
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
    gc(major ? FULL_GC : { type: 'minor' });
  });
}
