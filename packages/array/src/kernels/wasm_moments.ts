/**
 * Column moments (count, mean, M2) of float64 tiles in WebAssembly: `colMoments` of reduce.ts
 * (the NaN-free case) with two columns per f64x2 instruction. Each lane performs exactly the
 * scalar code's operations in its order — per 256-row sub-tile, four strided partial sums, the
 * sub-tile mean, four partial sums of squared deviations, then Chan's combine — so the partials
 * are bit-identical (tested against the JavaScript loop). It serves the scaler statistics pass,
 * which otherwise spends as long in that loop as in reading the block.
 */
import {
  F64,
  I32,
  OP,
  V128,
  V_ADD,
  V_DIV,
  V_EXTRACT0,
  V_LOAD,
  V_MUL,
  V_SPLAT,
  V_STORE,
  V_SUB,
  WA,
  acquireArena,
  instanceIn,
  moduleOf,
  releaseArena,
  sleb,
  uleb,
  type Arena,
} from './wasm_module.js';

/** Rows per sub-tile (reduce.ts's SUB). */
export const MOMENT_ROWS = 256;

let compiled: object | null | undefined;

/** moments(x, rows, cols, N, MEAN, M2): folds `rows` rows of `cols` f64 at x into the per-column accumulators. */
function compile(): object | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  if (WA === undefined) return null;
  try {
    compiled = new WA.Module(momentsModule());
  } catch {
    compiled = null;
  }
  return compiled;
}

