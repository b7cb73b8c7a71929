/**
 * KMeans: scikit-learn 1.2's KMeans(algorithm='lloyd') from given centers, with k-means++ and with
 * random init at an integer random_state (fixtures from estimators/test/fixtures/make_kmeans.py:
 * centers, labels, inertia, nIter, score, transform to 1e-9, empty clusters relocated), the lazy
 * fit equal to the in-memory one over random chunkings (sync and threads), 1 and 2 threads
 * identical, k-means||, a pipeline on lazy data, persistence and every error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DenseArray, fromArray, makeBlobs, type NDArray } from '@tessera/array';
import { ThreadScheduler, withCallbacks, type Scheduler, type TaskEvent } from '@tessera/scheduler';
import {
  InvalidInputError,
  KMeans,
  NotFittedError,
  ParameterRangeError,
  ParameterTypeError,
  StandardScaler,
  StateRangeError,
  estimatorFromJSON,
  makePipeline,
  type KMeansParams,
} from '@tessera/estimators';
import { Random } from '@tessera/estimators/internal';
import { rowUniform } from '../src/cluster/kmeans_passes.js';
import { expectClose, fixture } from './helpers.js';

interface KMeansCase {
  name: string;
  data: number;
  params: Partial<KMeansParams> & { init: KMeansParams['init'] | number[][] };
  centers: number[][];
  labels: number[];
  inertia: number;
  nIter: number;
  score: number;
  transform: number[][];
}
interface KMeansFixture {
  sklearn: string;
  datasets: { X: number[][]; sw: number[] | null }[];
  cases: KMeansCase[];
}

const fx = fixture<KMeansFixture>('kmeans.json');

let threads: ThreadScheduler;
let one: ThreadScheduler;
beforeAll(() => {
  threads = new ThreadScheduler({ threads: 2 });
  one = new ThreadScheduler({ threads: 1 });
});
afterAll(async () => {
  await threads.close();
  await one.close();
});

function params(c: KMeansCase): Partial<KMeansParams> {
  return { ...(c.params as Partial<KMeansParams>) };
}

/** Random row chunks adding up to n. */
function randomChunks(rng: Random, n: number): number[] {
  const out: number[] = [];
  let left = n;
  while (left > 0) {
    const c = Math.min(left, 1 + rng.below(Math.max(1, Math.ceil(n / 3))));
    out.push(c);
    left -= c;
  }
  return out;
}

function checkAgainst(km: KMeans, c: KMeansCase, what: string): void {
  expectClose(km.clusterCenters_.data, c.centers.flat(), `${what} centers`);
  expectClose([km.inertia_], [c.inertia], `${what} inertia`);
  expect(km.nIter_, `${what} nIter`).toBe(c.nIter);
}

describe(`KMeans equals scikit-learn ${fx.sklearn}'s KMeans(algorithm='lloyd')`, () => {
  for (const c of fx.cases) {
    it(`in memory: ${c.name}`, () => {
      const ds = fx.datasets[c.data]!;
      const km = new KMeans(params(c)).fit(ds.X, ds.sw === null ? {} : { sampleWeight: ds.sw });
      checkAgainst(km, c, c.name);
      expect(Array.from((km.labels_ as DenseArray).data), 'labels_').toEqual(c.labels);
      expectClose([km.score(ds.X, ds.sw === null ? {} : { sampleWeight: ds.sw })], [c.score], 'score');
      expectClose(km.transform(ds.X.slice(0, 5)).data, c.transform.flat(), 'transform');
      expect(Array.from(km.predict(ds.X).data)).toEqual(c.labels);
    });
  }
});

