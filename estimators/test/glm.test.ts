/**
 * The parallel GLMs — LinearRegression, Ridge, LogisticRegression, PoissonRegressor — against
 * scikit-learn 1.2 (fixtures from estimators/test/fixtures/make_glm.py: random shapes, sample and
 * class weights, multinomial problems, C values, ill-conditioned and rank-deficient X), lazy fits
 * (random chunkings; sync, 1 and 2 threads) equal to the in-memory ones, inside a pipeline on a
 * dataset directory, and every error.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DenseArray, fromArray, fromNpyDir, toNpyDir, type NDArray } from '@tessera/array';
import { ThreadScheduler, type Scheduler } from '@tessera/scheduler';
import {
  InvalidInputError,
  LinearRegression,
  LogisticRegression,
  ParameterRangeError,
  ParameterTypeError,
  PoissonRegressor,
  Ridge,
  StandardScaler,
  StateRangeError,
  estimatorFromJSON,
  makePipeline,
} from '@tessera/estimators';
import { Random } from '@tessera/estimators/internal';
import { expectClose, fixture } from './helpers.js';

interface LinearCase {
  estimator: 'LinearRegression' | 'Ridge';
  kind: string;
  params: { fitIntercept: boolean; alpha?: number };
  X: number[][];
  y: number[] | number[][];
  sampleWeight: number[] | null;
  coef: number[] | number[][];
  intercept: number[];
  T: number[][];
  predict: number[] | number[][];
  score: number;
  rank?: number;
  singular?: number[];
}
interface LogisticCase {
  params: Record<string, unknown>;
  X: number[][];
  y: number[];
  sampleWeight: number[] | null;
  classes: number[];
  coef: number[][];
  intercept: number[];
  T: number[][];
  decision: number[] | number[][];
  proba: number[][];
  predict: number[];
  score: number;
  newtonIter: number | null;
  newtonCoef: number[] | null;
}
interface PoissonCase {
  params: Record<string, unknown>;
  X: number[][];
  y: number[];
  sampleWeight: number[] | null;
  coef: number[];
  intercept: number;
  T: number[][];
  predict: number[];
  score: number;
  newtonIter: number;
  newtonCoef: number[];
}
interface GlmFixture {
  linear: LinearCase[];
  logistic: LogisticCase[];
  poisson: PoissonCase[];
}

const F = fixture<GlmFixture>('glm.json');
const flat = (a: number[] | number[][]): number[] => (a as (number | number[])[]).flat() as number[];

let threads1: ThreadScheduler;
let threads2: ThreadScheduler;
beforeAll(() => {
  threads1 = new ThreadScheduler({ threads: 1 });
  threads2 = new ThreadScheduler({ threads: 2 });
});
afterAll(async () => {
  await threads1.close();
  await threads2.close();
});

/** Random row chunks of n rows. */
function randomChunks(rng: Random, n: number): number[] {
  const out: number[] = [];
  let left = n;
  while (left > 0) {
    const c = Math.min(left, 1 + rng.randint(Math.max(2, Math.ceil(n / 3))));
    out.push(c);
    left -= c;
  }
  return out;
}

function lazy(a: number[][] | number[], chunks: number[]): NDArray {
  return Array.isArray(a[0]) ? fromArray(a as number[][], { chunks: [chunks, -1] }) : fromArray(a as number[], { chunks: [chunks] });
}

function schedulerOf(i: number): Scheduler | 'sync' {
  return i % 3 === 0 ? 'sync' : i % 3 === 1 ? threads1 : threads2;
}

