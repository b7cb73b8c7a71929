/**
 * The matrix products of the MLP, over one Float64Array "memory" addressed by element offsets,
 * so the same training code drives either backend:
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

/** The arithmetic the MLP needs, over `mem` (element offsets). */
export interface Gemm {
  /** Shared working memory; reallocated by {@link Gemm.reserve} (views must be re-taken after it). */
  mem: Float64Array;
  /** Ensures `mem` holds at least n float64 values (contents preserved). */
  reserve(n: number): void;
  /** C[M×N] = A[M×K]·B[K×N] (+ bias[N] on every row when bias >= 0), all row-major. */
  nn(a: number, b: number, c: number, M: number, K: number, N: number, bias: number): void;
  /** C[M×N] = A[R×M]ᵀ·B[R×N]. */
  tn(a: number, b: number, c: number, R: number, M: number, N: number): void;
  readonly name: 'js' | 'wasm';
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

  nn(a: number, b: number, c: number, M: number, K: number, N: number, bias: number): void {
    const m = this.mem;
    for (let i = 0; i < M; i++) {
      const ci = c + i * N;
      for (let j = 0; j < N; j++) m[ci + j] = 0;
      const ai = a + i * K;
      for (let k = 0; k < K; k++) {
        const av = m[ai + k]!;
        const bk = b + k * N;
        for (let j = 0; j < N; j++) m[ci + j] = m[ci + j]! + av * m[bk + j]!;
      }
      if (bias >= 0) for (let j = 0; j < N; j++) m[ci + j] = m[ci + j]! + m[bias + j]!;
    }
  }

  tn(a: number, b: number, c: number, R: number, M: number, N: number): void {
    const m = this.mem;
    m.fill(0, c, c + M * N);
    for (let r = 0; r < R; r++) {
      const ar = a + r * M;
      const br = b + r * N;
      for (let p = 0; p < M; p++) {
        const av = m[ar + p]!;
        const cp = c + p * N;
        for (let j = 0; j < N; j++) m[cp + j] = m[cp + j]! + av * m[br + j]!;
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
  nn: (a: number, b: number, c: number, M: number, K: number, N: number, bias: number) => void;
  tn: (a: number, b: number, c: number, R: number, M: number, N: number) => void;
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

  nn(a: number, b: number, c: number, M: number, K: number, N: number, bias: number): void {
    this.ex.nn(a * 8, b * 8, c * 8, M, K, N, bias >= 0 ? bias * 8 : -1);
  }

  tn(a: number, b: number, c: number, R: number, M: number, N: number): void {
    this.ex.tn(a * 8, b * 8, c * 8, R, M, N);
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
