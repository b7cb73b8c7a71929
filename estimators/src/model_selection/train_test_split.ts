/**
 * `trainTestSplit`: scikit-learn 1.2's `train_test_split` on in-memory arrays (the same index sets
 * for the same `randomState`), dask-ml's on lazy arrays (each row block split with its own seeded
 * permutation, so nothing is gathered).
 */
import {
  DenseArray,
  NDArray,
  RandomState,
  allocate,
  checkRandomState,
  isBlock,
  streamOf,
  tileRows,
  type Block,
  type TypedArray,
} from '@tessera/array';
import { defaultMemoryLimit, formatBytes, parseMemoryLimit, ref } from '@tessera/scheduler';
import { ParameterRangeError, ParameterTypeError, describeValue } from '../errors.js';
import { MsKernel } from './kernel_names.js';
import { numSamples, ShuffleSplit, stratifiedShuffle, validateShuffleSplit, type RandomStateLike } from './split.js';
import { asVector } from '../validation.js';
import { tokenize } from '@tessera/array';

/** What `trainTestSplit` splits: in-memory arrays (rows along the first axis) or lazy arrays. */
export type SplitInput = NDArray | Block | TypedArray | readonly number[] | readonly (readonly number[])[];

/** The type of one half of a split input. */
export type SplitOf<T> = T extends NDArray ? NDArray : T extends Block ? DenseArray : T;

/** `[a_train, a_test, b_train, b_test, …]` for inputs `[a, b, …]`. */
export type SplitPairs<A extends readonly unknown[]> = A extends readonly [infer H, ...infer R]
  ? [SplitOf<H>, SplitOf<H>, ...SplitPairs<R>]
  : SplitOf<A[number]>[];

/** Options of {@link trainTestSplit}. */
export interface TrainTestSplitOptions {
  /**
   * Test samples: a fraction in (0, 1) or (in memory) a count. Default: the complement of
   * `trainSize`, or 0.25 in memory (scikit-learn) and 0.1 on lazy arrays (dask-ml) when both are null.
   */
  testSize?: number | null;
  /** Train samples: a fraction or (in memory) a count; default the complement of the test size. */
  trainSize?: number | null;
  /** Seed of the permutation(s): an int, a RandomState, or null (numpy's global generator). */
  randomState?: RandomStateLike;
  /** Shuffle before splitting (default true); false takes the first rows as train, the next as test. */
  shuffle?: boolean;
  /** Class labels to stratify by (in memory only), as scikit-learn's StratifiedShuffleSplit does. */
  stratify?: SplitInput | null;
  /**
   * Lazy arrays: split each row block on its own (true, the default, dask-ml's), or shuffle rows
   * across blocks (false: scikit-learn's index sets; the blocks are gathered, so every array must
   * fit in `memoryLimit`).
   */
  blockwise?: boolean;
  /** Lazy arrays with `blockwise: false`: the memory budget the gathered arrays must fit (default: the scheduler's). */
  memoryLimit?: number | string;
}

const OPTION_NAMES = new Set(['testSize', 'trainSize', 'randomState', 'shuffle', 'stratify', 'blockwise', 'memoryLimit']);
const CALLER = 'trainTestSplit';
/** numpy's int32 maximum: dask-ml draws the block seeds below it. */
const I4MAX = 2147483647;

function isOptions(v: unknown): v is TrainTestSplitOptions {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || ArrayBuffer.isView(v) || isBlock(v) || v instanceof NDArray) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Splits arrays into random train and test subsets, scikit-learn's `train_test_split`: returns
 * `[a_train, a_test, b_train, b_test, …]`, each half of the kind given (a DenseArray for a
 * DenseArray or block, the same typed array class, number[] / number[][] rows).
 *
 * In memory, the index sets are scikit-learn's for the same `randomState` (a permutation from
 * numpy's RandomState; StratifiedShuffleSplit with `stratify`). On lazy arrays (all inputs lazy,
 * with the same rows), dask-ml's blockwise split: numpy draws one seed per row block, each block is
 * permuted with its own seed and its first `ceil(testSize · rows)` rows go to the test set, the next
 * `floor(trainSize · rows)` to the train set — the halves are lazy arrays whose blocks are computed
 * from the input's blocks one by one, nothing gathered. Sizes are fractions there (dask-ml refuses
 * counts); `shuffle: false` slices the first rows off (no permutation); `blockwise: false` gives
 * scikit-learn's global index sets, refused when the arrays do not fit in the memory budget.
 *
 * @example
 * const [Xtrain, Xtest, ytrain, ytest] = trainTestSplit(X, y, { testSize: 0.25, randomState: 0 });
 */
