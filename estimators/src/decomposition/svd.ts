/**
 * Singular values and right singular vectors of a dense matrix, for IncrementalPCA (which never
 * needs U): Householder QR to bring a tall matrix down to its n×n triangle R, then one-sided
 * (Hestenes) Jacobi on R, which computes singular values to high relative accuracy — small
 * singular values come out as accurately as LAPACK's divide-and-conquer `gesdd` gives them
 * (scikit-learn calls `scipy.linalg.svd`). A wide matrix is handled through its transpose.
 *
 * Work arrays are stored column by column (column j of an m-row matrix at [j·m, (j+1)·m)), so
 * the rotations and reflections stream through contiguous memory.
 */

/** Result of {@link rightSingular}: r = min(m, n) singular values, descending, and Vᵀ [r, n] row-major. */
export interface RightSVD {
  readonly s: Float64Array;
  readonly vt: Float64Array;
  readonly rank: number;
}

const MAX_SWEEPS = 80;

/**
 * Singular values and right singular vectors of A (m×n, row-major), as
 * `scipy.linalg.svd(A, full_matrices=False)` returns S and Vt (up to the sign of each row, which
 * callers fix with {@link svdFlipRows}).
 */
export function rightSingular(A: Float64Array, m: number, n: number): RightSVD {
  if (m >= n) {
    const R = householderR(A, m, n);
    const { sigma, V } = jacobi(R, n, n, true);
    return sorted(sigma, (j) => V!.subarray(j * n, (j + 1) * n), n);
  }
  // Wide: Aᵀ (n×m, tall) = Ũ Σ Wᵀ, so A's right singular vectors are Ũ's columns.
  const cols = new Float64Array(m * n); // column i of Aᵀ = row i of A
  cols.set(A.subarray(0, m * n));
  const { sigma, W } = jacobi(cols, n, m, false);
  const rows = new Float64Array(m * n);
  for (let j = 0; j < m; j++) {
    const col = W.subarray(j * n, (j + 1) * n);
    const s = sigma[j]!;
    for (let i = 0; i < n; i++) rows[j * n + i] = s > 0 ? col[i]! / s : 0;
  }
  completeOrthonormal(rows, sigma, m, n);
  return sorted(sigma, (j) => rows.subarray(j * n, (j + 1) * n), n);
}

/** Orders singular triplets by decreasing singular value (stable). */
function sorted(sigma: Float64Array, vec: (j: number) => Float64Array, n: number): RightSVD {
  const r = sigma.length;
  const order = Array.from({ length: r }, (_, j) => j).sort((a, b) => sigma[b]! - sigma[a]! || a - b);
  const s = new Float64Array(r);
  const vt = new Float64Array(r * n);
  let rank = 0;
  order.forEach((j, k) => {
    s[k] = sigma[j]!;
    if (s[k]! > 0) rank++;
    vt.set(vec(j), k * n);
  });
  return { s, vt, rank };
}

/** The n×n upper triangle R of A = QR (Householder), column-major. */
function householderR(A: Float64Array, m: number, n: number): Float64Array {
  // Column-major copy of A.
  const a = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) a[j * m + i] = A[row + j]!;
  }
  const v = new Float64Array(m);
  for (let k = 0; k < n; k++) {
    const ck = k * m;
    // Norm of a[k:, k], scaled against overflow.
    let scale = 0;
    for (let i = k; i < m; i++) scale = Math.max(scale, Math.abs(a[ck + i]!));
    if (scale === 0) continue;
    let ss = 0;
    for (let i = k; i < m; i++) {
      const t = a[ck + i]! / scale;
      ss += t * t;
    }
    const norm = scale * Math.sqrt(ss);
    const alpha = a[ck + k]! >= 0 ? -norm : norm;
    // v = x − alpha·e1, H = I − 2vvᵀ/(vᵀv); vᵀv = 2(norm² − alpha·x0) = 2·norm·(norm + |x0|)
    for (let i = k; i < m; i++) v[i] = a[ck + i]!;
    v[k] = v[k]! - alpha;
    const vtv = 2 * norm * (norm + Math.abs(a[ck + k]!));
    a[ck + k] = alpha;
    for (let i = k + 1; i < m; i++) a[ck + i] = 0;
    for (let j = k + 1; j < n; j++) {
      const cj = j * m;
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i]! * a[cj + i]!;
      const f = (2 * dot) / vtv;
      if (f === 0) continue;
      for (let i = k; i < m; i++) a[cj + i] = a[cj + i]! - f * v[i]!;
    }
  }
  const R = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i <= j; i++) R[j * n + i] = a[j * m + i]!;
  return R;
}

