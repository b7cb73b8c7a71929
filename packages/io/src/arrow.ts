/**
 * Arrow IPC *file* format, one record batch per row block, for flat schemas of numeric columns.
 *
 * Reading goes through the footer: its schema and the list of record batches (offset, metadata
 * and body lengths); each batch's metadata gives its row count and the position of every column
 * buffer, so a block read fetches only its columns' value bytes. Writing lays the file out up front
 * (header, then each batch at an offset computed from its row count, then the footer), so blocks can
 * be written in parallel at their offsets. Unlike apache-arrow's own file writer, the files written
 * here carry the schema message after the leading magic, as the format requires (the file is the
 * stream format between magics), so strict readers accept them.
 *
 * apache-arrow is loaded on first use (it takes ~150 ms to import).
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import type * as ArrowNS from 'apache-arrow';
import type * as MessageNS from 'apache-arrow/ipc/metadata/message';
import type * as FileNS from 'apache-arrow/ipc/metadata/file';
import { convertElements, READS_AS, scratchBytes, STORED_BYTES, STORED_NAMES, type StoredType } from './convert.js';
import { ARRAY_TYPES, bytesPerElement, type NumericArray, type NumericDType } from './dtypes.js';
import { FormatError } from './errors.js';
import { describeFsError, readFully, writeFully } from './npy.js';

interface ArrowModules {
  arrow: typeof ArrowNS;
  message: typeof MessageNS;
  file: typeof FileNS;
}
let modules: Promise<ArrowModules> | undefined;
function arrowModules(): Promise<ArrowModules> {
  modules ??= Promise.all([
    import('apache-arrow'),
    import('apache-arrow/ipc/metadata/message'),
    import('apache-arrow/ipc/metadata/file'),
  ]).then(([arrow, message, file]) => ({ arrow, message, file }));
  return modules;
}

const MAGIC = 'ARROW1';

/**
 * How a column's values are stored: a {@link StoredType} (one little-endian element per value), or
 * `'bit'` for Arrow's bit-packed booleans. A dictionary-encoded column is stored as its integer
 * codes (the index type).
 */
export type ArrowStored = StoredType | 'bit';

/** One column of an Arrow file's schema. */
export interface ArrowColumn {
  readonly name: string;
  /**
   * The Tessera dtype it reads as, or null when the type is not supported: as the stored type reads
   * (`convert.ts`: Int64 → float64, Int16 → int32, Float16 → float32, Bool → uint8…), except that
   * an integer or Bool column with nulls in any batch reads as float64 (nulls as NaN).
   */
  readonly dtype: NumericDType | null;
  /** How the values are stored, or null when the type is not supported. */
  readonly stored: ArrowStored | null;
  /** Whether any batch has nulls in this column. */
  readonly hasNulls: boolean;
  /** Arrow's name of the type (`Float64`, `Utf8`, `Dictionary<Int32, Utf8>`…), for messages. */
  readonly type: string;
}

/** Where one column's buffers sit inside a record batch's body. */
export interface ArrowBuffers {
  readonly nullCount: number;
  readonly validityOffset: number;
  readonly validityLength: number;
  readonly valuesOffset: number;
  readonly valuesLength: number;
}

/** One record batch: its place in the file, its rows and its column buffers. */
export interface ArrowBatch {
  readonly offset: number;
  readonly metaLength: number;
  readonly bodyLength: number;
  readonly rows: number;
  /** Absolute file offset of the body. */
  readonly bodyStart: number;
  /** Per column (schema order); null for a column whose type is not supported. */
  readonly columns: readonly (ArrowBuffers | null)[];
}

/** What {@link readArrowFileInfo} finds. */
export interface ArrowFileInfo {
  readonly file: string;
  readonly columns: readonly ArrowColumn[];
  readonly batches: readonly ArrowBatch[];
  readonly rows: number;
  readonly size: number;
}

/** A column to read: its index in the schema, name, how it is stored (see {@link ArrowColumn}). */
export interface ArrowReadColumn {
  readonly index: number;
  readonly name: string;
  readonly stored: ArrowStored;
}

