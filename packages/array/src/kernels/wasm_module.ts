/**
 * What the generated WebAssembly kernels of this package share: a small bytecode encoder (enough
 * for straight-line f64 / f64x2 loops — the modules are built from data at run time, so the package
 * needs no toolchain) and per-thread arenas, the memories those modules work in.
 */

// The compiler's lib (ES2023, no DOM) has no WebAssembly types. These are the parts Tessera uses,
// declared once here for every package (estimators' WebAssembly drivers import them).

/**
 * A WebAssembly.Memory. Its buffer is replaced (and views of the old one detached) when it grows;
 * a shared one's buffer is a SharedArrayBuffer, and the memory crosses threads by structured clone.
 */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}

/** The parts of the global `WebAssembly` object Tessera uses. */
export interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  /** `shared` memories must declare a `maximum`. */
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}
export const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

// --- bytecode -------------------------------------------------------------------------------

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;
export const OP = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  void: 0x40,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  f64Load: 0x2b,
  f64Store: 0x39,
  i32Const: 0x41,
  f64Const: 0x44,
  i32Eqz: 0x45,
  i32LtU: 0x49,
  i32GtU: 0x4b,
  i32GeU: 0x4f,
  f64Eq: 0x61,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Shl: 0x74,
  f64Add: 0xa0,
  f64Sub: 0xa1,
  f64Mul: 0xa2,
  f64Div: 0xa3,
  f64ConvertI32U: 0xb8,
  select: 0x1b,
} as const;
export const SIMD = 0xfd;
export const V_LOAD = [SIMD, 0x00];
export const V_STORE = [SIMD, 0x0b];
export const V_SPLAT = [SIMD, 0x14];
export const V_EXTRACT0 = [SIMD, 0x21, 0x00]; // f64x2.extract_lane 0
export const V_ADD = [SIMD, 0xf0, 0x01];
export const V_SUB = [SIMD, 0xf1, 0x01];
export const V_MUL = [SIMD, 0xf2, 0x01];
export const V_DIV = [SIMD, 0xf3, 0x01];

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

export function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

export function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

export function name(s: string): number[] {
  return [...uleb(s.length), ...[...s].map((ch) => ch.charCodeAt(0))];
}

/** Pages of the largest memory a 32-bit WebAssembly address space holds (4 GiB). */
const MAX_PAGES = 65536;

/**
 * A module of one exported function `f` (params, no results) over an imported memory `m.mem`:
 * `locals` are [count, valtype] groups, `body` the instructions without the final `end`.
 * `shared`: the memory imported is a shared one (a thread's arenas are not; memories that travel
 * between threads with their data are).
 */
export function moduleOf(
  params: readonly number[],
  locals: readonly [number, number][],
  body: readonly number[],
  shared = false,
): Uint8Array {
  const fn = [...vec(locals.map(([count, type]) => [...uleb(count), type])), ...body, OP.end];
  // Limits: min 1 page; a shared memory must declare a maximum.
  const limits = shared ? [0x03, 0x01, ...uleb(MAX_PAGES)] : [0x00, 0x01];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec([[0x60, ...uleb(params.length), ...params, 0x00]])),
    ...section(2, vec([[...name('m'), ...name('mem'), 0x02, ...limits]])),
    ...section(3, vec([[0x00]])),
    ...section(7, vec([[...name('f'), 0x00, 0x00]])),
    ...section(10, vec([[...uleb(fn.length), ...fn]])),
  ]);
}

// --- arenas ---------------------------------------------------------------------------------

const PAGE = 65536;

/** A memory of this thread and the module instances over it. */
export interface Arena {
  readonly memory: WasmMemory;
  readonly instances: Map<object, (...args: number[]) => void>;
}

const freeArenas: Arena[] = [];
const KEEP_ARENAS = 4;
/** Arenas grown past this (a tile of very wide rows) are dropped on release, not pooled. */
const KEEP_BYTES = 16 * 2 ** 20;

/** An arena of at least `bytes` (a released one of this thread, grown if need be, or a new one). */
export function acquireArena(bytes: number): Arena {
  const arena = freeArenas.pop() ?? { memory: new WA!.Memory({ initial: 1 }), instances: new Map() };
  const have = arena.memory.buffer.byteLength;
  if (have < bytes) arena.memory.grow(Math.ceil((bytes - have) / PAGE));
  return arena;
}

/** Gives an arena back to this thread's pool (its contents are garbage from now on). */
export function releaseArena(arena: Arena): void {
  if (freeArenas.length < KEEP_ARENAS && arena.memory.buffer.byteLength <= KEEP_BYTES) freeArenas.push(arena);
}

/** `module`'s function `f` instantiated over `arena`'s memory (once per arena). */
export function instanceIn(arena: Arena, module: object): (...args: number[]) => void {
  let fn = arena.instances.get(module);
  if (fn === undefined) {
    const instance = new WA!.Instance(module, { m: { mem: arena.memory } });
    fn = instance.exports['f'] as (...args: number[]) => void;
    arena.instances.set(module, fn);
  }
  return fn;
}