describe('KMeans on lazy arrays equals the in-memory fit and scikit-learn', () => {
  fx.cases.forEach((c, i) => {
    // Every case with several blocks; every third on threads.
    it(`lazy, random chunking: ${c.name}`, async () => {
      const rng = new Random(100 + i);
      const ds = fx.datasets[c.data]!;
      const chunks = randomChunks(rng, ds.X.length);
      const X = fromArray(ds.X, { chunks: [chunks, -1] });
      const scheduler: Scheduler | 'sync' = i % 3 === 0 ? threads : 'sync';
      const sw = ds.sw === null ? {} : { sampleWeight: fromArray(ds.sw, { chunks: [randomChunks(rng, ds.X.length)] }) };
      const km = await new KMeans(params(c)).fit(X, { scheduler, ...sw });
      checkAgainst(km, c, `lazy ${c.name} chunks ${chunks.length}`);
      const labels = km.labels_ as NDArray;
      expect(Array.from((await labels.compute({ scheduler })).data), 'lazy labels_').toEqual(c.labels);
      expectClose([await km.score(X, { scheduler, ...sw })], [c.score], 'lazy score');
      expectClose((await km.transform(X.slice([0, 5])).compute({ scheduler })).data, c.transform.flat(), 'lazy transform');
    });
  });

  it('one block lazily is the in-memory fit bit for bit (every init)', async () => {
    const dense = (await makeBlobs({ nSamples: 900, nFeatures: 4, centers: 5, randomState: 3 }).X.compute()) as DenseArray<'float64'>;
    for (const init of ['k-means||', 'k-means++', 'random'] as const) {
      const p = { nClusters: 5, init, randomState: 7 };
      const mem = new KMeans(p).fit(dense);
      const lazy = await new KMeans(p).fit(fromArray(dense, { chunks: [900, -1] }), { scheduler: 'sync' });
      expect(Array.from(lazy.clusterCenters_.data), init).toEqual(Array.from(mem.clusterCenters_.data));
      expect(lazy.inertia_, init).toBe(mem.inertia_);
      expect(lazy.nIter_, init).toBe(mem.nIter_);
    }
  });

  it('1 and 2 threads give identical results (k-means||, weights)', async () => {
    const { X } = makeBlobs({ nSamples: 6000, nFeatures: 6, centers: 7, randomState: 11, chunks: [700, -1] });
    const sw = fromArray(
      Float64Array.from({ length: 6000 }, (_, i) => 0.5 + (i % 7) / 3),
      { chunks: [[1000, 2000, 3000]] },
    );
    const p = { nClusters: 7, randomState: 0 };
    const a = await new KMeans(p).fit(X, { scheduler: one, sampleWeight: sw });
    const b = await new KMeans(p).fit(X, { scheduler: threads, sampleWeight: sw });
    const s = await new KMeans(p).fit(X, { scheduler: 'sync', sampleWeight: sw });
    expect(b.getState()).toEqual(a.getState());
    expect(s.getState()).toEqual(a.getState());
  });

  it('reads X once per pass, one task per block on both workers: moments, each Lloyd iteration, the final inertia', async () => {
    const blobs = makeBlobs({ nSamples: 8000, nFeatures: 4, centers: 5, randomState: 6, chunks: [1000, -1] });
    const dense = (await blobs.X.compute()) as DenseArray<'float64'>;
    const init = dense.toArray().slice(0, 5) as number[][];
    const events: TaskEvent[] = [];
    const km = await withCallbacks([{ onTaskEnd: (e) => events.push(e) }], () =>
      new KMeans({ nClusters: 5, init }).fit(blobs.X, { scheduler: threads }),
    );
    const count = (kernel: string): number => events.filter((e) => e.kernel === kernel).length;
    expect(count('est.moments')).toBe(8);
    expect(count('est.kmeansLloyd')).toBe(8 * km.nIter_);
    expect(count('est.kmeansInertia')).toBe(8);
    expect(count('est.kmeansFarthest')).toBe(0);
    expect(new Set(events.filter((e) => e.kernel === 'est.kmeansLloyd').map((e) => e.worker)).size).toBe(2);
    // k-means||: at most initMaxIter rounds of one pass each, and one pass weighing the candidates.
    events.length = 0;
    const scalable = await withCallbacks([{ onTaskEnd: (e) => events.push(e) }], () =>
      new KMeans({ nClusters: 5, randomState: 0, initMaxIter: 3 }).fit(blobs.X, { scheduler: threads }),
    );
    expect(count('est.kmeansSample')).toBe(8 * 3);
    expect(count('est.kmeansLloyd')).toBe(8 * (scalable.nIter_ + 1));
  });

  it('k-means|| finds well separated blobs, whatever the chunking', async () => {
    const blobs = makeBlobs({ nSamples: 5000, nFeatures: 3, centers: 6, clusterStd: 0.3, randomState: 5 });
    const dense = (await blobs.X.compute()) as DenseArray<'float64'>;
    const truth = blobs.centers;
    const found: Float64Array[] = [];
    for (const chunks of [5000, 333, 1200]) {
      const km = await new KMeans({ nClusters: 6, randomState: 1 }).fit(fromArray(dense, { chunks: [chunks, -1] }), { scheduler: threads });
      found.push(km.clusterCenters_.data);
      // Every true center has a fitted center within 0.05.
      for (let t = 0; t < 6; t++) {
        let best = Infinity;
        for (let c = 0; c < 6; c++) {
          let dd = 0;
          for (let j = 0; j < 3; j++) dd += (truth.data[t * 3 + j]! - km.clusterCenters_.data[c * 3 + j]!) ** 2;
          best = Math.min(best, Math.sqrt(dd));
        }
        expect(best, `chunks ${chunks}, true center ${t}`).toBeLessThan(0.05);
      }
    }
    // The candidates drawn do not depend on the chunking: the same centers.
    expectClose(found[1]!, found[0]!, 'chunking 333 vs 5000', 1e-9);
    expectClose(found[2]!, found[0]!, 'chunking 1200 vs 5000', 1e-9);
  });

  it('k-means|| with fewer candidates than clusters fills in random rows; initMaxIter bounds the rounds', async () => {
    // ℓ = 0.05 rows per round: (almost surely) no candidate but the first, so 4 random rows fill in.
    const rows = Array.from({ length: 300 }, (_, i) => [i % 3, (i % 3) * 2]);
    const mem = new KMeans({ nClusters: 5, randomState: 4, oversamplingFactor: 0.01 }).fit(rows);
    const lazy = await new KMeans({ nClusters: 5, randomState: 4, oversamplingFactor: 0.01 }).fit(fromArray(rows, { chunks: [70, -1] }), {
      scheduler: 'sync',
    });
    expect(mem.clusterCenters_.shape).toEqual([5, 2]);
    expect(mem.inertia_).toBe(0);
    expect(Array.from(lazy.clusterCenters_.data)).toEqual(Array.from(mem.clusterCenters_.data));
    const dense = (await makeBlobs({
      nSamples: 3000,
      nFeatures: 3,
      centers: 5,
      clusterStd: 0.2,
      randomState: 8,
    }).X.compute()) as DenseArray<'float64'>;
    for (const initMaxIter of [1, null]) {
      const km = new KMeans({ nClusters: 5, randomState: 2, initMaxIter }).fit(dense);
      const ref = new KMeans({ nClusters: 5, init: 'k-means++', nInit: 5, randomState: 2 }).fit(dense);
      expect(km.inertia_, `initMaxIter ${initMaxIter}`).toBeLessThan(ref.inertia_ * 1.01);
    }
  });

  it('k-means|| draws each row with its own uniform in (0, 1), independent of the chunking', () => {
    const u = Array.from({ length: 20000 }, (_, r) => rowUniform(9, 2, r));
    expect(Math.min(...u)).toBeGreaterThan(0);
    expect(Math.max(...u)).toBeLessThan(1);
    const mean = u.reduce((a, b) => a + b, 0) / u.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(rowUniform(9, 2, 5)).not.toBe(rowUniform(9, 3, 5));
    expect(rowUniform(9, 2, 5)).not.toBe(rowUniform(10, 2, 5));
  });

  it('fits as a pipeline step behind a scaler on a lazy X, as in memory', async () => {
    const dense = (await makeBlobs({ nSamples: 3000, nFeatures: 5, centers: 4, randomState: 2 }).X.compute()) as DenseArray<'float64'>;
    const X = fromArray(dense, { chunks: [400, -1] });
    const pipe = makePipeline(new StandardScaler(), new KMeans({ nClusters: 4, init: 'k-means++', randomState: 3 }));
    await pipe.fit(X, undefined, { scheduler: threads });
    const sc = new StandardScaler().fit(dense);
    const km = new KMeans({ nClusters: 4, init: 'k-means++', randomState: 3 }).fit(sc.transform(dense));
    const fitted = pipe.steps[1]![1] as KMeans;
    expectClose(fitted.clusterCenters_.data, km.clusterCenters_.data, 'centers behind the scaler', 1e-9);
    expect(fitted.nIter_).toBe(km.nIter_);
    const pred = await pipe.predict(X).compute({ scheduler: threads });
    expect(Array.from(pred.data)).toEqual(Array.from(km.predict(sc.transform(dense)).data));
  });
});

