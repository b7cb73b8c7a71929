/** Random arrays and synthetic datasets: values independent of chunking and threads; sklearn's structure. */
import { afterAll, describe, expect, it } from 'vitest';
import { computeAll, makeBlobs, makeClassification, makeRegression, random } from '@tessera/array';
import { SyncScheduler, ThreadScheduler } from '@tessera/scheduler';
import { philox } from '../src/kernels/philox.js';

const threads = new ThreadScheduler({ threads: 2 });
afterAll(() => threads.close());
const sync = new SyncScheduler();

describe('random', () => {
  it('is Philox4x32-10: the Random123 known-answer vectors', () => {
    const w = new Uint32Array(4);
    philox(0, 0, 0, 0, 0, 0, w);
    expect([...w].map((x) => x.toString(16))).toEqual(['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
    const f = 0xffffffff;
    philox(f, f, f, f, f, f, w);
    expect([...w].map((x) => x.toString(16))).toEqual(['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']);
    philox(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, w);
    expect([...w].map((x) => x.toString(16))).toEqual(['d16cfe09', '94fdcceb', '5001e420', '24126ea1']);
  });

  it('values depend on seed and position only, not on chunking or thread count', async () => {
    for (const distribution of ['uniform', 'normal', 'integers'] as const) {
      const a = await random([97, 5], { seed: 42, distribution, high: 10, chunks: [97, -1] }).compute({ scheduler: sync });
      const b = await random([97, 5], { seed: 42, distribution, high: 10, chunks: [13, 2] }).compute({ scheduler: threads });
      expect(Array.from(b.data)).toEqual(Array.from(a.data));
      const c = await random([97, 5], { seed: 43, distribution, high: 10 }).compute({ scheduler: sync });
      expect(Array.from(c.data)).not.toEqual(Array.from(a.data));
    }
  });

  it('has the moments of its distribution', async () => {
    const U = random([200_000], { seed: 1, chunks: 30_000 });
    const N = random([200_000], { seed: 1, distribution: 'normal', loc: 2, scale: 3, chunks: 30_000 });
    const [um, uv, nm, ns, umin, umax] = await computeAll([U.mean(), U.var(), N.mean(), N.std(), U.min(), U.max()], { scheduler: threads });
    expect(um!.data[0]).toBeCloseTo(0.5, 2);
    expect(uv!.data[0]).toBeCloseTo(1 / 12, 2);
    expect(nm!.data[0]).toBeCloseTo(2, 1);
    expect(ns!.data[0]).toBeCloseTo(3, 1);
    expect(umin!.data[0]).toBeGreaterThanOrEqual(0);
    expect(umax!.data[0]).toBeLessThan(1);
  });

  it('rejects bad parameters with the parameter named', () => {
    expect(() => random([3], { seed: -1 })).toThrow(/'seed' parameter must be an integer/);
    expect(() => random([3, 2, 1])).toThrow(/shape must be 1 or 2/);
    expect(() => random([3], { low: 2, high: 1 })).toThrow(/'high'/);
  });
});

describe('synthetic datasets', () => {
  it("makeClassification: scikit-learn's structure, exact cluster counts, independent of chunking", async () => {
    const opts = {
      nSamples: 5003,
      nFeatures: 8,
      nInformative: 3,
      nRedundant: 2,
      nRepeated: 1,
      nClasses: 3,
      nClustersPerClass: 2,
      flipY: 0,
      randomState: 7,
    };
    const a = makeClassification({ ...opts, chunks: 5003 });
    const b = makeClassification({ ...opts, chunks: 777 });
    const [xa, ya, xb, yb] = await computeAll([a.X, a.y, b.X, b.y], { scheduler: threads });
    expect(xa!.shape).toEqual([5003, 8]);
    expect(Array.from(xb!.data)).toEqual(Array.from(xa!.data));
    expect(Array.from(yb!.data)).toEqual(Array.from(ya!.data));
    // 6 clusters of 5003/6 → classes get 2 clusters each: counts 1668, 1668, 1667 (remainder first).
    const counts = [0, 0, 0];
    for (const v of ya!.data) counts[v]!++;
    expect(counts).toEqual([834 + 834, 834 + 834, 834 + 833].map((_, i) => [1668, 1668, 1667][i]));
    // Redundant features are linear combinations of informative ones: X has rank 3 + 0 + useless 2 (repeated duplicates a column).
    const cols = 8;
    const col = (j: number) => Array.from({ length: 5003 }, (_, r) => xa!.data[r * cols + j]!);
    const colsData = Array.from({ length: cols }, (_, j) => col(j));
    const dup = colsData.some((c, i) => colsData.some((d, j) => j > i && c.every((v, r) => Math.abs(v - d[r]!) < 1e-12)));
    expect(dup).toBe(true); // the repeated feature
    // Label noise: flipY = 0.5 changes about a third of labels (a random class may equal the true one).
    const noisy = makeClassification({ ...opts, flipY: 0.5, chunks: 1000 });
    const yn = await noisy.y.compute({ scheduler: sync });
    let changed = 0;
    for (let i = 0; i < 5003; i++) if (yn.data[i] !== ya!.data[i]) changed++;
    expect(changed / 5003).toBeGreaterThan(0.25);
    expect(changed / 5003).toBeLessThan(0.42);
  });

  it('makeClassification classes are separable with classSep large (class means differ)', async () => {
    const { X, y } = makeClassification({
      nSamples: 4000,
      nFeatures: 4,
      nInformative: 2,
      nRedundant: 0,
      nClustersPerClass: 1,
      classSep: 5,
      flipY: 0,
      shuffle: false,
      randomState: 3,
      chunks: 1000,
    });
    const [x, yy] = await computeAll([X, y], { scheduler: sync });
    const m = [new Array(4).fill(0), new Array(4).fill(0)];
    const c = [0, 0];
    for (let r = 0; r < 4000; r++) {
      const k = yy!.data[r]!;
      c[k]!++;
      for (let j = 0; j < 4; j++) m[k]![j] += x!.data[r * 4 + j]!;
    }
    const dist = Math.hypot(...m[0]!.map((v, j) => v / c[0]! - m[1]![j]! / c[1]!));
    expect(dist).toBeGreaterThan(5);
    expect(Array.from(yy!.data.subarray(0, 2000)).every((v) => v === 0)).toBe(true); // unshuffled: cluster 0 first
    expect(() => makeClassification({ nFeatures: 3, nInformative: 2, nRedundant: 2 })).toThrow(/nFeatures \(3\) must be at least/);
    expect(() => makeClassification({ nInformative: 1, nClasses: 3 })).toThrow(/must be at most 2 \*\* nInformative/);
    expect(() => makeClassification({ flipY: 2 })).toThrow(/'flipY' parameter of makeClassification must be a float in the range \[0, 1\]/);
  });

  it('makeRegression: y = X @ coef + bias exactly without noise', async () => {
    const { X, y, coef } = makeRegression({ nSamples: 300, nFeatures: 6, nInformative: 3, bias: 2.5, randomState: 1, chunks: 64 });
    const [x, yy, pred] = await computeAll([X, y, X.dot(coef).add(2.5)], { scheduler: threads });
    expect(coef.data.filter((v) => v !== 0).length).toBe(3);
    for (let r = 0; r < 300; r++) expect(yy!.data[r]).toBeCloseTo(pred!.data[r]!, 9);
    expect(x!.shape).toEqual([300, 6]);
  });

  it('makeBlobs: points around their centers, equal counts', async () => {
    const { X, y, centers } = makeBlobs({ nSamples: 3001, centers: 3, nFeatures: 2, clusterStd: 0.5, randomState: 2, chunks: 500 });
    const [x, yy] = await computeAll([X, y], { scheduler: threads });
    const counts = [0, 0, 0];
    for (let r = 0; r < 3001; r++) {
      const k = yy!.data[r]!;
      counts[k]!++;
      const d = Math.hypot(x!.data[2 * r]! - centers.data[2 * k]!, x!.data[2 * r + 1]! - centers.data[2 * k + 1]!);
      expect(d).toBeLessThan(5);
    }
    expect(counts).toEqual([1001, 1000, 1000]);
  });
});
