/**
 * Errors of the graph and scheduler layer. Each names what was wrong and where (task key,
 * kernel, dependency) so that a user can find the offending piece of a large graph.
 */

/** A graph that cannot run: a missing reference, a cycle, an unknown kernel, a duplicate key. */
export class GraphError extends Error {
  override readonly name = 'GraphError';
}

/** A reference to a key that no task produces. */
export class MissingDependencyError extends GraphError {
  constructor(
    readonly task: string,
    readonly dependency: string,
  ) {
    super(`Task '${task}' refers to key '${dependency}', which is not in the graph.`);
  }
}

/** The graph has a cycle; `cycle` holds the keys of one, in order. */
export class CycleError extends GraphError {
  constructor(readonly cycle: readonly string[]) {
    const shown = cycle.length <= 12 ? [...cycle, cycle[0]] : [...cycle.slice(0, 10), `… ${cycle.length - 10} more`, cycle[0]];
    super(`The graph has a cycle: ${shown.map((k) => (k!.startsWith('… ') ? k : `'${k}'`)).join(' -> ')}.`);
  }
}

/** A task names a kernel that is not registered. */
export class UnknownKernelError extends GraphError {
  constructor(
    readonly task: string,
    readonly kernel: string,
    known: readonly string[],
  ) {
    const near = known.filter((k) => k.split('.')[0] === kernel.split('.')[0]).slice(0, 8);
    super(
      `Task '${task}' names kernel '${kernel}', which is not registered.` +
        (near.length ? ` Known kernels with that prefix: ${near.join(', ')}.` : ''),
    );
  }
}

/** Two tasks with the same key. */
export class DuplicateKeyError extends GraphError {
  constructor(readonly key: string) {
    super(`The graph already has a task with key '${key}'.`);
  }
}

/** A requested output key that no task produces. */
export class MissingKeyError extends GraphError {
  constructor(readonly key: string) {
    super(`Requested key '${key}' is not in the graph.`);
  }
}

/** A kernel threw while running a task. The kernel's own error is `cause`. */
export class TaskError extends Error {
  override readonly name = 'TaskError';
  constructor(
    readonly key: string,
    readonly kernel: string,
    cause: unknown,
  ) {
    super(`Task '${key}' (kernel '${kernel}') failed: ${messageOf(cause)}`, { cause });
  }
}

/** The worker thread running a task died (process.exit, out of memory, a native crash). */
export class WorkerDiedError extends Error {
  override readonly name = 'WorkerDiedError';
  constructor(
    readonly keys: readonly string[],
    cause: unknown,
  ) {
    const shown =
      keys
        .slice(0, 5)
        .map((k) => `'${k}'`)
        .join(', ') + (keys.length > 5 ? `, … (${keys.length} tasks)` : '');
    super(`A worker thread died while running ${shown}: ${messageOf(cause)}. The worker was replaced.`, { cause });
  }
}

/** The run was cancelled through its AbortSignal. */
export class AbortError extends Error {
  override readonly name = 'AbortError';
  constructor(reason?: unknown) {
    super(reason === undefined ? 'The run was aborted.' : `The run was aborted: ${messageOf(reason)}`, { cause: reason });
  }
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