/**
 * One-sided Jacobi on the columns of W (m×n, column-major, m >= n), in place: rotations make the
 * columns mutually orthogonal, W·V = UΣ. Returns the column norms (Σ), W (rotated) and, when
 * `withV`, the accumulated V (column-major n×n: column j is right singular vector j).
 */
function jacobi(W: Float64Array, m: number, n: number, withV: boolean): { sigma: Float64Array; W: Float64Array; V: Float64Array | null } {
  const V = withV ? new Float64Array(n * n) : null;
  if (V !== null) for (let j = 0; j < n; j++) V[j * n + j] = 1;
  const norms = new Float64Array(n);
  for (let j = 0; j < n; j++) norms[j] = sumSq(W, j * m, m);
  const tol = Number.EPSILON * m;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const alpha = norms[p]!;
        const beta = norms[q]!;
        if (alpha === 0 || beta === 0) continue;
        const cp = p * m;
        const cq = q * m;
        let gamma = 0;
        for (let i = 0; i < m; i++) gamma += W[cp + i]! * W[cq + i]!;
        if (Math.abs(gamma) <= tol * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const x = W[cp + i]!;
          const y = W[cq + i]!;
          W[cp + i] = c * x - s * y;
          W[cq + i] = s * x + c * y;
        }
        if (V !== null) {
          const vp = p * n;
          const vq = q * n;
          for (let i = 0; i < n; i++) {
            const x = V[vp + i]!;
            const y = V[vq + i]!;
            V[vp + i] = c * x - s * y;
            V[vq + i] = s * x + c * y;
          }
        }
        // Recompute rather than update the norms: updates accumulate rounding over sweeps.
        norms[p] = sumSq(W, cp, m);
        norms[q] = sumSq(W, cq, m);
      }
    }
    if (!rotated) break;
  }
  const sigma = new Float64Array(n);
  for (let j = 0; j < n; j++) sigma[j] = Math.sqrt(norms[j]!);
  return { sigma, W, V };
}

function sumSq(a: Float64Array, off: number, len: number): number {
  // Scaled, so that huge or tiny columns neither overflow nor underflow.
  let scale = 0;
  for (let i = 0; i < len; i++) scale = Math.max(scale, Math.abs(a[off + i]!));
  if (scale === 0 || !Number.isFinite(scale)) return scale === 0 ? 0 : scale * scale;
  let s = 0;
  for (let i = 0; i < len; i++) {
    const t = a[off + i]! / scale;
    s += t * t;
  }
  return s * scale * scale;
}

/** Replaces the rows of `rows` (r×n) whose singular value is 0 by unit vectors orthogonal to the others. */
function completeOrthonormal(rows: Float64Array, sigma: Float64Array, r: number, n: number): void {
  let basis = 0;
  for (let j = 0; j < r; j++) {
    if (sigma[j]! > 0) continue;
    for (; basis < n; basis++) {
      const v = new Float64Array(n);
      v[basis] = 1;
      for (let k = 0; k < r; k++) {
        if (k === j || (sigma[k] === 0 && k > j)) continue;
        let dot = 0;
        for (let i = 0; i < n; i++) dot += v[i]! * rows[k * n + i]!;
        for (let i = 0; i < n; i++) v[i] = v[i]! - dot * rows[k * n + i]!;
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += v[i]! * v[i]!;
      norm = Math.sqrt(norm);
      if (norm > 1e-8) {
        for (let i = 0; i < n; i++) rows[j * n + i] = v[i]! / norm;
        basis++;
        break;
      }
    }
  }
}

/**
 * scikit-learn's `svd_flip(u, v, u_based_decision=False)` on Vᵀ alone: each row is multiplied by
 * the sign of its largest-magnitude entry (the first, on ties), so that entry is positive.
 */
export function svdFlipRows(vt: Float64Array, r: number, n: number): void {
  for (let k = 0; k < r; k++) {
    const o = k * n;
    let best = 0;
    let bv = -1;
    for (let j = 0; j < n; j++) {
      const a = Math.abs(vt[o + j]!);
      if (a > bv) {
        bv = a;
        best = j;
      }
    }
    if (vt[o + best]! < 0) for (let j = 0; j < n; j++) vt[o + j] = -vt[o + j]!;
  }
}
