/**
 * Seeded random arrays and synthetic datasets, chunked and lazy: every block is a source task
 * that generates its values from (seed, position) with a counter-based generator (Philox4x32-10),
 * so values do not depend on the chunking or the number of threads, and 100M rows never sit in
 * memory.
 */
import { ArrayKernel } from './kernel_names.js';
import { DenseArray, dtypeOf, isBlock, type Block, type DType, type TypedArray } from './dense.js';
import { normalizeChunks, type Chunks, type ChunksSpec } from './chunks.js';
import type { ClassificationParams, BlobsParams, RandomParams, RegressionYParams } from './kernels/generate.js';
import { fillUniform, seedKey } from './kernels/philox.js';
import type { NDArray, SourceDef } from './ndarray.js';
import { sourceArray } from './formats.js';
import { tokenize } from './tokenize.js';

/** Options of {@link random}. */
export interface RandomOptions {
  /** Seed (a non-negative integer below 2^53). Default 0. */
  seed?: number;
  /** Chunks (default `'auto'` rows, all columns). */
  chunks?: ChunksSpec | Chunks;
  /** `'uniform'` on [low, high) (default), `'normal'` (loc, scale) or `'integers'` on [low, high). */
  distribution?: 'uniform' | 'normal' | 'integers';
  low?: number;
  high?: number;
  loc?: number;
  scale?: number;
  /** dtype (default float64; int32 for 'integers'). */
  dtype?: DType;
  /** Independent stream of the same seed (default 0). */
  stream?: number;
}

function checkSeed(seed: number, param = 'seed'): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`The '${param}' parameter must be an integer in the range [0, 2^53). Got ${seed} instead.`);
  }
  return seed;
}

function checkShape(shape: readonly number[], what: string): void {
  if (!Array.isArray(shape) || shape.length < 1 || shape.length > 2 || !shape.every((s) => Number.isInteger(s) && s >= 0)) {
    throw new RangeError(`${what}: shape must be 1 or 2 non-negative integers; got ${JSON.stringify(shape)}.`);
  }
}

function defaultChunks(shape: readonly number[], spec: ChunksSpec | Chunks | undefined, dtype: DType): Chunks {
  return normalizeChunks(spec ?? (shape.length === 2 ? ['auto', -1] : 'auto'), shape, { dtype });
}

/**
 * A seeded random array: element `k` (C order) depends only on the seed, the stream and `k`.
 *
 * @example
 * const R = random([1_000_000, 20], { seed: 7, chunks: [100_000, -1] });
 * const N = random([1000], { distribution: 'normal', seed: 1 });
 */
export function random(shape: readonly number[], options: RandomOptions = {}): NDArray {
  checkShape(shape, 'random');
  const seed = checkSeed(options.seed ?? 0);
  const dist = options.distribution ?? 'uniform';
  if (dist !== 'uniform' && dist !== 'normal' && dist !== 'integers')
    throw new RangeError(`The 'distribution' option of random must be 'uniform', 'normal' or 'integers'. Got ${String(dist)} instead.`);
  const dtype: DType = options.dtype ?? (dist === 'integers' ? 'int32' : 'float64');
  let a: number;
  let b: number;
  if (dist === 'normal') {
    a = options.loc ?? 0;
    b = options.scale ?? 1;
  } else {
    a = options.low ?? 0;
    const high = options.high ?? (dist === 'integers' ? 2 : 1);
    if (!(high > a)) throw new RangeError(`random: 'high' (${high}) must be greater than 'low' (${a}).`);
    b = high - a;
  }
  const width = shape.length === 2 ? shape[1]! : 1;
  const p: RandomParams = { key: seedKey(seed), stream: options.stream ?? 0, dist, a, b, width };
  const def: SourceDef = {
    reader: 'random',
    kernel: ArrayKernel.generate,
    label: 'random',
    token: tokenize('random', p, shape, dtype),
    dtype,
    shape,
    params: () => p,
  };
  return sourceArray(def, defaultChunks(shape, options.chunks, dtype));
}