export function trainTestSplit<A extends SplitInput[]>(...args: [...A, TrainTestSplitOptions]): SplitPairs<A>;
export function trainTestSplit<A extends SplitInput[]>(...arrays: A): SplitPairs<A>;
export function trainTestSplit(...args: unknown[]): unknown[] {
  const options: TrainTestSplitOptions = args.length > 0 && isOptions(args[args.length - 1]) ? (args.pop() as TrainTestSplitOptions) : {};
  const arrays = args;
  if (arrays.length === 0) throw new TypeError(`${CALLER}: at least one array is required as input.`);
  for (const k of Object.keys(options)) {
    if (!OPTION_NAMES.has(k)) throw new TypeError(`${CALLER}: unknown option '${k}'. Options are: ${[...OPTION_NAMES].join(', ')}.`);
  }
  const { testSize = null, trainSize = null, randomState = null, shuffle = true, stratify = null, blockwise = true } = options;
  for (const [name, v] of [
    ['testSize', testSize],
    ['trainSize', trainSize],
  ] as const) {
    if (v !== null && (typeof v !== 'number' || Number.isNaN(v)))
      throw new ParameterTypeError(
        `${CALLER}: '${name}' must be a fraction in (0, 1), a positive integer or null. Got ${describeValue(v)} instead.`,
        CALLER,
        name,
        v,
      );
  }
  if (typeof shuffle !== 'boolean')
    throw new ParameterTypeError(
      `${CALLER}: 'shuffle' must be a boolean. Got ${describeValue(shuffle)} instead.`,
      CALLER,
      'shuffle',
      shuffle,
    );
  if (typeof blockwise !== 'boolean')
    throw new ParameterTypeError(
      `${CALLER}: 'blockwise' must be a boolean. Got ${describeValue(blockwise)} instead.`,
      CALLER,
      'blockwise',
      blockwise,
    );
  const lazy = arrays.map((a) => a instanceof NDArray);
  if (lazy.some((l) => l)) {
    if (!lazy.every((l) => l)) {
      throw new TypeError(
        `${CALLER}: some arrays are lazy (NDArray) and some in memory; pass all lazy or all in memory (compute() the small ones, or fromArray() them).`,
      );
    }
    return lazySplit(arrays as NDArray[], { ...options, testSize, trainSize, randomState, shuffle, blockwise });
  }
  const n = numSamples(arrays[0], CALLER, 'arrays[0]');
  arrays.forEach((a, i) => {
    const m = numSamples(a, CALLER, `arrays[${i}]`);
    if (m !== n) {
      throw new RangeError(
        `${CALLER}: found input variables with inconsistent numbers of samples: [${arrays.map((b, j) => numSamples(b, CALLER, `arrays[${j}]`)).join(', ')}].`,
      );
    }
  });
  const { nTrain, nTest } = validateShuffleSplit(CALLER, n, testSize, trainSize, 0.25);
  let train: Int32Array;
  let test: Int32Array;
  if (!shuffle) {
    if (stratify !== null)
      throw new ParameterRangeError(
        `${CALLER}: stratified train/test split is not implemented for shuffle: false.`,
        CALLER,
        'stratify',
        stratify,
      );
    train = range(0, nTrain);
    test = range(nTrain, nTrain + nTest);
  } else if (stratify !== null) {
    if (stratify instanceof NDArray) throw new TypeError(`${CALLER}: 'stratify' must be in memory.`);
    const labels = asVector(stratify, { caller: CALLER, name: 'stratify' });
    if (labels.length !== n) throw new RangeError(`${CALLER}: 'stratify' has ${labels.length} labels but the arrays have ${n} samples.`);
    [train, test] = stratifiedShuffle(CALLER, labels, nTrain, nTest, 1, checkRandomState(randomState)).next().value!;
  } else {
    [[train, test]] = new ShuffleSplit({ nSplits: 1, testSize: nTest, trainSize: nTrain, randomState }).split({ shape: [n] });
  }
  return arrays.flatMap((a) => [takeRows(a, train), takeRows(a, test)]);
}

function range(a: number, b: number): Int32Array {
  const out = new Int32Array(b - a);
  for (let i = 0; i < out.length; i++) out[i] = a + i;
  return out;
}