function storedOf(type: ArrowNS.DataType, arrow: typeof ArrowNS): ArrowStored | null {
  if (arrow.DataType.isDictionary(type)) return storedOf(type.indices, arrow);
  if (arrow.DataType.isFloat(type)) {
    return type.precision === arrow.Precision.DOUBLE ? 'f8' : type.precision === arrow.Precision.SINGLE ? 'f4' : 'f2';
  }
  if (arrow.DataType.isInt(type)) return `${type.isSigned ? 'i' : 'u'}${type.bitWidth / 8}` as StoredType;
  if (arrow.DataType.isBool(type)) return 'bit';
  return null;
}

function readsAs(stored: ArrowStored, hasNulls: boolean): NumericDType {
  const d = stored === 'bit' ? 'uint8' : READS_AS[stored];
  return hasNulls && (d === 'int32' || d === 'uint8') ? 'float64' : d;
}

/** Bytes of `rows` values stored as `stored`. */
function valueBytes(stored: ArrowStored, rows: number): number {
  return stored === 'bit' ? (rows + 7) >> 3 : rows * STORED_BYTES[stored];
}

/**
 * Field nodes and buffers one column of `type` takes in a record batch (metadata V5: no validity
 * buffer for unions, none at all for Null), children included. `exact` is false where the count
 * depends on the batch (view types' variadic buffers, unions written before V5).
 */
function layoutCount(type: ArrowNS.DataType, arrow: typeof ArrowNS): { nodes: number; buffers: number; exact: boolean } {
  const T = arrow.Type;
  const kids = (own: number) => {
    let nodes = 1;
    let buffers = own;
    let exact = true;
    for (const child of type.children ?? []) {
      const c = layoutCount(child.type, arrow);
      nodes += c.nodes;
      buffers += c.buffers;
      exact &&= c.exact;
    }
    return { nodes, buffers, exact };
  };
  switch (type.typeId) {
    case T.Null:
      return { nodes: 1, buffers: 0, exact: true };
    case T.Utf8:
    case T.Binary:
    case T.LargeUtf8:
    case T.LargeBinary:
      return { nodes: 1, buffers: 3, exact: true };
    case T.BinaryView:
    case T.Utf8View:
      return { nodes: 1, buffers: 2, exact: false };
    case T.List:
    case T.LargeList:
    case T.Map:
      return kids(2);
    case T.FixedSizeList:
    case T.Struct:
      return kids(1);
    case T.Union: {
      const k = kids((type as ArrowNS.Union).mode === arrow.UnionMode.Dense ? 2 : 1);
      return { ...k, exact: false };
    }
    default:
      // Fixed-width types (numbers, Bool, dates, times, decimals, FixedSizeBinary) and dictionary codes.
      return { nodes: 1, buffers: 2, exact: true };
  }
}

/**
 * Reads an Arrow IPC file's footer and every record batch's metadata (not the data), and checks
 * each batch against the file's schema: its field nodes and buffers, every readable column's row
 * count and buffer sizes — a batch written with other columns or types is an error naming the
 * batch and the column, never bytes read as something they are not. Throws a {@link FormatError}
 * naming the file (and batch) when it is not an Arrow file, is truncated or corrupt (whatever
 * apache-arrow's decoders make of the bytes), or uses compression.
 */
