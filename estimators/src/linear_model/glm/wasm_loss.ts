/**
 * The WebAssembly twins of the binary and multinomial logistic losses and gradients
 * (estimators/wasm/glm_loss.wat): one tile of rows at a time, copied into this thread's own memory
 * of the module (a tile is at most TILE_BYTES of X, so the copy stays in cache), two rows at a time
 * in the two f64x2 lanes. Labels and weights
 * are checked and mapped to 0/1 (or class indices) and s_i by the caller (losses.ts), which also keeps the JavaScript
 * loop for runtimes without WebAssembly SIMD, for `setGlmBackend('js')`, and for a tile with a
 * non-finite score (it names the row and column).
 *
 * Numerics: the same formulas as the JavaScript loop; summation order differs — the score
 * X_i·w + b sums even and odd features separately, the loss and the gradient sum even and odd rows
 * separately within a tile and each tile's sums are added to the block's — and exp / log1p / log
 * are the module's own (within a few ulps of Math's). The multinomial loss takes z_c − max(z)
 * directly where the JavaScript loop takes log(e^(z_c − max)) (which underflows beyond ~700). See
 * glm_wasm.test.ts for the agreement tested.
 */
import { GLM_LOSS_WASM_BASE64 } from './glm_loss_wasm_bytes.js';
import { WASM_PAGE, instantiateBase64, type WasmMemory } from '../../wasm_module.js';

/** Which implementation the GLM losses use: `'auto'` WebAssembly where available, `'js'` always JavaScript. */
export type GlmBackend = 'auto' | 'js';
let backend: GlmBackend = 'auto';

/** Selects the GLM loss implementation on this thread (see {@link GlmBackend}); returns the previous setting. */
export function setGlmBackend(b: GlmBackend): GlmBackend {
  if (b !== 'auto' && b !== 'js') throw new RangeError(`setGlmBackend: backend must be 'auto' or 'js'; got ${String(b)}.`);
  const prev = backend;
  backend = b;
  return prev;
}

type BinomialFn = (n: number, dp: number, xo: number, yo: number, so: number, zo: number, co: number, go: number, b: number) => number;

type MultinomialFn = (
  n: number,
  dp: number,
  k: number,
  xo: number,
  yo: number,
  so: number,
  zo: number,
  co: number,
  bo: number,
  go: number,
  gbo: number,
) => number;

interface Kernel {
  readonly memory: WasmMemory;
  readonly binomial: BinomialFn;
  readonly multinomial: MultinomialFn;
}

let kernel: Kernel | null | undefined;
let heap: Float64Array | null = null;

function ownKernel(): Kernel | null {
  if (kernel === undefined) {
    const exports = instantiateBase64(GLM_LOSS_WASM_BASE64);
    kernel =
      exports === null
        ? null
        : {
            memory: exports.memory as WasmMemory,
            binomial: exports.binomial as BinomialFn,
            multinomial: exports.multinomial as MultinomialFn,
          };
  }
  return kernel;
}

/** The module's memory as float64, at least `bytes` long. */
function room(k: Kernel, bytes: number): Float64Array {
  if (heap === null || heap.buffer !== k.memory.buffer || heap.byteLength < bytes) {
    const have = k.memory.buffer.byteLength;
    if (have < bytes) k.memory.grow(Math.ceil((bytes - have) / WASM_PAGE));
    heap = new Float64Array(k.memory.buffer);
  }
  return heap;
}

/** A tile's places in the module's memory (indices into its Float64Array). */
export interface BinomialTile {
  /** The memory as float64, valid until the next {@link binomialTile} call. */
  readonly heap: Float64Array;
  /** Row stride of X there: d rounded up to a multiple of 4 (the extra columns are zero). */
  readonly dp: number;
  readonly x: number;
  readonly y: number;
  readonly s: number;
  /** Scratch (the scores). */
  readonly z: number;
  readonly coef: number;
  readonly grad: number;
}

