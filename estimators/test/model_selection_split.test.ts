/**
 * Splitters, trainTestSplit and the candidate samplers against scikit-learn 1.2 (and dask-ml's
 * blockwise split), from fixtures written by fixtures/make_model_selection.py; and every error.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DenseArray, RandomState, fromArray, materialize } from '@tessera/array';
import { SyncScheduler, ThreadScheduler } from '@tessera/scheduler';
import {
  KFold,
  LogUniform,
  ParameterGrid,
  ParameterRangeError,
  ParameterSampler,
  ParameterTypeError,
  RandInt,
  ShuffleSplit,
  StratifiedKFold,
  StratifiedShuffleSplit,
  Uniform,
  InvalidInputError,
  loguniform,
  randint,
  trainTestSplit,
  uniform,
  type CrossValidator,
  type ParamDistribution,
} from '@tessera/estimators';
import { fixture } from './helpers.js';
import { splitBlockArg, splitBlockRows } from '../src/model_selection/train_test_split.js';

interface SplitterCase {
  splitter: 'KFold' | 'StratifiedKFold' | 'ShuffleSplit' | 'StratifiedShuffleSplit';
  options: Record<string, unknown>;
  n: number;
  y?: number[];
  splits: [number[], number[]][];
}
interface TtsCase {
  n: number;
  options: { testSize: number | null; trainSize: number | null; randomState: number; shuffle: boolean };
  stratify: number[] | null;
  train?: number[];
  test?: number[];
  error?: string;
}
interface BlockwiseCase {
  chunks: number[];
  options: { testSize: number | null; trainSize: number | null; randomState: number };
  blocks?: [number[], number[]][];
  error?: string;
}
type DistSpec = { dist: 'uniform' | 'loguniform' | 'randint'; args: number[] };
interface SamplerCase {
  spec: Record<string, unknown[] | DistSpec> | Record<string, unknown[] | DistSpec>[];
  nIter: number;
  randomState: number;
  samples: Record<string, unknown>[];
}
const F = fixture<{
  sklearn: string;
  splitters: SplitterCase[];
  trainTestSplit: TtsCase[];
  blockwise: BlockwiseCase[];
  grids: { grid: never; points: Record<string, unknown>[] }[];
  samplers: SamplerCase[];
}>('model_selection_splits.json');

const threads = new ThreadScheduler({ threads: 2 });
afterAll(() => threads.close());

function makeSplitter(c: SplitterCase): CrossValidator {
  const o = { ...c.options } as Record<string, number | boolean | null>;
  switch (c.splitter) {
    case 'KFold':
      return new KFold(o);
    case 'StratifiedKFold':
      return new StratifiedKFold(o);
    case 'ShuffleSplit':
      return new ShuffleSplit(o);
    case 'StratifiedShuffleSplit':
      return new StratifiedShuffleSplit(o);
  }
}

describe(`splitters = scikit-learn ${F.sklearn}`, () => {
  it.each(F.splitters.map((c, i) => [`${i} ${c.splitter} n=${c.n} ${JSON.stringify(c.options)}`, c] as const))('%s', (_, c) => {
    const X = new DenseArray(new Float64Array(c.n * 2), [c.n, 2]);
    const s = makeSplitter(c);
    const got = [...s.split(X, c.y ?? null)].map(([a, b]) => [Array.from(a), Array.from(b)]);
    expect(got).toEqual(c.splits);
    expect(s.getNSplits()).toBe(c.splits.length);
  });

  it('KFold with a RandomState advances it: two split() calls differ, an int seed repeats', () => {
    const X = [[0], [1], [2], [3], [4], [5]];
    const rs = new KFold({ nSplits: 2, shuffle: true, randomState: new RandomState(0) });
    const a = [...rs.split(X)].map(([, t]) => Array.from(t));
    const b = [...rs.split(X)].map(([, t]) => Array.from(t));
    expect(a).not.toEqual(b);
    const seeded = new KFold({ nSplits: 2, shuffle: true, randomState: 0 });
    expect([...seeded.split(X)].map(([, t]) => Array.from(t))).toEqual([...seeded.split(X)].map(([, t]) => Array.from(t)));
  });

  it('refuses bad parameters, naming them', () => {
    expect(() => new KFold({ nSplits: 1 })).toThrow(ParameterRangeError);
    expect(() => new KFold({ nSplits: 1 })).toThrow(/nSplits=2 or more, got nSplits=1/);
    expect(() => new KFold({ nSplits: 2.5 })).toThrow(ParameterTypeError);
    expect(() => new KFold({ nSplits: 3, randomState: 0 })).toThrow(/randomState has no effect since shuffle is false/);
    expect(() => new KFold({ shuffle: 'yes' as never })).toThrow(/'shuffle' parameter of KFold must be a boolean/);
    expect(() => new KFold({ shuffle: true, randomState: -1 })).toThrow(ParameterRangeError);
    expect(() => new KFold({ shuffle: true, randomState: 'a' as never })).toThrow(ParameterTypeError);
    expect(() => new ShuffleSplit({ nSplits: 0 })).toThrow(/'nSplits' parameter of ShuffleSplit must be an int in the range \[1, inf\)/);
    expect(() => new ShuffleSplit({ testSize: '0.2' as never })).toThrow(ParameterTypeError);
    expect(() => [...new KFold({ nSplits: 5 }).split([[1], [2], [3]])]).toThrow(/nSplits=5 greater than the number of samples: nSamples=3/);
    expect(() => [...new KFold().split('abc' as never)]).toThrow(TypeError);
  });

  it('refuses out-of-range sizes, as scikit-learn does', () => {
    const X = new Array(10).fill([0]);
    const split = (o: object) => [...new ShuffleSplit(o).split(X)];
    expect(() => split({ testSize: 0 })).toThrow(/testSize=0 should be either positive and smaller than the number of samples 10/);
    expect(() => split({ testSize: 10 })).toThrow(/testSize=10 should be/);
    expect(() => split({ testSize: 1.5 })).toThrow(/testSize=1.5 should be/);
    expect(() => split({ testSize: -0.2 })).toThrow(RangeError);
    expect(() => split({ trainSize: 11 })).toThrow(/trainSize=11 should be/);
    expect(() => split({ testSize: 0.6, trainSize: 0.6 })).toThrow(/sum of testSize and trainSize = 1.2/);
    expect(() => split({ testSize: 6, trainSize: 5 })).toThrow(
      /sum of trainSize and testSize = 11, should be smaller than the number of samples 10/,
    );
    expect(() => [...new ShuffleSplit({ testSize: 0.99 }).split([[0], [1]])]).toThrow(/resulting train set will be empty/);
  });

  it('stratified splitters refuse a missing y, continuous targets, a class of one and too few folds', () => {
    const X = new Array(6).fill([0]);
    expect(() => [...new StratifiedKFold({ nSplits: 2 }).split(X)]).toThrow(/y \(the class labels\) is required/);
    expect(() => [...new StratifiedKFold({ nSplits: 2 }).split(X, [0, 0.5, 1, 1, 0, 1])]).toThrow(
      /Got 'continuous' instead \(y\[1\] = 0.5\)/,
    );
    expect(() => [...new StratifiedKFold({ nSplits: 4 }).split(X, [0, 0, 0, 1, 1, 1])]).toThrow(
      /nSplits=4 cannot be greater than the number of members in each class/,
    );
    expect(() => [...new StratifiedKFold({ nSplits: 2 }).split(X, [0, 0, 1])]).toThrow(InvalidInputError);
    expect(() => [...new StratifiedShuffleSplit({ testSize: 2 }).split(X, [0, 0, 0, 0, 0, 1])]).toThrow(
      /least populated class in y \(class 1\) has only 1 member, which is too few/,
    );
    expect(() => [...new StratifiedShuffleSplit({ testSize: 1 }).split(X, [0, 0, 0, 1, 1, 1])]).toThrow(
      /testSize = 1 should be greater or equal to the number of classes = 2/,
    );
  });

  it('StratifiedKFold warns when a class has fewer members than nSplits (scikit-learn: UserWarning)', async () => {
    const warnings: string[] = [];
    const listen = (w: Error) => warnings.push(w.message);
    process.on('warning', listen);
    try {
      [...new StratifiedKFold({ nSplits: 3 }).split(new Array(7).fill([0]), [0, 0, 0, 0, 0, 1, 1])];
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', listen);
    }
    expect(warnings.some((w) => /least populated class in y has only 2 members, which is less than nSplits=3/.test(w))).toBe(true);
  });
});

describe(`trainTestSplit in memory = scikit-learn ${F.sklearn}`, () => {
  it.each(F.trainTestSplit.map((c, i) => [`${i} n=${c.n} ${JSON.stringify(c.options)}${c.stratify ? ' stratified' : ''}`, c] as const))(
    '%s',
    (_, c) => {
      const idx = Array.from({ length: c.n }, (_, i) => i);
      const run = () => trainTestSplit(idx, { ...c.options, stratify: c.stratify });
      if (c.error !== undefined) {
        expect(run).toThrow(RangeError);
        return;
      }
      const [a, b] = run();
      expect(a).toEqual(c.train);
      expect(b).toEqual(c.test);
    },
  );

  it('keeps the kind of each array and lines the rows up', () => {
    const X = DenseArray.from([
      [0, 0],
      [1, 10],
      [2, 20],
      [3, 30],
      [4, 40],
    ]);
    const y = new Int32Array([0, 1, 2, 3, 4]);
    const rows = [[0], [1], [2], [3], [4]];
    const [Xa, Xb, ya, yb, ra, rb] = trainTestSplit(X, y, rows, { testSize: 2, randomState: 1 });
    expect(Xa).toBeInstanceOf(DenseArray);
    expect(Xa.shape).toEqual([3, 2]);
    expect(ya).toBeInstanceOf(Int32Array);
    expect(Array.from(Xa.data).filter((_, i) => i % 2 === 0)).toEqual(Array.from(ya));
    expect(Array.from(Xb.data).filter((_, i) => i % 2 === 1)).toEqual(Array.from(yb, (v) => v * 10));
    expect(ra.map((r) => r[0])).toEqual(Array.from(ya));
    expect(rb.map((r) => r[0])).toEqual(Array.from(yb));
  });

  it('stratifies by any numeric labels, as scikit-learn (no integer check there)', () => {
    const [a, b] = trainTestSplit([0, 1, 2, 3, 4, 5, 6, 7], {
      testSize: 3,
      randomState: 4,
      stratify: [0.5, 0.5, 0.5, 1.5, 1.5, 1.5, 2.5, 2.5],
    });
    // train_test_split(np.arange(8), test_size=3, random_state=4, stratify=[0.5, 0.5, 0.5, 1.5, 1.5, 1.5, 2.5, 2.5])
    expect(a).toEqual([5, 7, 1, 3, 0]);
    expect(b).toEqual([6, 4, 2]);
  });

  it('refuses bad input, naming the option', () => {
    expect(() => trainTestSplit()).toThrow(/at least one array is required/);
    expect(() => trainTestSplit([1, 2, 3], [1, 2], { testSize: 1 })).toThrow(/inconsistent numbers of samples: \[3, 2\]/);
    expect(() => trainTestSplit([1, 2, 3, 4], { testSize: 1.2 })).toThrow(/testSize=1.2 should be either positive/);
    expect(() => trainTestSplit([1, 2, 3, 4], { testSize: 0 })).toThrow(/testSize=0/);
    expect(() => trainTestSplit([1, 2, 3, 4], { testSize: 4 })).toThrow(/testSize=4/);
    expect(() => trainTestSplit([1, 2, 3, 4], { testSize: 'a' as never })).toThrow(ParameterTypeError);
    expect(() => trainTestSplit([1, 2, 3, 4], { shuffle: false, stratify: [0, 0, 1, 1] })).toThrow(/not implemented for shuffle: false/);
    expect(() => trainTestSplit([1, 2, 3, 4], { stratify: [0, 0, 0, 1] })).toThrow(/has only 1 member, which is too few/);
    expect(() => trainTestSplit([1, 2, 3, 4], { stratify: [0, 1] })).toThrow(/'stratify' has 2 labels but the arrays have 4 samples/);
    expect(() => trainTestSplit([1, 2, 3, 4], { testsize: 0.5 } as never)).toThrow(/unknown option 'testsize'/);
    expect(() => trainTestSplit([1, 2, 3, 4], fromArray([1, 2, 3, 4]))).toThrow(/some arrays are lazy/);
  });
});

describe('trainTestSplit on lazy arrays = dask-ml (blockwise)', () => {
  it.each(F.blockwise.map((c, i) => [`${i} chunks ${c.chunks} ${JSON.stringify(c.options)}`, c] as const))('%s', async (_, c) => {
    const n = c.chunks.reduce((a, b) => a + b, 0);
    const X = fromArray(DenseArray.from(Array.from({ length: n }, (_, i) => [i, -i])), { chunks: [c.chunks, [2]] });
    const y = fromArray(
      Float64Array.from({ length: n }, (_, i) => i),
      { chunks: [c.chunks] },
    );
    if (c.error !== undefined) {
      expect(() => trainTestSplit(X, y, c.options)).toThrow(
        /block \d+ \(rows \d+–\d+\) of the lazy arrays: the sum of trainSize and testSize/,
      );
      return;
    }
    const [Xa, Xb, ya, yb] = trainTestSplit(X, y, c.options);
    expect(Xa.chunks[0]).toEqual(c.blocks!.map((b) => b[0].length));
    expect(Xb.chunks[0]).toEqual(c.blocks!.map((b) => b[1].length));
    const [xa, xb, va, vb] = await Promise.all([Xa, Xb, ya, yb].map((a) => a.compute({ scheduler: threads })));
    expect(Array.from(va!.data)).toEqual(c.blocks!.flatMap((b) => b[0]));
    expect(Array.from(vb!.data)).toEqual(c.blocks!.flatMap((b) => b[1]));
    expect(Array.from(xa!.data).filter((_, i) => i % 2 === 0)).toEqual(Array.from(va!.data));
    expect(Array.from(xb!.data).filter((_, i) => i % 2 === 1)).toEqual(Array.from(vb!.data, (v) => -v));
  });

  it('splits expressions and column-chunked arrays, with y chunked otherwise lined up on X’s row blocks', async () => {
    const n = 60;
    const X = fromArray(DenseArray.from(Array.from({ length: n }, (_, i) => [i, 100 + i])), {
      chunks: [
        [25, 25, 10],
        [1, 1],
      ],
    }).mul(2);
    const y = fromArray(
      Float64Array.from({ length: n }, (_, i) => i),
      { chunks: [[30, 30]] },
    );
    const [Xa, Xb, ya, yb] = trainTestSplit(X, y, { testSize: 0.3, randomState: 9 });
    expect(Xa.chunks).toEqual([[17, 17, 7], [2]]);
    expect(ya.chunks[0]).toEqual([17, 17, 7]);
    const [xa, xb, va, vb] = await Promise.all([Xa, Xb, ya, yb].map((a) => a.compute({ scheduler: threads })));
    expect(Array.from(xa!.data).filter((_, i) => i % 2 === 0)).toEqual(Array.from(va!.data, (v) => 2 * v));
    expect(Array.from(xb!.data).filter((_, i) => i % 2 === 1)).toEqual(Array.from(vb!.data, (v) => 2 * (100 + v)));
    // Rows stay in their block: block 2 holds rows 50…59 only.
    expect(Array.from(va!.data.subarray(34)).every((v) => v >= 50)).toBe(true);
  });

  it('a block read tile by tile splits into the same rows as the block read whole (several tiles, X and y)', () => {
    // 150k rows of 3 columns: 3.6 MB, several 1 MiB tiles; an expression over a read as well.
    const n = 150_000;
    const X = fromArray(DenseArray.from(Array.from({ length: n }, (_, i) => [i, -i, i % 7])), { chunks: [[n], [3]] });
    const y = fromArray(
      Int32Array.from({ length: n }, (_, i) => i % 3),
      { chunks: [[n]] },
    );
    for (const arg of [X.blockArg(0, 0), X.mul(2).blockArg(0, 0), y.blockArg(0)]) {
      for (const part of ['train', 'test'] as const) {
        const streamed = splitBlockArg(arg, 12345, 120_000, 30_000, part);
        const whole = splitBlockRows(materialize(arg), 12345, 120_000, 30_000, part);
        expect(streamed.shape).toEqual(whole.shape);
        expect(streamed.dtype).toBe(whole.dtype);
        expect(streamed.data).toEqual(whole.data);
      }
    }
  });

  it('reads each block inside its split task: nothing is gathered (no task holds more than a block)', async () => {
    const X = fromArray(DenseArray.from(Array.from({ length: 300 }, (_, i) => [i, i])), { chunks: [[100, 100, 100], [2]] });
    const [Xa] = trainTestSplit(X, { testSize: 0.2, randomState: 0 });
    const g = Xa.graph;
    const splits = [...g].filter((t) => t.key.startsWith('split-train-'));
    expect(splits).toHaveLength(3);
    // Each split task reads its block inline (a source recipe in its arguments): no dependency.
    for (const t of splits) expect(g.dependencies(t.key)).toEqual([]);
  });

  it('blockwise: false gives scikit-learn’s index sets when the arrays fit the budget, and is refused otherwise', async () => {
    const n = 57;
    const X = fromArray(
      Float64Array.from({ length: n }, (_, i) => i),
      { chunks: [[20, 20, 17]] },
    );
    const [a, b] = trainTestSplit(X, { blockwise: false, testSize: 0.25, randomState: 3 });
    const [ea, eb] = trainTestSplit(
      Array.from({ length: n }, (_, i) => i),
      { testSize: 0.25, randomState: 3 },
    );
    expect(Array.from((await a.compute({ scheduler: new SyncScheduler() })).data)).toEqual(ea);
    expect(Array.from((await b.compute({ scheduler: threads })).data)).toEqual(eb);
    expect(() => trainTestSplit(X, { blockwise: false, memoryLimit: 100 })).toThrow(ParameterRangeError);
    expect(() => trainTestSplit(X, { blockwise: false, memoryLimit: 100 })).toThrow(
      /blockwise: false shuffles rows across blocks.*more than the memory budget/,
    );
  });

  it('shuffle: false slices the first rows off; stratify, counts and bad fractions are refused', async () => {
    const X = fromArray(
      Float64Array.from({ length: 10 }, (_, i) => i),
      { chunks: [[4, 6]] },
    );
    const [a, b] = trainTestSplit(X, { shuffle: false, testSize: 0.3 });
    expect(Array.from((await a.compute({ scheduler: 'sync' })).data)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Array.from((await b.compute({ scheduler: 'sync' })).data)).toEqual([7, 8, 9]);
    expect(() => trainTestSplit(X, { stratify: [0, 1] })).toThrow(/'stratify' is not supported on lazy arrays/);
    expect(() => trainTestSplit(X, { testSize: 2 })).toThrow(/absolute sizes are not supported on lazy arrays split blockwise/);
    expect(() => trainTestSplit(X, { testSize: 0.2, trainSize: 0.5 })).toThrow(/must sum to 1/);
    expect(() => trainTestSplit(X, fromArray([1, 2]))).toThrow(/inconsistent numbers of samples: \[10, 2\]/);
    expect(() => trainTestSplit(X, { blockwise: 'no' as never })).toThrow(/'blockwise' must be a boolean/);
  });
});

describe('ParameterGrid and ParameterSampler = scikit-learn', () => {
  it.each(F.grids.map((c, i) => [i, c] as const))('grid %s', (_, c) => {
    const g = new ParameterGrid(c.grid);
    expect([...g]).toEqual(c.points);
    expect(g.length).toBe(c.points.length);
    c.points.forEach((p, i) => expect(g.at(i)).toEqual(p));
  });

  const dist = (v: unknown): unknown => {
    if (Array.isArray(v)) return v;
    const d = v as DistSpec;
    if (d.dist === 'uniform') return uniform(d.args[0], d.args[1]);
    if (d.dist === 'loguniform') return loguniform(d.args[0]!, d.args[1]!);
    return randint(d.args[0]!, d.args[1]!);
  };
  const build = (s: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(s).map(([k, v]) => [k, dist(v)])) as Record<string, ParamDistribution>;

  it.each(F.samplers.map((c, i) => [`${i} seed ${c.randomState} nIter ${c.nIter} ${JSON.stringify(c.spec).slice(0, 60)}`, c] as const))(
    '%s',
    (_, c) => {
      const spec = Array.isArray(c.spec) ? c.spec.map(build) : build(c.spec);
      const s = new ParameterSampler(spec, c.nIter, { randomState: c.randomState });
      const got = [...s];
      expect(got.length).toBe(c.samples.length);
      expect(s.length).toBe(c.samples.length);
      got.forEach((p, i) => {
        const want = c.samples[i]!;
        expect(Object.keys(p)).toEqual(Object.keys(want).sort());
        for (const [k, v] of Object.entries(want)) {
          // loguniform takes a pow(): V8's and the C library's may differ in the last bit.
          if (typeof v === 'number' && !Number.isInteger(v))
            expect(p[k]).toBeCloseTo(v, 15 - Math.max(0, Math.ceil(Math.log10(Math.abs(v)))));
          else expect(p[k]).toEqual(v);
        }
      });
    },
  );

  it('refuses bad grids and distributions', () => {
    expect(() => new ParameterGrid({ a: 1 } as never)).toThrow(/needs to be an array, but got 1 instead. Single values need to be wrapped/);
    expect(() => new ParameterGrid({ a: [] })).toThrow(/non-empty array/);
    expect(() => new ParameterGrid([{ a: [1] }, 3] as never)).toThrow(/parameter grid 1 is not an object/);
    expect(() => new ParameterGrid('x' as never)).toThrow(TypeError);
    expect(() => new ParameterGrid({ a: [1, 2] }).at(2)).toThrow(/index 2 is out of range/);
    expect(() => new ParameterSampler({ a: 3 } as never, 2)).toThrow(/not an array or a distribution/);
    expect(() => new ParameterSampler({ a: [1] }, 0)).toThrow(/nIter must be a positive integer/);
    expect(() => new ParameterSampler([], 2)).toThrow(/empty/);
    expect(() => uniform(0, -1)).toThrow(/'scale' must be non-negative/);
    expect(() => loguniform(0, 1)).toThrow(/needs 0 < a < b/);
    expect(() => loguniform(2, 1)).toThrow(RangeError);
    expect(() => randint(3, 3)).toThrow(/needs integers low < high/);
    expect(() => randint(0.5, 3)).toThrow(RangeError);
    expect(() => uniform(Number.NaN)).toThrow(TypeError);
  });

  it('distributions draw from the RandomState they are given, as scipy: uniform, loguniform, randint', () => {
    const a = new RandomState(5);
    const u = a.uniform(0, 1);
    expect(new Uniform(2, 3).rvs(new RandomState(5))).toBe(u * 3 + 2);
    expect(new LogUniform(1e-3, 10).rvs(new RandomState(5))).toBeCloseTo(1e-3 * Math.pow(10 / 1e-3, u), 17);
    expect(new RandInt(-4, 9).rvs(new RandomState(5))).toBe(new RandomState(5).randint(-4, 9));
  });
});
