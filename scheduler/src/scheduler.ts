/**
 * The scheduler interface. Both implementations run the same engine (engine.ts) over a different
 * backend, so they agree on results, ordering policy, memory accounting, events and errors; one
 * conformance suite runs against both.
 */
import type { RunOptions } from './engine.js';
import type { Graph } from './graph.js';

export interface Scheduler {
  /** `'sync'` or `'threads'`. */
  readonly name: string;
  /** Tasks that can run at the same time. */
  readonly workers: number;
  /** Runs the part of `graph` needed for `keys`; resolves with `{ key: result }`. */
  run(graph: Graph, keys: readonly string[], options?: RunOptions): Promise<Record<string, unknown>>;
  /** Releases threads. The scheduler cannot run afterwards. */
  close(): Promise<void>;
}
