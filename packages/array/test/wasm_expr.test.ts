/**
 * Elementwise expressions and column moments in WebAssembly (kernels/wasm_expr.ts,
 * kernels/wasm_moments.ts) against the JavaScript loops they replace: random expression trees
 * over every operator, input kinds, parameters, shapes and tile sizes, and moments over random
 * shapes, chunkings and hostile columns, must give bit-identical results (NaN for NaN); uncovered
 * expressions must still work.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DenseArray,
  computeAll,
  fromArray,
  registerReader,
  setExprBackend,
  streamOf,
  tileOrder,
  type ExprNode,
  type ExprSpec,
  type InputKind,
  type ReaderContext,
  type SourceSpec,
  type TypedArray,
  type WasmApi,
} from '@tessera/array';
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
  const leaf: fc.Arbitrary<ExprNode> =
    nP > 0
      ? fc.oneof(
          fc.integer({ min: 0, max: nIn - 1 }).map((i) => ({ op: 'in', i, dtype: 'float64' as const })),
          fc.integer({ min: 0, max: nP - 1 }).map((i) => ({ op: 'p', i, dtype: 'float64' as const })),
        )
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
    if (!(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e))))
      throw new Error(`element ${i}: ${a} (WebAssembly) vs ${e} (JavaScript)`);
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
      ins: [
        { dtype: 'float64', shape: [rows, cols], data: X },
        { dtype: 'float64', shape: [cols], data: mean },
        { dtype: 'float64', shape: [cols], data: scale },
      ],
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

// The compiler's lib has no WebAssembly types: the package declares the parts it uses.
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** A random permutation of [0, n) from a seed (the destinations of a scatter). */
function permutation(n: number, seed: number): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/**
 * A shared memory laid out for a scatter of `rows` × `cols`: a guard, the destination rows, the
 * slots, then `scratchBytes` of scratch. Returns the target and a reader of the destination rows.
 */
function scatterTarget(rows: number, cols: number, slots: Int32Array, scratchBytes: number) {
  const OUT = 64;
  const SLOTS = OUT + rows * cols * 8 + 64;
  const SCRATCH = SLOTS + rows * 4 + 4;
  const bytes = SCRATCH + scratchBytes + 64;
  const memory = new WA.Memory({ initial: Math.ceil(bytes / 65536), maximum: Math.ceil(bytes / 65536), shared: true });
  new Int32Array(memory.buffer, SLOTS, rows).set(slots);
  // Sentinels around the rows: a write outside them would change one.
  new Float64Array(memory.buffer).fill(-12345.5);
  new Int32Array(memory.buffer, SLOTS, rows).set(slots);
  const target = { memory, out: OUT, slots: SLOTS, scratch: SCRATCH, scratchBytes };
  const rowsOut = () => new Float64Array(memory.buffer, OUT, rows * cols).slice();
  const guard = () =>
    new Float64Array(memory.buffer, 0, OUT / 8).every((v) => v === -12345.5) &&
    new Float64Array(memory.buffer, OUT + rows * cols * 8, 8).every((v) => v === -12345.5);
  return { target, rowsOut, guard };
}

