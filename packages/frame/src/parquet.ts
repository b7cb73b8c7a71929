/**
 * `readParquet`: Parquet files (a file, a directory of files with hive-style `key=value`
 * partitions, a glob, a list) as a lazy {@link Frame}. The footers are read on the main thread
 * (hyparquet's metadata parser): the schema, the row groups — which are the blocks — and where
 * each column chunk lies. The workers read only the chunks of the selected columns.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { Graph, compute } from '@tessera/scheduler';
import { allocate, tokenize, type ArrayComputeOptions, type DType, type NDArray } from '@tessera/array';
import { FormatError } from '@tessera/io';
import { parquetMetadata, parquetSchema, type FileMetaData, type SchemaTree } from 'hyparquet';
import { Frame, sourceArray, type Table, type TableSource } from './frame.js';
import { describeFiles, resolveFiles, type DataFile } from './files.js';
import { FrameKernel } from './kernel_names.js';
import {
  parquetStrings,
  readParquetRows,
  type ParquetChunk,
  type ParquetColumnPlan,
  type ParquetGroup,
  type ParquetParams,
} from './kernels/parquet.js';
import { columnDType, type ColumnInfo, type LogicalType, type TimeUnit } from './types.js';

/** Options of {@link readParquet}. */
export interface ReadParquetOptions {
  /** The columns to read, in the frame's order (default: every column Tessera reads). */
  readonly columns?: readonly string[];
}

const MAGIC = 'PAR1';
const HIVE_NULL = '__HIVE_DEFAULT_PARTITION__';

/** The footer of a Parquet file, parsed by hyparquet. */
function readFooter(file: DataFile): FileMetaData {
  const fail = (m: string, cause?: unknown): never => {
    throw new FormatError({ file: file.path }, m, cause === undefined ? undefined : { cause });
  };
  if (file.size < 12) fail(`not a Parquet file: ${file.size} bytes, fewer than the 12 of an empty one.`);
  const fd = openSync(file.path, 'r');
  try {
    const head = Buffer.alloc(4);
    readSync(fd, head, 0, 4, 0);
    const tail = Buffer.alloc(8);
    readSync(fd, tail, 0, 8, file.size - 8);
    if (head.toString('latin1') !== MAGIC || tail.toString('latin1', 4) !== MAGIC) {
      fail(`not a Parquet file (it does not start and end with "${MAGIC}"${head.toString('latin1') === MAGIC ? ': truncated?' : ''}).`);
    }
    const len = tail.readUInt32LE(0);
    if (len + 12 > file.size)
      fail(`the footer says its metadata takes ${len} bytes, more than the file holds (${file.size} bytes): truncated or corrupt.`);
    const meta = Buffer.alloc(len + 8);
    readSync(fd, meta, 0, len + 8, file.size - 8 - len);
    try {
      return parquetMetadata(meta.buffer.slice(meta.byteOffset, meta.byteOffset + meta.length) as ArrayBuffer);
    } catch (error) {
      return fail(`its metadata cannot be read (corrupt footer): ${(error as Error).message}`, error);
    }
  } finally {
    closeSync(fd);
  }
}

interface LeafType {
  plan: Omit<ParquetColumnPlan, 'name' | 'categories'>;
  precision?: number;
  unit?: TimeUnit;
}