describe('LinearRegression and Ridge against scikit-learn 1.2', () => {
  F.linear.forEach((c, i) => {
    const name = `${i}: ${c.estimator} ${c.kind}, ${c.X.length}×${c.X[0]!.length}${Array.isArray(c.y[0]) ? `, ${(c.y[0] as number[]).length} targets` : ''}${c.sampleWeight ? ', weighted' : ''}${c.params.fitIntercept ? '' : ', no intercept'}`;
    it(name, async () => {
      const make = () => (c.estimator === 'Ridge' ? new Ridge(c.params) : new LinearRegression(c.params));
      const est = make().fit(c.X, c.y, c.sampleWeight ? { sampleWeight: c.sampleWeight } : {});
      const d = c.X[0]!.length;
      // A rank-deficient X whose tiny singular value LAPACK kept (σ_min/σ_max just above eps): its
      // "solution" is rounding noise; only the fit's predictions are comparable.
      const noisy = c.kind === 'duplicate' && c.rank === d;
      const rel = c.kind === 'ill' || c.kind === 'offset' || c.kind === 'duplicate' ? 1e-6 : 1e-9;
      if (!noisy) {
        expectClose(est.coef_.data, flat(c.coef), 'coef_', rel, 1e-12);
        const b = est.intercept_;
        // Without an intercept scikit-learn's intercept_ is 0.0 whatever the targets.
        const want = c.params.fitIntercept ? c.intercept : Array.from(typeof b === 'number' ? [0] : b.data, () => 0);
        expectClose(typeof b === 'number' ? [b] : b.data, want, 'intercept_', rel, 1e-9);
        expectClose(est.predict(c.T).data, flat(c.predict), 'predict', rel, 1e-9);
      }
      if (!noisy) expect(est.score(c.X, c.y, c.sampleWeight ?? undefined)).toBeCloseTo(c.score, 8);
      expect(est.coef_.shape).toEqual(Array.isArray(c.coef[0]) ? [(c.coef as number[][]).length, d] : [d]);
      if (est instanceof LinearRegression) {
        if (!noisy) expect(est.rank_).toBe(c.rank);
        // Singular values well above rounding agree; the rest are noise in both.
        const s = c.singular!;
        const keep = s.filter((v) => v > 1e-8 * s[0]!).length;
        expectClose(est.singular_.data.slice(0, keep), s.slice(0, keep), 'singular_', 1e-9, 1e-12);
      }
      // Lazy, in random row chunks: the same fit.
      const rng = new Random(i);
      const chunks = randomChunks(rng, c.X.length);
      const opts = { scheduler: schedulerOf(i), ...(c.sampleWeight ? { sampleWeight: lazy(c.sampleWeight, chunks) } : {}) };
      const lz = await make().fit(lazy(c.X, chunks), lazy(c.y, chunks), opts);
      expectClose(lz.coef_.data, est.coef_.data, 'lazy coef_', rel, 1e-12);
      const lb = lz.intercept_;
      const mb = est.intercept_;
      expectClose(typeof lb === 'number' ? [lb] : lb.data, typeof mb === 'number' ? [mb] : mb.data, 'lazy intercept_', rel, 1e-9);
      const lp = await lz.predict(lazy(c.T, [3, c.T.length - 3])).compute({ scheduler: schedulerOf(i) });
      expectClose(lp.data, lz.predict(c.T).data, 'lazy predict', 1e-13, 1e-13);
    });
  });
});

describe('LogisticRegression against scikit-learn 1.2 (lbfgs)', () => {
  F.logistic.forEach((c, i) => {
    const p = c.params;
    const name = `${i}: ${c.classes.length} classes, C ${p['C']}, penalty ${p['penalty']}, classWeight ${JSON.stringify(p['classWeight'])}${c.sampleWeight ? ', weighted' : ''}${p['fitIntercept'] ? '' : ', no intercept'}${p['multiClass'] === 'multinomial' ? ', multinomial' : ''}`;
    it(name, async () => {
      const est = new LogisticRegression(p).fit(c.X, c.y, c.sampleWeight ? { sampleWeight: c.sampleWeight } : {});
      expect(Array.from(est.classes_.data)).toEqual(c.classes);
      expectClose(est.coef_.data, flat(c.coef), 'coef_', 1e-6, 1e-8);
      expectClose(est.intercept_.data, c.intercept, 'intercept_', 1e-6, 1e-8);
      expectClose(est.decisionFunction(c.T).data, flat(c.decision), 'decisionFunction', 1e-6, 1e-8);
      expectClose(est.predictProba(c.T).data, flat(c.proba), 'predictProba', 1e-6, 1e-9);
      expect(Array.from(est.predict(c.T).data)).toEqual(c.predict);
      expect(est.score(c.X, c.y)).toBeCloseTo(c.score, 12);
      expect(est.nIter_).toBeGreaterThan(0);
      const rng = new Random(100 + i);
      const chunks = randomChunks(rng, c.X.length);
      const opts = { scheduler: schedulerOf(i), ...(c.sampleWeight ? { sampleWeight: lazy(c.sampleWeight, chunks) } : {}) };
      const lz = await new LogisticRegression(p).fit(lazy(c.X, chunks), lazy(c.y, chunks), opts);
      expectClose(lz.coef_.data, flat(c.coef), 'lazy coef_', 1e-6, 1e-8);
      expectClose(lz.intercept_.data, c.intercept, 'lazy intercept_', 1e-6, 1e-8);
      const lp = await lz.predictProba(lazy(c.T, [4, c.T.length - 4])).compute({ scheduler: schedulerOf(i) });
      expectClose(lp.data, lz.predictProba(c.T).data, 'lazy predictProba', 1e-14, 1e-15);
      if (c.newtonCoef !== null) {
        // solver 'newton-cholesky': scikit-learn's Newton answer, in the same number of steps, in memory and lazily.
        const q = { ...p, solver: 'newton-cholesky' as const };
        const nt = new LogisticRegression(q).fit(c.X, c.y, c.sampleWeight ? { sampleWeight: c.sampleWeight } : {});
        expectClose([...nt.coef_.data, ...nt.intercept_.data], c.newtonCoef, 'newton coef_', 1e-6, 1e-8);
        expect(nt.nIter_).toBe(c.newtonIter);
        const lnt = await new LogisticRegression(q).fit(lazy(c.X, chunks), lazy(c.y, chunks), opts);
        expectClose([...lnt.coef_.data, ...lnt.intercept_.data], c.newtonCoef, 'lazy newton coef_', 1e-6, 1e-8);
      }
    });
  });
});

