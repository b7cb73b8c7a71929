/**
 * The lazy table: a {@link Frame} is a list of typed columns over a file source (CSV, Parquet,
 * Arrow) whose blocks are row ranges. Nothing is read until an array made from it is computed;
 * its arrays are source arrays (as `.npy` files are): the file, byte range or row group travel as
 * literal reader parameters, the consumer of a block reads its rows where it runs (fused, a tile
 * at a time), and the profiler shows the reads as `read-csv-…[i,0]` or inside their consumers.
 */
import { ArrayKernel, NDArray, promote, tokenize, type ArrayComputeOptions, type DType, type SourceDef } from '@tessera/array';
import type { Codec, WriteResult } from './write.js';
import { writeFrame } from './write.js';
import { columnDType, holds, typeName, type ColumnInfo } from './types.js';

/** A small table in memory (what {@link Frame.head} returns): one array per column. */
export interface Table {
  readonly columns: readonly string[];
  readonly nRows: number;
  /** Numbers in the column's dtype (NaN where missing); categories as strings (null where missing). */
  readonly data: Readonly<Record<string, Float64Array | Float32Array | Int32Array | Uint8Array | (string | null)[]>>;
}

/** @internal A file source of a frame (CSV, Parquet, Arrow). */
export interface TableSource {
  readonly format: 'csv' | 'parquet' | 'arrow';
  /** `data.csv`, or `12 files matching data/*.csv`: for messages. */
  readonly description: string;
  /** Identity of the files (paths, sizes, times) and the reading options. */
  readonly token: string;
  readonly paths: readonly string[];
  /** Rows per block, or undefined while unknown (CSV opened with `lengths: false`). */
  readonly blockRows: readonly number[] | undefined;
  /** Finds the rows of every block (CSV: the boundary scan), if not known yet. */
  computeLengths(options: ArrayComputeOptions): Promise<void>;
  /** An array over `columns` (1-D when `oneD`), each read (converted) into `dtype`. */
  array(columns: readonly ColumnInfo[], dtype: DType, oneD: boolean): NDArray;
  /** The first `n` rows of `columns`, reading only the blocks they are in. */
  head(columns: readonly ColumnInfo[], n: number): Promise<Table>;
  /** The distinct values of string columns, sorted (one pass over the blocks, on the workers). */
  categories(columns: readonly ColumnInfo[], options: ArrayComputeOptions): Promise<string[][]>;
}

/** Options of {@link Frame.toArray}. */
export interface ToArrayOptions {
  /**
   * The dtype of the array. Default: the dtype that holds every selected column (their common
   * promotion: float64 as soon as one column is float64, int64, nullable…). Columns that the
   * dtype holds exactly are read straight into it; otherwise they are read as their own dtype and
   * converted as `astype` does.
   */
  readonly dtype?: DType;
}

/** Options of {@link Frame.toParquet} and {@link Frame.toCsv}. */
export interface FrameWriteOptions extends ArrayComputeOptions {
  /**
   * When the directory exists: `false` (default) refuses; `true` replaces it when it is a frame
   * directory Tessera wrote (its `_tessera_frame.json` lists every file in it); `'force'`
   * replaces whatever is there. Never one of the frame's own input files.
   */
  readonly overwrite?: boolean | 'force';
}

/** Options of {@link Frame.toParquet}. */
export interface ParquetWriteOptions extends FrameWriteOptions {
  /** Compression of the column chunks (default `'snappy'`). `'zstd'` needs Node ≥ 22.15 (zlib's zstd). */
  readonly codec?: Codec;
}

/**
 * A lazy table (dask's DataFrame, for the part a machine-learning workflow needs): named, typed
 * columns over CSV, Parquet or Arrow files, split into row blocks. Columns become lazy arrays
 * (`col`, `toArray`) that feed the scheduler, estimators and stores like any array.
 *
 * @example
 * const df = await readCsv('data/*.csv');
 * console.log(df.columns, df.dtypes, df.nRows);
 * const X = (await df.categorize()).toArray(['age', 'income', 'city']); // [nRows, 3] float64
 * const y = df.col('label');                                               // 1-D
 */
export class Frame {
  readonly #source: TableSource;
  readonly #columns: readonly ColumnInfo[];

  /** @internal Frames are made by `readCsv`, `readParquet`, `readArrow`. */
  constructor(source: TableSource, columns: readonly ColumnInfo[]) {
    this.#source = source;
    this.#columns = Object.freeze([...columns]);
  }

  /** Column names, in order. */
  get columns(): string[] {
    return this.#columns.map((c) => c.name);
  }

