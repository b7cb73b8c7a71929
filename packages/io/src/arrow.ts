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
  modules ??= Promise.all([import('apache-arrow'), import('apache-arrow/ipc/metadata/message'), import('apache-arrow/ipc/metadata/file')]).then(
    ([arrow, message, file]) => ({ arrow, message, file }),
  );
  return modules;
}

const MAGIC = 'ARROW1';

/** One column of an Arrow file's schema. */
export interface ArrowColumn {
  readonly name: string;
  /** The Tessera dtype it reads as, or null when the type is not supported. */
  readonly dtype: NumericDType | null;
  /** Arrow's name of the type (`Float64`, `Utf8`…), for messages. */
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

function columnDType(type: ArrowNS.DataType, arrow: typeof ArrowNS): NumericDType | null {
  if (arrow.DataType.isFloat(type)) {
    return type.precision === arrow.Precision.DOUBLE ? 'float64' : type.precision === arrow.Precision.SINGLE ? 'float32' : null;
  }
  if (arrow.DataType.isInt(type)) {
    if (type.bitWidth === 32 && type.isSigned) return 'int32';
    if (type.bitWidth === 8 && !type.isSigned) return 'uint8';
  }
  return null;
}

/**
 * Reads an Arrow IPC file's footer and every record batch's metadata (not the data).
 * Throws a {@link FormatError} naming the file (and batch) when it is not an Arrow file, is
 * truncated or corrupt, or uses compression or dictionaries.
 */
export async function readArrowFileInfo(path: string): Promise<ArrowFileInfo> {
  const { arrow, message, file: fileMod } = await arrowModules();
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new FormatError({ file: path }, describeFsError(error), { cause: error });
  }
  try {
    const size = fstatSync(fd).size;
    const where = { file: path };
    if (size < 18) throw new FormatError(where, `truncated or not an Arrow IPC file: ${size} bytes is shorter than the magic strings and footer.`);
    const head = new Uint8Array(8);
    readFully(fd, head, 0, 8, 0);
    if (ascii(head.subarray(0, 6)) !== MAGIC) {
      const stream = new DataView(head.buffer).getInt32(0, true) === -1;
      throw new FormatError(where, stream ? 'this is an Arrow IPC *stream*, not a file (no ARROW1 magic); write it with the file format.' : 'not an Arrow IPC file: it does not start with ARROW1.');
    }
    const tail = new Uint8Array(10);
    readFully(fd, tail, 0, 10, size - 10);
    if (ascii(tail.subarray(4)) !== MAGIC) throw new FormatError(where, 'truncated: the file does not end with the ARROW1 magic (was it cut short or is it still being written?).');
    const footerLength = new DataView(tail.buffer).getInt32(0, true);
    const footerStart = size - 10 - footerLength;
    if (footerLength <= 0 || footerStart < 8) throw new FormatError(where, `corrupt: footer length ${footerLength} does not fit in a ${size}-byte file.`);
    const footerBytes = new Uint8Array(footerLength);
    readFully(fd, footerBytes, 0, footerLength, footerStart);
    let footer: FileNS.Footer;
    try {
      footer = fileMod.Footer.decode(footerBytes);
    } catch (error) {
      throw new FormatError(where, `corrupt footer: ${(error as Error).message}`, { cause: error });
    }
    if (footer.numDictionaries > 0) throw new FormatError(where, 'dictionary-encoded columns are not supported.');
    const fields = footer.schema.fields;
    const columns: ArrowColumn[] = fields.map((f) => ({ name: f.name, dtype: columnDType(f.type, arrow), type: String(f.type) }));
    const batches: ArrowBatch[] = [];
    let rows = 0;
    for (let b = 0; b < footer.numRecordBatches; b++) {
      const blk = footer.getRecordBatch(b)!;
      const bw = { file: path, block: b };
      const offset = Number(blk.offset);
      const metaLength = blk.metaDataLength;
      const bodyLength = Number(blk.bodyLength);
      if (offset < 8 || offset + metaLength + bodyLength > footerStart) {
        throw new FormatError(bw, `truncated or corrupt: record batch at offset ${offset} (${metaLength} + ${bodyLength} bytes) runs past the data section, which ends at ${footerStart}.`);
      }
      const meta = new Uint8Array(metaLength);
      readFully(fd, meta, 0, metaLength, offset);
      const dv = new DataView(meta.buffer);
      const prefix = dv.getInt32(0, true) === -1 ? 8 : 4;
      const flatLength = dv.getInt32(prefix - 4, true);
      if (flatLength <= 0 || prefix + flatLength > metaLength) throw new FormatError(bw, `corrupt record batch metadata (length ${flatLength} in a ${metaLength}-byte block).`);
      let header: MessageNS.RecordBatch;
      try {
        const msg = message.Message.decode(meta.subarray(prefix, prefix + flatLength));
        if (!msg.isRecordBatch()) throw new Error(`the footer points at a message of type ${msg.headerType}, not a record batch`);
        header = msg.header();
      } catch (error) {
        if (error instanceof FormatError) throw error;
        throw new FormatError(bw, `corrupt record batch metadata: ${(error as Error).message}`, { cause: error });
      }
      if (header.compression) throw new FormatError(bw, 'compressed record batches are not supported; write the file without compression.');
      const length = Number(header.length);
      // Flat primitive columns: one node and two buffers (validity, values) each.
      const cols: (ArrowBuffers | null)[] = [];
      let bi = 0;
      for (let c = 0; c < fields.length; c++) {
        const node = header.nodes[c];
        const dtype = columns[c]!.dtype;
        if (!node) throw new FormatError(bw, `corrupt: the batch has ${header.nodes.length} field nodes for ${fields.length} columns.`);
        if (dtype === null) {
          // Unsupported column: skip its buffers if it is flat-primitive-like; nested types are refused when selected.
          cols.push(null);
          bi += bufferCount(fields[c]!.type, arrow);
          continue;
        }
        const validity = header.buffers[bi++];
        const values = header.buffers[bi++];
        if (!validity || !values) throw new FormatError(bw, `corrupt: missing buffers for column '${fields[c]!.name}'.`);
        const need = length * bytesPerElement(dtype);
        if (Number(values.length) < need || Number(values.offset) + need > bodyLength) {
          throw new FormatError(bw, `corrupt: column '${fields[c]!.name}' has a ${values.length}-byte values buffer for ${length} ${dtype} values.`);
        }
        cols.push({
          nullCount: Number(node.nullCount),
          validityOffset: Number(validity.offset),
          validityLength: Number(validity.length),
          valuesOffset: Number(values.offset),
          valuesLength: Number(values.length),
        });
      }
      batches.push({ offset, metaLength, bodyLength, rows: length, bodyStart: offset + metaLength, columns: cols });
      rows += length;
    }
    return { file: path, columns, batches, rows, size };
  } finally {
    closeSync(fd);
  }
}

