/**
 * The kernel table. Functions cannot cross threads, so a task names its kernel instead:
 *
 * - a **registered kernel**, by name (`'math.add'`, `'array.elementwise'`…). Packages register
 *   their kernels with {@link registerKernels}, giving the URL of the module that defines them;
 *   a worker imports that module the first time it meets one of its kernels. The module must
 *   export the same table as `kernels`, and may export a `prepareTask` ({@link TaskPreparer}).
 * - a **user kernel**, `{ module, export }`: an exported function of any ES module, imported by
 *   the workers (and checked on the main thread before the run starts).
 *
 * Kernels are plain functions of their (resolved) arguments; they may be async. A kernel marked
 * `cheap` costs about as much as a message between threads; the scheduler may fuse or batch it.
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A kernel: a function of the task's resolved arguments. */
export type KernelFn = (...args: any[]) => unknown;

/** A table entry: a function, or a function with scheduling hints. */
export type KernelDef = KernelFn | { readonly fn: KernelFn; readonly cheap?: boolean };

/** A kernel from a user module: `export` names an exported function of `module`. */
export interface UserKernel {
  readonly module: URL | string;
  readonly export: string;
  /** Hint: the kernel is about as cheap as a message, so it may be fused and batched. */
  readonly cheap?: boolean;
}

/** How a task names its kernel. */
export type KernelRef = string | UserKernel;

/** A kernel resolved to where workers find it. */
export interface KernelEntry {
  /** Display name: the registered name, or `export` for user kernels. */
  readonly name: string;
  /** The module that workers import (href). */
  readonly module: string;
  /** `table`: `module.kernels[name]`; `export`: `module[name]`. */
  readonly via: 'table' | 'export';
  /** Name looked up in the module (registered name or export name). */
  readonly lookup: string;
  readonly cheap: boolean;
}

const registry = new Map<string, KernelEntry>();

/**
 * Registers a table of named kernels defined by the module at `moduleUrl`, which must export the
 * same table as `kernels`. Names must be unique across all modules.
 *
 * @example
 * // my-kernels.ts (built to my-kernels.js)
 * export const kernels = { 'my.double': (x: number) => 2 * x };
 * // index.ts
 * import { kernels } from './my-kernels.js';
 * registerKernels(new URL('./my-kernels.js', import.meta.url), kernels);
 */
export function registerKernels(moduleUrl: URL | string, table: Readonly<Record<string, KernelDef>>): void {
  const module = moduleHref(moduleUrl, 'registerKernels');
  for (const [name, def] of Object.entries(table)) {
    const fn = typeof def === 'function' ? def : def?.fn;
    if (typeof fn !== 'function') {
      throw new TypeError(`registerKernels: kernel '${name}' of ${module} must be a function or { fn, cheap }.`);
    }
    const existing = registry.get(name);
    if (existing && existing.module !== module) {
      throw new Error(`registerKernels: kernel '${name}' is already registered by ${existing.module}.`);
    }
    const cheap = typeof def === 'function' ? false : def.cheap === true;
    registry.set(name, { name, module, via: 'table', lookup: name, cheap });
  }
}

/** The registered kernel names. */
export function registeredKernels(): string[] {
  return [...registry.keys()].sort();
}

const workerModules = new Set<string>();

/**
 * Makes every thread import `moduleUrl` before it runs a task: a module whose side effects a
 * kernel relies on without naming it — e.g. one that registers an estimator class, which the
 * out-of-core kernels rebuild by name on the workers. New workers preload it; every batch lists it,
 * so a worker started before the registration imports it first.
 *
 * @example
 * // my-estimator.ts: registerEstimator(MyEstimator, { module: import.meta.url }) calls this.
 * registerWorkerModule(import.meta.url);
 */
export function registerWorkerModule(moduleUrl: URL | string): void {
  workerModules.add(moduleHref(moduleUrl, 'registerWorkerModule'));
}

/** The modules registered with {@link registerWorkerModule}, in registration order. */
export function registeredWorkerModules(): string[] {
  return [...workerModules];
}

/** The modules that registered kernels, and the worker modules (what a worker of a `preload: true` pool imports at start). */
export function registeredModules(): string[] {
  return [...new Set([...registry.values()].map((e) => e.module)), ...workerModules].sort();
}

/**
 * The modules this thread has imported (or is importing) through the kernel table: kernel
 * modules, worker modules and what kernel modules' {@link TaskPreparer}s import — what a kernel
 * run on a worker can report to show which code that worker loaded (the lazy-loading tests do).
 */
export function importedModules(): string[] {
  return [...modules.keys()].sort();
}

/** Imports a module on this thread, once (what `loadKernel` and worker modules share). */
export function importModule(module: string): Promise<Record<string, unknown>> {
  let pending = modules.get(module);
  if (!pending) {
    pending = import(module) as Promise<Record<string, unknown>>;
    modules.set(module, pending);
    pending.catch(() => {
      if (modules.get(module) === pending) modules.delete(module);
    });
  }
  return pending;
}

