/**
 * @tessera/scheduler — task graphs (plain data: keys, kernels, arguments with `ref`s), their
 * planning (validation, culling, fusion, ordering) and the schedulers that run them: the
 * `ThreadScheduler` on every core and the `SyncScheduler` in the calling thread, with a memory
 * budget, events for diagnostics, and errors that name the task.
 *
 * @example
 * const g = new Graph().add('a', 'math.add', [1, 2]).add('b', 'math.mul', [ref('a'), 10]);
 * const { b } = await compute(g, ['b']); // 30
 *
 * @module @tessera/scheduler
 */
import { registerKernels } from './kernels.js';
import { kernels as builtinKernels } from './builtin_kernels.js';

registerKernels(new URL('./builtin_kernels.js', import.meta.url), builtinKernels);

export { Graph, Ref, ref, taskDependencies, forEachRef, type Task, type GraphlibLike } from './graph.js';
export {
  registerKernels,
  registerWorkerModule,
  registeredKernels,
  importModule,
  importedModules,
  resolveKernel,
  kernelId,
  parseKernelId,
  type KernelFn,
  type KernelDef,
  type KernelRef,
  type UserKernel,
  type KernelEntry,
  type TaskPreparer,
} from './kernels.js';
export {
  GraphError,
  MissingDependencyError,
  CycleError,
  UnknownKernelError,
  DuplicateKeyError,
  MissingKeyError,
  TaskError,
  WorkerDiedError,
  AbortError,
} from './errors.js';
export { plan, type Plan, type PlanOptions } from './plan.js';
export { runGraph, type Backend, type RunOptions } from './engine.js';
export { runBatch, byteSize, now, type BatchRequest, type BatchResponse, type WireTask } from './batch.js';
export { withCallbacks, activeCallbacks, type SchedulerCallbacks, type TaskEvent, type ReleaseEvent, type RunInfo } from './callbacks.js';
export { type Scheduler } from './scheduler.js';
export { SyncScheduler } from './sync.js';
export { ThreadScheduler, type ThreadSchedulerOptions } from './thread.js';
export { compute, defaultScheduler, type ComputeOptions } from './compute.js';
export {
  parseBytes,
  parseMemoryLimit,
  defaultMemoryLimit,
  formatBytes,
  noteDeadBytes,
  createBufferPool,
  GC_HINT_BYTES,
  type BufferPool,
  type BufferPoolOptions,
} from './memory.js';
