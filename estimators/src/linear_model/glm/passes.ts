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
import { allocate, buildGraph, tileRows, tokenize, type NDArray } from '@tessera/array';
import type { LazyOptions } from '../../contract.js';
import { GlmKernel, type GlmKernelName } from './kernel_names.js';
import type { CrossSpec } from './kernels.js';
import {
  accumulate,
  accumulateDeviance,
  accumulateResident,
  emptySums,
  type DevianceSums,
  type LossSpec,
  type LossSums,
  type SourceRows,
} from './losses.js';
import { mergeCross, mergeQr, tileCross, tileQr, type CrossStats, type QrStats, type TileSource } from './normal_equations.js';
import { newResident, openResident, releaseResident, residentLayout, type Resident, type ResidentRun } from './wasm_loss.js';

/** The passes an algorithm may ask for. */
export interface Passes {
  /** Σ s_i loss_i and its gradient at `coef` (one L-BFGS evaluation). */
  lossGrad(coef: Float64Array, spec: LossSpec): LossSums | Promise<LossSums>;
  /** The same with the Hessian (one coefficient row; the Newton solver). */
  lossGradHess(coef: Float64Array, spec: LossSpec): LossSums | Promise<LossSums>;
  /**
   * Called once the algorithm has finished without error: gives back what the passes held for
   * their evaluations (a resident memory, reused by the next fit).
   */
  release?(): void;
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
  p.release?.();
  return step.value;
}

/** Runs an algorithm over asynchronous passes (lazy arrays). */
export async function runAsync<R>(alg: Algorithm<R>, p: Passes): Promise<R> {
  let step = alg.next();
  while (!step.done) step = alg.next(await step.value(p));
  p.release?.();
  return step.value;
}

/**
 * The key of what a resident memory holds for a loss: the placed labels and weights depend on the
 * family, the classes and the class weights (the coefficients are written per evaluation).
 */
function residentKey(spec: LossSpec): string {
  return [spec.family, spec.nFeatures, spec.k, spec.classes?.join() ?? '', spec.classWeight?.join() ?? ''].join('|');
}

/**
 * The resident memories of one data set, one per loss (a fit uses one): created on first use, or
 * null when the loss has no WebAssembly kernel, WebAssembly is not used, or the memory cannot be had.
 */
class ResidentCache {
  readonly #memories = new Map<string, Resident | null>();
  constructor(
    readonly n: number,
    readonly blockRows: number,
    readonly tileRows: number,
  ) {}

  /** Gives the memories back (the fit is over). */
  release(): void {
    for (const r of this.#memories.values()) if (r !== null) releaseResident(r);
    this.#memories.clear();
  }

  get(spec: LossSpec): Resident | null {
    const key = residentKey(spec);
    let r = this.#memories.get(key);
    if (r === undefined) {
      const layout = residentLayout(spec, this.n, this.blockRows, this.tileRows);
      r = layout === null ? null : newResident(layout);
      this.#memories.set(key, r);
    }
    return r;
  }
}

/**
 * In-memory data: X (n × d), the targets (n × t, row-major), weights or null. The logistic losses
 * run over the rows placed once in a resident memory (wasm_loss.ts): the first evaluation places
 * each tile as it goes, the later ones copy nothing.
 */
export class MemoryPasses implements Passes {
  readonly #resident: ResidentCache;
  readonly #runs = new Map<Resident, ResidentRun | null>();

  constructor(
    readonly X: Float64Array,
    readonly n: number,
    readonly d: number,
    readonly y: Float64Array,
    readonly w: Float64Array | null,
  ) {
    this.#resident = new ResidentCache(n, n, tileRows({ cols: d }));
  }

  #tiles(t: number, each: (a: number, b: number) => void): void {
    const tile = tileRows({ cols: this.d + t });
    for (let a = 0; a < this.n; a += tile) each(a, Math.min(this.n, a + tile));
  }

