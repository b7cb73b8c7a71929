/**
 * KMeans' worker kernels: one task per row block for each pass of a parallel fit (kmeans_passes.ts
 * does the work). Registered by the package's index.ts; graph builders name them by
 * {@link KMeansKernel}, so a misspelt kernel is a compile error.
 */
import { farthestRows, inertiaPart, lloydParts, sampleParts } from './kmeans_passes.js';

/** The kernels' names. */
export const KMeansKernel = {
  /** A block's labels against the centers and its per-center Σ w·x, Σ w. */
  lloyd: 'est.kmeansLloyd',
  /** A block's rows farthest from their centers (relocation of empty clusters). */
  farthest: 'est.kmeansFarthest',
  /** A block's Σ w·‖x − c_label‖² (and labels). */
  inertia: 'est.kmeansInertia',
  /** A block's part of one k-means|| round. */
  sample: 'est.kmeansSample',
} as const;

const CALLER = 'KMeans.fit';

/** This module's kernels (registered by the package's index.ts). */
export const kernels = {
  [KMeansKernel.lloyd]: (X: unknown, sw: unknown, C: Float64Array, k: number, rowOffset: number) =>
    lloydParts(X, sw, C, k, rowOffset, CALLER),
  [KMeansKernel.farthest]: (X: unknown, sw: unknown, C: Float64Array, k: number, count: number, rowOffset: number) =>
    farthestRows(X, sw, C, k, count, rowOffset, CALLER),
  [KMeansKernel.inertia]: (X: unknown, sw: unknown, C: Float64Array, k: number, rowOffset: number) =>
    inertiaPart(X, sw, C, k, false, rowOffset, CALLER).inertia,
  [KMeansKernel.sample]: (
    X: unknown,
    sw: unknown,
    C: Float64Array,
    m: number,
    ell: number,
    seed: number,
    round: number,
    rowOffset: number,
  ) => sampleParts(X, sw, C, m, ell, seed, round, rowOffset, CALLER),
};
