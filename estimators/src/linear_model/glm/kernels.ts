/**
 * The GLMs' worker kernels (`glm.*`): each reads one row block — a plain block, a read or an
 * expression over a read (the scaler's), streamed tile by tile so the block is never allocated —
 * and returns small sums that a tree of merge tasks combines. Rows in messages are rows of the whole
 * array; a bad value also names its block and, for a read, its file and row there.
 */
import { materialize, rowOrigin, streamOf, tileRows, type RowStream, type TypedArray } from '@tessera/array';
import { InvalidInputError } from '../../errors.js';
import { GlmKernel, type GlmKernelName } from './kernel_names.js';
import {
  accumulate,
  accumulateDeviance,
  accumulateResident,
  addSums,
  emptySums,
  type DevianceSums,
  type LossSpec,
  type LossSums,
  type SourceRows,
} from './losses.js';
import { openResident, type Resident, type ResidentRun } from './wasm_loss.js';
import { mergeCross, mergeQr, tileCross, tileQr, type CrossStats, type QrStats } from './normal_equations.js';

/** Where a block sits: its index and first row (for messages). */
export interface BlockPlace {
  readonly index: number;
  readonly rowBase: number;
}

/** Runs f; an InvalidInputError about a row gets the block and, for a read, the file and its row. */
function locating<T>(X: unknown, place: BlockPlace, f: () => T): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof InvalidInputError && error.row !== undefined) {
      const inBlock = error.row - place.rowBase;
      const origin = rowOrigin(X, inBlock);
      error.message = `${error.message.replace(/\.$/, '')} (block ${place.index}, its row ${inBlock}${origin === undefined ? '' : `; ${origin}`}).`;
    }
    throw error;
  }
}

/**
 * A 1-D or 2-D block argument's values as float64 (labels stored as int8 or uint8 converted once, so
 * the loss loops see one array type and stay monomorphic), or null.
 */
function valuesOf(arg: unknown): Float64Array | null {
  if (arg === null || arg === undefined) return null;
  const data: TypedArray = materialize(arg).data;
  return data instanceof Float64Array ? data : Float64Array.from(data as ArrayLike<number>);
}

/** Runs `each(view, a, b)` over the stream's tiles. */
function tiles(s: RowStream, each: (view: TypedArray, a: number, b: number) => void): void {
  const tile = tileRows(s);
  for (let a = 0; a < s.rows; a += tile) {
    const b = Math.min(s.rows, a + tile);
    each(s.read(a, b), a, b);
  }
}

/**
 * Σ s_i loss_i and its gradient over one row block at `coef` (see losses.ts). Given a `resident`
 * memory (in-memory fits on the worker threads: passes.ts's SharedPasses), the block's rows are
 * placed there by its first evaluation and read in place by the later ones.
 */
export function lossGradKernel(
  X: unknown,
  y: unknown,
  sampleWeight: unknown,
  coef: Float64Array,
  spec: LossSpec,
  place: BlockPlace,
  resident: Resident | null = null,
): LossSums {
  return blockSums(X, y, sampleWeight, coef, spec, place, false, resident === null ? null : openResident(resident));
}

function blockSums(
  X: unknown,
  y: unknown,
  sampleWeight: unknown,
  coef: Float64Array,
  spec: LossSpec,
  place: BlockPlace,
  hessian: boolean,
  run: ResidentRun | null,
): LossSums {
  return locating(X, place, () => {
    const yv = valuesOf(y)!;
    const wv = valuesOf(sampleWeight);
    const acc = emptySums(spec, hessian);
    const s = streamOf(X);
    try {
      if (run !== null) {
        const L = run.layout;
        if (s.rows !== Math.min(L.blockRows, L.n - place.index * L.blockRows) || s.cols !== L.d) {
          throw new Error(
            `glm.lossGrad: block ${place.index} has ${s.rows} × ${s.cols} values, not the resident layout's (internal error).`,
          );
        }
        const source = (a: number, b: number): SourceRows => ({
          X: s.read(a, b),
          y: yv.subarray(a, b),
          w: wv === null ? null : wv.subarray(a, b),
        });
        accumulateResident(acc, spec, coef, run, place.index, place.rowBase, source);
        return acc;
      }
      tiles(s, (view, a, b) =>
        accumulate(acc, spec, coef, view, yv.subarray(a, b), wv === null ? null : wv.subarray(a, b), b - a, place.rowBase + a),
      );
    } finally {
      s.close();
    }
    return acc;
  });
}

