/**
 * The scheduling engine, written against a {@link Backend} — something that executes a batch of
 * tasks somewhere and answers with results and timings (dask's `get_async(submit, …)` pattern).
 * The sync scheduler's backend runs batches in the calling thread; the thread scheduler's sends
 * them to a piscina pool. Everything about *what* runs *when* lives here.
 *
 * State of a run (all indexed by plan node; see plan.ts for nodes vs tasks):
 *
 * - `state[v]`: WAITING (dependencies outstanding) → READY (in a ready heap) → SENT (in a batch
 *   on a worker) → DONE. A node's result, if it left its worker, sits in `value[v]` and its size
 *   in `bytes[v]` until the last dependent is done (`pendingOuts[v]` reaches 0) and it was not
 *   requested; then it is released and `held` shrinks.
 * - `remaining[v]`: dependencies not DONE yet; at 0 the node is READY.
 * - Two ready heaps ordered by the plan's static priority: `readySources` (nodes with no
 *   dependencies: reads, generators) and `readyInner` (the rest). While `held` exceeds the memory
 *   limit, sources wait — unless nothing is running and nothing else is ready, so at least one
 *   task can always run. Inner nodes usually consume data, so they go — except those expected to
 *   produce more bytes than they free (by their kernel's learned output size), which join the
 *   sources while over budget.
 * - Cost estimates per kernel (running mean of measured durations). A node whose estimate is
 *   below `CHEAP_MS` is cheap: the batch started with it grows by (a) dependents whose inputs are
 *   all done or already in the batch — a chain runs on one worker in one message — and (b) more
 *   cheap ready nodes, up to a fair share of the ready work and `BATCH_TARGET_MS`. Expensive nodes
 *   go one per batch, one batch per idle worker. A worker may have a second cheap batch queued
 *   behind its first, hiding the message round trip.
 *
 * A kernel error, a dead worker or an abort ends the run at once: the promise rejects, held
 * results are dropped, and batches still on workers are ignored (on abort, cancelled).
 */
import { AbortError, TaskError, WorkerDiedError } from './errors.js';
import type { BatchRequest, BatchResponse, WireTask } from './batch.js';
import { activeCallbacks, type RunInfo, type SchedulerCallbacks, type TaskEvent } from './callbacks.js';
import type { Graph } from './graph.js';
import { IdHeap } from './heap.js';
import { GC_HINT_BYTES, defaultMemoryLimit, noteDeadBytes, parseMemoryLimit, requestGc, type parseBytes } from './memory.js';
import { plan, type Plan, type PlanOptions } from './plan.js';
import { registeredWorkerModules } from './kernels.js';
import { garbageSize, now, unsendable } from './batch.js';

/** Executes batches somewhere. */
export interface Backend {
  readonly name: string;
  /** Batches that can run at the same time. */
  readonly workers: number;
  /** Whether a second batch may be queued on a busy worker. */
  readonly pipelining: boolean;
  /**
   * Runs a batch. `preferredWorker` (a thread id) asks for the worker that ran the batch's chain
   * predecessor, when it is free: per-worker caches (a kernel's scratch memory) stay on one thread.
   * `readers[j]`: how many later batches read returned result j (its dependents outside this
   * batch), or -1 when the caller asked for it — a backend that moves results between processes
   * may keep a result read once by one batch where it was made, instead of storing it.
   */
  execute(req: BatchRequest, signal: AbortSignal, preferredWorker?: number, readers?: readonly number[]): Promise<BatchResponse>;
  /**
   * Called with a result the run has let go of (its last dependent is done and it was not
   * requested): a backend whose results are handles to data kept elsewhere (the distributed
   * scheduler's blocks in a shared store) deletes that data now.
   */
  release?(value: unknown): void;
}

