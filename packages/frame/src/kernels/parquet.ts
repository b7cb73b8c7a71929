/**
 * Parquet on the workers: column chunks of row groups decoded straight into a block.
 *
 * The format is hyparquet's (page headers, decompression with hyparquet-compressors — gzip,
 * zstd, brotli, lz4; snappy with snappy.ts, faster on the pages of number columns —, PLAIN, dictionary, RLE/bit-packed, delta and byte-stream-split
 * encodings, data pages v1 and v2). What is ours is the last step: values of a flat column placed
 * into the block's memory with NaN (or code -1) where the definition level says null, converted
 * to the column's number (decimal scale, timestamp unit, unsigned integers, strings → category
 * codes). hyparquet's own assembly builds a JS array per column with `null`s and decodes levels
 * into arrays — measured on the 10M × 20 table of the `parquet` benchmark (Node 20, one thread):
 * hyparquet's `parquetRead` 0.67M rows/s, parquet-wasm 0.8 (`ParquetFile.read` of one row group →
 * Arrow IPC → apache-arrow) 2.3M rows/s, hyparquet's page decoders with the placement here 4.9M
 * rows/s. A column chunk is read with one `readSync` of its byte range: only the selected columns'
 * chunks of the row groups asked for are ever read (column projection).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { FormatError } from '@tessera/io';
import type { ReaderContext, TypedArray } from '@tessera/array';
import { parquetHeader } from 'hyparquet/src/column.js';
import { decompressPage, readDataPage } from 'hyparquet/src/datapage.js';
import { readRleBitPackedHybrid } from 'hyparquet/src/encoding.js';
import { deltaBinaryUnpack } from 'hyparquet/src/delta.js';
import { readPlain } from 'hyparquet/src/plain.js';
import { readVarInt } from 'hyparquet/src/thrift.js';
import { parseDecimal } from 'hyparquet/src/convert.js';
import { compressors as libraryCompressors } from 'hyparquet-compressors';
import { snappyHead, snappyUncompress, snappyUncompressInto } from './snappy.js';
import { readDictionaryValues, readIndices } from './rle.js';
import type { CompressionCodec, ParquetType, SchemaElement, PageHeader } from 'hyparquet';
import type { LogicalType, TimeUnit } from '../types.js';

/** How a column is stored in the files and what it reads as. */
export interface ParquetColumnPlan {
  readonly name: string;
  readonly type: LogicalType;
  readonly unit?: TimeUnit | undefined;
  /** Category columns: the categories (code = index); null while unknown. */
  readonly categories?: readonly string[] | null | undefined;
  /** A hive partition column: its value per file comes from the row group plan. */
  readonly partition?: boolean | undefined;
  /** Physical type in the files (checked to agree across files). */
  readonly physical?: ParquetType | undefined;
  readonly typeLength?: number | undefined;
  /** Decimals: divide the unscaled integer by 10^scale. */
  readonly scale?: number | undefined;
  /** Unsigned integers stored as signed physical ints. */
  readonly unsigned?: boolean | undefined;
  /** INT96 timestamps (nanoseconds). */
  readonly int96?: boolean | undefined;
  /** Float16 stored as 2-byte fixed-length arrays. */
  readonly float16?: boolean | undefined;
  /** 0 (required) or 1 (optional). */
  readonly maxDef?: number | undefined;
}

/** One column chunk of a row group: where its bytes are. */
export interface ParquetChunk {
  readonly offset: number;
  readonly size: number;
  readonly codec: CompressionCodec;
}

/** One row group of one file. */
export interface ParquetGroup {
  readonly path: string;
  /** Row group index within its file (for messages). */
  readonly group: number;
  /** Block index in the frame. */
  readonly index: number;
  readonly row0: number;
  readonly rows: number;
  /** Per column of the params: its chunk, or the partition value (null: missing). */
  readonly chunks: readonly (ParquetChunk | { readonly value: string | null })[];
}

