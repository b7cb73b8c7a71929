/**
 * The data of an adaptive search: X and y as lazy arrays of row blocks (in-memory input is one
 * block, as dask-ml wraps a NumPy array), split blockwise by `trainTestSplit` into training rows —
 * read block by block in every round, never gathered — and held-out rows, gathered once into
 * shared memory (dask-ml also keeps the test set in memory: it is one block's worth by default).
 */
import { DenseArray, NDArray, allocate, buildGraph, computeAll, fromArray, type Block } from '@tessera/array';
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
  /** Adds the task of training block `j` to `g` (once) and returns the partialFit task's X and y arguments. */
  trainBlock(g: Graph, j: number): [unknown, unknown];
  /** The held-out rows, in shared memory (every score task receives them without a copy). */
  readonly test: { readonly X: Block; readonly y: Block };
  /** Bytes of the held-out rows (held outside the scheduler's budget, so subtracted from it). */
  readonly testBytes: number;
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
 * the block from `randomState`. The training blocks stay lazy — read block by block in the rounds —
 * and the held-out rows are gathered once into shared memory.
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
  const Xs = allocate('float64', total * cols);
  Xs.set(Xt!.data as ArrayLike<number>);
  const ys = allocate('float64', total);
  ys.set(yt!.data as ArrayLike<number>);
  const built = new WeakSet<Graph>();
  return {
    nBlocks: Xtrain.numBlocks[0]!,
    nFeatures: cols,
    trainBlock(g, j) {
      if (!built.has(g)) {
        buildGraph([Xtrain, ytrain], g);
        built.add(g);
      }
      return [ref(Xtrain.blockKey(j, 0)), ref(ytrain.blockKey(j))];
    },
    test: { X: { dtype: 'float64', shape: [total, cols], data: Xs }, y: { dtype: 'float64', shape: [total], data: ys } },
    testBytes: (total * cols + total) * 8,
  };
}
