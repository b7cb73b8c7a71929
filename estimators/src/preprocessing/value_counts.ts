/**
 * Per-column statistics of the values that are not missing, as mergeable partial results: how
 * many, their sum, and optionally the sorted distinct values with their counts. One function makes
 * them for a block (in memory, or on a worker from a streamed block), one merges any number of
 * them; merged counts are exact integers, so a median or a mode computed from them is the same
 * whatever the blocks were. SimpleImputer (mean, median, most_frequent) and the encoders
 * (categories = the distinct values) fit from them, in memory and out-of-core alike.
 */
import type { RowStream } from '@tessera/array';
import { InvalidInputError } from '../errors.js';

/** Sorted distinct values of one column and how often each occurs. */
export interface ColumnCounts {
  readonly values: Float64Array;
  readonly counts: Float64Array;
}

/** Statistics of some rows, per column (see the module comment). */
export interface ValueCounts {
  readonly rows: number;
  /** Values present (not missing), per column. */
  readonly present: Float64Array;
  /** Their sum, per column. */
  readonly sums: Float64Array;
  /** Per column, the distinct present values with their counts; null when not asked for. */
  readonly columns: ColumnCounts[] | null;
}

/** What to count. */
export interface CountOptions {
  /** The missing-value marker (NaN or a number), or null when nothing is missing (NaN is then an error). */
  readonly missing: number | null;
  /** Whether to collect the distinct values and their counts (sorting costs O(n log n)). */
  readonly distinct: boolean;
  /** Estimator or method, for messages. */
  readonly caller: string;
}

function badValue(caller: string, v: number, row: number, col: number): InvalidInputError {
  const what = Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  return new InvalidInputError(`${caller}: input X contains ${what} at row ${row}, column ${col}.`);
}

/**
 * Throws InvalidInputError naming the row (counted from `rowOffset`) and column of the first value
 * that is neither finite nor the missing marker: ±Infinity always, NaN unless it marks missing.
 */
export function checkValues(data: ArrayLike<number>, cols: number, missing: number | null, caller: string, rowOffset = 0): void {
  const nanOk = missing !== null && Number.isNaN(missing);
  for (let q = 0; q < data.length; q++) {
    const v = data[q]!;
    if (v - v !== 0 && !(nanOk && v !== v)) throw badValue(caller, v, rowOffset + Math.floor(q / cols), q % cols);
  }
}

/** Run-length encodes sorted values. */
function runs(sorted: Float64Array): ColumnCounts {
  let k = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) k++;
  const values = new Float64Array(k);
  const counts = new Float64Array(k);
  let o = -1;
  for (let i = 0; i < sorted.length; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) values[++o] = sorted[i]!;
    counts[o] = counts[o]! + 1;
  }
  return { values, counts };
}

/**
 * Counts `rows` rows read tile by tile: `add` each tile (C order, `cols` per row) in order, then
 * `finish`. Values are checked as they come ({@link checkValues}); rows are numbered from
 * `rowOffset` in messages.
 */
export class Counter {
  readonly #present: Float64Array;
  readonly #sums: Float64Array;
  readonly #buffers: Float64Array[] | null;
  readonly #fill: Int32Array;
  #row = 0;

  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly options: CountOptions,
    readonly rowOffset = 0,
  ) {
    this.#present = new Float64Array(cols);
    this.#sums = new Float64Array(cols);
    this.#fill = new Int32Array(cols);
    // Each column's present values, for sorting (the block's size in all).
    this.#buffers = options.distinct ? Array.from({ length: cols }, () => new Float64Array(rows)) : null;
  }

  add(tile: ArrayLike<number>): void {
    const { cols, options } = this;
    const missing = options.missing;
    const nanMissing = missing !== null && Number.isNaN(missing);
    checkValues(tile, cols, missing, options.caller, this.rowOffset + this.#row);
    const n = tile.length / cols;
    const buffers = this.#buffers;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < cols; j++) {
        const v = tile[i * cols + j]!;
        if (nanMissing ? v !== v : v === missing) continue;
        this.#present[j]!++;
        this.#sums[j] = this.#sums[j]! + v;
        if (buffers !== null) buffers[j]![this.#fill[j]!++] = v;
      }
    }
    this.#row += n;
  }

  finish(): ValueCounts {
    const columns = this.#buffers === null ? null : this.#buffers.map((b, j) => runs(b.subarray(0, this.#fill[j]!).sort()));
    return { rows: this.#row, present: this.#present, sums: this.#sums, columns };
  }
}

