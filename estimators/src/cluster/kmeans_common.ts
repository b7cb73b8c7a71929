/**
 * The numerical kernels of k-means, after scikit-learn 1.2's `_k_means_common.pyx`,
 * `_k_means_lloyd.pyx` (labels only), `_k_means_minibatch.pyx` and `_kmeans.py`
 * (`_kmeans_plusplus`, `_init_centroids`):
 *
 * - labels: argmin over centers of ‖c‖² − 2·x·c (the ‖x‖² term does not change the argmin), the
 *   first minimum on ties, as scikit-learn's chunked GEMM + scan;
 * - inertia: Σ w·‖x − c_label‖² with the squared distance summed four features at a time, as
 *   `_euclidean_dense_dense`;
 * - the minibatch center update: c ← (c·count + Σ w·x) · (1 / (count + Σ w)).
 */
import { Random } from '../random.js';

/**
 * Labels of the rows of X (n×d) for centers C (k×d), written to `labels`; returns nothing. The
 * center norms are computed once; rows are visited with four centers at a time so each row value
 * is loaded once per group.
 */
export function assignLabels(X: Float64Array, n: number, d: number, C: Float64Array, k: number, labels: Int32Array): void {
  const cnorm = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += C[c * d + j]! * C[c * d + j]!;
    cnorm[c] = s;
  }
  const k4 = k & ~3;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let best = 0;
    let bestDist = Number.POSITIVE_INFINITY;
    let c = 0;
    for (; c < k4; c += 4) {
      const o0 = c * d;
      const o1 = o0 + d;
      const o2 = o1 + d;
      const o3 = o2 + d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let j = 0; j < d; j++) {
        const x = X[o + j]!;
        s0 += x * C[o0 + j]!;
        s1 += x * C[o1 + j]!;
        s2 += x * C[o2 + j]!;
        s3 += x * C[o3 + j]!;
      }
      const d0 = -2 * s0 + cnorm[c]!;
      const d1 = -2 * s1 + cnorm[c + 1]!;
      const d2 = -2 * s2 + cnorm[c + 2]!;
      const d3 = -2 * s3 + cnorm[c + 3]!;
      // c === 0: the first center seeds the minimum (NaN never wins, as in scikit-learn's scan).
      if (c === 0) {
        best = 0;
        bestDist = d0;
      } else if (d0 < bestDist) {
        best = c;
        bestDist = d0;
      }
      if (d1 < bestDist) {
        best = c + 1;
        bestDist = d1;
      }
      if (d2 < bestDist) {
        best = c + 2;
        bestDist = d2;
      }
      if (d3 < bestDist) {
        best = c + 3;
        bestDist = d3;
      }
    }
    for (; c < k; c++) {
      const oc = c * d;
      let s = 0;
      for (let j = 0; j < d; j++) s += X[o + j]! * C[oc + j]!;
      const dist = -2 * s + cnorm[c]!;
      if (c === 0 || dist < bestDist) {
        best = c;
        bestDist = dist;
      }
    }
    labels[i] = best;
  }
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
    const w = sw === null ? 1 : sw[i]!;
    const r = i * d;
    for (let j = 0; j < d; j++) newC[o + j] = newC[o + j]! + X[r + j]! * w;
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
