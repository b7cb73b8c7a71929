/**
 * The unit of work sent to a thread: a *batch* of tasks in dependency order. Arguments arrive as
 * templates in which `{ __tref: j }` marks the task's j-th dependency; each dependency is either
 * an input shipped with the batch or the result of an earlier task of the same batch, so a chain
 * of cheap tasks costs one message, and intermediates that nobody outside needs never leave the
 * thread. Both schedulers execute batches with {@link runBatch}: the sync scheduler in the main
 * thread, the thread scheduler in each worker.
 */
import { types } from 'node:util';
import { threadId } from 'node:worker_threads';
import { WIRE_REF } from './graph.js';
import { importModule, loadKernel, taskPreparer } from './kernels.js';
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
  /** Modules of the tasks' kernels; the first `preload` of them are worker modules, imported before any task. */
  readonly modules: readonly string[];
  /** How many of `modules`, from the start, are imported before the first task (see `registerWorkerModule`). */
  readonly preload?: number;
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
  for (let i = 0; i < (req.preload ?? 0); i++) {
    try {
      await importModule(modules[i]!);
    } catch (error) {
      return {
        results: [],
        bytes: [],
        times,
        thread: threadId,
        failed: { index: 0, error: new Error(`Cannot import worker module ${modules[i]}: ${(error as Error).message}`, { cause: error }) },
      };
    }
  }
  for (let i = 0; i < tasks.length; i++) {
    const task = tasks[i]!;
    try {
      // Importing a kernel module (first use on this thread) is not the task's time.
      const fn = await loadKernel(modules[task.m]!, task.v === 0 ? 'table' : 'export', task.k);
      const args = task.r.length === 0 ? task.a : (resolve(task.a, task.r, inputs, local) as unknown[]);
      // Nor are the imports its arguments call for (the module's prepareTask: see TaskPreparer).
      const prepared = taskPreparer(modules[task.m]!)?.(args);
      if (prepared !== undefined) await prepared;
      times[2 * i] = now();
      let result = fn(...args);
      if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
        result = await result;
      }
      // Checked for every task, not only for results leaving the thread: whether a result leaves
      // depends on batching, and a graph must fail the same way on every scheduler.
      const unfit = unsendable(result);
      if (unfit !== undefined) throw new TypeError(`its result cannot be sent between threads: ${unfit}`);
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

const DATA =
  'data: numbers, strings, booleans, bigints, arrays, objects, typed arrays, (Shared)ArrayBuffers, Map, Set, Date, RegExp, Error.';

/**
 * Why `value` cannot be a task result (or, with `root` `'args'`, a task's arguments), or
 * `undefined` if it can. Results travel between threads by
 * structured clone, which throws on functions, symbols, promises, weak collections, generators and
 * proxies — anywhere inside the result. A thread scheduler's worker would die of it, so each task's
 * result is checked where it is made, on every scheduler, and the answer names where the offending
 * value sits (`result.model.predict is a function (predict)`). Objects are searched through their
 * own enumerable properties, class instances included: a clone keeps those fields (an instance
 * arrives as a plain object without its methods, and the packages' kernels rely on that for
 * arrays inside model state). Cycles are fine. Iterative: deep nesting does not overflow the stack.
 */
export function unsendable(value: unknown, root: 'result' | 'args' = 'result'): string | undefined {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')) return undefined;
  if (ArrayBuffer.isView(value)) return undefined;
  // Parallel stacks: a value, and where it sits (parent entry and the step from it), so the path
  // is built only for the offending value.
  const values: unknown[] = [value];
  const parents: number[] = [-1];
  const steps: string[] = [''];
  const seen = new Set<object>();
  for (let top = 0; top < values.length; top++) {
    const v = values[top];
    const what = uncloneable(v);
    if (what !== undefined) {
      let path = '';
      for (let e = top; e > 0; e = parents[e]!) path = steps[e]! + path;
      return `${root}${path} ${what}. ${root === 'result' ? 'Kernels must return' : 'Arguments must be'} ${DATA}`;
    }
    if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v) || seen.has(v)) continue;
    seen.add(v);
    const push = (child: unknown, step: string) => {
      if (child === null || (typeof child !== 'object' && typeof child !== 'function' && typeof child !== 'symbol')) return;
      values.push(child);
      parents.push(top);
      steps.push(step);
    };
    if (Array.isArray(v)) for (let i = 0; i < v.length; i++) push(v[i], `[${i}]`);
    else if (types.isMap(v)) {
      let i = 0;
      for (const [k, x] of v) {
        push(k, `.keys()[${i++}]`);
        push(x, `.get(${describeKey(k)})`);
      }
    } else if (types.isSet(v)) {
      let i = 0;
      for (const x of v) push(x, `.values()[${i++}]`);
    } else if (!types.isAnyArrayBuffer(v) && !types.isDate(v) && !types.isRegExp(v) && !types.isBoxedPrimitive(v)) {
      for (const k of Object.keys(v))
        push((v as Record<string, unknown>)[k], /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`);
    }
  }
  return undefined;
}

/** Why structured clone throws on `v` itself (not its contents), as the end of a sentence; undefined if it does not. */
function uncloneable(v: unknown): string | undefined {
  if (typeof v === 'function') return `is a function${v.name ? ` (${v.name})` : ''}`;
  if (typeof v === 'symbol') return `is a symbol (${v.toString()})`;
  if (v === null || typeof v !== 'object') return undefined;
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return undefined;
  if (types.isProxy(v)) return 'is a Proxy';
  if (types.isPromise(v)) return 'is a Promise (await it in the kernel)';
  if (types.isWeakMap(v)) return 'is a WeakMap';
  if (types.isWeakSet(v)) return 'is a WeakSet';
  if (v instanceof WeakRef) return 'is a WeakRef';
  if (types.isGeneratorObject(v)) return 'is a generator (collect its values into an array)';
  return undefined;
}

function describeKey(k: unknown): string {
  return typeof k === 'string' ? `'${k}'` : typeof k === 'object' || typeof k === 'function' ? typeof k : String(k);
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
  const Ctor = view.constructor as new (
    buffer: SharedArrayBuffer,
    offset: number,
    length: number,
  ) => ArrayBufferView & { set(src: ArrayBufferView): void };
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