describe('evaluation into a shared memory (RowStream.readInto)', () => {
  it('writes each row of random covered expressions, reads and blocks to its slot, bit for bit as read then moved', () => {
    fc.assert(
      fc.property(caseArb(true), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 2000 }), (c, form, scratchRows) => {
        const spec = specOf(c);
        // form 0: the expression; 1: a plain block; 2: a read of an in-memory source; 3: the expression, JS backend (not scattered)
        const full = { dtype: 'float64' as const, shape: [c.rows, c.cols], data: values(c.rows * c.cols, c.seed) };
        const arg = form === 1 ? full : form === 2 && c.rows > 0 ? fromArray(full).blockArg(0, 0) : spec;
        const expected = evaluate(arg as ExprSpec, Math.max(1, c.rows), 'js', true);
        const slots = permutation(c.rows, c.seed);
        const { target, rowsOut, guard } = scatterTarget(
          c.rows,
          c.cols,
          slots,
          64 * 8 + scratchRows * 8 * (c.cols + 2) * c.kinds.length + 64 * c.kinds.length,
        );
        setExprBackend(form === 3 ? 'js' : 'auto');
        const s = streamOf(arg);
        let done: boolean;
        try {
          done = s.readInto(target);
        } finally {
          s.close();
          setExprBackend('auto');
        }
        if (form === 3) {
          expect(done).toBe(false);
          expect(rowsOut().every((v) => v === -12345.5)).toBe(true);
          return;
        }
        expect(done).toBe(true);
        const got = rowsOut();
        const moved = new Float64Array(c.rows * c.cols);
        for (let r = 0; r < c.rows; r++) moved.set(expected.subarray(r * c.cols, (r + 1) * c.cols), slots[r]! * c.cols);
        expectSame(got, moved);
        expect(guard()).toBe(true);
      }),
      { numRuns: 250, seed: 20261122 },
    );
  });

  it('writes a range of rows in order, tile after tile, as the rows read', () => {
    fc.assert(
      fc.property(
        caseArb(true),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 60 }),
        (c, x, y, scratchRows) => {
          const spec = specOf(c);
          const a = Math.min(x, y, c.rows);
          const b = Math.min(Math.max(x, y), c.rows);
          const expected = evaluate(spec, Math.max(1, c.rows), 'js', true).subarray(a * c.cols, b * c.cols);
          setExprBackend('auto');
          const { target, rowsOut, guard } = scatterTarget(
            c.rows,
            c.cols,
            new Int32Array(c.rows),
            64 * 8 + scratchRows * 8 * (c.cols + 2) * c.kinds.length + 64 * c.kinds.length,
          );
          const s = streamOf(spec);
          try {
            expect(s.readInto({ ...target, slots: undefined }, a, b)).toBe(true);
          } finally {
            s.close();
          }
          const got = rowsOut();
          expectSame(got.subarray(0, (b - a) * c.cols), expected);
          expect(got.subarray((b - a) * c.cols).every((v) => v === -12345.5)).toBe(true);
          expect(guard()).toBe(true);
        },
      ),
      { numRuns: 200, seed: 11 },
    );
  });

  it('declines, writing nothing, what it cannot evaluate in place: uncovered expressions, other dtypes, unshared memories', () => {
    const rows = 10;
    const cols = 3;
    const X = { dtype: 'float64' as const, shape: [rows, cols], data: values(rows * cols, 9) };
    const expOf: ExprSpec = {
      $expr: { op: 'exp', dtype: 'float64', args: [{ op: 'in', i: 0, dtype: 'float64' }] },
      params: [],
      ins: [X],
      kinds: ['full'],
      dtype: 'float64',
      shape: [rows, cols],
    };
    const ints = { dtype: 'int32' as const, shape: [rows, cols], data: new Int32Array(rows * cols) };
    for (const arg of [expOf, ints]) {
      const { target, rowsOut } = scatterTarget(rows, cols, permutation(rows, 1), 4096);
      const s = streamOf(arg);
      expect(s.readInto(target)).toBe(false);
      s.close();
      expect(rowsOut().every((v) => v === -12345.5)).toBe(true);
    }
    const unshared = new WA.Memory({ initial: 1 });
    const s = streamOf(X);
    expect(s.readInto({ memory: unshared, out: 0, slots: 1024, scratch: 2048, scratchBytes: 4096 })).toBe(false);
    s.close();
  });

  it('names the ranges that do not fit the memory', () => {
    const rows = 100;
    const cols = 4;
    const X = { dtype: 'float64' as const, shape: [rows, cols], data: values(rows * cols, 2) };
    const { target } = scatterTarget(rows, cols, permutation(rows, 3), 4096);
    const s = streamOf(X);
    try {
      expect(() => s.readInto({ ...target, scratchBytes: 1 << 30 })).toThrow(
        /scratch at \d+ \+ 1073741824 bytes\) do not fit its memory of \d+ bytes/,
      );
      expect(() => s.readInto({ ...target, slots: -4 })).toThrow(/slots at -4/);
      expect(() => s.readInto({ ...target, slots: undefined, out: 1 << 30 })).toThrow(/rows at 1073741824/);
      expect(() => s.readInto(target, 5, 101)).toThrow(/rows \[5, 101\) are not a range of this stream's 100 rows/);
      expect(() => s.readInto(target, 7, 3)).toThrow(/rows \[7, 3\)/);
    } finally {
      s.close();
    }
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
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1500 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 700 }),
        fc.integer({ min: 1, max: 1e9 }),
        async (rows, cols, chunk, seed) => {
          // Columns of very different location and spread (a mean of 1e6 with std 3 among them).
          const data = values(rows * cols, seed).map((v, i) => (i % cols === 0 ? 1e6 + v / 5 : v * (1 + (i % cols))));
          for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) data[i] = i % 7;
          const X = new DenseArray(data, [rows, cols]);
          const wasm = await moments(X, chunk, 'auto');
          const js = await moments(X, chunk, 'js');
          wasm.forEach((w, k) => expectSame(Float64Array.from(w), Float64Array.from(js[k]!)));
        },
      ),
      { numRuns: 60, seed: 11 },
    );
  });
});

