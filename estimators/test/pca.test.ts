/**
 * PCA and TruncatedSVD fitted in parallel: scikit-learn 1.2's full-SVD PCA and arpack TruncatedSVD
 * (fixtures from fixtures/make_pca.py) to 1e-9 for the exact solvers, in memory and lazily over
 * random shapes and chunkings (blocks with fewer rows than columns included) on 1 and 2 threads;
 * the randomized solver to a stated tolerance on well-separated spectra; the lazy transform equal
 * to the in-memory one bit for bit; the number of passes over the data (counted from the tasks
 * that ran); a pipeline on a dataset directory; persistence and every error.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DenseArray, fromArray, fromNpyDir, toNpyDir } from '@tessera/array';
import { ThreadScheduler, type Scheduler } from '@tessera/scheduler';
import {
  Incremental,
  InvalidInputError,
  PCA,
  ParameterRangeError,
  SGDClassifier,
  StandardScaler,
  StateRangeError,
  TruncatedSVD,
  estimatorFromJSON,
  makePipeline,
  type PCAParams,
} from '@tessera/estimators';
import { Random, setTsqrBackend } from '@tessera/estimators/internal';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { TSQR_WASM_SOURCE_SHA256 } from '../src/decomposition/tsqr_wasm_bytes.js';
import { expectClose, fixture } from './helpers.js';

interface PcaCase {
  data: number;
  params: { n_components?: number | 'mle'; whiten?: boolean };
  components: number[][];
  explainedVariance: number[];
  explainedVarianceRatio: number[];
  singularValues: number[];
  mean: number[];
  noiseVariance: number;
  nComponents: number;
  transformed: number[][];
  inverse: number[][];
}
interface SvdCase {
  data: number;
  nComponents: number;
  components: number[][];
  explainedVariance: number[];
  explainedVarianceRatio: number[];
  singularValues: number[];
  transformed: number[][];
}
const F = fixture<{ data: number[][][]; pca: PcaCase[]; svd: SvdCase[] }>('pca.json');

let threads1: ThreadScheduler;
let threads2: ThreadScheduler;
const root = mkdtempSync(join(tmpdir(), 'tessera-pca-'));
beforeAll(() => {
  threads1 = new ThreadScheduler({ threads: 1 });
  threads2 = new ThreadScheduler({ threads: 2 });
});
afterAll(async () => {
  await threads1.close();
  await threads2.close();
  rmSync(root, { recursive: true, force: true });
});

function paramsOf(c: PcaCase): Partial<PCAParams> {
  return { nComponents: c.params.n_components ?? null, whiten: c.params.whiten ?? false };
}

/** The components whose singular value is not ~0 (the others are any orthonormal completion). */
function significant(c: { singularValues: number[] }): number {
  const top = c.singularValues[0]!;
  return c.singularValues.filter((s) => s > 1e-8 * top).length;
}

function expectPca(p: PCA, c: PcaCase, what: string, rel = 1e-9): void {
  expect(p.nComponents_, what).toBe(c.nComponents);
  const k = c.nComponents;
  const d = c.mean.length;
  const keep = Math.min(k, significant(c));
  expectClose(p.components_.data.slice(0, keep * d), c.components.slice(0, keep).flat(), `${what}: components_`, rel, 1e-11);
  expectClose(p.explainedVariance_.data, c.explainedVariance, `${what}: explainedVariance_`, rel, 1e-11);
  expectClose(p.explainedVarianceRatio_.data, c.explainedVarianceRatio, `${what}: explainedVarianceRatio_`, rel, 1e-11);
  expectClose(p.singularValues_.data, c.singularValues, `${what}: singularValues_`, rel, 1e-11);
  expectClose(p.mean_.data, c.mean, `${what}: mean_`, 1e-12, 1e-14);
  expectClose([p.noiseVariance_], [c.noiseVariance], `${what}: noiseVariance_`, rel, 1e-11);
  if (keep === k) {
    const T = F.data[c.data]!.slice(0, 7);
    expectClose(p.transform(T).data, c.transformed.flat(), `${what}: transform`, 1e-8, 1e-10);
    expectClose(p.inverseTransform(p.transform(T)).data, c.inverse.flat(), `${what}: inverseTransform`, 1e-9, 1e-10);
  }
}

