/**
 * The incremental estimators (MLP, MiniBatchKMeans, naive Bayes, IncrementalPCA) out of core: through Incremental and makePipeline on
 * lazy arrays read from dataset directories, with predictions / labels written back to disk. Every
 * out-of-core fit must equal the same estimator fed the same blocks in memory, bit for bit.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DenseArray, fromArray, fromNpyDir, makeBlobs, makeClassification, toNpyDir, type NDArray } from '@tessera/array';
import { TaskError, ThreadScheduler } from '@tessera/scheduler';
import {
  GaussianNB,
  Incremental,
  IncrementalPCA,
  MLPClassifier,
  MLPRegressor,
  MiniBatchKMeans,
  MultinomialNB,
  StandardScaler,
  makePipeline,
} from '@tessera/estimators';

const threads2 = new ThreadScheduler({ threads: 2 });
const root = mkdtempSync(join(tmpdir(), 'tessera-incremental-'));
afterAll(async () => {
  await threads2.close();
  rmSync(root, { recursive: true, force: true });
});
let dirs = 0;
const fresh = (name: string) => join(root, `${name}-${dirs++}`);

/** The blocks of a lazy X (and y) as in-memory arrays, in order. */
async function blocksOf(X: NDArray, y?: NDArray): Promise<{ X: DenseArray; y: Float64Array }[]> {
  const Xd = await X.compute({ scheduler: 'sync' });
  const yd = y === undefined ? undefined : await y.compute({ scheduler: 'sync' });
  const cols = X.shape[1]!;
  const out: { X: DenseArray; y: Float64Array }[] = [];
  let r = 0;
  for (const n of X.chunks[0]!) {
    out.push({
      X: new DenseArray(Xd.data.slice(r * cols, (r + n) * cols), [n, cols]),
      y: yd === undefined ? new Float64Array(0) : Float64Array.from(yd.data.subarray(r, r + n)),
    });
    r += n;
  }
  return out;
}

async function dataset(name: string, X: NDArray, y?: NDArray): Promise<{ X: NDArray; y: NDArray | undefined }> {
  const dir = fresh(name);
  await toNpyDir(dir, y === undefined ? { X } : { X, y });
  const ds = await fromNpyDir(dir);
  if (ds.X === undefined) throw new Error('expected X');
  return { X: ds.X, y: ds.y };
}