/** Reader parameters of a Parquet source (plain data: they travel to the workers). */
export interface ParquetParams {
  readonly groups: readonly ParquetGroup[];
  readonly columns: readonly ParquetColumnPlan[];
}

/** hyparquet-compressors' codecs, with snappy's decoder ours (snappy.ts says why). */
const compressors = { ...libraryCompressors, SNAPPY: snappyUncompress };

const TWO53 = 2 ** 53;
const INT96_EPOCH_DAY = 2440588n;

function fail(g: ParquetGroup, column: string, message: string, cause?: unknown): never {
  throw new FormatError(
    { file: g.path, block: g.index },
    `row group ${g.group}, column '${column}': ${message}`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * The thread's buffer for column chunks, reused: a fresh one per chunk cost page faults and
 * collections. A chunk's bytes are consumed (decompressed, decoded, placed) before the next is read.
 */
let chunkBuffer = new Uint8Array(0);

let chunkReads = 0;

/** Column chunks read by this thread so far (tests: a stream reads each chunk of its row group once). */
export function parquetChunkReads(): number {
  return chunkReads;
}

/**
 * The bytes of a column chunk, valid until the next call on this thread. A stream's reads use the
 * descriptor it keeps open (`rctx.fd`): one `pread` per chunk instead of open, read and close.
 */
function readChunk(g: ParquetGroup, column: string, chunk: ParquetChunk, rctx?: ReaderContext): Uint8Array {
  chunkReads++;
  let fd: number;
  try {
    fd = rctx ? rctx.fd(g.path) : openSync(g.path, 'r');
  } catch (error) {
    return fail(g, column, `cannot open the file: ${(error as Error).message}`, error);
  }
  try {
    if (chunkBuffer.length < chunk.size) chunkBuffer = new Uint8Array(chunk.size + (chunk.size >> 4));
    const buf = chunkBuffer.subarray(0, chunk.size);
    let got = 0;
    while (got < chunk.size) {
      const n = readSync(fd, buf, got, chunk.size - got, chunk.offset + got);
      if (n === 0)
        fail(
          g,
          column,
          `the file ends at byte ${chunk.offset + got}, inside the column chunk [${chunk.offset}, ${chunk.offset + chunk.size}) (truncated, or changed since it was opened).`,
        );
      got += n;
    }
    return buf;
  } finally {
    if (!rctx) closeSync(fd);
  }
}

const decoder = new TextDecoder();

/** A number of a stored value (not for strings, which the caller maps to codes). */
type ToNumber = (v: unknown) => number;

function numberConverter(c: ParquetColumnPlan, g: ParquetGroup): ToNumber {
  const scale = c.scale ? 10 ** c.scale : 1;
  if (c.type === 'decimal') {
    if (c.physical === 'INT32') return (v) => (v as number) / scale;
    if (c.physical === 'INT64') return (v) => Number(v as bigint) / scale;
    return (v) => parseDecimal(v as Uint8Array) / scale;
  }
  if (c.int96) {
    return (v) => {
      const x = v as bigint;
      return Number((x >> 64n) - INT96_EPOCH_DAY) * 86_400e9 + Number(x & 0xffffffffffffffffn);
    };
  }
  if (c.float16) {
    return (v) => {
      const b = v as Uint8Array;
      const h = b[0]! | (b[1]! << 8);
      const s = h & 0x8000 ? -1 : 1;
      const e = (h >> 10) & 0x1f;
      const f = h & 0x3ff;
      if (e === 0) return s * 2 ** -14 * (f / 1024);
      if (e === 31) return f ? NaN : s * Infinity;
      return s * 2 ** (e - 15) * (1 + f / 1024);
    };
  }
  switch (c.physical) {
    case 'BOOLEAN':
      return (v) => (v ? 1 : 0);
    case 'INT32':
      return c.unsigned ? (v) => (v as number) >>> 0 : (v) => v as number;
    case 'INT64':
      if (c.type === 'timestamp') return (v) => Number(v as bigint); // rounded beyond 2^53 (documented)
      return c.unsigned
        ? (v) => {
            const x = BigInt.asUintN(64, v as bigint);
            if (x > BigInt(TWO53)) throw new RangeError(`uint64 value ${x} is beyond 2^53, where doubles stop being exact`);
            return Number(x);
          }
        : (v) => {
            const x = v as bigint;
            if (x > BigInt(TWO53) || x < -BigInt(TWO53))
              throw new RangeError(`int64 value ${x} is beyond ±2^53, where doubles stop being exact`);
            return Number(x);
          };
    case 'FLOAT':
    case 'DOUBLE':
      return (v) => v as number;
    default:
      return fail(g, c.name, `the stored type ${c.physical} does not read as ${c.type}.`);
  }
}

/**
 * The thread's buffer for decompressed data pages, reused: a data page's values are placed (or
 * converted) before the next page is decompressed. Dictionary pages get arrays of their own
 * (their values are used across the chunk's pages).
 */
let pageBuffer = new Uint8Array(0);

/** The thread's buffer for a data page's dictionary indices, reused (they are placed before the next page is read). */
let indexBuffer = new Int32Array(0);

function decompressData(raw: Uint8Array, size: number, codec: CompressionCodec): Uint8Array {
  if (codec !== 'SNAPPY') return decompressPage(raw, size, codec, compressors);
  if (pageBuffer.length < size) pageBuffer = new Uint8Array(size + (size >> 4));
  return snappyUncompressInto(raw, pageBuffer.subarray(0, size));
}

/**
 * Pages of a chunk placed by the reader where their values go, without `onPage` (pages without
 * nulls, all of whose rows are wanted).
 */
interface DirectPlacement {
  /** Where the PLAIN values of rows `[row, row + n)` go, as bytes; null when not placeable so. */
  readonly plain: ((row: number, n: number) => Uint8Array | null) | undefined;
  /** Places a dictionary page's values (indices at `page[pos…]`, `width` bits); false when it does not. */
  readonly dictionary: (row: number, n: number, page: Uint8Array, pos: number, width: number) => boolean;
}

/**
 * Visits the values of rows `[lo, hi)` of one flat column chunk: `emit(row, value, isNull)` with
 * `row` relative to `lo`; dictionary-encoded pages pass the dictionary index and `dict: true`.
 */
function decodeChunk(
  bytes: Uint8Array,
  g: ParquetGroup,
  c: ParquetColumnPlan,
  codec: CompressionCodec,
  lo: number,
  hi: number,
  onDictionary: (values: ArrayLike<unknown>) => void,
  onPage: (row: number, n: number, values: ArrayLike<unknown>, defs: Uint8Array | null, dict: boolean) => void,
  direct?: DirectPlacement,
): void {
  const type = c.physical!;
  const element = { name: c.name, type, type_length: c.typeLength, repetition_type: c.maxDef ? 'OPTIONAL' : 'REQUIRED' } as SchemaElement;
  // A schema path of the root alone: hyparquet then reads no levels (we read them here).
  const flat = {
    type,
    element,
    schemaPath: [{ element: { name: 'root' } as SchemaElement, children: [], count: 1, path: [] }],
    codec,
    compressors,
  } as unknown as Parameters<typeof readDataPage>[2];
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  let row = 0;
  while (row < hi) {
    if (reader.offset >= bytes.byteLength) fail(g, c.name, `the column chunk ends after ${row} of its ${g.rows} rows.`);
    const header: PageHeader = parquetHeader(reader);
    const size = header.compressed_page_size;
    if (!(size >= 0) || reader.offset + size > bytes.byteLength)
      fail(g, c.name, `a page of ${size} bytes runs past the end of its column chunk (corrupt file).`);
    const raw = bytes.subarray(reader.offset, reader.offset + size);
    reader.offset += size;
    if (header.type === 'DICTIONARY_PAGE') {
      const page = decompressPage(raw, Number(header.uncompressed_page_size), codec, compressors);
      const n = header.dictionary_page_header!.num_values;
      onDictionary(readPlain({ view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 }, type, n, c.typeLength));
      continue;
    }
    if (header.type !== 'DATA_PAGE' && header.type !== 'DATA_PAGE_V2') continue; // index pages
    const v2 = header.type === 'DATA_PAGE_V2';
    const h = v2 ? header.data_page_header_v2! : header.data_page_header!;
    const n = h.num_values;
    if (row + n <= lo) {
      row += n; // a page before the rows asked for: not even decompressed
      continue;
    }
    let page: Uint8Array;
    let pr: { view: DataView; offset: number };
    let defs: Uint8Array | null = null;
    let nulls = 0;
    // PLAIN values of a snappy page without nulls, wanted where they are: decompressed straight there.
    const dst = direct?.plain && codec === 'SNAPPY' && h.encoding === 'PLAIN' ? direct.plain(row, n) : null;
    if (dst && placeDirect(header, raw, c, n, dst)) {
      row += n;
      continue;
    }
    if (v2) {
      const d2 = header.data_page_header_v2!;
      const levelBytes = d2.repetition_levels_byte_length + d2.definition_levels_byte_length;
      if (c.maxDef && d2.num_nulls > 0) {
        defs = new Uint8Array(n);
        const lr = {
          view: new DataView(raw.buffer, raw.byteOffset + d2.repetition_levels_byte_length, d2.definition_levels_byte_length),
          offset: 0,
        };
        readRleBitPackedHybrid(lr, 1, defs, d2.definition_levels_byte_length);
      }
      const body = raw.subarray(levelBytes);
      const bodySize = Number(header.uncompressed_page_size) - levelBytes;
      page = d2.is_compressed !== false && bodySize > 0 ? decompressData(body, bodySize, codec) : body;
      pr = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
    } else {
      page = decompressData(raw, Number(header.uncompressed_page_size), codec);
      pr = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
      if (c.maxDef) {
        // RLE/bit-packed definition levels behind a 4-byte length. A page without nulls is one
        // RLE run of 1s (header: count << 1, then the value): recognised and skipped undecoded.
        const len = pr.view.getUint32(0, true);
        const probe = { view: pr.view, offset: 4 };
        const run = readVarInt(probe);
        if ((run & 1) === 0 && run >>> 1 >= n && pr.view.getUint8(probe.offset) === 1) pr.offset = 4 + len;
        else {
          const d = new Uint8Array(n);
          readRleBitPackedHybrid(pr, 1, d);
          pr.offset = 4 + len;
          for (let i = 0; i < n; i++) nulls += 1 - d[i]!;
          if (nulls) defs = d;
        }
      }
    }
    if (defs && v2) for (let i = 0; i < n; i++) nulls += 1 - defs[i]!;
    const present = n - nulls;
    const encoding = h.encoding;
    let values: ArrayLike<unknown>;
    const dict = encoding === 'PLAIN_DICTIONARY' || encoding === 'RLE_DICTIONARY';
    if (dict) {
      const width = pr.view.getUint8(pr.offset++);
      if (!defs && direct?.dictionary(row, n, page, pr.offset, width)) {
        row += n;
        continue;
      }
      if (indexBuffer.length < present) indexBuffer = new Int32Array(present + (present >> 4));
      const idx = indexBuffer.subarray(0, present);
      if (width) readIndices(page, pr.offset, page.byteLength, width, idx);
      else idx.fill(0);
      values = idx;
    } else if (encoding === 'DELTA_BINARY_PACKED' && type === 'INT32') {
      // Decoded in 64 bits and wrapped to 32: hyparquet 1.33's 32-bit path drops the top bit of
      // a zigzag first value beyond 2^31 (DuckDB writes UINTEGER ≥ 2^31 so), reading 3150810353
      // as 1003326705.
      const wide = new BigInt64Array(present);
      if (present) deltaBinaryUnpack(pr, present, wide);
      const narrow = new Int32Array(present);
      for (let i = 0; i < present; i++) narrow[i] = Number(BigInt.asIntN(32, wide[i]!));
      values = narrow;
    } else {
      const body = page.subarray(pr.offset);
      const header1 = { num_values: present, encoding, definition_level_encoding: 'RLE', repetition_level_encoding: 'RLE' } as Parameters<
        typeof readDataPage
      >[1];
      values = readDataPage(body, header1, flat).dataPage as ArrayLike<unknown>;
      if (encoding === 'RLE' && type === 'BOOLEAN' && !Array.isArray(values)) values = Array.from(values as ArrayLike<number>, (x) => !!x);
    }
    onPage(row, n, values, defs, dict);
    row += n;
  }
}

/**
 * A snappy data page's PLAIN values (`n`, no nulls) decompressed straight into `dst`, their bytes
 * in the destination: no page buffer, no copy. A v1 page's definition levels come first in the
 * decompressed bytes: read from the stream's first literal (where writers put them) and skipped
 * by the decoder. False, having written nothing, when the page is not so (nulls, levels not in
 * the first literal, sizes that disagree): the caller decodes it the usual way.
 */
function placeDirect(header: PageHeader, raw: Uint8Array, c: ParquetColumnPlan, n: number, dst: Uint8Array): boolean {
  const size = Number(header.uncompressed_page_size);
  if (dst.length === 0) return false;
  if (header.type === 'DATA_PAGE_V2') {
    const d2 = header.data_page_header_v2!;
    const levelBytes = d2.repetition_levels_byte_length + d2.definition_levels_byte_length;
    if (d2.num_nulls > 0 || d2.is_compressed === false || size - levelBytes !== dst.length) return false;
    snappyUncompressInto(raw.subarray(levelBytes), dst);
    return true;
  }
  let skip = 0;
  if (c.maxDef) {
    // A 4-byte length, then one RLE run of n 1s: header (count << 1) as a varint, then the byte 1.
    const head = snappyHead(raw, 16);
    if (head === null || head.length < 4) return false;
    const len = head[0]! | (head[1]! << 8) | (head[2]! << 16) | (head[3]! << 24);
    skip = 4 + len;
    if (len < 2 || head.length < skip) return false;
    let run = 0;
    let at = 4;
    for (let shift = 0; ; shift += 7) {
      if (at >= skip || shift > 28) return false;
      const b = head[at++]!;
      run += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    if (run % 2 !== 0 || run / 2 < n || at >= skip || head[at] !== 1) return false;
  }
  if (size - skip !== dst.length) return false;
  snappyUncompressInto(raw, dst, skip);
  return true;
}

/** Whether a PLAIN column's stored values are its values in `out`'s type, byte for byte. */
function storedAs(c: ParquetColumnPlan, out: TypedArray): boolean {
  if (c.type === 'decimal' || c.unsigned || c.float16 || c.int96) return false;
  if (c.physical === 'DOUBLE') return out instanceof Float64Array;
  if (c.physical === 'FLOAT') return out instanceof Float32Array;
  if (c.physical === 'INT32') return out instanceof Int32Array;
  return false;
}

/**
 * Per thread: buffers of decoded columns that streams are done with, for the next row group — a
 * fresh buffer per row group costs its page faults and a collection, as much as the decoding.
 */
const spareColumns: ArrayBuffer[] = [];

/** `width` columns of `rows` values, over one buffer (reused when one is spare). */
function takeColumns(Column: TypedArrayConstructor & { readonly BYTES_PER_ELEMENT: number }, rows: number, width: number): TypedArray[] {
  const item = Column.BYTES_PER_ELEMENT;
  const bytes = rows * width * item;
  const i = spareColumns.findIndex((b) => b.byteLength >= bytes && b.byteLength <= 2 * bytes + (1 << 20));
  const buf = i >= 0 ? spareColumns.splice(i, 1)[0]! : new ArrayBuffer(bytes + Math.ceil(bytes / 64 / item) * item);
  return Array.from({ length: width }, (_, j) => new Column(buf, j * rows * item, rows));
}

function giveColumns(cols: readonly TypedArray[]): void {
  const buf = cols[0]?.buffer;
  if (!(buf instanceof ArrayBuffer) || spareColumns.includes(buf)) return;
  if (spareColumns.length >= 2) spareColumns.shift();
  spareColumns.push(buf);
}

type TypedArrayConstructor = new (
  buffer: ArrayBuffer,
  byteOffset: number,
  length: number,
) => TypedArray & {
  readonly buffer: ArrayBufferLike;
};

/**
 * Rows interleaved per step when columns decoded apart are placed into row-major rows (see
 * readParquetRows): a consumer's tile (~1 MB of rows) in one step, a whole block in steps of
 * about that size. Measured (18 float64 columns, CPU time per value): a consumer's 7281-row tile
 * in one step 1.7 ns, in steps of 256 rows 2.7 ns; a whole 122880-row block in one step 3.3 ns,
 * in steps of 2048 rows 2.6 ns.
 */
const TILE = 8192;

/**
 * The `frame-parquet` source reader: rows `[r0, r1)` × columns `[c0, c1)` of the frame's array
 * into `out` (row-major, from `outOffset`), reading only those columns' chunks of the overlapping
 * row groups.
 *
 * A column is decoded into a column of its own, then the columns are interleaved into the rows a
 * tile at a time: placing each column straight into the rows (a stride of `width` values) walks
 * the whole block once per column, each write touching its own cache line — 41% of a 2M-row
 * read + column means (18 columns) was that loop. Consumers read a block a tile of rows at a
 * time (see `@tessera/array`'s streams): a stream's decoded row group is kept in its state
 * (`rctx.state`) for its next tiles, so each column chunk is read and decoded once per stream.
 */
export function readParquetRows(
  p: ParquetParams,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  out: TypedArray,
  outOffset: number,
  rctx?: ReaderContext,
): void {
  const width = c1 - c0;
  const Column = out.constructor as TypedArrayConstructor & { readonly BYTES_PER_ELEMENT: number };
  for (const g of p.groups) {
    const lo = Math.max(r0, g.row0) - g.row0;
    const hi = Math.min(r1, g.row0 + g.rows) - g.row0;
    if (hi <= lo) continue;
    const base = outOffset + (g.row0 + lo - r0) * width;
    // One column asked for once (not a stream's first tile of a row group): straight into `out`.
    if (width === 1 && (!rctx || (lo === 0 && hi === g.rows))) {
      placeColumn(g, p.columns[c0]!, g.chunks[c0]!, lo, hi, out, base, 1, rctx);
      continue;
    }
    // The decoded columns: of the whole row group for a stream (its next tiles need them), else of the rows asked for.
    const key = `frame-parquet:${g.index}:${c0}:${c1}:${Column.name}`;
    let cols = rctx?.state.get(key) as TypedArray[] | undefined;
    const clo = rctx ? 0 : lo;
    if (!cols) {
      const chi = rctx ? g.rows : hi;
      cols = takeColumns(Column, chi - clo, width);
      for (let j = 0; j < width; j++) placeColumn(g, p.columns[c0 + j]!, g.chunks[c0 + j]!, clo, chi, cols[j]!, 0, 1, rctx);
      if (rctx) {
        // One row group per stream at a time: the one before is done with.
        for (const k of rctx.state.keys()) if (k.startsWith('frame-parquet:')) rctx.state.delete(k);
        rctx.state.set(key, cols);
      }
    }
    if (width === 1) (out as Float64Array).set((cols[0] as Float64Array).subarray(lo - clo, hi - clo), base);
    else
      for (let t = lo; t < hi; t += TILE) {
        const e = Math.min(hi, t + TILE);
        for (let j = 0; j < width; j++) {
          const c = cols[j]!;
          let at = base + (t - lo) * width + j;
          for (let i = t - clo, end = e - clo; i < end; i++, at += width) out[at] = c[i]!;
        }
      }
    // Done with the columns (a stream reads its rows in order): their memory serves the next row group.
    if (!rctx || hi === g.rows) {
      rctx?.state.delete(key);
      giveColumns(cols);
    }
  }
}

/**
 * Rows `[lo, hi)` of one column of a row group into `out`: row `r` at `base + (r - lo) * width`,
 * NaN (or code -1) where null.
 */
function placeColumn(
  g: ParquetGroup,
  col: ParquetColumnPlan,
  chunk: ParquetChunk | { readonly value: string | null },
  lo: number,
  hi: number,
  out: TypedArray,
  base: number,
  width: number,
  rctx?: ReaderContext,
): void {
  const isFloat = out instanceof Float64Array || out instanceof Float32Array;
  const missing = isFloat ? NaN : -1;
  const put = (r: number, v: number) => {
    out[base + (r - lo) * width] = v;
  };
  if ('value' in chunk) {
    // A partition column: one value for the whole file.
    let v: number;
    if (chunk.value === null) v = missing;
    else if (col.type === 'category') {
      const code = col.categories!.indexOf(chunk.value);
      v = code < 0 ? missing : code;
    } else v = Number(chunk.value);
    for (let r = lo; r < hi; r++) put(r, v);
    return;
  }
  const codes = col.type === 'category' ? new Map(col.categories!.map((s, i) => [s, i])) : null;
  const toNumber = codes ? null : numberConverter(col, g);
  const strCode = (b: unknown) => {
    const s = typeof b === 'string' ? b : decoder.decode(b as Uint8Array);
    const code = codes!.get(s);
    if (code === undefined)
      throw new RangeError(
        `value ${JSON.stringify(s)} is not among the ${codes!.size} categories of the column (the file changed after categorize()?)`,
      );
    return code;
  };
  let dictNumbers: Float64Array | null = null;
  try {
    const bytes = readChunk(g, col.name, chunk, rctx);
    // Pages of rows inside [lo, hi) whose stored values are the output's: straight into `out`.
    const item = out.BYTES_PER_ELEMENT;
    const direct: DirectPlacement = {
      plain:
        width === 1 && storedAs(col, out)
          ? (row, n) =>
              row >= lo && row + n <= hi ? new Uint8Array(out.buffer, out.byteOffset + (base + row - lo) * item, n * item) : null
          : undefined,
      // Dictionary values straight from the indices (no array of indices in between).
      dictionary: (row, n, page, pos, w) => {
        if (!dictNumbers || row < lo || row + n > hi) return false;
        readDictionaryValues(page, pos, page.byteLength, w, n, dictNumbers, out, base + (row - lo) * width, width);
        return true;
      },
    };
    decodeChunk(
      bytes,
      g,
      col,
      chunk.codec,
      lo,
      hi,
      (values) => {
        dictNumbers = new Float64Array(values.length);
        for (let i = 0; i < values.length; i++) dictNumbers[i] = codes ? strCode(values[i]) : toNumber!(values[i]);
      },
      (row, n, values, defs, dict) => {
        if (dict && !dictNumbers) throw new RangeError('a dictionary-encoded page without a dictionary page (corrupt file)');
        const d = dictNumbers!;
        const from = Math.max(row, lo);
        const to = Math.min(row + n, hi);
        if (!defs) {
          // The common case (no nulls in the page): straight loops, typed source where possible.
          let at = base + (from - lo) * width;
          if (dict) {
            const idx = values as Int32Array;
            for (let r = from; r < to; r++, at += width) {
              const x = idx[r - row]!;
              if (x >= d.length) throw new RangeError(`dictionary index ${x} is beyond the dictionary's ${d.length} values (corrupt file)`);
              out[at] = d[x]!;
            }
          } else if (
            values instanceof Float64Array ||
            values instanceof Float32Array ||
            (values instanceof Int32Array && !col.unsigned && col.type !== 'decimal')
          ) {
            const v = values;
            if (width === 1 && v.constructor === out.constructor)
              (out as Float64Array).set(v.subarray(from - row, to - row) as Float64Array, at);
            else for (let i = from - row, e = to - row; i < e; i++, at += width) out[at] = v[i]!;
          } else if (codes) for (let r = from; r < to; r++) put(r, strCode(values[r - row]));
          else for (let r = from; r < to; r++) put(r, toNumber!(values[r - row]));
          return;
        }
        let k = 0;
        for (let i = 0; i < from - row; i++) k += defs[i]!;
        for (let r = from; r < to; r++) {
          if (!defs[r - row]) {
            if (!isFloat && !codes)
              throw new RangeError(
                `a null at row ${r} cannot be stored in ${out.constructor.name} (read the column as float64 to get NaN)`,
              );
            put(r, missing);
            continue;
          }
          const v = values[k++];
          put(r, dict ? d[v as number]! : codes ? strCode(v) : toNumber!(v));
        }
      },
      direct,
    );
  } catch (error) {
    if (error instanceof FormatError) throw error;
    fail(g, col.name, (error as Error).message, error);
  }
}

/** The distinct strings of category columns in one row group (kernel `frame.parquetCategories`), sorted. */
export function parquetCategories(p: ParquetParams, groupIndex: number): string[][] {
  const g = p.groups.find((x) => x.index === groupIndex);
  if (!g) throw new RangeError(`parquetCategories: no row group ${groupIndex} in the parameters.`);
  return p.columns.map((col, j) => {
    const chunk = g.chunks[j]!;
    if ('value' in chunk) return chunk.value === null ? [] : [chunk.value];
    const seen = new Set<string>();
    try {
      const bytes = readChunk(g, col.name, chunk);
      let dict: ArrayLike<unknown> | null = null;
      let used: Uint8Array | null = null;
      decodeChunk(
        bytes,
        g,
        col,
        chunk.codec,
        0,
        g.rows,
        (values) => {
          dict = values;
          used = new Uint8Array(values.length);
        },
        (_row, n, values, defs, isDict) => {
          const count = defs ? defs.reduce((a, b) => a + b, 0) : n;
          for (let i = 0; i < count; i++) {
            const v = values[i];
            if (isDict) used![v as number] = 1;
            else seen.add(typeof v === 'string' ? v : decoder.decode(v as Uint8Array));
          }
        },
      );
      // Only the dictionary entries some row uses (a writer may keep unused ones).
      if (dict)
        for (let i = 0; i < (dict as ArrayLike<unknown>).length; i++)
          if (used![i]) seen.add(decoder.decode((dict as ArrayLike<Uint8Array>)[i]!));
    } catch (error) {
      if (error instanceof FormatError) throw error;
      fail(g, col.name, (error as Error).message, error);
    }
    return [...seen].sort();
  });
}

/** Strings of a category column for rows `[lo, hi)` of a row group (for `head`): null where missing. */
export function parquetStrings(g: ParquetGroup, col: ParquetColumnPlan, j: number, lo: number, hi: number): (string | null)[] {
  const chunk = g.chunks[j]!;
  if ('value' in chunk) return new Array<string | null>(hi - lo).fill(chunk.value);
  const out = new Array<string | null>(hi - lo).fill(null);
  const bytes = readChunk(g, col.name, chunk);
  let dict: string[] = [];
  try {
    decodeChunk(
      bytes,
      g,
      col,
      chunk.codec,
      lo,
      hi,
      (values) => {
        dict = Array.from(values as ArrayLike<Uint8Array>, (b) => decoder.decode(b));
      },
      (row, n, values, defs, isDict) => {
        let k = 0;
        for (let i = 0; i < n; i++) {
          const r = row + i;
          if (defs && !defs[i]) continue;
          const v = values[k++];
          if (r >= lo && r < hi) out[r - lo] = isDict ? dict[v as number]! : decoder.decode(v as Uint8Array);
        }
      },
    );
  } catch (error) {
    if (error instanceof FormatError) throw error;
    fail(g, col.name, (error as Error).message, error);
  }
  return out;
}
