/**
 * The data of an adaptive search: X and y as lazy arrays of row blocks (in-memory input is one
 * block, as dask-ml wraps a NumPy array), split blockwise into training rows — read block by block
 * in every round, never gathered — and held-out rows, gathered once into shared memory (dask-ml
 * also keeps the test set in memory: it is one block's worth by default). The split is one call,
 * {@link splitBlockwise}.
 */
import { DenseArray, NDArray, allocate, buildGraph, fromArray, tokenize, type Block } from '@tessera/array';
import { compute, ref, type Graph } from '@tessera/scheduler';
import { ParameterRangeError } from '../../errors.js';
import type { LazyOptions } from '../../contract.js';
import { randomFrom } from '../../random.js';
import { checkArray, checkVector, type MatrixLike, type VectorLike } from '../../validation.js';
import { alignedTarget, isLazy, rowBlocks } from '../../ooc/lazy.js';
import { SearchKernel } from './kernel_names.js';
import type { RowsPart } from './kernels.js';

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
 * The blockwise train/test split (dask-ml's `train_test_split` on dask arrays): each block's rows
 * split by a permutation seeded from `randomState`, `ceil(testSize · rows)` held out. The training
 * blocks stay lazy; the held-out rows are gathered once into shared memory.
 */
export async function splitBlockwise(
  caller: string,
  X: NDArray,
  y: NDArray,
  testSize: number,
  randomState: number | null,
  options: LazyOptions,
): Promise<SearchData> {
  const sizes = X.chunks[0]!;
  const rng = randomFrom(randomState);
  const seeds = sizes.map(() => rng.randint(2 ** 32));
  const nTest = sizes.map((n) => Math.ceil(testSize * n));
  const total = nTest.reduce((a, b) => a + b, 0);
  if (total === 0 || total === X.shape[0]) {
    throw new ParameterRangeError(
      `${caller}: splitting ${X.shape[0]} samples with testSize=${testSize} leaves ${total === 0 ? 'no held-out rows' : 'no training rows'}; change testSize or give more samples.`,
      caller,
      'testSize',
      testSize,
    );
  }
  const name = `split-${tokenize('search-split', X.name, y.name, seeds, nTest)}`;
  const blockTask = (g: Graph, j: number, part: 'train' | 'test'): string => {
    const key = `${name}-${part}-${j}`;
    if (!g.has(key)) g.add(key, SearchKernel.splitBlock, [X.blockArg(j, 0), y.blockArg(j), seeds[j]!, nTest[j]!, part]);
    return key;
  };
  // The held-out rows: one pass over the blocks, gathered in block order into shared memory.
  const g = buildGraph([X, y]);
  const keys = sizes.map((_, j) => blockTask(g, j, 'test'));
  const out = await compute(g, keys, { ...options, name: `${caller} test rows` });
  const cols = X.shape[1]!;
  const Xt = allocate('float64', total * cols);
  const yt = allocate('float64', total);
  let at = 0;
  for (const k of keys) {
    const p = out[k] as RowsPart;
    const n = p.X.shape[0]!;
    Xt.set(p.X.data as ArrayLike<number>, at * cols);
    yt.set(p.y!.data as ArrayLike<number>, at);
    at += n;
  }
  return {
    nBlocks: sizes.length,
    nFeatures: cols,
    trainBlock(gr, j) {
      buildGraph([X, y], gr);
      return [ref(blockTask(gr, j, 'train')), null];
    },
    test: { X: { dtype: 'float64', shape: [total, cols], data: Xt }, y: { dtype: 'float64', shape: [total], data: yt } },
    testBytes: (total * cols + total) * 8,
  };
}