function bufferCount(type: ArrowNS.DataType, arrow: typeof ArrowNS): number {
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isBinary(type)) return 3;
  return 2;
}

/**
 * Reads rows `[r0, r1)` of the given columns of one record batch into `out` (row-major, `stride`
 * elements per row, column `k` of `columns` going to position `colOffset + k`), converting to
 * `out`'s dtype. Nulls read as NaN in float outputs; a null in an integer output is an error.
 */
export function readArrowRegion(
  fd: number,
  file: string,
  batchIndex: number,
  batch: ArrowBatch,
  columns: readonly { index: number; name: string; dtype: NumericDType }[],
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
    const size = bytesPerElement(col.dtype);
    const C = ARRAY_TYPES[col.dtype];
    const values = new C(n);
    const bytes = new Uint8Array(values.buffer, 0, n * size);
    const got = readFully(fd, bytes, 0, bytes.length, batch.bodyStart + buf.valuesOffset + r0 * size);
    if (got < bytes.length) throw new FormatError(where, `truncated: column '${col.name}' needs ${bytes.length} bytes at offset ${batch.bodyStart + buf.valuesOffset + r0 * size}; got ${got}.`);
    if (buf.nullCount > 0 && buf.validityLength > 0) {
      if (!outIsFloat) throw new FormatError(where, `column '${col.name}' has ${buf.nullCount} nulls, which ${out.constructor.name} cannot hold; read it as float64.`);
      const first = r0 >> 3;
      const valid = new Uint8Array(((r1 + 7) >> 3) - first);
      readFully(fd, valid, 0, valid.length, batch.bodyStart + buf.validityOffset + first);
      const shift = r0 - first * 8;
      for (let i = 0, o = outOffset + colOffset + k; i < n; i++, o += stride) {
        const r = i + shift;
        out[o] = (valid[r >> 3]! >> (r & 7)) & 1 ? values[i]! : NaN;
      }
      continue;
    }
    for (let i = 0, o = outOffset + colOffset + k; i < n; i++, o += stride) out[o] = values[i]!;
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
