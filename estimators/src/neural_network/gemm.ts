/**
 * The matrix products of the MLP (and the per-row kernels of MiniBatchKMeans, which labels rows
 * through the same products), over one Float64Array "memory" addressed by element offsets, so
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
  adam(p: number, g: number, m: number, v: number, len: number, b1: number, c1: number, b2: number, c2: number, nlr: number, eps: number): void;
  /** SGD's momentum update (see mlp_engine.ts). */
  sgd(p: number, g: number, v: number, len: number, momentum: number, lr: number, nesterov: boolean): void;
  /**
   * k-means: out[i] = argmin_c (−2·p[i, c] + cn[c]) (the first minimum), as float64, for R rows of
   * k products. Returns Σ 0·min_i: NaN when some row's minimum is not finite.
   */
  argminRows(p: number, cn: number, out: number, R: number, k: number): number;
  /** k-means: acc + Σ_i w_i·‖x_i − C[lab_i]‖² over R rows in order (w < 0: unweighted); see kmeans_common.ts. */
  inertiaRows(x: number, C: number, lab: number, R: number, d: number, w: number, acc: number): number;
  /** k-means: S[lab_i] += x_i (· w_i when w >= 0) and W[lab_i] += w_i (1 unweighted), rows in order. */
  accumulateRows(x: number, lab: number, S: number, W: number, R: number, d: number, w: number): void;
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
  private product(a: number, ars: number, aks: number, b: number, c: number, M: number, K: number, N: number, bias: number, mode: number, aux: number): void {
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

  adam(p: number, g: number, mo: number, v: number, len: number, b1: number, c1: number, b2: number, c2: number, nlr: number, eps: number): void {
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

  argminRows(p: number, cn: number, out: number, R: number, k: number): number {
    const m = this.mem;
    let chk = 0;
    for (let i = 0; i < R; i++) {
      const o = p + i * k;
      let best = 0;
      let bd = -2 * m[o]! + m[cn]!;
      for (let c = 1; c < k; c++) {
        const v = -2 * m[o + c]! + m[cn + c]!;
        if (v < bd) {
          bd = v;
          best = c;
        }
      }
      m[out + i] = best;
      chk += bd * 0;
    }
    return chk;
  }

  inertiaRows(x: number, C: number, lab: number, R: number, d: number, w: number, acc: number): number {
    const m = this.mem;
    const n4 = d >> 2;
    for (let i = 0; i < R; i++) {
      let a = x + i * d;
      let b = C + m[lab + i]! * d;
      let res = 0;
      for (let t = 0; t < n4; t++) {
        const e0 = m[a]! - m[b]!;
        const e1 = m[a + 1]! - m[b + 1]!;
        const e2 = m[a + 2]! - m[b + 2]!;
        const e3 = m[a + 3]! - m[b + 3]!;
        res += e0 * e0 + e1 * e1 + e2 * e2 + e3 * e3;
        a += 4;
        b += 4;
      }
      for (let t = 0; t < (d & 3); t++) {
        const e = m[a + t]! - m[b + t]!;
        res += e * e;
      }
      acc += w >= 0 ? res * m[w + i]! : res;
    }
    return acc;
  }

  accumulateRows(x: number, lab: number, S: number, W: number, R: number, d: number, w: number): void {
    const m = this.mem;
    for (let i = 0; i < R; i++) {
      const a = x + i * d;
      const c = m[lab + i]!;
      const s = S + c * d;
      if (w >= 0) {
        const wi = m[w + i]!;
        m[W + c] = m[W + c]! + wi;
        for (let j = 0; j < d; j++) m[s + j] = m[s + j]! + m[a + j]! * wi;
      } else {
        m[W + c] = m[W + c]! + 1;
        for (let j = 0; j < d; j++) m[s + j] = m[s + j]! + m[a + j]!;
      }
    }
  }
}

// The compiler's lib (ES2023, no DOM) has no WebAssembly types; these are the parts used here.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

interface WasmExports {
  memory: WasmMemory;
  nn: (a: number, b: number, c: number, M: number, K: number, N: number, bias: number, mode: number, aux: number) => void;
  tn: (a: number, b: number, c: number, R: number, M: number, N: number) => void;
  colmean: (d: number, out: number, R: number, N: number) => void;
  gradfin: (g: number, w: number, len: number, alpha: number, n: number) => void;
  sumsq: (p: number, len: number) => number;
  adam: (p: number, g: number, m: number, v: number, len: number, b1: number, c1: number, b2: number, c2: number, nlr: number, eps: number) => void;
  sgd: (p: number, g: number, v: number, len: number, momentum: number, lr: number, nesterov: number) => void;
  argmin: (p: number, cn: number, out: number, R: number, k: number) => number;
  inertia: (x: number, C: number, lab: number, R: number, d: number, w: number, acc: number) => number;
  accumulate: (x: number, lab: number, S: number, W: number, R: number, d: number, w: number) => void;
}

const PAGE = 65536;

class WasmGemm implements Gemm {
  readonly name = 'wasm' as const;
  mem: Float64Array;
  constructor(private readonly ex: WasmExports) {
    this.mem = new Float64Array(ex.memory.buffer);
  }

  reserve(n: number): void {
    const bytes = n * 8;
    const have = this.ex.memory.buffer.byteLength;
    if (have < bytes) this.ex.memory.grow(Math.ceil((bytes - have) / PAGE));
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

  adam(p: number, g: number, m: number, v: number, len: number, b1: number, c1: number, b2: number, c2: number, nlr: number, eps: number): void {
    this.ex.adam(p * 8, g * 8, m * 8, v * 8, len, b1, c1, b2, c2, nlr, eps);
  }

  sgd(p: number, g: number, v: number, len: number, momentum: number, lr: number, nesterov: boolean): void {
    this.ex.sgd(p * 8, g * 8, v * 8, len, momentum, lr, nesterov ? 1 : 0);
  }

  argminRows(p: number, cn: number, out: number, R: number, k: number): number {
    return this.ex.argmin(p * 8, cn * 8, out * 8, R, k);
  }

  inertiaRows(x: number, C: number, lab: number, R: number, d: number, w: number, acc: number): number {
    return this.ex.inertia(x * 8, C * 8, lab * 8, R, d, w >= 0 ? w * 8 : -1, acc);
  }

  accumulateRows(x: number, lab: number, S: number, W: number, R: number, d: number, w: number): void {
    this.ex.accumulate(x * 8, lab * 8, S * 8, W * 8, R, d, w >= 0 ? w * 8 : -1);
  }
}

let wasmExports: WasmExports | null | undefined;

function loadWasm(): WasmExports | null {
  if (wasmExports !== undefined) return wasmExports;
  try {
    if (WA === undefined) throw new Error('no WebAssembly');
    const bin = atob(MLP_GEMM_WASM_BASE64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    wasmExports = new WA.Instance(new WA.Module(bytes), {}).exports as unknown as WasmExports;
  } catch {
    wasmExports = null;
  }
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
