/**
 * The numerical parts of k-means, after scikit-learn 1.2's `_k_means_common.pyx`,
 * `_k_means_lloyd.pyx` (labels only), `_k_means_minibatch.pyx` and `_kmeans.py`
 * (`_kmeans_plusplus`, `_init_centroids`):
 *
 * - labels: argmin over centers of ‖c‖² − 2·x·c (the ‖x‖² term does not change the argmin), the
 *   first minimum on ties, as scikit-learn's chunked GEMM + scan;
 * - inertia: Σ w·‖x − c_label‖² with the squared distance summed four features at a time, as
 *   `_euclidean_dense_dense`;
 * - the minibatch center update (in minibatch_kmeans.ts): c ← (c·count + Σ w·x) · (1 / (count + Σ w)),
 *   the sums accumulated in row order during the labelling pass.
 *
 * The passes below stream the rows through the kernels of kmeans_kernels.ts (WebAssembly SIMD when
 * available) in cache-sized chunks: each chunk is copied into the kernels' memory once, and every
 * kernel of the pass runs on it while it is in cache.
 */
import { tileRows, type RowStream } from '@tessera/array';
import type { Random } from '../random.js';
import { kmeansKernels, loadCenters } from './kmeans_kernels.js';

/**
 * Rows per chunk for n rows of d features: a tile of the array kernels' size (TILE_BYTES), so the
 * chunk, its labels or distances and the centers stay in a core's L2 cache.
 */
function chunkRows(n: number, d: number): number {
  return Math.max(2, Math.min(n, tileRows({ cols: d })));
}

const even = (v: number): number => v + (v & 1);

/** Rows to cluster: an array (n×d, C order) or a row stream over a block (see `streamOf`). */
export type RowSource = Float64Array | RowStream;

/**
 * What {@link labelPass} shows of each chunk: its first row, its row count, and element offsets
 * into `mem` (the kernels' memory) of its rows (r×d), labels (r, as float64), best scores (r:
 * ‖c‖² − 2·x·c of the chosen center, so ‖x‖² + best is the squared distance) and weights (−1:
 * unweighted).
 */
export type ChunkVisitor = (start: number, r: number, mem: Float64Array, x: number, labels: number, best: number, w: number) => void;

/** Rows [start, start + r) of `src` (width d) into `m` at element `at`. */
function readRows(src: RowSource, start: number, r: number, d: number, m: Float64Array, at: number): void {
  if (src instanceof Float64Array) m.set(src.subarray(start * d, (start + r) * d), at);
  else src.read(start, start + r, m.subarray(at, at + r * d));
}

/**
 * One pass over the rows of X (n×d) against centers C (k×d), chunk by chunk:
 *
 * - labels: the scores −2·(x·c) + ‖c‖² of the chunk's rows (each product summed in feature order),
 *   then per row the first minimum; written to `labels` (as float64) when given;
 * - returns the inertia Σ w·‖x − c_label‖², rows in order, the squared distance summed four
 *   features at a time (scikit-learn's `_euclidean_dense_dense`) — 0 when not `withInertia` —,
 *   or NaN when a row's distances are not finite (NaN / ±Infinity in X: callers then scan X to
 *   name the value, so clean data is read once less);
 * - with `sums` (k×d, the caller's starting values) and `weights` (k, zeros): sums[label] += x·w
 *   and weights[label] += w (1 without sample weights), rows in order — the minibatch update's
 *   accumulation, done while each chunk is in cache;
 * - with `visit`: called for each chunk once its labels are known, while its rows are in the
 *   kernels' memory (k-means|| sampling and the search for far points look at every row there).
 *
 * X (and sw) are arrays or row streams (a block, a read, the centering expression of a lazy X):
 * a stream's chunks are read straight into the kernels' memory.
 */
