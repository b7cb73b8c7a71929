/**
 * Workers import code lazily: a package's kernel module on the first task that needs it — not
 * every registered module at start; the estimators' kernel module brings every built-in estimator,
 * so a worker rebuilds any of them from a snapshot. Checked through the workers' own kernel
 * registry (which modules a thread has imported) and the built files, with the results compared
 * to the synchronous scheduler's.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { makeClassification, type NDArray } from '@tessera/array';
import { Graph, ThreadScheduler, registeredKernels, resolveKernel } from '@tessera/scheduler';
import { GaussianNB, Incremental, MLPClassifier, ParallelPostFit, SGDClassifier, StandardScaler, makePipeline } from '@tessera/estimators';

const probe = new Graph().add('m', { module: new URL('./fixtures/imported-modules.mjs', import.meta.url), export: 'imported' }, []);

/** The modules the pool's (single) worker has imported, as paths under the repository. */
async function importedBy(pool: ThreadScheduler): Promise<string[]> {
  const { m } = (await pool.run(probe, ['m'])) as { m: string[] };
  return m.map((u) => u.replace(/^.*?\/(scheduler|packages|estimators)\//, '$1/'));
}

const ARRAY_KERNELS = 'packages/array/dist/kernels.js';
const EST_KERNELS = 'estimators/dist/kernels.js';

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
    expect(atStart).not.toContain(EST_KERNELS);

    const { X } = data();
    const total = await X.sum().compute({ scheduler: p });
    expect(total).toEqual(await X.sum().compute({ scheduler: 'sync' }));
    const after = await importedBy(p);
    expect(after).toContain(ARRAY_KERNELS);
    expect(after).not.toContain(EST_KERNELS);
  });

  it("scaling and an SGD fit load the estimators' kernel module, with the same model as the sync scheduler", async () => {
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
    for (const m of [ARRAY_KERNELS, EST_KERNELS]) expect(loaded).toContain(m);
  });

  it('the estimator inside a pipeline step is rebuilt on a worker that never imported its module by name', async () => {
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
    expect(await importedBy(p)).toContain(EST_KERNELS);
  });

  it('estimators nested in a snapshot (ParallelPostFit of a Pipeline) are all known on the worker', async () => {
    const p = pool();
    const { X, y } = data();
    const [Xd, yd] = [await X.compute({ scheduler: 'sync' }), await y.compute({ scheduler: 'sync' })];
    const ppf = new ParallelPostFit(makePipeline(new StandardScaler(), new GaussianNB())).fit(Xd, yd);
    const got = await ppf.predict(X).compute({ scheduler: p });
    expect(Array.from(got.data)).toEqual(Array.from((await ppf.predict(X).compute({ scheduler: 'sync' })).data));
    expect(await importedBy(p)).toContain(EST_KERNELS);
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
    for (const m of [ARRAY_KERNELS, EST_KERNELS]) expect(loaded).toContain(m);
  });

  it('every est.* kernel is in the one kernel module the estimators register, which the build keeps as a file of its own', () => {
    const est = registeredKernels().filter((k) => k.startsWith('est.'));
    expect(est.length).toBeGreaterThan(20);
    for (const k of est) expect(resolveKernel(k)!.module, k).toMatch(/\/estimators\/(src|dist)\/kernels\.js$/);
    expect(existsSync(fileURLToPath(new URL('../../estimators/dist/kernels.js', import.meta.url)))).toBe(true);
    // The package is a few files, not one per module: what the bundled build is for.
    const built = readdirSync(fileURLToPath(new URL('../../estimators/dist/', import.meta.url)), { recursive: true });
    expect(built.filter((f) => String(f).endsWith('.js')).length).toBeLessThan(20);
  });
});
