/**
 * `mapBlocks`: one task per block calling a kernel, and `fusedTask` for graphs built by hand.
 * Both pass blocks the way {@link NDArray.blockArg} delivers them: a ref for arrays made of
 * tasks, the inline recipe for source and elementwise arrays — then the task runs through
 * `array.apply`, which reads/evaluates the inline blocks in the worker right before calling the
 * kernel. So `mapBlocks(predict, [X.sub(mean).div(std)])` runs read → scale → predict in one task
 * per block, and the scaled block is never a task result.
 */
import { ArrayKernel } from './kernel_names.js';
import { resolveKernel, type Graph, type KernelRef } from '@tessera/scheduler';
import { isBlock, type Block, type DType } from './dense.js';
import { normalizeChunks, type Chunks, type ChunksSpec } from './chunks.js';
import { isExprSpec, isSourceSpec } from './kernels/spec.js';
import type { KernelTarget } from './kernels/misc.js';
import { NDArray, addTask } from './ndarray.js';
import { rechunk } from './structure.js';
import { tokenize } from './tokenize.js';

/** Options of {@link mapBlocks}. */
export interface MapBlocksOptions<D extends DType> {
  /** dtype of the output blocks. */
  dtype: D;
  /**
   * Chunks of the output: block sizes per axis, with the output's number of blocks per axis
   * matching the first input's (default: the first input's chunks — same-shape blocks). E.g. a
   * per-row prediction of a `[R, C]` array: `chunks: [X.chunks[0]]`.
   */
  chunks?: ChunksSpec | Chunks;
  /** Shape of the output; with `chunks`, the shape is derived from them. */
  shape?: readonly number[];
  /** Extra literal arguments passed after the blocks (plain data; refs allowed). */
  args?: readonly unknown[];
  /** Name prefix of the output (default: the kernel's name). */
  name?: string;
  /**
   * Pass inline block arguments (reads, fused expressions) to the kernel as they are, instead of
   * materializing them first: the kernel takes each block argument through `streamOf(arg)` (tile
   * by tile — e.g. read → scale → predict per cache-sized tile, never allocating the block) or
   * `materialize(arg)`. Default false: the kernel receives plain blocks.
   */
  streaming?: boolean;
  /**
   * Graphs holding the tasks that refs in `args` point to (e.g. the task producing a fitted
   * model's state); their tasks become part of the output's graph.
   */
  graphs?: readonly Graph[];
}

/** Resolves a kernel reference to where workers find it (on the main thread, for `array.apply`). */
export function kernelTarget(kernel: KernelRef): KernelTarget {
  const entry = resolveKernel(kernel);
  if (!entry) throw new TypeError(`Unknown kernel '${String(kernel)}': register it with registerKernels or pass { module, export }.`);
  return { module: entry.module, via: entry.via, lookup: entry.lookup, name: entry.name };
}

/**
 * The `{ kernel, args }` of a task calling `kernel(...args)`, where args may hold inline block
 * recipes from {@link NDArray.blockArg} (at the top level or inside an array). Without inline
 * recipes the task calls `kernel` directly; with them it goes through `array.apply`, which
 * evaluates them in the worker first.
 *
 * @example
 * const t = fusedTask(linkKernel, [ref(prev), Xs.blockArg(i, 0), y.blockArg(i)]);
 * graph.add(`link-${i}`, t.kernel, t.args);
 */
export function fusedTask(kernel: KernelRef, args: readonly unknown[]): { kernel: KernelRef; args: unknown[] } {
  const inline = (v: unknown) => isSourceSpec(v) || isExprSpec(v);
  const needs = args.some((a) => inline(a) || (Array.isArray(a) && a.some(inline)));
  if (!needs) return { kernel, args: [...args] };
  return { kernel: ArrayKernel.apply, args: [kernelTarget(kernel), ...args] };
}

/**
 * Applies `kernel` to every block: `kernel(blockOfArrays[0], blockOfArrays[1], …, ...args)`
 * returns the output block (`{ dtype, shape, data }` or a DenseArray). Inputs are matched block
 * by block: their row chunks follow the first input (rechunked if needed); an input with one block
 * along an axis is given that block for every output block.
 *
 * @example
 * // kernels.mjs: export function rowSums(b) { … return { dtype: 'float64', shape: [rows], data }; }
 * const s = mapBlocks({ module: new URL('./kernels.mjs', import.meta.url), export: 'rowSums' }, [X],
 *                     { dtype: 'float64', chunks: [X.chunks[0]] });
 */
