/**
 * The matrix products of the MLP, over one Float64Array "memory" addressed by element offsets, so
 * the same code drives either backend:
 *
 * - `js`: plain loops (i-k-j order: each output row accumulates whole rows of B, so B streams
 *   through cache);
 * - `wasm`: the same products in WebAssembly SIMD (estimators/wasm/mlp_gemm.wat), blocked 4×4
 *   in registers, over the module's own memory.
 *
 * Both compute every output element as ((0 + a₀b₀) + a₁b₁) + … — the products summed in order of
 * the inner index, with a separate multiply and add (WebAssembly SIMD has no fused multiply-add)
 * — so the two backends give bit-identical results; they differ from numpy's BLAS only in the
 * order of the additions (~1e-16 relative).
 */
import { instantiateBase64, WASM_PAGE, type WasmMemory } from '../wasm_module.js';
import { MLP_GEMM_WASM_BASE64 } from './mlp_wasm_bytes.js';

/** Epilogues of {@link Gemm.nn}: none, relu (max(z, 0)), or zero where `aux` is 0 (relu's derivative). */
export const EPILOGUE = { NONE: 0, RELU: 1, MASK_ZERO: 2 } as const;

/** The arithmetic the MLP needs, over `mem` (element offsets). */
export interface Gemm {
  /** Shared working memory; reallocated by {@link Gemm.reserve} (views must be re-taken after it). */
  mem: Float64Array;
  /** Ensures `mem` holds at least n float64 values (contents preserved). */
  reserve(n: number): void;
  /**
   * C[M×N] = A[M×K]·B[K×N] (+ bias[N] on every row when bias >= 0), all row-major, then the
   * epilogue `mode` ({@link EPILOGUE}; MASK_ZERO reads `aux`, laid out as C).
   */
  nn(a: number, b: number, c: number, M: number, K: number, N: number, bias: number, mode?: number, aux?: number): void;
  /** C[M×N] = A[R×M]ᵀ·B[R×N]. */
  tn(a: number, b: number, c: number, R: number, M: number, N: number): void;
  /** out[j] = (Σ_r d[r, j]) / R, the sum in row order. */
  colMean(d: number, out: number, R: number, N: number): void;
  /** g[q] = (g[q] + alpha·w[q]) / n. */
  gradFinalize(g: number, w: number, len: number, alpha: number, n: number): void;
  /** Σ p[q]², in order. */
  sumSq(p: number, len: number): number;
  /** Adam's moment and parameter update (see mlp_engine.ts). */
  adam(
    p: number,
    g: number,
    m: number,
    v: number,
    len: number,
    b1: number,
    c1: number,
    b2: number,
    c2: number,
    nlr: number,
    eps: number,
  ): void;
  /** SGD's momentum update (see mlp_engine.ts). */
  sgd(p: number, g: number, v: number, len: number, momentum: number, lr: number, nesterov: boolean): void;
  readonly name: 'js' | 'wasm';
}

/** The epilogue of one output value. */
function epilogue(v: number, mode: number, z: number): number {
  if (mode === EPILOGUE.RELU) return v > 0 ? v : v === v ? 0 : v;
  if (mode === EPILOGUE.MASK_ZERO) return z === 0 ? 0 : v;
  return v;
}

class JsGemm implements Gemm {
  readonly name = 'js' as const;
  mem = new Float64Array(0);

  reserve(n: number): void {
    if (this.mem.length >= n) return;
    const next = new Float64Array(Math.max(n, this.mem.length * 2));
    next.set(this.mem);
    this.mem = next;
  }

  nn(a: number, b: number, c: number, M: number, K: number, N: number, bias: number, mode = 0, aux = -1): void {
    this.product(a, K, 1, b, c, M, K, N, bias, mode, aux);
  }

  tn(a: number, b: number, c: number, R: number, M: number, N: number): void {
    this.product(a, 1, M, b, c, M, R, N, -1, 0, -1);
  }