function expectSvd(t: TruncatedSVD, c: SvdCase, what: string, rel = 1e-9): void {
  const d = F.data[c.data]![0]!.length;
  const keep = Math.min(c.nComponents, significant(c));
  expectClose(t.components_.data.slice(0, keep * d), c.components.slice(0, keep).flat(), `${what}: components_`, rel, 1e-11);
  expectClose(t.singularValues_.data, c.singularValues, `${what}: singularValues_`, rel, 1e-11);
  expectClose(t.explainedVariance_.data, c.explainedVariance, `${what}: explainedVariance_`, rel, 1e-11);
  expectClose(t.explainedVarianceRatio_.data, c.explainedVarianceRatio, `${what}: explainedVarianceRatio_`, rel, 1e-11);
  if (keep === c.nComponents)
    expectClose(t.transform(F.data[c.data]!.slice(0, 7)).data, c.transformed.flat(), `${what}: transform`, 1e-8, 1e-10);
}

/** Random row chunks of n rows, some shorter than the width (TSQR's blocks with fewer rows than columns). */
function randomChunks(rng: Random, n: number, d: number): number[] {
  const sizes: number[] = [];
  for (let left = n; left > 0;) {
    const s = Math.min(left, 1 + rng.below(rng.random() < 0.4 ? d : Math.max(2, Math.floor(n / 3))));
    sizes.push(s);
    left -= s;
  }
  return sizes;
}

describe('PCA against scikit-learn 1.2 (full-SVD solver)', () => {
  for (const [i, c] of F.pca.entries()) {
    it(`case ${i}: data ${c.data}, ${JSON.stringify(c.params)} — in memory, 'tsqr' and 'full'`, () => {
      for (const svdSolver of ['tsqr', 'full'] as const) {
        expectPca(new PCA({ ...paramsOf(c), svdSolver }).fit(F.data[c.data]!), c, `${svdSolver}`);
      }
    });
  }

  it('the JavaScript Householder update gives the same answers as the WebAssembly one (every case, in memory)', () => {
    const viaWasm = new PCA().fit(F.data[1]!).components_.data;
    setTsqrBackend('js');
    try {
      // The switch took effect: the two round differently in the last bits.
      expect(Array.from(new PCA().fit(F.data[1]!).components_.data)).not.toEqual(Array.from(viaWasm));
      for (const c of F.pca) expectPca(new PCA({ ...paramsOf(c), svdSolver: 'tsqr' }).fit(F.data[c.data]!), c, 'js backend');
      for (const c of F.svd)
        expectSvd(new TruncatedSVD({ nComponents: c.nComponents, randomState: 0 }).fit(F.data[c.data]!), c, 'js backend', 1e-8);
    } finally {
      setTsqrBackend('wasm');
    }
    // The WebAssembly bytes are those of the .wat source.
    const wat = readFileSync(new URL('../wasm/tsqr.wat', import.meta.url));
    expect(createHash('sha256').update(wat).digest('hex')).toBe(TSQR_WASM_SOURCE_SHA256);
  });

  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const c = F.pca[(seed * 5) % F.pca.length]!;
    const X = F.data[c.data]!;
    const [n, d] = [X.length, X[0]!.length];
    const label = seed % 3 === 0 ? 'sync' : seed % 3 === 1 ? '1 thread' : '2 threads';
    it(`lazy = in memory = scikit-learn over random chunkings (seed ${seed}, data ${c.data}, ${label})`, async () => {
      const scheduler: Scheduler | 'sync' = seed % 3 === 0 ? 'sync' : seed % 3 === 1 ? threads1 : threads2;
      const rng = new Random(seed);
      const chunks = randomChunks(rng, n, d);
      // Column blocks too (the fit takes whole rows).
      const lazyX = fromArray(X, { chunks: [chunks, seed % 2 === 0 ? [d] : [Math.ceil(d / 2), d - Math.ceil(d / 2)]] });
      for (const svdSolver of ['tsqr', 'full'] as const) {
        const lazy = await new PCA({ ...paramsOf(c), svdSolver }).fit(lazyX, { scheduler });
        expectPca(lazy, c, `lazy ${svdSolver}, chunks ${chunks.join(',')}`);
        const mem = new PCA({ ...paramsOf(c), svdSolver }).fit(X);
        const keep = Math.min(c.nComponents, significant(c)) * d;
        expectClose(lazy.components_.data.slice(0, keep), mem.components_.data.slice(0, keep), 'lazy vs in memory', 1e-10, 1e-12);
        // The lazy transform is the in-memory one, bit for bit.
        const T = await lazy.transform(lazyX).compute({ scheduler });
        expect(Array.from(T.data)).toEqual(Array.from(lazy.transform(X).data));
        const back = await lazy.inverseTransform(lazy.transform(lazyX)).compute({ scheduler });
        expect(Array.from(back.data)).toEqual(Array.from(lazy.inverseTransform(lazy.transform(X)).data));
      }
    });
  }
});

