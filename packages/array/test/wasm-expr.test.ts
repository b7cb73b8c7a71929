/**
 * Elementwise expressions and column moments in WebAssembly (kernels/wasm-expr.ts,
 * kernels/wasm-moments.ts) against the JavaScript loops they replace: random expression trees
 * over every operator, input kinds, parameters, shapes and tile sizes, and moments over random
 * shapes, chunkings and hostile columns, must give bit-identical results (NaN for NaN); uncovered
 * expressions must still work.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DenseArray, computeAll, fromArray, setExprBackend, streamOf, type ExprNode, type ExprSpec, type InputKind } from '@tessera/array';
import { SyncScheduler } from '@tessera/scheduler';

afterEach(() => {
  setExprBackend('auto');
});

const COVERED_UNARY = ['neg', 'abs', 'sqrt', 'square', 'floor', 'ceil', 'cast'];
const COVERED_BINARY = ['add', 'sub', 'mul', 'div', 'minimum', 'maximum'];
// Not covered by WebAssembly: expressions holding one of these take the JavaScript loop.
const OTHER_UNARY = ['exp', 'log', 'tanh'];
const OTHER_BINARY = ['pow', 'lt'];

interface Case {
  rows: number;
  cols: number;
  kinds: InputKind[];
  params: number[];
  expr: ExprNode;
  tile: number;
  seed: number;
}

/** A random expression tree of depth ≤ `depth` over `nIn` inputs and `nP` parameters. */
function exprArb(nIn: number, nP: number, covered: boolean): fc.Arbitrary<ExprNode> {
  const leaf: fc.Arbitrary<ExprNode> = nP > 0
    ? fc.oneof(fc.integer({ min: 0, max: nIn - 1 }).map((i) => ({ op: 'in', i, dtype: 'float64' as const })), fc.integer({ min: 0, max: nP - 1 }).map((i) => ({ op: 'p', i, dtype: 'float64' as const })))
    : fc.integer({ min: 0, max: nIn - 1 }).map((i) => ({ op: 'in', i, dtype: 'float64' as const }));
  const unary = covered ? COVERED_UNARY : [...COVERED_UNARY, ...OTHER_UNARY];
  const binary = covered ? COVERED_BINARY : [...COVERED_BINARY, ...OTHER_BINARY];
  const { node } = fc.letrec<{ node: ExprNode }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.record({ op: fc.constantFrom(...unary), dtype: fc.constant('float64' as const), args: fc.tuple(tie('node')) }),
      fc.record({ op: fc.constantFrom(...binary), dtype: fc.constant('float64' as const), args: fc.tuple(tie('node'), tie('node')) }),
    ),
  }));
  return node as fc.Arbitrary<ExprNode>;
}

function caseArb(covered: boolean): fc.Arbitrary<Case> {
  return fc
    .record({
      rows: fc.integer({ min: 0, max: 40 }),
      cols: fc.integer({ min: 1, max: 9 }),
      kinds: fc.array(fc.constantFrom<InputKind>('full', 'col', 'row', 'scalar'), { minLength: 1, maxLength: 4 }),
      nP: fc.integer({ min: 0, max: 2 }),
      tile: fc.integer({ min: 1, max: 50 }),
      seed: fc.integer({ min: 1, max: 1e9 }),
    })
    .chain((c) =>
      fc.record({
        rows: fc.constant(c.rows),
        cols: fc.constant(c.cols),
        kinds: fc.constant(c.kinds),
        params: fc.array(fc.double({ noNaN: false }), { minLength: c.nP, maxLength: c.nP }),
        expr: exprArb(c.kinds.length, c.nP, covered),
        tile: fc.constant(c.tile),
        seed: fc.constant(c.seed),
      }),
    );
}

/** Values that exercise the corners: signed zeros, NaN, infinities, negatives (sqrt), halves (floor/ceil). */
function values(n: number, seed: number): Float64Array {
  const special = [0, -0, NaN, Infinity, -Infinity, 0.5, -1.5, 2.5];
  const out = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s % 13 === 0 ? special[s % special.length]! : (s / 2 ** 32 - 0.5) * 20;
  }
  return out;
}

function specOf(c: Case): ExprSpec {
  const ins = c.kinds.map((kind, i) => {
    const shape = kind === 'full' ? [c.rows, c.cols] : kind === 'col' ? [c.cols] : kind === 'row' ? [c.rows, 1] : [1];
    const n = shape.reduce((a, b) => a * b, 1);
    return { dtype: 'float64' as const, shape, data: values(n, c.seed + i) };
  });
  return { $expr: c.expr, params: c.params, ins, kinds: c.kinds, dtype: 'float64', shape: [c.rows, c.cols] };
}