/** A small generator for parameters drawn on the main thread (stream-separated from the data). */
class ParamRng {
  #pos = 0;
  readonly #key: [number, number];
  constructor(
    seed: number,
    readonly stream: number,
  ) {
    this.#key = seedKey(seed);
  }
  uniform(n: number): number[] {
    const out = new Array<number>(n);
    fillUniform(this.#key, this.stream, this.#pos, n, out, 0);
    this.#pos += n;
    return out;
  }
  /** A random permutation of [0, n) (Fisher–Yates). */
  permutation(n: number): number[] {
    const p = Array.from({ length: n }, (_, i) => i);
    const u = this.uniform(n);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(u[i]! * (i + 1));
      [p[i], p[j]] = [p[j]!, p[i]!];
    }
    return p;
  }
}

const STREAMS = { perm: 1, informative: 2, useless: 3, flip: 4, params: 5, x: 6, noise: 7 };

function param(name: string, fn: string, value: unknown, ok: boolean, range: string): void {
  if (!ok) throw new RangeError(`The '${name}' parameter of ${fn} must be ${range}. Got ${JSON.stringify(value)} instead.`);
}

/** Options of {@link makeClassification} (scikit-learn's parameters, camelCase). */
export interface MakeClassificationOptions {
  nSamples?: number;
  nFeatures?: number;
  nInformative?: number;
  nRedundant?: number;
  nRepeated?: number;
  nClasses?: number;
  nClustersPerClass?: number;
  /** Fraction of labels replaced by random classes (default 0.01). */
  flipY?: number;
  /** Hypercube side / 2 (default 1). */
  classSep?: number;
  /** Centroids on hypercube vertices (default true) or random in the cube. */
  hypercube?: boolean;
  /** Added to every feature: a number, a per-feature list, or null for random in [-classSep, classSep]. Default 0. */
  shift?: number | readonly number[] | null;
  /** Multiplies every feature after shifting: a number, a list, or null for random in [1, 101]. Default 1. */
  scale?: number | readonly number[] | null;
  /** Shuffle rows and features (default true). */
  shuffle?: boolean;
  randomState?: number;
  /** Chunks of X's rows (y gets the same row blocks). Default 'auto'. */
  chunks?: ChunksSpec | Chunks;
  /** dtype of X (default float64). */
  dtype?: 'float64' | 'float32';
}

/**
 * A lazy classification dataset following scikit-learn's `make_classification` model: clusters
 * of normal points around vertices of a hypercube in the informative subspace (each with a random
 * covariance), redundant features as random linear combinations of the informative ones,
 * repeated features, useless noise features, label noise (`flipY`), shift and scale, shuffled
 * rows and features. Not bit-identical to scikit-learn (a different generator), same structure:
 * the clusters hold exactly scikit-learn's counts, in an order given by a seeded permutation.
 *
 * @example
 * const { X, y } = makeClassification({ nSamples: 10_000_000, nFeatures: 20, nInformative: 10, randomState: 0, chunks: 500_000 });
 */