export function mapBlocks<D extends DType>(kernel: KernelRef, arrays: readonly NDArray[], options: MapBlocksOptions<D>): NDArray<D> {
  if (arrays.length === 0 || !arrays.every((a) => a instanceof NDArray))
    throw new TypeError('mapBlocks: arrays must be a non-empty list of NDArrays.');
  const target = kernelTarget(kernel);
  const first = arrays[0]!;
  // Line up every input's row blocks with the first's.
  const inputs = arrays.map((a, i) => {
    if (i === 0 || a.ndim === 0) return a;
    if (a.shape[0] !== first.shape[0] && a.numBlocks[0] !== 1) {
      throw new RangeError(`mapBlocks: input ${i} has ${a.shape[0]} rows but input 0 has ${first.shape[0]}.`);
    }
    if (a.shape[0] === first.shape[0] && a.chunks[0]!.join() !== first.chunks[0]!.join())
      return rechunk(a, [first.chunks[0]!, ...a.chunks.slice(1)]);
    return a;
  });
  let chunks: Chunks;
  if (options.chunks !== undefined) {
    const spec = options.chunks as ChunksSpec | Chunks;
    const explicit = Array.isArray(spec) && spec.every((c) => Array.isArray(c));
    const shape = options.shape ?? (explicit ? (spec as Chunks).map((c) => c.reduce((x, y) => x + y, 0)) : undefined);
    if (!shape) throw new TypeError('mapBlocks: give explicit chunks (block sizes per axis) or a shape with them.');
    chunks = normalizeChunks(spec, shape, { dtype: options.dtype });
  } else if (options.shape)
    chunks = normalizeChunks(first.chunks.length === options.shape.length ? first.chunks : 'auto', options.shape, { dtype: options.dtype });
  else chunks = first.chunks;
  const nb = chunks.map((c) => c.length);
  for (let a = 0; a < nb.length && a < first.ndim; a++) {
    if (nb[a] !== first.numBlocks[a])
      throw new RangeError(`mapBlocks: the output has ${nb[a]} blocks along axis ${a} but input 0 has ${first.numBlocks[a]}.`);
  }
  inputs.forEach((x, i) =>
    x.numBlocks.forEach((n, a) => {
      if (n > 1 && a >= nb.length) {
        throw new RangeError(
          `mapBlocks: input ${i} has ${n} blocks along axis ${a}, which the output does not have; rechunk it to one block along that axis first.`,
        );
      }
    }),
  );
  const args = options.args ?? [];
  const label = options.name ?? target.name.replace(/[^A-Za-z0-9_.]/g, '_');
  const name = `${label}-${tokenize(
    'mapBlocks',
    target.module,
    target.lookup,
    inputs.map((a) => a.name),
    chunks,
    options.dtype,
    args,
    options.streaming === true,
  )}`;
  const shape = chunks.map((c) => c.reduce((x, y) => x + y, 0));
  return new NDArray({
    shape,
    dtype: options.dtype,
    chunks,
    name,
    layer: {
      kind: 'tasks',
      deps: inputs,
      graphs: options.graphs ?? [],
      build: (g, self) => {
        for (const idx of self.blockIndices()) {
          const blockArgs = inputs.map((x) => x.blockArg(...x.numBlocks.map((n, a) => (n === 1 ? 0 : idx[a]!))));
          if (options.streaming) addTask(g, self.blockKey(...idx), kernel, [...blockArgs, ...args]);
          else {
            const t = fusedTask(kernel, [...blockArgs, ...args]);
            addTask(g, self.blockKey(...idx), t.kernel, t.args);
          }
        }
      },
    },
  });
}

/** `X @ w` with an in-memory vector `[C]` or matrix `[C, K]`. @internal */
export function dotArray(x: NDArray, w: Block): NDArray {
  if (x.ndim !== 2) throw new RangeError(`dot: the array must be 2-D; got shape [${x.shape.join(', ')}].`);
  if (!isBlock(w) || (w.shape.length !== 1 && w.shape.length !== 2))
    throw new TypeError('dot: the right operand must be an in-memory vector [C] or matrix [C, K].');
  const C = x.shape[1]!;
  if (w.shape[0] !== C)
    throw new RangeError(
      `dot: shapes [${x.shape.join(', ')}] and [${w.shape.join(', ')}] are not aligned: ${C} (dim 1) != ${w.shape[0]} (dim 0).`,
    );
  const xr = x.numBlocks[1] === 1 ? x : rechunk(x, [x.chunks[0]!, [C]]);
  const K = w.shape.length === 2 ? w.shape[1]! : 1;
  const dtype: DType =
    x.dtype === 'float32' && (w.dtype === 'float32' || w.dtype === 'int32' || w.dtype === 'uint8') ? 'float32' : 'float64';
  const wb: Block = w.dtype === 'float64' ? w : { dtype: 'float64', shape: w.shape, data: Float64Array.from(w.data as ArrayLike<number>) };
  const shape = w.shape.length === 1 ? [x.shape[0]!] : [x.shape[0]!, K];
  const chunks: Chunks = w.shape.length === 1 ? [xr.chunks[0]!] : [xr.chunks[0]!, [K]];
  const name = `dot-${tokenize('dot', xr.name, wb.data, w.shape)}`;
  return new NDArray({
    shape,
    dtype,
    chunks,
    name,
    layer: {
      kind: 'tasks',
      deps: [xr],
      build: (g, self) => {
        for (let i = 0; i < xr.numBlocks[0]!; i++) {
          const key = w.shape.length === 1 ? self.blockKey(i) : self.blockKey(i, 0);
          addTask(g, key, ArrayKernel.dot, [xr.blockArg(i, 0), wb, dtype]);
        }
      },
    },
  });
}