/** The logical type of a flat column, or a reason it is not read. */
function leafType(node: SchemaTree): LeafType | string {
  const e = node.element;
  const lt = e.logical_type;
  const ct = e.converted_type;
  const t = e.type;
  const maxDef = e.repetition_type === 'OPTIONAL' ? 1 : 0;
  const base = { physical: t, typeLength: e.type_length, maxDef };
  if (e.repetition_type === 'REPEATED') return 'a repeated field (a list)';
  if (lt?.type === 'DECIMAL' || ct === 'DECIMAL') {
    const scale = lt?.type === 'DECIMAL' ? lt.scale : (e.scale ?? 0);
    const precision = lt?.type === 'DECIMAL' ? lt.precision : e.precision;
    return { plan: { ...base, type: 'decimal', scale }, ...(precision !== undefined ? { precision } : {}) };
  }
  switch (t) {
    case 'BOOLEAN':
      return { plan: { ...base, type: 'bool' } };
    case 'FLOAT':
      return { plan: { ...base, type: 'float32' } };
    case 'DOUBLE':
      return { plan: { ...base, type: 'float64' } };
    case 'INT96':
      return { plan: { ...base, type: 'timestamp', unit: 'ns', int96: true }, unit: 'ns' };
    case 'INT32': {
      if (lt?.type === 'DATE' || ct === 'DATE') return { plan: { ...base, type: 'date', unit: 'day' }, unit: 'day' };
      if (lt?.type === 'TIME' || ct === 'TIME_MILLIS') return 'a time of day';
      const bits =
        lt?.type === 'INTEGER' ? lt.bitWidth : ct === 'INT_8' || ct === 'UINT_8' ? 8 : ct === 'INT_16' || ct === 'UINT_16' ? 16 : 32;
      const unsigned = lt?.type === 'INTEGER' ? !lt.isSigned : ct === 'UINT_8' || ct === 'UINT_16' || ct === 'UINT_32';
      return { plan: { ...base, type: `${unsigned ? 'uint' : 'int'}${bits}` as LogicalType, unsigned: unsigned && bits === 32 } };
    }
    case 'INT64': {
      if (lt?.type === 'TIMESTAMP' || ct === 'TIMESTAMP_MILLIS' || ct === 'TIMESTAMP_MICROS') {
        const unit: TimeUnit =
          lt?.type === 'TIMESTAMP'
            ? lt.unit === 'MILLIS'
              ? 'ms'
              : lt.unit === 'MICROS'
                ? 'us'
                : 'ns'
            : ct === 'TIMESTAMP_MILLIS'
              ? 'ms'
              : 'us';
        return { plan: { ...base, type: 'timestamp', unit }, unit };
      }
      if (lt?.type === 'TIME' || ct === 'TIME_MICROS') return 'a time of day';
      const unsigned = lt?.type === 'INTEGER' ? !lt.isSigned : ct === 'UINT_64';
      return { plan: { ...base, type: unsigned ? 'uint64' : 'int64', unsigned } };
    }
    case 'BYTE_ARRAY':
      if (lt?.type === 'STRING' || lt?.type === 'ENUM' || ct === 'UTF8' || ct === 'ENUM') return { plan: { ...base, type: 'category' } };
      return lt?.type === 'JSON' || ct === 'JSON' ? 'JSON' : 'binary';
    case 'FIXED_LEN_BYTE_ARRAY':
      if (lt?.type === 'FLOAT16') return { plan: { ...base, type: 'float32', float16: true } };
      return lt?.type === 'UUID' ? 'UUID' : 'fixed-length binary';
    default:
      return String(t);
  }
}

interface FileInfo {
  readonly file: DataFile;
  readonly meta: FileMetaData;
  /** Leaf column name → its index among the row group's column chunks. */
  readonly chunkIndex: Map<string, number>;
}

class ParquetSource implements TableSource {
  readonly format = 'parquet' as const;
  readonly paths: readonly string[];
  readonly blockRows: readonly number[];
  /** Row groups with at least one row, in file order: the blocks. */
  readonly groups: readonly { info: FileInfo; group: number; row0: number; rows: number }[];

  constructor(
    readonly description: string,
    readonly token: string,
    readonly files: readonly FileInfo[],
    readonly plans: ReadonlyMap<string, Omit<ParquetColumnPlan, 'categories'>>,
  ) {
    this.paths = files.map((f) => f.file.path);
    const groups: { info: FileInfo; group: number; row0: number; rows: number }[] = [];
    let row = 0;
    for (const info of files) {
      info.meta.row_groups.forEach((rg, group) => {
        const rows = Number(rg.num_rows);
        if (rows > 0) groups.push({ info, group, row0: row, rows });
        row += rows;
      });
    }
    this.groups = groups;
    this.blockRows = groups.map((g) => g.rows);
  }

  computeLengths(): Promise<void> {
    return Promise.resolve();
  }

  planOf(c: ColumnInfo): ParquetColumnPlan {
    const p = this.plans.get(c.name);
    if (!p) throw new Error(`internal: no Parquet plan for column '${c.name}'.`);
    return { ...p, categories: c.categories ?? null };
  }

