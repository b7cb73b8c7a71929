/**
 * Linear models score whole row streams (`applyRows`, the out-of-core apply kernel's first
 * choice): each tile is evaluated — a read, or a scaler's expression over a read — straight into
 * the kernel's WebAssembly memory and scored there. Lazy predict / decisionFunction must equal
 * the in-memory methods bit for bit, over random shapes, chunkings, tile counts and class counts,
 * with the scaler fused or not; errors must still name the block, row and column; expressions
 * WebAssembly does not cover must still work (tile by tile).
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DenseArray, fromArray, type NDArray } from '@tessera/array';
import { SyncScheduler, TaskError, ThreadScheduler } from '@tessera/scheduler';
import { ParallelPostFit, SGDClassifier, SGDRegressor, StandardScaler, makePipeline } from '@tessera/estimators';
import { setSGDBackend, type SGDBackend } from '@tessera/estimators/internal';

afterEach(() => {
  setSGDBackend('auto');
});

/** Random values with a seed, features on different scales and offsets (so the scaler matters). */
function data(rows: number, cols: number, seed: number): Float64Array {
  const out = new Float64Array(rows * cols);
  let s = seed >>> 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      out[i * cols + j] = ((s / 2 ** 32 - 0.5) * (j + 1) * 3 + j) * (j % 3 === 0 ? 100 : 1);
    }
  }
  return out;
}

function labels(X: Float64Array, rows: number, cols: number, k: number): Float64Array {
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += (X[i * cols + j]! * ((j % 2) * 2 - 1)) / (j + 1);
    y[i] = i < k ? i : Math.abs(Math.floor(s * 7)) % k; // every class present
  }
  return y;
}

async function lazy(a: NDArray): Promise<number[]> {
  return Array.from((await a.compute({ scheduler: new SyncScheduler() })).data);
}

/** Lazy and in-memory versions of a fitted model: the lazy one through a scaler step when `scaled`. */
async function models(est: SGDClassifier | SGDRegressor, Xd: DenseArray, X: NDArray, y: Float64Array, scaled: boolean) {
  if (!scaled) {
    const ppf = new ParallelPostFit(est).fit(Xd, y);
    return { lazyOf: ppf, fitted: ppf.estimator_ as SGDClassifier & SGDRegressor, Xin: Xd };
  }
  const pipe = makePipeline(new StandardScaler(), new ParallelPostFit(est));
  await pipe.fit(X, fromArray(y, { chunks: [X.chunks[0]![0]!] }), { scheduler: new SyncScheduler() });
  const Xin = (pipe.step(0) as StandardScaler).transform(Xd);
  return { lazyOf: pipe, fitted: (pipe.step(1) as ParallelPostFit).estimator_ as SGDClassifier & SGDRegressor, Xin };
}