  lossGrad(coef: Float64Array, spec: LossSpec, hessian = false): LossSums {
    const acc = emptySums(spec, hessian);
    const { X, d, y, w } = this;
    const run = hessian ? null : this.#run(spec);
    if (run !== null) {
      const source = (a: number, b: number): SourceRows => ({
        X: X.subarray(a * d, b * d),
        y: y.subarray(a, b),
        w: w === null ? null : w.subarray(a, b),
      });
      accumulateResident(acc, spec, coef, run, 0, 0, source);
      return acc;
    }
    this.#tiles(0, (a, b) =>
      accumulate(acc, spec, coef, X.subarray(a * d, b * d), y.subarray(a, b), w === null ? null : w.subarray(a, b), b - a, a),
    );
    return acc;
  }

  lossGradHess(coef: Float64Array, spec: LossSpec): LossSums {
    return this.lossGrad(coef, spec, true);
  }

  release(): void {
    this.#runs.clear();
    this.#resident.release();
  }

  /** The resident memory for this loss opened on this thread, or null (then tile by tile). */
  #run(spec: LossSpec): ResidentRun | null {
    const r = this.#resident.get(spec);
    if (r === null) return null;
    let run = this.#runs.get(r);
    if (run === undefined) {
      run = openResident(r);
      this.#runs.set(r, run);
    }
    return run;
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

/** Where a graph of passes gets its row blocks: the tasks they need, and each block's arguments. */
interface BlockSource {
  /** A graph holding the tasks the block arguments refer to (or an empty one). */
  graph(): Graph;
  readonly blocks: number;
  /** [X, y, weights or null] of block i: blocks, inline recipes or refs. */
  args(i: number): readonly [unknown, unknown, unknown];
  rowBase(i: number): number;
  /** Names the data, for task keys. */
  readonly token: string;
}

/**
 * Passes as graphs: one task per row block running a glm.* kernel, a tree of merges (8 at a time,
 * a fixed shape: the sums do not depend on which thread ran what), each pass one computation on
 * `options`' scheduler.
 */
class GraphPasses implements Passes {
  #passes = 0;
  constructor(
    readonly source: BlockSource,
    readonly options: LazyOptions,
  ) {}

  /** How many passes over the data have run. */
  get passes(): number {
    return this.#passes;
  }