describe('MLP out of core', () => {
  it('makePipeline(StandardScaler, Incremental(MLPClassifier)) on a dataset directory equals the in-memory pipeline; predictions written to disk', async () => {
    const gen = makeClassification({
      nSamples: 2400,
      nFeatures: 6,
      nInformative: 4,
      nRedundant: 1,
      nClasses: 3,
      randomState: 5,
      chunks: 600,
    });
    const { X, y } = await dataset('mlp-data', gen.X.mul(2).add(5), gen.y);
    const params = { hiddenLayerSizes: [8], randomState: 0, batchSize: 50, learningRateInit: 0.01 } as const;
    const pipe = makePipeline(
      new StandardScaler(),
      new Incremental(new MLPClassifier(params), { classes: [0, 1, 2], shuffleBlocks: false }),
    );
    await pipe.fit(X, y!, { scheduler: threads2, memoryLimit: 200_000 });

    const sc = pipe.step(0) as StandardScaler;
    const ref = new MLPClassifier(params);
    const blocks = await blocksOf(X, y);
    for (const b of blocks) ref.partialFit(sc.transform(b.X), b.y, { classes: [0, 1, 2] });
    const got = (pipe.step(1) as Incremental).estimator_ as MLPClassifier;
    got.coefs_.forEach((w, l) => expect(Array.from(w.data)).toEqual(Array.from(ref.coefs_[l]!.data)));
    got.intercepts_.forEach((b, l) => expect(Array.from(b.data)).toEqual(Array.from(ref.intercepts_[l]!.data)));
    expect(Array.from(got.lossCurve_)).toEqual(Array.from(ref.lossCurve_));
    expect(got.t_).toBe(2400);

    const predDir = fresh('mlp-pred');
    await pipe.predict(X).toNpyDir(predDir);
    const back = await fromNpyDir(predDir, { yOnly: true });
    expect(back.X).toBeUndefined();
    const pred = await back.y!.compute({ scheduler: 'sync' });
    const Xd = await X.compute({ scheduler: 'sync' });
    expect(Array.from(pred.data)).toEqual(Array.from(ref.predict(sc.transform(Xd)).data));
    const proba = await pipe.predictProba(X).compute({ scheduler: threads2 });
    expect(proba.shape).toEqual([2400, 3]);
    expect(Array.from(proba.data)).toEqual(Array.from(ref.predictProba(sc.transform(Xd)).data));
    const acc = await pipe.score(X, y!, { scheduler: threads2 });
    expect(acc).toBeGreaterThan(0.6);
  });

  it('Incremental(MLPRegressor) over several epochs equals partialFit over the same block order, at any thread count', async () => {
    const gen = makeClassification({ nSamples: 1500, nFeatures: 5, nInformative: 3, nRedundant: 1, randomState: 9, chunks: 300 });
    const yReg = gen.X.sum(1);
    const params = {
      hiddenLayerSizes: [6, 3],
      activation: 'tanh',
      solver: 'sgd',
      learningRateInit: 0.01,
      randomState: 4,
      batchSize: 32,
    } as const;
    const models: number[][] = [];
    for (const threads of [1, 2]) {
      const s = new ThreadScheduler({ threads });
      try {
        const inc = new Incremental(new MLPRegressor(params), { randomState: 3, epochs: 2 });
        await inc.fit(gen.X, yReg, { scheduler: s });
        models.push((inc.estimator_ as MLPRegressor).coefs_.flatMap((w) => Array.from(w.data)));
      } finally {
        await s.close();
      }
    }
    expect(models[1]).toEqual(models[0]);
    // Without block shuffling, the chain equals partialFit over the blocks in order, epoch after epoch.
    const inc = new Incremental(new MLPRegressor(params), { shuffleBlocks: false, epochs: 2 });
    await inc.fit(gen.X, yReg, { scheduler: 'sync' });
    const ref = new MLPRegressor(params);
    const blocks = await blocksOf(gen.X, yReg);
    for (let e = 0; e < 2; e++) for (const b of blocks) ref.partialFit(b.X, b.y);
    expect((inc.estimator_ as MLPRegressor).coefs_.flatMap((w) => Array.from(w.data))).toEqual(
      ref.coefs_.flatMap((w) => Array.from(w.data)),
    );
    expect((inc.estimator_ as MLPRegressor).nIter_).toBe(10);
  });
});

describe('MiniBatchKMeans out of core', () => {
  it('clusters a dataset directory through Incremental; labels written to disk; transform lazily', async () => {
    const gen = makeBlobs({ nSamples: 3000, nFeatures: 4, centers: 4, randomState: 1, chunks: 500 });
    const { X } = await dataset('kmeans-data', gen.X);
    const inc = new Incremental(new MiniBatchKMeans({ nClusters: 4, randomState: 0 }), { shuffleBlocks: false });
    await inc.fit(X, undefined, { scheduler: threads2 });
    const ref = new MiniBatchKMeans({ nClusters: 4, randomState: 0 });
    for (const b of await blocksOf(X)) ref.partialFit(b.X);
    const km = inc.estimator_ as MiniBatchKMeans;
    expect(Array.from(km.clusterCenters_.data)).toEqual(Array.from(ref.clusterCenters_.data));
    expect(Array.from(km.counts_.data)).toEqual(Array.from(ref.counts_.data));
    expect(km.nSteps_).toBe(6);

    const labelDir = fresh('kmeans-labels');
    await inc.predict(X).toNpyDir(labelDir);
    const labels = await (await fromNpyDir(labelDir, { yOnly: true })).y.compute({ scheduler: 'sync' });
    const Xd = await X.compute({ scheduler: 'sync' });
    expect(Array.from(labels.data)).toEqual(Array.from(ref.predict(Xd).data));
    // Four well-separated blobs: each found cluster is one blob.
    const truth = await gen.y.compute({ scheduler: 'sync' });
    const pairs = new Set(Array.from(labels.data, (l, i) => `${l}-${truth.data[i]}`));
    expect(pairs.size).toBe(4);
    const dist = await inc.transform(X).compute({ scheduler: threads2 });
    expect(dist.shape).toEqual([3000, 4]);
    expect(Array.from(dist.data)).toEqual(Array.from(ref.transform(Xd).data));
  });
});