/** Rows `idx` of an in-memory array, as the same kind of array (scikit-learn's `_safe_indexing`). */
export function takeRows(a: unknown, idx: Int32Array): unknown {
  if (isBlock(a)) {
    const width = a.shape.length === 0 ? 1 : a.shape.slice(1).reduce((x, y) => x * y, 1);
    const out = gather(a.data, width, idx);
    return new DenseArray(out, [idx.length, ...a.shape.slice(1)]);
  }
  if (ArrayBuffer.isView(a)) {
    const src = a as unknown as TypedArray;
    const out = new (src.constructor as new (n: number) => TypedArray)(idx.length);
    for (let i = 0; i < idx.length; i++) out[i] = src[idx[i]!]!;
    return out;
  }
  const rows = a as readonly unknown[];
  return Array.from(idx, (i) => (Array.isArray(rows[i]) ? (rows[i] as unknown[]).slice() : rows[i]));
}

function gather(data: TypedArray, width: number, idx: Int32Array): TypedArray {
  const out = new (data.constructor as new (n: number) => TypedArray)(idx.length * width);
  if (width === 1) for (let i = 0; i < idx.length; i++) out[i] = data[idx[i]!]!;
  else for (let i = 0; i < idx.length; i++) out.set(data.subarray(idx[i]! * width, (idx[i]! + 1) * width) as never, i * width);
  return out;
}

// --- Lazy arrays ---------------------------------------------------------------------------------

/** dask-ml's `_maybe_normalize_split_sizes`: fractions that sum to 1. */
function blockFractions(testSize: number | null, trainSize: number | null): { test: number; train: number } {
  if (testSize === null && trainSize === null) testSize = 0.1;
  for (const [name, v] of [
    ['testSize', testSize],
    ['trainSize', trainSize],
  ] as const) {
    if (v !== null && Number.isInteger(v) && v !== 0) {
      throw new ParameterRangeError(
        `${CALLER}: absolute sizes are not supported on lazy arrays split blockwise: '${name}' must be a fraction between 0 and 1 of each block (got ${v}), or pass blockwise: false.`,
        CALLER,
        name,
        v,
      );
    }
    if (v !== null && (v < 0 || v > 1))
      throw new ParameterRangeError(`${CALLER}: '${name}' must be between 0 and 1. Got ${v}.`, CALLER, name, v);
  }
  const train = trainSize ?? 1 - testSize!;
  const test = testSize ?? 1 - trainSize!;
  if (Math.abs(1 - (train + test)) > 0.001) {
    throw new ParameterRangeError(
      `${CALLER}: on lazy arrays split blockwise, trainSize and testSize must sum to 1. Got trainSize=${train}, testSize=${test}.`,
      CALLER,
      'testSize',
      test,
    );
  }
  return { test, train };
}

/** The array with one block along every axis but the first. */
function byRows(a: NDArray): NDArray {
  return a.numBlocks.slice(1).every((n) => n === 1) ? a : a.rechunk([a.chunks[0]!, ...a.shape.slice(1).map((s) => [s])]);
}

/** A lazy array whose block `i` is computed by one task built by `task(i)`. */
function taskArray(
  src: NDArray,
  rowChunks: readonly number[],
  name: string,
  deps: readonly NDArray[],
  task: (i: number) => { kernel: string; args: unknown[] },
): NDArray {
  const rest = src.shape.slice(1);
  return new NDArray({
    shape: [rowChunks.reduce((a, b) => a + b, 0), ...rest],
    dtype: src.dtype,
    chunks: [[...rowChunks], ...rest.map((s) => [s])],
    name,
    layer: {
      kind: 'tasks',
      deps,
      build: (g, self) => {
        for (let i = 0; i < rowChunks.length; i++) {
          const key = self.blockKey(i, ...rest.map(() => 0));
          if (g.has(key)) continue;
          const t = task(i);
          g.add(key, t.kernel, t.args);
        }
      },
    },
  });
}

interface LazyOptions extends TrainTestSplitOptions {
  testSize: number | null;
  trainSize: number | null;
  randomState: RandomStateLike;
  shuffle: boolean;
  blockwise: boolean;
}

