/**
 * The data of an adaptive search: X and y as lazy arrays of row blocks (in-memory input is one
 * block, as dask-ml wraps a NumPy array), split blockwise by `trainTestSplit` into training rows —
 * read block by block in every round, never gathered — and held-out rows, gathered once into
 * shared memory (dask-ml also keeps the test set in memory: it is one block's worth by default).
 */
import { DenseArray, NDArray, allocate, buildGraph, computeAll, fromArray, itemSize, type Block } from '@tessera/array';
import { ref, type Graph } from '@tessera/scheduler';
import type { LazyOptions } from '../../contract.js';
import { checkArray, checkVector, type MatrixLike, type VectorLike } from '../../validation.js';
import { alignedTarget, isLazy, rowBlocks } from '../../ooc/lazy.js';
import { trainTestSplit } from '../train_test_split.js';

/** What the search loop needs of its data. */
export interface SearchData {
  /** Training blocks (dask-ml visits them in a seeded random order). */
  readonly nBlocks: number;
  /** Columns of X. */
  readonly nFeatures: number;
  /**
   * The partialFit task's X and y arguments for training block `j`: the block itself when it is
   * kept in memory, else refs to its tasks (added to `g` once).
   */
  trainBlock(g: Graph, j: number): [unknown, unknown];
  /**
   * Keys of `g`'s training blocks to keep in memory after its run, with their bytes reserved (the
   * run must request them, then hand its outputs to {@link SearchData.keep}).
   */
  retain(g: Graph): { keys: string[]; bytes: number };
  /** Keeps the retained blocks of a finished run (or, with no outputs, lets their reservation go). */
  keep(retained: { keys: string[]; bytes: number }, outputs: Record<string, unknown> | null): void;
  /** The held-out rows, in shared memory (every score task receives them without a copy). */
  readonly test: { readonly X: Block; readonly y: Block };
  /** Bytes of the held-out rows (held outside the scheduler's budget, so subtracted from it). */
  readonly testBytes: number;
  /** Bytes of the largest block of X and y as read (before the split). */
  readonly maxBlockBytes: number;
  /** How many bytes of training blocks may be kept in memory between rounds (0 by default). */
  cacheCapacity: number;
}

/** X and y as lazy arrays of whole-row blocks with known sizes, checked. */
export function lazyInputs(caller: string, X: unknown, y: unknown): { X: NDArray; y: NDArray } {
  if (y === undefined || y === null)
    throw new TypeError(`${caller}: y (the targets) is required: the search scores every model on held-out X and y.`);
  if (isLazy(X)) {
    if (!isLazy(y)) throw new TypeError(`${caller}: X is a lazy array, so y must be one too.`);
    const Xr = rowBlocks(X, caller);
    const rows = Xr.chunks[0]!;
    if (!rows.every((c) => Number.isInteger(c) && c >= 0)) {
      throw new RangeError(
        `${caller}: X has unknown chunk sizes along its rows (${JSON.stringify(rows)}); the search needs every block's size to split it — compute the chunk sizes first.`,
      );
    }
    return { X: Xr, y: alignedTarget(Xr, y, caller) };
  }
  if (isLazy(y)) throw new TypeError(`${caller}: y is a lazy array but X is not; pass both lazy or both in memory.`);
  const m = checkArray(X as MatrixLike, { caller });
  const yv = checkVector(y as VectorLike, m.nSamples, { caller, name: 'y' });
  // In memory: one block, as dask-ml's _check_array wraps a NumPy array.
  const Xd = new DenseArray(m.data, [m.nSamples, m.nFeatures]);
  return { X: fromArray(Xd, { chunks: [Math.max(1, m.nSamples), m.nFeatures] }), y: fromArray(yv, { chunks: [Math.max(1, m.nSamples)] }) };
}

/**
 * dask-ml's default test size: one block's worth, at most a fifth (`min(0.2, 1 / nBlocks)`).
 */
export function defaultTestSize(nBlocks: number): number {
  return Math.min(0.2, 1 / nBlocks);
}

/**
 * The blockwise train/test split (dask-ml's `train_test_split` on dask arrays, through
 * {@link trainTestSplit}): each block's rows split by numpy's permutation with a seed drawn for
 * the block from `randomState`. The training blocks stay lazy — read block by block in the rounds,
 * kept between rounds as far as `cacheCapacity` allows — and the held-out rows are gathered once
 * into shared memory.
 */