describe('naive Bayes and IncrementalPCA out of core', () => {
  it('Incremental(GaussianNB) equals partialFit block by block; probabilities lazily', async () => {
    const gen = makeClassification({
      nSamples: 2000,
      nFeatures: 5,
      nInformative: 3,
      nRedundant: 1,
      nClasses: 3,
      randomState: 2,
      chunks: 400,
    });
    const inc = new Incremental(new GaussianNB(), { classes: [0, 1, 2], shuffleBlocks: false });
    await inc.fit(gen.X, gen.y, { scheduler: threads2 });
    const ref = new GaussianNB();
    for (const b of await blocksOf(gen.X, gen.y)) ref.partialFit(b.X, b.y, { classes: [0, 1, 2] });
    const nb = inc.estimator_ as GaussianNB;
    expect(Array.from(nb.theta_.data)).toEqual(Array.from(ref.theta_.data));
    expect(Array.from(nb.var_.data)).toEqual(Array.from(ref.var_.data));
    const Xd = await gen.X.compute({ scheduler: 'sync' });
    const proba = await inc.predictProba(gen.X).compute({ scheduler: threads2 });
    expect(proba.shape).toEqual([2000, 3]);
    expect(Array.from(proba.data)).toEqual(Array.from(ref.predictProba(Xd).data));
  });

  it('makePipeline(StandardScaler, Incremental(IncrementalPCA)) transforms lazily to the components', async () => {
    const gen = makeClassification({ nSamples: 1800, nFeatures: 7, nInformative: 5, nRedundant: 2, randomState: 4, chunks: 450 });
    const { X } = await dataset('pca-data', gen.X.mul(3).add(1));
    const pipe = makePipeline(new StandardScaler(), new Incremental(new IncrementalPCA({ nComponents: 3 }), { shuffleBlocks: false }));
    await pipe.fit(X, undefined, { scheduler: threads2 });
    const sc = pipe.step(0) as StandardScaler;
    const ref = new IncrementalPCA({ nComponents: 3 });
    for (const b of await blocksOf(X)) ref.partialFit(sc.transform(b.X));
    const pca = (pipe.step(1) as Incremental).estimator_ as IncrementalPCA;
    expect(Array.from(pca.components_.data)).toEqual(Array.from(ref.components_.data));
    const Z = await pipe.transform(X).compute({ scheduler: threads2 });
    expect(Z.shape).toEqual([1800, 3]);
    const Xd = await X.compute({ scheduler: 'sync' });
    expect(Array.from(Z.data)).toEqual(Array.from(ref.transform(sc.transform(Xd)).data));
  });

  it('names the block, row and column of a negative count given to MultinomialNB', async () => {
    const Xd = DenseArray.zeros([1000, 3]);
    for (let i = 0; i < 3000; i++) Xd.data[i] = i % 5;
    Xd.data[(600 + 7) * 3 + 2] = -1; // block 2 (rows 500..749), row 107 of the block, column 2
    const X = fromArray(Xd, { chunks: [250, 3] });
    const y = fromArray(DenseArray.from(Array.from({ length: 1000 }, (_, i) => i % 2)), { chunks: [250] });
    const err = await new Incremental(new MultinomialNB(), { classes: [0, 1], shuffleBlocks: false })
      .fit(X, y, { scheduler: 'sync' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).key).toMatch(/^partialFit-[0-9a-f]+-0-2$/);
    expect((err as Error).message).toMatch(/negative value \(-1\) at row 107, column 2/);
  });
});

const python = '/usr/bin/python3';
const hasSklearn = (() => {
  try {
    return spawnSync(python, ['-c', 'import sklearn, numpy'], { encoding: 'utf8' }).status === 0;
  } catch {
    return false;
  }
})();