  /** The row groups overlapping `[r0, r1)`, with the chunks of `columns`. */
  groupsFor(columns: readonly ParquetColumnPlan[], r0: number, r1: number): ParquetGroup[] {
    const out: ParquetGroup[] = [];
    this.groups.forEach((g, index) => {
      if (!(g.row0 < r1 && g.row0 + g.rows > r0)) return;
      const rg = g.info.meta.row_groups[g.group]!;
      const chunks = columns.map((c): ParquetChunk | { value: string | null } => {
        if (c.partition) {
          const v = g.info.file.partitions.find(([k]) => k === c.name)?.[1];
          return { value: v === undefined || v === HIVE_NULL ? null : v };
        }
        const cc = rg.columns[g.info.chunkIndex.get(c.name)!]!.meta_data!;
        const start = Number(cc.dictionary_page_offset ?? cc.data_page_offset);
        // Some writers put the dictionary offset 0 when there is none.
        const offset =
          cc.dictionary_page_offset !== undefined && Number(cc.dictionary_page_offset) > 0 ? start : Number(cc.data_page_offset);
        return { offset, size: Number(cc.total_compressed_size), codec: cc.codec };
      });
      out.push({ path: g.info.file.path, group: g.group, index, row0: g.row0, rows: g.rows, chunks });
    });
    return out;
  }

  params(columns: readonly ParquetColumnPlan[], r0: number, r1: number): ParquetParams {
    return { groups: this.groupsFor(columns, r0, r1), columns };
  }

  array(columns: readonly ColumnInfo[], dtype: DType, oneD: boolean): NDArray {
    const plans = columns.map((c) => this.planOf(c));
    return sourceArray(this, 'read-parquet', columns, dtype, oneD, (r0, r1) => this.params(plans, r0, r1), 'frame-parquet');
  }

  async head(columns: readonly ColumnInfo[], n: number): Promise<Table> {
    const total = this.blockRows.reduce((a, b) => a + b, 0);
    const rows = Math.min(n, total);
    const data: Record<string, Float64Array | Float32Array | Int32Array | Uint8Array | (string | null)[]> = {};
    for (const c of columns) {
      const plan = this.planOf(c);
      if (c.type === 'category') {
        const values: (string | null)[] = [];
        for (const g of this.groupsFor([plan], 0, rows)) values.push(...parquetStrings(g, plan, 0, 0, Math.min(g.rows, rows - g.row0)));
        data[c.name] = values;
      } else {
        const out = allocate(c.dtype, rows);
        if (rows > 0) readParquetRows(this.params([plan], 0, rows), 0, rows, 0, 1, out, 0);
        data[c.name] = out;
      }
    }
    return { columns: columns.map((c) => c.name), nRows: rows, data };
  }

  async categories(columns: readonly ColumnInfo[], options: ArrayComputeOptions): Promise<string[][]> {
    const plans = columns.map((c) => this.planOf(c));
    const g = new Graph();
    const name = `parquet-categories-${tokenize(
      this.token,
      plans.map((p) => p.name),
    )}`;
    const keys = this.groups.map((grp, i) => {
      const key = `${name}[${i}]`;
      g.add(key, FrameKernel.parquetCategories, [this.params(plans, grp.row0, grp.row0 + grp.rows), i]);
      return key;
    });
    const results = keys.length ? await compute(g, keys, options) : {};
    return columns.map((_, j) => {
      const all = new Set<string>();
      for (const k of keys) for (const v of (results[k] as string[][])[j]!) all.add(v);
      return [...all].sort();
    });
  }
}

/**
 * Opens Parquet files as a lazy {@link Frame}: `path` is a file, a directory of files (hive-style
 * `key=value` subdirectories become columns), a glob or a list, all with the same columns. Row
 * groups are the blocks; a block reads only the selected columns' chunks. Every codec (snappy,
 * gzip, zstd, brotli, lz4, uncompressed) and encoding (PLAIN, dictionary, RLE, delta,
 * byte-stream-split) reads; nulls read as NaN (code -1 for categories). String columns are
 * categories: learn them with {@link Frame.categorize}.
 *
 * @example
 * const df = await readParquet('sales/', { columns: ['price', 'qty', 'region'] });
 * const X = (await df.categorize()).toArray();
 */
