/**
 * KMeans' passes over one block of rows, the work of its worker kernels (kmeans_tasks.ts) and,
 * on a single block, of the in-memory fit — so an in-memory fit is the lazy fit of one block:
 *
 * - {@link lloydParts}: the E-step of a Lloyd iteration and the block's share of the M-step — the
 *   labels against the centers, and per center Σ w·x and Σ w (scikit-learn's
 *   `lloyd_iter_chunked_dense` before its reduction over threads);
 * - {@link farthestRows}: the rows farthest from their centers, for the relocation of empty
 *   clusters (`_relocate_empty_clusters_dense`), only run when a cluster is empty;
 * - {@link inertiaPart}: the final E-step — labels and Σ w·‖x − c_label‖² (`_inertia_dense`);
 * - {@link sampleParts}: one k-means|| round — the block's cost Σ w·d²(x, C) and the rows it may
 *   sample (see the function).
 *
 * Every block argument is a block or an inline recipe (a read, the centering expression X − mean),
 * streamed chunk by chunk into the kernels' memory (kmeans_common.ts); nothing block-sized is
 * allocated but the labels asked for.
 */
import { allocate, rowOrigin, streamOf, type RowStream } from '@tessera/array';
import { InvalidInputError } from '../errors.js';
import { labelPass, pairwiseSum } from './kmeans_common.js';

/** A block's share of one Lloyd M-step: per center Σ w·x (k×d) and Σ w (k). */
export interface LloydParts {
  readonly sums: Float64Array;
  readonly weights: Float64Array;
}

/** A row far from its center: its squared distance, global row index, label, weight and values. */
export interface FarRow {
  readonly dist: number;
  readonly row: number;
  readonly label: number;
  readonly weight: number;
  readonly x: Float64Array;
}

/** A block's part of one k-means|| round. */
export interface SampleParts {
  /** Σ w·d²(x, C) over the block's rows. */
  readonly cost: number;
  /** Rows that may be sampled: those whose key t = ℓ·w·d² / u exceeds the block's cost (see {@link sampleParts}). */
  readonly rows: readonly { readonly row: number; readonly t: number; readonly x: Float64Array }[];
}

/** Opens X (and sw) as row streams, runs `f`, closes them. */
function streamed<T>(X: unknown, sw: unknown, f: (s: RowStream, w: RowStream | null) => T): T {
  const s = streamOf(X);
  let w: RowStream | null = null;
  try {
    if (sw !== null && sw !== undefined) {
      w = streamOf(sw);
      if (w.rows !== s.rows) throw new RangeError(`KMeans: sampleWeight has ${w.rows} rows in a block of ${s.rows} rows of X.`);
    }
    return f(s, w);
  } finally {
    w?.close();
    s.close();
  }
}

/**
 * Throws InvalidInputError naming the first NaN / ±Infinity of block X (its row in the whole
 * array: `rowOffset` + row, and the file it comes from when it is read), or — when every value
 * is finite but a distance overflowed — a RangeError saying so.
 */
function nonFinite(X: unknown, rowOffset: number, caller: string): never {
  const s = streamOf(X);
  try {
    const d = s.cols;
    const tile = Math.max(1, Math.floor((1 << 16) / Math.max(1, d)));
    for (let a = 0; a < s.rows; a += tile) {
      const b = Math.min(s.rows, a + tile);
      const v = s.read(a, b);
      for (let q = 0; q < v.length; q++) {
        const x = v[q]!;
        if (!Number.isFinite(x)) {
          const row = a + Math.floor(q / d);
          const origin = rowOrigin(X, row);
          throw new InvalidInputError(
            `${caller}: input X contains ${Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity'} at row ${rowOffset + row}, column ${q % d}${origin === undefined ? '' : ` (${origin})`}.`,
            { row: rowOffset + row },
          );
        }
      }
    }
  } finally {
    s.close();
  }
  throw new RangeError(`${caller}: squared distances overflow float64 in the rows from ${rowOffset} on; scale X first.`);
}

/** The E-step against centers C (k×d) and the block's Σ w·x and Σ w per center. */
export function lloydParts(X: unknown, sw: unknown, C: Float64Array, k: number, rowOffset: number, caller: string): LloydParts {
  return streamed(X, sw, (s, w) => {
    const d = s.cols;
    const sums = new Float64Array(k * d);
    const weights = new Float64Array(k);
    const check = labelPass(s, s.rows, d, C, k, w, null, { sums, weights }, false);
    if (Number.isNaN(check)) nonFinite(X, rowOffset, caller);
    return { sums, weights };
  });
}

/**
 * Labels against C and Σ w·‖x − c_label‖² (summed in row order, each distance four features at a
 * time as `_euclidean_dense_dense`); the labels (float64, shared memory) only when asked.
 */
