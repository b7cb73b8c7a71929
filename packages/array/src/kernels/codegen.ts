/**
 * Compiles an elementwise expression into a loop (once per expression shape, per thread): the
 * fused form of `(X - mean) / std` is one pass that reads each input element once and writes the
 * output once. Only whitelisted operators, input slots and parameter slots appear in the code;
 * every value arrives through arguments, so expressions that differ only in constants share one
 * compiled function.
 *
 * Each node's result is rounded to its dtype (float32: `Math.fround`, int32: wrap to 32 bits,
 * uint8: wrap to 8 bits) so that a fused chain gives exactly what the unfused ops would.
 */
import type { DType, TypedArray } from '../dense.js';
import type { ExprNode, InputKind } from './spec.js';

/** A compiled expression: writes `rows × cols` outputs. `I`: input arrays; `P`: parameters. */
export type CompiledExpr = (out: TypedArray, I: readonly TypedArray[], P: readonly number[], rows: number, cols: number) => void;

const cache = new Map<string, CompiledExpr>();

const UNARY: Record<string, (a: string) => string> = {
  neg: (a) => `(-${a})`,
  abs: (a) => `Math.abs(${a})`,
  exp: (a) => `Math.exp(${a})`,
  log: (a) => `Math.log(${a})`,
  sqrt: (a) => `Math.sqrt(${a})`,
  log1p: (a) => `Math.log1p(${a})`,
  expm1: (a) => `Math.expm1(${a})`,
  sin: (a) => `Math.sin(${a})`,
  cos: (a) => `Math.cos(${a})`,
  tanh: (a) => `Math.tanh(${a})`,
  floor: (a) => `Math.floor(${a})`,
  ceil: (a) => `Math.ceil(${a})`,
  round: (a) => `__roundHalfEven(${a})`,
  sign: (a) => `(${a} > 0 ? 1 : ${a} < 0 ? -1 : ${a})`,
  square: (a) => `(${a} * ${a})`,
  isnan: (a) => `(${a} !== ${a} ? 1 : 0)`,
  not: (a) => `(${a} === 0 ? 1 : 0)`,
  cast: (a) => a,
};

const BINARY: Record<string, (a: string, b: string, dtype: DType) => string> = {
  add: (a, b) => `(${a} + ${b})`,
  sub: (a, b) => `(${a} - ${b})`,
  mul: (a, b, d) => (d === 'int32' ? `Math.imul(${a}, ${b})` : `(${a} * ${b})`),
  div: (a, b) => `(${a} / ${b})`,
  pow: (a, b) => `Math.pow(${a}, ${b})`,
  maximum: (a, b) => `Math.max(${a}, ${b})`,
  minimum: (a, b) => `Math.min(${a}, ${b})`,
  eq: (a, b) => `(${a} === ${b} ? 1 : 0)`,
  ne: (a, b) => `(${a} !== ${b} ? 1 : 0)`,
  lt: (a, b) => `(${a} < ${b} ? 1 : 0)`,
  le: (a, b) => `(${a} <= ${b} ? 1 : 0)`,
  gt: (a, b) => `(${a} > ${b} ? 1 : 0)`,
  ge: (a, b) => `(${a} >= ${b} ? 1 : 0)`,
  and: (a, b) => `(${a} !== 0 && ${b} !== 0 ? 1 : 0)`,
  or: (a, b) => `(${a} !== 0 || ${b} !== 0 ? 1 : 0)`,
};

/** Operators the expression language knows (for validation on the main thread). */
export const UNARY_OPS: ReadonlySet<string> = new Set(Object.keys(UNARY));
export const BINARY_OPS: ReadonlySet<string> = new Set(Object.keys(BINARY));

function round(code: string, dtype: DType): string {
  switch (dtype) {
    case 'float64':
      return code;
    case 'float32':
      return `Math.fround(${code})`;
    case 'int32':
      return `(${code} | 0)`;
    case 'uint8':
      return `(${code} & 255)`;
  }
}

const DTYPES: ReadonlySet<string> = new Set(['float64', 'float32', 'int32', 'uint8']);

/** Compiles (or fetches) the loop for an expression with the given input kinds. */
export function compileExpr(expr: ExprNode, kinds: readonly InputKind[], inDtypes: readonly DType[], outDtype: DType): CompiledExpr {
  const key = JSON.stringify([expr, kinds, inDtypes, outDtype]);
  const hit = cache.get(key);
  if (hit) return hit;
  const usedIn = new Set<number>();
  const usedP = new Set<number>();
  const emit = (n: ExprNode): string => {
    if (!DTYPES.has(n.dtype)) throw new TypeError(`expression: unknown dtype '${n.dtype}'.`);
    if (n.op === 'in' || n.op === 'p') {
      const i = n.i!;
      if (!Number.isInteger(i) || i < 0) throw new RangeError(`expression: bad slot ${String(i)}.`);
      if (n.op === 'p') {
        usedP.add(i);
        return `p${i}`;
      }
      if (i >= kinds.length) throw new RangeError(`expression: input slot ${i} but only ${kinds.length} inputs.`);
      usedIn.add(i);
      const kind = kinds[i];
      return kind === 'full' ? `i${i}[k]` : kind === 'col' ? `i${i}[c]` : kind === 'row' ? `i${i}[r]` : `s${i}`;
    }
    const args = n.args ?? [];
    if (n.op === 'where') return round(`(${emit(args[0]!)} !== 0 ? ${emit(args[1]!)} : ${emit(args[2]!)})`, n.dtype);
    if (n.op === 'clip') return round(`Math.min(Math.max(${emit(args[0]!)}, ${emit(args[1]!)}), ${emit(args[2]!)})`, n.dtype);
    const u = UNARY[n.op];
    if (u && args.length === 1) return round(u(emit(args[0]!)), n.dtype);
    const b = BINARY[n.op];
    if (b && args.length === 2) return round(b(emit(args[0]!), emit(args[1]!), n.dtype), n.dtype);
    throw new TypeError(`expression: unknown operator '${n.op}' with ${args.length} operands.`);
  };
  const body = round(emit(expr), outDtype);
  const decls: string[] = [];
  for (const i of [...usedIn].sort((a, b) => a - b))
    decls.push(kinds[i] === 'scalar' ? `const s${i} = I[${i}][0];` : `const i${i} = I[${i}];`);
  for (const i of [...usedP].sort((a, b) => a - b)) decls.push(`const p${i} = P[${i}];`);
  const needsRC = kinds.some((k, i) => usedIn.has(i) && (k === 'col' || k === 'row'));
  const loop = needsRC
    ? `let k = 0;\nfor (let r = 0; r < rows; r++) {\n  for (let c = 0; c < cols; c++, k++) {\n    out[k] = ${body};\n  }\n}`
    : `const n = rows * cols;\nfor (let k = 0; k < n; k++) {\n  out[k] = ${body};\n}`;
  const src = `"use strict";\n${ROUND_HALF_EVEN}\nreturn function fused(out, I, P, rows, cols) {\n${decls.join('\n')}\n${loop}\n};`;
  const fn = new Function(src)() as CompiledExpr;
  cache.set(key, fn);
  return fn;
}

// numpy rounds half to even.
const ROUND_HALF_EVEN = `function __roundHalfEven(x) { const r = Math.round(x); return (Math.abs(x % 1) === 0.5 && r % 2 !== 0) ? r - 1 : r; }`;