export async function readArrowFileInfo(path: string): Promise<ArrowFileInfo> {
  const mods = await arrowModules();
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new FormatError({ file: path }, describeFsError(error), { cause: error });
  }
  const at: { batch?: number; what: string } = { what: 'footer' };
  try {
    return readInfo(fd, path, mods, at);
  } catch (error) {
    if (error instanceof FormatError) throw error;
    // Corrupt flatbuffers make apache-arrow's decoders throw TypeErrors and RangeErrors of their own.
    throw new FormatError(
      at.batch === undefined ? { file: path } : { file: path, block: at.batch },
      `corrupt ${at.what}: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    closeSync(fd);
  }
}

function readInfo(
  fd: number,
  path: string,
  { arrow, message, file: fileMod }: ArrowModules,
  at: { batch?: number; what: string },
): ArrowFileInfo {
  const size = fstatSync(fd).size;
  const where = { file: path };
  if (size < 18)
    throw new FormatError(where, `truncated or not an Arrow IPC file: ${size} bytes is shorter than the magic strings and footer.`);
  const head = new Uint8Array(16);
  readFully(fd, head, 0, 16, 0);
  if (ascii(head.subarray(0, 6)) !== MAGIC) {
    const stream = new DataView(head.buffer).getInt32(0, true) === -1;
    throw new FormatError(
      where,
      stream
        ? 'this is an Arrow IPC *stream*, not a file (no ARROW1 magic); write it with the file format.'
        : 'not an Arrow IPC file: it does not start with ARROW1.',
    );
  }
  const tail = new Uint8Array(10);
  readFully(fd, tail, 0, 10, size - 10);
  if (ascii(tail.subarray(4)) !== MAGIC)
    throw new FormatError(
      where,
      'truncated: the file does not end with the ARROW1 magic (was it cut short or is it still being written?).',
    );
  const footerLength = new DataView(tail.buffer).getInt32(0, true);
  const footerStart = size - 10 - footerLength;
  if (footerLength <= 0 || footerStart < 8)
    throw new FormatError(where, `corrupt: footer length ${footerLength} does not fit in a ${size}-byte file.`);
  const footerBytes = new Uint8Array(footerLength);
  readFully(fd, footerBytes, 0, footerLength, footerStart);
  checkFooterBounds(footerBytes);
  const footer = fileMod.Footer.decode(footerBytes);
  const fields = footer.schema.fields;
  if (!Array.isArray(fields)) throw new FormatError(where, 'corrupt footer: no schema fields.');
  const counts = fields.map((f) => layoutCount(f.type, arrow));
  const nodesPerBatch = counts.reduce((a, c) => a + c.nodes, 0);
  const buffersPerBatch = counts.reduce((a, c) => a + c.buffers, 0);
  const exactCounts = counts.every((c) => c.exact);
  const stored = fields.map((f) => storedOf(f.type, arrow));
  at.what = 'schema message';
  checkLeadingSchema(fd, path, head, footerStart, fields, message);
  const numBatches = footer.numRecordBatches;
  const batches: ArrowBatch[] = [];
  const nulls = fields.map(() => false);
  let rows = 0;
  for (let b = 0; b < numBatches; b++) {
    at.batch = b;
    at.what = 'record batch metadata';
    const blk = footer.getRecordBatch(b);
    const bw = { file: path, block: b };
    if (!blk) throw new FormatError(bw, 'corrupt footer: the record batch is not listed.');
    const offset = Number(blk.offset);
    const metaLength = blk.metaDataLength;
    const bodyLength = Number(blk.bodyLength);
    if (
      ![offset, metaLength, bodyLength].every((v) => Number.isSafeInteger(v) && v >= 0) ||
      metaLength < 8 ||
      offset < 8 ||
      offset + metaLength + bodyLength > footerStart
    ) {
      throw new FormatError(
        bw,
        `truncated or corrupt: record batch at offset ${offset} (${metaLength} + ${bodyLength} bytes) runs past the data section, which ends at ${footerStart}.`,
      );
    }
    const meta = new Uint8Array(metaLength);
    readFully(fd, meta, 0, metaLength, offset);
    const dv = new DataView(meta.buffer);
    const prefix = dv.getInt32(0, true) === -1 ? 8 : 4;
    const flatLength = dv.getInt32(prefix - 4, true);
    if (flatLength <= 0 || prefix + flatLength > metaLength)
      throw new FormatError(bw, `corrupt record batch metadata (length ${flatLength} in a ${metaLength}-byte block).`);
    checkMessageBounds(meta.subarray(prefix, prefix + flatLength));
    const msg = message.Message.decode(meta.subarray(prefix, prefix + flatLength));
    if (!msg.isRecordBatch())
      throw new FormatError(bw, `corrupt: the footer points at a message of type ${msg.headerType}, not a record batch.`);
    const header = msg.header();
    if (header.compression) throw new FormatError(bw, 'compressed record batches are not supported; write the file without compression.');
    const length = Number(header.length);
    if (!Number.isSafeInteger(length) || length < 0) throw new FormatError(bw, `corrupt: the batch says it has ${header.length} rows.`);
    const differs = `the batch does not have the file's schema (${fields.length} columns: ${fields.map((f) => `${f.name} ${f.type}`).join(', ')})`;
    if (
      header.nodes.length !== nodesPerBatch ||
      (exactCounts ? header.buffers.length !== buffersPerBatch : header.buffers.length < buffersPerBatch)
    ) {
      // Name the first column whose nodes or buffers are not where the schema puts them.
      let n = 0;
      let bi = 0;
      let col = fields[fields.length - 1]?.name;
      for (let c = 0; c < fields.length; c++) {
        n += counts[c]!.nodes;
        bi += counts[c]!.buffers;
        if (n > header.nodes.length || bi > header.buffers.length) {
          col = fields[c]!.name;
          break;
        }
      }
      throw new FormatError(
        bw,
        `${differs}: it has ${header.nodes.length} field nodes and ${header.buffers.length} buffers where the schema calls for ${nodesPerBatch} and ${buffersPerBatch}${col === undefined ? '' : ` (column '${col}' is the first that does not fit)`}.`,
      );
    }
    const cols: (ArrowBuffers | null)[] = [];
    let node = 0;
    let bi = 0;
    for (let c = 0; c < fields.length; c++) {
      const st = stored[c];
      const name = fields[c]!.name;
      const n = header.nodes[node]!;
      const validity = header.buffers[bi]!;
      const values = header.buffers[bi + 1]!;
      node += counts[c]!.nodes;
      bi += counts[c]!.buffers;
      if (st === null) {
        cols.push(null);
        continue;
      }
      const nodeLength = Number(n.length);
      const nullCount = Number(n.nullCount);
      if (nodeLength !== length)
        throw new FormatError(bw, `${differs}: column '${name}' has ${nodeLength} values in a batch of ${length} rows.`);
      if (!(nullCount >= 0 && nullCount <= length))
        throw new FormatError(bw, `corrupt: column '${name}' says it has ${nullCount} nulls in ${length} rows.`);
      const need = valueBytes(st, length);
      const got = Number(values.length);
      // At least what the type takes; a buffer twice that and past the 64-byte padding holds wider values.
      if (got < need || (got >= 2 * need && got > ((need + 63) & ~63))) {
        throw new FormatError(
          bw,
          `${differs}: column '${name}' has a ${got}-byte values buffer where ${length} ${fields[c]!.type} values take ${need} bytes.`,
        );
      }
      if (Number(values.offset) + need > bodyLength)
        throw new FormatError(bw, `truncated or corrupt: column '${name}''s values run past the batch's ${bodyLength}-byte body.`);
      if (nullCount > 0) {
        if (Number(validity.length) < (length + 7) >> 3 || Number(validity.offset) + ((length + 7) >> 3) > bodyLength) {
          throw new FormatError(
            bw,
            `corrupt: column '${name}' has ${nullCount} nulls but a ${validity.length}-byte validity bitmap for ${length} rows.`,
          );
        }
        nulls[c] = true;
      }
      cols.push({
        nullCount,
        validityOffset: Number(validity.offset),
        validityLength: Number(validity.length),
        valuesOffset: Number(values.offset),
        valuesLength: got,
      });
    }
    batches.push({ offset, metaLength, bodyLength, rows: length, bodyStart: offset + metaLength, columns: cols });
    rows += length;
  }
  const columns: ArrowColumn[] = fields.map((f, c) => {
    const st = stored[c]!;
    return { name: f.name, stored: st, hasNulls: nulls[c]!, dtype: st === null ? null : readsAs(st, nulls[c]!), type: String(f.type) };
  });
  return { file: path, columns, batches, rows, size };
}