  /**
   * C = A·B with A(i, k) at a + i·ars + k·aks: four output columns at a time in locals, each
   * summed in order of k (the order of the WebAssembly kernels).
   */
  private product(
    a: number,
    ars: number,
    aks: number,
    b: number,
    c: number,
    M: number,
    K: number,
    N: number,
    bias: number,
    mode: number,
    aux: number,
  ): void {
    const m = this.mem;
    const N4 = N & ~3;
    for (let i = 0; i < M; i++) {
      const ai = a + i * ars;
      const ci = c + i * N;
      let j = 0;
      for (; j < N4; j += 4) {
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let pa = ai;
        let pb = b + j;
        for (let k = 0; k < K; k++) {
          const av = m[pa]!;
          s0 += av * m[pb]!;
          s1 += av * m[pb + 1]!;
          s2 += av * m[pb + 2]!;
          s3 += av * m[pb + 3]!;
          pa += aks;
          pb += N;
        }
        if (bias >= 0) {
          s0 += m[bias + j]!;
          s1 += m[bias + j + 1]!;
          s2 += m[bias + j + 2]!;
          s3 += m[bias + j + 3]!;
        }
        if (mode === 0) {
          m[ci + j] = s0;
          m[ci + j + 1] = s1;
          m[ci + j + 2] = s2;
          m[ci + j + 3] = s3;
        } else {
          const z = aux + i * N + j;
          m[ci + j] = epilogue(s0, mode, mode === 2 ? m[z]! : 0);
          m[ci + j + 1] = epilogue(s1, mode, mode === 2 ? m[z + 1]! : 0);
          m[ci + j + 2] = epilogue(s2, mode, mode === 2 ? m[z + 2]! : 0);
          m[ci + j + 3] = epilogue(s3, mode, mode === 2 ? m[z + 3]! : 0);
        }
      }
      for (; j < N; j++) {
        let s = 0;
        let pa = ai;
        let pb = b + j;
        for (let k = 0; k < K; k++) {
          s += m[pa]! * m[pb]!;
          pa += aks;
          pb += N;
        }
        if (bias >= 0) s += m[bias + j]!;
        m[ci + j] = mode === 0 ? s : epilogue(s, mode, mode === 2 ? m[aux + i * N + j]! : 0);
      }
    }
  }

  colMean(d: number, out: number, R: number, N: number): void {
    const m = this.mem;
    for (let j = 0; j < N; j++) m[out + j] = 0;
    for (let r = 0; r < R; r++) for (let j = 0; j < N; j++) m[out + j] = m[out + j]! + m[d + r * N + j]!;
    for (let j = 0; j < N; j++) m[out + j] = m[out + j]! / R;
  }

  gradFinalize(g: number, w: number, len: number, alpha: number, n: number): void {
    const m = this.mem;
    for (let q = 0; q < len; q++) m[g + q] = (m[g + q]! + alpha * m[w + q]!) / n;
  }

  sumSq(p: number, len: number): number {
    const m = this.mem;
    let s = 0;
    for (let q = p; q < p + len; q++) s += m[q]! * m[q]!;
    return s;
  }

  adam(
    p: number,
    g: number,
    mo: number,
    v: number,
    len: number,
    b1: number,
    c1: number,
    b2: number,
    c2: number,
    nlr: number,
    eps: number,
  ): void {
    const m = this.mem;
    for (let q = 0; q < len; q++) {
      const gq = m[g + q]!;
      const mq = b1 * m[mo + q]! + c1 * gq;
      const vq = b2 * m[v + q]! + c2 * (gq * gq);
      m[mo + q] = mq;
      m[v + q] = vq;
      m[p + q] = m[p + q]! + (nlr * mq) / (Math.sqrt(vq) + eps);
    }
  }

  sgd(p: number, g: number, v: number, len: number, momentum: number, lr: number, nesterov: boolean): void {
    const m = this.mem;
    for (let q = 0; q < len; q++) {
      const gq = m[g + q]!;
      let vq = momentum * m[v + q]! - lr * gq;
      m[v + q] = vq;
      if (nesterov) vq = momentum * vq - lr * gq;
      m[p + q] = m[p + q]! + vq;
    }
  }
}