function momentsModule(): Uint8Array {
  // params
  const X = 0,
    M = 1,
    COLS = 2,
    N = 3,
    MEAN = 4,
    M2 = 5;
  // i32 locals
  let next = 6;
  const R0 = next++,
    R1 = next++,
    J = next++,
    K = next++,
    E = next++,
    CB = next++,
    C2 = next++,
    C3 = next++,
    C4 = next++,
    PAIR_END = next++,
    START = next++;
  // f64 locals
  const CNT = next++;
  const FS = [next++, next++, next++, next++]; // scalar partial sums / squares
  const FMU = next++,
    FD = next++,
    FNA = next++,
    FNN = next++,
    FQ = next++;
  // v128 locals
  const VS = [next++, next++, next++, next++];
  const VMU = next++,
    VD = next++,
    VNA = next++,
    VNN = next++,
    VQ = next++,
    VCNT = next++;
  const locals: [number, number][] = [
    [11, I32],
    [10, F64],
    [10, V128],
  ];

  const get = (l: number) => [OP.localGet, ...uleb(l)];
  const set = (l: number) => [OP.localSet, ...uleb(l)];
  const i32 = (v: number) => [OP.i32Const, ...sleb(v)];
  const add = (a: number[], b: number[]) => [...a, ...b, OP.i32Add];

  /** One column (scalar) or pair of columns (vector) at byte offset J within the row. */
  const column = (v: boolean): number[] => {
    const ld = (addr: number[]) => [...addr, ...(v ? [...V_LOAD, 0x03, 0x00] : [OP.f64Load, 0x03, 0x00])];
    const st = (addr: number[], value: number[]) => [...addr, ...value, ...(v ? [...V_STORE, 0x03, 0x00] : [OP.f64Store, 0x03, 0x00])];
    const fadd = v ? V_ADD : [OP.f64Add];
    const fsub = v ? V_SUB : [OP.f64Sub];
    const fmul = v ? V_MUL : [OP.f64Mul];
    const fdiv = v ? V_DIV : [OP.f64Div];
    const S = v ? VS : FS;
    const MU = v ? VMU : FMU;
    const D = v ? VD : FD;
    const NA = v ? VNA : FNA;
    const NN = v ? VNN : FNN;
    const Q = v ? VQ : FQ;
    const CNTV = v ? VCNT : CNT;
    const zero = v ? [SIMD_CONST_ZERO] : [[OP.f64Const, 0, 0, 0, 0, 0, 0, 0, 0]];
    const x = (off: number[]) => ld(add(add(get(X), get(K)), off)); // x[k + off]
    const out: number[] = [];
    // Two passes over the sub-tile: sums, then squared deviations from the sub-tile mean.
    for (const pass of [0, 1]) {
      out.push(...get(START), ...set(K));
      for (const s of S) out.push(...zero[0]!, ...set(s));
      const term = (off: number[]) => (pass === 0 ? x(off) : [...x(off), ...get(MU), ...fsub, OP.localTee, ...uleb(D), ...get(D), ...fmul]);
      // for (; k + c3 < e; k += c4) four strided terms
      out.push(OP.block, OP.void, OP.loop, OP.void);
      out.push(...get(K), ...get(C3), OP.i32Add, ...get(E), OP.i32GeU, OP.brIf, 1);
      out.push(...get(S[0]!), ...term(i32(0)), ...fadd, ...set(S[0]!));
      out.push(...get(S[1]!), ...term(get(CB)), ...fadd, ...set(S[1]!));
      out.push(...get(S[2]!), ...term(get(C2)), ...fadd, ...set(S[2]!));
      out.push(...get(S[3]!), ...term(get(C3)), ...fadd, ...set(S[3]!));
      out.push(...get(K), ...get(C4), OP.i32Add, ...set(K), OP.br, 0, OP.end, OP.end);
      // for (; k < e; k += cols) the rest into the first sum
      out.push(OP.block, OP.void, OP.loop, OP.void);
      out.push(...get(K), ...get(E), OP.i32GeU, OP.brIf, 1);
      out.push(...get(S[0]!), ...term(i32(0)), ...fadd, ...set(S[0]!));
      out.push(...get(K), ...get(CB), OP.i32Add, ...set(K), OP.br, 0, OP.end, OP.end);
      // (s0 + s1) + (s2 + s3)
      out.push(...get(S[0]!), ...get(S[1]!), ...fadd, ...get(S[2]!), ...get(S[3]!), ...fadd, ...fadd);
      if (pass === 0) out.push(...get(CNTV), ...fdiv, ...set(MU));
      else out.push(...set(Q));
    }
    // Chan's combine into N, MEAN, M2 at byte offset J.
    const at = (base: number) => add(get(base), get(J));
    out.push(...ld(at(N)), ...set(NA));
    out.push(...ld(at(N)), ...(v ? V_EXTRACT0 : []), OP.f64Const, 0, 0, 0, 0, 0, 0, 0, 0, OP.f64Eq, OP.if, OP.void);
    out.push(...st(at(N), get(CNTV)), ...st(at(MEAN), get(MU)), ...st(at(M2), get(Q)));
    out.push(OP.else);
    out.push(...get(NA), ...get(CNTV), ...fadd, ...set(NN));
    out.push(...get(MU), ...ld(at(MEAN)), ...fsub, ...set(D));
    // MEAN += (d * cnt) / nn
    out.push(...st(at(MEAN), [...ld(at(MEAN)), ...get(D), ...get(CNTV), ...fmul, ...get(NN), ...fdiv, ...fadd]));
    // M2 += q + (((d * d) * na) * cnt) / nn
    out.push(
      ...st(at(M2), [
        ...ld(at(M2)),
        ...get(Q),
        ...get(D),
        ...get(D),
        ...fmul,
        ...get(NA),
        ...fmul,
        ...get(CNTV),
        ...fmul,
        ...get(NN),
        ...fdiv,
        ...fadd,
        ...fadd,
      ]),
    );
    out.push(...st(at(N), get(NN)));
    out.push(OP.end);
    return out;
  };

  const body: number[] = [];
  body.push(...get(COLS), ...i32(3), OP.i32Shl, ...set(CB));
  body.push(...get(CB), ...i32(1), OP.i32Shl, ...set(C2));
  body.push(...get(C2), ...get(CB), OP.i32Add, ...set(C3));
  body.push(...get(CB), ...i32(2), OP.i32Shl, ...set(C4));
  body.push(...get(COLS), ...i32(-2), OP.i32And, ...i32(3), OP.i32Shl, ...set(PAIR_END));
  body.push(OP.block, OP.void, OP.loop, OP.void);
  body.push(...get(R0), ...get(M), OP.i32GeU, OP.brIf, 1);
  // r1 = min(m, r0 + SUB); cnt = r1 - r0; e = r1 * colBytes
  body.push(
    ...get(R0),
    ...i32(MOMENT_ROWS),
    OP.i32Add,
    ...get(M),
    ...get(R0),
    ...i32(MOMENT_ROWS),
    OP.i32Add,
    ...get(M),
    OP.i32LtU,
    OP.select,
    ...set(R1),
  );
  body.push(...get(R1), ...get(R0), OP.i32Sub, OP.f64ConvertI32U, ...set(CNT), ...get(CNT), ...V_SPLAT, ...set(VCNT));
  body.push(...get(R1), ...get(CB), OP.i32Mul, ...set(E));
  body.push(...i32(0), ...set(J));
  body.push(OP.block, OP.void, OP.loop, OP.void);
  body.push(...get(J), ...get(PAIR_END), OP.i32GeU, OP.brIf, 1);
  body.push(...get(R0), ...get(CB), OP.i32Mul, ...get(J), OP.i32Add, ...set(START));
  body.push(...column(true));
  body.push(...get(J), ...i32(16), OP.i32Add, ...set(J), OP.br, 0, OP.end, OP.end);
  body.push(...get(J), ...get(CB), OP.i32LtU, OP.if, OP.void);
  body.push(...get(R0), ...get(CB), OP.i32Mul, ...get(J), OP.i32Add, ...set(START));
  body.push(...column(false));
  body.push(OP.end);
  body.push(...get(R1), ...set(R0), OP.br, 0, OP.end, OP.end);
  return moduleOf([I32, I32, I32, I32, I32, I32], locals, body);
}

