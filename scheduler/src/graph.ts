/**
 * The task graph as users and libraries build it: string keys mapping to tasks, each task naming
 * a kernel and its arguments. An argument is a literal — number, string, boolean, null, typed
 * array, plain array or object — or a {@link Ref} to another task's key, at any depth of nesting.
 * The graph is plain data: it runs on any thread.
 */
import { DuplicateKeyError, GraphError } from './errors.js';
import { kernelId, parseKernelId, type KernelRef } from './kernels.js';

/** A reference to the result of the task with key `key`. */
export class Ref {
  constructor(readonly key: string) {
    if (typeof key !== 'string' || key === '') throw new TypeError(`ref: a key must be a non-empty string; got ${String(key)}.`);
  }
  toString(): string {
    return `ref(${this.key})`;
  }
}

/** A reference to another task's result, for use in task arguments. */
export function ref(key: string): Ref {
  return new Ref(key);
}

/** One task: a kernel and its arguments. */
export interface Task {
  readonly key: string;
  readonly kernel: KernelRef;
  readonly args: readonly unknown[];
}

/** The property name that marks a reference in arguments sent to workers. */
export const WIRE_REF = '__tref';

/**
 * Calls `visit` for every {@link Ref} inside `value` (arrays and plain objects are searched at any
 * depth; typed arrays and other objects are literals). Iterative, so deep nesting is safe.
 */
export function forEachRef(value: unknown, visit: (r: Ref) => void): void {
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (v instanceof Ref) visit(v);
    else if (Array.isArray(v)) for (let i = v.length - 1; i >= 0; i--) stack.push(v[i]);
    else if (isPlainObject(v)) {
      if (Object.hasOwn(v, WIRE_REF)) {
        throw new GraphError(`An argument object has the reserved property '${WIRE_REF}'.`);
      }
      for (const k in v) stack.push((v as Record<string, unknown>)[k]);
    }
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The keys a task's arguments refer to, each once, in first-seen order. */
export function taskDependencies(task: Task): string[] {
  const seen = new Set<string>();
  for (const a of task.args) forEachRef(a, (r) => seen.add(r.key));
  return [...seen];
}

/**
 * A task graph.
 *
 * @example
 * const g = new Graph()
 *   .add('a', 'math.add', [1, 2])
 *   .add('b', 'math.mul', [ref('a'), 10]);
 * const { b } = await compute(g, ['b']); // 30
 */
export class Graph implements Iterable<Task> {
  readonly #tasks = new Map<string, Task>();

  /** Adds a task. Throws {@link DuplicateKeyError} when the key is taken. */
  add(key: string, kernel: KernelRef, args: readonly unknown[] = []): this {
    if (typeof key !== 'string' || key === '') throw new TypeError(`Graph.add: a key must be a non-empty string; got ${String(key)}.`);
    if (this.#tasks.has(key)) throw new DuplicateKeyError(key);
    if (typeof kernel !== 'string' && (typeof kernel !== 'object' || kernel === null)) {
      throw new TypeError(`Graph.add: task '${key}' needs a kernel name or { module, export }; got ${String(kernel)}.`);
    }
    if (!Array.isArray(args)) throw new TypeError(`Graph.add: the arguments of task '${key}' must be an array.`);
    this.#tasks.set(key, { key, kernel, args });
    return this;
  }

  /**
   * Adds every task of `other`. Keys already present are kept when the task is the same object
   * (graphs built from the same lazy arrays share tasks); a different task under a taken key throws.
   */
  merge(other: Graph): this {
    for (const task of other) {
      const mine = this.#tasks.get(task.key);
      if (mine === undefined) this.#tasks.set(task.key, task);
      else if (mine !== task) throw new DuplicateKeyError(task.key);
    }
    return this;
  }

  has(key: string): boolean {
    return this.#tasks.has(key);
  }

  get(key: string): Task | undefined {
    return this.#tasks.get(key);
  }

  get size(): number {
    return this.#tasks.size;
  }

  keys(): IterableIterator<string> {
    return this.#tasks.keys();
  }

  [Symbol.iterator](): IterableIterator<Task> {
    return this.#tasks.values();
  }

  /** The keys the task `key` refers to. */
  dependencies(key: string): string[] {
    const task = this.#tasks.get(key);
    if (!task) throw new GraphError(`The graph has no task '${key}'.`);
    return taskDependencies(task);
  }

  /**
   * A @dagrejs/graphlib directed graph with one node per task (label `{ kernel }`) and an edge
   * from each dependency to its dependent — for drawing with dagre. Pass the module's `Graph`
   * class: `toGraphlib(graphlib.Graph)`.
   */
  toGraphlib<G extends GraphlibLike>(GraphlibGraph: new (opts?: { directed?: boolean }) => G): G {
    const g = new GraphlibGraph({ directed: true });
    for (const task of this) g.setNode(task.key, { kernel: kernelId(task.kernel), args: task.args });
    for (const task of this) for (const dep of taskDependencies(task)) g.setEdge(dep, task.key);
    return g;
  }

  /**
   * Builds a graph from a graphlib graph whose node labels are `{ kernel, args }` (as written by
   * {@link Graph.toGraphlib}). Edges are informational: dependencies come from the refs in args.
   */
  static fromGraphlib(g: GraphlibLike): Graph {
    const out = new Graph();
    for (const key of g.nodes()) {
      const label = g.node(key) as { kernel?: unknown; args?: unknown } | undefined;
      if (!label || typeof label.kernel !== 'string') {
        throw new GraphError(`fromGraphlib: node '${key}' needs a label { kernel, args }.`);
      }
      const args = label.args === undefined ? [] : label.args;
      if (!Array.isArray(args)) throw new GraphError(`fromGraphlib: the args of node '${key}' must be an array.`);
      out.add(key, parseKernelId(label.kernel), args);
    }
    return out;
  }
}

/** The part of @dagrejs/graphlib's Graph that interop uses. */
export interface GraphlibLike {
  setNode(name: string, label?: unknown): unknown;
  setEdge(v: string, w: string, label?: unknown): unknown;
  nodes(): string[];
  node(name: string): unknown;
}