interface WasmExports {
  memory: WasmMemory;
  nn: (a: number, b: number, c: number, M: number, K: number, N: number, bias: number, mode: number, aux: number) => void;
  tn: (a: number, b: number, c: number, R: number, M: number, N: number) => void;
  colmean: (d: number, out: number, R: number, N: number) => void;
  gradfin: (g: number, w: number, len: number, alpha: number, n: number) => void;
  sumsq: (p: number, len: number) => number;
  adam: (
    p: number,
    g: number,
    m: number,
    v: number,
    len: number,
    b1: number,
    c1: number,
    b2: number,
    c2: number,
    nlr: number,
    eps: number,
  ) => void;
  sgd: (p: number, g: number, v: number, len: number, momentum: number, lr: number, nesterov: number) => void;
}

class WasmGemm implements Gemm {
  readonly name = 'wasm' as const;
  mem: Float64Array;
  constructor(private readonly ex: WasmExports) {
    this.mem = new Float64Array(ex.memory.buffer);
  }

  reserve(n: number): void {
    const bytes = n * 8;
    const have = this.ex.memory.buffer.byteLength;
    if (have < bytes) this.ex.memory.grow(Math.ceil((bytes - have) / WASM_PAGE));
    if (this.mem.buffer !== this.ex.memory.buffer) this.mem = new Float64Array(this.ex.memory.buffer);
  }

  nn(a: number, b: number, c: number, M: number, K: number, N: number, bias: number, mode = 0, aux = -1): void {
    this.ex.nn(a * 8, b * 8, c * 8, M, K, N, bias >= 0 ? bias * 8 : -1, mode, aux >= 0 ? aux * 8 : 0);
  }

  tn(a: number, b: number, c: number, R: number, M: number, N: number): void {
    this.ex.tn(a * 8, b * 8, c * 8, R, M, N);
  }

  colMean(d: number, out: number, R: number, N: number): void {
    this.ex.colmean(d * 8, out * 8, R, N);
  }

  gradFinalize(g: number, w: number, len: number, alpha: number, n: number): void {
    this.ex.gradfin(g * 8, w * 8, len, alpha, n);
  }

  sumSq(p: number, len: number): number {
    return this.ex.sumsq(p * 8, len);
  }

  adam(
    p: number,
    g: number,
    m: number,
    v: number,
    len: number,
    b1: number,
    c1: number,
    b2: number,
    c2: number,
    nlr: number,
    eps: number,
  ): void {
    this.ex.adam(p * 8, g * 8, m * 8, v * 8, len, b1, c1, b2, c2, nlr, eps);
  }

  sgd(p: number, g: number, v: number, len: number, momentum: number, lr: number, nesterov: boolean): void {
    this.ex.sgd(p * 8, g * 8, v * 8, len, momentum, lr, nesterov ? 1 : 0);
  }
}

let wasmExports: WasmExports | null | undefined;

function loadWasm(): WasmExports | null {
  if (wasmExports !== undefined) return wasmExports;
  wasmExports = instantiateBase64(MLP_GEMM_WASM_BASE64) as WasmExports | null;
  return wasmExports;
}

/** Which implementation MLP training and prediction use: 'auto' (WebAssembly when available), 'wasm' or 'js'. */
export type MLPBackend = 'auto' | 'wasm' | 'js';
let backend: MLPBackend = 'auto';

/** Selects the MLP backend; returns the previous setting. Both give bit-identical results. */
export function setMLPBackend(b: MLPBackend): MLPBackend {
  if (b !== 'auto' && b !== 'wasm' && b !== 'js') throw new RangeError(`setMLPBackend: expected 'auto', 'wasm' or 'js'. Got ${String(b)}.`);
  if (b === 'wasm' && loadWasm() === null) throw new RangeError('setMLPBackend: WebAssembly SIMD is not available in this runtime.');
  const prev = backend;
  backend = b;
  return prev;
}

/** Whether the WebAssembly kernels can run here. */
export function mlpWasmAvailable(): boolean {
  return loadWasm() !== null;
}

let wasmGemm: WasmGemm | undefined;

/**
 * The backend to use now. The WebAssembly instance is shared (one per thread): callers must not
 * interleave two trainings on it — training and prediction run to completion synchronously.
 */
export function gemm(): Gemm {
  if (backend !== 'js') {
    const ex = loadWasm();
    if (ex !== null) return (wasmGemm ??= new WasmGemm(ex));
  }
  return new JsGemm();
}