describe('PoissonRegressor against scikit-learn 1.2 (lbfgs)', () => {
  F.poisson.forEach((c, i) => {
    const p = c.params;
    it(`${i}: alpha ${p['alpha']}${c.sampleWeight ? ', weighted' : ''}${p['fitIntercept'] ? '' : ', no intercept'}`, async () => {
      const est = new PoissonRegressor(p).fit(c.X, c.y, c.sampleWeight ? { sampleWeight: c.sampleWeight } : {});
      expectClose(est.coef_.data, c.coef, 'coef_', 1e-6, 1e-8);
      expectClose([est.intercept_], [c.intercept], 'intercept_', 1e-6, 1e-8);
      expectClose(est.predict(c.T).data, c.predict, 'predict', 1e-6, 1e-8);
      expect(est.score(c.X, c.y, c.sampleWeight ?? undefined)).toBeCloseTo(c.score, 8);
      const rng = new Random(200 + i);
      const chunks = randomChunks(rng, c.X.length);
      const sw = c.sampleWeight ? { sampleWeight: lazy(c.sampleWeight, chunks) } : {};
      const lz = await new PoissonRegressor(p).fit(lazy(c.X, chunks), lazy(c.y, chunks), { scheduler: schedulerOf(i), ...sw });
      expectClose(lz.coef_.data, c.coef, 'lazy coef_', 1e-6, 1e-8);
      expectClose([lz.intercept_], [c.intercept], 'lazy intercept_', 1e-6, 1e-8);
      const score = await lz.score(lazy(c.X, chunks), lazy(c.y, chunks), { scheduler: schedulerOf(i), ...sw });
      expect(score).toBeCloseTo(c.score, 8);
      const q = { ...p, solver: 'newton-cholesky' as const };
      const nt = new PoissonRegressor(q).fit(c.X, c.y, c.sampleWeight ? { sampleWeight: c.sampleWeight } : {});
      expectClose([...nt.coef_.data, nt.intercept_], c.newtonCoef, 'newton coef_', 1e-6, 1e-8);
      expect(nt.nIter_).toBe(c.newtonIter);
      const lnt = await new PoissonRegressor(q).fit(lazy(c.X, chunks), lazy(c.y, chunks), { scheduler: schedulerOf(i), ...sw });
      expectClose([...lnt.coef_.data, lnt.intercept_], c.newtonCoef, 'lazy newton coef_', 1e-6, 1e-8);
    });
  });
});

