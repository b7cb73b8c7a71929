/**
 * Worker kernels of the out-of-core layer (`est.*`). Each rebuilds an estimator from its snapshot
 * (params + learned state as plain data), does one block's worth of work and returns plain data.
 * Block arguments may be plain blocks or inline recipes (a read, an elementwise expression) that
 * are read or evaluated here — so a scaled block never exists as a task result.
 */
import {
  DenseArray,
  allocate,
  isBlock,
  materialize,
  rowOrigin,
  streamOf,
  tileRows,
  type Block,
  type DType,
  type TypedArray,
} from '@tessera/array';
import { noteDeadBytes } from '@tessera/scheduler';
import { estimatorFromSnapshot, type EstimatorSnapshot } from '../base.js';
import {
  applyMethod as applyInMemory,
  isBlockPreparer,
  isPartialFitter,
  isRowApplier,
  partialFitBlock,
  type ApplyMethod,
  type LinkBlock,
} from '../contract.js';
import { InvalidInputError } from '../errors.js';
import { combineMoments, type Moments } from '../preprocessing/moments.js';
import { EstKernel, type EstKernelName } from './kernel_names.js';
import { countStream, mergeValueCounts, type CountOptions, type ValueCounts } from '../preprocessing/value_counts.js';

export type { LinkBlock } from '../contract.js';

function isLinkBlock(v: unknown): v is LinkBlock {
  return typeof v === 'object' && v !== null && !isBlock(v) && 'hint' in v && isBlock((v as { X?: unknown }).X);
}

/** The estimator of a snapshot, which must train incrementally (a TypeError naming it otherwise). */
function partialFitterFrom(snapshot: EstimatorSnapshot) {
  const est = estimatorFromSnapshot(snapshot);
  if (!isPartialFitter(est)) throw new TypeError(`${est.estimatorName} has no partialFit; it cannot be a link of a partialFit chain.`);
  return est;
}

/**
 * One link of the partialFit chain: `state_i = link(state_{i-1}, X_i, y_i)`.
 * `y` is null for unsupervised estimators. `X` may be a {@link LinkBlock} (then `y` is null):
 * a prepared block is trained on with `{ ...options, sampleWeight, prepared: hint }`.
 */
export function partialFitLink(
  snapshot: EstimatorSnapshot,
  X: unknown,
  y: unknown,
  options: Record<string, unknown> | null,
  last = false,
): EstimatorSnapshot {
  const est = partialFitterFrom(snapshot);
  if (isLinkBlock(X)) {
    let opts = options ?? {};
    if (X.hint !== null && X.hint !== undefined) {
      const { sampleWeight: _given, ...rest } = opts;
      opts = { ...rest, ...(X.sampleWeight === null ? {} : { sampleWeight: X.sampleWeight.data }), prepared: X.hint };
    }
    try {
      partialFitBlock(est, X.X, X.y === null ? null : X.y.data, opts);
    } finally {
      // This link was the block's only consumer: its memory may be reused for another block —
      // unless the chain ends here: then the memories kept for reuse are let go everywhere.
      if (isBlockPreparer(est)) {
        if (X.hint !== null && X.hint !== undefined) est.releaseBlock?.(X.hint);
        if (last) est.retireBlocks?.();
      }
    }
    return est.snapshot();
  }
  partialFitBlock(est, materialize(X), y === null || y === undefined ? null : materialize(y).data, options ?? {});
  return est.snapshot();
}

/**
 * Prepares block i for its link, ahead of the chain and on any worker: the estimator's
 * `prepareBlock(X, y, options)` hook (pure: `snapshot` carries params only) reads the block — a
 * read or the scaler's expression, evaluated here tile by tile — and puts it into the form its
 * partialFit trains on fastest (SGD: rows already in the visit order of the epoch's shuffle, in
 * the WebAssembly memory the epoch then uses in place). When the hook returns null, the block
 * itself is handed on. `recycle: true`: the link releases the block (`releaseBlock`) once trained
 * on, so the next block prepared on this thread may reuse its memory. `_after` (ignored) is the
 * output of the link this preparation waits for: it orders the task, it carries nothing.
 */
export function prepareBlockKernel(
  snapshot: EstimatorSnapshot,
  X: unknown,
  y: unknown,
  options: Record<string, unknown> | null,
  _after?: unknown,
): LinkBlock {
  const est = estimatorFromSnapshot(snapshot);
  const prepared = isBlockPreparer(est) ? est.prepareBlock(X, y, { ...(options ?? {}), recycle: true }) : null;
  if (prepared !== null && prepared !== undefined) return prepared;
  return { X: materialize(X), y: y === null || y === undefined ? null : materialize(y), sampleWeight: null, hint: null };
}

/**
 * `est[method](X)` for one block, tile by tile: a read or an expression (the scaler's) is
 * streamed through the estimator a tile at a time, so the block itself is never allocated —
 * only the output is.
 */
/**
 * Runs `f` on rows of the block argument `X` starting at `offset`; an {@link InvalidInputError}
 * about a row (a NaN…) gets where that row comes from appended — the file and its row there, as
 * `rowOrigin` finds it — so a bad value among hundreds of files is found from the message alone.
 */