/** The counts of an in-memory C-order matrix. */
export function countValues(data: ArrayLike<number>, rows: number, cols: number, options: CountOptions): ValueCounts {
  const c = new Counter(rows, cols, options);
  c.add(data);
  return c.finish();
}

/** The counts of a streamed block (a read or an expression, evaluated tile by tile). */
export function countStream(s: RowStream, options: CountOptions, rowOffset: number): ValueCounts {
  const c = new Counter(s.rows, s.cols, options, rowOffset);
  const tile = Math.max(1, Math.floor((1 << 20) / (8 * Math.max(1, s.cols))));
  for (let a = 0; a < s.rows; a += tile) c.add(s.read(a, Math.min(s.rows, a + tile)));
  return c.finish();
}

function mergeTwo(a: ColumnCounts, b: ColumnCounts): ColumnCounts {
  const values = new Float64Array(a.values.length + b.values.length);
  const counts = new Float64Array(values.length);
  let i = 0;
  let j = 0;
  let o = 0;
  while (i < a.values.length || j < b.values.length) {
    const va = i < a.values.length ? a.values[i]! : Infinity;
    const vb = j < b.values.length ? b.values[j]! : Infinity;
    if (j >= b.values.length || (i < a.values.length && va < vb)) {
      values[o] = va;
      counts[o++] = a.counts[i++]!;
    } else if (i >= a.values.length || vb < va) {
      values[o] = vb;
      counts[o++] = b.counts[j++]!;
    } else {
      values[o] = va;
      counts[o++] = a.counts[i++]! + b.counts[j++]!;
    }
  }
  return { values: values.slice(0, o), counts: counts.slice(0, o) };
}

/**
 * Merges partial counts (any order, any tree). `limit` bounds the distinct values held over all
 * columns together: past it, `tooMany(column, distinct)` is thrown (the column with the most).
 */
export function mergeValueCounts(
  parts: readonly ValueCounts[],
  limit = Infinity,
  tooMany?: (column: number, distinct: number) => Error,
): ValueCounts {
  const first = parts[0]!;
  const d = first.present.length;
  const present = new Float64Array(d);
  const sums = new Float64Array(d);
  let rows = 0;
  let columns: ColumnCounts[] | null = first.columns === null ? null : first.columns.slice();
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p]!;
    rows += part.rows;
    for (let j = 0; j < d; j++) {
      present[j] = present[j]! + part.present[j]!;
      sums[j] = sums[j]! + part.sums[j]!;
    }
    if (p > 0 && columns !== null) columns = columns.map((c, j) => mergeTwo(c, part.columns![j]!));
  }
  if (columns !== null && limit < Infinity) {
    let total = 0;
    let worst = 0;
    columns.forEach((c, j) => {
      total += c.values.length;
      if (c.values.length > columns![worst]!.values.length) worst = j;
    });
    if (total > limit && tooMany !== undefined) throw tooMany(worst, columns[worst]!.values.length);
  }
  return { rows, present, sums, columns };
}

/** The median of counted values (numpy's: the mean of the two middle ones for an even count); NaN when none. */
export function medianOf(c: ColumnCounts): number {
  let n = 0;
  for (let k = 0; k < c.counts.length; k++) n += c.counts[k]!;
  if (n === 0) return Number.NaN;
  const at = (rank: number): number => {
    let seen = 0;
    for (let k = 0; k < c.counts.length; k++) {
      seen += c.counts[k]!;
      if (rank < seen) return c.values[k]!;
    }
    return c.values[c.values.length - 1]!;
  };
  return n % 2 === 1 ? at((n - 1) / 2) : (at(n / 2 - 1) + at(n / 2)) / 2;
}

/** The most frequent value, the smallest among ties (scikit-learn's `_most_frequent`); NaN when none. */
export function modeOf(c: ColumnCounts): number {
  let best = -1;
  for (let k = 0; k < c.counts.length; k++) if (best < 0 || c.counts[k]! > c.counts[best]!) best = k;
  return best < 0 ? Number.NaN : c.values[best]!;
}
