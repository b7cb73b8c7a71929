/**
 * Lazy chunked arrays. An {@link NDArray} is a shape, a dtype, a chunking and a recipe for each
 * block; operations build new arrays (and task graphs) without computing anything until
 * `compute()`.
 *
 * Every array is one of three kinds of *layer*:
 *
 * - **source** — blocks are regions of a file or a generator (`fromNpyDir`, `fromArrow`,
 *   `random`, `makeClassification`). A block task has no dependencies: its path, offset or seed
 *   are literal arguments, so the scheduler's memory budget throttles it.
 * - **expr** — an elementwise expression over other arrays and in-memory operands. A chain of
 *   elementwise ops stays one expression, so `X.sub(mean).div(std)` is one task per block that
 *   reads each input block once and writes one output block.
 * - **tasks** — anything else (reductions, `mapBlocks`, `dot`, rechunking…): explicit tasks.
 *
 * **Fusion into consumers.** {@link NDArray.blockArg} is what a consumer task puts in its
 * arguments to receive a block: a `ref` to the block's task for *tasks* arrays, but for source and
 * expr arrays the inline recipe itself — so the consumer reads (and evaluates) the block inside
 * its own task, tile by tile, and the intermediate never exists as a task result. Reductions,
 * `dot`, `mapBlocks` and the stores consume blocks this way. {@link NDArray.blockKey} names the
 * block's own task instead (present in {@link NDArray.graph} for every kind), for graphs that want
 * the block prepared as a separate task — e.g. ahead of a sequential chain.
 */
import { ArrayKernel } from './kernel_names.js';
import { Graph, compute as runCompute, ref, type ComputeOptions } from '@tessera/scheduler';
import { allocate, DenseArray, isBlock, itemSize, sizeOf, type Block, type DType } from './dense.js';
import { blockIndices, normalizeChunks, offsetsOf, type Chunks, type ChunksSpec } from './chunks.js';
import { BlockMismatchError, fmtShape } from './errors.js';
import type { ExprNode, InputKind } from './kernels/spec.js';
import type { Partial, ReduceKind } from './kernels/reduce.js';

/** A source of blocks: a file or a generator, read region by region. */
export interface SourceDef {
  /** Reader name on the workers (`'npy'`, `'arrow'`, `'random'`…). */
  readonly reader: string;
  /** `'array.read'` for files, `'array.generate'` for generators (the task's kernel). */
  readonly kernel: typeof ArrayKernel.read | typeof ArrayKernel.generate;
  /** Name prefix of arrays over this source (`'read-npy'`, `'random'`). */
  readonly label: string;
  /** Identity of the source (path and file stamps, or seed and parameters). */
  readonly token: string;
  readonly dtype: DType;
  /** Shape of the whole source. */
  readonly shape: readonly number[];
  /** Reader parameters for the source rows `[r0, r1)` (lets a reader pass only the files it needs). */
  params(r0: number, r1: number): unknown;
  /** The files it reads (absolute): a store never writes over, into or around them. */
  readonly paths?: readonly string[];
  /**
   * `false`: reductions over this source neither use nor fill the block-statistics cache
   * (block_stats.ts). Default: used where the reader supports it (.npy files).
   */
  readonly blockStats?: boolean;
  /**
   * The reduce partial of source rows `[r0, r1)` × columns `[c0, c1)` when it is known without
   * reading (a dataset manifest's block_stats); null otherwise. @internal
   */
  readonly knownPartial?: (r0: number, r1: number, c0: number, c1: number, kind: ReduceKind, backend: string) => Partial | null;
}

/** @internal */
export interface TasksLayer {
  readonly kind: 'tasks';
  readonly deps: readonly NDArray[];
  /** Adds the array's tasks to `g` (use {@link addTask}, which skips keys already present). */
  readonly build: (g: Graph, self: NDArray) => void;
  /** Hand-built graphs whose keys the tasks refer to (e.g. a fitted model's state). */
  readonly graphs?: readonly Graph[];
}

/** @internal */
export interface SourceLayer {
  readonly kind: 'source';
  readonly def: SourceDef;
  /** Position of this array's [0, 0] in the source. */
  readonly origin: readonly number[];
}

/** @internal An input of an expression: a lazy array (never itself an expression) or a literal. */
export interface ExprInput {
  readonly array?: NDArray;
  readonly literal?: Block;
  readonly shape: readonly number[];
}

/** @internal */
export interface ExprLayer {
  readonly kind: 'expr';
  readonly expr: ExprNode;
  readonly params: readonly number[];
  readonly inputs: readonly ExprInput[];
}

/** @internal */
export type Layer = TasksLayer | SourceLayer | ExprLayer;