describe('against scikit-learn, end to end', () => {
  it.skipIf(!hasSklearn)(
    "a numpy-written dataset: the scaled MLP pipeline and MiniBatchKMeans out of core match scikit-learn's partial_fit to 1e-9",
    async () => {
      const dir = fresh('sk-data');
      const script = `
import json, sys, os, warnings
import numpy as np
from sklearn.neural_network import MLPClassifier
from sklearn.cluster import MiniBatchKMeans
warnings.simplefilter("ignore")
d = sys.argv[1]; os.makedirs(d)
rng = np.random.RandomState(0)
sizes = [500, 700, 300]
n = sum(sizes)
X = rng.normal(size=(n, 6)) * rng.uniform(1, 4, size=6) + rng.uniform(-3, 3, size=6)
y = ((X[:, 0] - X[:, 3]) > 0).astype(np.int32) + (X[:, 1] > 1).astype(np.int32)
r = 0
for i, m in enumerate(sizes):
    np.save(f"{d}/X-{i:05d}.npy", X[r:r+m]); np.save(f"{d}/y-{i:05d}.npy", y[r:r+m]); r += m
mean, scale = X.mean(0), X.std(0)
units = [6, 10, 3]
init = []
for a, b in zip(units[:-1], units[1:]):
    bound = np.sqrt(6.0 / (a + b))
    init.append((rng.uniform(-bound, bound, (a, b)), rng.uniform(-bound, bound, b)))
given = list(init)
class Given(MLPClassifier):
    def _init_coef(self, fan_in, fan_out, dtype):
        c, b = given.pop(0)
        return c.copy(), b.copy()
clf = Given(hidden_layer_sizes=(10,), shuffle=False, batch_size=64, random_state=0)
centers0 = X[[0, 1, 2, 3]].copy()
km = MiniBatchKMeans(n_clusters=4, init=centers0, n_init=1, random_state=0)
r = 0
for m in sizes:
    clf.partial_fit((X[r:r+m] - mean) / scale, y[r:r+m], classes=[0, 1, 2])
    km.partial_fit(X[r:r+m])
    r += m
print(json.dumps({
  "coefsInit": [c.tolist() for c, _ in init], "interceptsInit": [b.tolist() for _, b in init],
  "coefs": [c.ravel().tolist() for c in clf.coefs_], "intercepts": [b.tolist() for b in clf.intercepts_],
  "init": centers0.tolist(), "centers": km.cluster_centers_.ravel().tolist(),
}))
`;
      const r = spawnSync(python, ['-c', script, dir], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const ref = JSON.parse(r.stdout) as {
        coefsInit: number[][][];
        interceptsInit: number[][];
        coefs: number[][];
        intercepts: number[][];
        init: number[][];
        centers: number[];
      };
      const { X, y } = await fromNpyDir(dir);
      const close = (got: ArrayLike<number>, want: number[], label: string) =>
        want.forEach((v, i) => expect(Math.abs(got[i]! - v), `${label}[${i}]`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(v))));
      const pipe = makePipeline(
        new StandardScaler(),
        new Incremental(
          new MLPClassifier({
            hiddenLayerSizes: [10],
            shuffle: false,
            batchSize: 64,
            coefsInit: ref.coefsInit,
            interceptsInit: ref.interceptsInit,
          }),
          { classes: [0, 1, 2], shuffleBlocks: false },
        ),
      );
      await pipe.fit(X!, y!, { scheduler: threads2 });
      const mlp = (pipe.step(1) as Incremental).estimator_ as MLPClassifier;
      mlp.coefs_.forEach((w, l) => close(w.data, ref.coefs[l]!, `coefs_[${l}]`));
      mlp.intercepts_.forEach((b, l) => close(b.data, ref.intercepts[l]!, `intercepts_[${l}]`));
      const inc = new Incremental(new MiniBatchKMeans({ nClusters: 4, init: ref.init, nInit: 1 }), { shuffleBlocks: false });
      await inc.fit(X!, undefined, { scheduler: threads2 });
      close((inc.estimator_ as MiniBatchKMeans).clusterCenters_.data, ref.centers, 'clusterCenters_');
    },
  );
});
