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
import { tileRows } from '@tessera/array';
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
 *   accumulation, done while each chunk is in cache.
 */
export function labelPass(
  X: Float64Array,
  n: number,
  d: number,
  C: Float64Array,
  k: number,
  sw: Float64Array | null,
  labels: Float64Array | null,
  sums: { sums: Float64Array; weights: Float64Array } | null = null,
  withInertia = true,
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
    m.set(X.subarray(start * d, (start + r) * d), xc);
    if (sw !== null) m.set(sw.subarray(start, start + r), wc);
    g.scores(xc, r, d, kp, ct, cn, sc);
    check += g.argmin(sc, r, kp, lb, bs);
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

/** Greedy k-means++ seeding (`_kmeans_plusplus`) with our generator: returns row indices of X. */
export function kmeansPlusPlus(X: Float64Array, n: number, d: number, k: number, xNorms: Float64Array, rng: Random): Int32Array {
  const trials = 2 + Math.floor(Math.log(k));
  const indices = new Int32Array(k);
  const first = rng.randint(n);
  indices[0] = first;
  let closest = new Float64Array(n);
  squaredDistancesTo(X, n, d, first, xNorms, closest);
  let pot = 0;
  for (let i = 0; i < n; i++) pot += closest[i]!;
  const cum = new Float64Array(n);
  const cand = Array.from({ length: trials }, () => new Float64Array(n));
  for (let c = 1; c < k; c++) {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      acc += closest[i]!;
      cum[i] = acc;
    }
    let bestPot = Number.POSITIVE_INFINITY;
    let best = -1;
    let bestTrial = 0;
    for (let t = 0; t < trials; t++) {
      const r = rng.random() * pot;
      // searchsorted (left): the first i with cum[i] >= r, clipped to n − 1.
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[mid]! < r) lo = mid + 1;
        else hi = mid;
      }
      const id = Math.min(lo, n - 1);
      const dist = cand[t]!;
      squaredDistancesTo(X, n, d, id, xNorms, dist);
      let p = 0;
      for (let i = 0; i < n; i++) {
        if (closest[i]! < dist[i]!) dist[i] = closest[i]!;
        p += dist[i]!;
      }
      if (p < bestPot) {
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