describe('TruncatedSVD against scikit-learn 1.2 (arpack)', () => {
  for (const [i, c] of F.svd.entries()) {
    it(`case ${i}: data ${c.data}, nComponents ${c.nComponents} — 'tsqr' in memory and lazily`, async () => {
      const X = F.data[c.data]!;
      expectSvd(new TruncatedSVD({ nComponents: c.nComponents, algorithm: 'tsqr' }).fit(X), c, 'in memory');
      const chunks = randomChunks(new Random(i + 10), X.length, X[0]!.length);
      const lazyX = fromArray(X, { chunks: [chunks, -1] });
      const lazy = await new TruncatedSVD({ nComponents: c.nComponents, algorithm: 'tsqr' }).fit(lazyX, {
        scheduler: i % 2 ? threads2 : 'sync',
      });
      expectSvd(lazy, c, `lazy, chunks ${chunks.join(',')}`);
      expect(Array.from((await lazy.transform(lazyX).compute({ scheduler: 'sync' })).data)).toEqual(Array.from(lazy.transform(X).data));
    });
  }
});

describe('the randomized solver (dask svd_compressed)', () => {
  // Well-separated spectra: tolerance 1e-9 relative with 4 power iterations and a sketch of k + 10 < d columns.
  it('PCA: matches the full-SVD components, variances and singular values to 1e-9 (sketch narrower than X)', async () => {
    const rs = new Random(7);
    const n = 400;
    const d = 30;
    const scales = [50, 20, 8, ...Array.from({ length: d - 3 }, () => 0.01)];
    const rows = Array.from({ length: n }, () => scales.map((s) => s * (rs.random() * 2 - 1) + 3));
    const exact = new PCA({ nComponents: 3, svdSolver: 'tsqr' }).fit(rows);
    for (const scheduler of ['sync', threads2] as const) {
      const p = await new PCA({ nComponents: 3, svdSolver: 'randomized', randomState: 0, iteratedPower: 4 }).fit(
        fromArray(rows, { chunks: [37, -1] }),
        { scheduler },
      );
      expectClose(p.components_.data, exact.components_.data, 'components_', 1e-9, 1e-11);
      expectClose(p.explainedVariance_.data, exact.explainedVariance_.data, 'explainedVariance_', 1e-9);
      expectClose(p.singularValues_.data, exact.singularValues_.data, 'singularValues_', 1e-9);
      expectClose(p.explainedVarianceRatio_.data, exact.explainedVarianceRatio_.data, 'explainedVarianceRatio_', 1e-9);
      expectClose([p.noiseVariance_], [exact.noiseVariance_], 'noiseVariance_', 1e-6);
    }
    // Same seed, same result; and the in-memory fit agrees.
    const a = new PCA({ nComponents: 3, svdSolver: 'randomized', randomState: 3 }).fit(rows);
    const b = new PCA({ nComponents: 3, svdSolver: 'randomized', randomState: 3 }).fit(rows);
    expect(Array.from(a.components_.data)).toEqual(Array.from(b.components_.data));
  });

  it('TruncatedSVD: matches arpack on the fixtures (sketch as wide as X: exact up to rounding)', async () => {
    for (const c of F.svd.filter((s) => s.nComponents === 3)) {
      const t = new TruncatedSVD({ nComponents: 3, randomState: 0 }).fit(F.data[c.data]!);
      expectSvd(t, c, `data ${c.data}`, 1e-8);
    }
  });
});