export function makeClassification(options: MakeClassificationOptions = {}): { X: NDArray; y: NDArray<'int32'> } {
  const fn = 'makeClassification';
  const nSamples = options.nSamples ?? 100;
  const nFeatures = options.nFeatures ?? 20;
  const nInformative = options.nInformative ?? 2;
  const nRedundant = options.nRedundant ?? 2;
  const nRepeated = options.nRepeated ?? 0;
  const nClasses = options.nClasses ?? 2;
  const nClustersPerClass = options.nClustersPerClass ?? 2;
  const flipY = options.flipY ?? 0.01;
  const classSep = options.classSep ?? 1;
  const hypercube = options.hypercube ?? true;
  const shuffle = options.shuffle ?? true;
  const seed = checkSeed(options.randomState ?? 0, 'randomState');
  const int = (v: number, lo: number) => Number.isInteger(v) && v >= lo;
  param('nSamples', fn, nSamples, int(nSamples, 1), 'an integer in the range [1, inf)');
  param('nFeatures', fn, nFeatures, int(nFeatures, 1), 'an integer in the range [1, inf)');
  param('nInformative', fn, nInformative, int(nInformative, 1), 'an integer in the range [1, inf)');
  param('nRedundant', fn, nRedundant, int(nRedundant, 0), 'an integer in the range [0, inf)');
  param('nRepeated', fn, nRepeated, int(nRepeated, 0), 'an integer in the range [0, inf)');
  param('nClasses', fn, nClasses, int(nClasses, 1), 'an integer in the range [1, inf)');
  param('nClustersPerClass', fn, nClustersPerClass, int(nClustersPerClass, 1), 'an integer in the range [1, inf)');
  param('flipY', fn, flipY, flipY >= 0 && flipY <= 1, 'a float in the range [0, 1]');
  param('classSep', fn, classSep, Number.isFinite(classSep) && classSep >= 0, 'a float in the range [0, inf)');
  if (nInformative + nRedundant + nRepeated > nFeatures) {
    throw new RangeError(
      `${fn}: nFeatures (${nFeatures}) must be at least nInformative + nRedundant + nRepeated (${nInformative + nRedundant + nRepeated}).`,
    );
  }
  const nClusters = nClasses * nClustersPerClass;
  if (nInformative < 31 && nClusters > 2 ** nInformative) {
    throw new RangeError(
      `${fn}: nClasses (${nClasses}) * nClustersPerClass (${nClustersPerClass}) must be at most 2 ** nInformative (${2 ** nInformative}).`,
    );
  }
  const rng = new ParamRng(seed, STREAMS.params);
  // Distinct hypercube vertices (or random points), scaled to [-classSep, classSep].
  const centroids: number[] = [];
  const used = new Set<string>();
  while (centroids.length < nClusters * nInformative) {
    const u = rng.uniform(nInformative);
    const v = hypercube ? u.map((x) => (x < 0.5 ? 0 : 1)) : u;
    const id = v.join(',');
    if (hypercube && used.has(id)) continue;
    used.add(id);
    centroids.push(...v.map((x) => x * 2 * classSep - classSep));
  }
  const covariances = rng.uniform(nClusters * nInformative * nInformative).map((x) => 2 * x - 1);
  const redundant = rng.uniform(nInformative * nRedundant).map((x) => 2 * x - 1);
  const repeated = rng.uniform(nRepeated).map((x) => Math.floor((nInformative + nRedundant - 1) * x + 0.5));
  const perFeature = (v: number | readonly number[] | null | undefined, dflt: number, random: () => number[], name: string): number[] => {
    if (v === undefined) return new Array(nFeatures).fill(dflt);
    if (v === null) return random();
    if (typeof v === 'number') return new Array(nFeatures).fill(v);
    if (v.length !== nFeatures) throw new RangeError(`${fn}: '${name}' has ${v.length} values for ${nFeatures} features.`);
    return [...v];
  };
  const shift = perFeature(options.shift, 0, () => rng.uniform(nFeatures).map((x) => (2 * x - 1) * classSep), 'shift');
  const scale = perFeature(options.scale, 1, () => rng.uniform(nFeatures).map((x) => 1 + 100 * x), 'scale');
  const featurePerm = shuffle ? rng.permutation(nFeatures) : Array.from({ length: nFeatures }, (_, i) => i);
  const p: ClassificationParams = {
    key: seedKey(seed),
    nSamples,
    nClusters,
    nClasses,
    nInformative,
    nRedundant,
    nRepeated,
    nFeatures,
    centroids,
    covariances,
    redundant,
    repeated,
    shift,
    scale,
    featurePerm,
    flipY,
    streams: { perm: shuffle ? STREAMS.perm : -1, informative: STREAMS.informative, useless: STREAMS.useless, flip: STREAMS.flip },
  };
  const dtype = options.dtype ?? 'float64';
  const shape = [nSamples, nFeatures];
  const chunks = defaultChunks(shape, options.chunks === undefined ? undefined : expandRows(options.chunks), dtype);
  const token = tokenize('classification', p);
  const params = p;
  const X = sourceArray(
    { reader: 'classification-X', kernel: ArrayKernel.generate, label: 'classification-X', token, dtype, shape, params: () => params },
    chunks,
  );
  const y = sourceArray<'int32'>(
    {
      reader: 'classification-y',
      kernel: ArrayKernel.generate,
      label: 'classification-y',
      token,
      dtype: 'int32',
      shape: [nSamples],
      params: () => params,
    },
    [chunks[0]!],
  );
  return { X, y };
}

/** `chunks: 500000` for a dataset means row blocks of 500k with all columns. */
function expandRows(spec: ChunksSpec | Chunks): ChunksSpec | Chunks {
  return typeof spec === 'number' || spec === 'auto' || spec === null ? [spec, -1] : spec;
}

