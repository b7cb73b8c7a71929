/**
 * FunctionTransformer: scikit-learn 1.2's transform and inverse_transform with kw_args (fixtures
 * from estimators/scripts/make_fixtures_transformers.py, the functions mirrored in
 * function_kernels.mjs), loading (load() before the in-memory methods; lazy fits load
 * themselves), the lazy transform equal to the in-memory one over random shapes and chunkings
 * (sync and thread schedulers, the function imported on the workers), a pipeline, and every error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DenseArray, fromArray } from '@tessera/array';
import { TaskError, ThreadScheduler, type Scheduler } from '@tessera/scheduler';
import {
  FunctionTransformer,
  InvalidInputError,
  ParameterTypeError,
  StandardScaler,
  estimatorFromJSON,
  makePipeline,
  type FunctionRef,
} from '@tessera/estimators';
import { Random } from '@tessera/estimators/internal';
import { expectClose, fixture } from './helpers.js';

const MODULE = new URL('./function_kernels.mjs', import.meta.url).href;
const fn = (name: string): FunctionRef => ({ module: MODULE, export: name });

interface FunctionCase {
  func: string | null;
  inverseFunc: string | null;
  kwArgs: Record<string, number> | null;
  invKwArgs: Record<string, number> | null;
  transformed: number[][];
  inverse: number[][] | null;
}

let threads: ThreadScheduler;
beforeAll(() => {
  threads = new ThreadScheduler({ threads: 2 });
});
afterAll(async () => {
  await threads.close();
});

describe('FunctionTransformer against scikit-learn 1.2', () => {
  const { X, T, cases } = fixture<{ X: number[][]; T: number[][]; cases: FunctionCase[] }>('function_transformer.json');
  for (const c of cases) {
    it(`${c.func ?? 'identity'}${c.inverseFunc ? ` with inverse ${c.inverseFunc}` : ''}: transform and inverseTransform`, async () => {
      const params = {
        func: c.func === null ? null : fn(c.func),
        inverseFunc: c.inverseFunc === null ? null : fn(c.inverseFunc),
        kwArgs: c.kwArgs,
        invKwArgs: c.invKwArgs,
        validate: true,
      };
      const ft = (await new FunctionTransformer(params).load()).fit(X);
      expect(ft.nFeaturesIn_).toBe(3);
      expect(ft.nOutputFeatures_).toBe(c.transformed[0]!.length);
      const out = ft.transform(T);
      expect(out.shape).toEqual([T.length, c.transformed[0]!.length]);
      expect(Array.from(out.data)).toEqual(c.transformed.flat());
      if (c.inverse !== null) expect(Array.from(ft.inverseTransform(out).data)).toEqual(c.inverse.flat());
      // Lazily, on the workers: the same doubles.
      const lazy = await new FunctionTransformer(params).fit(fromArray(X, { chunks: [4, 2] }), { scheduler: threads });
      expect(lazy.getState()).toEqual(ft.getState());
      const lazyOut = await lazy.transform(fromArray(T, { chunks: [3, 1] })).compute({ scheduler: threads });
      expect(Array.from(lazyOut.data)).toEqual(c.transformed.flat());
    });
  }
});

describe('FunctionTransformer on lazy arrays equals the in-memory transform', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`random shape and chunking (seed ${seed}, ${seed % 2 === 1 ? 'threads' : 'sync'})`, async () => {
      const rng = new Random(seed);
      const rows = 1 + rng.below(600);
      const cols = 1 + rng.below(6);
      const dense = new DenseArray(
        Float64Array.from({ length: rows * cols }, () => rng.random() * 10 - 5),
        [rows, cols],
      );
      const X = fromArray(dense, { chunks: [1 + rng.below(100), 1 + rng.below(cols)] });
      const scheduler: Scheduler | 'sync' = seed % 2 === 1 ? threads : 'sync';
      for (const params of [
        {},
        { validate: true },
        { func: fn('appendSquares'), kwArgs: { scale: 3 } },
        { func: fn('affine'), kwArgs: { a: -2, b: 0.5 }, validate: true },
      ]) {
        const what = JSON.stringify(params);
        const mem = (await new FunctionTransformer(params).load()).fit(dense);
        const lazy = await new FunctionTransformer(params).fit(X, { scheduler });
        expect(lazy.getState(), what).toEqual(mem.getState());
        const out = lazy.transform(X);
        expect(out.shape, what).toEqual([rows, mem.nOutputFeatures_]);
        expect(Array.from((await out.compute({ scheduler })).data), what).toEqual(Array.from(mem.transform(dense).data));
      }
    });
  }

  it('is the identity without func: lazily an expression fused into its consumer (no task of its own)', async () => {
    const X = fromArray([[1, 2]], { chunks: [1, 1] });
    const ft = await new FunctionTransformer().fit(X);
    const out = ft.transform(X);
    expect(out.shape).toEqual([1, 2]);
    expect(out.name).not.toMatch(/FunctionTransformer/);
    expect(Array.from((await out.compute({ scheduler: 'sync' })).data)).toEqual([1, 2]);
    expect(ft.transform(X.astype('float32')).dtype).toBe('float64');
    // With a function: one task per block of its own kernel.
    const withFn = await new FunctionTransformer({ func: fn('affine'), kwArgs: { a: 1, b: 0 } }).fit(X);
    expect(withFn.transform(X).name).toMatch(/^FunctionTransformer-transform-/);
  });

  it('is a pipeline step: a scaler behind it fits on the transformed lazy X', async () => {
    const rng = new Random(5);
    const dense = new DenseArray(
      Float64Array.from({ length: 300 * 2 }, () => rng.random() * 4 - 2),
      [300, 2],
    );
    const X = fromArray(dense, { chunks: [64, -1] });
    const step = () => new FunctionTransformer({ func: fn('appendSquares'), kwArgs: { scale: 1 } });
    const pipe = makePipeline(step(), new StandardScaler());
    await pipe.fit(X, undefined, { scheduler: threads });
    const expanded = (await step().load()).fitTransform(dense);
    const sc = new StandardScaler().fit(expanded);
    expectClose((pipe.steps[1]![1] as StandardScaler).mean_!.data, sc.mean_!.data, 'scaler mean_ behind the function', 1e-12);
    const out = await pipe.transform(X).compute({ scheduler: threads });
    expect(out.shape).toEqual([300, 4]);
    expectClose(out.data, sc.transform(expanded).data, 'pipeline transform', 1e-12);
  });

  it('saves and loads its function reference with the model', async () => {
    const ft = (await new FunctionTransformer({ func: fn('affine'), kwArgs: { a: 3, b: 1 } }).load()).fit([[1], [2]]);
    const back = estimatorFromJSON(JSON.parse(JSON.stringify(ft))) as FunctionTransformer;
    expect(back.func).toEqual(fn('affine'));
    expect(Array.from(back.transform([[2]]).data)).toEqual([7]);
  });
});

describe('FunctionTransformer errors', () => {
  const X = [
    [1, 2],
    [3, 4],
    [5, 6],
  ];

  it('says to load the function first, in memory (never imports synchronously)', () => {
    const ref = { module: new URL('./function_kernels.mjs?unloaded', import.meta.url).href, export: 'affine' };
    expect(() => new FunctionTransformer({ func: ref }).fit(X)).toThrow(
      /FunctionTransformer\.fit: func .*function_kernels\.mjs\?unloaded#affine is not loaded on this thread; `await transformer\.load\(\)` first/,
    );
  });

  it('names the module and the export when it cannot load the function', async () => {
    await expect(new FunctionTransformer({ func: fn('nope') }).load()).rejects.toThrow(
      /FunctionTransformer\.load: .*function_kernels\.mjs has no exported function 'nope' \(its functions: affine, affineInverse, .*\)/,
    );
    await expect(new FunctionTransformer({ func: fn('notAFunction') }).load()).rejects.toThrow(TypeError);
    const missing = { module: new URL('./no_such_module.mjs', import.meta.url).href, export: 'f' };
    await expect(new FunctionTransformer({ func: missing }).load()).rejects.toThrow(
      /FunctionTransformer\.load: cannot import .*no_such_module\.mjs/,
    );
    // A lazy fit loads, and fails, the same way.
    await expect(new FunctionTransformer({ func: fn('nope') }).fit(fromArray(X))).rejects.toThrow(/has no exported function 'nope'/);
  });

  it('validates its parameters, naming them', async () => {
    for (const [param, bad] of [
      ['func', 'affine'],
      ['func', { module: MODULE }],
      ['func', { module: MODULE, export: '' }],
      ['func', { module: './function_kernels.mjs', export: 'affine' }],
      ['func', { module: MODULE, export: 'affine', extra: 1 }],
      ['func', () => 1],
      ['inverseFunc', 3],
      ['kwArgs', [1, 2]],
      ['kwArgs', 'a=1'],
      ['invKwArgs', new Map()],
      ['validate', 1],
    ] as const) {
      const est = new FunctionTransformer({ [param]: bad } as never);
      expect(() => est.checkParams(), `${param} = ${String(bad)}`).toThrow(ParameterTypeError);
      expect(() => est.checkParams()).toThrow(new RegExp(`^The '${param}' parameter of FunctionTransformer must be`));
      await expect(est.load()).rejects.toThrow(ParameterTypeError);
    }
    expect(() => new FunctionTransformer({ func: { module: './x.mjs', export: 'f' } }).checkParams()).toThrow(
      /must be a URL or an absolute path \(workers cannot resolve relative ones\)/,
    );
  });

  it('checks what the function returns: the same rows, a 2-D array, the fitted width, synchronously', async () => {
    const loaded = async (name: string) => new FunctionTransformer({ func: fn(name) }).load();
    const drop = await loaded('dropLastRow');
    expect(() => drop.fit(X)).toThrow(InvalidInputError);
    expect(() => drop.fit(X)).toThrow(/func 'dropLastRow' returned 0 rows for 1; it must map rows to rows/);
    const means = await loaded('rowMeans');
    expect(() => means.fit(X)).toThrow(/the output of func 'rowMeans': expected a 2-D array for the output/);
    const later = await loaded('later');
    expect(() => later.fit(X)).toThrow(/func 'later' returned a promise; it must be synchronous/);
    // Fitted on one row (width 1), given three: the width differs.
    const wide = (await loaded('widthOfRows')).fit(X);
    expect(wide.nOutputFeatures_).toBe(1);
    expect(() => wide.transform(X)).toThrow(/func 'widthOfRows' returned 3 columns where 1 are expected/);
    // Lazily the block's task fails, naming the block.
    await expect(wide.transform(fromArray(X, { chunks: [2, -1] })).compute({ scheduler: threads })).rejects.toThrow(
      /Task 'FunctionTransformer-transform-\w+\[0,0\]' \(kernel '[\w.]+'\) failed: FunctionTransformer\.transform: func 'widthOfRows' returned 2 columns where 1 are expected/,
    );
  });

  it('passes the function’s own errors on, from the worker that met them', async () => {
    const ft = (await new FunctionTransformer({ func: fn('failsOn13') }).load()).fit(X);
    const rows = Array.from({ length: 30 }, (_, i) => [i, 1]);
    expect(() => ft.transform(rows)).toThrow(new RangeError('unlucky row 13'));
    const error = await ft
      .transform(fromArray(rows, { chunks: [10, -1] }))
      .compute({ scheduler: threads })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect((error as TaskError).key).toMatch(/\[1,0\]$/);
    expect((error as TaskError).cause).toEqual(new RangeError('unlucky row 3'));
  });

  it('never changes the caller’s data, even when the function writes to its input', async () => {
    const data = Float64Array.of(1, 2, 3, 4);
    const ft = (await new FunctionTransformer({ func: fn('negateInPlace') }).load()).fit(new DenseArray(data, [2, 2]));
    expect(Array.from(ft.transform(new DenseArray(data, [2, 2])).data)).toEqual([-1, -2, -3, -4]);
    expect(Array.from(data)).toEqual([1, 2, 3, 4]);
  });

  it('names NaN with validate, passes it to the function without; checks widths in and out', async () => {
    const nan = [
      [1, 2],
      [3, Number.NaN],
    ];
    expect(() => new FunctionTransformer({ validate: true }).fit(nan)).toThrow(
      /FunctionTransformer\.fit: input X contains NaN at row 1, column 1/,
    );
    expect(Array.from(new FunctionTransformer().fit(nan).transform(nan).data)).toEqual([1, 2, 3, Number.NaN]);
    const lazyNaN = fromArray([...X, [Number.NaN, 1]], { chunks: [2, -1] });
    const v = await new FunctionTransformer({ validate: true }).fit(lazyNaN);
    await expect(v.transform(lazyNaN).compute({ scheduler: 'sync' })).rejects.toThrow(/input X contains NaN at row 1, column 0/);
    const ft = (await new FunctionTransformer({ func: fn('appendSquares'), kwArgs: { scale: 1 } }).load()).fit(X);
    expect(() => ft.transform([[1, 2, 3]])).toThrow(/X has 3 features, but FunctionTransformer is expecting 2 features as input/);
    expect(() => ft.transform(fromArray([[1, 2, 3]]))).toThrow(/X has 3 features, but FunctionTransformer is expecting 2/);
    // The identity inverse of a function that widens X cannot give back 2 columns.
    expect(() => ft.inverseTransform(ft.transform(X))).toThrow(/the identity returned 4 columns where 2 are expected/);
    expect(() => ft.inverseTransform(X)).toThrow(/X has 2 features, but FunctionTransformer is expecting 4/);
    await expect(new FunctionTransformer().fit(fromArray([1, 2]))).rejects.toThrow(/X must be a 2-D array of samples × features/);
  });
});
