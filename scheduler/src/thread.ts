import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import type { Piscina as PiscinaPool } from 'piscina';
import type { BatchRequest, BatchResponse } from './batch.js';
import { runGraph, type Backend, type RunOptions } from './engine.js';
import type { Graph } from './graph.js';
import type { Scheduler } from './scheduler.js';
import type { AbortError } from './errors.js';
import { enableGcHints } from './memory.js';
import { registeredModules, registeredWorkerModules } from './kernels.js';

/**
 * piscina, loaded when the first pool is made: this module is part of the package's index, which
 * every worker imports through the kernel modules, and a worker has no use for the pool's own
 * implementation (~20 ms of each worker's start-up; also spared by programs that make no pool).
 */
let piscina: typeof PiscinaPool | undefined;
function Piscina(): typeof PiscinaPool {
  return (piscina ??= (createRequire(import.meta.url)('piscina') as { Piscina: typeof PiscinaPool }).Piscina);
}

/**
 * Piscina load balancer: an idle worker, the batch's preferred one (see Backend.execute) when it
 * is idle; otherwise the task waits in piscina's queue. (Our tasks carry an AbortSignal, so
 * piscina would not queue a second one on a busy worker anyway.)
 */
function preferIdle(task: object, workers: PiscinaWorkerLike[]): PiscinaWorkerLike | null {
  const wanted = ((task as Record<symbol, unknown>)[Piscina().queueOptionsSymbol] as { worker?: number } | null | undefined)?.worker;
  let idle: PiscinaWorkerLike | null = null;
  for (const w of workers) {
    if (w.currentUsage !== 0) continue;
    if (w.id === wanted) return w;
    idle ??= w;
  }
  return idle;
}

interface PiscinaWorkerLike {
  readonly id: number;
  readonly currentUsage: number;
}

/** Options of a {@link ThreadScheduler}. */
export interface ThreadSchedulerOptions {
  /** Worker threads (default: `os.availableParallelism()`). */
  threads?: number;
  /**
   * Whether workers import the modules of every kernel registered so far as soon as they start
   * (default false). By default a worker imports at start only the modules registered with
   * `registerWorkerModule`, and a kernel module on the first task that needs it: a worker that
   * only reduces arrays and trains an SGD model never loads the code of the other estimators.
   * `true` suits a pool made well ahead of its first run, whose workers would otherwise be idle.
   */
  preload?: boolean;
}

/**
 * Runs tasks on a pool of worker threads (piscina), one per core by default. Results that hold
 * typed arrays live in SharedArrayBuffers, so a block made on one worker is used on another or on
 * the main thread without a copy. The pool is long-lived and reused across runs; idle workers do
 * not keep the process alive, and `close()` stops them.
 *
 * @example
 * const scheduler = new ThreadScheduler({ threads: 4 });
 * const { total } = await scheduler.run(graph, ['total'], { memoryLimit: '2GB' });
 * await scheduler.close();
 */
export class ThreadScheduler implements Scheduler {
  readonly name = 'threads';
  readonly workers: number;
  readonly #pool: PiscinaPool<BatchRequest, BatchResponse>;
  readonly #backend: Backend;
  /** One controller per run in progress: close() aborts them. */
  readonly #runs = new Set<AbortController>();
  #closed = false;

  constructor(options: ThreadSchedulerOptions = {}) {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) {
      throw new RangeError(`The 'threads' option of ThreadScheduler must be a positive integer. Got ${threads} instead.`);
    }
    this.workers = threads;
    enableGcHints(); // this thread's; each worker takes its own as it starts (worker.ts)
    const Pool = Piscina();
    this.#pool = new Pool({
      filename: new URL('./worker.js', import.meta.url).href,
      workerData: { preload: options.preload === true ? registeredModules() : registeredWorkerModules() },
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 2 ** 31 - 1,
      // Two batches per worker: a queued cheap batch hides the message round trip.
      concurrentTasksPerWorker: 2,
      // 'async': an idle worker's event loop keeps running (GC hints, timers), unlike 'sync'.
      atomics: 'async',
      loadBalancer: preferIdle as unknown as NonNullable<ConstructorParameters<typeof PiscinaPool>[0]>['loadBalancer'],
    });
    this.#backend = {
      name: 'threads',
      workers: threads,
      pipelining: true,
      execute: (req, signal, preferredWorker) => {
        if (preferredWorker !== undefined)
          (req as unknown as Record<symbol, unknown>)[Pool.queueOptionsSymbol] = { worker: preferredWorker };
        return this.#pool.run(req, { signal });
      },
    };
  }

  /**
   * Resolves once every worker has started and imported the modules it loads at start (the
   * worker modules; every registered kernel module with `preload: true`). Runs do not need it
   * (they wait for workers as needed); it lets a program pay the pool's startup — tens of
   * milliseconds per worker, more with large kernel packages — before it starts timing.
   */
  async ready(): Promise<void> {
    if (this.#closed) throw new Error('This ThreadScheduler is closed.');
    const ping = { ready: true } as unknown as BatchRequest;
    await Promise.all(Array.from({ length: this.workers }, () => this.#pool.run(ping)));
  }

  /** Thread ids of the live workers. */
  get threadIds(): number[] {
    return this.#pool.threads.map((w) => w.threadId);
  }

  run(graph: Graph, keys: readonly string[], options: RunOptions = {}): Promise<Record<string, unknown>> {
    if (this.#closed) return Promise.reject(new Error('This ThreadScheduler is closed.'));
    if (options === null || typeof options !== 'object') return runGraph(this.#backend, graph, keys, options);
    // The run listens to its own controller, which follows the caller's signal and close().
    const controller = new AbortController();
    const outer = options.signal;
    const follow = () => controller.abort(outer!.reason);
    if (outer instanceof AbortSignal) {
      if (outer.aborted) controller.abort(outer.reason);
      else outer.addEventListener('abort', follow, { once: true });
    }
    this.#runs.add(controller);
    const done = () => {
      this.#runs.delete(controller);
      if (outer instanceof AbortSignal) outer.removeEventListener('abort', follow);
    };
    const signal = outer === undefined || outer instanceof AbortSignal ? controller.signal : outer;
    const run = runGraph(this.#backend, graph, keys, { ...options, signal });
    run.then(done, done);
    return run;
  }

  /**
   * Stops the workers. Runs still in progress are aborted first: they reject with an
   * {@link AbortError} and their batches are cancelled, so closing never waits for a kernel to
   * finish, and a run's rejection says why it stopped. Closing after an abort is as quick.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const run of this.#runs) run.abort(new Error('The ThreadScheduler was closed.'));
    await this.#pool.destroy();
  }
}