/** Adds a task unless its key is already there (equal keys are equal work: names are tokens). */
export function addTask(g: Graph, key: string, kernel: Parameters<Graph['add']>[1], args: readonly unknown[]): void {
  if (!g.has(key)) g.add(key, kernel, args);
}

/** Options of {@link NDArray.compute}: passed through to the scheduler. */
export type ArrayComputeOptions = ComputeOptions;

/**
 * A lazy, chunked n-dimensional array (1-D and 2-D throughout; the chunk and graph layer is
 * n-dimensional).
 *
 * @example
 * const { X } = await fromNpyDir('data/');
 * const Z = X.sub(mean).div(std);           // lazy, fused: one task per block
 * const colMean = await X.mean(0).compute(); // DenseArray [cols]
 */
export class NDArray<D extends DType = DType> {
  readonly shape: readonly number[];
  readonly dtype: D;
  /** Block sizes along each axis (canonical form, see {@link normalizeChunks}). */
  readonly chunks: Chunks;
  /** Deterministic token `label-hash`: equal work gets equal names and task keys. */
  readonly name: string;
  /** @internal */
  readonly layer: Layer;
  #graph: Graph | undefined;
  #offsets: number[][] | undefined;

  /** @internal Arrays are made by operations, readers and generators, not by users. */
  constructor(init: { shape: readonly number[]; dtype: D; chunks: Chunks; name: string; layer: Layer }) {
    this.shape = Object.freeze([...init.shape]);
    this.dtype = init.dtype;
    this.chunks = init.chunks;
    this.name = init.name;
    this.layer = init.layer;
    if (init.chunks.length !== init.shape.length)
      throw new RangeError(`NDArray ${init.name}: chunks for ${init.chunks.length} axes, shape ${fmtShape(init.shape)}.`);
  }

