/**
 * Column quantiles of a lazy array in one parallel pass, exact while the distinct values fit the
 * memory budget and a deterministic, mergeable summary with a guaranteed rank error past it.
 *
 * Why our own summary rather than a library: the npm quantile sketches are t-digest (`tdigest`,
 * whose error depends on the data, with no worst-case bound) and DDSketch
 * (`@datadog/sketches-js`, a bound on the *relative value* error, which says nothing about the rank
 * a value has — what QuantileTransformer's output is). No maintained KLL exists for JavaScript,
 * and KLL's bound is probabilistic. The summary here is the rank-bounded summary of Greenwald and
 * Khanna's mergeable variant (Greenwald & Khanna 2004; Agarwal et al., "Mergeable summaries",
 * 2012), deterministic, so equal data in equal blocks give equal quantiles on every run:
 *
 * - it keeps sorted distinct values `v`, each with bounds on how many values of the column are
 *   below it (`ltLo ≤ #{x < v} ≤ ltHi`) and at or below it (`leLo ≤ #{x ≤ v} ≤ leHi`); a block's
 *   summary is exact (the bounds are equal), so a summary that was never pruned answers every
 *   order statistic exactly and the percentiles equal numpy's;
 * - merging adds the bounds, taking a value's bounds in a summary that lacks it from its
 *   neighbours there (a summary keeps its true minimum and maximum, so the ends stay exact);
 * - past `capacity` values a summary is pruned to `capacity` values spaced evenly in rank.
 *
 * Answering rank k with the value v errs by at most `max(0, ltHi(v) − k, k + 1 − leLo(v))` ranks —
 * computed from the summary itself, so every answer carries its own bound ({@link orderStatistic}).
 * A prune adds at most about n / (2(capacity − 1)) to it and merging adds the parts' errors, so
 * after L levels of pruning (a block's, then each level of the merge tree that pruned) the error is
 * at most L·n / (2(capacity − 1)) plus a few ranks of rounding; the tests check the computed bound
 * against the true ranks, and against L·n / (capacity − 1).
 */
import { Graph, compute, defaultMemoryLimit, parseMemoryLimit, ref } from '@tessera/scheduler';
import { buildGraph, streamOf, tileRows, tokenize, type NDArray } from '@tessera/array';
import type { LazyOptions } from '../contract.js';
import { InvalidInputError } from '../errors.js';
import { rowBlocks } from '../ooc/lazy.js';
import { type ColumnCounts, Counter } from './value_counts.js';

/** A rank-bounded summary of one column's values (NaN left out). */
export interface QuantileSummary {
  /** Values summarized. */
  readonly n: number;
  /** Sorted distinct values kept. */
  readonly values: Float64Array;
  /** Bounds on #{x < v} per kept value. */
  readonly ltLo: Float64Array;
  readonly ltHi: Float64Array;
  /** Bounds on #{x ≤ v} per kept value. */
  readonly leLo: Float64Array;
  readonly leHi: Float64Array;
  /** Whether it was ever pruned (false: every answer is exact). */
  readonly pruned: boolean;
  /** Levels of pruning it went through (the L of the bound in the module comment). */
  readonly levels: number;
}

/** The summaries of some rows, one per column. */
export interface SketchPart {
  readonly rows: number;
  readonly columns: QuantileSummary[];
}

/** The exact summary of counted values. */
export function exactSummary(c: ColumnCounts): QuantileSummary {
  const k = c.values.length;
  const lt = new Float64Array(k);
  const le = new Float64Array(k);
  let seen = 0;
  for (let i = 0; i < k; i++) {
    lt[i] = seen;
    seen += c.counts[i]!;
    le[i] = seen;
  }
  return { n: seen, values: c.values.slice(), ltLo: lt, ltHi: lt.slice(), leLo: le, leHi: le.slice(), pruned: false, levels: 0 };
}

/** Bounds of #{x < v} and #{x ≤ v} in `s` for a value `v` that `s` does not keep, from its neighbours (`i`: first kept value > v). */
function between(s: QuantileSummary, i: number): [lo: number, hi: number] {
  const lo = i > 0 ? s.leLo[i - 1]! : 0;
  const hi = i < s.values.length ? s.ltHi[i]! : s.n;
  return [lo, hi];
}

