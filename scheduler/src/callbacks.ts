/**
 * Diagnostics hook into runs through callbacks, as in dask's `callbacks.py`: a listener object
 * with optional `onRunStart`, `onTaskStart`, `onTaskEnd`, `onRelease` and `onRunEnd`. Listeners
 * are registered for a *scope* — every run started inside `withCallbacks(listeners, fn)`, however
 * deep in async calls, reports to them (AsyncLocalStorage carries the scope) — or passed to one
 * run through its options. Scopes nest. With no listener registered, no event is built.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** A task that ran, as the scheduler reports it. Times are ms on the process-wide clock. */
export interface TaskEvent {
  readonly runId: number;
  readonly key: string;
  /** Kernel display name (registered name, or the export name of a user kernel). */
  readonly kernel: string;
  /** Thread id of the worker (0: the main thread). A replaced worker has a new id. */
  readonly worker: number;
  readonly start: number;
  readonly end: number;
  /** Bytes of typed arrays in the task's result, when it left its worker (0 if it did not). */
  readonly bytes: number;
}

/** A result dropped after its last dependent ran. */
export interface ReleaseEvent {
  readonly runId: number;
  readonly key: string;
  readonly bytes: number;
}

/** Live view of a run, handed to `onRunStart`. */
export interface RunInfo {
  readonly id: number;
  /** The run's name, when whoever started it gave one (`RunOptions.name`). */
  readonly name: string | undefined;
  readonly scheduler: string;
  /** Tasks in the run (after culling). */
  readonly tasks: number;
  /** Worker threads serving the run. */
  readonly workers: number;
  readonly keys: readonly string[];
  readonly start: number;
  readonly memoryLimit: number;
  /** Bytes of results the scheduler holds right now. */
  heldBytes(): number;
  /** Highest `heldBytes()` so far. */
  peakHeldBytes(): number;
  /** Tasks finished so far. */
  done(): number;
  /** Batches on workers right now. */
  running(): number;
}

/** Listener of run events. Every method is optional. */
export interface SchedulerCallbacks {
  onRunStart?(run: RunInfo): void;
  /** Called when a task's timing is known (right before `onTaskEnd`, with the same event). */
  onTaskStart?(event: TaskEvent): void;
  onTaskEnd?(event: TaskEvent): void;
  onRelease?(event: ReleaseEvent): void;
  onRunEnd?(run: RunInfo, error?: unknown): void;
}

const scope = new AsyncLocalStorage<readonly SchedulerCallbacks[]>();

/**
 * Runs `fn` with `listeners` registered for every run it starts (nested scopes add up).
 *
 * @example
 * await withCallbacks([{ onTaskEnd: (e) => console.log(e.key, e.end - e.start) }], () => compute(g, ['b']));
 */
export function withCallbacks<T>(listeners: readonly SchedulerCallbacks[], fn: () => T): T {
  const outer = scope.getStore() ?? [];
  return scope.run([...outer, ...listeners], fn);
}

/** The listeners registered in the current scope. */
export function activeCallbacks(): readonly SchedulerCallbacks[] {
  return scope.getStore() ?? [];
}