describe('passes over the data', () => {
  it('reads each block once per pass: tsqr 2, full 3, randomized iteratedPower + 2 (counted from the tasks run)', async () => {
    const rng = new Random(11);
    const n = 900;
    const d = 5;
    const X = Array.from({ length: n }, () => Array.from({ length: d }, (_, j) => (j + 1) * (rng.random() - 0.5) + j));
    const dir = join(root, 'passes');
    await toNpyDir(dir, { X: fromArray(X, { chunks: [200, -1] }) });
    const { X: lazyX } = await fromNpyDir(dir);
    const blocks = lazyX.numBlocks[0]!;
    expect(blocks).toBe(5);
    const count = async (params: Partial<PCAParams>): Promise<Map<string, number>> => {
      const kernels = new Map<string, number>();
      await new PCA(params).fit(lazyX, {
        scheduler: threads2,
        callbacks: [{ onTaskEnd: (e) => kernels.set(e.kernel, (kernels.get(e.kernel) ?? 0) + 1) }],
      });
      return kernels;
    };
    const tsqr = await count({ nComponents: 2, svdSolver: 'tsqr' });
    expect(tsqr.get('est.tsqrSketch')).toBe(blocks);
    expect(tsqr.get('est.svdProject')).toBe(blocks);
    // The reads are fused into those tasks: no read task of its own.
    expect([...tsqr.keys()].filter((k) => k.startsWith('array.'))).toEqual([]);
    const full = await count({ nComponents: 2, svdSolver: 'full' });
    expect(full.get('est.tsqrSketch')).toBe(blocks);
    expect(full.get('est.svdProject')).toBe(blocks);
    // The mean pass: one partial per block (whatever kernel the array package uses for it), then its tree.
    const partials = [...full].filter(([k]) => k.startsWith('array.') && !/reduceCombine|reduceFinal/.test(k));
    expect(partials.reduce((s, [, v]) => s + v, 0)).toBe(blocks);
    const randomized = await count({ nComponents: 2, svdSolver: 'randomized', iteratedPower: 3, randomState: 0 });
    expect(randomized.get('est.tsqrSketch')).toBe(4 * blocks);
    expect(randomized.get('est.svdProject')).toBe(blocks);
  });

  it('stays within a small memory budget (every task holds one block at most)', async () => {
    const rng = new Random(12);
    const X = Array.from({ length: 2000 }, () => Array.from({ length: 4 }, () => rng.random()));
    const lazyX = fromArray(X, { chunks: [100, -1] });
    const p = await new PCA({ nComponents: 2 }).fit(lazyX, { scheduler: threads2, memoryLimit: 20_000 });
    expectClose(p.components_.data, new PCA({ nComponents: 2 }).fit(X).components_.data, 'under a 20 kB budget', 1e-10, 1e-12);
  });
});

