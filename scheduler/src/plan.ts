/**
 * From a {@link Graph} and the requested keys to a {@link Plan} the engine runs:
 *
 *   index → validate (missing refs, unknown kernels) → cull → cycle check → fuse → order
 *
 * Everything here works over compact integer arrays (CSR adjacency: `ptr[i]..ptr[i+1]` indexes
 * into a flat Int32Array) with explicit stacks and queues — no recursion — so a graph of
 * millions of tasks plans in linear time without touching the call-stack limit.
 *
 * Fusion groups tasks into *nodes*: a linear chain of cheap tasks (each the only dependency of
 * the next, each the only dependent of the previous) becomes one node that a worker runs in one
 * go, the intermediates never leaving it. The engine schedules nodes; events still name tasks.
 */
import { CycleError, GraphError, MissingDependencyError, MissingKeyError, UnknownKernelError } from './errors.js';
import { forEachRef, isPlainObject, Ref, WIRE_REF, type Graph } from './graph.js';
import { kernelId, registeredKernels, resolveKernel, type KernelEntry } from './kernels.js';

/** Planning options. */
export interface PlanOptions {
  /** Fuse linear chains of cheap tasks (default true). */
  fuse?: boolean;
  /** Longest chain fused into one node (default 64). */
  maxFusedLength?: number;
}

/** What the engine runs. Task-level arrays are indexed by task, node-level ones by node. */
export interface Plan {
  readonly nTasks: number;
  readonly taskKeys: readonly string[];
  readonly kernels: readonly KernelEntry[];
  /** Kernel of each task (index into `kernels`). */
  readonly taskKernel: Int32Array;
  /** Arguments of each task with every Ref replaced by `{ __tref: j }`, j indexing its deps. */
  readonly templates: readonly unknown[];
  readonly taskDepPtr: Int32Array;
  readonly taskDeps: Int32Array;

  readonly nNodes: number;
  /** Member tasks of each node in execution order; the last one is the node's output. */
  readonly memPtr: Int32Array;
  readonly members: Int32Array;
  readonly nodeOfTask: Int32Array;
  readonly depPtr: Int32Array;
  readonly deps: Int32Array;
  readonly outPtr: Int32Array;
  readonly outs: Int32Array;
  /** Static priority rank of each node: lower runs first among ready nodes. */
  readonly priority: Int32Array;
  /** 1 where the node's output is a requested key. */
  readonly requested: Uint8Array;
  /** Requested keys and their nodes, in request order. */
  readonly outputs: readonly { readonly key: string; readonly node: number }[];
}

/**
 * Validates the whole graph, then plans the part needed for `keys`.
 * Throws a {@link GraphError} subclass naming the offending task, key or kernel.
 */
