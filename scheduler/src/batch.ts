/**
 * The unit of work sent to a thread: a *batch* of tasks in dependency order. Arguments arrive as
 * templates in which `{ __tref: j }` marks the task's j-th dependency; each dependency is either
 * an input shipped with the batch or the result of an earlier task of the same batch, so a chain
 * of cheap tasks costs one message, and intermediates that nobody outside needs never leave the
 * thread. Both schedulers execute batches with {@link runBatch}: the sync scheduler in the main
 * thread, the thread scheduler in each worker.
 */
import { threadId } from 'node:worker_threads';
import { WIRE_REF } from './graph.js';
import { loadKernel } from './kernels.js';
import { isRecycledBuffer, noteDeadBytes } from './memory.js';

/** One task as sent to a thread. */
export interface WireTask {
  /** Index into {@link BatchRequest.modules}. */
  readonly m: number;
  /** Kernel lookup name (table name or export name). */
  readonly k: string;
  /** 0: `module.kernels[k]`; 1: `module[k]`. */
  readonly v: 0 | 1;
  /** Argument template. */
  readonly a: readonly unknown[];
  /** Dependency slots: `s >= 0` is `inputs[s]`; `s < 0` is the result of batch task `-s - 1`. */
  readonly r: readonly number[];
}

export interface BatchRequest {
  readonly modules: readonly string[];
  readonly tasks: readonly WireTask[];
  readonly inputs: readonly unknown[];
  /** Batch task indices whose results are sent back, in this order. */
  readonly returns: readonly number[];
}

export interface BatchResponse {
  /** Results of `returns`, in order (complete only when `failed` is absent). */
  readonly results: unknown[];
  /** Bytes held by each returned result (typed arrays found in it). */
  readonly bytes: number[];
  /** Start and end of each task run, in ms on the shared clock (`timeOrigin + now()`). */
  readonly times: Float64Array;
  /** Thread that ran the batch (0 = main thread). */
  readonly thread: number;
  /** Set when a task threw: its batch index and the error. Later tasks did not run. */
  readonly failed?: { readonly index: number; readonly error: unknown };
}

/** Milliseconds on a clock shared by all threads of the process. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Executes a batch. With `share`, typed arrays in returned results are moved to shared memory. */
export async function runBatch(req: BatchRequest, share: boolean): Promise<BatchResponse> {
  const { tasks, inputs, modules } = req;
  const local: unknown[] = new Array(tasks.length);
  const times = new Float64Array(tasks.length * 2);
  for (let i = 0; i < tasks.length; i++) {
    const task = tasks[i]!;
    try {
      // Importing a kernel module (first use on this thread) is not the task's time.
      const fn = await loadKernel(modules[task.m]!, task.v === 0 ? 'table' : 'export', task.k);
      times[2 * i] = now();
      const args = task.r.length === 0 ? task.a : (resolve(task.a, task.r, inputs, local) as unknown[]);
      let result = fn(...args);
      if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
        result = await result;
      }
      local[i] = result;
    } catch (error) {
      times[2 * i + 1] = now();
      if (times[2 * i] === 0) times[2 * i] = times[2 * i + 1]!;
      return { results: [], bytes: [], times, thread: threadId, failed: { index: i, error } };
    }
    times[2 * i + 1] = now();
  }
  const results: unknown[] = new Array(req.returns.length);
  const bytes: number[] = new Array(req.returns.length);
  const dropped: Counter = { bytes: 0, pooled: 0 };
  for (let j = 0; j < req.returns.length; j++) {
    const counter: Counter = { bytes: 0, pooled: 0 };
    results[j] = prepareResult(local[req.returns[j]!], share, counter, 0);
    bytes[j] = counter.bytes;
    dropped.bytes += counter.bytes;
    dropped.pooled += counter.pooled;
  }
  // This thread's handles on the blocks it consumed, made, or sent away die with the batch: past a
  // threshold, ask for a collection so their shared memory is freed (memory.ts). Pooled buffers
  // are not garbage: their owner reuses them.
  if (share) {
    for (const input of inputs) prepareResult(input, false, dropped, 0);
    for (let i = 0; i < local.length; i++) if (!req.returns.includes(i)) prepareResult(local[i], false, dropped, 0);
    noteDeadBytes(dropped.bytes - dropped.pooled, dropped.pooled);
  }
  return { results, bytes, times, thread: threadId };
}