/** Options of one run. */
export interface RunOptions extends PlanOptions {
  /**
   * Memory budget for results the scheduler holds: bytes, or a size string parsed as dask parses
   * it (`'512MB'` = 512·10^6, `'512MiB'` = 2^29; see {@link parseBytes}). Must be positive.
   * While held bytes exceed it, source tasks wait. Default: a quarter of free memory.
   */
  memoryLimit?: number | string;
  /**
   * Cancels the run: the promise rejects with an {@link AbortError}, batches on workers are
   * cancelled (a thread running one is stopped and replaced), and results held are dropped.
   */
  signal?: AbortSignal;
  /** Listeners for this run only (in addition to those of the current scope). */
  callbacks?: readonly SchedulerCallbacks[];
  /**
   * What the run computes, for people reading diagnostics (`'scaler'`, `'fit'`): listeners see
   * it as {@link RunInfo.name}; a progress bar shows it as its label.
   */
  name?: string;
}

const WAITING = 0;
const READY = 1;
const SENT = 2;
const DONE = 3;

/** Below this estimated cost (ms) a node is batched with others. */
const CHEAP_MS = 0.5;
/** Target estimated duration of one batch of cheap nodes (ms). */
const BATCH_TARGET_MS = 4;
/** A dependent costing at most this share of an expensive node joins its batch (see formBatch). */
const CONTINUATION_SHARE = 0.15;
/** Most nodes in one batch. */
const MAX_BATCH = 2048;
/** Prior estimate for a kernel hinted cheap, before it is measured. */
const CHEAP_PRIOR_MS = 0.01;
/** Growth (as a share of the memory budget) below which an inner node does not wait like a source (see #grows). */
const GROWTH_SLACK = 1 / 64;

let nextRunId = 1;
/** Bytes of released results since the last full collection was requested for them (this thread). */
let heldGarbage = 0;

/** Plans `graph` for `keys` and runs it on `backend`; resolves with the requested results. */
export async function runGraph(
  backend: Backend,
  graph: Graph,
  keys: readonly string[],
  options: RunOptions = {},
): Promise<Record<string, unknown>> {
  const limit = checkRunOptions(options);
  const p = plan(graph, keys, options);
  await checkUserKernels(p);
  return new Run(backend, p, options, limit).start();
}

/** Validates the options this file reads, before any planning; returns the memory budget in bytes. */
function checkRunOptions(options: RunOptions): number {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`The options of a run must be an object. Got ${String(options)} instead.`);
  const { signal, name, callbacks } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw new TypeError(`The 'signal' option must be an AbortSignal. Got ${typeof signal} instead.`);
  if (name !== undefined && typeof name !== 'string')
    throw new TypeError(`The 'name' option must be a string. Got ${typeof name} instead.`);
  if (callbacks !== undefined && !Array.isArray(callbacks))
    throw new TypeError(`The 'callbacks' option must be an array of listeners. Got ${typeof callbacks} instead.`);
  return options.memoryLimit === undefined ? defaultMemoryLimit() : parseMemoryLimit(options.memoryLimit, 'memoryLimit');
}

/** Imports user-kernel modules on the main thread first, so a bad module or export fails fast. */
async function checkUserKernels(p: Plan): Promise<void> {
  const { loadKernel } = await import('./kernels.js');
  const firstUse = new Map<number, number>();
  for (let t = p.nTasks - 1; t >= 0; t--) firstUse.set(p.taskKernel[t]!, t);
  for (const [k, t] of firstUse) {
    const entry = p.kernels[k]!;
    if (entry.via !== 'export') continue;
    try {
      await loadKernel(entry.module, 'export', entry.lookup);
    } catch (error) {
      throw new TaskError(p.taskKeys[t]!, entry.name, error);
    }
  }
}