export async function readParquet(path: string | readonly string[], options: ReadParquetOptions = {}): Promise<Frame> {
  const files = await resolveFiles('readParquet', path, ['.parquet', '.parq', '.pq']);
  const description = describeFiles(path, files);
  const infos: FileInfo[] = files.map((file) => {
    const meta = readFooter(file);
    const chunkIndex = new Map<string, number>();
    (meta.row_groups[0]?.columns ?? []).forEach((c, i) => chunkIndex.set(c.meta_data?.path_in_schema.join('.') ?? `#${i}`, i));
    return { file, meta, chunkIndex };
  });
  // The schema of the first file; every other file must have the same columns and types.
  const first = infos[0]!;
  const tree = parquetSchema(first.meta);
  const plans = new Map<string, Omit<ParquetColumnPlan, 'categories'>>();
  const columns: ColumnInfo[] = [];
  const unreadable = new Map<string, string>();
  for (const node of tree.children) {
    const name = node.element.name;
    if (node.children.length > 0) {
      unreadable.set(name, node.element.logical_type?.type ?? node.element.converted_type ?? 'a nested group (struct, list or map)');
      continue;
    }
    const t = leafType(node);
    if (typeof t === 'string') {
      unreadable.set(name, t);
      continue;
    }
    const nullable =
      (t.plan.maxDef ?? 0) > 0 &&
      infos.some((f) =>
        f.meta.row_groups.some((rg) => {
          const cc = rg.columns[f.chunkIndex.get(name) ?? -1]?.meta_data;
          const nc = cc?.statistics?.null_count;
          return nc === undefined || Number(nc) > 0;
        }),
      );
    plans.set(name, { name, ...t.plan });
    columns.push({
      name,
      type: t.plan.type,
      ...(t.unit ? { unit: t.unit } : {}),
      ...(t.plan.type === 'category' ? { categories: null } : {}),
      ...(t.precision !== undefined ? { precision: t.precision, scale: t.plan.scale ?? 0 } : {}),
      nullable,
      dtype: columnDType(t.plan.type, nullable),
    });
  }
  for (const f of infos.slice(1)) {
    const other = parquetSchema(f.meta);
    const names = other.children.map((c) => c.element.name);
    const want = tree.children.map((c) => c.element.name);
    if (names.join('\u0000') !== want.join('\u0000')) {
      throw new FormatError(
        { file: f.file.path },
        `its columns (${names.join(', ')}) differ from those of ${first.file.path} (${want.join(', ')}).`,
      );
    }
    for (const node of other.children) {
      const p = plans.get(node.element.name);
      if (p && node.element.type !== p.physical) {
        throw new FormatError(
          { file: f.file.path },
          `column '${node.element.name}' is stored as ${node.element.type} where ${first.file.path} stores ${p.physical}.`,
        );
      }
    }
  }
  // Hive partitions: key=value directories, the same keys for every file.
  const keys = files[0]!.partitions.map(([k]) => k);
  for (const f of files) {
    const ks = f.partitions.map(([k]) => k);
    if (ks.join('/') !== keys.join('/'))
      throw new FormatError(
        { file: f.path },
        `its partition directories (${ks.join('/') || 'none'}) differ from those of ${files[0]!.path} (${keys.join('/') || 'none'}).`,
      );
  }
  for (const key of keys) {
    if (plans.has(key))
      throw new FormatError({ file: files[0]!.path }, `the partition directory '${key}=…' names a column the files also hold.`);
    const values = files.map((f) => f.partitions.find(([k]) => k === key)![1]).filter((v) => v !== HIVE_NULL);
    const nullable = values.length < files.length;
    const ints = values.every((v) => /^[+-]?\d+$/.test(v) && Math.abs(Number(v)) <= 2 ** 53);
    const nums = values.every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
    const type: LogicalType = values.length === 0 ? 'category' : ints ? 'int64' : nums ? 'float64' : 'category';
    plans.set(key, { name: key, type, partition: true });
    columns.push({
      name: key,
      type,
      nullable,
      partition: true,
      dtype: columnDType(type, nullable),
      ...(type === 'category' ? { categories: [...new Set(values)].sort() } : {}),
    });
  }
  let chosen = columns;
  if (options.columns !== undefined) {
    if (!Array.isArray(options.columns)) throw new TypeError('readParquet: columns must be an array of column names.');
    chosen = options.columns.map((n) => {
      const c = columns.find((x) => x.name === n);
      if (c) return c;
      const why = unreadable.get(n);
      if (why)
        throw new FormatError(
          { file: first.file.path },
          `column '${n}' is ${why}, which Tessera does not read (numbers, bool, strings as categories, dates, timestamps and decimals).`,
        );
      throw new RangeError(`readParquet: no column '${n}' in ${description} (columns: ${columns.map((x) => x.name).join(', ')}).`);
    });
  }
  // Every file must hold each chosen stored column.
  for (const c of chosen) {
    if (c.partition) continue;
    for (const f of infos) {
      if (f.meta.row_groups.length > 0 && !f.chunkIndex.has(c.name))
        throw new FormatError({ file: f.file.path }, `no column chunk for column '${c.name}'.`);
    }
  }
  const token = tokenize(
    'parquet',
    files.map((f) => [f.path, f.size, f.mtimeMs]),
  );
  return new Frame(new ParquetSource(description, token, infos, plans), chosen);
}
