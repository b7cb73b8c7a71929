/**
 * Estimators take lazy arrays on their own (issue 16): a standalone scaler or IncrementalPCA fits and
 * transforms a lazy dataset directory exactly as in memory; a model without an out-of-core fit of
 * its own says to wrap it; the declared estimator type decides what a lazy score means.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DenseArray, fromNpyDir, makeClassification, toNpyDir, type NDArray } from '@tessera/array';
import { readNpyHeader } from '@tessera/io';
import { ThreadScheduler } from '@tessera/scheduler';
import {
  IncrementalPCA,
  Incremental,
  ParallelPostFit,
  MaxAbsScaler,
  MiniBatchKMeans,
  MinMaxScaler,
  SGDClassifier,
  StandardScaler,
  makePipeline,
  type BaseEstimator,
} from '@tessera/estimators';
import { Random } from '@tessera/estimators/internal';

let dir = '';
let threads: ThreadScheduler;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-lazy-estimators-'));
  threads = new ThreadScheduler({ threads: 2 });
});
afterAll(async () => {
  await threads.close();
  await rm(dir, { recursive: true, force: true });
});

/** A dataset directory of random shape and chunking, and the same data in memory. */
async function dataset(seed: number): Promise<{ X: NDArray; y: NDArray; dense: DenseArray; rows: number; cols: number }> {
  const rng = new Random(seed);
  const rows = 200 + rng.below(1800);
  const cols = 3 + rng.below(10);
  const chunk = 37 + rng.below(400);
  const { X, y } = makeClassification({
    nSamples: rows,
    nFeatures: cols,
    nInformative: Math.min(3, cols),
    nRedundant: 0,
    randomState: seed,
    chunks: chunk,
  });
  const path = join(dir, `data-${seed}`);
  await toNpyDir(path, { X, y }, { scheduler: 'sync' });
  const ds = await fromNpyDir(path);
  return { X: ds.X, y: ds.y!, dense: await ds.X.compute({ scheduler: 'sync' }), rows, cols };
}

function state(est: BaseEstimator): Record<string, unknown> {
  return est.getState() as Record<string, unknown>;
}

function values(v: unknown): number[] {
  if (v === null || v === undefined) return [];
  if (typeof v === 'number') return [v];
  return Array.from((v as { data: ArrayLike<number> }).data);
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, rel: number, what: string): void {
  expect(a.length, what).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    const tol = rel * Math.max(1, Math.abs(b[i]!));
    expect(Math.abs(a[i]! - b[i]!), `${what}[${i}]: ${a[i]} vs ${b[i]}`).toBeLessThanOrEqual(tol);
  }
}

describe('a standalone transformer fits and transforms a lazy dataset directory', () => {
  for (const seed of [1, 2, 3]) {
    it(`StandardScaler, MinMaxScaler, MaxAbsScaler equal the in-memory fit (seed ${seed})`, async () => {
      const { X, dense } = await dataset(seed);
      const run = seed === 2 ? { scheduler: threads } : { scheduler: 'sync' as const };
      for (const make of [
        () => new StandardScaler(),
        () => new MinMaxScaler({ featureRange: [-1, 2] }),
        () => new MaxAbsScaler(),
        () => new StandardScaler({ withMean: false }),
      ]) {
        const lazy = make();
        const returned = await lazy.fit(X, run);
        expect(returned).toBe(lazy);
        const mem = make().fit(dense);
        const name = lazy.estimatorName;
        for (const [k, v] of Object.entries(state(mem))) {
          // Min/max are exact; means and variances are summed in another order (per block, then
          // Chan's combination), so they agree to rounding.
          close(values(state(lazy)[k]), values(v), name === 'StandardScaler' ? 1e-12 : 0, `${name}.${k}`);
        }
        const t = lazy.transform(X);
        expect(t.shape).toEqual(X.shape);
        close((await t.compute(run)).data, lazy.transform(dense).data, 0, `${name}.transform`);
        close((await t.compute(run)).data, mem.transform(dense).data, 1e-12, `${name}.transform vs in-memory fit`);
      }
    });
  }

  it('IncrementalPCA: the same batches as the in-memory fit, bit for bit, whatever the chunking', async () => {
    for (const seed of [4, 5, 6]) {
      const { X, dense, cols } = await dataset(seed);
      for (const options of [{ nComponents: 2 }, { nComponents: Math.min(3, cols), batchSize: 23, whiten: true }, {}]) {
        const lazy = await new IncrementalPCA(options).fit(X, { scheduler: seed === 5 ? threads : 'sync' });
        const mem = new IncrementalPCA(options).fit(dense);
        expect(lazy.batchSize_).toBe(mem.batchSize_);
        for (const [k, v] of Object.entries(state(mem)))
          expect(values(state(lazy)[k]), `${k} (seed ${seed}, ${JSON.stringify(options)})`).toEqual(values(v));
        const t = lazy.transform(X);
        expect(t.shape).toEqual([X.shape[0], mem.nComponents_]);
        expect(Array.from((await t.compute({ scheduler: 'sync' })).data)).toEqual(Array.from(mem.transform(dense).data));
      }
    }
  });

  it('a lazy fit validates first: an invalid hyperparameter rejects before any task', async () => {
    const { X } = await dataset(7);
    let tasks = 0;
    const callbacks = [{ onTaskStart: () => void tasks++ }];
    await expect(new MinMaxScaler({ featureRange: [2, 1] }).fit(X, { scheduler: 'sync', callbacks })).rejects.toThrow(
      /'featureRange' parameter of MinMaxScaler/,
    );
    await expect(new IncrementalPCA({ nComponents: -1 }).fit(X, { scheduler: 'sync', callbacks })).rejects.toThrow(
      /'nComponents' parameter of IncrementalPCA/,
    );
    expect(tasks).toBe(0);
  });

  it('a lazy X of the wrong width is refused before any task, in the scikit-learn words', async () => {
    const { X, dense } = await dataset(8);
    const sc = new StandardScaler().fit(dense);
    expect(() => sc.transform(X.slice(null, [0, X.shape[1]! - 1]))).toThrow(
      `X has ${X.shape[1]! - 1} features, but StandardScaler is expecting ${X.shape[1]} features as input.`,
    );
  });
});