/**
 * Room for a tile of n rows × d features in the module's memory, with `coef` (d, then the
 * intercept, ignored here) copied in and the gradient slots zeroed; null when WebAssembly (SIMD) is
 * unavailable or the backend is `'js'`. The caller fills x, y (0/1) and s, then calls {@link runBinomial}.
 */
export function binomialTile(n: number, d: number, coef: Float64Array): BinomialTile | null {
  if (backend === 'js') return null;
  const k = ownKernel();
  if (k === null) return null;
  const dp = (d + 3) & ~3;
  const np = n + (n & 1);
  const co = 0;
  const go = co + dp;
  const x = go + dp + 2;
  const y = x + np * dp;
  const s = y + np;
  const z = s + np;
  const h = room(k, (z + np) * 8);
  for (let j = 0; j < d; j++) h[co + j] = coef[j]!;
  h.fill(0, co + d, co + dp);
  h.fill(0, go, go + dp + 2);
  if (np > n) {
    // The padding row: zero features, label 0, weight 0 (it adds nothing).
    h.fill(0, x + n * dp, x + np * dp);
    h[y + n] = 0;
    h[s + n] = 0;
  }
  return { heap: h, dp, x, y, s, z, coef: co, grad: go };
}

/**
 * Runs the module over a filled tile of n rows with intercept b: returns Σ s_i loss_i (the gradient
 * is then at `tile.grad`, its intercept entry at `tile.grad + dp`), or NaN when a score is not finite.
 */
export function runBinomial(tile: BinomialTile, n: number, b: number): number {
  const np = n + (n & 1);
  return kernel!.binomial(np, tile.dp, tile.x * 8, tile.y * 8, tile.s * 8, tile.z * 8, tile.coef * 8, tile.grad * 8, b);
}

/** A multinomial tile's places in the module's memory (indices into its Float64Array). */
export interface MultinomialTile extends BinomialTile {
  readonly k: number;
  /** The intercepts (k; zeros without one). */
  readonly bias: number;
  /** The intercepts' gradient sums: one pair of lanes per class (2k). */
  readonly gradBias: number;
}

/**
 * Room for a multinomial tile of n rows × d features and k classes, with `coef` (k rows of q = d
 * (+ 1 with an intercept, last)) copied in and the gradient slots zeroed; null as {@link binomialTile}.
 * The caller fills x, y (class indices) and s, then calls {@link runMultinomial}.
 */
export function multinomialTile(n: number, d: number, k: number, coef: Float64Array, fitIntercept: boolean): MultinomialTile | null {
  if (backend === 'js') return null;
  const kern = ownKernel();
  if (kern === null) return null;
  const dp = (d + 3) & ~3;
  const np = n + (n & 1);
  const q = d + (fitIntercept ? 1 : 0);
  const co = 0;
  const bias = co + k * dp;
  const go = bias + k + (k & 1);
  const gradBias = go + k * dp;
  const x = gradBias + 2 * k;
  const y = x + np * dp;
  const s = y + np;
  const z = s + np;
  const h = room(kern, (z + np * k) * 8);
  for (let r = 0; r < k; r++) {
    for (let j = 0; j < d; j++) h[co + r * dp + j] = coef[r * q + j]!;
    h.fill(0, co + r * dp + d, co + (r + 1) * dp);
    h[bias + r] = fitIntercept ? coef[r * q + d]! : 0;
  }
  h.fill(0, go, x);
  if (np > n) {
    h.fill(0, x + n * dp, x + np * dp);
    h[y + n] = 0;
    h[s + n] = 0;
  }
  return { heap: h, dp, x, y, s, z, coef: co, grad: go, k, bias, gradBias };
}

/** Runs the module over a filled multinomial tile of n rows: Σ s_i loss_i, or NaN when a score is not finite. */
export function runMultinomial(tile: MultinomialTile, n: number): number {
  const np = n + (n & 1);
  const t = tile;
  return kernel!.multinomial(np, t.dp, t.k, t.x * 8, t.y * 8, t.s * 8, t.z * 8, t.coef * 8, t.bias * 8, t.grad * 8, t.gradBias * 8);
}
