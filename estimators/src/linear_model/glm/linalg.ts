/**
 * The small dense linear algebra of the GLMs, on p × p matrices (p = features + targets), all
 * row-major Float64Arrays: Cholesky, the Givens row update of a triangular factor (what the
 * tall-skinny QR folds rows and blocks in with), and a one-sided Jacobi SVD (singular values to
 * high relative accuracy — scikit-learn's `singular_`, the rank, and the least-squares and ridge
 * solutions through them).
 */

/**
 * Upper-triangular R with A = RᵀR for a symmetric p × p A (only its upper triangle is read), or
 * null when A is not numerically positive definite (a pivot ≤ 0 or not finite).
 */
export function cholesky(A: Float64Array, p: number): Float64Array | null {
  const R = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = i; j < p; j++) {
      let s = A[i * p + j]!;
      for (let k = 0; k < i; k++) s -= R[k * p + i]! * R[k * p + j]!;
      if (i === j) {
        if (!(s > 0) || !Number.isFinite(s)) return null;
        R[i * p + i] = Math.sqrt(s);
      } else {
        R[i * p + j] = s / R[i * p + i]!;
      }
    }
  }
  return R;
}

/**
 * Folds the row `a` (length p, overwritten) into the upper-triangular R (p × p, row-major) by Givens
 * rotations: afterwards RᵀR has gained aaᵀ. Stable (orthogonal transformations only), which is
 * why the tall-skinny QR uses it on ill-conditioned data.
 */
export function rowUpdate(R: Float64Array, p: number, a: Float64Array, from = 0): void {
  for (let j = from; j < p; j++) {
    const x = a[j]!;
    if (x === 0) continue;
    const r = R[j * p + j]!;
    // √(r² + x²) without Math.hypot's overflow guard (~2× slower per call; the sums here stay far from overflow).
    const h = Math.sqrt(r * r + x * x);
    const c = r / h;
    const s = x / h;
    R[j * p + j] = h;
    for (let k = j + 1; k < p; k++) {
      const rk = R[j * p + k]!;
      const ak = a[k]!;
      R[j * p + k] = c * rk + s * ak;
      a[k] = c * ak - s * rk;
    }
  }
}

/** The SVD A = U diag(s) Vᵀ of an m × n matrix (m ≥ n): s descending, U m × n, V n × n, row-major. */
export interface Svd {
  readonly s: Float64Array;
  readonly U: Float64Array;
  readonly V: Float64Array;
}

/**
 * One-sided Jacobi SVD (Hestenes): rotates pairs of columns of A until all are orthogonal to
 * working precision; the column norms are then the singular values, accurate to high relative
 * precision even for tiny ones (what the rank decision needs).
 */
export function jacobiSvd(A0: Float64Array, m: number, n: number): Svd {
  const A = A0.slice();
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  const tol = Number.EPSILON * m;
  for (let sweep = 0; sweep < 80; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          const ap = A[i * n + p]!;
          const aq = A[i * n + q]!;
          alpha += ap * ap;
          beta += aq * aq;
          gamma += ap * aq;
        }
        if (gamma === 0 || Math.abs(gamma) <= tol * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const ap = A[i * n + p]!;
          const aq = A[i * n + q]!;
          A[i * n + p] = c * ap - s * aq;
          A[i * n + q] = s * ap + c * aq;
        }
        for (let i = 0; i < n; i++) {
          const vp = V[i * n + p]!;
          const vq = V[i * n + q]!;
          V[i * n + p] = c * vp - s * vq;
          V[i * n + q] = s * vp + c * vq;
        }
      }
    }
    if (!rotated) break;
  }
  const norms = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let ss = 0;
    for (let i = 0; i < m; i++) ss += A[i * n + j]! ** 2;
    norms[j] = Math.sqrt(ss);
  }
  const order = Array.from({ length: n }, (_, j) => j).sort((a, b) => norms[b]! - norms[a]!);
  const s = new Float64Array(n);
  const U = new Float64Array(m * n);
  const Vs = new Float64Array(n * n);
  order.forEach((j, k) => {
    s[k] = norms[j]!;
    for (let i = 0; i < m; i++) U[i * n + k] = norms[j]! > 0 ? A[i * n + j]! / norms[j]! : 0;
    for (let i = 0; i < n; i++) Vs[i * n + k] = V[i * n + j]!;
  });
  return { s, U, V: Vs };
}

/**
 * Solves min ||R w − b||² + alpha ||w||² for every column of b (d × t) through the SVD of R (d × d):
 * w = V diag(f(s)) Uᵀ b with f(s) = s / (s² + alpha), and for alpha = 0 the minimum-norm
 * least-squares solution: singular values ≤ rcond · s_max count as zero (scipy's lstsq). `alpha`
 * may differ per column. Returns w (d × t, row-major) and the rank (singular values kept).
 */
export function svdSolve(
  svd: Svd,
  d: number,
  b: Float64Array,
  t: number,
  alpha: Float64Array,
  rcond: number,
): { w: Float64Array; rank: number } {
  const { s, U, V } = svd;
  const cutoff = rcond * (s[0] ?? 0);
  let rank = 0;
  for (let k = 0; k < d; k++) if (s[k]! > cutoff) rank++;
  const w = new Float64Array(d * t);
  for (let c = 0; c < t; c++) {
    const a = alpha[c]!;
    for (let k = 0; k < d; k++) {
      const sk = s[k]!;
      let f: number;
      if (a > 0) f = sk / (sk * sk + a);
      else f = sk > cutoff ? 1 / sk : 0;
      if (f === 0) continue;
      let ub = 0;
      for (let i = 0; i < d; i++) ub += U[i * d + k]! * b[i * t + c]!;
      const coef = f * ub;
      for (let i = 0; i < d; i++) w[i * t + c] = w[i * t + c]! + V[i * d + k]! * coef;
    }
  }
  return { w, rank };
}

/** Solves Rᵀ x = b (R upper-triangular p × p; b n × t in the first rows of a (p) × t layout), in place on b's first d rows. */
export function solveLowerT(R: Float64Array, p: number, d: number, b: Float64Array, t: number): void {
  for (let c = 0; c < t; c++) {
    for (let i = 0; i < d; i++) {
      let s = b[i * t + c]!;
      for (let k = 0; k < i; k++) s -= R[k * p + i]! * b[k * t + c]!;
      b[i * t + c] = s / R[i * p + i]!;
    }
  }
}
