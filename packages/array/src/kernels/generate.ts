/**
 * Source readers of generated data: seeded random arrays and the synthetic datasets. Every value
 * is a function of (seed, stream, position) through the counter-based generator (philox.ts), so a
 * block is generated where it is consumed, in any order, on any thread, with the same result.
 */
import type { TypedArray } from '../dense.js';
import { fillNormal, fillUniform, makePermutation } from './philox.js';
import type { ReaderContext } from './stream.js';

type Key = readonly [number, number];

export interface RandomParams {
  readonly key: Key;
  readonly stream: number;
  readonly dist: 'uniform' | 'normal' | 'integers';
  /** uniform: low; normal: loc; integers: low. */
  readonly a: number;
  /** uniform: high - low; normal: scale; integers: high - low. */
  readonly b: number;
  /** Row length of the whole array (positions are row * width + column). */
  readonly width: number;
}

export function readRandom(p: RandomParams, r0: number, r1: number, c0: number, c1: number, out: TypedArray, outOffset: number): void {
  const w = c1 - c0;
  if (p.dist === 'integers') {
    const tmp = new Float64Array(w);
    for (let r = r0; r < r1; r++) {
      fillUniform(p.key, p.stream, r * p.width + c0, w, tmp, 0);
      const o = outOffset + (r - r0) * w;
      for (let c = 0; c < w; c++) out[o + c] = p.a + Math.floor(p.b * tmp[c]!);
    }
    return;
  }
  const fill = p.dist === 'normal' ? fillNormal : fillUniform;
  if (c0 === 0 && c1 === p.width && out instanceof Float64Array) {
    fill(p.key, p.stream, r0 * p.width, (r1 - r0) * w, out, outOffset, p.a, p.b);
    return;
  }
  for (let r = r0; r < r1; r++) fill(p.key, p.stream, r * p.width + c0, w, out, outOffset + (r - r0) * w, p.a, p.b);
}

/** The cluster of sorted position `pos` when `n` samples are split over `k` clusters, remainder first. */
export function clusterOf(pos: number, n: number, k: number): number {
  const base = Math.floor(n / k);
  const rem = n % k;
  const big = rem * (base + 1);
  return pos < big ? Math.floor(pos / (base + 1)) : rem + Math.floor((pos - big) / base);
}

/** Cached permutation functions per stream context. */
function permutation(ctx: ReaderContext, n: number, key: Key, stream: number): (i: number) => number {
  if (stream < 0) return (i) => i;
  const id = `perm:${n}:${key[0]}:${key[1]}:${stream}`;
  let f = ctx.state.get(id) as ((i: number) => number) | undefined;
  if (!f) {
    f = makePermutation(n, key, stream);
    ctx.state.set(id, f);
  }
  return f;
}

export interface ClassificationParams {
  readonly key: Key;
  readonly nSamples: number;
  readonly nClusters: number;
  readonly nClasses: number;
  readonly nInformative: number;
  readonly nRedundant: number;
  readonly nRepeated: number;
  readonly nFeatures: number;
  /** nClusters × nInformative. */
  readonly centroids: readonly number[];
  /** nClusters × nInformative × nInformative (row-major per cluster). */
  readonly covariances: readonly number[];
  /** nInformative × nRedundant. */
  readonly redundant: readonly number[];
  readonly repeated: readonly number[];
  readonly shift: readonly number[];
  readonly scale: readonly number[];
  /** Output column j holds internal feature featurePerm[j]. */
  readonly featurePerm: readonly number[];
  readonly flipY: number;
  readonly streams: { readonly perm: number; readonly informative: number; readonly useless: number; readonly flip: number };
}

export function readClassificationX(
  p: ClassificationParams,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  out: TypedArray,
  outOffset: number,
  ctx: ReaderContext,
): void {
  const perm = permutation(ctx, p.nSamples, p.key, p.streams.perm);
  const nInf = p.nInformative;
  const nUseless = p.nFeatures - nInf - p.nRedundant - p.nRepeated;
  const z = new Float64Array(nInf);
  const x = new Float64Array(p.nFeatures);
  const w = c1 - c0;
  for (let r = r0; r < r1; r++) {
    const k = clusterOf(perm(r), p.nSamples, p.nClusters);
    fillNormal(p.key, p.streams.informative, r * nInf, nInf, z, 0);
    const A = k * nInf * nInf;
    for (let j = 0; j < nInf; j++) {
      let s = p.centroids[k * nInf + j]!;
      for (let i = 0; i < nInf; i++) s += z[i]! * p.covariances[A + i * nInf + j]!;
      x[j] = s;
    }
    for (let j = 0; j < p.nRedundant; j++) {
      let s = 0;
      for (let i = 0; i < nInf; i++) s += x[i]! * p.redundant[i * p.nRedundant + j]!;
      x[nInf + j] = s;
    }
    for (let j = 0; j < p.nRepeated; j++) x[nInf + p.nRedundant + j] = x[p.repeated[j]!]!;
    if (nUseless > 0) fillNormal(p.key, p.streams.useless, r * nUseless, nUseless, x, p.nFeatures - nUseless);
    const o = outOffset + (r - r0) * w;
    for (let c = c0; c < c1; c++) {
      const f = p.featurePerm[c]!;
      out[o + c - c0] = (x[f]! + p.shift[f]!) * p.scale[f]!;
    }
  }
}