/**
 * The file format is the stream format between magics, so it may open with a schema message (this
 * package's writer puts it there; apache-arrow's JS writer does not). When there is one it must
 * agree with the footer's: a stream reader would use it for every batch.
 */
function checkLeadingSchema(
  fd: number,
  path: string,
  head: Uint8Array,
  footerStart: number,
  fields: readonly ArrowNS.Field[],
  message: typeof MessageNS,
): void {
  const dv = new DataView(head.buffer);
  const cont = dv.getInt32(8, true) === -1;
  const len = dv.getInt32(cont ? 12 : 8, true);
  const start = cont ? 16 : 12;
  if (len <= 0 || start + len > footerStart) return;
  const bytes = new Uint8Array(len);
  readFully(fd, bytes, 0, len, start);
  let msg: MessageNS.Message;
  try {
    checkMessageBounds(bytes);
    msg = message.Message.decode(bytes);
  } catch {
    return; // not a message here (files without the schema message start with a batch's bytes)
  }
  if (!msg.isSchema()) return;
  const lead = msg.header().fields;
  const describe = (fs: readonly ArrowNS.Field[]) => fs.map((f) => `${f.name} ${f.type}`).join(', ');
  if (lead.length !== fields.length || lead.some((f, i) => f.name !== fields[i]!.name || String(f.type) !== String(fields[i]!.type))) {
    const i = lead.findIndex((f, k) => f.name !== fields[k]?.name || String(f.type) !== String(fields[k]?.type));
    const col = i < 0 ? fields[lead.length]?.name : (fields[i]?.name ?? lead[i]!.name);
    throw new FormatError(
      { file: path },
      `the schema message at the start of the file (${describe(lead)}) differs from the footer's (${describe(fields)})${col === undefined ? '' : ` at column '${col}'`}: the batches cannot have both.`,
    );
  }
}

