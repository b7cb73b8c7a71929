/**
 * The numerical kernels of k-means, after scikit-learn 1.2's `_k_means_common.pyx`,
 * `_k_means_lloyd.pyx` (labels only), `_k_means_minibatch.pyx` and `_kmeans.py`
 * (`_kmeans_plusplus`, `_init_centroids`):
 *
 * - labels: argmin over centers of ‖c‖² − 2·x·c (the ‖x‖² term does not change the argmin), the
 *   first minimum on ties, as scikit-learn's chunked GEMM + scan (the products and the per-row
 *   kernels come from the GEMM backend of neural_network/gemm.ts);
 * - inertia: Σ w·‖x − c_label‖² with the squared distance summed four features at a time, as
 *   `_euclidean_dense_dense`;
 * - the minibatch center update (in minibatch_kmeans.ts): c ← (c·count + Σ w·x) · (1 / (count + Σ w)),
 *   the sums accumulated in row order during the labelling pass.
 */
import { gemm } from '../neural_network/gemm.js';
import type { Random } from '../random.js';

/** Rows per chunk of the labelling pass (the chunk and its products stay in cache). */
const LABEL_CHUNK = 1024;

/**
 * One pass over the rows of X (n×d) against centers C (k×d), chunk by chunk through the GEMM
 * backend's memory (WebAssembly SIMD when available):
 *
 * - labels: the products x·c (each summed in feature order), d_c = −2·(x·c) + ‖c‖², the first
 *   minimum wins; written to `labels` when given;
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
  labels: Int32Array | Float64Array | null,
  sums: { sums: Float64Array; weights: Float64Array } | null = null,
  withInertia = true,
): number {
  const g = gemm();
  const rows = Math.max(1, Math.min(LABEL_CHUNK, n));
  const even = (v: number) => v + (v & 1);
  // Layout: Cᵀ [d, k], ‖c‖² [k], C [k, d], sums [k, d], their weights [k], the X chunk [rows, d], products [rows, k], labels [rows], weights [rows].
  const ct = 0;
  const cn = ct + even(d * k);
  const cm = cn + even(k);
  const sm = cm + even(k * d);
  const sw8 = sm + even(k * d);
  const xc = sw8 + even(k);
  const pc = xc + even(rows * d);
  const lb = pc + even(rows * k);
  const wc = lb + even(rows);
  g.reserve(wc + rows);
  let m = g.mem;
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = C[c * d + j]!;
      m[ct + j * k + c] = v;
      s += v * v;
    }
    m[cn + c] = s;
  }
  m.set(C.subarray(0, k * d), cm);
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
    g.nn(xc, ct, pc, r, d, k, -1);
    check += g.argminRows(pc, cn, lb, r, k);
    if (withInertia) inertia = g.inertiaRows(xc, cm, lb, r, d, sw === null ? -1 : wc, inertia);
    if (sums !== null) g.accumulateRows(xc, lb, sm, sw8, r, d, sw === null ? -1 : wc);
    m = g.mem;
    if (labels !== null) for (let i = 0; i < r; i++) labels[start + i] = m[lb + i]!;
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
 * scikit-learn's `euclidean_distances`: √max(−2·x·c + ‖x‖² + ‖c‖², 0), the products through the
 * GEMM backend chunk by chunk. Returns false when some squared distance is not finite (NaN /
 * ±Infinity in X), for the caller to scan X.
 */
export function distancesPass(X: Float64Array, n: number, d: number, C: Float64Array, k: number, out: Float64Array): boolean {
  let check = 0;
  const g = gemm();
  const rows = Math.max(1, Math.min(LABEL_CHUNK, n));
  const even = (v: number) => v + (v & 1);
  const ct = 0;
  const xc = ct + even(d * k);
  const pc = xc + even(rows * d);
  g.reserve(pc + rows * k);
  let m = g.mem;
  const cn = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = C[c * d + j]!;
      m[ct + j * k + c] = v;
      s += v * v;
    }
    cn[c] = s;
  }
  for (let start = 0; start < n; start += rows) {
    const r = Math.min(rows, n - start);
    m.set(X.subarray(start * d, (start + r) * d), xc);
    g.nn(xc, ct, pc, r, d, k, -1);
    m = g.mem;
    for (let i = 0; i < r; i++) {
      const row = (start + i) * d;
      let xx = 0;
      for (let j = 0; j < d; j++) xx += X[row + j]! * X[row + j]!;
      const o = (start + i) * k;
      for (let c = 0; c < k; c++) {
        const v = -2 * m[pc + i * k + c]! + xx + cn[c]!;
        check += v * 0;
        out[o + c] = Math.sqrt(v > 0 ? v : 0);
      }
    }
  }
  return check === 0;
}
