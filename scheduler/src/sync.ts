import { runBatch, type BatchRequest, type BatchResponse } from './batch.js';
import { runGraph, type Backend, type RunOptions } from './engine.js';
import type { Graph } from './graph.js';
import type { Scheduler } from './scheduler.js';

/**
 * Runs every task in the calling thread, one batch at a time: for debugging (stack traces point
 * at your kernel, breakpoints work) and for tests. Same plan, order, events and errors as the
 * thread scheduler.
 *
 * @example
 * const { b } = await new SyncScheduler().run(graph, ['b']);
 */
export class SyncScheduler implements Scheduler {
  readonly name = 'sync';
  readonly workers = 1;
  readonly #backend: Backend = {
    name: 'sync',
    workers: 1,
    pipelining: false,
    execute: (req: BatchRequest, signal: AbortSignal): Promise<BatchResponse> => {
      if (signal.aborted) return Promise.reject(signal.reason);
      // Yield to the event loop between batches so abort signals and timers get a turn.
      return new Promise((resolve, reject) => setImmediate(() => runBatch(req, false).then(resolve, reject)));
    },
  };

  run(graph: Graph, keys: readonly string[], options?: RunOptions): Promise<Record<string, unknown>> {
    return runGraph(this.#backend, graph, keys, options);
  }

  async close(): Promise<void> {}
}
