/**
 * Every op against a dense reference over random shapes, chunkings and dtypes (NaN included), on
 * the sync scheduler and on a 2-thread pool.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DenseArray, NDArray, computeAll, concatenate, fromArray, where, type DType, BroadcastError } from '@tessera/array';
import { SyncScheduler, ThreadScheduler, type Scheduler } from '@tessera/scheduler';
import { expectClose, refBinary, refOf, refReduce, roundTo, type Ref } from './helpers.js';

const threads = new ThreadScheduler({ threads: 2 });
afterAll(() => threads.close());
const schedulers: [string, Scheduler][] = [
  ['sync', new SyncScheduler()],
  ['threads', threads],
];

const DTYPES: DType[] = ['float64', 'float32', 'int32', 'uint8'];

/** A random 1-D or 2-D dense array with a random chunking. */
const arb = (opts: { nan?: boolean; dtypes?: DType[]; minRows?: number } = {}) =>
  fc
    .record({
      rows: fc.integer({ min: opts.minRows ?? 1, max: 40 }),
      cols: fc.integer({ min: 1, max: 6 }),
      oneD: fc.boolean(),
      dtype: fc.constantFrom(...(opts.dtypes ?? DTYPES)),
      rowChunk: fc.integer({ min: 1, max: 17 }),
      colChunk: fc.integer({ min: 1, max: 4 }),
      seed: fc.integer({ min: 0, max: 1e6 }),
    })
    .map((p) => {
      const shape = p.oneD ? [p.rows] : [p.rows, p.cols];
      const n = p.oneD ? p.rows : p.rows * p.cols;
      const d = DenseArray.zeros(shape, p.dtype);
      let s = p.seed;
      for (let i = 0; i < n; i++) {
        s = (s * 1103515245 + 12345) % 2147483648;
        const u = s / 2147483648;
        const isFloat = p.dtype === 'float64' || p.dtype === 'float32';
        if (opts.nan && isFloat && u < 0.1) d.data[i] = NaN;
        else d.data[i] = isFloat ? (u - 0.5) * 20 : p.dtype === 'uint8' ? Math.floor(u * 256) : Math.floor((u - 0.5) * 2000);
      }
      const chunks = p.oneD ? [p.rowChunk] : [p.rowChunk, p.colChunk];
      return { dense: d, lazy: fromArray(d, { chunks }), ...p };
    });

async function run(s: Scheduler, ...arrays: NDArray[]): Promise<DenseArray[]> {
  return computeAll(arrays, { scheduler: s });
}