/** The summary of the union of what `a` and `b` summarize (bounds added; nothing dropped). */
export function mergeSummaries(a: QuantileSummary, b: QuantileSummary): QuantileSummary {
  const m = a.values.length + b.values.length;
  const values = new Float64Array(m);
  const ltLo = new Float64Array(m);
  const ltHi = new Float64Array(m);
  const leLo = new Float64Array(m);
  const leHi = new Float64Array(m);
  let i = 0;
  let j = 0;
  let o = 0;
  while (i < a.values.length || j < b.values.length) {
    const va = i < a.values.length ? a.values[i]! : Infinity;
    const vb = j < b.values.length ? b.values[j]! : Infinity;
    if (j >= b.values.length || (i < a.values.length && va < vb)) {
      const [lo, hi] = between(b, j);
      values[o] = va;
      ltLo[o] = a.ltLo[i]! + lo;
      ltHi[o] = a.ltHi[i]! + hi;
      leLo[o] = a.leLo[i]! + lo;
      leHi[o] = a.leHi[i]! + hi;
      i++;
    } else if (i >= a.values.length || vb < va) {
      const [lo, hi] = between(a, i);
      values[o] = vb;
      ltLo[o] = b.ltLo[j]! + lo;
      ltHi[o] = b.ltHi[j]! + hi;
      leLo[o] = b.leLo[j]! + lo;
      leHi[o] = b.leHi[j]! + hi;
      j++;
    } else {
      values[o] = va;
      ltLo[o] = a.ltLo[i]! + b.ltLo[j]!;
      ltHi[o] = a.ltHi[i]! + b.ltHi[j]!;
      leLo[o] = a.leLo[i]! + b.leLo[j]!;
      leHi[o] = a.leHi[i]! + b.leHi[j]!;
      i++;
      j++;
    }
    o++;
  }
  return {
    n: a.n + b.n,
    values: values.slice(0, o),
    ltLo: ltLo.slice(0, o),
    ltHi: ltHi.slice(0, o),
    leLo: leLo.slice(0, o),
    leHi: leHi.slice(0, o),
    pruned: a.pruned || b.pruned,
    levels: Math.max(a.levels, b.levels),
  };
}

/** The rank error of answering rank `k` (0-based) with kept value `i`. */
function errorAt(s: QuantileSummary, i: number, k: number): number {
  return Math.max(0, s.ltHi[i]! - k, k + 1 - s.leLo[i]!);
}

/**
 * The kept value best answering rank `k` (0-based: the (k+1)-th smallest value), and the most ranks
 * the true k-th value can be from it. The error is unimodal in the kept values (one bound rises,
 * the other falls), so a binary search finds the crossing.
 */
export function orderStatistic(s: QuantileSummary, k: number): { index: number; error: number } {
  let lo = 0;
  let hi = s.values.length - 1;
  // First index where the rising bound ltHi − k reaches the falling one k + 1 − leLo.
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s.ltHi[mid]! - k >= k + 1 - s.leLo[mid]!) hi = mid;
    else lo = mid + 1;
  }
  let best = lo;
  let error = errorAt(s, lo, k);
  if (lo > 0) {
    const e = errorAt(s, lo - 1, k);
    if (e < error) {
      best = lo - 1;
      error = e;
    }
  }
  return { index: best, error };
}

/** `s` with at most `capacity` (≥ 2) values, spaced evenly in rank; the minimum and maximum kept. */
export function pruneSummary(s: QuantileSummary, capacity: number): QuantileSummary {
  const m = s.values.length;
  if (m <= capacity) return s;
  const keep: number[] = [0];
  for (let j = 1; j < capacity - 1; j++) {
    const k = Math.round((j * (s.n - 1)) / (capacity - 1));
    const { index } = orderStatistic(s, k);
    if (index > keep[keep.length - 1]! && index < m - 1) keep.push(index);
  }
  keep.push(m - 1);
  const pick = (a: Float64Array) => Float64Array.from(keep, (i) => a[i]!);
  return {
    n: s.n,
    values: pick(s.values),
    ltLo: pick(s.ltLo),
    ltHi: pick(s.ltHi),
    leLo: pick(s.leLo),
    leHi: pick(s.leHi),
    pruned: true,
    levels: s.levels + 1,
  };
}

/** numpy's `median` from a summary: the middle value, or the mean of the two middle ones; with the larger rank error. */
export function summaryMedian(s: QuantileSummary): { value: number; error: number } {
  const n = s.n;
  if (n === 0) return { value: Number.NaN, error: 0 };
  if (n % 2 === 1) {
    const m = orderStatistic(s, (n - 1) / 2);
    return { value: s.values[m.index]!, error: m.error };
  }
  const a = orderStatistic(s, n / 2 - 1);
  const b = orderStatistic(s, n / 2);
  return { value: (s.values[a.index]! + s.values[b.index]!) / 2, error: Math.max(a.error, b.error) };
}

/**
 * numpy's `percentile(values, q)` (method 'linear', numpy 1.24's operations in their order) from a
 * summary: exact when the summary is; otherwise the interpolation of the two order statistics it
 * answers, with `error` the larger of their rank errors. NaN (error 0) for an empty column.
 */
export function summaryPercentile(s: QuantileSummary, q: number): { value: number; error: number } {
  const n = s.n;
  if (n === 0) return { value: Number.NaN, error: 0 };
  const v = (n - 1) * (q / 100);
  if (v >= n - 1) {
    const top = orderStatistic(s, n - 1);
    return { value: s.values[top.index]!, error: top.error };
  }
  const prev = Math.floor(v);
  const gamma = v - prev;
  const ra = orderStatistic(s, prev);
  const rb = orderStatistic(s, prev + 1);
  const a = s.values[ra.index]!;
  const b = s.values[rb.index]!;
  const diff = b - a;
  return { value: gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma, error: Math.max(ra.error, rb.error) };
}