function locating<T>(X: unknown, offset: number, f: () => T): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof InvalidInputError && error.row !== undefined) {
      // The method saw a tile starting at `offset`: its row is the block's row `offset + row`.
      const row = offset + error.row;
      if (offset !== 0) error.message = error.message.replace(`at row ${error.row}`, `at row ${row}`);
      const origin = rowOrigin(X, row);
      if (origin !== undefined) error.message = `${error.message.replace(/\.$/, '')} (${origin}).`;
    }
    throw error;
  }
}

export function applyMethod(X: unknown, snapshot: EstimatorSnapshot, method: ApplyMethod): Block {
  const est = estimatorFromSnapshot(snapshot);
  if (isBlock(X)) {
    const out = applyInMemory(est, method, new DenseArray(X.data, X.shape));
    return { dtype: out.dtype, shape: out.shape, data: out.data };
  }
  const s = streamOf(X);
  try {
    // An estimator that scores whole streams (linear models: each tile evaluated straight into
    // its WebAssembly memory) does so; otherwise the method runs tile by tile.
    const whole = isRowApplier(est) ? locating(X, 0, () => est.applyRows(method, s)) : null;
    if (whole !== null && whole !== undefined) return whole;
    const { rows, cols } = s;
    const shape2d = s.shape.length === 2;
    const tile = tileRows(s);
    let out: TypedArray | undefined;
    let dtype: DType = 'float64';
    let width = 1;
    let outShape: number[] = [rows];
    for (let a = 0; a < rows || (a === 0 && out === undefined); a += tile) {
      const b = Math.min(rows, a + tile);
      const view = s.read(a, b);
      const part = locating(X, a, () => applyInMemory(est, method, new DenseArray(view, shape2d ? [b - a, cols] : [b - a])));
      if (out === undefined) {
        dtype = part.dtype;
        width = part.shape.length > 1 ? part.shape[1]! : 1;
        outShape = part.shape.length > 1 ? [rows, width] : [rows];
        out = allocate(dtype, rows * width);
      }
      out.set(part.data as ArrayLike<number>, a * width);
      if (rows === 0) break;
    }
    // The tiles read and evaluated here (a whole block's worth) are garbage now.
    noteDeadBytes(rows * cols * 8);
    return { dtype, shape: outShape, data: out! };
  } finally {
    s.close();
  }
}

/** Column moments (count, mean, M2) of a block, streamed tile by tile and combined exactly. */
export function blockMomentsKernel(X: unknown): Moments {
  const s = streamOf(X);
  try {
    const d = s.cols;
    let acc: Moments = { count: 0, mean: new Float64Array(d), m2: new Float64Array(d) };
    const tile = tileRows(s);
    const mean = new Float64Array(d);
    const m2 = new Float64Array(d);
    const corr = new Float64Array(d);
    for (let a = 0; a < s.rows; a += tile) {
      const b = Math.min(s.rows, a + tile);
      const v = s.read(a, b);
      const n = b - a;
      mean.fill(0);
      m2.fill(0);
      corr.fill(0);
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] = mean[j]! + v[i * d + j]!;
      for (let j = 0; j < d; j++) mean[j] = mean[j]! / n;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < d; j++) {
          const t = v[i * d + j]! - mean[j]!;
          corr[j] = corr[j]! + t;
          m2[j] = m2[j]! + t * t;
        }
      }
      for (let j = 0; j < d; j++) m2[j] = m2[j]! - (corr[j]! * corr[j]!) / n;
      if (!allFinite(mean)) throw new RangeError(nonFiniteMessage(v, d, a));
      acc = combineMoments(acc, { count: n, mean: mean.slice(), m2: m2.slice() });
    }
    return acc;
  } finally {
    s.close();
  }
}

/** Column minimum, maximum and maximum absolute value of a block, streamed. */
export function blockExtremaKernel(X: unknown): Extrema {
  const s = streamOf(X);
  try {
    const d = s.cols;
    const min = new Float64Array(d).fill(Infinity);
    const max = new Float64Array(d).fill(-Infinity);
    const tile = tileRows(s);
    for (let a = 0; a < s.rows; a += tile) {
      const b = Math.min(s.rows, a + tile);
      const v = s.read(a, b);
      for (let i = 0; i < b - a; i++) {
        for (let j = 0; j < d; j++) {
          const x = v[i * d + j]!;
          if (!Number.isFinite(x)) throw new RangeError(nonFiniteMessage(v, d, a));
          if (x < min[j]!) min[j] = x;
          if (x > max[j]!) max[j] = x;
        }
      }
    }
    return { count: s.rows, min, max };
  } finally {
    s.close();
  }
}

/** Column extrema of some rows. */
export interface Extrema {
  readonly count: number;
  readonly min: Float64Array;
  readonly max: Float64Array;
}

export function combineMomentsKernel(parts: readonly Moments[]): Moments {
  let acc = parts[0]!;
  for (let i = 1; i < parts.length; i++) acc = combineMoments(acc, parts[i]!);
  return acc;
}

