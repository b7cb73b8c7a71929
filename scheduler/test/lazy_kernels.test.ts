/**
 * Workers import code lazily: a kernel module on the first task that needs it, and an estimator's
 * module on the first task whose arguments name that class — not every registered module at
 * start. Checked through the workers' own kernel registry (which modules a thread has imported),
 * with the results compared to the synchronous scheduler's.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { makeClassification, type NDArray } from '@tessera/array';
import { Graph, ThreadScheduler } from '@tessera/scheduler';
import {
  GaussianNB,
  Incremental,
  MLPClassifier,
  ParallelPostFit,
  SGDClassifier,
  StandardScaler,
  makePipeline,
  registeredEstimators,
} from '@tessera/estimators';

const probe = new Graph().add('m', { module: new URL('./fixtures/imported-modules.mjs', import.meta.url), export: 'imported' }, []);

/** The modules the pool's (single) worker has imported, as paths under the repository. */
async function importedBy(pool: ThreadScheduler): Promise<string[]> {
  const { m } = (await pool.run(probe, ['m'])) as { m: string[] };
  return m.map((u) => u.replace(/^.*?\/(scheduler|packages|estimators)\//, '$1/'));
}

const ARRAY_KERNELS = 'packages/array/dist/kernels.js';
const OOC_KERNELS = 'estimators/dist/ooc/kernels.js';
const MLP = 'estimators/dist/neural_network/multilayer_perceptron.js';
const SGD = 'estimators/dist/linear_model/sgd_classifier.js';
const SCALERS = 'estimators/dist/preprocessing/scalers.js';
const NB = 'estimators/dist/naive_bayes/gaussian_nb.js';
const OTHERS = [
  'estimators/dist/cluster/kmeans.js',
  'estimators/dist/decomposition/pca.js',
  'estimators/dist/linear_model/logistic_regression.js',
];

function data(): { X: NDArray; y: NDArray } {
  return makeClassification({ nSamples: 1200, nFeatures: 5, nInformative: 3, nRedundant: 1, randomState: 3, chunks: 300 });
}

const pools: ThreadScheduler[] = [];
function pool(options: ConstructorParameters<typeof ThreadScheduler>[0] = {}): ThreadScheduler {
  const p = new ThreadScheduler({ threads: 1, ...options });
  pools.push(p);
  return p;
}
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe('lazy kernel loading on worker threads', () => {
  it('a worker imports no kernel module before a task needs one, and an array reduction loads no estimator code', async () => {
    const p = pool();
    await p.ready();
    const atStart = await importedBy(p);
    expect(atStart).not.toContain(ARRAY_KERNELS);
    expect(atStart).not.toContain(OOC_KERNELS);

    const { X } = data();
    const total = await X.sum().compute({ scheduler: p });
    expect(total).toEqual(await X.sum().compute({ scheduler: 'sync' }));
    const after = await importedBy(p);
    expect(after).toContain(ARRAY_KERNELS);
    for (const m of [OOC_KERNELS, MLP, SGD, ...OTHERS]) expect(after).not.toContain(m);
  });

  it('scaling and an SGD fit load the scaler and SGD modules only, with the same model as the sync scheduler', async () => {
    const p = pool();
    const fitOn = async (scheduler: ThreadScheduler | 'sync') => {
      const { X, y } = data();
      const scaler = await new StandardScaler().fit(X, { scheduler });
      const inc = new Incremental(new SGDClassifier({ shuffle: false, randomState: 0 }), { classes: [0, 1], shuffleBlocks: false });
      await inc.fit(scaler.transform(X), y, { scheduler });
      const pred = await inc.predict(scaler.transform(X)).compute({ scheduler });
      return { coef: Array.from((inc.estimator_ as SGDClassifier).coef_.data), pred: Array.from(pred.data) };
    };
    expect(await fitOn(p)).toEqual(await fitOn('sync'));
    const loaded = await importedBy(p);
    for (const m of [ARRAY_KERNELS, OOC_KERNELS, SGD]) expect(loaded).toContain(m);
    for (const m of [MLP, ...OTHERS]) expect(loaded).not.toContain(m);
  });

  it('the estimator inside a pipeline step is imported on the first task that names it, and only that one', async () => {
    const p = pool();
    const params = { hiddenLayerSizes: [4], randomState: 0, batchSize: 100 } as const;
    const fitOn = async (scheduler: ThreadScheduler | 'sync') => {
      const { X, y } = data();
      const pipe = makePipeline(
        new StandardScaler(),
        new Incremental(new MLPClassifier(params), { classes: [0, 1], shuffleBlocks: false }),
      );
      await pipe.fit(X, y, { scheduler });
      return Array.from((await pipe.predict(X).compute({ scheduler })).data);
    };
    expect(await fitOn(p)).toEqual(await fitOn('sync'));
    const loaded = await importedBy(p);
    expect(loaded).toContain(MLP);
    expect(loaded).not.toContain(SGD);
    for (const m of OTHERS) expect(loaded).not.toContain(m);
  });

  it('estimators nested in a snapshot (ParallelPostFit of a Pipeline) are all imported before the task', async () => {
    const p = pool();
    const { X, y } = data();
    const [Xd, yd] = [await X.compute({ scheduler: 'sync' }), await y.compute({ scheduler: 'sync' })];
    const ppf = new ParallelPostFit(makePipeline(new StandardScaler(), new GaussianNB())).fit(Xd, yd);
    const got = await ppf.predict(X).compute({ scheduler: p });
    expect(Array.from(got.data)).toEqual(Array.from((await ppf.predict(X).compute({ scheduler: 'sync' })).data));
    const loaded = await importedBy(p);
    for (const m of [SCALERS, NB]) expect(loaded).toContain(m);
    for (const m of [MLP, SGD, ...OTHERS]) expect(loaded).not.toContain(m);
  });

  it("a worker does not load piscina's pool implementation (only the pool on the main thread needs it)", async () => {
    const p = pool();
    const { X } = data();
    await X.sum().compute({ scheduler: p });
    const g = new Graph().add('r', { module: new URL('./fixtures/imported-modules.mjs', import.meta.url), export: 'required' }, []);
    const { r } = (await p.run(g, ['r'])) as { r: string[] };
    expect(r.some((f) => /piscina[\\/]dist[\\/]worker\.js$/.test(f))).toBe(true);
    expect(r.filter((f) => /piscina[\\/]dist[\\/](index|main|worker_pool[\\/]index)\.js$/.test(f))).toEqual([]);
  });

  it('preload: true imports every registered kernel module when the worker starts', async () => {
    const p = pool({ preload: true });
    await p.ready();
    const loaded = await importedBy(p);
    for (const m of [ARRAY_KERNELS, OOC_KERNELS]) expect(loaded).toContain(m);
  });

  it('the lazy table knows where every built-in estimator is defined, and the build keeps each of those modules', async () => {
    // The source module (internal, not exported); the bundled build keeps each module it names
    // as an entry of its own at the same path (scripts/build.mjs), which is what workers import.
    const source = new URL('../../estimators/src/estimator_modules.ts', import.meta.url).href;
    const { ESTIMATOR_MODULES } = (await import(source)) as {
      ESTIMATOR_MODULES: Record<string, string>;
    };
    expect(Object.keys(ESTIMATOR_MODULES).sort()).toEqual(registeredEstimators());
    for (const m of new Set(Object.values(ESTIMATOR_MODULES)))
      expect(existsSync(fileURLToPath(new URL(m, new URL('../../estimators/dist/', import.meta.url)))), m).toBe(true);
  });
});