function lazySplit(arrays: NDArray[], o: LazyOptions): NDArray[] {
  if (o.stratify !== null && o.stratify !== undefined) {
    throw new ParameterRangeError(
      `${CALLER}: 'stratify' is not supported on lazy arrays (it would need every label before splitting any block); compute the arrays to split them in memory.`,
      CALLER,
      'stratify',
      o.stratify,
    );
  }
  const first = arrays[0]!;
  if (first.ndim === 0) throw new RangeError(`${CALLER}: arrays[0] is 0-d; arrays must have samples along their first axis.`);
  const n = first.shape[0]!;
  const rows = first.chunks[0]!;
  const aligned = arrays.map((a, i) => {
    if (a.ndim === 0 || a.shape[0] !== n) {
      throw new RangeError(
        `${CALLER}: found input variables with inconsistent numbers of samples: [${arrays.map((b) => b.shape[0]).join(', ')}] (arrays[${i}]).`,
      );
    }
    const r = byRows(a);
    return r.chunks[0]!.join() === rows.join() ? r : r.rechunk([rows, ...r.chunks.slice(1)]);
  });
  if (!o.shuffle) {
    // scikit-learn's shuffle=False: the first rows train, the next ones test — two slices, nothing drawn.
    const { nTrain, nTest } = validateShuffleSplit(CALLER, n, o.testSize, o.trainSize, 0.1);
    return aligned.flatMap((a) => [a.slice([0, nTrain]), a.slice([nTrain, nTrain + nTest])]);
  }
  if (!o.blockwise) return globalSplit(aligned, o);
  const { test, train } = blockFractions(o.testSize, o.trainSize);
  const rng = checkRandomState(o.randomState);
  const seeds = rng.randint(0, I4MAX, rows.length);
  const sizes = rows.map((c, i) => {
    try {
      return validateShuffleSplit(CALLER, c, test, train, null);
    } catch (e) {
      const start = rows.slice(0, i).reduce((a, b) => a + b, 0);
      throw new RangeError(
        `${CALLER}: block ${i} (rows ${start}–${start + c}) of the lazy arrays: ${(e as Error).message.replace(`${CALLER}: `, '')}`,
      );
    }
  });
  const token = tokenize(
    'trainTestSplit',
    Array.from(seeds),
    sizes.map((s) => [s.nTrain, s.nTest]),
  );
  return aligned.flatMap((a) =>
    (['train', 'test'] as const).map((part) =>
      taskArray(
        a,
        sizes.map((s) => (part === 'train' ? s.nTrain : s.nTest)),
        `split-${part}-${tokenize(a.name, token)}`,
        [a],
        (i) => ({
          kernel: MsKernel.splitBlock,
          args: [a.blockArg(i, ...a.shape.slice(1).map(() => 0)), seeds[i]!, sizes[i]!.nTrain, sizes[i]!.nTest, part],
        }),
      ),
    ),
  );
}

/** `blockwise: false`: scikit-learn's global permutation; the output blocks gather rows from every input block. */
function globalSplit(arrays: NDArray[], o: LazyOptions): NDArray[] {
  const limit = o.memoryLimit === undefined ? defaultMemoryLimit() : parseMemoryLimit(o.memoryLimit, 'memoryLimit');
  const bytes = arrays.reduce((s, a) => s + a.nbytes, 0);
  if (bytes > limit) {
    throw new ParameterRangeError(
      `${CALLER}: blockwise: false shuffles rows across blocks, which holds every block of the arrays at once (${formatBytes(bytes)}), more than the memory budget (${formatBytes(limit)}). ` +
        `Use blockwise: true (each block split on its own, dask-ml's default) or raise memoryLimit.`,
      CALLER,
      'blockwise',
      false,
    );
  }
  const first = arrays[0]!;
  const n = first.shape[0]!;
  const { nTrain, nTest } = validateShuffleSplit(CALLER, n, o.testSize, o.trainSize, 0.1);
  const [[train, test]] = new ShuffleSplit({ nSplits: 1, testSize: nTest, trainSize: nTrain, randomState: o.randomState }).split({
    shape: [n],
  });
  const rows = first.chunks[0]!;
  const offsets = [0];
  for (const r of rows) offsets.push(offsets[offsets.length - 1]! + r);
  /** Output chunks: the input's block size, so output blocks are as large as input blocks. */
  const chunksFor = (m: number) => {
    const size = Math.max(1, Math.max(...rows));
    const out: number[] = [];
    for (let a = 0; a < m; a += size) out.push(Math.min(size, m - a));
    return out.length ? out : [0];
  };
  const token = tokenize('trainTestSplit-global', train, test);
  return arrays.flatMap((a) =>
    (
      [
        ['train', train],
        ['test', test],
      ] as const
    ).map(([part, idx]) => {
      const chunks = chunksFor(idx.length);
      const starts = [0];
      for (const c of chunks) starts.push(starts[starts.length - 1]! + c);
      const blockRefs = rows.map((_, i) => ref(a.blockKey(i, ...a.shape.slice(1).map(() => 0))));
      return taskArray(a, chunks, `split-${part}-${tokenize(a.name, token, part)}`, [a], (j) => ({
        kernel: MsKernel.gatherRows,
        args: [blockRefs, offsets, idx.slice(starts[j]!, starts[j + 1]!)],
      }));
    }),
  );
}