export function combineExtremaKernel(parts: readonly Extrema[]): Extrema {
  const d = parts[0]!.min.length;
  const min = new Float64Array(d).fill(Infinity);
  const max = new Float64Array(d).fill(-Infinity);
  let count = 0;
  for (const p of parts) {
    count += p.count;
    for (let j = 0; j < d; j++) {
      if (p.min[j]! < min[j]!) min[j] = p.min[j]!;
      if (p.max[j]! > max[j]!) max[j] = p.max[j]!;
    }
  }
  return { count, min, max };
}

/** Parts of a score over one block, summed over blocks by the `est.combineScore` kernel. */
export interface ScoreParts {
  readonly n: number;
  /** Classifiers: correctly predicted rows. */
  readonly correct: number;
  /** Regressors: Σ(y − ŷ)², Σy, Σy². */
  readonly sse: number;
  readonly sumY: number;
  readonly sumY2: number;
}

export function scorePartsKernel(X: unknown, y: unknown, snapshot: EstimatorSnapshot, kind: 'accuracy' | 'r2'): ScoreParts {
  const est = estimatorFromSnapshot(snapshot);
  const pred = locating(X, 0, () => applyInMemory(est, 'predict', blockArray(materialize(X)))).data;
  const yy = materialize(y).data;
  let correct = 0;
  let sse = 0;
  let sumY = 0;
  let sumY2 = 0;
  for (let i = 0; i < yy.length; i++) {
    const t = yy[i]!;
    if (kind === 'accuracy') {
      if (pred[i] === t) correct++;
    } else {
      const r = t - pred[i]!;
      sse += r * r;
      sumY += t;
      sumY2 += t * t;
    }
  }
  return { n: yy.length, correct, sse, sumY, sumY2 };
}

export function combineScoreKernel(parts: readonly ScoreParts[]): ScoreParts {
  const out = { n: 0, correct: 0, sse: 0, sumY: 0, sumY2: 0 };
  for (const p of parts) {
    out.n += p.n;
    out.correct += p.correct;
    out.sse += p.sse;
    out.sumY += p.sumY;
    out.sumY2 += p.sumY2;
  }
  return out;
}

function allFinite(a: Float64Array): boolean {
  for (let j = 0; j < a.length; j++) if (!Number.isFinite(a[j]!)) return false;
  return true;
}

function nonFiniteMessage(v: ArrayLike<number>, d: number, rowOffset: number): string {
  for (let i = 0; i * d < v.length; i++) {
    for (let j = 0; j < d; j++) {
      const x = v[i * d + j]!;
      if (!Number.isFinite(x))
        return `Input X contains ${Number.isNaN(x) ? 'NaN' : 'infinity'} at row ${rowOffset + i} of the block, column ${j}.`;
    }
  }
  return 'Input X contains a value too large for float64 statistics.';
}

/**
 * The value counts of one block ({@link countStream}), streamed tile by tile; rows are numbered from
 * `rowOffset` (the block's first row in the array) in messages.
 */
export function valueCountsKernel(X: unknown, options: CountOptions, rowOffset: number): ValueCounts {
  const s = streamOf(X);
  try {
    return countStream(s, options, rowOffset);
  } finally {
    s.close();
  }
}

/** What {@link combineValueCountsKernel} may hold, and what to say past it. */
export interface DistinctLimit {
  /** Distinct values over all columns together. */
  readonly limit: number;
  /** The message, with `{column}` and `{distinct}` to fill in. */
  readonly message: string;
}

/** Merges value counts; past `bound.limit` distinct values, a RangeError naming the column with the most. */
export function combineValueCountsKernel(parts: readonly ValueCounts[], bound: DistinctLimit | null): ValueCounts {
  return mergeValueCounts(
    parts,
    bound?.limit ?? Infinity,
    (column, distinct) => new RangeError(bound!.message.replace('{column}', String(column)).replace('{distinct}', String(distinct))),
  );
}

/** A block as a DenseArray over the same memory (what the in-memory methods take). */
function blockArray(b: Block): DenseArray {
  return new DenseArray(b.data, b.shape);
}

/** The table, keyed by {@link EstKernel}'s names (a name without a kernel is a type error). */
export const kernels = {
  [EstKernel.partialFitLink]: partialFitLink,
  [EstKernel.prepareBlock]: prepareBlockKernel,
  [EstKernel.apply]: applyMethod,
  [EstKernel.moments]: blockMomentsKernel,
  [EstKernel.combineMoments]: combineMomentsKernel,
  [EstKernel.extrema]: blockExtremaKernel,
  [EstKernel.combineExtrema]: combineExtremaKernel,
  [EstKernel.scoreParts]: scorePartsKernel,
  [EstKernel.combineScore]: combineScoreKernel,
  [EstKernel.valueCounts]: valueCountsKernel,
  [EstKernel.combineValueCounts]: combineValueCountsKernel,
} satisfies Record<EstKernelName, unknown>;