/** Options of {@link makeRegression}. */
export interface MakeRegressionOptions {
  nSamples?: number;
  nFeatures?: number;
  nInformative?: number;
  bias?: number;
  /** Standard deviation of the Gaussian noise on y (default 0). */
  noise?: number;
  randomState?: number;
  chunks?: ChunksSpec | Chunks;
}

/**
 * A lazy regression dataset as scikit-learn's `make_regression` (nTargets = 1, full-rank X):
 * standard normal features, `nInformative` of them (at random positions) with coefficients in
 * [0, 100), `y = X @ coef + bias + noise * N(0, 1)`. Also returns the true coefficients.
 *
 * @example
 * const { X, y, coef } = makeRegression({ nSamples: 1e6, nFeatures: 20, noise: 1, randomState: 0 });
 */
export function makeRegression(options: MakeRegressionOptions = {}): { X: NDArray; y: NDArray; coef: DenseArray<'float64'> } {
  const fn = 'makeRegression';
  const nSamples = options.nSamples ?? 100;
  const nFeatures = options.nFeatures ?? 100;
  const nInformative = Math.min(options.nInformative ?? 10, nFeatures);
  const bias = options.bias ?? 0;
  const noise = options.noise ?? 0;
  const seed = checkSeed(options.randomState ?? 0, 'randomState');
  param('nSamples', fn, nSamples, Number.isInteger(nSamples) && nSamples >= 1, 'an integer in the range [1, inf)');
  param('nFeatures', fn, nFeatures, Number.isInteger(nFeatures) && nFeatures >= 1, 'an integer in the range [1, inf)');
  param('nInformative', fn, nInformative, Number.isInteger(nInformative) && nInformative >= 0, 'an integer in the range [0, inf)');
  param('noise', fn, noise, Number.isFinite(noise) && noise >= 0, 'a float in the range [0, inf)');
  const rng = new ParamRng(seed, STREAMS.params);
  const informative = rng
    .permutation(nFeatures)
    .slice(0, nInformative)
    .sort((a, b) => a - b);
  const coefVals = rng.uniform(nInformative).map((x) => 100 * x);
  const coef = DenseArray.zeros([nFeatures], 'float64');
  informative.forEach((f, t) => (coef.data[f] = coefVals[t]!));
  const shape = [nSamples, nFeatures];
  const chunks = defaultChunks(shape, options.chunks === undefined ? undefined : expandRows(options.chunks), 'float64');
  const X = random(shape, { seed, distribution: 'normal', stream: STREAMS.x, chunks });
  const p: RegressionYParams = {
    key: seedKey(seed),
    xStream: STREAMS.x,
    noiseStream: STREAMS.noise,
    width: nFeatures,
    informative,
    coef: coefVals,
    bias,
    noise,
  };
  const y = sourceArray(
    {
      reader: 'regression-y',
      kernel: ArrayKernel.generate,
      label: 'regression-y',
      token: tokenize('regression-y', p),
      dtype: 'float64',
      shape: [nSamples],
      params: () => p,
    },
    [chunks[0]!],
  );
  return { X, y, coef };
}

/** Options of {@link makeBlobs}. */
export interface MakeBlobsOptions {
  nSamples?: number;
  nFeatures?: number;
  /** Number of centers (default 3) or their coordinates. */
  centers?: number | readonly (readonly number[])[];
  /** Standard deviation per cluster (a number or one per center; default 1). */
  clusterStd?: number | readonly number[];
  /** Bounding box of random centers (default [-10, 10]). */
  centerBox?: readonly [number, number];
  randomState?: number;
  chunks?: ChunksSpec | Chunks;
}

/**
 * Lazy isotropic Gaussian blobs as scikit-learn's `make_blobs`: `nSamples` split evenly over the
 * centers (remainder to the first), rows in a seeded random order.
 *
 * @example
 * const { X, y, centers } = makeBlobs({ nSamples: 1e6, centers: 4, nFeatures: 2, randomState: 0 });
 */