export function plan(graph: Graph, keys: readonly string[], options: PlanOptions = {}): Plan {
  // 1. Index every task.
  const allKeys: string[] = [];
  const index = new Map<string, number>();
  for (const task of graph) {
    index.set(task.key, allKeys.length);
    allKeys.push(task.key);
  }
  const outputs: { key: string; node: number }[] = [];
  const requestedSet = new Set<string>();
  for (const key of keys) {
    if (typeof key !== 'string') throw new TypeError(`Requested keys must be strings; got ${String(key)}.`);
    if (!index.has(key)) throw new MissingKeyError(key);
    if (!requestedSet.has(key)) {
      requestedSet.add(key);
      outputs.push({ key, node: -1 });
    }
  }

  // 2. Dependencies of every task (validating refs) and kernels.
  const N = allKeys.length;
  const allDepPtr = new Int32Array(N + 1);
  const allDepList: number[] = [];
  const tasks = [...graph];
  const kernelOf = new Int32Array(N);
  const kernels: KernelEntry[] = [];
  const kernelIndex = new Map<string, number>();
  const depStamp = new Int32Array(N).fill(-1);
  for (let i = 0; i < N; i++) {
    const task = tasks[i]!;
    for (const arg of task.args) {
      forEachRef(arg, (r) => {
        const d = index.get(r.key);
        if (d === undefined) throw new MissingDependencyError(task.key, r.key);
        if (depStamp[d] === i) return;
        depStamp[d] = i;
        allDepList.push(d);
      });
    }
    allDepPtr[i + 1] = allDepList.length;
    const id = typeof task.kernel === 'string' ? task.kernel : kernelId(task.kernel);
    let k = kernelIndex.get(id);
    if (k === undefined) {
      const entry = resolveKernel(task.kernel);
      if (!entry) throw new UnknownKernelError(task.key, id, registeredKernels());
      k = kernels.length;
      kernels.push(entry);
      kernelIndex.set(id, k);
    }
    kernelOf[i] = k;
  }
  const allDeps = Int32Array.from(allDepList);

  // 3. Cull: keep what the requested keys need.
  const needed = new Uint8Array(N);
  const stack: number[] = [];
  for (const o of outputs) {
    const i = index.get(o.key)!;
    if (!needed[i]) {
      needed[i] = 1;
      stack.push(i);
    }
  }
  while (stack.length) {
    const i = stack.pop()!;
    for (let p = allDepPtr[i]!; p < allDepPtr[i + 1]!; p++) {
      const d = allDeps[p]!;
      if (!needed[d]) {
        needed[d] = 1;
        stack.push(d);
      }
    }
  }
  const newIndex = new Int32Array(N).fill(-1);
  let n = 0;
  for (let i = 0; i < N; i++) if (needed[i]) newIndex[i] = n++;
  const taskKeys: string[] = new Array(n);
  const taskKernel = new Int32Array(n);
  const templates: unknown[] = new Array(n);
  const taskDepPtr = new Int32Array(n + 1);
  const taskDeps = new Int32Array(countKept(allDepPtr, needed));
  for (let i = 0, t = 0, e = 0; i < N; i++) {
    if (!needed[i]) continue;
    taskKeys[t] = allKeys[i]!;
    taskKernel[t] = kernelOf[i]!;
    const depCount = allDepPtr[i + 1]! - allDepPtr[i]!;
    const local = new Map<string, number>();
    for (let p = allDepPtr[i]!; p < allDepPtr[i + 1]!; p++) {
      local.set(allKeys[allDeps[p]!]!, local.size);
      taskDeps[e++] = newIndex[allDeps[p]!]!;
    }
    templates[t] = depCount === 0 ? tasks[i]!.args : encodeArgs(tasks[i]!.args, local);
    taskDepPtr[++t] = e;
  }

  // 4. Dependents, and a topological order (Kahn) that also detects cycles.
  const [taskOutPtr, taskOuts] = reverse(n, taskDepPtr, taskDeps);
  const topo = topologicalOrder(n, taskDepPtr, taskDeps, taskOutPtr, taskOuts, taskKeys);

  // 5. Fuse linear chains of cheap tasks.
  const requestedTask = new Uint8Array(n);
  for (const o of outputs) requestedTask[newIndex[index.get(o.key)!]!] = 1;
  const maxLen = Math.max(1, options.maxFusedLength ?? 64);
  const fuse = options.fuse !== false && maxLen > 1;
  // tailOf[t]: the last task of the fused chain t belongs to; that chain is one node.
  const tailOf = new Int32Array(n);
  const chainLen = new Int32Array(n).fill(1);
  for (let i = 0; i < n; i++) tailOf[i] = i;
  // Walk in reverse topological order so each task knows its chain below it.
  const fusedIntoChild = new Uint8Array(n);
  if (fuse) {
    for (let q = n - 1; q >= 0; q--) {
      const t = topo[q]!;
      if (requestedTask[t] || taskOutPtr[t + 1]! - taskOutPtr[t]! !== 1) continue;
      const child = taskOuts[taskOutPtr[t]!]!;
      if (taskDepPtr[child + 1]! - taskDepPtr[child]! !== 1) continue;
      if (!kernels[taskKernel[t]!]!.cheap || !kernels[taskKernel[child]!]!.cheap) continue;
      if (chainLen[child]! + 1 > maxLen) continue;
      fusedIntoChild[t] = 1;
      tailOf[t] = tailOf[child]!;
      chainLen[t] = chainLen[child]! + 1;
    }
  }
  // Nodes: one per task that is not fused into its child (the chain's tail).
  const nodeOfTask = new Int32Array(n).fill(-1);
  let nNodes = 0;
  const tailNode = new Int32Array(n).fill(-1);
  for (let q = 0; q < n; q++) {
    const t = topo[q]!;
    if (!fusedIntoChild[t]) tailNode[t] = nNodes++;
  }
  for (let t = 0; t < n; t++) nodeOfTask[t] = tailNode[tailOf[t]!]!;
  // Members in topological order.
  const memCount = new Int32Array(nNodes);
  for (let t = 0; t < n; t++) memCount[nodeOfTask[t]!]!++;
  const memPtr = new Int32Array(nNodes + 1);
  for (let v = 0; v < nNodes; v++) memPtr[v + 1] = memPtr[v]! + memCount[v]!;
  const members = new Int32Array(n);
  const fill = memPtr.slice(0, nNodes);
  for (let q = 0; q < n; q++) {
    const t = topo[q]!;
    members[fill[nodeOfTask[t]!]!++] = t;
  }
  // Node dependencies: external deps of the node's members.
  const depLists: number[] = [];
  const depPtr = new Int32Array(nNodes + 1);
  const stamp = new Int32Array(nNodes).fill(-1);
  for (let v = 0; v < nNodes; v++) {
    for (let p = memPtr[v]!; p < memPtr[v + 1]!; p++) {
      const t = members[p]!;
      for (let e = taskDepPtr[t]!; e < taskDepPtr[t + 1]!; e++) {
        const u = nodeOfTask[taskDeps[e]!]!;
        if (u !== v && stamp[u] !== v) {
          stamp[u] = v;
          depLists.push(u);
        }
      }
    }
    depPtr[v + 1] = depLists.length;
  }
  const deps = Int32Array.from(depLists);
  const [outPtr, outs] = reverse(nNodes, depPtr, deps);
  const requested = new Uint8Array(nNodes);
  for (const o of outputs) {
    o.node = nodeOfTask[newIndex[index.get(o.key)!]!]!;
    requested[o.node] = 1;
  }

  const priority = order(
    nNodes,
    depPtr,
    deps,
    outPtr,
    outs,
    outputs.map((o) => o.node),
  );
  return {
    nTasks: n,
    taskKeys,
    kernels,
    taskKernel,
    templates,
    taskDepPtr,
    taskDeps,
    nNodes,
    memPtr,
    members,
    nodeOfTask,
    depPtr,
    deps,
    outPtr,
    outs,
    priority,
    requested,
    outputs,
  };
}