// --- Kernels (run on the workers) ----------------------------------------------------------------

/** Row width (elements per row) and row count of a block. */
function rowShape(b: Block): { rows: number; width: number } {
  const rows = b.shape[0] ?? 1;
  return { rows, width: b.shape.slice(1).reduce((x, y) => x * y, 1) };
}

/**
 * One side of a block's blockwise split: dask-ml's `_generate_idx` — `RandomState(seed).permutation(rows)`,
 * test = its first `nTest`, train = the next `nTrain` — then the rows in that order.
 */
export function splitBlockRows(block: Block, seed: number, nTrain: number, nTest: number, part: 'train' | 'test'): Block {
  const { rows, width } = rowShape(block);
  const perm = new RandomState(seed).permutation(rows);
  const idx = part === 'test' ? perm.subarray(0, nTest) : perm.subarray(nTest, nTest + nTrain);
  const data = allocate(block.dtype, idx.length * width);
  const src = block.data;
  // Element by element, not a subarray per row: a quarter of a million views per block kept the
  // young generation churning, so the block's own handles were promoted mid-task and outlived it
  // until a full collection.
  for (let i = 0, o = 0; i < idx.length; i++) for (let s = idx[i]! * width, e = s + width; s < e; s++) data[o++] = src[s]!;
  return { dtype: block.dtype, shape: [idx.length, ...block.shape.slice(1)], data };
}

/**
 * {@link splitBlockRows} of a block argument: a block as it is; a read or an expression streamed
 * tile by tile, each row copied to its place in the part, so the whole block is never allocated
 * beside the part (80 MB more per split on each worker, for 500k × 20 float64 blocks).
 */
export function splitBlockArg(X: unknown, seed: number, nTrain: number, nTest: number, part: 'train' | 'test'): Block {
  if (isBlock(X)) return splitBlockRows(X, seed, nTrain, nTest, part);
  const s = streamOf(X);
  try {
    const { rows, cols } = s;
    const perm = new RandomState(seed).permutation(rows);
    const [first, n] = part === 'test' ? [0, nTest] : [nTest, nTrain];
    const slot = new Int32Array(rows).fill(-1);
    for (let i = 0; i < n; i++) slot[perm[first + i]!] = i;
    const data = allocate(s.dtype, n * cols);
    const step = tileRows(s);
    for (let a = 0; a < rows; a += step) {
      const b = Math.min(rows, a + step);
      const tile = s.read(a, b);
      for (let r = a; r < b; r++) {
        const at = slot[r]!;
        if (at < 0) continue;
        for (let k = 0, o = at * cols, t = (r - a) * cols; k < cols; k++) data[o + k] = tile[t + k]!;
      }
    }
    return { dtype: s.dtype, shape: [n, ...s.shape.slice(1)], data };
  } finally {
    s.close();
  }
}

/** Rows `idx` (global row numbers) gathered from `blocks`, whose first rows are at `offsets`. */
export function gatherBlockRows(blocks: readonly Block[], offsets: readonly number[], idx: Int32Array): Block {
  const b0 = blocks[0]!;
  const { width } = rowShape(b0);
  const data = allocate(b0.dtype, idx.length * width);
  let bi = 0;
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i]!;
    // Binary search for the block holding row r (rows are in random order).
    let lo = 0;
    let hi = blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (offsets[mid]! <= r) lo = mid;
      else hi = mid - 1;
    }
    bi = lo;
    const local = r - offsets[bi]!;
    const src = blocks[bi]!.data;
    if (width === 1) data[i] = src[local]!;
    else data.set(src.subarray(local * width, (local + 1) * width) as never, i * width);
  }
  return { dtype: b0.dtype, shape: [idx.length, ...b0.shape.slice(1)], data };
}
