/**
 * The logistic losses over a resident memory (wasm_loss.ts): an in-memory fit's rows placed once in
 * a shared WebAssembly memory by the first evaluation and read in place by the later ones, on this
 * thread (MemoryPasses) and on the workers (SharedPasses). The sums must be those of the
 * tile-by-tile path bit for bit — same tiles, same padding, same order — on any thread count, and
 * a memory reused by the next fit must hold nothing of the last.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DenseArray, allocate, fromArray, tileRows } from '@tessera/array';
import { ThreadScheduler } from '@tessera/scheduler';
import { LogisticRegression } from '@tessera/estimators';
import { InvalidInputError } from '../src/errors.js';
import { Random } from '@tessera/estimators/internal';
import { accumulate, emptySums, type LossSpec, type LossSums } from '../src/linear_model/glm/losses.js';
import { LazyPasses, MemoryPasses, SharedPasses } from '../src/linear_model/glm/passes.js';
import { residentLayout, residentTiles, setGlmBackend } from '../src/linear_model/glm/wasm_loss.js';

let threads1: ThreadScheduler;
let threads2: ThreadScheduler;
beforeAll(() => {
  threads1 = new ThreadScheduler({ threads: 1 });
  threads2 = new ThreadScheduler({ threads: 2 });
});
afterAll(async () => {
  setGlmBackend('auto');
  await threads1.close();
  await threads2.close();
});

function gauss(rng: Random): number {
  return Math.sqrt(-2 * Math.log(1 - rng.random())) * Math.cos(2 * Math.PI * rng.random());
}

interface Problem {
  X: Float64Array;
  y: Float64Array;
  w: Float64Array | null;
  n: number;
  d: number;
  spec: LossSpec;
  coef: Float64Array;
}

/** A random problem: binomial (labels `classes`) or multinomial (k = classes.length > 2 or `multinomial`). */
function problem(
  seed: number,
  n: number,
  d: number,
  classes: number[],
  weighted: boolean,
  classWeight: number[] | null,
  fitIntercept = true,
): Problem {
  const rng = new Random(seed);
  const X = new Float64Array(n * d);
  for (let i = 0; i < X.length; i++) X[i] = gauss(rng);
  const y = Float64Array.from({ length: n }, () => classes[rng.randint(classes.length)]!);
  const w = weighted ? Float64Array.from({ length: n }, () => rng.random() * 2) : null;
  const multinomial = classes.length > 2;
  const k = multinomial ? classes.length : 1;
  const spec: LossSpec = {
    family: multinomial ? 'multinomial' : 'binomial',
    nFeatures: d,
    k,
    fitIntercept,
    classes: Float64Array.from(classes).sort(),
    classWeight: classWeight === null ? null : Float64Array.from(classWeight),
    caller: 'LogisticRegression',
  };
  const coef = Float64Array.from({ length: k * (d + (fitIntercept ? 1 : 0)) }, () => gauss(rng) * 0.3);
  return { X, y, w, n, d, spec, coef };
}

/** The tile-by-tile sums (what MemoryPasses computed before rows were resident). */
function tileSums(p: Problem, coef: Float64Array): LossSums {
  const acc = emptySums(p.spec);
  const t = tileRows({ cols: p.d });
  for (let a = 0; a < p.n; a += t) {
    const b = Math.min(p.n, a + t);
    accumulate(acc, p.spec, coef, p.X.subarray(a * p.d, b * p.d), p.y.subarray(a, b), p.w === null ? null : p.w.subarray(a, b), b - a, a);
  }
  return acc;
}

function expectSame(a: LossSums, b: LossSums, what: string): void {
  expect(a.loss, `${what}: loss`).toBe(b.loss);
  expect(Array.from(a.grad), `${what}: grad`).toEqual(Array.from(b.grad));
  expect(a.sumW, `${what}: sumW`).toBe(b.sumW);
  expect(a.rows, `${what}: rows`).toBe(b.rows);
}

