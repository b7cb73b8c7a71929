/**
 * Passes over the training data, in memory or on a lazy X: the one thing the GLM algorithms ask
 * of their data. An algorithm is written once, as a generator that yields the passes it needs
 * ({@link pass}) and is resumed with their results; {@link runSync} drives it over in-memory arrays
 * on this thread, {@link runAsync} over lazy arrays, where each pass is one graph — a task per row
 * block on the worker threads (within the memory budget; a read or the scaler's expression is
 * evaluated inside the task, tile by tile) and a tree of merges — so an L-BFGS evaluation reads
 * the data exactly once.
 */
import { Graph, compute, ref } from '@tessera/scheduler';
import { buildGraph, tileRows, tokenize, type NDArray } from '@tessera/array';
import type { LazyOptions } from '../../contract.js';
import { GlmKernel, type GlmKernelName } from './kernel_names.js';
import type { CrossSpec } from './kernels.js';
import { accumulate, accumulateDeviance, emptySums, type DevianceSums, type LossSpec, type LossSums } from './losses.js';
import { mergeCross, mergeQr, tileCross, tileQr, type CrossStats, type QrStats, type TileSource } from './normal_equations.js';

/** The passes an algorithm may ask for. */
export interface Passes {
  /** Σ s_i loss_i and its gradient at `coef` (one L-BFGS evaluation). */
  lossGrad(coef: Float64Array, spec: LossSpec): LossSums | Promise<LossSums>;
  /** The same with the Hessian (one coefficient row; the Newton solver). */
  lossGradHess(coef: Float64Array, spec: LossSpec): LossSums | Promise<LossSums>;
  /** The sums of the Poisson deviance score at `coef`. */
  deviance(coef: Float64Array, spec: LossSpec): DevianceSums | Promise<DevianceSums>;
  /** Weighted centered cross-products of [X | y]. */
  cross(spec: CrossSpec): CrossStats | Promise<CrossStats>;
  /** Their triangular factor (tall-skinny QR). */
  qr(spec: CrossSpec): QrStats | Promise<QrStats>;
}

/** A pass an algorithm asks for. */
export type Pass = (p: Passes) => unknown;

/** An algorithm over passes, returning R. */
export type Algorithm<R> = Generator<Pass, R, unknown>;

/** Asks for one pass inside an algorithm: `const s = yield* pass((p) => p.cross(spec));`. */
export function* pass<T>(f: (p: Passes) => T | Promise<T>): Generator<Pass, T, unknown> {
  return (yield f) as T;
}

/** Runs an algorithm over synchronous passes (in memory). */
export function runSync<R>(alg: Algorithm<R>, p: Passes): R {
  let step = alg.next();
  while (!step.done) step = alg.next(step.value(p));
  return step.value;
}

/** Runs an algorithm over asynchronous passes (lazy arrays). */
export async function runAsync<R>(alg: Algorithm<R>, p: Passes): Promise<R> {
  let step = alg.next();
  while (!step.done) step = alg.next(await step.value(p));
  return step.value;
}

/** In-memory data: X (n × d), the targets (n × t, row-major), weights or null. */
export class MemoryPasses implements Passes {
  constructor(
    readonly X: Float64Array,
    readonly n: number,
    readonly d: number,
    readonly y: Float64Array,
    readonly w: Float64Array | null,
  ) {}

