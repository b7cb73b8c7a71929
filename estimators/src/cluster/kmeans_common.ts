/**
 * The numerical kernels of k-means, after scikit-learn 1.2's `_k_means_common.pyx`,
 * `_k_means_lloyd.pyx` (labels only), `_k_means_minibatch.pyx` and `_kmeans.py`
 * (`_kmeans_plusplus`, `_init_centroids`):
 *
 * - labels: argmin over centers of ‖c‖² − 2·x·c (the ‖x‖² term does not change the argmin), the
 *   first minimum on ties, as scikit-learn's chunked GEMM + scan (the products come from the MLP's
 *   GEMM backend, neural_network/gemm.ts);
 * - inertia: Σ w·‖x − c_label‖² with the squared distance summed four features at a time, as
 *   `_euclidean_dense_dense`;
 * - the minibatch center update: c ← (c·count + Σ w·x) · (1 / (count + Σ w)).
 */
import { gemm } from '../neural_network/gemm.js';
import type { Random } from '../random.js';

/** Rows per chunk of the labelling product (X chunk + products stay in cache). */
const LABEL_CHUNK = 1024;

/**
 * Labels of the rows of X (n×d) for centers C (k×d), written to `labels`: the products x·c come
 * from the MLP's matrix-product backend (WebAssembly SIMD when available) over chunks of rows,
 * each summed in feature order; then d_c = −2·(x·c) + ‖c‖² and the first minimum wins.
 * Returns the inertia Σ w·‖x − c_label‖² (as {@link inertiaOf}, rows in order), computed while
 * each row is still in cache.
 */
export function assignLabels(X: Float64Array, n: number, d: number, C: Float64Array, k: number, labels: Int32Array, sw: Float64Array | null = null): number {
  let inertia = 0;
  const cnorm = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += C[c * d + j]! * C[c * d + j]!;
    cnorm[c] = s;
  }
  const g = gemm();
  const rows = Math.min(LABEL_CHUNK, n);
  // Layout: Cᵀ [d, k], then the X chunk [rows, d], then the products [rows, k].
  const ct = 0;
  const xc = ct + d * k + ((d * k) & 1);
  const pc = xc + rows * d + ((rows * d) & 1);
  g.reserve(pc + rows * k);
  let m = g.mem;
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) m[ct + j * k + c] = C[c * d + j]!;
  for (let start = 0; start < n; start += rows) {
    const r = Math.min(rows, n - start);
    m.set(X.subarray(start * d, (start + r) * d), xc);
    g.nn(xc, ct, pc, r, d, k, -1);
    m = g.mem;
    for (let i = 0; i < r; i++) {
      const o = pc + i * k;
      let best = 0;
      let bestDist = -2 * m[o]! + cnorm[0]!;
      for (let c = 1; c < k; c++) {
        const dist = -2 * m[o + c]! + cnorm[c]!;
        if (dist < bestDist) {
          best = c;
          bestDist = dist;
        }
      }
      labels[start + i] = best;
      const sq = squaredDistance(X, (start + i) * d, C, best * d, d);
      inertia += sw === null ? sq : sq * sw[start + i]!;
    }
  }
  return inertia;
}

/** ‖a − b‖² over d values from offsets ia, ib, summed four at a time (`_euclidean_dense_dense`). */
export function squaredDistance(a: Float64Array, ia: number, b: Float64Array, ib: number, d: number): number {
  const n4 = d >> 2;
  let result = 0;
  let p = ia;
  let q = ib;
  for (let t = 0; t < n4; t++) {
    const e0 = a[p]! - b[q]!;
    const e1 = a[p + 1]! - b[q + 1]!;
    const e2 = a[p + 2]! - b[q + 2]!;
    const e3 = a[p + 3]! - b[q + 3]!;
    result += e0 * e0 + e1 * e1 + e2 * e2 + e3 * e3;
    p += 4;
    q += 4;
  }
  for (let r = 0; r < (d & 3); r++) {
    const e = a[p + r]! - b[q + r]!;
    result += e * e;
  }
  return result;
}

/** Σ_i w_i·‖x_i − C[label_i]‖² (`_inertia_dense`). */
export function inertiaOf(X: Float64Array, n: number, d: number, C: Float64Array, labels: Int32Array, sw: Float64Array | null): number {
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    const sq = squaredDistance(X, i * d, C, labels[i]! * d, d);
    inertia += sw === null ? sq : sq * sw[i]!;
  }
  return inertia;
}

/**
 * The minibatch update of every center (`_minibatch_update_dense`): centers with members in this
 * batch move to the running weighted mean of old and new points; counts grow by the batch weight.
 * `oldC` and `newC` may be the same array.
 */
export function minibatchUpdate(X: Float64Array, n: number, d: number, sw: Float64Array | null, oldC: Float64Array, newC: Float64Array, counts: Float64Array, labels: Int32Array): void {
  const k = counts.length;
  const wsum = new Float64Array(k);
  for (let i = 0; i < n; i++) wsum[labels[i]!] = wsum[labels[i]!]! + (sw === null ? 1 : sw[i]!);
  // Undo the previous count-based scaling of the centers that gain members.
  for (let c = 0; c < k; c++) {
    const o = c * d;
    if (wsum[c]! > 0) {
      for (let j = 0; j < d; j++) newC[o + j] = oldC[o + j]! * counts[c]!;
    } else if (newC !== oldC) {
      for (let j = 0; j < d; j++) newC[o + j] = oldC[o + j]!;
    }
  }
  // Points are added in row order, per center (the order of scikit-learn's per-center loop).
  for (let i = 0; i < n; i++) {
    const c = labels[i]!;
    if (!(wsum[c]! > 0)) continue;
    const o = c * d;
    const r = i * d;
    // x·1 = x exactly: skip the multiplication without weights.
    if (sw === null) {
      for (let j = 0; j < d; j++) newC[o + j] = newC[o + j]! + X[r + j]!;
    } else {
      const w = sw[i]!;
      for (let j = 0; j < d; j++) newC[o + j] = newC[o + j]! + X[r + j]! * w;
    }
  }
  for (let c = 0; c < k; c++) {
    if (!(wsum[c]! > 0)) continue;
    counts[c] = counts[c]! + wsum[c]!;
    const alpha = 1 / counts[c]!;
    const o = c * d;
    for (let j = 0; j < d; j++) newC[o + j] = newC[o + j]! * alpha;
  }
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