describe.each(schedulers)('elementwise on %s', (_name, s) => {
  const binOps: [string, (x: number, y: number) => number][] = [
    ['add', (x, y) => x + y],
    ['sub', (x, y) => x - y],
    ['mul', (x, y) => x * y],
    ['maximum', (x, y) => Math.max(x, y)],
  ];
  it('binary ops with scalars, per-column vectors and same-shape arrays match the reference', async () => {
    await fc.assert(
      fc.asyncProperty(
        arb({ nan: true }),
        fc.constantFrom(...binOps),
        fc.constantFrom('scalar', 'vector', 'same'),
        fc.double({ min: -5, max: 5, noNaN: true }),
        async (a, [op, f], kind, k) => {
          const ref = refOf(a.dense);
          let other: number | DenseArray;
          if (kind === 'scalar') other = a.dtype === 'float64' || a.dtype === 'float32' ? k : Math.round(k);
          else if (kind === 'vector') {
            const n = ref.shape[ref.shape.length - 1]!;
            other = DenseArray.from(Array.from({ length: n }, (_, i) => i - 1.5));
          } else other = a.dense;
          const lazy = (a.lazy as unknown as Record<string, (o: unknown) => NDArray>)[op]!.call(a.lazy, other);
          const [out] = await run(s, lazy);
          const otherRef: Ref | number = typeof other === 'number' ? (a.dtype === 'float32' ? Math.fround(other) : other) : refOf(other);
          const expected = refBinary(ref, otherRef, f, out!.dtype);
          expect(out!.shape).toEqual(expected.shape);
          expectClose(out!.data, expected.data, 1e-12, `${op} ${kind} ${a.dtype}`);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('a fused chain (X - m) / s * 2 + 1 equals the step-by-step reference, one task per block', async () => {
    await fc.assert(
      fc.asyncProperty(arb({ nan: true, dtypes: ['float64', 'float32'] }), async (a) => {
        const ref = refOf(a.dense);
        const n = ref.shape[ref.shape.length - 1]!;
        const m = DenseArray.from(Array.from({ length: n }, (_, i) => i * 0.5));
        const sd = DenseArray.from(Array.from({ length: n }, (_, i) => 1 + i));
        const z = a.lazy.sub(m).div(sd).mul(2).add(1);
        expect(z.layer.kind).toBe('expr');
        const [out] = await run(s, z);
        let e = refBinary(ref, refOf(m), (x, y) => x - y, out!.dtype);
        e = refBinary(e, refOf(sd), (x, y) => x / y, out!.dtype);
        e = refBinary(e, 2, (x, y) => x * y, out!.dtype);
        e = refBinary(e, 1, (x, y) => x + y, out!.dtype);
        expectClose(out!.data, e.data, 1e-12, 'chain');
      }),
      { numRuns: 15 },
    );
  });

  it('unary math, comparisons, where, clip and astype match the reference', async () => {
    await fc.assert(
      fc.asyncProperty(arb({ nan: true }), async (a) => {
        const ref = refOf(a.dense);
        const isF = a.dtype === 'float64' || a.dtype === 'float32';
        const fl: DType = isF ? a.dtype : 'float64';
        const [abs, neg, ex, sq, lt, w, cl, as32, asF] = await run(
          s,
          a.lazy.abs(),
          a.lazy.neg(),
          a.lazy.mul(0.1).exp(),
          a.lazy.abs().sqrt(),
          a.lazy.lt(1),
          where(a.lazy.gt(0), a.lazy, 0),
          a.lazy.clip(-3, 3),
          a.lazy.astype('int32'),
          a.lazy.astype('float32'),
        );
        const map = (f: (x: number) => number, dt: DType) => ref.data.map((x) => roundTo(f(x), dt));
        expectClose(abs!.data, map(Math.abs, a.dtype), 0, 'abs');
        expectClose(
          neg!.data,
          map((x) => -x, a.dtype),
          0,
          'neg',
        );
        const c01 = isF ? (a.dtype === 'float32' ? Math.fround(0.1) : 0.1) : 0.1;
        expectClose(
          ex!.data,
          map((x) => Math.exp(roundTo(roundTo(x * c01, fl), fl)), fl),
          1e-6,
          'exp',
        );
        expectClose(
          sq!.data,
          ref.data.map((x) => roundTo(Math.sqrt(roundTo(Math.abs(x), a.dtype)), fl)),
          1e-12,
          'sqrt',
        );
        expect(lt!.dtype).toBe('uint8');
        expectClose(
          lt!.data,
          ref.data.map((x) => (x < 1 ? 1 : 0)),
          0,
          'lt',
        );
        expectClose(
          w!.data,
          map((x) => (x > 0 ? x : 0), w!.dtype),
          0,
          'where',
        );
        expectClose(
          cl!.data,
          map((x) => Math.min(Math.max(x, -3), 3), cl!.dtype),
          0,
          'clip',
        );
        expectClose(
          as32!.data,
          ref.data.map((x) => x | 0),
          0,
          'astype int32',
        );
        expectClose(
          asF!.data,
          ref.data.map((x) => Math.fround(x)),
          0,
          'astype float32',
        );
      }),
      { numRuns: 20 },
    );
  });

  it('integer arithmetic wraps like numpy (uint8 and int32), fused or not', async () => {
    const u = DenseArray.from([250, 3, 128], 'uint8');
    const [sum, prod] = await run(s, fromArray(u, { chunks: 2 }).add(10).sub(1), fromArray(DenseArray.from([2 ** 30, 3], 'int32')).mul(4));
    expect(Array.from(sum!.data)).toEqual([3, 12, 137]);
    expect(Array.from(prod!.data)).toEqual([0, 12]);
  });
});

describe.each(schedulers)('reductions on %s', (_name, s) => {
  const whats = ['sum', 'mean', 'var', 'std', 'min', 'max', 'argmin', 'argmax'] as const;
  it('every reduction over axis 0, 1 and all matches the reference (NaN and nan-variants included)', async () => {
    await fc.assert(
      fc.asyncProperty(
        arb({ nan: true }),
        fc.constantFrom(0 as const, 1 as const, null),
        fc.boolean(),
        fc.integer({ min: 2, max: 4 }),
        async (a, axis0, nan, splitEvery) => {
          const ref = refOf(a.dense);
          const axis = a.oneD ? (axis0 === 1 ? 0 : axis0) : axis0;
          const arrays: NDArray[] = [];
          const expected: number[][] = [];
          for (const w of whats) {
            const method = (nan ? `nan${w}` : w) as `nan${(typeof whats)[number]}`;
            const exp = refReduce(ref, w, a.oneD ? null : axis, nan, 0);
            if ((w === 'argmin' || w === 'argmax') && nan && exp.some((v) => v < 0)) continue; // all-NaN: an error, tested below
            arrays.push(
              (a.lazy as unknown as Record<string, (ax: unknown, o: unknown) => NDArray>)[method]!.call(a.lazy, axis, { splitEvery }),
            );
            expected.push(exp);
          }
          const outs = await run(s, ...arrays);
          outs.forEach((o, i) =>
            expectClose(o.data, expected[i]!, o.dtype === 'float32' ? 1e-6 : 1e-9, `${arrays[i]!.name} ${a.dtype} axis ${axis}`),
          );
        },
      ),
      { numRuns: 25 },
    );
  });

  it('arg-reductions over everything pick the first index in flat order, whatever the block layout', async () => {
    // Column blocks: block order is not flat order; the NaN at flat index 6 comes before the one at 17.
    const d = DenseArray.from([
      [5, 8, 7, 6],
      [-5, 0, NaN, 0],
      [9, 8, 9, -1],
      [-5, -4, 4, 9],
      [9, NaN, -3, 9],
    ]);
    const X = fromArray(d, { chunks: [5, 1] });
    const [amin, amax, namin, namax] = await run(
      s,
      X.argmin(null, { splitEvery: 2 }),
      X.argmax(null),
      X.nanargmin(null),
      X.nanargmax(null, { splitEvery: 2 }),
    );
    expect([amin!.data[0], amax!.data[0], namin!.data[0], namax!.data[0]]).toEqual([6, 6, 4, 8]);
  });

  it('nanargmin of an all-NaN column is an error naming the slice', async () => {
    const X = fromArray(
      DenseArray.from([
        [NaN, 1],
        [NaN, 2],
      ]),
      { chunks: [1, -1] },
    );
    await expect(X.nanargmin(0).compute({ scheduler: s })).rejects.toThrow(/All-NaN slice/);
  });

  it('var is right to 1e-9 relative for a column with mean 1e6 and std 3, whatever the chunking', async () => {
    const n = 20000;
    const col = new Float64Array(n);
    let seed = 12345;
    for (let i = 0; i < n; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const u1 = (seed + 1) / 2147483649;
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const u2 = seed / 2147483648;
      col[i] = 1e6 + 3 * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
    // Exact reference: two passes in extended care (Kahan-compensated).
    let m = 0;
    for (const v of col) m += v;
    m /= n;
    let q = 0;
    let c = 0;
    for (const v of col) {
      const y = (v - m) * (v - m) - c;
      const t = q + y;
      c = t - q - y;
      q = t;
    }
    const exact = q / n;
    for (const chunk of [1, 7, 333, 4096, n]) {
      const X = fromArray(new DenseArray(col, [n, 1]), { chunks: [chunk, -1] });
      const [v, sd] = await run(s, X.var(0), X.std(0));
      expect(Math.abs(v!.data[0]! - exact) / exact).toBeLessThan(1e-9);
      expect(Math.abs(sd!.data[0]! - Math.sqrt(exact)) / Math.sqrt(exact)).toBeLessThan(1e-9);
      expect(Math.abs(sd!.data[0]! - 3)).toBeLessThan(0.1);
    }
  });

  it('reductions of fused expressions read the input once: X.sub(m).pow(2).mean(0) has one task per block plus the tree', async () => {
    const d = DenseArray.from([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ]);
    const X = fromArray(d, { chunks: [1, -1] });
    const r = X.sub([4, 5]).pow(2).mean(0);
    const [out] = await run(s, r);
    expectClose(out!.data, [5, 5], 1e-12, 'fused moments');
  });
});

describe('structure', () => {
  const s = new SyncScheduler();
  it('slicing, rechunking, concatenation and blocks() match the reference for every layer kind', async () => {
    await fc.assert(
      fc.asyncProperty(
        arb({ dtypes: ['float64', 'int32'] }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 9 }),
        async (a, i0, i1, rc) => {
          const ref = refOf(a.dense);
          const R = ref.shape[0]!;
          const lo = Math.min(i0, i1) % (R + 1);
          const hi = Math.max(lo, Math.max(i0, i1) % (R + 1));
          const C = ref.shape[1] ?? 1;
          const rows = (d: number[]) => d.slice(lo * C, hi * C);
          const expr = a.lazy.mul(2);
          const tasks = a.lazy.rechunk(a.oneD ? [rc] : [rc, 1]).rechunk(a.oneD ? [rc + 1] : [rc + 1, -1]);
          const [s1, s2, s3, re, cat] = await run(
            s,
            a.lazy.slice([lo, hi]),
            expr.slice([lo, hi]),
            tasks.slice([lo, hi]),
            a.lazy.rechunk(a.oneD ? [rc] : [rc, -1]),
            concatenate([a.lazy, expr], 0),
          );
          expectClose(s1!.data, rows(ref.data), 0, 'slice source');
          expectClose(
            s2!.data,
            rows(ref.data).map((x) => roundTo(2 * x, a.dtype)),
            0,
            'slice expr',
          );
          expectClose(s3!.data, rows(ref.data), 0, 'slice tasks');
          expectClose(re!.data, ref.data, 0, 'rechunk');
          expectClose(cat!.data, [...ref.data, ...ref.data.map((x) => roundTo(2 * x, a.dtype))], 0, 'concatenate');
          const blocks = [...a.lazy.blocks()];
          expect(blocks.length).toBe(a.lazy.numBlocks.reduce((x, y) => x * y, 1));
          const first = await blocks[0]!.compute({ scheduler: s });
          expect(first.shape).toEqual(a.lazy.blockShape(...a.lazy.numBlocks.map(() => 0)));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('column slices of a 2-D array', async () => {
    const d = DenseArray.from([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const out = await fromArray(d, { chunks: [1, 2] })
      .slice(null, [1, 3])
      .compute({ scheduler: s });
    expect(out.toArray()).toEqual([
      [2, 3],
      [5, 6],
    ]);
  });

  it('dot with an in-memory vector and matrix', async () => {
    const d = DenseArray.from([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const X = fromArray(d, { chunks: [2, 1] });
    const [v, M] = await computeAll(
      [
        X.dot([1, -1]),
        X.sub(1).dot([
          [1, 0, 2],
          [0, 1, 3],
        ]),
      ],
      { scheduler: s },
    );
    expect(Array.from(v!.data)).toEqual([-1, -1, -1]);
    expect(M!.toArray()).toEqual([
      [0, 1, 3],
      [2, 3, 13],
      [4, 5, 23],
    ]);
    expect(() => X.dot([1, 2, 3])).toThrow(/not aligned/);
  });

  it('shapes that do not broadcast throw a BroadcastError naming the op and shapes', () => {
    const X = fromArray(DenseArray.zeros([4, 3]));
    expect(() => X.add([1, 2])).toThrow(BroadcastError);
    expect(() => X.add([1, 2])).toThrow(/add: operands could not be broadcast together with shapes \[4, 3\] \[2\]/);
    expect(() => X.mul(fromArray(DenseArray.zeros([3, 3])))).toThrow(/\[4, 3\] \[3, 3\]/);
  });

  it('names are deterministic tokens: equal work gets equal keys', () => {
    const d = DenseArray.from([
      [1, 2],
      [3, 4],
    ]);
    const a = fromArray(d).sub([1, 1]).mean(0);
    const b = fromArray(
      DenseArray.from([
        [1, 2],
        [3, 4],
      ]),
    )
      .sub([1, 1])
      .mean(0);
    expect(a.name).toBe(b.name);
    expect(a.blockKey(0)).toBe(`${a.name}[0]`);
    expect(fromArray(d).sub([1, 2]).name).not.toBe(fromArray(d).sub([1, 1]).name);
  });
});