function evaluate(spec: ExprSpec, tile: number, backend: 'auto' | 'js', useInto: boolean): Float64Array {
  setExprBackend(backend);
  const [rows, cols] = spec.shape as [number, number];
  const out = new Float64Array(rows * cols);
  const s = streamOf(spec);
  try {
    for (let a = 0; a < rows; a += tile) {
      const b = Math.min(rows, a + tile);
      if (useInto) s.read(a, b, out.subarray(a * cols, b * cols));
      else out.set(s.read(a, b), a * cols);
    }
  } finally {
    s.close();
  }
  return out;
}

function expectSame(actual: Float64Array, expected: Float64Array): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)))) throw new Error(`element ${i}: ${a} (WebAssembly) vs ${e} (JavaScript)`);
  }
}

describe('elementwise expressions in WebAssembly', () => {
  it('match the JavaScript loop bit for bit over random covered expressions, kinds, shapes and tiles', () => {
    fc.assert(
      fc.property(caseArb(true), fc.boolean(), (c, useInto) => {
        const spec = specOf(c);
        expectSame(evaluate(spec, c.tile, 'auto', useInto), evaluate(spec, c.tile, 'js', useInto));
      }),
      { numRuns: 300, seed: 20261121 },
    );
  });

  it('leave expressions they do not cover to the JavaScript loop, with the same results', () => {
    fc.assert(
      fc.property(caseArb(false), (c) => {
        const spec = specOf(c);
        expectSame(evaluate(spec, c.tile, 'auto', false), evaluate(spec, c.tile, 'js', false));
      }),
      { numRuns: 150, seed: 7 },
    );
  });

  it('evaluate a scaler over a large tile in sub-tiles, and reads larger than the tile in pieces', () => {
    const rows = 70_001;
    const cols = 21; // odd: the last column takes the scalar path
    const X = values(rows * cols, 3);
    const mean = values(cols, 4);
    const scale = values(cols, 5).map((v) => Math.abs(v) + 0.1);
    const node = (op: string, ...args: ExprNode[]): ExprNode => ({ op, dtype: 'float64', args });
    const input = (i: number): ExprNode => ({ op: 'in', i, dtype: 'float64' });
    const spec: ExprSpec = {
      $expr: node('div', node('sub', input(0), input(1)), input(2)),
      params: [],
      ins: [{ dtype: 'float64', shape: [rows, cols], data: X }, { dtype: 'float64', shape: [cols], data: mean }, { dtype: 'float64', shape: [cols], data: scale }],
      kinds: ['full', 'col', 'col'],
      dtype: 'float64',
      shape: [rows, cols],
    };
    const whole = evaluate(spec, rows, 'auto', true);
    const expected = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) expected[r * cols + c] = (X[r * cols + c]! - mean[c]!) / scale[c]!;
    expectSame(whole, expected);
    expectSame(evaluate(spec, 9_999, 'auto', false), expected);
  });
});

describe('column moments in WebAssembly', () => {
  const sync = new SyncScheduler();
  const moments = async (X: DenseArray, chunk: number, backend: 'auto' | 'js'): Promise<number[][]> => {
    setExprBackend(backend);
    const A = fromArray(X, { chunks: [chunk, -1] });
    const out = await computeAll([A.mean(0), A.var(0), A.std(0, { ddof: 1 }), A.mean(), A.var()], { scheduler: sync });
    return out.map((b) => Array.from(b.data as Float64Array));
  };

  it('match the JavaScript loop bit for bit over random shapes, chunkings and column scales', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1500 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 700 }), fc.integer({ min: 1, max: 1e9 }), async (rows, cols, chunk, seed) => {
        // Columns of very different location and spread (a mean of 1e6 with std 3 among them).
        const data = values(rows * cols, seed).map((v, i) => (i % cols === 0 ? 1e6 + v / 5 : v * (1 + (i % cols))));
        for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) data[i] = i % 7;
        const X = new DenseArray(data, [rows, cols]);
        const wasm = await moments(X, chunk, 'auto');
        const js = await moments(X, chunk, 'js');
        wasm.forEach((w, k) => expectSame(Float64Array.from(w), Float64Array.from(js[k]!)));
      }),
      { numRuns: 60, seed: 11 },
    );
  });
});