class Run {
  readonly id = nextRunId++;
  readonly #limit: number;
  readonly #listeners: readonly SchedulerCallbacks[];
  readonly #state: Uint8Array;
  readonly #remaining: Int32Array;
  readonly #pendingOuts: Int32Array;
  readonly #value: unknown[];
  readonly #bytes: Float64Array;
  readonly #readySources: IdHeap;
  readonly #readyInner: IdHeap;
  readonly #kernelMs: Float64Array;
  readonly #kernelRuns: Float64Array;
  /** Mean bytes of a returned result, per kernel (of the node's output task). */
  readonly #kernelBytes: Float64Array;
  /** Estimated bytes that batches on workers will bring back. */
  #inflightBytes = 0;
  readonly #batchStamp: Int32Array;
  readonly #taskLocal: Int32Array;
  /** Thread that ran each node (0 until it ran). */
  readonly #workerOf: Int32Array;
  readonly #abort = new AbortController();
  #held = 0;
  /** Bytes of results released so far in this run. */
  #releasedBytes = 0;
  #peak = 0;
  #doneNodes = 0;
  #doneTasks = 0;
  #inflight = 0;
  #inflightExpensive = 0;
  #batchCount = 0;
  #finished = false;
  #resolve!: (v: Record<string, unknown>) => void;
  #reject!: (e: unknown) => void;
  readonly #info: RunInfo;