export function labelPass(
  X: RowSource,
  n: number,
  d: number,
  C: Float64Array,
  k: number,
  sw: RowSource | null,
  labels: Float64Array | null,
  sums: { sums: Float64Array; weights: Float64Array } | null = null,
  withInertia = true,
  visit: ChunkVisitor | null = null,
): number {
  const rows = chunkRows(n, d);
  const kp = even(k);
  // Layout: −2·Cᵀ (grouped) [d·kp], ‖c‖² [kp], C [k, d], sums [k, d], their weights [k], the X chunk [rows, d], labels [rows], weights [rows], best scores [rows], scores [rows, kp].
  const ct = 0;
  const cn = ct + d * kp;
  const cm = cn + kp;
  const sm = cm + even(k * d);
  const sw8 = sm + even(k * d);
  const xc = sw8 + even(k);
  const lb = xc + even(rows * d);
  const wc = lb + even(rows);
  const bs = wc + even(rows);
  const sc = bs + even(rows);
  const g = kmeansKernels(sc + rows * kp);
  loadCenters(g.mem, C, k, d, kp, ct, cn, Number.NaN);
  const m = g.mem;
  if (withInertia) m.set(C.subarray(0, k * d), cm);
  if (sums !== null) {
    m.set(sums.sums, sm);
    m.set(sums.weights, sw8);
  }
  let inertia = 0;
  let check = 0;
  for (let start = 0; start < n; start += rows) {
    const r = Math.min(rows, n - start);
    readRows(X, start, r, d, m, xc);
    if (sw !== null) readRows(sw, start, r, 1, m, wc);
    g.scores(xc, r, d, kp, ct, cn, sc);
    check += g.argmin(sc, r, kp, lb, bs);
    if (visit !== null) visit(start, r, m, xc, lb, bs, sw === null ? -1 : wc);
    if (withInertia) inertia = g.inertia(xc, cm, lb, r, d, sw === null ? -1 : wc, inertia);
    if (sums !== null) g.accumulate(xc, lb, sm, sw8, r, d, sw === null ? -1 : wc);
    if (labels !== null) labels.set(m.subarray(lb, lb + r), start);
  }
  if (sums !== null) {
    sums.sums.set(m.subarray(sm, sm + k * d));
    sums.weights.set(m.subarray(sw8, sw8 + k));
  }
  return check === 0 ? inertia : Number.NaN;
}

/** Squared row norms ‖x_i‖² (`row_norms(X, squared=True)`). */
export function rowNormsSquared(X: Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += X[i * d + j]! * X[i * d + j]!;
    out[i] = s;
  }
  return out;
}

/** `_euclidean_distances(x, X, Y_norm_squared, squared=True)` for one point x against every row: max(−2·x·X + ‖x‖² + ‖X_i‖², 0). */
function squaredDistancesTo(X: Float64Array, n: number, d: number, row: number, xNorms: Float64Array, out: Float64Array): void {
  const o = row * d;
  const xx = xNorms[row]!;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += X[o + j]! * X[i * d + j]!;
    const v = -2 * s + xx + xNorms[i]!;
    out[i] = v > 0 ? v : 0;
  }
}

/** The draws k-means++ makes: numpy's legacy `RandomState` (`randint(n)`, `random()` = `uniform()`), or our generator. */
export interface Draws {
  randint(n: number): number;
  random(): number;
}

/**
 * numpy's pairwise summation of a[from, from + n) (`pairwise_sum`, what `ndarray.sum` does along a
 * contiguous axis): sequential below 8 values, eight accumulators up to 128, halves above.
 */
export function pairwiseSum(a: ArrayLike<number>, from: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[from + i]!;
    return res;
  }
  if (n <= 128) {
    const r = [a[from]!, a[from + 1]!, a[from + 2]!, a[from + 3]!, a[from + 4]!, a[from + 5]!, a[from + 6]!, a[from + 7]!];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] = r[j]! + a[from + i + j]!;
    let res = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) res += a[from + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, from, n2) + pairwiseSum(a, from + n2, n - n2);
}

/** searchsorted (left) of r in the non-decreasing cum[0, n): the first i with cum[i] >= r, clipped to n − 1. */
function searchLeft(cum: Float64Array, n: number, r: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid]! < r) lo = mid + 1;
    else hi = mid;
  }
  return Math.min(lo, n - 1);
}

/**
 * Greedy k-means++ seeding, scikit-learn 1.2's `_kmeans_plusplus`: the first center
 * `randint(n)`, then per center 2 + ⌊ln k⌋ candidates drawn by `uniform() · potential` searched
 * in the cumulative sum of the closest squared distances (`stable_cumsum` + searchsorted), the
 * candidate lowering the potential most kept. Potentials are summed as numpy sums (pairwise).
 * With `sw` (the weighted k-means++ of k-means|| on weighted candidates; scikit-learn 1.2 has no
 * weights here): the first center is drawn by weight, distances are weighted. Returns row indices.
 */