  #tiles(t: number, each: (a: number, b: number) => void): void {
    const tile = tileRows({ cols: this.d + t });
    for (let a = 0; a < this.n; a += tile) each(a, Math.min(this.n, a + tile));
  }

  lossGrad(coef: Float64Array, spec: LossSpec, hessian = false): LossSums {
    const acc = emptySums(spec, hessian);
    const { X, d, y, w } = this;
    this.#tiles(0, (a, b) =>
      accumulate(acc, spec, coef, X.subarray(a * d, b * d), y.subarray(a, b), w === null ? null : w.subarray(a, b), b - a, a),
    );
    return acc;
  }

  lossGradHess(coef: Float64Array, spec: LossSpec): LossSums {
    return this.lossGrad(coef, spec, true);
  }

  deviance(coef: Float64Array, spec: LossSpec): DevianceSums {
    const acc: DevianceSums = { sumW: 0, sumWY: 0, constant: 0, loss: 0 };
    const { X, d, y, w } = this;
    this.#tiles(0, (a, b) =>
      accumulateDeviance(acc, spec, coef, X.subarray(a * d, b * d), y.subarray(a, b), w === null ? null : w.subarray(a, b), b - a, a),
    );
    return acc;
  }

  #fold<S>(spec: CrossSpec, tile: (src: TileSource) => S, merge: (a: S, b: S) => S): S {
    let acc: S | null = null;
    const { X, d, y, w } = this;
    const t = spec.t;
    this.#tiles(t, (a, b) => {
      const part = tile({
        X: X.subarray(a * d, b * d),
        d,
        Y: y.subarray(a * t, b * t),
        t,
        w: w === null ? null : w.subarray(a, b),
        n: b - a,
        rowBase: a,
        caller: spec.caller,
      });
      acc = acc === null ? part : merge(acc, part);
    });
    return acc!;
  }

  cross(spec: CrossSpec): CrossStats {
    return this.#fold(spec, tileCross, mergeCross);
  }

  qr(spec: CrossSpec): QrStats {
    return this.#fold(spec, tileQr, mergeQr);
  }
}

const FAN_IN = 8;

/**
 * Lazy data: X in blocks of whole rows, y (1-D or 2-D) and the weights (1-D or null) in the same row
 * blocks. Each pass is one computation on `options`' scheduler.
 */
export class LazyPasses implements Passes {
  #passes = 0;
  constructor(
    readonly X: NDArray,
    readonly y: NDArray,
    readonly w: NDArray | null,
    readonly options: LazyOptions,
  ) {}

  /** How many passes over the data have run. */
  get passes(): number {
    return this.#passes;
  }

  async #run<T>(kernel: GlmKernelName, merge: GlmKernelName, label: string, extra: readonly unknown[]): Promise<T> {
    const { X, y, w } = this;
    const g = buildGraph(w === null ? [X, y] : [X, y, w], new Graph());
    const name = `${label}-${tokenize(label, X.name, y.name, w?.name ?? null, this.#passes)}`;
    this.#passes++;
    const offsets = X.blockOffsets[0]!;
    let level: string[] = [];
    for (let i = 0; i < X.numBlocks[0]!; i++) {
      const key = `${name}-block-${i}`;
      const yArg = y.ndim === 2 ? y.blockArg(i, 0) : y.blockArg(i);
      g.add(key, kernel, [X.blockArg(i, 0), yArg, w === null ? null : w.blockArg(i), ...extra, { index: i, rowBase: offsets[i]! }]);
      level.push(key);
    }
    for (let depth = 0; level.length > 1; depth++) {
      const next: string[] = [];
      for (let i = 0; i < level.length; i += FAN_IN) {
        const key = `${name}-merge-${depth}-${i / FAN_IN}`;
        g.add(key, merge, [level.slice(i, i + FAN_IN).map((k) => ref(k))]);
        next.push(key);
      }
      level = next;
    }
    const root = level[0]!;
    return (await compute(g, [root], this.options))[root] as T;
  }

  lossGrad(coef: Float64Array, spec: LossSpec): Promise<LossSums> {
    return this.#run(GlmKernel.lossGrad, GlmKernel.sumLossGrad, 'glm-loss', [coef, spec]);
  }

  lossGradHess(coef: Float64Array, spec: LossSpec): Promise<LossSums> {
    return this.#run(GlmKernel.lossGradHess, GlmKernel.sumLossGrad, 'glm-newton', [coef, spec]);
  }

  deviance(coef: Float64Array, spec: LossSpec): Promise<DevianceSums> {
    return this.#run(GlmKernel.deviance, GlmKernel.sumDeviance, 'glm-deviance', [coef, spec]);
  }

  cross(spec: CrossSpec): Promise<CrossStats> {
    return this.#run(GlmKernel.cross, GlmKernel.mergeCross, 'glm-cross', [spec]);
  }

  qr(spec: CrossSpec): Promise<QrStats> {
    return this.#run(GlmKernel.qr, GlmKernel.mergeQr, 'glm-qr', [spec]);
  }
}