const CASES: [string, () => Problem][] = [
  ['binomial 0/1, unit weights (odd tiles)', () => problem(1, 15001, 20, [0, 1], false, null)],
  ['binomial other labels, weights, class weights, no intercept', () => problem(2, 9001, 7, [-2, 5], true, [0.4, 3], false)],
  ['multinomial, 4 classes, weights and class weights', () => problem(3, 7003, 9, [0, 1, 2, 3], true, [1, 0.5, 2, 1.5])],
];

describe('resident rows on this thread (MemoryPasses)', () => {
  it('equal the tile-by-tile sums bit for bit, when placing and once placed', () => {
    for (const [name, make] of CASES) {
      const p = make();
      const passes = new MemoryPasses(p.X, p.n, p.d, p.y, p.w);
      const other = p.coef.map((v, i) => v * 0.5 + (i % 3) * 0.01);
      expectSame(passes.lossGrad(p.coef, p.spec), tileSums(p, p.coef), `${name}, first evaluation`);
      expectSame(passes.lossGrad(other, p.spec), tileSums(p, other), `${name}, second evaluation`);
      expectSame(passes.lossGrad(p.coef, p.spec), tileSums(p, p.coef), `${name}, third evaluation`);
      passes.release();
    }
  });

  it('are read in place after the first evaluation (X is not read again)', () => {
    const p = problem(4, 5000, 6, [0, 1], false, null);
    const passes = new MemoryPasses(p.X, p.n, p.d, p.y, p.w);
    const first = passes.lossGrad(p.coef, p.spec);
    const saved = p.X.slice();
    p.X.fill(1e3); // only the placed copy can give the first sums again
    expectSame(passes.lossGrad(p.coef, p.spec), first, 'placed rows');
    passes.release();
    p.X.set(saved);
  });

  it("a memory given back and reused by the next fit holds nothing of the last fit's rows", () => {
    const a = problem(5, 12000, 10, [0, 1], true, null);
    const pa = new MemoryPasses(a.X, a.n, a.d, a.y, a.w);
    pa.lossGrad(a.coef, a.spec);
    pa.release();
    // Fewer rows, other labels and weights: the spare memory is big enough, so it is reused.
    const b = problem(6, 9000, 10, [3, 4], true, [2, 1]);
    const pb = new MemoryPasses(b.X, b.n, b.d, b.y, b.w);
    expectSame(pb.lossGrad(b.coef, b.spec), tileSums(b, b.coef), 'reused memory, first evaluation');
    expectSame(pb.lossGrad(b.coef, b.spec), tileSums(b, b.coef), 'reused memory, second evaluation');
    pb.release();
  });

  it('name the row and column of a non-finite X, and the row of an unknown label, as before', () => {
    const p = problem(7, 9000, 5, [0, 1], false, null);
    p.X[8123 * 5 + 3] = Number.NaN;
    expect(() => new MemoryPasses(p.X, p.n, p.d, p.y, p.w).lossGrad(p.coef, p.spec)).toThrow(/NaN at row 8123, column 3/);
    p.X[8123 * 5 + 3] = 0;
    p.y[7001] = 2;
    expect(() => new MemoryPasses(p.X, p.n, p.d, p.y, p.w).lossGrad(p.coef, p.spec)).toThrow(InvalidInputError);
    expect(() => new MemoryPasses(p.X, p.n, p.d, p.y, p.w).lossGrad(p.coef, p.spec)).toThrow(/label 2 \(row 7001\)/);
  });

  it('lay out every row once, in tiles of the stream (padded to even), blocks apart', () => {
    const spec = { family: 'binomial', nFeatures: 20, k: 1 };
    const L = residentLayout(spec, 120001, 49928, 6553)!;
    expect(L.blocks).toBe(3);
    let rows = 0;
    let lastEnd = 0;
    for (let b = 0; b < L.blocks; b++) {
      for (const t of residentTiles(L, b)) {
        expect(t.at).toBe(lastEnd);
        expect(t.np % 2).toBe(0);
        rows += t.b - t.a;
        lastEnd = t.at + t.np;
      }
    }
    expect(rows).toBe(120001);
    expect(L.s + lastEnd).toBe(L.bytes / 8);
    expect(residentLayout({ family: 'poisson', nFeatures: 3, k: 1 }, 10, 10, 10)).toBeNull();
  });
});