export function kmeansPlusPlus(
  X: Float64Array,
  n: number,
  d: number,
  k: number,
  xNorms: Float64Array,
  rng: Draws,
  sw: Float64Array | null = null,
): Int32Array {
  const trials = 2 + Math.floor(Math.log(k));
  const indices = new Int32Array(k);
  const cum = new Float64Array(n);
  let first: number;
  if (sw === null) first = rng.randint(n);
  else {
    let acc = 0;
    for (let i = 0; i < n; i++) cum[i] = acc += sw[i]!;
    first = searchLeft(cum, n, rng.random() * acc);
  }
  indices[0] = first;
  let closest = new Float64Array(n);
  squaredDistancesTo(X, n, d, first, xNorms, closest);
  const weighted = new Float64Array(sw === null ? 0 : n);
  const potOf = (dist: Float64Array): number => {
    if (sw === null) return pairwiseSum(dist, 0, n);
    for (let i = 0; i < n; i++) weighted[i] = dist[i]! * sw[i]!;
    return pairwiseSum(weighted, 0, n);
  };
  let pot = potOf(closest);
  const cand = Array.from({ length: trials }, () => new Float64Array(n));
  const r = new Float64Array(trials);
  for (let c = 1; c < k; c++) {
    let acc = 0;
    for (let i = 0; i < n; i++) cum[i] = acc += sw === null ? closest[i]! : closest[i]! * sw[i]!;
    // uniform(size=trials) first, then the searches (the draws do not depend on the searches).
    for (let t = 0; t < trials; t++) r[t] = rng.random() * pot;
    let bestPot = Number.POSITIVE_INFINITY;
    let best = -1;
    let bestTrial = 0;
    for (let t = 0; t < trials; t++) {
      const id = searchLeft(cum, n, r[t]!);
      const dist = cand[t]!;
      squaredDistancesTo(X, n, d, id, xNorms, dist);
      for (let i = 0; i < n; i++) if (closest[i]! < dist[i]!) dist[i] = closest[i]!;
      const p = potOf(dist);
      // np.argmin: the first minimum.
      if (p < bestPot || best < 0) {
        bestPot = p;
        best = id;
        bestTrial = t;
      }
    }
    pot = bestPot;
    const next = cand[bestTrial]!;
    cand[bestTrial] = closest;
    closest = next;
    indices[c] = best;
  }
  return indices;
}

/** n distinct indices in [0, N) drawn uniformly (numpy's `choice(N, replace=False, size=n)`, our generator). */
export function sampleWithoutReplacement(N: number, size: number, rng: Random): Int32Array {
  const pool = Int32Array.from({ length: N }, (_, i) => i);
  for (let i = 0; i < size; i++) {
    const j = i + rng.randint(N - i);
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
  return pool.slice(0, size);
}

/**
 * Euclidean distances of the rows of X (n×d) to the centers C (k×d), into `out` (n×k), as
 * scikit-learn's `euclidean_distances`: √max(−2·x·c + ‖x‖² + ‖c‖², 0), chunk by chunk. Returns
 * false when some squared distance is not finite (NaN / ±Infinity in X), for the caller to scan X.
 */
export function distancesPass(X: Float64Array, n: number, d: number, C: Float64Array, k: number, out: Float64Array): boolean {
  const rows = chunkRows(n, d);
  const kp = even(k);
  // Layout: −2·Cᵀ (grouped) [d·kp], ‖c‖² [kp], the X chunk [rows, d], squared row norms [rows], distances [rows, k].
  const ct = 0;
  const cn = ct + d * kp;
  const xc = cn + kp;
  const xx = xc + even(rows * d);
  const oc = xx + even(rows);
  const g = kmeansKernels(oc + rows * k);
  loadCenters(g.mem, C, k, d, kp, ct, cn, 0);
  const m = g.mem;
  let check = 0;
  for (let start = 0; start < n; start += rows) {
    const r = Math.min(rows, n - start);
    m.set(X.subarray(start * d, (start + r) * d), xc);
    check += g.distances(xc, r, d, k, kp, ct, cn, oc, xx);
    out.set(m.subarray(oc, oc + r * k), start * k);
  }
  return check === 0;
}