export function readClassificationY(
  p: ClassificationParams,
  r0: number,
  r1: number,
  _c0: number,
  _c1: number,
  out: TypedArray,
  outOffset: number,
  ctx: ReaderContext,
): void {
  const perm = permutation(ctx, p.nSamples, p.key, p.streams.perm);
  const u = new Float64Array(2);
  for (let r = r0; r < r1; r++) {
    let y = clusterOf(perm(r), p.nSamples, p.nClusters) % p.nClasses;
    if (p.flipY > 0) {
      fillUniform(p.key, p.streams.flip, 2 * r, 2, u, 0);
      if (u[0]! < p.flipY) y = Math.floor(u[1]! * p.nClasses);
    }
    out[outOffset + r - r0] = y;
  }
}

export interface RegressionYParams {
  readonly key: Key;
  readonly xStream: number;
  readonly noiseStream: number;
  readonly width: number;
  readonly informative: readonly number[];
  readonly coef: readonly number[];
  readonly bias: number;
  readonly noise: number;
}

export function readRegressionY(
  p: RegressionYParams,
  r0: number,
  r1: number,
  _c0: number,
  _c1: number,
  out: TypedArray,
  outOffset: number,
): void {
  const one = new Float64Array(1);
  const noise = new Float64Array(r1 - r0);
  if (p.noise > 0) fillNormal(p.key, p.noiseStream, r0, r1 - r0, noise, 0);
  for (let r = r0; r < r1; r++) {
    let s = p.bias;
    for (let t = 0; t < p.informative.length; t++) {
      fillNormal(p.key, p.xStream, r * p.width + p.informative[t]!, 1, one, 0);
      s += p.coef[t]! * one[0]!;
    }
    out[outOffset + r - r0] = s + p.noise * noise[r - r0]!;
  }
}

export interface BlobsParams {
  readonly key: Key;
  readonly nSamples: number;
  readonly nFeatures: number;
  readonly nCenters: number;
  /** nCenters × nFeatures. */
  readonly centers: readonly number[];
  readonly std: readonly number[];
  readonly streams: { readonly perm: number; readonly x: number };
}

export function readBlobsX(
  p: BlobsParams,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  out: TypedArray,
  outOffset: number,
  ctx: ReaderContext,
): void {
  const perm = permutation(ctx, p.nSamples, p.key, p.streams.perm);
  const w = c1 - c0;
  const z = new Float64Array(w);
  for (let r = r0; r < r1; r++) {
    const k = clusterOf(perm(r), p.nSamples, p.nCenters);
    fillNormal(p.key, p.streams.x, r * p.nFeatures + c0, w, z, 0);
    const o = outOffset + (r - r0) * w;
    for (let c = 0; c < w; c++) out[o + c] = p.centers[k * p.nFeatures + c0 + c]! + p.std[k]! * z[c]!;
  }
}

export function readBlobsY(
  p: BlobsParams,
  r0: number,
  r1: number,
  _c0: number,
  _c1: number,
  out: TypedArray,
  outOffset: number,
  ctx: ReaderContext,
): void {
  const perm = permutation(ctx, p.nSamples, p.key, p.streams.perm);
  for (let r = r0; r < r1; r++) out[outOffset + r - r0] = clusterOf(perm(r), p.nSamples, p.nCenters);
}

export interface MemoryParams {
  /** Source row of `data[0]`. */
  readonly start: number;
  /** Elements per row of the source. */
  readonly cols: number;
  readonly data: TypedArray;
}

/** The `memory` reader: rows of an in-memory array shipped with the task. */
export function readMemory(p: MemoryParams, r0: number, r1: number, c0: number, c1: number, out: TypedArray, outOffset: number): void {
  const w = c1 - c0;
  if (w === p.cols) {
    // Whole rows: one contiguous copy.
    out.set(p.data.subarray((r0 - p.start) * w, (r1 - p.start) * w) as never, outOffset);
    return;
  }
  for (let r = r0; r < r1; r++) {
    const src = (r - p.start) * p.cols + c0;
    out.set(p.data.subarray(src, src + w) as never, outOffset + (r - r0) * w);
  }
}