describe('resident rows on the worker threads (SharedPasses)', () => {
  // 250 001 × 20: three blocks of rows (99 856, 99 856, 50 289), tiles of 6 553 rows (odd: padded).
  const p = problem(8, 250001, 20, [0, 1], true, null);

  it("give the lazy path's sums bit for bit (same blocks, tiles and merges), on 1 and 2 threads and in sync", async () => {
    const blockRows = Math.max(16 * tileRows({ cols: p.d + 1 }), Math.ceil(p.n / 64));
    const lx = fromArray(new DenseArray(p.X, [p.n, p.d]), { chunks: [blockRows, -1] });
    const ly = fromArray(p.y, { chunks: [blockRows] });
    const lw = fromArray(p.w!, { chunks: [blockRows] });
    const lazy = new LazyPasses(lx, ly, lw, { scheduler: threads2 });
    const other = p.coef.map((v) => -v);
    const ref1 = await lazy.lossGrad(p.coef, p.spec);
    const ref2 = await lazy.lossGrad(other, p.spec);
    for (const scheduler of [threads1, threads2, 'sync' as const]) {
      const passes = new SharedPasses(p.X, p.n, p.d, p.y, 1, p.w, { scheduler });
      const name = scheduler === 'sync' ? 'sync' : scheduler === threads1 ? '1 thread' : '2 threads';
      expectSame(await passes.lossGrad(p.coef, p.spec), ref1, `${name}, placing`);
      expectSame(await passes.lossGrad(other, p.spec), ref2, `${name}, placed`);
      expectSame(await passes.lossGrad(p.coef, p.spec), ref1, `${name}, placed again`);
      passes.release();
    }
    // Over X in shared memory (read in place by the first pass): later passes read only the placed rows.
    const sx = allocate('float64', p.X.length);
    sx.set(p.X);
    const passes = new SharedPasses(sx, p.n, p.d, p.y, 1, p.w, { scheduler: threads2 });
    expectSame(await passes.lossGrad(p.coef, p.spec), ref1, 'shared X, placing');
    sx.fill(1e3);
    expectSame(await passes.lossGrad(other, p.spec), ref2, 'shared X overwritten, placed');
    passes.release();
  });

  it('multinomial over three blocks: the lazy sums bit for bit, placing and placed', async () => {
    // 120 001 × 40, 3 classes: blocks of 16 tiles of 3 196 rows (51 136 rows).
    const m = problem(10, 120001, 40, [0, 1, 2], true, [1, 2, 0.5]);
    const blockRows = Math.max(16 * tileRows({ cols: m.d + 1 }), Math.ceil(m.n / 64));
    const lazy = new LazyPasses(
      fromArray(new DenseArray(m.X, [m.n, m.d]), { chunks: [blockRows, -1] }),
      fromArray(m.y, { chunks: [blockRows] }),
      fromArray(m.w!, { chunks: [blockRows] }),
      { scheduler: threads2 },
    );
    const other = m.coef.map((v) => v * 0.25);
    const ref1 = await lazy.lossGrad(m.coef, m.spec);
    const ref2 = await lazy.lossGrad(other, m.spec);
    const passes = new SharedPasses(m.X, m.n, m.d, m.y, 1, m.w, { scheduler: threads2 });
    expectSame(await passes.lossGrad(m.coef, m.spec), ref1, 'multinomial, placing');
    expectSame(await passes.lossGrad(other, m.spec), ref2, 'multinomial, placed');
    passes.release();
  });

  it('are not used by a scheduler that runs tasks in other processes (each task would get a copy)', async () => {
    const elsewhere = {
      name: 'distributed',
      workers: 2,
      run: (...args: Parameters<ThreadScheduler['run']>) => threads2.run(...args),
      close: async () => {},
    };
    const sx = allocate('float64', p.X.length);
    sx.set(p.X);
    const passes = new SharedPasses(sx, p.n, p.d, p.y, 1, p.w, { scheduler: elsewhere });
    const first = await passes.lossGrad(p.coef, p.spec);
    sx.fill(0.5); // read anew by every pass: the sums change with X
    const again = await passes.lossGrad(p.coef, p.spec);
    expect(again.loss).not.toBe(first.loss);
    passes.release();
  });

  it('memories of earlier fits are let go: the resident set stays bounded over fits of growing size', async () => {
    // Each fit needs a bigger memory than the last (no reuse): 32, 42, 54, 70, 91 MB. Without the
    // workers being told to collect, every one stayed mapped (289 MB more); now at most two are.
    const big = problem(11, 570000, 20, [0, 1], false, null);
    const sx = allocate('float64', big.X.length);
    sx.set(big.X);
    const sy = allocate('float64', big.n);
    sy.set(big.y);
    const before = process.memoryUsage().rss;
    for (const n of [200000, 260000, 340000, 440000, 570000]) {
      const passes = new SharedPasses(sx.subarray(0, n * 20), n, 20, sy.subarray(0, n), 1, null, { scheduler: threads2 });
      await passes.lossGrad(big.coef, big.spec);
      await passes.lossGrad(big.coef, big.spec);
      passes.release();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(process.memoryUsage().rss - before).toBeLessThan(200e6);
  });

  it('a NaN in the last block names its row, column and block', async () => {
    const X = p.X.slice();
    X[240000 * p.d + 4] = Number.NaN;
    const passes = new SharedPasses(X, p.n, p.d, p.y, 1, p.w, { scheduler: threads2 });
    await expect(passes.lossGrad(p.coef, p.spec)).rejects.toThrow(/NaN at row 240000, column 4 \(block 2/);
  });

  it('LogisticRegression in memory on 1 and 2 threads: the same coefficients bit for bit, and those of the fit on this thread to 1e-9', async () => {
    const y = p.y;
    const one = await new LogisticRegression({ tol: 1e-8 }).fit(new DenseArray(p.X, [p.n, p.d]), y, { scheduler: threads1 });
    const two = await new LogisticRegression({ tol: 1e-8 }).fit(new DenseArray(p.X, [p.n, p.d]), y, { scheduler: threads2 });
    expect(Array.from(two.coef_.data)).toEqual(Array.from(one.coef_.data));
    expect(Array.from(two.intercept_.data)).toEqual(Array.from(one.intercept_.data));
    const here = new LogisticRegression({ tol: 1e-8 }).fit(new DenseArray(p.X, [p.n, p.d]), y);
    for (let j = 0; j < p.d; j++)
      expect(Math.abs(here.coef_.data[j]! - one.coef_.data[j]!)).toBeLessThan(1e-9 * Math.max(1, Math.abs(one.coef_.data[j]!)));
  });
});

describe('the class labels of an in-memory fit', () => {
  it('are found with their counts for a few labels and for many (more than 16: counted another way)', () => {
    const rng = new Random(9);
    for (const [k, shift] of [
      [2, 0], // 0 and 1: counted without comparisons
      [2, 1e-9], // nearly 0 and 1
      [2, -3],
      [3, 0],
      [17, -3],
      [20, 0],
    ] as const) {
      const n = 400;
      const X = Array.from({ length: n }, () => [gauss(rng), gauss(rng)]);
      const y = Array.from({ length: n }, (_, i) => (i < k ? i : rng.randint(k)) * (shift === 0 ? 1 : 1.5) + shift);
      const est = new LogisticRegression({ classWeight: 'balanced' }).fit(X, y);
      const expected = [...new Set(y)].sort((a, b) => a - b);
      expect(Array.from(est.classes_.data)).toEqual(expected);
      expect(est.coef_.shape).toEqual([k === 2 ? 1 : k, 2]);
      // 'balanced' weighs each class by n / (k · its count): the counts must be right.
      const weights = Object.fromEntries(expected.map((c) => [String(c), n / (k * y.filter((v) => v === c).length)]));
      const byHand = new LogisticRegression({ classWeight: weights }).fit(X, y);
      expect(Array.from(est.coef_.data)).toEqual(Array.from(byHand.coef_.data));
    }
  });
});