  /** One pass: a `kernel` task per block with arguments [X, y, w, ...extra, place, ...tail], merged by `merge`. */
  protected async runPass<T>(
    kernel: GlmKernelName,
    merge: GlmKernelName,
    label: string,
    extra: readonly unknown[],
    tail: readonly unknown[] = [],
  ): Promise<T> {
    const src = this.source;
    const g = src.graph();
    const name = `${label}-${tokenize(label, src.token, this.#passes)}`;
    this.#passes++;
    let level: string[] = [];
    for (let i = 0; i < src.blocks; i++) {
      const key = `${name}-block-${i}`;
      g.add(key, kernel, [...src.args(i), ...extra, { index: i, rowBase: src.rowBase(i) }, ...tail]);
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
    return this.runPass(GlmKernel.lossGrad, GlmKernel.sumLossGrad, 'glm-loss', [coef, spec]);
  }

  lossGradHess(coef: Float64Array, spec: LossSpec): Promise<LossSums> {
    return this.runPass(GlmKernel.lossGradHess, GlmKernel.sumLossGrad, 'glm-newton', [coef, spec]);
  }

  deviance(coef: Float64Array, spec: LossSpec): Promise<DevianceSums> {
    return this.runPass(GlmKernel.deviance, GlmKernel.sumDeviance, 'glm-deviance', [coef, spec]);
  }

  cross(spec: CrossSpec): Promise<CrossStats> {
    return this.runPass(GlmKernel.cross, GlmKernel.mergeCross, 'glm-cross', [spec]);
  }

  qr(spec: CrossSpec): Promise<QrStats> {
    return this.runPass(GlmKernel.qr, GlmKernel.mergeQr, 'glm-qr', [spec]);
  }
}

/**
 * Lazy data: X in blocks of whole rows, y (1-D or 2-D) and the weights (1-D or null) in the same row
 * blocks; a read or an expression is evaluated inside each pass's block task.
 */
export class LazyPasses extends GraphPasses {
  constructor(X: NDArray, y: NDArray, w: NDArray | null, options: LazyOptions) {
    const offsets = X.blockOffsets[0]!;
    super(
      {
        graph: () => buildGraph(w === null ? [X, y] : [X, y, w], new Graph()),
        blocks: X.numBlocks[0]!,
        args: (i) => [X.blockArg(i, 0), y.ndim === 2 ? y.blockArg(i, 0) : y.blockArg(i), w === null ? null : w.blockArg(i)],
        rowBase: (i) => offsets[i]!,
        token: tokenize(X.name, y.name, w?.name ?? null),
      },
      options,
    );
  }
}

let sharedCount = 0;

/**
 * Whether a scheduler runs its tasks in this process (this thread or its worker threads), where a
 * shared memory is shared. Another (a cluster's worker processes) would get a copy of a resident
 * memory with every task, and the rows placed there would never come back.
 */
function inProcess(scheduler: LazyOptions['scheduler']): boolean {
  if (scheduler === undefined || scheduler === 'threads' || scheduler === 'sync') return true;
  return scheduler.name === 'threads' || scheduler.name === 'sync';
}

/**
 * Rows per block of {@link SharedPasses}: 16 tiles (~100k rows of 20 features), and at most 64
 * blocks. Each task costs the scheduler a fixed ~0.5 ms of CPU: at 1M × 20, 10 blocks per pass
 * rather than 21 (8 tiles) took 14% less CPU and 15% less time on 2 threads.
 */
function sharedBlockRows(n: number, cols: number): number {
  return Math.max(16 * tileRows({ cols }), Math.ceil(n / 64));
}

/** `a` over shared memory: itself when it already is, else a copy (workers then share the copy). */
function shared(a: Float64Array): Float64Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const out = allocate('float64', a.length) as Float64Array;
  out.set(a);
  return out;
}

/**
 * In-memory data on the worker threads: X, y and the weights over shared memory (copied there
 * once when they are not), cut into row blocks that every pass's tasks read in place — nothing is
 * copied per pass.
 */
export class SharedPasses extends GraphPasses {
  readonly #resident: ResidentCache;

  constructor(X: Float64Array, n: number, d: number, y: Float64Array, t: number, w: Float64Array | null, options: LazyOptions) {
    const sx = shared(X);
    const sy = shared(y);
    const sw = w === null ? null : shared(w);
    const rows = sharedBlockRows(n, d + t);
    const blocks = Math.max(1, Math.ceil(n / rows));
    const block = (data: Float64Array, a: number, b: number, cols: number, twoD: boolean) => ({
      dtype: 'float64',
      shape: twoD ? [b - a, cols] : [b - a],
      data: data.subarray(a * cols, b * cols),
    });
    super(
      {
        graph: () => new Graph(),
        blocks,
        args: (i) => {
          const a = i * rows;
          const b = Math.min(n, a + rows);
          return [block(sx, a, b, d, true), block(sy, a, b, t, t > 1), sw === null ? null : block(sw, a, b, 1, false)];
        },
        rowBase: (i) => i * rows,
        token: `shared-${n}x${d}-${++sharedCount}`,
      },
      options,
    );
    // The workers cut each block into tiles as their stream of X does (tileRows of d columns).
    this.#resident = new ResidentCache(n, rows, tileRows({ cols: d }));
  }

  /**
   * The logistic losses run over a resident memory shared with the workers: each block task places
   * its rows there in the first pass (in parallel) and reads them in place in the later ones.
   */
  release(): void {
    this.#resident.release();
  }

  override lossGrad(coef: Float64Array, spec: LossSpec): Promise<LossSums> {
    const r = inProcess(this.options.scheduler) ? this.#resident.get(spec) : null;
    if (r === null) return super.lossGrad(coef, spec);
    return this.runPass(GlmKernel.lossGrad, GlmKernel.sumLossGrad, 'glm-loss', [coef, spec], [r]);
  }
}