/** Looks up a registered kernel by name. */
export function getKernelEntry(name: string): KernelEntry | undefined {
  return registry.get(name);
}

/** Resolves a task's kernel reference; undefined for an unregistered name. */
export function resolveKernel(kernel: KernelRef): KernelEntry | undefined {
  if (typeof kernel === 'string') return registry.get(kernel);
  const module = moduleHref(kernel.module, 'UserKernel.module');
  if (typeof kernel.export !== 'string' || kernel.export === '') {
    throw new TypeError(`A user kernel needs 'export', the name of an exported function of ${module}.`);
  }
  return { name: kernel.export, module, via: 'export', lookup: kernel.export, cheap: kernel.cheap === true };
}

/** A stable string identity of a kernel reference (for graph interchange and equality). */
export function kernelId(kernel: KernelRef): string {
  if (typeof kernel === 'string') return kernel;
  return `${moduleHref(kernel.module, 'UserKernel.module')}#${kernel.export}`;
}

/** Parses a {@link kernelId} back into a reference. */
export function parseKernelId(id: string): KernelRef {
  const hash = id.lastIndexOf('#');
  if (hash > 0 && /^[a-z][a-z0-9+.-]*:/i.test(id)) return { module: id.slice(0, hash), export: id.slice(hash + 1) };
  return id;
}

function moduleHref(module: URL | string, what: string): string {
  if (module instanceof URL) return module.href;
  if (typeof module !== 'string' || module === '') {
    throw new TypeError(`${what} must be a URL or an absolute path; got ${String(module)}.`);
  }
  if (/^(file|data|node):/.test(module)) return module;
  if (isAbsolute(module)) return pathToFileURL(module).href;
  throw new TypeError(`${what} must be a URL or an absolute path (workers cannot resolve relative ones); got '${module}'.`);
}

// --- Loading kernels (main thread for the sync scheduler, and every worker) ---------------------

const modules = new Map<string, Promise<Record<string, unknown>>>();
const loaded = new Map<string, KernelFn>();

/**
 * Starts importing kernel modules on this thread without waiting: a worker does so at startup, so
 * that its first batch of, say, estimator kernels does not wait for their import. A failed import
 * is forgotten here; the batch that needs the module imports it again and reports the error.
 */
export function preloadModules(urls: readonly string[]): void {
  const started: Promise<unknown>[] = [preloading];
  for (const module of urls) if (!modules.has(module)) started.push(importModule(module));
  preloading = Promise.allSettled(started).then(() => undefined);
}

let preloading: Promise<void> = Promise.resolve();

/** Settles when the imports started by {@link preloadModules} have (successfully or not). */
export function preloaded(): Promise<void> {
  return preloading;
}

/**
 * What a kernel module may export as `prepareTask`: called on the thread with a task's resolved
 * arguments before any of the module's kernels runs them. It returns a promise when the task
 * needs something first — typically modules its arguments name (an estimator rebuilt by class
 * name imports that class's module on first use) — and undefined when the task can run at once.
 * The wait is not counted in the task's time.
 */
export type TaskPreparer = (args: readonly unknown[]) => Promise<unknown> | undefined;

const preparers = new Map<string, TaskPreparer | null>();

/** The `prepareTask` export of a module that `loadKernel` has loaded on this thread, if any. */
export function taskPreparer(module: string): TaskPreparer | undefined {
  return preparers.get(module) ?? undefined;
}

/** Imports (once per thread) and returns the function behind a kernel entry. */
export async function loadKernel(module: string, via: 'table' | 'export', lookup: string): Promise<KernelFn> {
  const cacheKey = `${via}:${module}#${lookup}`;
  const hit = loaded.get(cacheKey);
  if (hit) return hit;
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(module);
  } catch (error) {
    throw new Error(`Cannot import kernel module ${module}: ${(error as Error).message}`, { cause: error });
  }
  if (!preparers.has(module)) {
    const prepare = mod['prepareTask'];
    preparers.set(module, typeof prepare === 'function' ? (prepare as TaskPreparer) : null);
  }
  let fn: unknown;
  if (via === 'table') {
    const table = mod['kernels'] as Record<string, KernelDef> | undefined;
    const def = table?.[lookup];
    fn = typeof def === 'function' ? def : def?.fn;
    if (typeof fn !== 'function') throw new Error(`Kernel module ${module} has no kernel '${lookup}' in its exported 'kernels' table.`);
  } else {
    fn = mod[lookup];
    if (typeof fn !== 'function') {
      const exports = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
      throw new Error(
        `Kernel module ${module} has no exported function '${lookup}'` +
          (exports.length ? ` (its functions: ${exports.join(', ')}).` : '.'),
      );
    }
  }
  loaded.set(cacheKey, fn as KernelFn);
  return fn as KernelFn;
}