describe('linear models score whole streams in WebAssembly memory (applyRows)', () => {
  it('lazy predict and decisionFunction equal the in-memory methods bit for bit, scaler fused or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          rows: fc.integer({ min: 3, max: 2500 }),
          // up to 150 columns: chunkRows(150) = 873 rows, so a block spans several tiles
          cols: fc.integer({ min: 1, max: 150 }),
          chunk: fc.integer({ min: 1, max: 1800 }),
          k: fc.constantFrom(2, 3),
          seed: fc.integer({ min: 1, max: 1e9 }),
          backend: fc.constantFrom<SGDBackend>('wasm', 'auto'),
          scaled: fc.boolean(),
        }),
        async (c) => {
          setSGDBackend(c.backend);
          const Xd = new DenseArray(data(c.rows, c.cols, c.seed), [c.rows, c.cols]);
          const y = labels(Xd.data as Float64Array, c.rows, c.cols, c.k);
          const X = fromArray(Xd, { chunks: [c.chunk, c.cols] });
          const cls = await models(new SGDClassifier({ maxIter: 3, tol: null, randomState: c.seed % 1000 }), Xd, X, y, c.scaled);
          expect(await lazy(cls.lazyOf.predict(X) as NDArray)).toEqual(Array.from(cls.fitted.predict(cls.Xin).data));
          expect(await lazy(cls.lazyOf.decisionFunction(X) as NDArray)).toEqual(Array.from(cls.fitted.decisionFunction(cls.Xin).data));
          const reg = await models(new SGDRegressor({ maxIter: 3, tol: null, randomState: 1 }), Xd, X, y, c.scaled);
          expect(await lazy(reg.lazyOf.predict(X) as NDArray)).toEqual(Array.from(reg.fitted.predict(reg.Xin).data));
        },
      ),
      { numRuns: 40, seed: 20261121 },
    );
  });

  it('score blocks on worker threads as in memory (auto backend: blocks of ≥ 32k values)', async () => {
    const rows = 9000;
    const cols = 20;
    const Xd = new DenseArray(data(rows, cols, 5), [rows, cols]);
    const X = fromArray(Xd, { chunks: [2500, cols] });
    const { lazyOf, fitted, Xin } = await models(
      new SGDClassifier({ randomState: 2 }),
      Xd,
      X,
      labels(Xd.data as Float64Array, rows, cols, 2),
      true,
    );
    const threads = new ThreadScheduler({ threads: 2 });
    try {
      const got = await (lazyOf.predict(X) as NDArray).compute({ scheduler: threads });
      expect(Array.from(got.data)).toEqual(Array.from(fitted.predict(Xin).data));
    } finally {
      await threads.close();
    }
  });

  /** A binary SGDClassifier (WebAssembly backend) fitted on `rows` × `cols` seeded values, with those values. */
  function fittedOn(rows: number, cols: number, seed: number) {
    setSGDBackend('wasm');
    const Xd = new DenseArray(data(rows, cols, seed), [rows, cols]);
    const ppf = new ParallelPostFit(new SGDClassifier({ maxIter: 2, tol: null })).fit(Xd, labels(Xd.data as Float64Array, rows, cols, 2));
    return { Xd, ppf };
  }

  it('names the block, row and column of a NaN met while predicting', async () => {
    const rows = 3000;
    const cols = 7;
    const { Xd, ppf } = fittedOn(rows, cols, 9);
    Xd.data[2345 * cols + 4] = NaN; // block 2 (rows 2000..2999), row 345 of the block
    const X = fromArray(Xd, { chunks: [1000, cols] });
    const err = await ppf
      .predict(X)
      .compute({ scheduler: new SyncScheduler() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).key).toMatch(/\[2\]$/);
    expect((err as Error).message).toMatch(/NaN at row 345, column 4/);
  });

  it("names a block's first NaN row when its tiles are read out of order (the halves alternately)", async () => {
    // 7 columns: 18724 rows per tile, so a block of 60000 rows is read as tiles 0, 2, 1, 3.
    const rows = 60000;
    const cols = 7;
    const { Xd, ppf } = fittedOn(rows, cols, 4);
    const clean = await (ppf.predict(fromArray(Xd, { chunks: [rows, cols] })) as NDArray).compute({ scheduler: new SyncScheduler() });
    expect(Array.from(clean.data)).toEqual(Array.from(ppf.predict(Xd).data));
    Xd.data[40000 * cols + 1] = NaN; // tile 2, read before tile 1
    Xd.data[20000 * cols + 5] = Infinity; // tile 1: the block's first non-finite row
    const err = await (ppf.predict(fromArray(Xd, { chunks: [rows, cols] })) as NDArray)
      .compute({ scheduler: new SyncScheduler() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as Error).message).toMatch(/Infinity at row 20000, column 5/);
  });

  it('leaves expressions WebAssembly does not cover to the tile-by-tile path, with the same results', async () => {
    setSGDBackend('wasm');
    const rows = 1200;
    const cols = 5;
    const Xd = new DenseArray(
      data(rows, cols, 3).map((v) => v / 500),
      [rows, cols],
    );
    const X = fromArray(Xd, { chunks: [500, cols] });
    const Xe = await X.exp().compute({ scheduler: new SyncScheduler() });
    const ppf = new ParallelPostFit(new SGDClassifier({ maxIter: 2, tol: null })).fit(Xe, labels(Xd.data as Float64Array, rows, cols, 2));
    expect(await lazy(ppf.predict(X.exp()))).toEqual(Array.from((ppf.estimator_ as SGDClassifier).predict(Xe).data));
  });
});
