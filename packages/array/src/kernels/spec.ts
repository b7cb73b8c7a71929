/**
 * The wire forms that let a task receive a block *inline* instead of by reference — the
 * mechanism behind fusion. Plain data, so they sit in task arguments and cross threads:
 *
 * - {@link SourceSpec}: a region of a source (an .npy file range, an Arrow record batch, a
 *   seeded generator). The consuming task reads or generates the block itself.
 * - {@link ExprSpec}: an elementwise expression over input blocks (each a Block — resolved from a
 *   `ref` by the scheduler —, a SourceSpec, or a small literal). The consuming task evaluates it,
 *   tile by tile, right before using it.
 *
 * Kernels call `materialize(arg)` (a Block) or `streamOf(arg)` (rows tile by tile) on block
 * arguments and so accept plain blocks and inline specs alike.
 */
import type { Block, DType } from '../dense.js';

/** An elementwise expression node. `in`: input slot `i`; `p`: scalar parameter `i`. */
export interface ExprNode {
  readonly op: string;
  readonly dtype: DType;
  readonly i?: number;
  readonly args?: readonly ExprNode[];
}

/** How an input of an expression lines up with the output block. */
export type InputKind = 'full' | 'col' | 'row' | 'scalar';

/** A region `[r0, r1) × [c0, c1)` of a source, read or generated where it is consumed. */
export interface SourceSpec {
  /** Reader name (`'npy'`, `'arrow'`, `'random'`, `'classification-X'`…). */
  readonly $src: string;
  /** Reader parameters (plain data). */
  readonly p: unknown;
  readonly r0: number;
  readonly r1: number;
  readonly c0: number;
  readonly c1: number;
  readonly dtype: DType;
  /** Shape of the block (1-D sources: `[r1 - r0]`). */
  readonly shape: readonly number[];
}

/** An elementwise expression block, evaluated where it is consumed. */
export interface ExprSpec {
  readonly $expr: ExprNode;
  readonly params: readonly number[];
  /** Per input: a Block (a resolved ref or a literal), a SourceSpec or another inline spec. */
  readonly ins: readonly unknown[];
  readonly kinds: readonly InputKind[];
  readonly dtype: DType;
  readonly shape: readonly number[];
}

export function isSourceSpec(v: unknown): v is SourceSpec {
  return typeof v === 'object' && v !== null && typeof (v as { $src?: unknown }).$src === 'string';
}

export function isExprSpec(v: unknown): v is ExprSpec {
  return typeof v === 'object' && v !== null && typeof (v as { $expr?: unknown }).$expr === 'object';
}

/** Whether `v` is a block delivered inline (to be read or evaluated by the consumer). */
export function isInlineSpec(v: unknown): v is SourceSpec | ExprSpec {
  return isSourceSpec(v) || isExprSpec(v);
}

/** The dtype and shape a block argument will have once materialized. */
export function describeArg(v: unknown): { dtype: DType; shape: readonly number[] } | undefined {
  if (isInlineSpec(v)) return { dtype: v.dtype, shape: v.shape };
  const b = v as Block;
  if (b && typeof b === 'object' && typeof b.dtype === 'string' && Array.isArray(b.shape)) return { dtype: b.dtype, shape: b.shape };
  return undefined;
}
