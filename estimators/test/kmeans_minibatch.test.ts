/**
 * MiniBatchKMeans draws as scikit-learn 1.2 does (issue 20 §1): with an integer randomState, `fit`
 * (validation subset, k-means++ / random init on initSize rows, nInit trials, minibatch sampling,
 * random reassignment, early stopping) and `partialFit` over a sequence of blocks (one generator
 * across calls) give scikit-learn's centers, counts, labels and inertia — fixtures from
 * estimators/test/fixtures/make_minibatch_kmeans.py in the default randomized configurations. The
 * generator's state travels with the learned state, so a chain rebuilt from snapshots (the worker
 * links of Incremental) continues the same stream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DenseArray, fromArray } from '@tessera/array';
import { ThreadScheduler } from '@tessera/scheduler';
import {
  Incremental,
  MiniBatchKMeans,
  StateRangeError,
  estimatorFromJSON,
  estimatorFromSnapshot,
  type MiniBatchKMeansParams,
} from '@tessera/estimators';
import { expectClose, fixture } from './helpers.js';

interface Snapshot {
  centers: number[][];
  counts: number[];
  labels: number[] | null;
  inertia: number | null;
  nSteps: number;
}
interface MiniBatchCase extends Partial<Snapshot> {
  name: string;
  kind: 'fit' | 'partial';
  data: number;
  seed: number;
  params: Record<string, unknown>;
  init?: number[][];
  nIter?: number;
  blocks?: number[];
  steps?: Snapshot[];
}
interface MiniBatchFixture {
  sklearn: string;
  datasets: { X: number[][]; sw: number[] | null }[];
  cases: MiniBatchCase[];
}

const fx = fixture<MiniBatchFixture>('minibatch_kmeans.json');

let threads: ThreadScheduler;
beforeAll(() => {
  threads = new ThreadScheduler({ threads: 2 });
});
afterAll(async () => {
  await threads.close();
});

/** The case's scikit-learn parameters in camelCase, with its seed and cluster count. */
function paramsOf(c: MiniBatchCase): Partial<MiniBatchKMeansParams> {
  const camel = (k: string): string => k.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
  const p = Object.fromEntries(Object.entries(c.params).map(([k, v]) => [camel(k), v])) as Partial<MiniBatchKMeansParams>;
  const k = (c.centers ?? c.steps![0]!.centers).length;
  return { nClusters: k, randomState: c.seed, ...p, ...(c.init === undefined ? {} : { init: c.init }) };
}

function check(km: MiniBatchKMeans, s: Snapshot, what: string): void {
  expectClose(km.clusterCenters_.data, s.centers.flat(), `${what} centers`);
  expectClose(km.counts_.data, s.counts, `${what} counts`);
  expect(km.nSteps_, `${what} nSteps`).toBe(s.nSteps);
  if (s.labels !== null) expect(Array.from(km.labels_.data), `${what} labels`).toEqual(s.labels);
  if (s.inertia !== null) expectClose([km.inertia_], [s.inertia], `${what} inertia`);
}

describe(`MiniBatchKMeans draws as scikit-learn ${fx.sklearn}'s with an integer random_state`, () => {
  for (const c of fx.cases) {
    const ds = fx.datasets[c.data]!;
    if (c.kind === 'fit') {
      it(`fit: ${c.name} ${JSON.stringify(c.params)}`, () => {
        const km = new MiniBatchKMeans(paramsOf(c)).fit(ds.X, ds.sw === null ? {} : { sampleWeight: ds.sw });
        check(km, c as Snapshot, c.name);
        expect(km.nIter_).toBe(c.nIter);
      });
      continue;
    }
    it(`partialFit over ${c.blocks!.length} blocks: ${c.name} ${JSON.stringify(c.params)}`, () => {
      const km = new MiniBatchKMeans(paramsOf(c));
      let a = 0;
      c.blocks!.forEach((b, i) => {
        km.partialFit(ds.X.slice(a, a + b), ds.sw === null ? {} : { sampleWeight: ds.sw.slice(a, a + b) });
        a += b;
        check(km, c.steps![i]!, `${c.name} after block ${i}`);
      });
    });

    it(`partialFit rebuilt from its snapshot / JSON between blocks continues the same stream: ${c.name}`, () => {
      let km = new MiniBatchKMeans(paramsOf(c));
      let a = 0;
      c.blocks!.forEach((b, i) => {
        km.partialFit(ds.X.slice(a, a + b), ds.sw === null ? {} : { sampleWeight: ds.sw.slice(a, a + b) });
        a += b;
        check(km, c.steps![i]!, `${c.name} after block ${i}`);
        km = (
          i % 2 === 0 ? estimatorFromSnapshot(structuredClone(km.snapshot())) : estimatorFromJSON(JSON.parse(JSON.stringify(km)))
        ) as MiniBatchKMeans;
      });
    });
  }

  it('Incremental on worker threads gives scikit-learn partial_fit over the same blocks', async () => {
    const c = fx.cases.find((x) => x.kind === 'partial' && x.params['init'] === 'random')!;
    const ds = fx.datasets[c.data]!;
    const X = fromArray(ds.X, { chunks: [c.blocks!, -1] });
    const inc = await new Incremental(new MiniBatchKMeans({ ...paramsOf(c) }), { shuffleBlocks: false }).fit(X, undefined, {
      scheduler: threads,
    });
    const km = inc.estimator_ as MiniBatchKMeans;
    // Unweighted here (Incremental's fit passes no weights): compare with an in-memory run, itself checked above when unweighted.
    const mem = new MiniBatchKMeans(paramsOf(c));
    let a = 0;
    for (const b of c.blocks!) {
      mem.partialFit(ds.X.slice(a, a + b));
      a += b;
    }
    expect(km.getState()).toEqual(mem.getState());
    const unweighted = fx.cases.find((x) => x.kind === 'partial' && fx.datasets[x.data]!.sw === null)!;
    const ds2 = fx.datasets[unweighted.data]!;
    const inc2 = await new Incremental(new MiniBatchKMeans(paramsOf(unweighted)), { shuffleBlocks: false }).fit(
      fromArray(ds2.X, { chunks: [unweighted.blocks!, -1] }),
      undefined,
      { scheduler: threads },
    );
    check(inc2.estimator_ as MiniBatchKMeans, unweighted.steps!.at(-1)!, `Incremental ${unweighted.name}`);
  });

  it('randomState null draws fresh entropy; the generator state is checked when loaded', () => {
    const X = fx.datasets[0]!.X;
    const a = new MiniBatchKMeans({ nClusters: 4, batchSize: 64 }).fit(X);
    const b = new MiniBatchKMeans({ nClusters: 4, batchSize: 64 }).fit(X);
    expect(Array.from(a.clusterCenters_.data)).not.toEqual(Array.from(b.clusterCenters_.data));
    const km = new MiniBatchKMeans({ nClusters: 4, randomState: 0 }).partialFit(X);
    const s = km.getState();
    expect(() => km.setState({ ...s, randomState_: new DenseArray(new Float64Array(10), [10]) })).toThrow(StateRangeError);
  });
});
