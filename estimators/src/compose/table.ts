/**
 * What the estimators need of a table: the structural shape of `@tessera/frame`'s `Frame`, so that
 * a ColumnTransformer (and a Pipeline starting with one) takes a Frame without this package
 * importing `@tessera/frame` — the layering keeps estimators below frame (frame reads files into
 * arrays; estimators compute on arrays), and a structural type costs no dependency and no cycle.
 * Any object with these members works the same (a Frame of another version, a table of your own).
 */
import type { DType, NDArray } from '@tessera/array';

/** One column of a table as its schema describes it (a subset of frame's `ColumnInfo`). */
export interface TableColumn {
  readonly name: string;
  /** Logical type: `'category'` for string columns read as integer codes. */
  readonly type: string;
  /** A category column's labels (code i is `categories[i]`), null or absent while unknown. */
  readonly categories?: readonly string[] | null;
}

/** A lazy table: named columns that become a lazy 2-D array (`@tessera/frame`'s Frame). */
export interface TableLike {
  /** Column names, in order. */
  readonly columns: readonly string[];
  /** The columns in detail (frames have it; without it no column is known to be a category). */
  readonly schema?: readonly TableColumn[];
  /** A table of the named columns. */
  select(names: readonly string[]): TableLike;
  /** The named columns as a lazy 2-D array `[nRows, k]`. */
  toArray(names?: readonly string[], options?: { readonly dtype?: DType }): NDArray;
}

/** Whether `x` is a table ({@link TableLike}): columns, select and toArray (an array or a block has no `columns`). */
export function isTable(x: unknown): x is TableLike {
  if (typeof x !== 'object' || x === null) return false;
  const t = x as Partial<Record<keyof TableLike, unknown>>;
  return Array.isArray(t.columns) && typeof t.select === 'function' && typeof t.toArray === 'function';
}