function resolve(template: unknown, slots: readonly number[], inputs: readonly unknown[], local: readonly unknown[]): unknown {
  if (Array.isArray(template)) {
    const out = new Array(template.length);
    for (let i = 0; i < template.length; i++) out[i] = resolve(template[i], slots, inputs, local);
    return out;
  }
  if (template !== null && typeof template === 'object' && !ArrayBuffer.isView(template)) {
    const proto = Object.getPrototypeOf(template);
    if (proto !== Object.prototype && proto !== null) return template;
    const marker = (template as Record<string, unknown>)[WIRE_REF];
    if (typeof marker === 'number') {
      const s = slots[marker]!;
      return s >= 0 ? inputs[s] : local[-s - 1];
    }
    const out: Record<string, unknown> = {};
    for (const k in template) out[k] = resolve((template as Record<string, unknown>)[k], slots, inputs, local);
    return out;
  }
  return template;
}

const MAX_DEPTH = 4;

/** Bytes of typed arrays found in a value, and how many of them are pooled (registerRecycledBuffers). */
interface Counter {
  bytes: number;
  pooled: number;
}

/**
 * Counts the bytes of typed arrays inside a result and, with `share`, copies those not on a
 * SharedArrayBuffer into one, so passing the result on to other threads shares memory.
 */
function prepareResult(value: unknown, share: boolean, counter: Counter, depth: number): unknown {
  if (ArrayBuffer.isView(value)) {
    counter.bytes += value.byteLength;
    if (isRecycledBuffer(value.buffer)) counter.pooled += value.byteLength;
    if (!share || value.buffer instanceof SharedArrayBuffer || value instanceof DataView) return value;
    return toShared(value);
  }
  if (depth >= MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (v !== null && typeof v === 'object') value[i] = prepareResult(v, share, counter, depth + 1);
    }
    return value;
  }
  if (value instanceof Map || value instanceof Set || value instanceof Date || value instanceof Error) return value;
  const out: Record<string, unknown> = Object.isFrozen(value) ? { ...(value as object) } : (value as Record<string, unknown>);
  for (const k of Object.keys(out)) {
    const v = out[k];
    if (v !== null && typeof v === 'object') {
      const p = prepareResult(v, share, counter, depth + 1);
      if (p !== v) out[k] = p;
    }
  }
  return out;
}

function toShared(view: ArrayBufferView): ArrayBufferView {
  const Ctor = view.constructor as new (buffer: SharedArrayBuffer, offset: number, length: number) => ArrayBufferView & { set(src: ArrayBufferView): void };
  const perElement = (view as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  const out = new Ctor(new SharedArrayBuffer(view.byteLength), 0, view.byteLength / perElement);
  out.set(view);
  return out;
}

/**
 * Bytes of typed arrays in a value (what a result holds in memory); `garbage`: only those a
 * collection would free once the value is dropped (not pooled buffers, see registerRecycledBuffers).
 */
export function byteSize(value: unknown, garbage = false): number {
  const { bytes, pooled } = garbageSize(value);
  return garbage ? bytes : bytes + pooled;
}

/** Bytes of a value's typed arrays a collection would free (`bytes`) and of its pooled buffers (`pooled`). */
export function garbageSize(value: unknown): { bytes: number; pooled: number } {
  const counter: Counter = { bytes: 0, pooled: 0 };
  prepareResult(value, false, counter, 0);
  return { bytes: counter.bytes - counter.pooled, pooled: counter.pooled };
}
