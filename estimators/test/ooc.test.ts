/**
 * The out-of-core layer against in-memory references: Incremental, ParallelPostFit and Pipeline
 * on lazy arrays must give what the same estimators give on the same blocks in memory — on both
 * schedulers, at any thread count and memory budget.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DenseArray, fromArray, fromNpyDir, makeClassification, type NDArray } from '@tessera/array';
import { SyncScheduler, TaskError, ThreadScheduler, type Scheduler } from '@tessera/scheduler';
import {
  Incremental,
  ParallelPostFit,
  Pipeline,
  SGDClassifier,
  SGDRegressor,
  StandardScaler,
  MinMaxScaler,
  MaxAbsScaler,
  estimatorFromJSON,
  makePipeline,
} from '@tessera/estimators';

const threads2 = new ThreadScheduler({ threads: 2 });
afterAll(() => threads2.close());

function dataset(rows = 2400, cols = 6, chunk = 500, classes = 2) {
  return makeClassification({
    nSamples: rows,
    nFeatures: cols,
    nInformative: Math.min(4, cols - 1),
    nRedundant: 1,
    nClasses: classes,
    randomState: 7,
    chunks: chunk,
  });
}

async function blocksOf(X: NDArray, y: NDArray): Promise<{ X: DenseArray; y: DenseArray }[]> {
  const [Xd, yd] = [await X.compute({ scheduler: 'sync' }), await y.compute({ scheduler: 'sync' })];
  const cols = X.shape[1]!;
  const out: { X: DenseArray; y: DenseArray }[] = [];
  let r = 0;
  for (const n of X.chunks[0]!) {
    out.push({
      X: new DenseArray(Xd.data.slice(r * cols, (r + n) * cols), [n, cols]),
      y: new DenseArray(Float64Array.from(yd.data.subarray(r, r + n)), [n]),
    });
    r += n;
  }
  return out;
}

const coefOf = (inc: Incremental) => Array.from((inc.estimator_ as SGDClassifier).coef_.data);

describe.each([
  ['sync', () => new SyncScheduler() as Scheduler],
  ['threads', () => threads2 as Scheduler],
])('Incremental on lazy arrays (%s)', (_n, scheduler) => {
  it('equals partialFit over the same blocks in memory, bit for bit', async () => {
    const { X, y } = dataset();
    const inc = new Incremental(new SGDClassifier({ shuffle: false, randomState: 0 }), { classes: [0, 1], shuffleBlocks: false });
    await inc.fit(X, y, { scheduler: scheduler() });
    const ref = new SGDClassifier({ shuffle: false, randomState: 0 });
    for (const b of await blocksOf(X, y)) ref.partialFit(b.X, b.y, { classes: [0, 1] });
    expect(coefOf(inc)).toEqual(Array.from(ref.coef_.data));
    expect(Array.from((inc.estimator_ as SGDClassifier).intercept_.data)).toEqual(Array.from(ref.intercept_.data));
    expect((inc.estimator_ as SGDClassifier).t_).toBe(ref.t_);
  });

  it('predicts, scores and gives probabilities block by block like the in-memory estimator', async () => {
    const { X, y } = dataset(1800, 5, 400, 3);
    const inc = new Incremental(new SGDClassifier({ loss: 'log_loss', shuffle: false }), { classes: [0, 1, 2], shuffleBlocks: false });
    await inc.fit(X, y, { scheduler: scheduler() });
    const est = inc.estimator_ as SGDClassifier;
    const Xd = await X.compute({ scheduler: 'sync' });
    const yd = await y.compute({ scheduler: 'sync' });
    const pred = await inc.predict(X).compute({ scheduler: scheduler() });
    expect(Array.from(pred.data)).toEqual(Array.from(est.predict(Xd).data));
    const proba = await inc.predictProba(X).compute({ scheduler: scheduler() });
    expect(proba.shape).toEqual([1800, 3]);
    expect(Array.from(proba.data)).toEqual(Array.from(est.predictProba(Xd).data));
    const dec = await inc.decisionFunction(X).compute({ scheduler: scheduler() });
    expect(dec.shape).toEqual([1800, 3]);
    const score = await inc.score(X, y, { scheduler: scheduler() });
    expect(score).toBeCloseTo(est.score(Xd, Float64Array.from(yd.data)), 12);
  });
});

describe('Incremental', () => {
  it('gives the same model at 1, 2 and 4 threads and with or without a memory limit', async () => {
    const { X, y } = dataset(3000, 5, 250);
    const coefs: number[][] = [];
    for (const threads of [1, 2, 4]) {
      for (const memoryLimit of [undefined, 20_000]) {
        const s = new ThreadScheduler({ threads });
        try {
          const inc = new Incremental(new SGDClassifier({ randomState: 3 }), { classes: [0, 1], randomState: 11, epochs: 2 });
          await inc.fit(X, y, { scheduler: s, ...(memoryLimit ? { memoryLimit } : {}) });
          coefs.push(coefOf(inc));
        } finally {
          await s.close();
        }
      }
    }
    for (const c of coefs) expect(c).toEqual(coefs[0]);
  });

  it('orders blocks by its seed: same seed same model, another seed another model', async () => {
    const { X, y } = dataset(2000, 4, 200);
    const fit = async (randomState: number) => {
      const inc = new Incremental(new SGDClassifier({ shuffle: false }), { classes: [0, 1], randomState });
      await inc.fit(X, y, { scheduler: 'sync' });
      return coefOf(inc);
    };
    expect(await fit(1)).toEqual(await fit(1));
    expect(await fit(1)).not.toEqual(await fit(2));
  });

  it('partialFit continues from the fitted state', async () => {
    const { X, y } = dataset(1200, 4, 300);
    const a = new Incremental(new SGDClassifier({ shuffle: false }), { classes: [0, 1], shuffleBlocks: false });
    await a.fit(X, y, { scheduler: 'sync' });
    await a.partialFit(X, y, { scheduler: 'sync' });
    const b = new Incremental(new SGDClassifier({ shuffle: false }), { classes: [0, 1], shuffleBlocks: false, epochs: 2 });
    await b.fit(X, y, { scheduler: 'sync' });
    expect(coefOf(a)).toEqual(coefOf(b));
  });

  it('calls partialFit directly on in-memory input', () => {
    const X = DenseArray.from([
      [0, 1],
      [1, 0],
      [1, 1],
      [0, 0],
    ]);
    const inc = new Incremental(new SGDClassifier({ shuffle: false }), { classes: [0, 1] }).fit(X, [0, 1, 1, 0]);
    const ref = new SGDClassifier({ shuffle: false }).partialFit(X, [0, 1, 1, 0], { classes: [0, 1] });
    expect(coefOf(inc)).toEqual(Array.from(ref.coef_.data));
    expect(Array.from(inc.predict(X).data)).toEqual(Array.from(ref.predict(X).data));
  });

  it('round-trips through JSON and clones with its nested estimator', async () => {
    const { X, y } = dataset(1000, 4, 250);
    const inc = new Incremental(new SGDClassifier({ alpha: 0.01 }), { classes: [0, 1], randomState: 5 });
    await inc.fit(X, y, { scheduler: 'sync' });
    const back = estimatorFromJSON(JSON.parse(JSON.stringify(inc))) as Incremental;
    expect(coefOf(back)).toEqual(coefOf(inc));
    expect(back.getParams()).toMatchObject({ classes: [0, 1], randomState: 5, estimator__alpha: 0.01 });
    const c = inc.clone();
    expect(c.isFitted()).toBe(false);
    expect(c.estimator).not.toBe(inc.estimator);
    expect(c.setParams({ estimator__alpha: 0.5 }).estimator.getParams()).toMatchObject({ alpha: 0.5 });
  });

  it('rejects bad input with clear errors', async () => {
    const { X, y } = dataset(1000, 4, 250);
    await expect(new Incremental(new StandardScaler() as never).fit(X, y, { scheduler: 'sync' })).resolves.toBeDefined();
    expect(() => new Incremental({} as never).fit(DenseArray.from([[1]]), [1])).toThrow(
      /'estimator' parameter of Incremental must be an estimator/,
    );
    expect(() => new Incremental(new SGDClassifier(), { epochs: 0 }).fit(DenseArray.from([[1]]), [1])).toThrow(
      "The 'epochs' parameter of Incremental must be an int in the range [1, inf). Got 0 instead.",
    );
    await expect(
      new Incremental(new SGDClassifier(), { classes: [0, 1] }).fit(X, y.slice([0, 999]), { scheduler: 'sync' }),
    ).rejects.toThrow('Incremental.fit: X has 1000 rows but y has 999; they must have the same number of samples.');
    await expect(new Incremental(new SGDClassifier(), { classes: [0, 1] }).fit(X, [0, 1] as never)).rejects.toThrow(
      /X is a lazy array, so y must be one too/,
    );
    // A label outside the classes fails inside a link: the error names the task and its kernel.
    const err = await new Incremental(new SGDClassifier(), { classes: [5, 6] }).fit(X, y, { scheduler: 'sync' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).kernel).toBe('est.partialFitLink');
    expect((err as Error).message).toMatch(/partialFit-.*-0-\d/);
  });

  it('names the block, row and column of a NaN in the data', async () => {
    const Xd = DenseArray.zeros([1000, 4]);
    for (let i = 0; i < 1000; i++) for (let j = 0; j < 4; j++) Xd.data[i * 4 + j] = ((i * 7 + j * 3) % 11) - 5;
    Xd.data[260 * 4 + 2] = NaN; // block 1 (rows 250..499), row 10 of the block, column 2
    const X = fromArray(Xd, { chunks: [250, 4] });
    const y = fromArray(DenseArray.from(Array.from({ length: 1000 }, (_, i) => i % 2)), { chunks: [250] });
    const inc = new Incremental(new SGDClassifier({ shuffle: false }), { classes: [0, 1], shuffleBlocks: false });
    const err = await inc.fit(X, y, { scheduler: 'sync' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).key).toMatch(/^partialFit-[0-9a-f]+-0-1$/);
    expect((err as Error).message).toMatch(/NaN at row 10, column 2/);
  });
});

describe('Pipeline on lazy arrays', () => {
  it('scaler → Incremental: out-of-core fit equals the in-memory pipeline fed the same blocks', async () => {
    const { X, y } = dataset(3000, 6, 600);
    X.mul(3).add(1e6); // expressions are lazy: nothing happens
    const Xs = X.mul(3).add(1e6);
    const pipe = makePipeline(
      new StandardScaler(),
      new Incremental(new SGDClassifier({ shuffle: false }), { classes: [0, 1], shuffleBlocks: false }),
    );
    await pipe.fit(Xs, y, { scheduler: threads2, memoryLimit: 50_000 });
    // Reference: numpy-style scaler on all rows, then partialFit block by block.
    const blocks = await blocksOf(Xs, y);
    const scaler = new StandardScaler();
    for (const b of blocks) scaler.partialFit(b.X);
    const sc = pipe.step(0) as StandardScaler;
    for (let j = 0; j < 6; j++) {
      expect(sc.mean_!.data[j]).toBeCloseTo(scaler.mean_!.data[j]!, 6);
      expect(Math.abs(sc.var_!.data[j]! / scaler.var_!.data[j]! - 1)).toBeLessThan(1e-9);
    }
    const clf = new SGDClassifier({ shuffle: false });
    for (const b of blocks) clf.partialFit(sc.transform(b.X), b.y, { classes: [0, 1] });
    const got = Array.from(((pipe.step(1) as Incremental).estimator_ as SGDClassifier).coef_.data);
    expect(got).toEqual(Array.from(clf.coef_.data));
    // Predictions and score, lazily, equal the in-memory pipeline's.
    const Xd = await Xs.compute({ scheduler: 'sync' });
    const yd = await y.compute({ scheduler: 'sync' });
    const mem = new Pipeline([
      ['s', sc],
      ['c', new ParallelPostFit(clf)],
    ]);
    mem.setParams({});
    const lazyPred = await pipe.predict(Xs).compute({ scheduler: threads2 });
    expect(Array.from(lazyPred.data)).toEqual(Array.from(clf.predict(sc.transform(Xd)).data));
    expect(await pipe.score(Xs, y, { scheduler: threads2 })).toBeCloseTo(clf.score(sc.transform(Xd), Float64Array.from(yd.data)), 12);
    expect(pipe.getParams()).toMatchObject({ standardscaler__withMean: true, incremental__estimator__shuffle: false });
  });

  it('fits MinMaxScaler and MaxAbsScaler from one pass of block extrema', async () => {
    const { X } = dataset(1500, 4, 400);
    const Xd = await X.compute({ scheduler: 'sync' });
    for (const Make of [MinMaxScaler, MaxAbsScaler]) {
      const lazy = makePipeline(new Make(), new ParallelPostFit(new MaxAbsScaler()));
      await lazy.fit(X, undefined, { scheduler: threads2 });
      const ref = new Make().fit(Xd);
      expect(lazy.step(0).getState()).toEqual(ref.getState());
      const t = await (lazy.step(0) instanceof MinMaxScaler ? lazy.transform(X) : lazy.transform(X)).compute({ scheduler: threads2 });
      expect(t.shape).toEqual([1500, 4]);
    }
  });

  it('names the block, row and column of a NaN met by the scaler statistics', async () => {
    const Xd = DenseArray.zeros([1000, 4]);
    for (let i = 0; i < 1000; i++) for (let j = 0; j < 4; j++) Xd.data[i * 4 + j] = ((i * 5 + j) % 7) - 3;
    Xd.data[610 * 4 + 1] = NaN; // block 2 (rows 500..749), row 110 of the block, column 1
    const X = fromArray(Xd, { chunks: [250, 4] });
    const y = fromArray(DenseArray.from(Array.from({ length: 1000 }, (_, i) => i % 2)), { chunks: [250] });
    const err = await makePipeline(new StandardScaler(), new Incremental(new SGDClassifier(), { classes: [0, 1] }))
      .fit(X, y, { scheduler: 'sync' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).key).toMatch(/^moments-[0-9a-f]+-block-2$/);
    expect((err as Error).message).toMatch(/NaN at row 110 of the block, column 1/);
  });

  it('explains what to do with an estimator that cannot fit lazily', async () => {
    const { X, y } = dataset(500, 3, 250);
    await expect(makePipeline(new StandardScaler(), new SGDClassifier()).fit(X, y, { scheduler: 'sync' })).rejects.toThrow(
      /SGDClassifier cannot be fitted on a lazy array directly. Wrap it in Incremental/,
    );
  });

  it('reaches steps by index and name, round-trips through JSON, and validates steps', async () => {
    const { X, y } = dataset(1000, 4, 250);
    const pipe = makePipeline(new StandardScaler(), new Incremental(new SGDRegressor({ shuffle: false }), { shuffleBlocks: false }));
    await pipe.fit(X, y, { scheduler: 'sync' });
    expect(pipe.step('standardscaler')).toBe(pipe.step(0));
    expect(pipe.step(-1)).toBe(pipe.steps[1]![1]);
    expect(() => pipe.step('nope')).toThrow("Pipeline has no step 'nope'; its steps are 'standardscaler', 'incremental'.");
    const back = estimatorFromJSON(JSON.parse(JSON.stringify(pipe))) as Pipeline;
    const a = await pipe.predict(X).compute({ scheduler: 'sync' });
    const b = await back.predict(X).compute({ scheduler: 'sync' });
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(typeof (await pipe.score(X, y, { scheduler: 'sync' }))).toBe('number');
    // Steps are validated at fit, as every hyperparameter.
    const small = DenseArray.from([
      [1, 2],
      [3, 4],
    ]);
    expect(() =>
      new Pipeline([
        ['a', new StandardScaler()],
        ['a', new StandardScaler()],
      ]).fit(small),
    ).toThrow(/names must be unique; 'a' appears twice/);
    expect(() => new Pipeline([]).fit(small)).toThrow(/non-empty array/);
    expect(() => pipe.predict(DenseArray.from([[1, 2, 3, 4]]))).not.toThrow();
  });
});

const python = '/usr/bin/python3';
const hasSklearn = existsSync(python) && spawnSync(python, ['-c', 'import sklearn, numpy'], { encoding: 'utf8' }).status === 0;

describe('against scikit-learn', () => {
  it.skipIf(!hasSklearn)("a numpy-written dataset fitted out-of-core gives scikit-learn's coefficients (shuffle off) to 1e-9", async () => {
    if (!hasSklearn) console.log('skipped: /usr/bin/python3 with numpy and scikit-learn is not available');
    const dir = mkdtempSync(join(tmpdir(), 'tessera-sk-'));
    try {
      const script = `
import numpy as np, json, sys
from sklearn.linear_model import SGDClassifier
rng = np.random.RandomState(0)
d = sys.argv[1]
sizes = [700, 700, 600]
X = rng.normal(size=(sum(sizes), 8)) * rng.uniform(1, 5, size=8) + rng.uniform(-3, 3, size=8)
y = (X[:, 0] - 0.5 * X[:, 3] + rng.normal(size=len(X)) > 0).astype(np.int32)
r = 0
for i, n in enumerate(sizes):
    np.save(f"{d}/X-{i:05d}.npy", X[r:r+n]); np.save(f"{d}/y-{i:05d}.npy", y[r:r+n]); r += n
mean, scale = X.mean(0), X.std(0)
clf = SGDClassifier(loss="hinge", random_state=2, shuffle=False)
r = 0
for n in sizes:
    clf.partial_fit((X[r:r+n] - mean) / scale, y[r:r+n], classes=[0, 1]); r += n
print(json.dumps({"coef": clf.coef_.ravel().tolist(), "intercept": clf.intercept_.tolist()}))
`;
      const r = spawnSync(python, ['-c', script, dir], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const ref = JSON.parse(r.stdout) as { coef: number[]; intercept: number[] };
      const { X, y } = await fromNpyDir(dir);
      const pipe = makePipeline(
        new StandardScaler(),
        new Incremental(new SGDClassifier({ loss: 'hinge', randomState: 2, shuffle: false }), { classes: [0, 1], shuffleBlocks: false }),
      );
      await pipe.fit(X!, y!, { scheduler: threads2 });
      const got = ((pipe.step(1) as Incremental).estimator_ as SGDClassifier).coef_.data;
      ref.coef.forEach((c, j) => expect(Math.abs(got[j]! - c)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(c))));
      const ic = ((pipe.step(1) as Incremental).estimator_ as SGDClassifier).intercept_.data[0]!;
      expect(Math.abs(ic - ref.intercept[0]!)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(ref.intercept[0]!)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
