/**
 * Column types of a {@link Frame} and how each reads into the four dtypes Tessera arrays hold.
 *
 * A column has a *logical* type (what the file says: `int16`, `category`, `timestamp[us]`…) and
 * the dtype it reads as (`float64`, `float32`, `int32` or `uint8`), following the table of
 * `@tessera/io` for `.npy` and Arrow files: the narrowest dtype that holds every value, float64
 * when the column may hold missing values (they read as NaN), and integer codes for categories.
 */
import type { DType } from '@tessera/array';

/** Logical column types. */
export type LogicalType =
  | 'float64'
  | 'float32'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'bool'
  | 'category'
  | 'timestamp'
  | 'date'
  | 'decimal';

/** Units of timestamps (`'s'`…`'ns'`) and dates (`'day'`). */
export type TimeUnit = 's' | 'ms' | 'us' | 'ns' | 'day';

/** One column of a frame: its name, logical type and the dtype it reads as. */
export interface ColumnInfo {
  readonly name: string;
  readonly type: LogicalType;
  /** Timestamps and dates: the unit of their numbers (`timestamp` numbers count `unit`s since 1970-01-01 UTC). */
  readonly unit?: TimeUnit;
  /**
   * Categories: the category of each code (code `i` is `categories[i]`), or `null` while they are
   * not known (CSV and Parquet string columns until {@link Frame.categorize} or a declared list).
   */
  readonly categories?: readonly string[] | null;
  /** Whether the column may hold missing values (NaN in float dtypes, code -1 for categories). */
  readonly nullable: boolean;
  /** The dtype `col(name)` gives. */
  readonly dtype: DType;
  /** Decimals: precision and scale (read as float64, the nearest double). */
  readonly precision?: number;
  readonly scale?: number;
  /** Hive partition columns: the value of every row of each file comes from its directory name. */
  readonly partition?: boolean;
}

/**
 * A declared column type (`readCsv`'s `dtype`): a logical type name, `'timestamp[ms]'` style
 * names with a unit, or `{ categories }` for a category column with a fixed list (values outside
 * it read as missing, as pandas' `CategoricalDtype` does).
 */
export type ColumnTypeSpec =
  | Exclude<LogicalType, 'timestamp' | 'date' | 'decimal'>
  | 'timestamp'
  | `timestamp[${'s' | 'ms' | 'us' | 'ns'}]`
  | 'date'
  | { readonly categories: readonly string[] };

/** The dtype a column of `type` reads as (nullable integer and bool columns read as float64). */
export function columnDType(type: LogicalType, nullable: boolean): DType {
  switch (type) {
    case 'float32':
      return 'float32';
    case 'int8':
    case 'int16':
    case 'int32':
    case 'uint16':
      return nullable ? 'float64' : 'int32';
    case 'uint8':
    case 'bool':
      return nullable ? 'float64' : 'uint8';
    case 'category':
      return 'int32';
    default:
      return 'float64';
  }
}

/** pandas-style name of a column's type (`Frame.dtypes`): `'int64'`, `'category'`, `'timestamp[us]'`, `'decimal(10,2)'`. */
export function typeName(c: ColumnInfo): string {
  if (c.type === 'timestamp') return `timestamp[${c.unit}]`;
  if (c.type === 'date') return 'date[day]';
  if (c.type === 'decimal') return `decimal(${c.precision ?? '?'},${c.scale ?? 0})`;
  return c.type;
}

/** Whether values of a column of dtype `from` are exact in dtype `to`. */
export function holds(to: DType, from: DType): boolean {
  if (to === from || to === 'float64') return true;
  if (to === 'float32') return from === 'uint8';
  if (to === 'int32') return from === 'uint8';
  return false;
}

const INT_RANGES: Partial<Record<LogicalType, [number, number]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
  int64: [-(2 ** 53), 2 ** 53],
  uint64: [0, 2 ** 53],
};

/** The range a logical integer type holds exactly as a number (64-bit: ±2^53), or undefined. */
export function intRange(type: LogicalType): [number, number] | undefined {
  return INT_RANGES[type];
}

/** Milliseconds, microseconds… per unit, for converting between time units. */
export const UNIT_PER_SECOND: Readonly<Record<Exclude<TimeUnit, 'day'>, number>> = { s: 1, ms: 1e3, us: 1e6, ns: 1e9 };

/** Parses a declared type (see {@link ColumnTypeSpec}); throws TypeError naming the column. */
export function parseTypeSpec(
  spec: unknown,
  column: string,
  what: string,
): { type: LogicalType; unit?: TimeUnit; categories?: readonly string[] } {
  if (typeof spec === 'object' && spec !== null && Array.isArray((spec as { categories?: unknown }).categories)) {
    const cats = (spec as { categories: unknown[] }).categories;
    if (cats.some((c) => typeof c !== 'string')) throw new TypeError(`${what}: the categories of column '${column}' must be strings.`);
    if (new Set(cats).size !== cats.length) throw new TypeError(`${what}: the categories of column '${column}' must be distinct.`);
    return { type: 'category', categories: cats as string[] };
  }
  if (typeof spec === 'string') {
    const m = /^timestamp(?:\[(s|ms|us|ns)\])?$/.exec(spec);
    if (m) return { type: 'timestamp', unit: (m[1] as TimeUnit | undefined) ?? 'ms' };
    if (spec === 'date') return { type: 'date', unit: 'day' };
    if (spec in INT_RANGES || spec === 'float64' || spec === 'float32' || spec === 'bool' || spec === 'category')
      return { type: spec as LogicalType };
  }
  throw new TypeError(
    `${what}: column '${column}' has type ${JSON.stringify(spec)}; expected one of float64, float32, int8, int16, int32, int64, uint8, uint16, uint32, uint64, bool, category, timestamp[s|ms|us|ns], date, or { categories: [...] }.`,
  );
}