describe('PCA in a pipeline on a dataset directory', () => {
  it('StandardScaler → PCA → Incremental(SGDClassifier), fitted on lazy data on 2 threads', async () => {
    const rng = new Random(21);
    const n = 600;
    const d = 6;
    const y = Array.from({ length: n }, (_, i) => i % 2);
    const dense = y.map((c) => Array.from({ length: d }, (_, j) => (rng.random() - 0.5) * (j + 1) + 10 * j + c * 0.6 * (j + 1)));
    const dir = join(root, 'pipeline');
    await toNpyDir(dir, { X: fromArray(dense, { chunks: [150, -1] }), y: fromArray(y, { chunks: [150] }) });
    const { X, y: yLazy } = await fromNpyDir(dir);
    const sgd = new SGDClassifier({ randomState: 0, maxIter: 5, tol: null });
    const pipe = makePipeline(
      new StandardScaler(),
      new PCA({ nComponents: 4 }),
      new Incremental(sgd, { classes: [0, 1], shuffleBlocks: false }),
    );
    await pipe.fit(X, yLazy!, { scheduler: threads2 });
    // The PCA step: the PCA of the scaled data.
    const scaled = new StandardScaler().fit(dense).transform(dense);
    const pca = pipe.steps[1]![1] as PCA;
    expectClose(pca.components_.data, new PCA({ nComponents: 4 }).fit(scaled).components_.data, 'the PCA step', 1e-9, 1e-11);
    const pred = await pipe.predict(X).compute({ scheduler: threads2 });
    expect(Array.from(pred.data)).toEqual(Array.from(pipe.predict(dense).data));
    const accuracy = Array.from(pred.data as ArrayLike<number>).filter((p, i) => p === y[i]).length / n;
    expect(accuracy).toBeGreaterThan(0.8);
  });
});

describe('persistence', () => {
  it('round-trips PCA and TruncatedSVD through JSON; a tampered state names the field', () => {
    const X = F.data[0]!;
    for (const est of [new PCA({ nComponents: 3, whiten: true }).fit(X), new TruncatedSVD({ nComponents: 2, algorithm: 'tsqr' }).fit(X)]) {
      const back = estimatorFromJSON(JSON.parse(JSON.stringify(est))) as PCA | TruncatedSVD;
      expect(Array.from(back.transform(X).data)).toEqual(Array.from(est.transform(X).data));
    }
    const json = JSON.parse(JSON.stringify(new PCA({ nComponents: 3 }).fit(X)));
    json.state.nFeaturesIn_ = 5;
    expect(() => estimatorFromJSON(json)).toThrow(StateRangeError);
  });
});