function countKept(ptr: Int32Array, keep: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < keep.length; i++) if (keep[i]) c += ptr[i + 1]! - ptr[i]!;
  return c;
}

/** Replaces each Ref in `value` by a wire marker `{ __tref: j }` (j = the dep's local index). */
function encodeArgs(value: unknown, local: Map<string, number>): unknown {
  if (value instanceof Ref) return { [WIRE_REF]: local.get(value.key)! };
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const e = encodeArgs(value[i], local);
      if (e !== value[i]) (out ??= value.slice())[i] = e;
    }
    return out ?? value;
  }
  if (isPlainObject(value)) {
    let out: Record<string, unknown> | undefined;
    for (const k in value) {
      const e = encodeArgs(value[k], local);
      if (e !== value[k]) (out ??= { ...value })[k] = e;
    }
    return out ?? value;
  }
  return value;
}

/** The dependents adjacency (CSR) of a dependencies adjacency. */
export function reverse(n: number, ptr: Int32Array, adj: Int32Array): [Int32Array, Int32Array] {
  const count = new Int32Array(n + 1);
  for (let e = 0; e < adj.length; e++) count[adj[e]! + 1]!++;
  for (let i = 0; i < n; i++) count[i + 1]! += count[i]!;
  const out = new Int32Array(adj.length);
  const fill = count.slice(0, n);
  for (let i = 0; i < n; i++) for (let e = ptr[i]!; e < ptr[i + 1]!; e++) out[fill[adj[e]!]!++] = i;
  return [count, out];
}

/** Kahn's algorithm; on a cycle, throws {@link CycleError} with the keys of one cycle. */
function topologicalOrder(
  n: number,
  depPtr: Int32Array,
  deps: Int32Array,
  outPtr: Int32Array,
  outs: Int32Array,
  keys: readonly string[],
): Int32Array {
  const remaining = new Int32Array(n);
  const order = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let i = 0; i < n; i++) {
    remaining[i] = depPtr[i + 1]! - depPtr[i]!;
    if (remaining[i] === 0) order[tail++] = i;
  }
  while (head < tail) {
    const i = order[head++]!;
    for (let e = outPtr[i]!; e < outPtr[i + 1]!; e++) {
      const j = outs[e]!;
      if (--remaining[j]! === 0) order[tail++] = j;
    }
  }
  if (tail < n) throw new CycleError(findCycle(n, depPtr, deps, remaining, keys));
  return order;
}

