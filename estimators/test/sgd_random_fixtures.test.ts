/**
 * scikit-learn 1.2's default randomness in the SGD family: with shuffle: true (the default) and an
 * integer randomState, fit over several epochs, partialFit called repeatedly, binary and
 * one-vs-rest, with and without early stopping give scikit-learn's coef_ / intercept_ (to 1e-9,
 * and t_ / nIter_ exactly); the early-stopping splits and dask-ml's block order are index for
 * index. Fixtures: fixtures/make_sgd_random.py → fixtures/sgd_random.json.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DenseArray, RandomState } from '@tessera/array';
import { estimatorClass, type BaseEstimator } from '../src/index.js';
import { setSGDBackend, type SGDBackend } from '../src/internal.js';
import { shuffleSplitFirst, stratifiedShuffleSplitFirst } from '../src/model_selection.js';
import { blockOrder } from '../src/ooc/chain.js';
import { bucketsOf, seqShufflePermutation } from '../src/linear_model/sgd/shuffle.js';
import { expectClose, fixture } from './helpers.js';

interface Step {
  coef: number[];
  intercept: number[];
  t: number;
  nIter: number;
}
type Target = 'binary' | 'multiclass' | 'regression';
interface Case {
  name: string;
  estimator: string;
  params: Record<string, unknown>;
  data: 'small' | 'large';
  target: Target;
  mode: 'fit' | 'partial_fit';
  blocks: number;
  weighted: boolean;
  steps: Step[];
}
interface Fixture {
  sklearnVersion: string;
  data: Record<string, { seed: number; n: number; d: number }>;
  checks: Record<string, Record<string, { sum?: number; head: number[] }>>;
  cases: Case[];
  splits: (
    | { kind: 'ShuffleSplit'; n: number; testSize: number; randomState: number; test: number[] }
    | { kind: 'StratifiedShuffleSplit'; y: number[]; testSize: number; randomState: number; train: number[]; test: number[] }
  )[];
  blockOrders: { nBlocks: number; randomState: number; order: number[] }[];
}

const fx = fixture<Fixture>('sgd_random.json');

interface Dataset {
  X: Float64Array;
  n: number;
  d: number;
  sw: Float64Array;
  binary: Float64Array;
  multiclass: Float64Array;
  regression: Float64Array;
}

/** The fixture's data recipe (see make_sgd_random.py), rebuilt with numpy's RandomState. */
function build(seed: number, n: number, d: number): Dataset {
  const rs = new RandomState(seed);
  const X = rs.uniform(-1, 1, n * d);
  const u = rs.uniform(-1, 1, n);
  const sw = rs.randomSample(n).map((v) => v + 0.5);
  const binary = new Float64Array(n);
  const multiclass = new Float64Array(n);
  const regression = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [x0, x1, x2] = [X[i * d]!, X[i * d + 1]!, X[i * d + 2]!];
    binary[i] = x0 + 0.5 * x1 - 0.3 * x2 + 0.2 * u[i]! > 0 ? 1 : 0;
    const s = [x0, x1 + 0.3 * x2, -x0 - x1 + 0.2 * u[i]!];
    multiclass[i] = s.indexOf(Math.max(...s));
    regression[i] = 2 * x0 - x1 + 0.5 * x2 + 0.1 * u[i]!;
  }
  return { X, n, d, sw, binary, multiclass, regression };
}
const datasets = Object.fromEntries(Object.entries(fx.data).map(([k, v]) => [k, build(v.seed, v.n, v.d)])) as Record<string, Dataset>;

type Fittable = BaseEstimator & {
  partialFit(X: unknown, y: unknown, o?: unknown): unknown;
  fit(X: unknown, y: unknown, o?: unknown): unknown;
  prepareBlock(X: unknown, y: unknown, o?: unknown): { X: unknown; y: unknown; sampleWeight: unknown; hint: unknown } | null;
  coef_: { data: Float64Array };
  intercept_: { data: Float64Array };
  t_: number;
  nIter_: number;
};

function rowsOf(ds: Dataset, a: number, b: number): DenseArray {
  return new DenseArray(ds.X.slice(a * ds.d, b * ds.d), [b - a, ds.d]);
}