// ---------------------------------------------------------------------------------------------
// The parallel pass
// ---------------------------------------------------------------------------------------------

/** Names of this module's worker kernels. */
export const QuantileSketchKernel = {
  /** The summaries of one row block (exact, pruned to the capacity). */
  block: 'est.quantileSketch',
  /** Merges summaries (then prunes to the capacity). */
  combine: 'est.combineQuantileSketch',
} as const;

const FAN_IN = 8;
/** Bytes per kept value (the value and its four bounds, float64) times the summaries a merge holds. */
export const SKETCH_BYTES_PER_VALUE = 40 * (FAN_IN + 1);
/** The fewest values a summary keeps whatever the budget (a bound of n / 2046 ranks per level). */
export const MIN_SKETCH_CAPACITY = 1024;

/**
 * Summaries of one block, streamed tile by tile; the `missing` marker (NaN, or null: nothing is
 * missing) left out, any other non-finite value an error naming the row (from `rowOffset`) and column.
 */
export function quantileSketchKernel(X: unknown, caller: string, capacity: number, rowOffset: number, missing: number | null): SketchPart {
  const s = streamOf(X);
  try {
    const c = new Counter(s.rows, s.cols, { missing, distinct: true, caller }, rowOffset);
    const tile = tileRows(s);
    for (let a = 0; a < s.rows; a += tile) c.add(s.read(a, Math.min(s.rows, a + tile)));
    const counts = c.finish();
    return { rows: s.rows, columns: counts.columns!.map((col) => pruneSummary(exactSummary(col), capacity)) };
  } finally {
    s.close();
  }
}

/** Merges the parts' summaries column by column, then prunes each to the capacity. */
export function combineQuantileSketchKernel(parts: readonly SketchPart[], capacity: number): SketchPart {
  let rows = 0;
  let columns = parts[0]!.columns;
  for (let p = 0; p < parts.length; p++) {
    rows += parts[p]!.rows;
    if (p > 0) columns = columns.map((c, j) => mergeSummaries(c, parts[p]!.columns[j]!));
  }
  return { rows, columns: columns.map((c) => pruneSummary(c, capacity)) };
}

/** The kernel table ({@link QuantileSketchKernel}'s names), registered by the package's index. */
export const kernels = {
  [QuantileSketchKernel.block]: quantileSketchKernel,
  [QuantileSketchKernel.combine]: combineQuantileSketchKernel,
};

/** How many values a summary of one of `d` columns keeps under `options.memoryLimit` (see {@link SKETCH_BYTES_PER_VALUE}). */
export function sketchCapacity(d: number, options: LazyOptions): number {
  const budget = options.memoryLimit === undefined ? defaultMemoryLimit() : parseMemoryLimit(options.memoryLimit);
  return Math.max(MIN_SKETCH_CAPACITY, Math.floor(budget / (SKETCH_BYTES_PER_VALUE * Math.max(1, d))));
}

/**
 * The per-column summaries of a lazy 2-D X in one parallel pass: a `est.quantileSketch` task per
 * row block, merged by a tree of `est.combineQuantileSketch` tasks. Exact (never pruned) while each
 * column's distinct values fit `capacity`. `missing`: NaN (left out) or null (NaN is an error).
 */
export async function lazyQuantileSummaries(
  X: NDArray,
  caller: string,
  capacity: number,
  options: LazyOptions,
  missing: number | null = Number.NaN,
): Promise<SketchPart> {
  if (X.shape[0] === 0) throw new InvalidInputError(`${caller}: found array X with 0 samples, while a minimum of 1 is required.`);
  const Xr = rowBlocks(X, caller);
  const g = buildGraph([Xr], new Graph());
  const name = `quantile-sketch-${tokenize('quantile-sketch', Xr.name, capacity, missing)}`;
  const offsets = Xr.blockOffsets[0]!;
  let level: string[] = [];
  for (let i = 0; i < Xr.numBlocks[0]!; i++) {
    const key = `${name}-block-${i}`;
    g.add(key, QuantileSketchKernel.block, [Xr.blockArg(i, 0), caller, capacity, offsets[i]!, missing]);
    level.push(key);
  }
  for (let depth = 0; level.length > 1 || depth === 0; depth++) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += FAN_IN) {
      const key = `${name}-combine-${depth}-${i / FAN_IN}`;
      g.add(key, QuantileSketchKernel.combine, [level.slice(i, i + FAN_IN).map((k) => ref(k)), capacity]);
      next.push(key);
    }
    level = next;
  }
  const root = level[0]!;
  return (await compute(g, [root], options))[root] as SketchPart;
}