const root = mkdtempSync(join(tmpdir(), 'tessera-glm-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A small classification problem: n rows, d features, labels 0/1 (or 0..k-1). */
function problem(seed: number, n: number, d: number, k = 2, offset = 3): { X: number[][]; y: number[] } {
  const rng = new Random(seed);
  const y = Array.from({ length: n }, (_, i) => i % k);
  const X = y.map((c) => Array.from({ length: d }, (_, j) => (rng.random() - 0.5) * (j + 2) + offset * j + c * 0.7 * ((j % 3) - 1)));
  return { X, y };
}

describe('passes over the data', () => {
  it('LogisticRegression: one pass over y for the classes, then one per L-BFGS evaluation, reads fused (2 threads)', async () => {
    // Centered features: at the default ftol the fit stops close to the optimum, whatever the rounding.
    const { X, y } = problem(1, 900, 4, 3, 0);
    const dir = join(root, 'passes');
    await toNpyDir(dir, { X: fromArray(X, { chunks: [200, -1] }), y: fromArray(y, { chunks: [200] }) });
    const { X: lx, y: ly } = await fromNpyDir(dir);
    const blocks = lx.numBlocks[0]!;
    const kernels = new Map<string, number>();
    const clf = await new LogisticRegression({ C: 0.5, tol: 1e-10 }).fit(lx, ly!, {
      scheduler: threads2,
      callbacks: [{ onTaskEnd: (e) => kernels.set(e.kernel, (kernels.get(e.kernel) ?? 0) + 1) }],
    });
    expect(kernels.get('est.valueCounts')).toBe(blocks);
    const evaluations = kernels.get('glm.lossGrad')! / blocks;
    expect(Number.isInteger(evaluations)).toBe(true);
    expect(evaluations).toBeGreaterThan(clf.nIter_);
    expect([...kernels.keys()].filter((k) => k.startsWith('array.'))).toEqual([]);
    expectClose(clf.coef_.data, new LogisticRegression({ C: 0.5, tol: 1e-10 }).fit(X, y).coef_.data, 'lazy = in memory', 1e-6, 1e-9);
  });

  it('LinearRegression: one pass of cross-products; a second (QR) only when X is ill-conditioned', async () => {
    const rng = new Random(2);
    const X = Array.from({ length: 400 }, () => Array.from({ length: 3 }, () => rng.random()));
    const y = X.map((r) => r[0]! - 2 * r[1]! + 0.1 * rng.random());
    const count = async (rows: number[][]): Promise<Map<string, number>> => {
      const kernels = new Map<string, number>();
      await new LinearRegression().fit(fromArray(rows, { chunks: [100, -1] }), fromArray(y, { chunks: [100] }), {
        scheduler: threads2,
        callbacks: [{ onTaskEnd: (e) => kernels.set(e.kernel, (kernels.get(e.kernel) ?? 0) + 1) }],
      });
      return kernels;
    };
    const plain = await count(X);
    expect(plain.get('glm.cross')).toBe(4);
    expect(plain.get('glm.qr')).toBeUndefined();
    const ill = await count(X.map((r) => [r[0]!, r[0]! + 1e-7 * r[1]!, r[2]!]));
    expect(ill.get('glm.cross')).toBe(4);
    expect(ill.get('glm.qr')).toBe(4);
  });

  it("newton-cholesky: one pass per Newton step (Hessian and gradient together), far fewer than L-BFGS's on poorly scaled X", async () => {
    const { X, y } = problem(9, 2000, 5, 2, 40);
    const scaled = X.map((r) => r.map((v, j) => v * 10 ** (j - 2)));
    const count = async (solver: 'lbfgs' | 'newton-cholesky') => {
      const kernels = new Map<string, number>();
      const est = await new LogisticRegression({ solver, tol: 1e-8, maxIter: 2000 }).fit(
        fromArray(scaled, { chunks: [500, -1] }),
        fromArray(y, { chunks: [500] }),
        { scheduler: threads2, callbacks: [{ onTaskEnd: (e) => kernels.set(e.kernel, (kernels.get(e.kernel) ?? 0) + 1) }] },
      );
      return { est, passes: ((kernels.get('glm.lossGrad') ?? 0) + (kernels.get('glm.lossGradHess') ?? 0)) / 4 };
    };
    const newton = await count('newton-cholesky');
    const lbfgs = await count('lbfgs');
    expect(newton.passes).toBe(newton.est.nIter_ + 1);
    expect(newton.passes * 5).toBeLessThan(lbfgs.passes);
    // (L-BFGS stops on its relative-reduction rule well before the optimum here, as scipy's does.)
    const memory = new LogisticRegression({ solver: 'newton-cholesky', tol: 1e-8, maxIter: 2000 }).fit(scaled, y);
    expectClose(newton.est.coef_.data, memory.coef_.data, 'lazy = in memory', 1e-9, 1e-12);
  });

  it('stays within a small memory budget', async () => {
    const { X, y } = problem(3, 3000, 5);
    const lz = await new LogisticRegression().fit(fromArray(X, { chunks: [100, -1] }), fromArray(y, { chunks: [100] }), {
      scheduler: threads2,
      memoryLimit: 20_000,
    });
    expectClose(lz.coef_.data, new LogisticRegression().fit(X, y).coef_.data, 'under a 20 kB budget', 1e-6, 1e-9);
  });
});

describe('in-memory X on the worker threads (a scheduler given to fit)', () => {
  it('gives the in-memory fit, for every GLM, with X shared or copied into shared memory', async () => {
    const { X, y } = problem(10, 3000, 4, 3, 0);
    const shared = DenseArray.from(X); // over a SharedArrayBuffer: the workers read it in place
    const w = y.map((_, i) => 0.5 + (i % 5) / 4);
    const yr = X.map((r) => [r[0]! - r[1]!, 2 * r[2]! + 1]);
    const pairs: [
      () => { coef_: DenseArray; intercept_: unknown },
      (o: { scheduler: ThreadScheduler }) => Promise<{ coef_: DenseArray; intercept_: unknown }>,
    ][] = [
      [
        () => new LogisticRegression({ tol: 1e-10 }).fit(X, y, { sampleWeight: w }),
        (o) => new LogisticRegression({ tol: 1e-10 }).fit(shared, y, { ...o, sampleWeight: w }),
      ],
      [() => new Ridge({ alpha: 2 }).fit(X, yr), (o) => new Ridge({ alpha: 2 }).fit(X, yr, o)],
      [() => new LinearRegression().fit(X, yr), (o) => new LinearRegression().fit(shared, yr, o)],
      [
        () => new PoissonRegressor({ solver: 'newton-cholesky', tol: 1e-10 }).fit(X, y, { sampleWeight: w }),
        (o) => new PoissonRegressor({ solver: 'newton-cholesky', tol: 1e-10 }).fit(X, y, { ...o, sampleWeight: w }),
      ],
    ];
    for (const [memory, threaded] of pairs) {
      const a = memory();
      const b = await threaded({ scheduler: threads2 });
      expectClose(b.coef_.data, a.coef_.data, `${(a as unknown as { estimatorName: string }).estimatorName} coef_`, 1e-8, 1e-10);
    }
    await expect(
      new LogisticRegression().fit(
        X,
        y.map(() => 1),
        { scheduler: threads2 },
      ),
    ).rejects.toThrow(/only one class: 1/);
    await expect(new Ridge({ alpha: -1 }).fit(X, y, { scheduler: threads2 })).rejects.toThrow(ParameterRangeError);
    const bad = X.map((r) => r.slice());
    bad[2500]![1] = Number.NaN;
    await expect(new PoissonRegressor().fit(bad, y, { scheduler: threads2 })).rejects.toThrow(/NaN at row 2500, column 1/);
  });
});

describe('lazy prediction of whole blocks (applyRows: each tile scored in WebAssembly memory)', () => {
  it('equals the in-memory methods for every GLM and output, through a read and through the scaler', async () => {
    // 6000 × 8 per block: large enough for the WebAssembly path (the small fixtures go tile by tile).
    for (const k of [2, 3]) {
      const { X, y } = problem(11 + k, 12_000, 8, k, 0);
      const dir = join(root, `apply-${k}`);
      await toNpyDir(dir, { X: fromArray(X, { chunks: [6000, -1] }), y: fromArray(y, { chunks: [6000] }) });
      const { X: lx } = await fromNpyDir(dir);
      const scaler = new StandardScaler().fit(X);
      const scaled = scaler.transform(X);
      const clf = new LogisticRegression({ C: 0.3 }).fit(scaled, y);
      for (const method of ['predict', 'decisionFunction', 'predictProba', 'predictLogProba'] as const) {
        const lazyOut = await clf[method](scaler.transform(lx)).compute({ scheduler: threads2 });
        expectClose(lazyOut.data, clf[method](scaled).data, `LogisticRegression (${k} classes) ${method}`, 1e-12, 1e-12);
      }
      if (k === 2) {
        const yr = X.map((r) => [r[0]! + 2 * r[1]!, r[2]! - 1]);
        const ridge = new Ridge().fit(X, yr);
        expectClose(
          (await ridge.predict(lx).compute({ scheduler: threads2 })).data,
          ridge.predict(X).data,
          'Ridge (2 targets) predict',
          1e-12,
          1e-12,
        );
        const pr = new PoissonRegressor().fit(X, y);
        expectClose(
          (await pr.predict(lx).compute({ scheduler: threads2 })).data,
          pr.predict(X).data,
          'PoissonRegressor predict',
          1e-12,
          1e-12,
        );
      }
    }
  });
});

describe('inside a pipeline on a dataset directory', () => {
  it('StandardScaler → LogisticRegression fitted on lazy data, both workers busy; predict lazy and fused', async () => {
    const { X, y } = problem(4, 1200, 6, 3);
    const dir = join(root, 'pipeline');
    await toNpyDir(dir, { X: fromArray(X, { chunks: [150, -1] }), y: fromArray(y, { chunks: [150] }) });
    const { X: lx, y: ly } = await fromNpyDir(dir);
    const workers = new Set<number>();
    const pipe = makePipeline(new StandardScaler(), new LogisticRegression({ C: 2 }));
    await pipe.fit(lx, ly!, { scheduler: threads2, callbacks: [{ onTaskEnd: (e) => workers.add(e.worker) }] });
    expect(workers.size).toBe(2);
    const mem = makePipeline(new StandardScaler(), new LogisticRegression({ C: 2 })).fit(X, y);
    const clf = pipe.steps[1]![1] as LogisticRegression;
    expectClose(clf.coef_.data, (mem.steps[1]![1] as LogisticRegression).coef_.data, 'coef_ of the scaled data', 1e-6, 1e-9);
    const proba = await pipe.predictProba(lx).compute({ scheduler: threads2 });
    expectClose(proba.data, mem.predictProba(X).data, 'predictProba', 1e-6, 1e-9);
    const accuracy = await pipe.score(lx, ly!, { scheduler: threads2 });
    expect(accuracy).toBeCloseTo(mem.score(X, y), 2);
    expect(accuracy).toBeGreaterThan(0.5);
  });

  it('StandardScaler → Ridge and → PoissonRegressor on lazy data equal the in-memory pipelines', async () => {
    const rng = new Random(5);
    const X = Array.from({ length: 500 }, () => Array.from({ length: 3 }, () => rng.random() * 4));
    const y = X.map((r) => Math.round(Math.exp(0.3 * r[0]! - 0.2 * r[1]!) + rng.random()));
    const lx = fromArray(X, { chunks: [120, -1] });
    const ly = fromArray(y, { chunks: [70] });
    for (const make of [() => new Ridge({ alpha: 3 }), () => new PoissonRegressor({ alpha: 0.01, tol: 1e-10 })]) {
      const pipe = makePipeline(new StandardScaler(), make());
      await pipe.fit(lx, ly, { scheduler: threads2 });
      const mem = makePipeline(new StandardScaler(), make()).fit(X, y);
      const pred = await pipe.predict(lx).compute({ scheduler: threads2 });
      expectClose(pred.data, mem.predict(X).data, `${make().estimatorName} predict`, 1e-7, 1e-9);
      expect(await pipe.score(lx, ly, { scheduler: threads2 })).toBeCloseTo(mem.score(X, y), 7);
    }
  });
});

describe('persistence', () => {
  it('round-trips each GLM through JSON; a tampered state names the field', () => {
    const { X, y } = problem(6, 200, 3, 3);
    const yr = X.map((r) => r[0]! + r[1]!);
    const ym = X.map((r) => [r[0]!, r[2]!]);
    const fitted = [
      new LinearRegression().fit(X, yr),
      new LinearRegression({ fitIntercept: false }).fit(X, ym),
      new Ridge({ alpha: 2 }).fit(X, ym),
      new LogisticRegression().fit(X, y),
      new LogisticRegression().fit(
        X,
        y.map((v) => (v === 2 ? 1 : v)),
      ),
      new PoissonRegressor().fit(X, y),
    ];
    for (const est of fitted) {
      const back = estimatorFromJSON(JSON.parse(JSON.stringify(est))) as LinearRegression;
      expect(Array.from(back.predict(X).data)).toEqual(Array.from(est.predict(X).data));
      expect(back.getState()).toEqual(est.getState());
    }
    const json = JSON.parse(JSON.stringify(fitted[3]));
    json.state.nFeaturesIn_ = 4;
    expect(() => estimatorFromJSON(json)).toThrow(StateRangeError);
    expect(() => estimatorFromJSON(json)).toThrow(/coef_/);
    const lr = JSON.parse(JSON.stringify(fitted[0]));
    lr.state.intercept_ = lr.state.singular_;
    expect(() => estimatorFromJSON(lr)).toThrow(/LinearRegression state field 'intercept_'/);
  });

  it('keeps scikit-learn shapes: coef_ [d] and a number intercept_ for a 1-D y, [t, d] and [t] for a 2-D y', () => {
    const { X } = problem(7, 50, 3);
    const one = new LinearRegression().fit(
      X,
      X.map((r) => r[0]!),
    );
    expect(one.coef_.shape).toEqual([3]);
    expect(typeof one.intercept_).toBe('number');
    expect(one.predict(X).shape).toEqual([50]);
    const two = new Ridge().fit(
      X,
      X.map((r) => [r[0]!, r[1]!]),
    );
    expect(two.coef_.shape).toEqual([2, 3]);
    expect((two.intercept_ as DenseArray).shape).toEqual([2]);
    expect(two.predict(X).shape).toEqual([50, 2]);
    expect(two.outputWidth('predict')).toBe(2);
  });
});

describe('errors', () => {
  const { X, y } = problem(8, 60, 3);

  it('bad hyperparameters name the parameter, before any pass', async () => {
    expect(() => new LogisticRegression({ C: 0 }).fit(X, y)).toThrow(ParameterRangeError);
    expect(() => new LogisticRegression({ C: 0 }).fit(X, y)).toThrow(
      /The 'C' parameter of LogisticRegression must be a float in the range \(0, inf\)/,
    );
    expect(() => new LogisticRegression({ penalty: 'l1' as never }).fit(X, y)).toThrow(/'penalty' parameter of LogisticRegression/);
    expect(() => new LogisticRegression({ solver: 'saga' as never }).fit(X, y)).toThrow(/'solver' parameter/);
    expect(() => new LogisticRegression({ multiClass: 'ovr' as never }).fit(X, y)).toThrow(/'multiClass' parameter/);
    expect(() => new LogisticRegression({ maxIter: 0 }).fit(X, y)).toThrow(/'maxIter' parameter/);
    expect(() => new LogisticRegression({ tol: -1 }).fit(X, y)).toThrow(/'tol' parameter/);
    expect(() => new LogisticRegression({ solver: 'newton-cholesky', multiClass: 'multinomial' }).fit(X, y)).toThrow(
      /'multiClass' parameter of LogisticRegression must be 'auto' with solver 'newton-cholesky'/,
    );
    expect(() =>
      new LogisticRegression({ solver: 'newton-cholesky' }).fit(
        X,
        y.map((v, i) => (i % 3 === 0 ? 2 : v)),
      ),
    ).toThrow(/solver 'newton-cholesky' fits two classes; y has 3/);
    expect(() => new LogisticRegression({ classWeight: 'even' as never }).fit(X, y)).toThrow(/'classWeight' parameter/);
    expect(() => new Ridge({ alpha: -1 }).fit(X, y)).toThrow(/The 'alpha' parameter of Ridge must be a float in the range \[0, inf\)/);
    expect(() => new LinearRegression({ fitIntercept: 1 as never }).fit(X, y)).toThrow(ParameterTypeError);
    expect(() => new PoissonRegressor({ alpha: -0.5 }).fit(X, y)).toThrow(/'alpha' parameter of PoissonRegressor/);
    expect(() => new PoissonRegressor({ tol: 0 }).fit(X, y)).toThrow(/'tol' parameter of PoissonRegressor/);
    let tasks = 0;
    await expect(
      new LogisticRegression({ C: -1 }).fit(fromArray(X), fromArray(y), { scheduler: 'sync', callbacks: [{ onTaskEnd: () => tasks++ }] }),
    ).rejects.toThrow(ParameterRangeError);
    expect(tasks).toBe(0);
  });

  it('y with one class, labels missing from classWeight, and an unfitted model', async () => {
    const one = y.map(() => 3);
    expect(() => new LogisticRegression().fit(X, one)).toThrow(InvalidInputError);
    expect(() => new LogisticRegression().fit(X, one)).toThrow(/at least 2 classes .* only one class: 3/);
    await expect(new LogisticRegression().fit(fromArray(X), fromArray(one), { scheduler: threads2 })).rejects.toThrow(/only one class: 3/);
    expect(() => new LogisticRegression({ classWeight: { 9: 2 } }).fit(X, y)).toThrow(/classWeight names labels that are not classes: 9/);
    expect(() => new LogisticRegression().predict(X)).toThrow(/not fitted/i);
    expect(() => new PoissonRegressor().coef_).toThrow(/not fitted/i);
    expect(() => new LogisticRegression().fit(X, y).predict([[1, 2]])).toThrow(/X has 2 features, but LogisticRegression is expecting 3/);
    expect(() => new Ridge().fit(X, y).predict(fromArray([[1, 2]]))).toThrow(/X has 2 features, but Ridge is expecting 3/);
  });

  it('NaN in X names the row and column — lazily also the block and the file', async () => {
    const bad = X.map((r) => r.slice());
    bad[37]![2] = Number.NaN;
    for (const est of [new LogisticRegression(), new LinearRegression(), new PoissonRegressor()]) {
      expect(() => est.fit(bad, y)).toThrow(InvalidInputError);
      expect(() => est.fit(bad, y)).toThrow(/NaN at row 37, column 2/);
    }
    const dir = join(root, 'nan');
    await toNpyDir(dir, { X: fromArray(bad, { chunks: [25, -1] }), y: fromArray(y, { chunks: [25] }) });
    const { X: lx, y: ly } = await fromNpyDir(dir);
    for (const est of [new LogisticRegression(), new Ridge(), new PoissonRegressor()]) {
      await expect(est.fit(lx, ly!, { scheduler: threads2 })).rejects.toThrow(
        new RegExp(
          `${est.estimatorName}: input X contains NaN at row 37, column 2 \\(block 1, its row 12; row 12 of .*X-00001\\.npy\\)\\.`,
        ),
      );
    }
  });

  it('bad targets and weights name their row', async () => {
    const negative = y.map((v, i) => (i === 11 ? -1 : v));
    expect(() => new PoissonRegressor().fit(X, negative)).toThrow(/y must be finite and non-negative \(Poisson\); it is -1 at row 11/);
    await expect(new PoissonRegressor().fit(fromArray(X, { chunks: [20, -1] }), fromArray(negative, { chunks: [20] }))).rejects.toThrow(
      /it is -1 at row 11 \(block 0, its row 11\)/,
    );
    expect(() =>
      new PoissonRegressor().fit(
        X,
        y.map(() => 0),
      ),
    ).toThrow(/Poisson regression needs some y > 0/);
    const w = y.map((_, i) => (i === 5 ? -2 : 1));
    expect(() => new LinearRegression().fit(X, y, { sampleWeight: w })).toThrow(
      /sampleWeight must be finite and non-negative; it is -2 at row 5/,
    );
    expect(() => new Ridge().fit(X, y, { sampleWeight: y.map(() => 0) })).toThrow(/sample weights sum to 0/);
    expect(() => new LinearRegression().fit(X, y.slice(1))).toThrow(/inconsistent numbers of samples/);
    const nanY = y.map((v, i) => (i === 3 ? Number.NaN : v));
    await expect(new Ridge().fit(fromArray(X, { chunks: [20, -1] }), fromArray(nanY, { chunks: [20] }))).rejects.toThrow(
      /input y contains NaN at row 3/,
    );
  });

  it('lazy X needs lazy y (and lazy sample weights) of the same length', async () => {
    await expect(new LogisticRegression().fit(fromArray(X), y as never)).rejects.toThrow(TypeError);
    expect(() => new LogisticRegression().fit(X, fromArray(y) as never)).toThrow(/y is a lazy array but X is not/);
    await expect(new Ridge().fit(fromArray(X), fromArray(y.slice(2)))).rejects.toThrow(/X has 60 rows but y has 58/);
    await expect(new Ridge().fit(fromArray(X), fromArray(y), { sampleWeight: fromArray(y.slice(1)) })).rejects.toThrow(
      /X has 60 rows but sampleWeight has 59/,
    );
    await expect(new LinearRegression().fit(fromArray(X), fromArray(X))).resolves.toBeInstanceOf(LinearRegression);
    await expect(new LogisticRegression().fit(fromArray(X), fromArray(X))).rejects.toThrow(/y must be 1-D/);
  });

  it('warns when L-BFGS stops at maxIter before converging', () => {
    const warnings: string[] = [];
    const listener = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', listener);
    try {
      const clf = new LogisticRegression({ maxIter: 2, tol: 1e-12 }).fit(X, y);
      expect(clf.nIter_).toBe(2);
    } finally {
      return new Promise<void>((resolve) =>
        setImmediate(() => {
          process.off('warning', listener);
          expect(warnings.some((w) => /ConvergenceWarning: LogisticRegression: the solver failed to converge/.test(w))).toBe(true);
          resolve();
        }),
      );
    }
  });
});