/** Runs a case; `prepared`: partialFit on blocks put in visit order by prepareBlock first. */
function runCase(c: Case, prepared = false): void {
  const Cls = estimatorClass(c.estimator) as unknown as new (p: unknown) => Fittable;
  const est = new Cls(c.params);
  const ds = datasets[c.data]!;
  const y = ds[c.target];
  const check = (step: Step, label: string) => {
    expectClose(est.coef_.data, step.coef, `${c.name}: ${label} coef_`);
    expectClose(est.intercept_.data, step.intercept, `${c.name}: ${label} intercept_`);
    expect(est.t_, `${label} t_`).toBe(step.t);
    expect(est.nIter_, `${label} nIter_`).toBe(step.nIter);
  };
  if (c.mode === 'fit') {
    est.fit(rowsOf(ds, 0, ds.n), y, c.weighted ? { sampleWeight: ds.sw } : {});
    check(c.steps[0]!, 'fit');
    return;
  }
  const classes = c.target === 'regression' ? undefined : [...new Set(y)].sort((a, b) => a - b);
  for (let i = 0; i < c.blocks; i++) {
    // np.linspace(0, n, blocks + 1).astype(int)
    const a = Math.floor((ds.n * i) / c.blocks);
    const b = Math.floor((ds.n * (i + 1)) / c.blocks);
    const opts: Record<string, unknown> = {};
    if (classes !== undefined) opts['classes'] = classes;
    if (c.weighted) opts['sampleWeight'] = ds.sw.slice(a, b);
    const p = prepared ? est.prepareBlock(rowsOf(ds, a, b), y.slice(a, b), opts) : null;
    if (prepared) expect(p, 'prepareBlock prepares a single-problem block').not.toBeNull();
    if (p !== null) est.partialFit(p.X, p.y, { ...opts, sampleWeight: p.sampleWeight ?? undefined, prepared: p.hint });
    else est.partialFit(rowsOf(ds, a, b), y.slice(a, b), opts);
    check(c.steps[i]!, `block ${i}`);
  }
}

describe(`scikit-learn ${fx.sklearnVersion}'s shuffled SGD, bit for bit`, () => {
  it('rebuilds the fixture data exactly', () => {
    for (const [k, ds] of Object.entries(datasets)) {
      const chk = fx.checks[k]!;
      expect(Array.from(ds.X.subarray(0, 2 * ds.d))).toEqual(chk['X']!.head);
      for (const t of ['binary', 'multiclass', 'regression', 'sw'] as const) {
        expect(Array.from(ds[t].subarray(0, 10)), `${k} ${t}`).toEqual(chk[t]!.head);
        expect(
          ds[t].reduce((s, v) => s + v, 0),
          `${k} ${t}`,
        ).toBeCloseTo(chk[t]!.sum!, 8);
      }
    }
  });

  describe.each(['js', 'wasm'] as SGDBackend[])('%s epochs', (backend) => {
    let previous: SGDBackend;
    beforeAll(() => {
      previous = setSGDBackend(backend);
    });
    afterAll(() => {
      setSGDBackend(previous);
    });
    for (const c of fx.cases) it(c.name, () => runCase(c));
  });

  it('partialFit on prepared blocks (rows put in visit order ahead of the chain) gives the same', () => {
    const single = fx.cases.filter((c) => c.mode === 'partial_fit' && c.target !== 'multiclass');
    expect(single.length).toBeGreaterThan(3);
    for (const c of single) runCase(c, true);
  });

  it('the WebAssembly shuffle and buckets equal the JavaScript ones', () => {
    for (const n of [0, 1, 2, 3, 1000, 4097, 100_003]) {
      for (const seed of [0, 1, 2 ** 31 - 2, 987654321]) {
        const w = seqShufflePermutation(n, seed);
        expect(Array.from(w), `n=${n} seed=${seed}`).toEqual(Array.from(seqShufflePermutation(n, seed, false)));
        for (const per of [64, 1000, 1638]) {
          const a = bucketsOf(w, per);
          const b = bucketsOf(w, per, undefined, false);
          expect([Array.from(a.slot), Array.from(a.visit), Array.from(a.bucketStart)]).toEqual([
            Array.from(b.slot),
            Array.from(b.visit),
            Array.from(b.bucketStart),
          ]);
          // The buckets describe the order: the row at visit position k is order[k].
          const rowAt = new Int32Array(n);
          for (let r = 0; r < n; r++) rowAt[a.slot[r]!] = r;
          for (let k = 0; k < n; k++) if (rowAt[a.visit[k]!] !== w[k]) throw new Error(`n=${n} per=${per}: position ${k}`);
        }
      }
    }
  });

  it('the WebAssembly and JavaScript epochs agree on a shuffled fit whose bucket size is not a power of two', () => {
    // d = 20: rowsPerBucket 1638, buckets of 1024 visit positions (a wasm layout sized for 1638 once lost buckets).
    const n = 5000;
    const d = 20;
    const X = new RandomState(3).uniform(-1, 1, n * d);
    const y = Float64Array.from({ length: n }, (_, i) => (X[i * d]! + X[i * d + 1]! > 0 ? 1 : 0));
    const fitWith = (backend: SGDBackend) => {
      const previous = setSGDBackend(backend);
      try {
        const Cls = estimatorClass('SGDClassifier') as unknown as new (p: unknown) => Fittable;
        const est = new Cls({ randomState: 4, maxIter: 3, tol: null });
        est.fit(new DenseArray(X, [n, d]), y);
        return [...est.coef_.data, ...est.intercept_.data];
      } finally {
        setSGDBackend(previous);
      }
    };
    expect(fitWith('wasm')).toEqual(fitWith('js'));
  });

  it('randomState: null draws fresh entropy (two fits differ)', () => {
    const ds = datasets['small']!;
    const Cls = estimatorClass('SGDClassifier') as unknown as new (p: unknown) => Fittable;
    const a = new Cls({ randomState: null, maxIter: 3, tol: null });
    const b = new Cls({ randomState: null, maxIter: 3, tol: null });
    a.fit(rowsOf(ds, 0, ds.n), ds.binary);
    b.fit(rowsOf(ds, 0, ds.n), ds.binary);
    expect(Array.from(a.coef_.data)).not.toEqual(Array.from(b.coef_.data));
  });

  it("one SequentialDataset.shuffle is a permutation, and our_rand_r's zero seed is taken as 1", () => {
    const p = seqShufflePermutation(1000, 12345);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(seqShufflePermutation(50, 0))).toEqual(Array.from(seqShufflePermutation(50, 1)));
    expect(Array.from(seqShufflePermutation(1, 7))).toEqual([0]);
  });
});