export async function splitBlockwise(
  caller: string,
  X: NDArray,
  y: NDArray,
  testSize: number,
  randomState: number | null,
  options: LazyOptions,
): Promise<SearchData> {
  let parts: NDArray[];
  try {
    parts = trainTestSplit(X, y, { testSize, randomState, shuffle: true }) as NDArray[];
  } catch (e) {
    // A block too small to split names the block; say whose testSize it is.
    if (e instanceof Error) e.message = `${caller}: testSize=${testSize}: ${e.message}`;
    throw e;
  }
  const [Xtrain, Xtest, ytrain, ytest] = parts as [NDArray, NDArray, NDArray, NDArray];
  const [Xt, yt] = await computeAll([Xtest, ytest], { ...options, name: `${caller} held-out rows` });
  const total = Xtest.shape[0]!;
  const cols = X.shape[1]!;
  // In shared memory, as float64: every score task reads the same rows without a copy.
  const Xs = sharedFloat64(Xt!.data);
  const ys = sharedFloat64(yt!.data);
  return new TrainBlocks(Xtrain, ytrain, {
    test: { X: { dtype: 'float64', shape: [total, cols], data: Xs }, y: { dtype: 'float64', shape: [total], data: ys } },
    testBytes: (total * cols + total) * 8,
    maxBlockBytes: Math.max(...X.chunks[0]!.map((r) => r * (cols * itemSize(X.dtype) + itemSize(y.dtype)))),
  });
}

/** `data` as float64 in shared memory: itself when it already is, else a copy. */
function sharedFloat64(data: ArrayLike<number>): Float64Array {
  if (data instanceof Float64Array && data.buffer instanceof SharedArrayBuffer) return data;
  const out = allocate('float64', data.length);
  out.set(data);
  return out;
}

/**
 * The training blocks, and those kept in memory between rounds: dask-ml persists the whole
 * training set; here a block is kept when the room set aside for it in the memory budget allows
 * (`cacheCapacity`), so with memory to spare every block is split once for the whole search, and
 * with little it is read again in each round that needs it. Keeping never changes a result: a
 * block read again is the same block.
 */
class TrainBlocks implements SearchData {
  readonly nBlocks: number;
  readonly nFeatures: number;
  readonly test: SearchData['test'];
  readonly testBytes: number;
  readonly maxBlockBytes: number;
  cacheCapacity = 0;
  readonly #kept = new Map<number, [Block, Block]>();
  /** Bytes kept plus bytes reserved by runs in progress. */
  #used = 0;
  readonly #reserved = new Set<number>();
  readonly #inGraph = new WeakMap<Graph, Set<number>>();

  constructor(
    readonly X: NDArray,
    readonly y: NDArray,
    rest: Pick<SearchData, 'test' | 'testBytes' | 'maxBlockBytes'>,
  ) {
    this.nBlocks = X.numBlocks[0]!;
    this.nFeatures = X.shape[1]!;
    this.test = rest.test;
    this.testBytes = rest.testBytes;
    this.maxBlockBytes = rest.maxBlockBytes;
  }

  #bytes(j: number): number {
    const rows = this.X.chunks[0]![j]!;
    return rows * (this.nFeatures * itemSize(this.X.dtype) + itemSize(this.y.dtype));
  }

  trainBlock(g: Graph, j: number): [unknown, unknown] {
    const kept = this.#kept.get(j);
    if (kept !== undefined) return kept;
    let blocks = this.#inGraph.get(g);
    if (blocks === undefined) {
      buildGraph([this.X, this.y], g);
      this.#inGraph.set(g, (blocks = new Set()));
    }
    blocks.add(j);
    return [ref(this.X.blockKey(j, 0)), ref(this.y.blockKey(j))];
  }

  retain(g: Graph): { keys: string[]; bytes: number } {
    const keys: string[] = [];
    let bytes = 0;
    for (const j of this.#inGraph.get(g) ?? []) {
      const b = this.#bytes(j);
      if (this.#reserved.has(j) || this.#used + b > this.cacheCapacity) continue;
      this.#reserved.add(j);
      this.#used += b;
      bytes += b;
      keys.push(this.X.blockKey(j, 0), this.y.blockKey(j));
    }
    return { keys, bytes };
  }

  keep(retained: { keys: string[]; bytes: number }, outputs: Record<string, unknown> | null): void {
    for (let k = 0; k < retained.keys.length; k += 2) {
      const j = Number(/\[(\d+),0\]$/.exec(retained.keys[k]!)![1]);
      this.#reserved.delete(j);
      if (outputs === null) this.#used -= this.#bytes(j);
      else this.#kept.set(j, [outputs[retained.keys[k]!] as Block, outputs[retained.keys[k + 1]!] as Block]);
    }
  }
}