// v128.const 0 (16 zero bytes)
const SIMD_CONST_ZERO = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];

/** Accumulates column moments of float64 tiles in an arena; `finish` copies them out. */
export class WasmMoments {
  readonly #arena: Arena;
  readonly #fn: (...args: number[]) => void;
  readonly #cols: number;
  readonly #x: number;
  readonly #acc: number;

  private constructor(module: object, cols: number, tileRows: number) {
    this.#cols = cols;
    const align = (x: number) => Math.ceil(x / 64) * 64;
    this.#acc = 64;
    this.#x = align(this.#acc + 3 * cols * 8);
    this.#arena = acquireArena(this.#x + tileRows * cols * 8);
    this.#fn = instanceIn(this.#arena, module);
    new Float64Array(this.#arena.memory.buffer, this.#acc, 3 * cols).fill(0);
  }

  /** An accumulator for `cols` columns fed tiles of at most `tileRows` rows, or null without WebAssembly. */
  static create(cols: number, tileRows: number): WasmMoments | null {
    const module = cols > 0 ? compile() : null;
    return module === null ? null : new WasmMoments(module, cols, tileRows);
  }

  /** Where the next tile of `rows` rows goes (read it straight in). */
  tile(rows: number): Float64Array {
    return new Float64Array(this.#arena.memory.buffer, this.#x, rows * this.#cols);
  }

  /** Folds in the `rows` rows written into {@link WasmMoments.tile}. */
  add(rows: number): void {
    const c = this.#cols;
    this.#fn(this.#x, rows, c, this.#acc, this.#acc + c * 8, this.#acc + 2 * c * 8);
  }

  /** Copies the accumulators into `n`, `mean`, `m2` and releases the arena. */
  finish(n: Float64Array, mean: Float64Array, m2: Float64Array): void {
    const c = this.#cols;
    const F = new Float64Array(this.#arena.memory.buffer, this.#acc, 3 * c);
    n.set(F.subarray(0, c));
    mean.set(F.subarray(c, 2 * c));
    m2.set(F.subarray(2 * c, 3 * c));
    releaseArena(this.#arena);
  }

  /** Releases the arena without results (on error). */
  dispose(): void {
    releaseArena(this.#arena);
  }
}