/**
 * Reads rows `[r0, r1)` of the given columns of one record batch into `out` (row-major, `stride`
 * elements per row, column `k` of `columns` going to position `colOffset + k`), converting from
 * the stored type to `out`'s dtype a piece at a time. Nulls read as NaN (`out` must then be a float
 * array: a column with nulls reads as float, see {@link ArrowColumn}); a 64-bit integer beyond
 * ±2^53 is a {@link FormatError} naming the batch, row and column.
 */
export function readArrowRegion(
  fd: number,
  file: string,
  batchIndex: number,
  batch: ArrowBatch,
  columns: readonly ArrowReadColumn[],
  r0: number,
  r1: number,
  out: NumericArray,
  outOffset: number,
  stride: number,
  colOffset: number,
): void {
  const n = r1 - r0;
  const where = { file, block: batchIndex };
  const outIsFloat = out instanceof Float64Array || out instanceof Float32Array;
  for (let k = 0; k < columns.length; k++) {
    const col = columns[k]!;
    const buf = batch.columns[col.index];
    if (!buf) throw new FormatError(where, `column '${col.name}' has an unsupported type.`);
    const o = outOffset + colOffset + k;
    let valid: Uint8Array | undefined;
    let shift = 0;
    if (buf.nullCount > 0 && buf.validityLength > 0) {
      if (!outIsFloat)
        throw new FormatError(
          where,
          `column '${col.name}' has ${buf.nullCount} nulls, which ${out.constructor.name} cannot hold; read it as float64.`,
        );
      const first = r0 >> 3;
      valid = new Uint8Array(((r1 + 7) >> 3) - first);
      const got = readFully(fd, valid, 0, valid.length, batch.bodyStart + buf.validityOffset + first);
      if (got < valid.length)
        throw new FormatError(
          where,
          `truncated: column '${col.name}''s validity bitmap needs ${valid.length} bytes at offset ${batch.bodyStart + buf.validityOffset + first}; got ${got}.`,
        );
      shift = r0 - first * 8;
    }
    const isNull = (i: number) => valid !== undefined && ((valid[(i + shift) >> 3]! >> ((i + shift) & 7)) & 1) === 0;
    if (col.stored === 'bit') {
      const first = r0 >> 3;
      const len = ((r1 + 7) >> 3) - first;
      const bits = scratchBytes(len);
      const got = readFully(fd, bits, 0, len, batch.bodyStart + buf.valuesOffset + first);
      if (got < len)
        throw new FormatError(
          where,
          `truncated: column '${col.name}' needs ${len} bytes at offset ${batch.bodyStart + buf.valuesOffset + first}; got ${got}.`,
        );
      const s = r0 - first * 8;
      for (let i = 0, j = o; i < n; i++, j += stride) out[j] = (bits[(i + s) >> 3]! >> ((i + s) & 7)) & 1;
    } else {
      const size = STORED_BYTES[col.stored];
      const stored = col.stored;
      // A piece of ~1 MiB at a time through the scratch buffer.
      const per = Math.max(1, Math.floor((1 << 20) / size));
      for (let a = 0; a < n; a += per) {
        const m = Math.min(per, n - a);
        const bytes = scratchBytes(m * size);
        const pos = batch.bodyStart + buf.valuesOffset + (r0 + a) * size;
        const got = readFully(fd, bytes, 0, m * size, pos);
        if (got < m * size)
          throw new FormatError(where, `truncated: column '${col.name}' needs ${m * size} bytes at offset ${pos}; got ${got}.`);
        const inexact = (e: number, value: bigint): number => {
          if (isNull(a + e)) return NaN;
          throw new FormatError(
            where,
            `column '${col.name}', row ${r0 + a + e} of the batch: ${STORED_NAMES[stored]} value ${value} is beyond ±2^53, where float64 (which Tessera reads ${STORED_NAMES[stored]} as) no longer holds every integer exactly.`,
          );
        };
        convertElements(stored, bytes, 0, 1, m, out, o + a * stride, stride, inexact);
      }
    }
    if (valid) for (let i = 0, j = o; i < n; i++, j += stride) if (isNull(i)) out[j] = NaN;
  }
}

