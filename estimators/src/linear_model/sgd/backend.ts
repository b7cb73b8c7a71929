/**
 * Which implementation the fast SGD path runs: WebAssembly SIMD or JavaScript. One switch for the
 * whole path — the epoch (epoch.ts), the decision function (decision.ts) and whether a prepared
 * block goes into a WebAssembly memory (prepared.ts) — so every file asks the same question.
 */

/**
 * Which epoch implementation runs: 'auto' (WebAssembly SIMD for the configurations it covers on
 * blocks of at least {@link WASM_MIN_VALUES} values, JavaScript otherwise), 'js' or 'wasm' (where
 * covered). For tests and benchmarks; both give scikit-learn's numbers.
 */
export type SGDBackend = 'auto' | 'js' | 'wasm';
let backend: SGDBackend = 'auto';
/** Below this many X values the copy into WebAssembly memory is not worth it. */
export const WASM_MIN_VALUES = 1 << 15;

/** Selects the epoch implementation (see {@link SGDBackend}); returns the previous setting. */
export function setSGDBackend(b: SGDBackend): SGDBackend {
  const prev = backend;
  backend = b;
  return prev;
}

/** Whether an epoch over n × d values would run in WebAssembly under the current backend (when it covers the configuration). */
export function prefersWasm(n: number, d: number): boolean {
  return backend !== 'js' && (backend === 'wasm' || n * d >= WASM_MIN_VALUES);
}