describe('estimators without an out-of-core fit of their own', () => {
  it('a lazy X given to fit says to wrap the model', async () => {
    const { X, y } = await dataset(9);
    expect(() => new SGDClassifier().fit(X as never, y as never)).toThrow(
      /SGDClassifier: X is a lazy array \(NDArray\)\. SGDClassifier works on in-memory arrays: wrap it in Incremental \(partialFit block by block\) or ParallelPostFit/,
    );
    expect(() => new MiniBatchKMeans().partialFit(X as never)).toThrow(/wrap it in Incremental/);
  });

  it('a lazy score follows the declared type: accuracy, R², or an error for a clusterer', async () => {
    const { X, y } = await dataset(10);
    const clf = makePipeline(
      new StandardScaler(),
      new Incremental(new SGDClassifier({ randomState: 0 }), { classes: [0, 1], shuffleBlocks: false }),
    );
    await clf.fit(X, y, { scheduler: 'sync' });
    expect(clf.estimatorType).toBe('classifier');
    const acc = await clf.score(X, y, { scheduler: 'sync' });
    const dense = await X.compute({ scheduler: 'sync' });
    const yd = await y.compute({ scheduler: 'sync' });
    expect(acc).toBe(clf.score(dense, yd.data));
    const km = makePipeline(
      new StandardScaler(),
      new Incremental(new MiniBatchKMeans({ nClusters: 2, randomState: 0 }), { shuffleBlocks: false }),
    );
    await km.fit(X, undefined, { scheduler: 'sync' });
    expect(km.estimatorType).toBe('clusterer');
    await expect(km.score(X, y, { scheduler: 'sync' })).rejects.toThrow(
      /MiniBatchKMeans\.score on lazy arrays is defined for classifiers \(accuracy\) and regressors \(R²\); MiniBatchKMeans is a clusterer/,
    );
  });
});

describe('a bad value met out of core is named by its file and row there', () => {
  it('tile by tile (IncrementalPCA.transform) and whole blocks (a linear classifier) name the .npy file and its row', async () => {
    // 40 columns: tiles of 3 276 rows, so row 15 000 of a block lies in its fifth tile.
    const { X, y } = makeClassification({
      nSamples: 60_000,
      nFeatures: 40,
      nInformative: 2,
      nRedundant: 0,
      randomState: 3,
      chunks: 20_000,
    });
    const path = join(dir, 'with-nan');
    await toNpyDir(path, { X, y }, { scheduler: 'sync' });
    const clean = await fromNpyDir(path);
    const pca = await new IncrementalPCA({ nComponents: 2 }).fit(clean.X, { scheduler: 'sync' });
    const clf = await new Incremental(new SGDClassifier({ randomState: 0 }), { classes: [0, 1], shuffleBlocks: false }).fit(
      clean.X,
      clean.y!,
      {
        scheduler: 'sync',
      },
    );
    const file = join(path, 'X-00001.npy');
    const h = await readNpyHeader(file);
    const fh = await open(file, 'r+');
    await fh.write(new Uint8Array(new Float64Array([Number.NaN]).buffer), 0, 8, h.dataOffset + 8 * (15_000 * 40 + 2));
    await fh.close();
    const { X: bad } = await fromNpyDir(path);
    await expect(pca.transform(bad).compute({ scheduler: 'sync' })).rejects.toThrow(`NaN at row 15000, column 2 (row 15000 of ${file}).`);
    await expect(clf.predict(bad).compute({ scheduler: threads })).rejects.toThrow(`NaN at row 15000, column 2 (row 15000 of ${file}).`);
  });
});

describe('meta-estimators are known on the workers', () => {
  it('ParallelPostFit(Pipeline) predicts a lazy X on worker threads (the pipeline is rebuilt there by name)', async () => {
    const { X, y, dense } = await dataset(11);
    const yd = (await y.compute({ scheduler: 'sync' })).data;
    const ppf = new ParallelPostFit(makePipeline(new StandardScaler(), new SGDClassifier({ randomState: 0 }))).fit(dense, yd);
    const lazy = await ppf.predict(X).compute({ scheduler: threads });
    expect(Array.from(lazy.data)).toEqual(Array.from(ppf.predict(dense).data));
  });
});