// --- Bounds of the flatbuffers apache-arrow decodes ------------------------------------------------
// apache-arrow decodes a footer's schema and a message's field nodes and buffers eagerly, trusting
// each vector's length: a corrupt length of 16 million makes it build 16 million objects (out of
// memory, not an error). These walks check every vector those decoders read fits in its bytes
// first; flatbuffers has no verifier in JS. Tables: root offset, vtable of field offsets; vectors:
// a length, then the elements.

class FlatBounds {
  readonly #dv: DataView;
  #budget: number;
  constructor(readonly bytes: Uint8Array) {
    this.#dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#budget = bytes.length;
  }
  #need(p: number, n: number): void {
    if (!(p >= 0 && p + n <= this.bytes.length)) throw new Error(`offset ${p} is outside the ${this.bytes.length}-byte flatbuffer`);
  }
  /** The table an offset at `p` points to. */
  table(p: number): number {
    this.#need(p, 4);
    const t = p + this.#dv.getUint32(p, true);
    this.#need(t, 4);
    return t;
  }
  /** Where field `i` of the table at `t` is, or 0 when absent. */
  field(t: number, i: number): number {
    const vt = t - this.#dv.getInt32(t, true);
    this.#need(vt, 4);
    const size = this.#dv.getUint16(vt, true);
    if (4 + 2 * i + 2 > size) return 0;
    this.#need(vt + 4 + 2 * i, 2);
    const o = this.#dv.getUint16(vt + 4 + 2 * i, true);
    return o ? t + o : 0;
  }
  /** The vector in field `i` of the table at `t` (elements of `size` bytes): start and length. */
  vector(t: number, i: number, size: number): { start: number; length: number } {
    const p = this.field(t, i);
    if (!p) return { start: 0, length: 0 };
    this.#need(p, 4);
    const v = p + this.#dv.getUint32(p, true);
    this.#need(v, 4);
    const length = this.#dv.getUint32(v, true);
    if (v + 4 + length * size > this.bytes.length)
      throw new Error(`a vector of ${length} entries at offset ${v} runs past the ${this.bytes.length}-byte flatbuffer`);
    return { start: v + 4, length };
  }
  /** The tables a vector of offsets in field `i` points to. */
  tables(t: number, i: number): number[] {
    const { start, length } = this.vector(t, i, 4);
    if ((this.#budget -= length) < 0) throw new Error('more tables than the flatbuffer has room for (offsets loop)');
    return Array.from({ length }, (_, k) => this.table(start + 4 * k));
  }
  byte(p: number): number {
    this.#need(p, 1);
    return this.bytes[p]!;
  }
}

function checkSchemaTable(f: FlatBounds, schema: number): void {
  f.tables(schema, 2); // custom_metadata
  f.vector(schema, 3, 8); // features
  const fields: [number, number][] = f.tables(schema, 1).map((t) => [t, 0]);
  while (fields.length) {
    const [field, depth] = fields.pop()!;
    if (depth > 64) throw new Error('fields nested more than 64 deep');
    f.tables(field, 6); // custom_metadata
    for (const child of f.tables(field, 5)) fields.push([child, depth + 1]);
  }
}

/** Checks the vectors of a Footer flatbuffer (schema, dictionaries, record batches). */
function checkFooterBounds(bytes: Uint8Array): void {
  const f = new FlatBounds(bytes);
  const root = f.table(0);
  f.vector(root, 2, 24);
  f.vector(root, 3, 24);
  f.tables(root, 4);
  const schema = f.field(root, 1);
  if (schema) checkSchemaTable(f, f.table(schema));
}

/** Checks the vectors of a Message flatbuffer (a schema's fields; a record batch's nodes and buffers). */
function checkMessageBounds(bytes: Uint8Array): void {
  const f = new FlatBounds(bytes);
  const root = f.table(0);
  f.tables(root, 4);
  const typeAt = f.field(root, 1);
  const headerAt = f.field(root, 2);
  if (!typeAt || !headerAt) return;
  const type = f.byte(typeAt);
  const header = f.table(headerAt);
  if (type === 1) checkSchemaTable(f, header);
  if (type === 3 || type === 2) {
    // A dictionary batch holds a record batch in its field 1.
    const batch = type === 3 ? header : f.field(header, 1) ? f.table(f.field(header, 1)) : 0;
    if (batch) {
      f.vector(batch, 1, 16);
      f.vector(batch, 2, 16);
      f.vector(batch, 4, 8);
    }
  }
}

/** Opens a file for reading, naming it in the error. */
export function openForRead(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (error) {
    throw new FormatError({ file: path }, describeFsError(error), { cause: error });
  }
}

// --- Writing ---------------------------------------------------------------------------------------

/** A column to write. */
export interface ArrowField {
  readonly name: string;
  readonly dtype: NumericDType;
}

function arrowType(arrow: typeof ArrowNS, dtype: NumericDType): ArrowNS.DataType {
  switch (dtype) {
    case 'float64':
      return new arrow.Float64();
    case 'float32':
      return new arrow.Float32();
    case 'int32':
      return new arrow.Int32();
    case 'uint8':
      return new arrow.Uint8();
  }
}

async function schemaOf(fields: readonly ArrowField[]): Promise<ArrowNS.Schema> {
  const { arrow } = await arrowModules();
  return new arrow.Schema(fields.map((f) => new arrow.Field(f.name, arrowType(arrow, f.dtype), false)));
}

/** Frames a flatbuffer message: continuation marker, padded length, the bytes, padding to 8. */
function frame(flat: Uint8Array): Uint8Array {
  const aligned = (flat.length + 8 + 7) & ~7;
  const out = new Uint8Array(aligned);
  const dv = new DataView(out.buffer);
  dv.setInt32(0, -1, true);
  dv.setInt32(4, aligned - 8, true);
  out.set(flat, 8);
  return out;
}

/** The bytes that open an Arrow file of `fields`: magic, padding, the schema message. */
export async function arrowFileHeader(fields: readonly ArrowField[]): Promise<Uint8Array> {
  const { message } = await arrowModules();
  const schema = await schemaOf(fields);
  const msg = frame(message.Message.encode(message.Message.from(schema)));
  const out = new Uint8Array(8 + msg.length);
  for (let i = 0; i < 6; i++) out[i] = MAGIC.charCodeAt(i);
  out.set(msg, 8);
  return out;
}

/** Layout of one record batch of `rows` rows: its framed metadata and body length. */
export interface ArrowBatchLayout {
  readonly metadata: Uint8Array;
  readonly bodyLength: number;
  /** Offset of each column's values inside the body. */
  readonly valuesOffsets: readonly number[];
}

/** The metadata and body layout of a record batch of `rows` rows of `fields` (no nulls). */
export async function arrowBatchLayout(fields: readonly ArrowField[], rows: number): Promise<ArrowBatchLayout> {
  const { message } = await arrowModules();
  const nodes: MessageNS.FieldNode[] = [];
  const buffers: MessageNS.BufferRegion[] = [];
  const valuesOffsets: number[] = [];
  let at = 0;
  for (const f of fields) {
    nodes.push(new message.FieldNode(rows, 0));
    buffers.push(new message.BufferRegion(at, 0));
    const len = rows * bytesPerElement(f.dtype);
    buffers.push(new message.BufferRegion(at, len));
    valuesOffsets.push(at);
    at += (len + 7) & ~7;
  }
  const meta = new message.RecordBatch(rows, nodes, buffers, null);
  const flat = message.Message.encode(message.Message.from(meta, at));
  return { metadata: frame(flat), bodyLength: at, valuesOffsets };
}

/** The bytes that close an Arrow file: end-of-stream marker, footer, footer length, magic. */
export async function arrowFileFooter(
  fields: readonly ArrowField[],
  batches: readonly { offset: number; metaLength: number; bodyLength: number }[],
): Promise<Uint8Array> {
  const { file, arrow } = await arrowModules();
  const schema = await schemaOf(fields);
  const blocks = batches.map((b) => new file.FileBlock(b.metaLength, b.bodyLength, b.offset));
  const footer = file.Footer.encode(new file.Footer(schema, arrow.MetadataVersion.V5, blocks, []));
  const out = new Uint8Array(8 + footer.length + 4 + 6);
  const dv = new DataView(out.buffer);
  dv.setInt32(0, -1, true);
  dv.setInt32(4, 0, true);
  out.set(footer, 8);
  dv.setInt32(8 + footer.length, footer.length, true);
  for (let i = 0; i < 6; i++) out[8 + footer.length + 4 + i] = MAGIC.charCodeAt(i);
  return out;
}

/**
 * Writes one record batch at `offset` of the open file `fd`: the columns come from row-major
 * sources — `parts[k]` holds `cols[k]` columns per row — and are transposed into column buffers.
 * Returns the batch's place for the footer. `expectedSize`, when given, guards the precomputed
 * layout: a mismatch would corrupt neighbouring batches, so it throws instead.
 */
export async function writeArrowBatch(
  fd: number,
  file: string,
  offset: number,
  fields: readonly ArrowField[],
  rows: number,
  sources: readonly { data: NumericArray; cols: number }[],
  expectedSize?: number,
): Promise<{ offset: number; metaLength: number; bodyLength: number }> {
  const layout = await arrowBatchLayout(fields, rows);
  const size = layout.metadata.length + layout.bodyLength;
  if (expectedSize !== undefined && size !== expectedSize) {
    throw new FormatError({ file }, `internal error: record batch of ${rows} rows is ${size} bytes, the layout planned ${expectedSize}.`);
  }
  const body = new Uint8Array(layout.bodyLength);
  let f = 0;
  for (const src of sources) {
    for (let c = 0; c < src.cols; c++, f++) {
      const field = fields[f]!;
      const C = ARRAY_TYPES[field.dtype];
      const col = new C(body.buffer, layout.valuesOffsets[f]!, rows);
      const data = src.data;
      for (let r = 0, k = c; r < rows; r++, k += src.cols) col[r] = data[k]!;
    }
  }
  if (f !== fields.length) throw new FormatError({ file }, `internal error: ${f} columns given for ${fields.length} fields.`);
  writeFully(fd, layout.metadata, offset);
  writeFully(fd, body, offset + layout.metadata.length);
  return { offset, metaLength: layout.metadata.length, bodyLength: layout.bodyLength };
}

function ascii(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}