describe('lanes: a range read into memory as two sequential streams', () => {
  it('tileOrder takes every tile once: in order on a given lane, else the halves alternately on lanes 0 and 1', () => {
    for (let tiles = 0; tiles <= 9; tiles++) {
      expect(tileOrder(tiles, 1)).toEqual(Array.from({ length: tiles }, (_, t) => [t, 1]));
      const order = tileOrder(tiles);
      expect(order.map(([t]) => t).sort((x, y) => x - y)).toEqual(Array.from({ length: tiles }, (_, t) => t));
      const half = Math.ceil(tiles / 2);
      for (const [t, lane] of order) expect(lane).toBe(tiles < 2 ? 0 : t < half ? 0 : 1);
      // Each lane in row order, the lanes taking turns.
      for (const lane of [0, 1]) {
        const mine = order.filter(([, l]) => l === lane).map(([t]) => t);
        expect(mine).toEqual([...mine].sort((x, y) => x - y));
      }
      order.forEach(([, lane], i) => expect(lane).toBe(tiles < 2 ? 0 : i % 2));
    }
  });

  it('a file source reads each lane through a descriptor of its own, sequentially, and the rows land as read in order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-lanes-'));
    const file = join(dir, 'rows.bin');
    writeFileSync(file, 'x');
    const rows = 1000;
    const cols = 3;
    const value = (r: number, c: number) => r * 10 + c + 0.25;
    // A reader of a real file that writes the values above and records which descriptor each read used.
    const reads: { r0: number; r1: number; fd: number }[] = [];
    registerReader('test-lanes', (p: { path: string }, r0, r1, c0, c1, out: TypedArray, at: number, ctx: ReaderContext) => {
      reads.push({ r0, r1, fd: ctx.fd(p.path) });
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[at++] = value(r, c);
    });
    const spec: SourceSpec = {
      $src: 'test-lanes',
      p: { path: file },
      r0: 0,
      r1: rows,
      c0: 0,
      c1: cols,
      dtype: 'float64',
      shape: [rows, cols],
    };
    const inOrder = Float64Array.from({ length: rows * cols }, (_, i) => value(Math.floor(i / cols), i % cols));
    try {
      const { target, rowsOut, guard } = scatterTarget(rows, cols, new Int32Array(rows), 64 * 8 * cols + 64);
      const s = streamOf(spec);
      try {
        expect(s.readInto({ ...target, slots: undefined })).toBe(true);
      } finally {
        s.close();
      }
      expectSame(rowsOut(), inOrder);
      expect(guard()).toBe(true);
      const fds = [...new Set(reads.map((r) => r.fd))];
      expect(fds).toHaveLength(2);
      // Scratch for under 64 rows: at least 16 tiles, each lane taking every other read.
      const tileRows = reads[0]!.r1 - reads[0]!.r0;
      expect(reads.length).toBe(Math.ceil(rows / tileRows));
      expect(reads.length).toBeGreaterThanOrEqual(16);
      const firstHalf = Math.ceil(reads.length / 2) * tileRows;
      reads.forEach((r, i) => expect(r.fd).toBe(fds[i % 2]));
      for (const fd of fds) {
        const mine = reads.filter((r) => r.fd === fd);
        for (let i = 1; i < mine.length; i++) expect(mine[i]!.r0).toBe(mine[i - 1]!.r1);
      }
      // The first descriptor read the first half of the rows, the second the rest.
      const span = (fd: number) => {
        const mine = reads.filter((r) => r.fd === fd);
        return [mine[0]!.r0, mine[mine.length - 1]!.r1];
      };
      expect(span(fds[0]!)).toEqual([0, firstHalf]);
      expect(span(fds[1]!)).toEqual([firstHalf, rows]);

      // Scattered to slots the same way; and with a lane given, every tile in order on one descriptor.
      reads.length = 0;
      const slots = permutation(rows, 5);
      const scattered = scatterTarget(rows, cols, slots, 64 * 8 * cols + 64);
      const s2 = streamOf(spec);
      try {
        expect(s2.readInto(scattered.target, 0, rows, 1)).toBe(true);
      } finally {
        s2.close();
      }
      const moved = new Float64Array(rows * cols);
      for (let r = 0; r < rows; r++) moved.set(inOrder.subarray(r * cols, (r + 1) * cols), slots[r]! * cols);
      expectSame(scattered.rowsOut(), moved);
      expect(new Set(reads.map((r) => r.fd)).size).toBe(1);
      for (let i = 1; i < reads.length; i++) expect(reads[i]!.r0).toBe(reads[i - 1]!.r1);

      // A lane that is not one is a RangeError naming it.
      const s3 = streamOf(spec);
      try {
        for (const lane of [-1, 0.5, 4, NaN])
          expect(() => s3.read(0, 10, undefined, lane)).toThrow(/lane must be an integer from 0 to 3; got/);
        expect(Array.from(s3.read(0, 2, undefined, 3))).toEqual(Array.from(inOrder.subarray(0, 2 * cols)));
      } finally {
        s3.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