/** Every node left by Kahn has a dependency also left: follow such deps until one repeats. */
function findCycle(n: number, depPtr: Int32Array, deps: Int32Array, remaining: Int32Array, keys: readonly string[]): string[] {
  let start = 0;
  while (start < n && remaining[start] === 0) start++;
  const seenAt = new Int32Array(n).fill(-1);
  const path: number[] = [];
  let v = start;
  while (seenAt[v] === -1) {
    seenAt[v] = path.length;
    path.push(v);
    let next = -1;
    for (let e = depPtr[v]!; e < depPtr[v + 1]!; e++) {
      if (remaining[deps[e]!]! > 0) {
        next = deps[e]!;
        break;
      }
    }
    if (next < 0) throw new GraphError('Internal error: cycle search lost its way.');
    v = next;
  }
  // path[seenAt[v]..] is the cycle, walked from dependents to dependencies: reverse it.
  return path
    .slice(seenAt[v])
    .reverse()
    .map((i) => keys[i]!);
}

/**
 * Static priorities, in the spirit of dask.order: a depth-first post-order from the requested
 * nodes, visiting first the dependency with the longest path behind it (so a serial chain is
 * walked before the side inputs of its links). The result runs each output's inputs to
 * completion before starting the sources of the next, which frees data early: block i is read,
 * prepared and consumed before block i+1's read is preferred.
 */
function order(
  n: number,
  depPtr: Int32Array,
  deps: Int32Array,
  outPtr: Int32Array,
  outs: Int32Array,
  roots: readonly number[],
): Int32Array {
  // Height: longest path (in nodes) down to a source. Computed in topological order.
  const height = new Int32Array(n);
  const remaining = new Int32Array(n);
  const queue = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let i = 0; i < n; i++) {
    remaining[i] = depPtr[i + 1]! - depPtr[i]!;
    if (remaining[i] === 0) queue[tail++] = i;
  }
  while (head < tail) {
    const i = queue[head++]!;
    let h = 0;
    for (let e = depPtr[i]!; e < depPtr[i + 1]!; e++) h = Math.max(h, height[deps[e]!]!);
    height[i] = h + 1;
    for (let e = outPtr[i]!; e < outPtr[i + 1]!; e++) if (--remaining[outs[e]!]! === 0) queue[tail++] = outs[e]!;
  }
  // Dependencies of each node sorted by height (descending), then index.
  const sorted = deps.slice();
  for (let i = 0; i < n; i++) {
    const a = depPtr[i]!;
    const b = depPtr[i + 1]!;
    if (b - a > 1) {
      const part = Array.from(sorted.subarray(a, b)).sort((x, y) => height[y]! - height[x]! || x - y);
      sorted.set(part, a);
    }
  }
  const priority = new Int32Array(n).fill(-1);
  const cursor = new Int32Array(n);
  const onStack = new Uint8Array(n);
  let rank = 0;
  const stack: number[] = [];
  const visitRoot = (r: number) => {
    if (priority[r]! >= 0 || onStack[r]) return;
    stack.push(r);
    onStack[r] = 1;
    cursor[r] = depPtr[r]!;
    while (stack.length) {
      const v = stack[stack.length - 1]!;
      let pushed = false;
      while (cursor[v]! < depPtr[v + 1]!) {
        const d = sorted[cursor[v]!++]!;
        if (priority[d]! < 0 && !onStack[d]) {
          stack.push(d);
          onStack[d] = 1;
          cursor[d] = depPtr[d]!;
          pushed = true;
          break;
        }
      }
      if (!pushed) {
        stack.pop();
        onStack[v] = 0;
        priority[v] = rank++;
      }
    }
  };
  for (const r of roots) visitRoot(r);
  for (let i = 0; i < n; i++) visitRoot(i); // anything not under a root (cannot happen after cull)
  return priority;
}
