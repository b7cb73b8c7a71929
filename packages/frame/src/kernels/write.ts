/**
 * Writing one block of a frame as one file (on a worker): Parquet through hyparquet-writer, CSV
 * as RFC 4180 text. The block arrives as float64 rows (every column type reads exactly into
 * float64: integers up to 2^53, category codes, timestamps in their unit) and each column is
 * written back in its own type.
 */
import { writeFileSync } from 'node:fs';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import * as zlib from 'node:zlib';
import { materialize } from '@tessera/array';
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import type { LogicalType, TimeUnit } from '../types.js';

/** hyparquet-writer's schema element (its own hyparquet's type). */
type SchemaElement = NonNullable<Parameters<typeof parquetWriteBuffer>[0]['schema']>[number];

/** What the writer needs to know of a column. */
export interface WriteColumn {
  readonly name: string;
  readonly type: LogicalType;
  readonly unit?: TimeUnit | undefined;
  readonly categories?: readonly string[] | null | undefined;
}

/** Parquet codecs Tessera writes. */
export type WriteCodec = 'uncompressed' | 'snappy' | 'gzip' | 'brotli' | 'zstd';

type ZstdSync = (buf: Uint8Array) => Buffer;

/** The compressors of hyparquet-writer beyond its built-in snappy (Node's zlib). */
function compressorsFor(codec: WriteCodec): Record<string, (input: Uint8Array) => Uint8Array> {
  if (codec === 'gzip') return { GZIP: (b) => gzipSync(b) };
  if (codec === 'brotli') return { BROTLI: (b) => brotliCompressSync(b) };
  if (codec === 'zstd') {
    const zstd = (zlib as unknown as { zstdCompressSync?: ZstdSync }).zstdCompressSync;
    if (!zstd)
      throw new Error(
        `the zstd codec needs Node.js 22.15 or later (zlib.zstdCompressSync); this is ${process.version}. Use 'snappy', 'gzip' or 'brotli'.`,
      );
    return { ZSTD: (b) => zstd(b) };
  }
  return {};
}

const UNIT_NAME = { ms: 'MILLIS', us: 'MICROS', ns: 'NANOS' } as const;

function schemaOf(c: WriteColumn): SchemaElement {
  const base = { name: c.name, repetition_type: 'OPTIONAL' as const };
  switch (c.type) {
    case 'float32':
      return { ...base, type: 'FLOAT' };
    case 'bool':
      return { ...base, type: 'BOOLEAN' };
    case 'int8':
    case 'int16':
    case 'int32':
    case 'uint8':
    case 'uint16':
      // Converted types rather than INTEGER logical types: hyparquet-writer 0.17 encodes the
      // latter so that DuckDB cannot read the footer ("TProtocolException: Invalid data").
      return { ...base, type: 'INT32', converted_type: c.type.toUpperCase().replace('INT', 'INT_') as 'INT_8' };
    case 'uint32':
      return { ...base, type: 'INT32', converted_type: 'UINT_32' };
    case 'int64':
    case 'uint64':
      return { ...base, type: 'INT64', converted_type: c.type === 'uint64' ? 'UINT_64' : 'INT_64' };
    case 'category':
      return { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } };
    case 'timestamp': {
      const unit = c.unit === 's' ? 'ms' : (c.unit as 'ms' | 'us' | 'ns');
      return { ...base, type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: UNIT_NAME[unit] } };
    }
    case 'date':
      return { ...base, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } };
    default:
      return { ...base, type: 'DOUBLE' };
  }
}

/** Column `j` of a row-major float64 block as the values hyparquet-writer takes (null where missing). */
function columnValues(c: WriteColumn, data: Float64Array, rows: number, width: number, j: number): unknown[] {
  const out = new Array<unknown>(rows);
  const s = c.type === 'timestamp' && c.unit === 's' ? 1000 : 1;
  for (let i = 0; i < rows; i++) {
    const v = data[i * width + j]!;
    if (Number.isNaN(v) || (c.type === 'category' && v < 0)) {
      out[i] = null;
      continue;
    }
    switch (c.type) {
      case 'bool':
        out[i] = v !== 0;
        break;
      case 'category':
        out[i] = c.categories![v]!;
        break;
      case 'int64':
      case 'uint64':
        out[i] = BigInt(v);
        break;
      case 'timestamp':
        out[i] = BigInt(Math.round(v * s));
        break;
      default:
        out[i] = v;
    }
  }
  return out;
}

/** Writes one block as a Parquet file (kernel `frame.writeParquet`); returns its row count. */
export function writeParquetBlock(arg: unknown, columns: readonly WriteColumn[], file: string, codec: WriteCodec): number {
  const block = materialize(arg);
  const rows = block.shape[0]!;
  const width = columns.length;
  const data = block.data instanceof Float64Array ? block.data : Float64Array.from(block.data);
  const columnData: ColumnSource[] = columns.map((c, j) => ({
    name: c.name,
    data: columnValues(c, data, rows, width, j) as ColumnSource['data'],
  }));
  const schema: SchemaElement[] = [{ name: 'root', num_children: columns.length }, ...columns.map(schemaOf)];
  const buf = parquetWriteBuffer({
    columnData,
    schema,
    codec: codec === 'uncompressed' ? 'UNCOMPRESSED' : (codec.toUpperCase() as 'SNAPPY'),
    compressors: compressorsFor(codec),
    // One row group per file: the block is the unit of work (readers then get one block per file).
    rowGroupSize: Math.max(1, rows),
    createdBy: 'Tessera (@tessera/frame) with hyparquet-writer',
  });
  writeFileSync(file, new Uint8Array(buf));
  return rows;
}

/** A CSV field: quoted when it holds the delimiter, a quote, or a line break (RFC 4180). */
function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function isoTime(v: number, unit: TimeUnit | undefined): string {
  if (unit === 'day') return new Date(v * 86_400_000).toISOString().slice(0, 10);
  const perMs = unit === 's' ? 1e-3 : unit === 'us' ? 1e3 : unit === 'ns' ? 1e6 : 1;
  const ms = Math.floor(v / perMs);
  const rest = v - ms * perMs; // below a millisecond, in the unit
  const base = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  if (perMs <= 1 || rest === 0) return base.replace('.000Z', 'Z');
  const digits = unit === 'us' ? 3 : 6;
  return `${base.slice(0, -1)}${String(Math.round(rest)).padStart(digits, '0')}Z`;
}

/** Writes one block as a CSV file with a header (kernel `frame.writeCsv`); returns its row count. */
export function writeCsvBlock(arg: unknown, columns: readonly WriteColumn[], file: string): number {
  const block = materialize(arg);
  const rows = block.shape[0]!;
  const width = columns.length;
  const data = block.data;
  const lines: string[] = [columns.map((c) => csvField(c.name)).join(',')];
  const cats = columns.map((c) => (c.categories ? c.categories.map(csvField) : null));
  for (let i = 0; i < rows; i++) {
    const fields = new Array<string>(width);
    for (let j = 0; j < width; j++) {
      const v = data[i * width + j]!;
      const c = columns[j]!;
      if (Number.isNaN(v) || (c.type === 'category' && v < 0)) fields[j] = '';
      else if (c.type === 'category') fields[j] = cats[j]![v]!;
      else if (c.type === 'bool') fields[j] = v ? 'True' : 'False';
      else if (c.type === 'timestamp' || c.type === 'date') fields[j] = isoTime(v, c.unit);
      else fields[j] = String(v);
    }
    lines.push(fields.join(','));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return rows;
}