  get ndim(): number {
    return this.shape.length;
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  /** Bytes of the whole array. */
  get nbytes(): number {
    return this.size * itemSize(this.dtype);
  }

  /** Number of blocks along each axis. */
  get numBlocks(): number[] {
    return this.chunks.map((c) => c.length);
  }

  /** Start offsets of the blocks along each axis, with the axis length at the end. */
  get blockOffsets(): readonly (readonly number[])[] {
    this.#offsets ??= this.chunks.map(offsetsOf);
    return this.#offsets;
  }

  /** The shape of block `idx`. */
  blockShape(...idx: number[]): number[] {
    this.checkBlockIndex(idx, 'blockShape');
    return idx.map((b, a) => this.chunks[a]![b]!);
  }

  /**
   * The task key of block `idx` (`name[i,j]`). The task is in {@link NDArray.graph}; a task that
   * needs the block can depend on it with `ref(X.blockKey(i, j))`.
   */
  blockKey(...idx: number[]): string {
    this.checkBlockIndex(idx, 'blockKey');
    return `${this.name}[${idx.join(',')}]`;
  }

  /**
   * What a consumer task puts in its arguments to receive block `idx`: `ref(blockKey)` for arrays
   * made of tasks; the inline read/generate/evaluate recipe for source and elementwise arrays
   * (the consumer's kernel then calls `materialize` or `streamOf` on it, or is wrapped by
   * {@link fusedTask}). Inline recipes carry no refs to sources, so a consumer of source blocks is
   * itself a source task.
   */
  blockArg(...idx: number[]): unknown {
    this.checkBlockIndex(idx, 'blockArg');
    const L = this.layer;
    if (L.kind === 'tasks') return ref(this.blockKey(...idx));
    const shape = idx.map((b, a) => this.chunks[a]![b]!);
    const off = idx.map((b, a) => this.blockOffsets[a]![b]!);
    if (L.kind === 'source') {
      const r0 = L.origin[0]! + (off[0] ?? 0);
      const r1 = r0 + (shape[0] ?? 1);
      const c0 = this.ndim >= 2 ? L.origin[1]! + off[1]! : 0;
      const c1 = this.ndim >= 2 ? c0 + shape[1]! : 1;
      return { $src: L.def.reader, p: L.def.params(r0, r1), r0, r1, c0, c1, dtype: this.dtype, shape };
    }
    const outShape = this.shape;
    const kinds: InputKind[] = [];
    const ins = L.inputs.map((inp) => {
      const { kind, map } = inputMapping(inp.shape, outShape);
      kinds.push(kind);
      if (inp.array) return inp.array.blockArg(...map.map((a) => (a < 0 ? 0 : idx[a]!)));
      return sliceLiteral(inp.literal!, map, off, shape);
    });
    return { $expr: L.expr, params: L.params, ins, kinds, dtype: this.dtype, shape };
  }

  /** Every task needed to compute this array's blocks (built once, on first use). */
  get graph(): Graph {
    if (!this.#graph) this.#graph = buildGraph([this]);
    return this.#graph;
  }

  /** @internal Adds this array's own tasks (not its dependencies'). */
  addOwnTasks(g: Graph): void {
    const L = this.layer;
    if (L.kind === 'tasks') {
      L.build(g, this);
      return;
    }
    const kernel = L.kind === 'source' ? L.def.kernel : ArrayKernel.elementwise;
    for (const idx of blockIndices(this.numBlocks)) addTask(g, this.blockKey(...idx), kernel, [this.blockArg(...idx)]);
  }

  /** @internal Adds the tasks of extra graphs this array (or its dependencies) refers to. */
  addExtraTasks(g: Graph, seen = new Set<string>()): void {
    if (seen.has(this.name)) return;
    seen.add(this.name);
    const L = this.layer;
    if (L.kind === 'tasks') for (const extra of L.graphs ?? []) for (const t of extra) addTask(g, t.key, t.kernel, t.args);
    for (const d of this.dependencies()) d.addExtraTasks(g, seen);
  }

  /** @internal Arrays whose tasks this array's tasks may refer to. */
  dependencies(): readonly NDArray[] {
    const L = this.layer;
    if (L.kind === 'tasks') return L.deps;
    if (L.kind === 'expr') return L.inputs.flatMap((i) => (i.array ? [i.array] : []));
    return [];
  }

  /** Block indices in C order. */
  blockIndices(): Generator<number[]> {
    return blockIndices(this.numBlocks);
  }

  /**
   * Runs the graph and returns the array in memory. Options go to the scheduler (`scheduler`,
   * `memoryLimit`, `signal`, `callbacks`).
   *
   * @example
   * const m = await X.mean(0).compute({ scheduler: 'sync' });
   */
  async compute(options: ArrayComputeOptions = {}): Promise<DenseArray<D>> {
    const [out] = await computeAll([this], options);
    return out as DenseArray<D>;
  }

  /** @internal */
  toString(): string {
    return `NDArray<${this.dtype}>(${this.name}, shape ${fmtShape(this.shape)}, ${this.numBlocks.join('×')} blocks)`;
  }

  /** @internal Throws a RangeError naming `what` unless `idx` is a block index of this array. */
  checkBlockIndex(idx: readonly number[], what: string): void {
    if (idx.length !== this.ndim) throw new RangeError(`${what}: ${this.name} has ${this.ndim} axes; got ${idx.length} indices.`);
    for (let a = 0; a < idx.length; a++) {
      const i = idx[a]!;
      if (!Number.isInteger(i) || i < 0 || i >= this.chunks[a]!.length) {
        throw new RangeError(`${what}: block index ${i} is out of range for axis ${a} of ${this.name} (${this.chunks[a]!.length} blocks).`);
      }
    }
  }
}

/** How an input of shape `inShape` lines up with the output: its kind and output axis per input axis (-1: broadcast). */
export function inputMapping(inShape: readonly number[], outShape: readonly number[]): { kind: InputKind; map: number[] } {
  const nd = outShape.length;
  const shift = nd - inShape.length;
  const map = inShape.map((s, a) => (s === outShape[a + shift] ? a + shift : -1));
  const varies = new Array<boolean>(nd).fill(false);
  for (const a of map) if (a >= 0) varies[a] = true;
  if (nd === 0) return { kind: 'full', map };
  if (nd === 1) return { kind: varies[0] ? 'full' : 'scalar', map };
  if (nd === 2) {
    const kind: InputKind = varies[0] && varies[1] ? 'full' : varies[1] ? 'col' : varies[0] ? 'row' : 'scalar';
    // A size-1 output axis is "varying" for any input; keep 'full' when all axes are covered.
    return { kind, map };
  }
  const all = varies.every((v, a) => v || outShape[a] === 1);
  const none = map.every((a) => a < 0);
  if (all && inShape.length === nd) return { kind: 'full', map };
  if (none) return { kind: 'scalar', map };
  throw new RangeError(
    `Broadcasting an operand of shape ${fmtShape(inShape)} against ${fmtShape(outShape)} is not supported beyond 2-D (only same shape or scalars).`,
  );
}

/** The part of a literal operand that block `(off, shape)` of the output needs. */
function sliceLiteral(lit: Block, map: readonly number[], off: readonly number[], shape: readonly number[]): Block {
  if (lit.shape.length === 0 || map.every((a) => a < 0)) return lit;
  const ranges = lit.shape.map((s, a) => (map[a]! < 0 ? [0, s] : [off[map[a]!]!, off[map[a]!]! + shape[map[a]!]!]) as [number, number]);
  if (ranges.every(([a, b], ax) => a === 0 && b === lit.shape[ax])) return lit;
  const outShape = ranges.map(([a, b]) => b - a);
  const data = allocate(lit.dtype, sizeOf(outShape));
  if (lit.shape.length === 1) data.set(lit.data.subarray(ranges[0]![0], ranges[0]![1]) as never);
  else {
    const cols = lit.shape[1]!;
    const [r0, r1] = ranges[0]!;
    const [c0, c1] = ranges[1]!;
    for (let r = r0; r < r1; r++) data.set(lit.data.subarray(r * cols + c0, r * cols + c1) as never, (r - r0) * (c1 - c0));
  }
  return { dtype: lit.dtype, shape: outShape, data };
}

/**
 * The graph of several arrays: every array reachable from them adds its own tasks once. Pass
 * `into` to add them to a graph being built by hand (keys already there are kept: equal keys are
 * equal work). Use this rather than `g.merge(a.graph).merge(b.graph)` when the arrays share
 * work (`X.mean(0)` and `X.var(0)` share tasks, and `Graph.merge` refuses a key held by a
 * different task object).
 *
 * @example
 * const g = buildGraph([scaled, y]);          // then add a chain that refers to their blockKeys
 * g.add('link-0', 'est.partialFitLink', [state0, ref(scaled.blockKey(0, 0)), ref(y.blockKey(0))]);
 */
export function buildGraph(arrays: readonly NDArray[], into: Graph = new Graph()): Graph {
  const g = into;
  const seen = new Set<string>();
  const stack = [...arrays];
  while (stack.length) {
    const a = stack.pop()!;
    if (seen.has(a.name)) continue;
    seen.add(a.name);
    a.addOwnTasks(g);
    for (const d of a.dependencies()) if (!seen.has(d.name)) stack.push(d);
  }
  for (const a of arrays) a.addExtraTasks(g);
  return g;
}

/**
 * Computes several arrays in one run, sharing the work they have in common (`X.mean(0)` and
 * `X.var(0)` read each block once).
 *
 * @example
 * const [mean, variance] = await computeAll([X.mean(0), X.var(0)]);
 */
export async function computeAll(arrays: readonly NDArray[], options: ArrayComputeOptions = {}): Promise<DenseArray[]> {
  const graph = arrays.length === 1 ? arrays[0]!.graph : buildGraph(arrays);
  const keys: string[] = [];
  for (const a of arrays) for (const idx of a.blockIndices()) keys.push(a.blockKey(...idx));
  const results = keys.length ? await runCompute(graph, keys, options) : {};
  return arrays.map((a) => assembleResult(a, results));
}

function assembleResult(a: NDArray, results: Record<string, unknown>): DenseArray {
  const blocks: Block[] = [];
  for (const idx of a.blockIndices()) {
    const key = a.blockKey(...idx);
    const b = results[key];
    const want = a.blockShape(...idx);
    if (!isBlock(b)) throw new BlockMismatchError(`Task '${key}' returned ${describe(b)}, not a block { dtype, shape, data }.`);
    if (b.dtype !== a.dtype || b.shape.length !== want.length || b.shape.some((s, i) => s !== want[i])) {
      throw new BlockMismatchError(
        `Task '${key}' returned a ${b.dtype} block of shape ${fmtShape(b.shape)}; ${a.name} expects ${a.dtype} ${fmtShape(want)}.`,
      );
    }
    blocks.push(b);
  }
  if (blocks.length === 0) return DenseArray.zeros(a.shape, a.dtype);
  if (blocks.length === 1) return new DenseArray(blocks[0]!.data, a.shape);
  const data = allocate(a.dtype, a.size);
  const cols = a.ndim >= 2 ? a.shape.slice(1).reduce((x, y) => x * y, 1) : 1;
  let i = 0;
  for (const idx of a.blockIndices()) {
    const b = blocks[i++]!;
    const r0 = a.blockOffsets[0]![idx[0]!]!;
    if (a.ndim <= 1 || a.numBlocks.slice(1).every((n) => n === 1)) {
      data.set(b.data as never, r0 * cols);
      continue;
    }
    if (a.ndim !== 2) throw new RangeError(`compute: assembling ${a.ndim}-D arrays blocked along inner axes is not supported.`);
    const c0 = a.blockOffsets[1]![idx[1]!]!;
    const [br, bc] = b.shape as [number, number];
    for (let r = 0; r < br; r++) data.set(b.data.subarray(r * bc, (r + 1) * bc) as never, (r0 + r) * cols + c0);
  }
  return new DenseArray(data, a.shape);
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v !== 'object') return typeof v;
  return (v as object).constructor?.name ?? 'object';
}

/** @internal Normalizes chunks for a new array. */
export function chunksFor(spec: ChunksSpec | Chunks, shape: readonly number[], dtype: DType): Chunks {
  return normalizeChunks(spec, shape, { dtype });
}