describe('the splits early stopping draws, index for index', () => {
  for (const s of fx.splits) {
    it(`${s.kind} random_state=${s.randomState}`, () => {
      if (s.kind === 'ShuffleSplit') {
        expect(Array.from(shuffleSplitFirst(s.n, s.testSize, new RandomState(s.randomState)).test)).toEqual(s.test);
      } else {
        const got = stratifiedShuffleSplitFirst(s.y, s.testSize, new RandomState(s.randomState));
        expect(Array.from(got.test)).toEqual(s.test);
        expect(Array.from(got.train)).toEqual(s.train);
      }
    });
  }
  it('early stopping refuses a class with one member and an empty side, naming the estimator', () => {
    const Cls = estimatorClass('SGDClassifier') as unknown as new (p: unknown) => Fittable;
    const X = new DenseArray(Float64Array.from([0, 1, 2, 3, 4, 5]), [3, 2]);
    expect(() => new Cls({ earlyStopping: true, randomState: 0 }).fit(X, [0, 0, 1])).toThrow(/SGDClassifier.*least populated class/);
    const R = estimatorClass('SGDRegressor') as unknown as new (p: unknown) => Fittable;
    expect(() => new R({ earlyStopping: true, randomState: 0, validationFraction: 0.9 }).fit(X, [0, 1, 2])).toThrow(
      /SGDRegressor.*empty set/,
    );
  });
});

describe("Incremental's block order, as dask-ml draws it", () => {
  it('is RandomState(randomState).shuffle(range(nBlocks)) for the first epoch', () => {
    for (const o of fx.blockOrders) {
      expect(blockOrder(o.nBlocks, { epochs: 1, shuffleBlocks: true, randomState: o.randomState })[0], JSON.stringify(o)).toEqual(o.order);
    }
  });
  it('continues the same generator for later epochs, and keeps order without shuffleBlocks', () => {
    const rs = new RandomState(5);
    const expected = [0, 1, 2].map(() => rs.shuffle(Array.from({ length: 6 }, (_, i) => i)));
    expect(blockOrder(6, { epochs: 3, shuffleBlocks: true, randomState: 5 })).toEqual(expected);
    expect(blockOrder(4, { epochs: 2, shuffleBlocks: false, randomState: 5 })).toEqual([
      [0, 1, 2, 3],
      [0, 1, 2, 3],
    ]);
  });
});