describe('errors', () => {
  const X = F.data[0]!; // 240 × 6

  it('nComponents out of range names the parameter (in memory and lazily, before any pass)', async () => {
    expect(() => new PCA({ nComponents: 7 }).fit(X)).toThrow(ParameterRangeError);
    expect(() => new PCA({ nComponents: 7 }).fit(X)).toThrow(/nComponents=7 must be between 1 and min\(nSamples, nFeatures\)=6/);
    expect(() => new PCA({ nComponents: 0 }).fit(X)).toThrow(/'nComponents' parameter of PCA/);
    expect(() => new PCA({ nComponents: 1.5 }).fit(X)).toThrow(/'nComponents' parameter of PCA/);
    expect(() => new PCA({ nComponents: 0.5, svdSolver: 'randomized' }).fit(X)).toThrow(
      /nComponents=0.5 must be an int with svdSolver='randomized'/,
    );
    expect(() => new PCA({ nComponents: 'mle' }).fit(F.data[3]!)).toThrow(/nComponents='mle' is only supported if nSamples >= nFeatures/);
    expect(() => new TruncatedSVD({ nComponents: 7 }).fit(X)).toThrow(
      /TruncatedSVD: nComponents=7 must be at most min\(nSamples, nFeatures\)=6/,
    );
    let tasks = 0;
    const lazyX = fromArray(X, { chunks: [50, -1] });
    await expect(new PCA({ nComponents: 9 }).fit(lazyX, { scheduler: 'sync', callbacks: [{ onTaskEnd: () => tasks++ }] })).rejects.toThrow(
      ParameterRangeError,
    );
    expect(tasks).toBe(0);
  });

  it('a NaN names the block, its row there and in X, and the column (and the file for a dataset directory)', async () => {
    const bad = X.map((r) => [...r]);
    bad[123]![4] = Number.NaN;
    expect(() => new PCA().fit(bad)).toThrow(InvalidInputError);
    await expect(new PCA().fit(fromArray(bad, { chunks: [50, -1] }), { scheduler: threads2 })).rejects.toThrow(
      'PCA.fit: Input X contains NaN at row 23 of block 2 (row 123 of X), column 4.',
    );
    const dir = join(root, 'nan');
    await toNpyDir(dir, { X: fromArray(bad, { chunks: [100, -1] }) });
    const { X: fromDir } = await fromNpyDir(dir);
    await expect(new TruncatedSVD({ algorithm: 'tsqr' }).fit(fromDir, { scheduler: 'sync' })).rejects.toThrow(
      /TruncatedSVD.fit: Input X contains NaN at row 23 of block 1 \(row 123 of X\), column 4 \(row 23 of .*\.npy\)\./,
    );
  });

  it('transform and inverseTransform check the widths; unfitted use says so', async () => {
    const p = new PCA({ nComponents: 2 }).fit(X);
    expect(() => p.transform([[1, 2, 3]])).toThrow(/X has 3 features, but PCA is expecting 6 features as input/);
    expect(() => p.transform(fromArray([[1, 2, 3]]))).toThrow(/X has 3 features, but PCA is expecting 6 features as input/);
    expect(() => p.inverseTransform([[1, 2, 3]])).toThrow(/X has 3 columns, but the model has 2 components/);
    expect(() => p.inverseTransform(fromArray([[1, 2, 3]]))).toThrow(/X has 3 columns, but the model has 2 components/);
    expect(() => new PCA().transform(X)).toThrow(/not fitted/i);
    expect(() => new TruncatedSVD().fit([[1], [2]])).toThrow(/minimum of 2 is required/);
    await expect(new PCA().fit(fromArray([1, 2, 3]))).rejects.toThrow(/2-D array/);
  });

  it('fewer than 2 rows is refused (variances divide by n − 1); constant data gives zero variances, NaN ratios', async () => {
    expect(() => new PCA().fit([[1, 2, 3]])).toThrow(InvalidInputError);
    await expect(new PCA().fit(fromArray([[1, 2, 3]]), { scheduler: 'sync' })).rejects.toThrow(
      'PCA.fit: found array X with 1 sample(s), while a minimum of 2 is required.',
    );
    const constant = new PCA().fit(Array.from({ length: 10 }, () => [1, 2, 3]));
    expect(Array.from(constant.singularValues_.data)).toEqual([0, 0, 0]);
    expect(Array.from(constant.explainedVarianceRatio_.data).every(Number.isNaN)).toBe(true);
    expect(estimatorFromJSON(JSON.parse(JSON.stringify(constant))).getState()).toBeDefined();
  });

  it('empty blocks and float32 data', async () => {
    const mem = new PCA({ nComponents: 3 }).fit(X);
    const withEmpty = await new PCA({ nComponents: 3 }).fit(fromArray(X, { chunks: [[0, 100, 0, 140, 0], [6]] }), { scheduler: threads2 });
    expectClose(withEmpty.components_.data, mem.components_.data, 'empty blocks', 1e-10, 1e-12);
    const f32 = Float32Array.from(X.flat());
    const lazy32 = await new PCA({ nComponents: 3 }).fit(fromArray(new DenseArray(f32, [X.length, 6]), { chunks: [70, -1] }), {
      scheduler: 'sync',
    });
    const mem32 = new PCA({ nComponents: 3 }).fit(new DenseArray(Float64Array.from(f32), [X.length, 6]));
    expectClose(lazy32.components_.data, mem32.components_.data, 'float32', 1e-10, 1e-12);
  });

  it('fitTransform: in memory and lazily', async () => {
    const p = new PCA({ nComponents: 2 });
    const mem = p.fitTransform(X);
    const lazy = await new PCA({ nComponents: 2 }).fitTransform(fromArray(X, { chunks: [60, -1] }), { scheduler: 'sync' });
    expectClose((await lazy.compute({ scheduler: 'sync' })).data, mem.data, 'fitTransform', 1e-10, 1e-12);
    expect(mem).toBeInstanceOf(DenseArray);
  });
});