/** {@link lossGradKernel} with the Hessian. */
export function lossGradHessKernel(
  X: unknown,
  y: unknown,
  sampleWeight: unknown,
  coef: Float64Array,
  spec: LossSpec,
  place: BlockPlace,
): LossSums {
  return blockSums(X, y, sampleWeight, coef, spec, place, true, null);
}

export function sumLossGradKernel(parts: readonly LossSums[]): LossSums {
  const h = parts[0]!.hess;
  const acc: LossSums = {
    loss: 0,
    grad: new Float64Array(parts[0]!.grad.length),
    sumW: 0,
    rows: 0,
    hess: h === null ? null : new Float64Array(h.length),
  };
  for (const p of parts) addSums(acc, p);
  return acc;
}

/** The sums of the Poisson deviance score over one row block at `coef`. */
export function devianceKernel(
  X: unknown,
  y: unknown,
  sampleWeight: unknown,
  coef: Float64Array,
  spec: LossSpec,
  place: BlockPlace,
): DevianceSums {
  return locating(X, place, () => {
    const yv = valuesOf(y)!;
    const wv = valuesOf(sampleWeight);
    const acc: DevianceSums = { sumW: 0, sumWY: 0, constant: 0, loss: 0 };
    const s = streamOf(X);
    try {
      tiles(s, (view, a, b) =>
        accumulateDeviance(acc, spec, coef, view, yv.subarray(a, b), wv === null ? null : wv.subarray(a, b), b - a, place.rowBase + a),
      );
    } finally {
      s.close();
    }
    return acc;
  });
}

export function sumDevianceKernel(parts: readonly DevianceSums[]): DevianceSums {
  const acc: DevianceSums = { sumW: 0, sumWY: 0, constant: 0, loss: 0 };
  for (const p of parts) {
    acc.sumW += p.sumW;
    acc.sumWY += p.sumWY;
    acc.constant += p.constant;
    acc.loss += p.loss;
  }
  return acc;
}

/** What the cross-product kernels need besides the data. */
export interface CrossSpec {
  readonly d: number;
  readonly t: number;
  readonly caller: string;
}

function foldTiles<S>(
  X: unknown,
  y: unknown,
  sampleWeight: unknown,
  spec: CrossSpec,
  place: BlockPlace,
  tile: (src: Parameters<typeof tileCross>[0]) => S,
  merge: (a: S, b: S) => S,
): S {
  return locating(X, place, () => {
    const yv = valuesOf(y)!;
    const wv = valuesOf(sampleWeight);
    const s = streamOf(X);
    let acc: S | null = null;
    try {
      tiles(s, (view, a, b) => {
        const part = tile({
          X: view,
          d: spec.d,
          Y: yv.subarray(a * spec.t, b * spec.t),
          t: spec.t,
          w: wv === null ? null : wv.subarray(a, b),
          n: b - a,
          rowBase: place.rowBase + a,
          caller: spec.caller,
        });
        acc = acc === null ? part : merge(acc, part);
      });
    } finally {
      s.close();
    }
    return acc!;
  });
}

/** Weighted centered cross-products of [X | y] over one row block. */
export function crossKernel(X: unknown, y: unknown, sampleWeight: unknown, spec: CrossSpec, place: BlockPlace): CrossStats {
  return foldTiles(X, y, sampleWeight, spec, place, tileCross, mergeCross);
}

export function mergeCrossKernel(parts: readonly CrossStats[]): CrossStats {
  return parts.reduce(mergeCross);
}

/** The triangular factor of the weighted centered [X | y] over one row block (tall-skinny QR). */
export function qrKernel(X: unknown, y: unknown, sampleWeight: unknown, spec: CrossSpec, place: BlockPlace): QrStats {
  return foldTiles(X, y, sampleWeight, spec, place, tileQr, mergeQr);
}

export function mergeQrKernel(parts: readonly QrStats[]): QrStats {
  return parts.reduce(mergeQr);
}

/** The table, keyed by {@link GlmKernel}'s names. */
export const kernels = {
  [GlmKernel.lossGrad]: lossGradKernel,
  [GlmKernel.sumLossGrad]: sumLossGradKernel,
  [GlmKernel.lossGradHess]: lossGradHessKernel,
  [GlmKernel.deviance]: devianceKernel,
  [GlmKernel.sumDeviance]: sumDevianceKernel,
  [GlmKernel.cross]: crossKernel,
  [GlmKernel.mergeCross]: mergeCrossKernel,
  [GlmKernel.qr]: qrKernel,
  [GlmKernel.mergeQr]: mergeQrKernel,
} satisfies Record<GlmKernelName, unknown>;