export function makeBlobs(options: MakeBlobsOptions = {}): { X: NDArray; y: NDArray<'int32'>; centers: DenseArray<'float64'> } {
  const fn = 'makeBlobs';
  const nSamples = options.nSamples ?? 100;
  const seed = checkSeed(options.randomState ?? 0, 'randomState');
  param('nSamples', fn, nSamples, Number.isInteger(nSamples) && nSamples >= 1, 'an integer in the range [1, inf)');
  const rng = new ParamRng(seed, STREAMS.params);
  let centers: number[][];
  let nFeatures = options.nFeatures ?? 2;
  if (Array.isArray(options.centers)) {
    centers = (options.centers as number[][]).map((c) => [...c]);
    nFeatures = centers[0]?.length ?? 0;
    if (!centers.length || centers.some((c) => c.length !== nFeatures))
      throw new RangeError(`${fn}: 'centers' must be a non-empty list of points of equal length.`);
  } else {
    const k = (options.centers as number | undefined) ?? 3;
    param('centers', fn, k, Number.isInteger(k) && k >= 1, 'an integer in the range [1, inf) or a list of points');
    const [lo, hi] = options.centerBox ?? [-10, 10];
    centers = Array.from({ length: k }, () => rng.uniform(nFeatures).map((u) => lo + (hi - lo) * u));
  }
  const nCenters = centers.length;
  const stdIn = options.clusterStd ?? 1;
  const std = typeof stdIn === 'number' ? new Array(nCenters).fill(stdIn) : [...stdIn];
  if (std.length !== nCenters || std.some((s) => !(s >= 0)))
    throw new RangeError(`${fn}: 'clusterStd' must be a non-negative number or one per center (${nCenters}).`);
  const p: BlobsParams = {
    key: seedKey(seed),
    nSamples,
    nFeatures,
    nCenters,
    centers: centers.flat(),
    std,
    streams: { perm: STREAMS.perm, x: STREAMS.x },
  };
  const shape = [nSamples, nFeatures];
  const chunks = defaultChunks(shape, options.chunks === undefined ? undefined : expandRows(options.chunks), 'float64');
  const token = tokenize('blobs', p);
  const X = sourceArray(
    { reader: 'blobs-X', kernel: ArrayKernel.generate, label: 'blobs-X', token, dtype: 'float64', shape, params: () => p },
    chunks,
  );
  const y = sourceArray<'int32'>(
    { reader: 'blobs-y', kernel: ArrayKernel.generate, label: 'blobs-y', token, dtype: 'int32', shape: [nSamples], params: () => p },
    [chunks[0]!],
  );
  return { X, y, centers: new DenseArray(Float64Array.from(centers.flat()), [nCenters, nFeatures]) };
}

/**
 * A lazy array over in-memory data (dask's `from_array`): each block task carries its rows — a view
 * when the data is in shared memory (as every DenseArray Tessera allocates: nothing is copied, and
 * the array is read when the tasks run, as dask's from_array references it), a copy otherwise.
 *
 * @example
 * const A = fromArray(DenseArray.from([[1, 2], [3, 4], [5, 6]]), { chunks: [2, -1] });
 */
export function fromArray(
  data: DenseArray | Block | TypedArray | readonly number[] | readonly (readonly number[])[],
  options: { chunks?: ChunksSpec | Chunks } = {},
): NDArray {
  let b: Block;
  if (data instanceof DenseArray || isBlock(data)) b = data as Block;
  else if (ArrayBuffer.isView(data)) {
    const dt = dtypeOf(data as ArrayBufferView);
    if (!dt) throw new TypeError(`fromArray: unsupported typed array ${(data as object).constructor.name}.`);
    b = { dtype: dt, shape: [(data as TypedArray).length], data: data as TypedArray };
  } else b = DenseArray.from(data as number[]).toBlock();
  if (b.shape.length < 1 || b.shape.length > 2)
    throw new RangeError(`fromArray: only 1-D and 2-D arrays; got shape [${b.shape.join(', ')}].`);
  const cols = b.shape.length === 2 ? b.shape[1]! : 1;
  const def: SourceDef = {
    reader: 'memory',
    kernel: ArrayKernel.generate,
    label: 'array',
    token: tokenize('array', b.data, b.shape),
    dtype: b.dtype,
    shape: b.shape,
    // Shared memory is shared with the tasks (a view: no copy here, none to the workers), as dask's
    // from_array references the array; other memory is copied per block.
    params: (r0: number, r1: number) => ({
      start: r0,
      cols,
      data: b.data.buffer instanceof SharedArrayBuffer ? b.data.subarray(r0 * cols, r1 * cols) : b.data.slice(r0 * cols, r1 * cols),
    }),
  };
  return sourceArray(def, defaultChunks(b.shape, options.chunks, b.dtype));
}