export function inertiaPart(
  X: unknown,
  sw: unknown,
  C: Float64Array,
  k: number,
  withLabels: boolean,
  rowOffset: number,
  caller: string,
): { inertia: number; labels: Float64Array | null } {
  return streamed(X, sw, (s, w) => {
    const labels = withLabels ? allocate('float64', s.rows) : null;
    const inertia = labelPass(s, s.rows, s.cols, C, k, w, labels);
    if (Number.isNaN(inertia)) nonFinite(X, rowOffset, caller);
    return { inertia, labels };
  });
}

/**
 * The `count` rows of the block farthest from their centers (labels against C_old, distance
 * Σ_j (x_j − c_j)² summed as numpy sums a row, pairwise), farthest first (equal distances: the
 * earlier row first).
 */
export function farthestRows(
  X: unknown,
  sw: unknown,
  C: Float64Array,
  k: number,
  count: number,
  rowOffset: number,
  caller: string,
): FarRow[] {
  return streamed(X, sw, (s, w) => {
    const d = s.cols;
    // The current best `count`, sorted farthest first (count is the number of empty clusters: small).
    const best: FarRow[] = [];
    const sq = new Float64Array(d);
    const check = labelPass(s, s.rows, d, C, k, w, null, null, false, (start, r, m, x, lab, _best, wc) => {
      for (let i = 0; i < r; i++) {
        const c = m[lab + i]!;
        for (let j = 0; j < d; j++) {
          const e = m[x + i * d + j]! - C[c * d + j]!;
          sq[j] = e * e;
        }
        const dist = pairwiseSum(sq, 0, d);
        if (best.length === count && !(dist > best[count - 1]!.dist)) continue;
        const row: FarRow = {
          dist,
          row: rowOffset + start + i,
          label: c,
          weight: wc < 0 ? 1 : m[wc + i]!,
          x: m.slice(x + i * d, x + (i + 1) * d),
        };
        let p = best.length < count ? best.length : count - 1;
        if (best.length < count) best.push(row);
        while (p > 0 && best[p - 1]!.dist < dist) {
          best[p] = best[p - 1]!;
          p--;
        }
        best[p] = row;
      }
    });
    if (Number.isNaN(check)) nonFinite(X, rowOffset, caller);
    return best;
  });
}

// A counter-based uniform for k-means|| sampling: u(seed, round, row) depends on nothing else, so
// the draws are the same whatever the chunking or the thread (as the chunked random arrays are).
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A uniform double in (0, 1) from (seed, round, row): 53 bits from two rounds of a 32-bit integer hash. */
export function rowUniform(seed: number, round: number, row: number): number {
  const lo = row >>> 0;
  const hi = Math.floor(row / 4294967296) >>> 0;
  const a = mix32(mix32(mix32(seed ^ 0x9e3779b9) ^ lo) ^ Math.imul(round + 1, 0x85ebca6b) ^ hi);
  const b = mix32(a ^ 0x27d4eb2f ^ lo);
  return ((a >>> 5) * 67108864 + (b >>> 6) + 0.5) / 9007199254740992;
}

/**
 * One k-means|| round over the block (Bahmani et al., Scalable K-Means++, algorithm 2): each row x
 * is sampled independently with probability min(1, ℓ·w·d²(x, C) / φ), φ = Σ w·d²(x, C) over all
 * rows. φ is only known once every block is done, so the round is one pass: a row is sampled iff
 * its key t = ℓ·w·d² / u exceeds φ (u its uniform), and since φ ≥ the cost of the rows seen so
 * far, the rows kept here — key above the running cost, pruned as it grows — include every row
 * the round samples; the caller keeps those with t > φ. d² is ‖x‖² + min_c(‖c‖² − 2·x·c), the
 * distance scikit-learn's `euclidean_distances` gives, clipped at 0.
 */
export function sampleParts(
  X: unknown,
  sw: unknown,
  C: Float64Array,
  m: number,
  ell: number,
  seed: number,
  round: number,
  rowOffset: number,
  caller: string,
): SampleParts {
  return streamed(X, sw, (s, w) => {
    const d = s.cols;
    let cost = 0;
    let kept: { row: number; t: number; x: Float64Array }[] = [];
    const check = labelPass(s, s.rows, d, C, m, w, null, null, false, (start, r, mem, x, _lab, best, wc) => {
      for (let i = 0; i < r; i++) {
        let xx = 0;
        for (let j = 0; j < d; j++) xx += mem[x + i * d + j]! * mem[x + i * d + j]!;
        const d2 = Math.max(xx + mem[best + i]!, 0);
        const wd = (wc < 0 ? 1 : mem[wc + i]!) * d2;
        cost += wd;
        if (wd === 0) continue;
        const row = rowOffset + start + i;
        const t = (ell * wd) / rowUniform(seed, round, row);
        if (t > cost) kept.push({ row, t, x: mem.slice(x + i * d, x + (i + 1) * d) });
      }
      if (kept.length > 4 * ell + 64) kept = kept.filter((c) => c.t > cost);
    });
    if (Number.isNaN(check)) nonFinite(X, rowOffset, caller);
    return { cost, rows: kept.filter((c) => c.t > cost) };
  });
}