describe('KMeans persistence and errors', () => {
  const X = [
    [1, 2],
    [1, 4],
    [1, 0],
    [10, 2],
    [10, 4],
    [10, 0],
  ];

  it('saves and reloads; a tampered state is refused naming the field', () => {
    const km = new KMeans({ nClusters: 2, init: 'k-means++', randomState: 0 }).fit(X);
    const back = estimatorFromJSON(JSON.parse(JSON.stringify(km))) as KMeans;
    expect(back.getState()).toEqual(km.getState());
    expect(Array.from(back.predict(X).data)).toEqual(Array.from(km.predict(X).data));
    const s = km.getState();
    expect(() => km.setState({ ...s, clusterCenters_: new DenseArray(new Float64Array(6), [3, 2]) })).toThrow(StateRangeError);
    expect(() => km.setState({ ...s, nFeaturesIn_: 3 })).toThrow(/clusterCenters_' has shape \(2, 2\) but nFeaturesIn_ is 3/);
  });

  it('a lazy fit keeps lazy labels, not saved with the model', async () => {
    const km = await new KMeans({ nClusters: 2, randomState: 0 }).fit(fromArray(X, { chunks: [4, -1] }), { scheduler: 'sync' });
    expect(Array.from((await (km.labels_ as NDArray).compute({ scheduler: 'sync' })).data)).toEqual(Array.from(km.predict(X).data));
    const back = estimatorFromJSON(JSON.parse(JSON.stringify(km))) as KMeans;
    expect(() => back.labels_).toThrow(/labels_ of a lazy fit are not saved with the model/);
  });

  it('checks its parameters and its input', async () => {
    expect(() => new KMeans().predict(X)).toThrow(NotFittedError);
    expect(() => new KMeans({ nClusters: 7 }).fit(X)).toThrow(InvalidInputError);
    expect(() => new KMeans({ nClusters: 7 }).fit(X)).toThrow(/nSamples=6 should be >= nClusters=7/);
    await expect(new KMeans({ nClusters: 7 }).fit(fromArray(X))).rejects.toThrow(/nSamples=6 should be >= nClusters=7/);
    expect(() => new KMeans({ nClusters: 2, init: 'kmeans' as never }).fit(X)).toThrow(ParameterRangeError);
    expect(() => new KMeans({ nClusters: 2, init: 5 as never }).fit(X)).toThrow(ParameterTypeError);
    expect(() => new KMeans({ nClusters: 3, init: [[0, 0]] }).fit(X)).toThrow(
      /must have one row per cluster: got 1 centers for nClusters=3/,
    );
    expect(() => new KMeans({ nClusters: 1, init: [[0, 0, 0]] }).fit(X)).toThrow(/initial centers \(init\) have 3 features but X has 2/);
    expect(() => new KMeans({ nClusters: 2, algorithm: 'elkan' as never }).fit(X)).toThrow(ParameterRangeError);
    expect(() => new KMeans({ nClusters: 2, oversamplingFactor: 0 }).fit(X)).toThrow(ParameterRangeError);
    expect(() => new KMeans({ nClusters: 2, tol: -1 }).fit(X)).toThrow(
      /The 'tol' parameter of KMeans must be a float in the range \[0, inf\)/,
    );
    expect(() => new KMeans({ nClusters: 2 }).fit([...X, [Number.NaN, 1]])).toThrow(/input X contains NaN at row 6, column 0/);
    await expect(
      new KMeans({ nClusters: 2 }).fit(fromArray([...X, [1, Number.POSITIVE_INFINITY]], { chunks: [3, -1] }), { scheduler: 'sync' }),
    ).rejects.toThrow(/infinity at row 0 of the block, column 1/);
    const km = new KMeans({ nClusters: 2, randomState: 0 }).fit(X);
    expect(() => km.predict([[1, 2, 3]])).toThrow(/X has 3 features, but KMeans is expecting 2 features as input/);
    expect(() => km.predict([[Number.NaN, 2]])).toThrow(InvalidInputError);
    expect(() => km.fit(X, { sampleWeight: [1, 2] })).toThrow(RangeError);
    await expect(km.fit(fromArray(X), { sampleWeight: [1, 1, 1, 1, 1, 1] as never })).rejects.toThrow(/sampleWeight must be one too/);
    expect(km.outputWidth('transform')).toBe(2);
  });
});
