import type { RunOptions } from './engine.js';
import type { Graph } from './graph.js';
import type { Scheduler } from './scheduler.js';
import { SyncScheduler } from './sync.js';
import { ThreadScheduler } from './thread.js';

let shared: ThreadScheduler | undefined;

/**
 * The process-wide thread scheduler (one worker per core), created on first use. Its idle
 * workers do not keep the process alive.
 */
export function defaultScheduler(): ThreadScheduler {
  shared ??= new ThreadScheduler();
  return shared;
}

/** Options of {@link compute}. */
export interface ComputeOptions extends RunOptions {
  /** `'threads'` (default: the shared pool), `'sync'`, or a scheduler instance. */
  scheduler?: 'threads' | 'sync' | Scheduler;
}

/**
 * Runs the part of `graph` needed for `keys` and resolves with `{ key: result }`.
 *
 * @example
 * const g = new Graph().add('a', 'math.add', [1, 2]).add('b', 'math.mul', [ref('a'), 2]);
 * const { b } = await compute(g, ['b']); // 6
 */
export function compute(graph: Graph, keys: readonly string[], options: ComputeOptions = {}): Promise<Record<string, unknown>> {
  const { scheduler = 'threads', ...run } = options;
  const s = scheduler === 'threads' ? defaultScheduler() : scheduler === 'sync' ? new SyncScheduler() : scheduler;
  return s.run(graph, keys, run);
}