  /** Each column's type, pandas style: `'float64'`, `'int64'`, `'category'`, `'timestamp[us]'`, `'decimal(10,2)'`. */
  get dtypes(): Record<string, string> {
    return Object.fromEntries(this.#columns.map((c) => [c.name, typeName(c)]));
  }

  /** The columns in detail: logical type, unit, categories, nullability and the dtype each reads as. */
  get schema(): readonly ColumnInfo[] {
    return this.#columns;
  }

  /** The file format (`'csv'`, `'parquet'`, `'arrow'`). */
  get format(): 'csv' | 'parquet' | 'arrow' {
    return this.#source.format;
  }

  /** The files read (absolute paths). */
  get paths(): readonly string[] {
    return this.#source.paths;
  }

  /**
   * Number of rows, or `undefined` while unknown: a CSV opened with `lengths: false` learns it
   * from {@link Frame.computeNRows} (Parquet and Arrow files state it).
   */
  get nRows(): number | undefined {
    const rows = this.#source.blockRows;
    return rows === undefined ? undefined : rows.reduce((a, b) => a + b, 0);
  }

  /** Rows of each block (a CSV byte range, a Parquet row group, an Arrow record batch), or undefined while unknown. */
  get blockRows(): readonly number[] | undefined {
    return this.#source.blockRows;
  }

  /**
   * The number of rows, computed when unknown (for a CSV opened with `lengths: false`: one
   * parallel pass over the files that finds every block's record boundaries). Afterwards `nRows`
   * and the arrays are available.
   *
   * @example
   * const df = await readCsv('big.csv', { lengths: false }); // header and a sample only
   * console.log(await df.computeNRows());
   */
  async computeNRows(options: ArrayComputeOptions = {}): Promise<number> {
    await this.#source.computeLengths(options);
    return this.nRows!;
  }

  /** A frame of the named columns, in that order. */
  select(names: readonly string[]): Frame {
    if (!Array.isArray(names)) throw new TypeError(`select: names must be an array of column names; got ${typeof names}.`);
    return new Frame(
      this.#source,
      names.map((n) => this.#column(n, 'select')),
    );
  }

  /**
   * Column `name` as a 1-D lazy array, in the column's dtype (`schema[i].dtype`): float64 for
   * floats, 64-bit integers, nullable integers, timestamps and decimals; int32 for narrower
   * integers and category codes (-1 where missing); uint8 for bool.
   *
   * @example
   * const y = df.col('label');
   */
  col(name: string): NDArray {
    const c = this.#column(name, 'col');
    this.#checkReadable([c], 'col');
    return this.#source.array([c], c.dtype, true);
  }

  /**
   * The columns (default: all) as a 2-D lazy array `[nRows, k]`, one row block per block of the
   * frame: dask's `to_dask_array(lengths=True)`. Category columns give their codes (NaN where
   * missing in a float dtype, -1 in int32), so the categories must be known (see
   * {@link Frame.categorize}).
   *
   * @example
   * const X = df.toArray(['x0', 'x1', 'city'], { dtype: 'float32' });
   */
  toArray(names?: readonly string[], options: ToArrayOptions = {}): NDArray {
    const cols = names === undefined ? this.#columns : names.map((n) => this.#column(n, 'toArray'));
    if (cols.length === 0) throw new RangeError('toArray: no columns to read.');
    this.#checkReadable(cols, 'toArray');
    const natural = promote(cols.map((c) => c.dtype));
    const dtype = options.dtype ?? natural;
    if (!['float64', 'float32', 'int32', 'uint8'].includes(dtype))
      throw new TypeError(`toArray: dtype must be float64, float32, int32 or uint8; got ${JSON.stringify(dtype)}.`);
    // Read straight into the dtype asked for when it holds every column; otherwise read at the
    // common dtype and convert as astype does (truncation towards zero, as numpy's astype).
    if (cols.every((c) => holds(dtype, c.dtype) || (c.type === 'category' && dtype !== 'uint8')))
      return this.#source.array(cols, dtype, false);
    return this.#source.array(cols, natural, false).astype(dtype);
  }

  /**
   * The first `n` rows (default 5), reading only the blocks they are in (for a CSV, only the
   * bytes of those records: no boundary scan). Categories come back as strings.
   *
   * @example
   * console.log((await df.head(3)).data);
   */
  head(n = 5): Promise<Table> {
    if (!Number.isInteger(n) || n < 0) return Promise.reject(new RangeError(`head: n must be a non-negative integer; got ${n}.`));
    return this.#source.head(this.#columns, n);
  }

  /**
   * Learns the categories of string columns (default: every category column whose categories
   * are not known yet) in one parallel pass: the distinct values of each, sorted, so code `i` is
   * the i-th category in sorted order whatever the blocks' order (pandas' `astype('category')`,
   * dask's `categorize()`). Returns a new frame; this one is unchanged.
   *
   * @example
   * const df = await (await readCsv('data.csv')).categorize();
   * df.schema.find((c) => c.name === 'city')?.categories; // ['Lisbon', 'Oslo', …]
   */
  async categorize(columns?: readonly string[], options: ArrayComputeOptions = {}): Promise<Frame> {
    const wanted =
      columns === undefined
        ? this.#columns.filter((c) => c.type === 'category' && !c.categories)
        : columns.map((n) => this.#column(n, 'categorize'));
    for (const c of wanted)
      if (c.type !== 'category') throw new TypeError(`categorize: column '${c.name}' is ${typeName(c)}, not a string (category) column.`);
    const todo = wanted.filter((c) => !c.categories);
    if (todo.length === 0) return this;
    await this.#source.computeLengths(options);
    const learned = await this.#source.categories(todo, options);
    const byName = new Map(todo.map((c, i) => [c.name, learned[i]!]));
    return new Frame(
      this.#source,
      this.#columns.map((c) =>
        byName.has(c.name) ? { ...c, categories: byName.get(c.name)!, dtype: columnDType('category', c.nullable) } : c,
      ),
    );
  }

  /**
   * Writes the frame as a directory of Parquet files, one per block (`part.00000.parquet`…),
   * in parallel on the workers, through the atomic store: written beside the target and renamed
   * into place when complete, never over an input. Categories are written as strings
   * (dictionary-encoded), timestamps with their unit, nulls where values are missing.
   *
   * @example
   * await df.toParquet('data.parquet/', { codec: 'zstd' });
   */
  toParquet(dir: string, options: ParquetWriteOptions = {}): Promise<WriteResult> {
    return writeFrame('parquet', this, this.#source, dir, options);
  }

  /**
   * Writes the frame as a directory of CSV files, one per block (`part.00000.csv`…, each with the
   * header), through the atomic store like {@link Frame.toParquet}. Missing values are empty
   * fields; fields holding the delimiter, a quote or a newline are quoted (RFC 4180).
   */
  toCsv(dir: string, options: FrameWriteOptions = {}): Promise<WriteResult> {
    return writeFrame('csv', this, this.#source, dir, options);
  }

  /** @internal */
  toString(): string {
    return `Frame(${this.#source.description}: ${this.#columns.length} columns, ${this.nRows ?? '?'} rows)`;
  }

  #column(name: string, what: string): ColumnInfo {
    if (typeof name !== 'string') throw new TypeError(`${what}: a column name must be a string; got ${typeof name}.`);
    const c = this.#columns.find((x) => x.name === name);
    if (!c) throw new RangeError(`${what}: no column '${name}' in ${this.#source.description} (columns: ${this.columns.join(', ')}).`);
    return c;
  }

  #checkReadable(cols: readonly ColumnInfo[], what: string): void {
    const unknown = cols.filter((c) => c.type === 'category' && !c.categories).map((c) => `'${c.name}'`);
    if (unknown.length) {
      throw new Error(
        `${what}: the categories of ${unknown.join(', ')} are not known yet, so their codes would not be stable: learn them with \`df = await df.categorize()\` (one pass) or declare them (readCsv dtype: { name: { categories: [...] } }).`,
      );
    }
    if (!this.#source.blockRows) {
      throw new Error(
        `${what}: the rows of ${this.#source.description} are not counted yet (it was opened with lengths: false): \`await df.computeNRows()\` first.`,
      );
    }
  }
}

/**
 * @internal An array over a frame's source: a source array of `@tessera/array` (as `.npy` and
 * Arrow files are), read by the reader `reader` registered on every thread (kernels.ts). Its
 * consumers (a reduction, a fused expression, a writer) read the rows where they run, a tile at
 * a time, so a parsed block is never materialised in full unless a consumer asks for the block
 * itself; the block's own task (`array.read`) reads it whole.
 */
export function sourceArray(
  source: TableSource,
  label: string,
  columns: readonly ColumnInfo[],
  dtype: DType,
  oneD: boolean,
  params: (r0: number, r1: number) => unknown,
  reader: 'frame-csv' | 'frame-parquet',
): NDArray {
  const rowChunks = source.blockRows!;
  const rows = rowChunks.reduce((a, b) => a + b, 0);
  const k = columns.length;
  const shape = oneD ? [rows] : [rows, k];
  const chunks = oneD ? [rowChunks.length ? [...rowChunks] : [0]] : [rowChunks.length ? [...rowChunks] : [0], [k]];
  const token = tokenize(
    source.token,
    columns.map((c) => [c.name, c.type, c.unit, c.categories]),
    dtype,
    oneD,
  );
  const def: SourceDef = {
    reader,
    kernel: ArrayKernel.read,
    label,
    token,
    dtype,
    shape,
    params,
    paths: source.paths,
    // Block statistics are cached for .npy datasets only.
    blockStats: false,
  };
  return new NDArray({ shape, dtype, chunks, name: `${label}-${token}`, layer: { kind: 'source', def, origin: shape.map(() => 0) } });
}