  constructor(
    readonly backend: Backend,
    readonly plan: Plan,
    options: RunOptions,
    limit: number,
  ) {
    const n = plan.nNodes;
    this.#limit = limit;
    this.#listeners = [...activeCallbacks(), ...(options.callbacks ?? [])];
    this.#state = new Uint8Array(n);
    this.#remaining = new Int32Array(n);
    this.#pendingOuts = new Int32Array(n);
    this.#value = new Array(n);
    this.#bytes = new Float64Array(n);
    this.#readySources = new IdHeap(plan.priority, 64);
    this.#readyInner = new IdHeap(plan.priority, 64);
    this.#kernelMs = new Float64Array(plan.kernels.length);
    this.#kernelRuns = new Float64Array(plan.kernels.length);
    this.#kernelBytes = new Float64Array(plan.kernels.length);
    this.#batchStamp = new Int32Array(n).fill(-1);
    this.#taskLocal = new Int32Array(plan.nTasks);
    this.#workerOf = new Int32Array(n);
    const self = this;
    this.#info = {
      id: this.id,
      name: options.name,
      scheduler: backend.name,
      tasks: plan.nTasks,
      workers: backend.workers,
      keys: plan.outputs.map((o) => o.key),
      start: now(),
      memoryLimit: this.#limit,
      heldBytes: () => self.#held,
      peakHeldBytes: () => self.#peak,
      done: () => self.#doneTasks,
      running: () => self.#inflight,
    };
    this.#signal = options.signal;
  }

  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = () => this.#fail(new AbortError(this.#signal?.reason));

  start(): Promise<Record<string, unknown>> {
    const promise = new Promise<Record<string, unknown>>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    if (this.#signal?.aborted) {
      this.#finished = true;
      this.#reject(new AbortError(this.#signal.reason));
      return promise;
    }
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    const p = this.plan;
    for (const l of this.#listeners) l.onRunStart?.(this.#info);
    for (let v = 0; v < p.nNodes; v++) {
      this.#remaining[v] = p.depPtr[v + 1]! - p.depPtr[v]!;
      this.#pendingOuts[v] = p.outPtr[v + 1]! - p.outPtr[v]!;
      if (this.#remaining[v] === 0) this.#makeReady(v);
    }
    for (let k = 0; k < p.kernels.length; k++) this.#kernelMs[k] = p.kernels[k]!.cheap ? CHEAP_PRIOR_MS : Infinity;
    if (p.nNodes === 0) this.#finish();
    else this.#pump();
    return promise;
  }

  #makeReady(v: number): void {
    this.#state[v] = READY;
    if (this.plan.depPtr[v + 1] === this.plan.depPtr[v]) this.#readySources.push(v);
    else this.#readyInner.push(v);
  }

  #estimate(v: number): number {
    const p = this.plan;
    let ms = 0;
    for (let i = p.memPtr[v]!; i < p.memPtr[v + 1]!; i++) ms += this.#kernelMs[p.taskKernel[p.members[i]!]!]!;
    return ms;
  }

  #estimateBytes(v: number): number {
    return this.#kernelBytes[this.plan.taskKernel[this.#outputTask(v)]!]!;
  }

  /**
   * The best ready node allowed to start now, or -1. Sources wait while the bytes held, plus
   * those expected back from running batches (`pending`), exceed the memory budget.
   */
  #peekBest(pending = this.#inflightBytes): number {
    const withinBudget = this.#held + pending <= this.#limit;
    let inner = this.#readyInner.peek();
    // An inner node expected to make more bytes than it lets go of (a block prepared from small
    // statistics, say) is a source in disguise: over budget, it moves to the sources and waits
    // as reads do. Expectations are per kernel, learned from results, so the check happens here.
    while (!withinBudget && inner >= 0 && this.#grows(inner)) {
      this.#readyInner.pop();
      this.#readySources.push(inner);
      inner = this.#readyInner.peek();
    }
    const source = this.#readySources.peek();
    const sourcesAllowed = withinBudget || (this.#inflight === 0 && inner < 0 && pending === 0);
    if (source < 0 || !sourcesAllowed) return inner;
    if (inner < 0) return source;
    return this.plan.priority[source]! < this.plan.priority[inner]! ? source : inner;
  }

  /**
   * Whether running `v` is expected to add to the bytes held: its output beyond the inputs it is
   * the last consumer of, by more than {@link GROWTH_SLACK} of the budget. Below that, the output
   * is no block (a model's state after a partialFit link on a shared block, a score): holding such
   * a node back with the sources let the reads run ahead of it, past the budget, while the blocks
   * it would have consumed stayed held.
   */
  #grows(v: number): boolean {
    const p = this.plan;
    let freed = 0;
    for (let e = p.depPtr[v]!; e < p.depPtr[v + 1]!; e++) {
      const u = p.deps[e]!;
      if (this.#pendingOuts[u] === 1 && !p.requested[u]) freed += this.#bytes[u]!;
    }
    return this.#estimateBytes(v) > freed + this.#limit * GROWTH_SLACK;
  }

  #popBest(v: number): void {
    if (this.#readyInner.peek() === v) this.#readyInner.pop();
    else this.#readySources.pop();
  }

  #pump(): void {
    const workers = this.backend.workers;
    while (!this.#finished) {
      const best = this.#peekBest();
      if (best < 0) return;
      const cheap = this.#estimate(best) <= CHEAP_MS;
      if (this.#inflight >= workers) {
        // Queue a second batch behind a running one only when everything involved is cheap.
        if (!this.backend.pipelining || !cheap || this.#inflightExpensive > 0 || this.#inflight >= 2 * workers) return;
      }
      this.#send(this.#formBatch(best, cheap));
    }
  }

  #formBatch(first: number, cheap: boolean): number[] {
    const p = this.plan;
    const stamp = ++this.#batchCount;
    const nodes: number[] = [];
    let bytes = 0;
    const add = (v: number) => {
      this.#state[v] = SENT;
      this.#batchStamp[v] = stamp;
      nodes.push(v);
      bytes += this.#estimateBytes(v);
    };
    this.#popBest(first);
    add(first);
    if (!cheap) {
      // Continuations: a dependent that needs nothing else and costs a small fraction of the
      // expensive node (a block's prediction → writing it) runs right after it on the same worker:
      // no round trip between them, and the intermediate never leaves the worker.
      // Costs not yet measured (Infinity) never qualify.
      const own = this.#estimate(first);
      const budget = Number.isFinite(own) ? Math.max(CHEAP_MS, CONTINUATION_SHARE * own) : CHEAP_MS;
      for (let e = p.outPtr[first]!; e < p.outPtr[first + 1]!; e++) {
        const d = p.outs[e]!;
        if (this.#state[d] === WAITING && this.#inputsAvailable(d, stamp) && this.#estimate(d) <= budget) add(d);
      }
      return nodes;
    }
    const ready = this.#readyInner.size + this.#readySources.size + 1;
    const freeSlots = Math.max(1, this.backend.workers * (this.backend.pipelining ? 2 : 1) - this.#inflight);
    const limit = Math.min(MAX_BATCH, Math.max(1, Math.ceil(ready / freeSlots)));
    let cost = this.#estimate(first);
    // Grow by dependents whose inputs are all done or in this batch (breadth first), and by more
    // cheap ready nodes, while the batch stays cheap.
    let scan = 0;
    for (;;) {
      while (scan < nodes.length && cost < BATCH_TARGET_MS) {
        const v = nodes[scan++]!;
        for (let e = p.outPtr[v]!; e < p.outPtr[v + 1]!; e++) {
          const d = p.outs[e]!;
          if (this.#state[d] !== WAITING || !this.#inputsAvailable(d, stamp)) continue;
          const c = this.#estimate(d);
          if (c > CHEAP_MS) continue;
          add(d);
          cost += c;
        }
      }
      if (nodes.length >= limit || cost >= BATCH_TARGET_MS) break;
      const next = this.#peekBest(this.#inflightBytes + bytes);
      if (next < 0) break;
      const c = this.#estimate(next);
      if (c > CHEAP_MS) break;
      this.#popBest(next);
      add(next);
      cost += c;
    }
    return nodes;
  }

  #inputsAvailable(d: number, stamp: number): boolean {
    const p = this.plan;
    for (let e = p.depPtr[d]!; e < p.depPtr[d + 1]!; e++) {
      const u = p.deps[e]!;
      if (this.#state[u] !== DONE && this.#batchStamp[u] !== stamp) return false;
    }
    return true;
  }

  #send(nodes: number[]): void {
    const p = this.plan;
    const stamp = this.#batchStamp[nodes[0]!]!;
    // Worker modules first (imported before any task), then the kernels' own modules.
    const modules: string[] = registeredWorkerModules();
    const preload = modules.length;
    const moduleIndex = new Map<string, number>(modules.map((m, i) => [m, i]));
    const tasks: WireTask[] = [];
    const inputs: unknown[] = [];
    const inputSlot = new Map<number, number>();
    const returns: number[] = [];
    const taskIds: number[] = [];
    for (const v of nodes) {
      for (let i = p.memPtr[v]!; i < p.memPtr[v + 1]!; i++) {
        const t = p.members[i]!;
        const entry = p.kernels[p.taskKernel[t]!]!;
        let m = moduleIndex.get(entry.module);
        if (m === undefined) {
          m = modules.length;
          modules.push(entry.module);
          moduleIndex.set(entry.module, m);
        }
        const r: number[] = [];
        for (let e = p.taskDepPtr[t]!; e < p.taskDepPtr[t + 1]!; e++) {
          const u = p.taskDeps[e]!;
          const un = p.nodeOfTask[u]!;
          if (this.#batchStamp[un] === stamp && this.#state[un] !== DONE) {
            r.push(-this.#taskLocal[u]! - 1);
          } else {
            let s = inputSlot.get(un);
            if (s === undefined) {
              s = inputs.length;
              inputs.push(this.#value[un]);
              inputSlot.set(un, s);
            }
            r.push(s);
          }
        }
        this.#taskLocal[t] = tasks.length;
        tasks.push({ m, k: entry.lookup, v: entry.via === 'table' ? 0 : 1, a: p.templates[t] as unknown[], r });
        taskIds.push(t);
      }
      if (this.#needsReturn(v, stamp)) returns.push(tasks.length - 1);
    }
    const expensive = nodes.length === 1 && this.#estimate(nodes[0]!) > CHEAP_MS;
    let expectedBytes = 0;
    for (const v of nodes) expectedBytes += this.#estimateBytes(v);
    this.#inflight++;
    this.#inflightBytes += expectedBytes;
    if (expensive) this.#inflightExpensive++;
    const readers = returns.map((i) => this.#readers(p.nodeOfTask[taskIds[i]!]!, stamp));
    this.backend
      .execute(
        { modules, tasks, inputs, returns, ...(preload ? { preload } : {}) },
        this.#abort.signal,
        this.#chainWorker(nodes[0]!),
        readers,
      )
      .then(
        (res) => {
          this.#inflight--;
          // Nothing in flight expects nothing back: reset rather than subtract, as a float sum
          // taken apart in another order can leave a residue that keeps sources waiting forever.
          this.#inflightBytes = this.#inflight === 0 ? 0 : this.#inflightBytes - expectedBytes;
          if (expensive) this.#inflightExpensive--;
          if (!this.#finished) this.#complete(nodes, taskIds, returns, res);
        },
        (error) => {
          this.#inflight--;
          this.#inflightBytes = this.#inflight === 0 ? 0 : this.#inflightBytes - expectedBytes;
          if (expensive) this.#inflightExpensive--;
          if (!this.#finished)
            this.#fail(
              this.#unsent(taskIds, error) ??
                new WorkerDiedError(
                  taskIds.map((t) => p.taskKeys[t]!),
                  error,
                ),
            );
        },
      );
  }

  /**
   * A batch the backend could not send (structured clone refused an argument: inputs are results,
   * checked where they were made, so the culprit is a literal in a task's arguments): a TaskError
   * naming the task and where in its arguments the value sits. Otherwise undefined.
   */
  #unsent(taskIds: readonly number[], error: unknown): TaskError | undefined {
    if ((error as { name?: unknown } | null)?.name !== 'DataCloneError') return undefined;
    const p = this.plan;
    for (const t of taskIds) {
      const why = unsendable(p.templates[t], 'args');
      if (why !== undefined)
        return new TaskError(
          p.taskKeys[t]!,
          p.kernels[p.taskKernel[t]!]!.name,
          new TypeError(`its arguments cannot be sent between threads: ${why}`),
        );
    }
    return undefined;
  }

  /**
   * The worker to prefer for v (used when it is idle): the one that ran a dependency with the same
   * kernel (the previous link of a chain); else, when v waits on a single task, the one that ran
   * it — what that task left behind (a recycled buffer, warm caches) is there.
   */
  #chainWorker(v: number): number | undefined {
    const p = this.plan;
    const k = p.taskKernel[this.#outputTask(v)]!;
    for (let e = p.depPtr[v]!; e < p.depPtr[v + 1]!; e++) {
      const u = p.deps[e]!;
      if (p.taskKernel[this.#outputTask(u)] === k && this.#workerOf[u] !== 0) return this.#workerOf[u];
    }
    if (p.depPtr[v + 1]! - p.depPtr[v]! === 1) {
      const only = this.#workerOf[p.deps[p.depPtr[v]!]!]!;
      if (only !== 0) return only;
    }
    return undefined;
  }

  /** Later batches that read v's result (see Backend.execute), or -1 when it was requested. */
  #readers(v: number, stamp: number): number {
    const p = this.plan;
    if (p.requested[v]) return -1;
    let n = 0;
    for (let e = p.outPtr[v]!; e < p.outPtr[v + 1]!; e++) if (this.#batchStamp[p.outs[e]!] !== stamp) n++;
    return n;
  }

  #needsReturn(v: number, stamp: number): boolean {
    const p = this.plan;
    if (p.requested[v]) return true;
    for (let e = p.outPtr[v]!; e < p.outPtr[v + 1]!; e++) if (this.#batchStamp[p.outs[e]!] !== stamp) return true;
    return false;
  }

  #complete(nodes: number[], taskIds: number[], returns: number[], res: BatchResponse): void {
    const p = this.plan;
    const ran = res.failed ? res.failed.index : taskIds.length;
    // Timings feed the cost model and the listeners.
    const listeners = this.#listeners;
    const outBytes = new Map<number, number>();
    if (!res.failed) for (let j = 0; j < returns.length; j++) outBytes.set(returns[j]!, res.bytes[j]!);
    for (let i = 0; i < ran; i++) {
      const t = taskIds[i]!;
      const k = p.taskKernel[t]!;
      const ms = res.times[2 * i + 1]! - res.times[2 * i]!;
      const runs = ++this.#kernelRuns[k]!;
      const prev = this.#kernelMs[k]!;
      this.#kernelMs[k] = runs === 1 || !Number.isFinite(prev) ? ms : prev + (ms - prev) / Math.min(runs, 20);
      if (listeners.length) {
        const event: TaskEvent = {
          runId: this.id,
          key: p.taskKeys[t]!,
          kernel: p.kernels[k]!.name,
          worker: res.thread,
          start: res.times[2 * i]!,
          end: res.times[2 * i + 1]!,
          bytes: outBytes.get(i) ?? 0,
        };
        for (const l of listeners) l.onTaskStart?.(event);
        for (const l of listeners) l.onTaskEnd?.(event);
      }
    }
    if (res.failed) {
      const t = taskIds[res.failed.index]!;
      this.#fail(new TaskError(p.taskKeys[t]!, p.kernels[p.taskKernel[t]!]!.name, res.failed.error));
      return;
    }
    for (let j = 0; j < returns.length; j++) {
      const t = taskIds[returns[j]!]!;
      const v = p.nodeOfTask[t]!;
      const k = p.taskKernel[t]!;
      // A slowly decaying maximum: budgeting errs on the side of memory.
      this.#kernelBytes[k] = Math.max(this.#kernelBytes[k]! * 0.9, res.bytes[j]!);
      this.#value[v] = res.results[j];
      this.#bytes[v] = res.bytes[j]!;
      this.#held += res.bytes[j]!;
    }
    if (this.#held > this.#peak) this.#peak = this.#held;
    for (const v of nodes) {
      this.#state[v] = DONE;
      this.#workerOf[v] = res.thread;
      this.#doneNodes++;
      this.#doneTasks += p.memPtr[v + 1]! - p.memPtr[v]!;
      for (let e = p.depPtr[v]!; e < p.depPtr[v + 1]!; e++) {
        const u = p.deps[e]!;
        if (--this.#pendingOuts[u]! === 0 && !p.requested[u]) this.#release(u);
      }
      if (this.#pendingOuts[v] === 0 && !p.requested[v]) this.#release(v);
      for (let e = p.outPtr[v]!; e < p.outPtr[v + 1]!; e++) {
        const d = p.outs[e]!;
        if (--this.#remaining[d]! === 0 && this.#state[d] === WAITING) this.#makeReady(d);
      }
    }
    if (this.#doneNodes === p.nNodes) this.#finish();
    else this.#pump();
  }

  #release(v: number): void {
    const bytes = this.#bytes[v]!;
    const value = this.#value[v];
    this.#value[v] = undefined;
    if (value !== undefined) this.backend.release?.(value);
    if (bytes > 0) {
      this.#held -= bytes;
      this.#bytes[v] = 0;
      this.#releasedBytes += bytes;
      const g = garbageSize(value);
      noteDeadBytes(g.bytes, g.pooled);
      // A result the run held waited for its dependents across many batches: its handles are old
      // objects by now, which a scavenge does not reach. Without a full collection, released
      // blocks piled up on this thread (measured: ~250 MB over a 100 MB budget in an adaptive search).
      heldGarbage += g.bytes;
      if (heldGarbage >= GC_HINT_BYTES) {
        heldGarbage = 0;
        requestGc(true);
      }
      for (const l of this.#listeners) l.onRelease?.({ runId: this.id, key: this.plan.taskKeys[this.#outputTask(v)]!, bytes });
    }
  }

  #outputTask(v: number): number {
    return this.plan.members[this.plan.memPtr[v + 1]! - 1]!;
  }

  #finish(): void {
    this.#finished = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    const out: Record<string, unknown> = {};
    for (const o of this.plan.outputs) out[o.key] = this.#value[o.node];
    this.#value.fill(undefined);
    this.#held = 0;
    // Everything the run held is dead now, some of it long-lived (promoted) handles of shared
    // blocks that scavenges do not reach: one full collection lets their memory go before the
    // next run's blocks arrive.
    if (this.#releasedBytes >= GC_HINT_BYTES) requestGc(true);
    for (const l of this.#listeners) l.onRunEnd?.(this.#info);
    this.#resolve(out);
  }

  #fail(error: unknown): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#value.fill(undefined);
    this.#held = 0;
    this.#readyInner.clear();
    this.#readySources.clear();
    if (error instanceof AbortError) this.#abort.abort(error);
    for (const l of this.#listeners) l.onRunEnd?.(this.#info, error);
    this.#reject(error);
  }
}
