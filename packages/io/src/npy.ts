/**
 * The NumPy `.npy` format (versions 1.0, 2.0 and 3.0): a magic string, a version, a header
 * length, a Python-literal dict `{'descr': '<f8', 'fortran_order': False, 'shape': (n, m), }`
 * padded so the data starts on a 64-byte boundary, then the raw elements.
 *
 * Tessera writes little-endian, C-order float64, float32, int32 and uint8. It reads those and the
 * other numeric types numpy writes — int64, uint64, uint32, int16, uint16, int8, float16 and bool,
 * either byte order — converted as the table in `convert.ts` says (int64 and uint64 exact up to
 * 2^53, else an error naming the file, row and column). Anything else gets a {@link FormatError}
 * naming the file and what was found. Reads take any row range by offset: straight into the bytes
 * of the caller's (shared) typed array when the file holds that dtype, else through a small scratch
 * buffer, converted a piece at a time.
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { convertElements, isNative, READS_AS, scratchBytes, STORED_BYTES, STORED_NAMES, swapBytes, type StoredType } from './convert.js';
import { ARRAY_TYPES, bytesPerElement, dtypeOfArray, type NumericArray, type NumericDType } from './dtypes.js';
import { FormatError } from './errors.js';

/** What an .npy header says, plus where the data starts. */
export interface NpyHeader {
  /** The Tessera dtype the data reads as (see {@link npyStorage}). */
  readonly dtype: NumericDType;
  /** The header's `descr` as written (`'<f8'`, `'|b1'`, `'>i8'`…): how the elements are stored. */
  readonly descr: string;
  readonly shape: readonly number[];
  /** Byte offset of the first element. */
  readonly dataOffset: number;
  /** Bytes of data the shape calls for. */
  readonly dataBytes: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const DESCR_OF: Record<NumericDType, string> = { float64: '<f8', float32: '<f4', int32: '<i4', uint8: '|u1' };
const SUPPORTED =
  "float64 ('<f8'), float32 ('<f4'), float16 ('<f2', read as float32), int64 ('<i8'), uint64 ('<u8') and uint32 ('<u4') (read as float64), " +
  "int32 ('<i4'), int16 ('<i2'), int8 ('|i1') and uint16 ('<u2') (read as int32), uint8 ('|u1') and bool ('|b1') (read as uint8), little- or big-endian";

/** How an .npy file's elements are stored: the element type and the byte order. */
export interface NpyStorage {
  readonly stored: StoredType;
  readonly bigEndian: boolean;
}

const storages = new Map<string, NpyStorage | null>();
/**
 * The storage a header's `descr` names (`'<i8'` → int64 little-endian, `'>f4'` → float32
 * big-endian), or undefined when Tessera does not read it (complex, strings, datetimes…).
 */
export function npyStorage(descr: string): NpyStorage | undefined {
  let s = storages.get(descr);
  if (s === undefined) {
    const m = /^([<>|=])([fiub])([1248])$/.exec(descr);
    const stored = m ? (`${m[2]}${m[3]}` as StoredType) : undefined;
    s = stored !== undefined && stored in STORED_BYTES ? { stored, bigEndian: m![1] === '>' && STORED_BYTES[stored] > 1 } : null;
    storages.set(descr, s);
  }
  return s ?? undefined;
}

/** Bytes to read to be sure of getting a version-1 header (longer headers are read on demand). */
export const NPY_PREFIX_BYTES = 4096;

/**
 * Parses the header at the start of `bytes` (which must hold at least the whole header).
 * `fileSize`, when given, is checked against the shape so that a truncated file is caught here.
 *
 * @example
 * const h = parseNpyHeader(bytes, 'X-00000.npy');
 * h.dtype; h.shape; h.dataOffset;
 */
export function parseNpyHeader(bytes: Uint8Array, file: string, fileSize?: number): NpyHeader {
  const where = { file };
  if (bytes.length < 10) {
    throw new FormatError(where, `truncated: ${bytes.length} bytes is shorter than an .npy header (at least 10 bytes).`);
  }
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) {
      throw new FormatError(
        where,
        `not an .npy file: it does not start with the magic string \\x93NUMPY (found ${JSON.stringify(latin1(bytes.subarray(0, 6)))}).`,
      );
    }
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = bytes[8]! | (bytes[9]! << 8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12)
      throw new FormatError(
        where,
        `truncated: the header of a version ${major}.${minor} file needs 12 bytes; the file has ${bytes.length}.`,
      );
    headerLen = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
    start = 12;
  } else {
    throw new FormatError(where, `unsupported .npy format version ${major}.${minor} (supported: 1.0, 2.0, 3.0).`);
  }
  const dataOffset = start + headerLen;
  if (bytes.length < dataOffset) {
    throw new FormatError(where, `truncated: the header says it is ${headerLen} bytes long but only ${bytes.length - start} bytes follow.`);
  }
  const text = major === 3 ? new TextDecoder().decode(bytes.subarray(start, dataOffset)) : latin1(bytes.subarray(start, dataOffset));
  let dict: Record<string, PyValue>;
  try {
    dict = parsePyDict(text);
  } catch (error) {
    throw new FormatError(where, `corrupt header ${JSON.stringify(text.trim().slice(0, 200))}: ${(error as Error).message}`);
  }
  const descr = dict['descr'];
  const fortran = dict['fortran_order'];
  const shape = dict['shape'];
  if (typeof descr !== 'string') {
    throw new FormatError(
      where,
      Array.isArray(descr)
        ? `structured dtypes are not supported (descr ${JSON.stringify(descr)}); supported: ${SUPPORTED}.`
        : `the header has no 'descr' string.`,
    );
  }
  if (typeof fortran !== 'boolean') throw new FormatError(where, `the header has no 'fortran_order' True/False.`);
  if (!Array.isArray(shape) || !shape.every((s) => typeof s === 'number' && Number.isInteger(s) && s >= 0)) {
    throw new FormatError(where, `the header's 'shape' must be a tuple of non-negative integers; got ${JSON.stringify(shape)}.`);
  }
  const storage = npyStorage(descr);
  if (storage === undefined) throw new FormatError(where, `unsupported dtype '${descr}'; supported: ${SUPPORTED}.`);
  const dtype = READS_AS[storage.stored];
  if (fortran) {
    throw new FormatError(
      where,
      `Fortran-order (column-major) arrays are not supported; save a C-order copy, e.g. np.save(path, np.ascontiguousarray(a)).`,
    );
  }
  const dims = shape as number[];
  let n = 1;
  for (const s of dims) n *= s;
  const dataBytes = n * STORED_BYTES[storage.stored];
  if (fileSize !== undefined && fileSize < dataOffset + dataBytes) {
    throw new FormatError(
      where,
      `truncated: shape (${dims.join(', ')}) of ${STORED_NAMES[storage.stored]} needs ${dataBytes} bytes of data after the ${dataOffset}-byte header, but the file has ${Math.max(0, fileSize - dataOffset)}.`,
    );
  }
  return { dtype, descr, shape: Object.freeze([...dims]), dataOffset, dataBytes };
}

/**
 * The header bytes (magic, version, length, dict, padding) of an .npy file holding `shape` of
 * `dtype` in C order: version 1.0 when the dict fits, else 2.0. The data follows immediately.
 */
export function formatNpyHeader(dtype: NumericDType, shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${DESCR_OF[dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let prefix = 10;
  let total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  if (total - prefix > 0xffff) {
    prefix = 12;
    total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  }
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = prefix === 10 ? 1 : 2;
  out[7] = 0;
  const headerLen = total - prefix;
  if (prefix === 10) {
    out[8] = headerLen & 0xff;
    out[9] = headerLen >> 8;
  } else {
    new DataView(out.buffer).setUint32(8, headerLen, true);
  }
  for (let i = 0; i < dict.length; i++) out[prefix + i] = dict.charCodeAt(i);
  out.fill(0x20, prefix + dict.length, total - 1);
  out[total - 1] = 0x0a;
  return out;
}

/** Reads and checks the header of an .npy file (and that the file holds all the data). */
export async function readNpyHeader(path: string): Promise<NpyHeader> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new FormatError({ file: path }, describeFsError(error), { cause: error });
  }
  try {
    const { size } = await handle.stat();
    let want = Math.min(size, NPY_PREFIX_BYTES);
    for (;;) {
      const buf = new Uint8Array(want);
      const { bytesRead } = await handle.read(buf, 0, want, 0);
      const bytes = buf.subarray(0, bytesRead);
      const needed = headerBytesNeeded(bytes);
      if (needed <= bytesRead || bytesRead >= size) return parseNpyHeader(bytes, path, size);
      want = Math.min(size, needed);
    }
  } finally {
    await handle.close();
  }
}

/** The same as {@link readNpyHeader}, synchronously on an open descriptor (for kernels). */
export function readNpyHeaderSync(fd: number, path: string): NpyHeader {
  return readNpyHeaderWithSize(fd, path, fstatSync(fd).size);
}

/**
 * Opens, checks and closes an .npy file synchronously: its header plus the file's size and
 * modification time (a few microseconds per file; for opening datasets of many chunks at once).
 */
export function inspectNpySync(path: string): { header: NpyHeader; size: number; mtimeMs: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new FormatError({ file: path }, describeFsError(error), { cause: error });
  }
  try {
    const st = fstatSync(fd);
    return { header: readNpyHeaderWithSize(fd, path, st.size), size: st.size, mtimeMs: st.mtimeMs };
  } finally {
    closeSync(fd);
  }
}

function readNpyHeaderWithSize(fd: number, path: string, size: number): NpyHeader {
  let want = Math.min(size, NPY_PREFIX_BYTES);
  for (;;) {
    const buf = new Uint8Array(want);
    const n = readFully(fd, buf, 0, want, 0);
    const bytes = buf.subarray(0, n);
    const needed = headerBytesNeeded(bytes);
    if (needed <= n || n >= size) return parseNpyHeader(bytes, path, size);
    want = Math.min(size, needed);
  }
}

function headerBytesNeeded(bytes: Uint8Array): number {
  if (bytes.length < 12) return 12;
  if (bytes[6] === 1) return 10 + (bytes[8]! | (bytes[9]! << 8));
  return 12 + new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
}

/**
 * Reads rows `[r0, r1)` and columns `[c0, c1)` of the (1-D or 2-D) array in an open .npy file
 * into `out` starting at element `outOffset`, in C order. When the file holds `out`'s dtype
 * (little-endian) and all columns are wanted, the rows are one contiguous range read straight into
 * `out`'s bytes; otherwise whole rows are read a piece at a time (~1 MiB) into a scratch buffer and
 * the wanted columns converted into `out` (byte order swapped, int64/uint64 checked to be within
 * ±2^53: a larger value is a {@link FormatError} naming the file, row and column). A short read
 * means the file shrank since its header was checked: a {@link FormatError}.
 */
export function readNpyRegion(
  fd: number,
  file: string,
  header: NpyHeader,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  out: NumericArray,
  outOffset = 0,
  block?: number,
): void {
  const where = block === undefined ? { file } : { file, block };
  const storage = npyStorage(header.descr);
  if (storage === undefined) throw new FormatError(where, `unsupported dtype '${header.descr}'; supported: ${SUPPORTED}.`);
  const { stored, bigEndian } = storage;
  const cols = header.shape.length >= 2 ? header.shape.slice(1).reduce((a, b) => a * b, 1) : 1;
  const size = STORED_BYTES[stored];
  const rowBytes = cols * size;
  const native = !bigEndian && isNative(stored, dtypeOfArray(out));
  if (native && c0 === 0 && c1 === cols) {
    const bytes = new Uint8Array(out.buffer, out.byteOffset + outOffset * size, (r1 - r0) * cols * size);
    const got = readFully(fd, bytes, 0, bytes.length, header.dataOffset + r0 * rowBytes);
    if (got < bytes.length) throw truncatedRead(where, header, r0, r1, got, bytes.length);
    return;
  }
  // Whole rows a few at a time into scratch; then the wanted columns, converted, into out.
  const rowsPerRead = Math.max(1, Math.floor((1 << 20) / rowBytes));
  const width = c1 - c0;
  let dst = outOffset;
  for (let r = r0; r < r1; r += rowsPerRead) {
    const n = Math.min(rowsPerRead, r1 - r);
    const len = n * rowBytes;
    const scratch = scratchBytes(len);
    const got = readFully(fd, scratch, 0, len, header.dataOffset + r * rowBytes);
    if (got < len) throw truncatedRead(where, header, r0, r1, got, len);
    if (bigEndian) swapBytes(scratch, len, size);
    const inexact = (k: number, value: bigint): never => {
      const row = r + Math.floor(k / cols);
      const at = header.shape.length >= 2 ? `row ${row}, column ${k % cols}` : `row ${row}`;
      throw new FormatError(
        where,
        `${at}: ${STORED_NAMES[stored]} value ${value} is beyond ±2^53, where float64 (which Tessera reads ${STORED_NAMES[stored]} as) no longer holds every integer exactly; convert the file first (e.g. a.astype('f8') in numpy to accept rounding).`,
      );
    };
    // One pass over the piece when every column is wanted, else one strided pass per column.
    if (width === cols) convertElements(stored, scratch, 0, 1, n * cols, out, dst, 1, inexact);
    else for (let c = c0; c < c1; c++) convertElements(stored, scratch, c, cols, n, out, dst + (c - c0), width, inexact);
    dst += n * width;
  }
}

function truncatedRead(
  where: { file: string; block?: number },
  header: NpyHeader,
  r0: number,
  r1: number,
  got: number,
  want: number,
): FormatError {
  return new FormatError(
    where,
    `truncated: reading rows ${r0}..${r1 - 1} of shape (${header.shape.join(', ')}) got ${got} of ${want} bytes; the file is shorter than its header says (was it changed while being read?).`,
  );
}

/** `readSync` until `length` bytes are in or the file ends; returns the bytes read. */
export function readFully(fd: number, into: Uint8Array, offset: number, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, into, offset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** `writeSync` until all of `data` is written at `position`. */
export function writeFully(fd: number, data: Uint8Array, position: number): void {
  let done = 0;
  while (done < data.length) done += writeSync(fd, data, done, data.length - done, position + done);
}

/**
 * Writes a whole .npy file synchronously (header + data); `data` is C order of `shape`.
 *
 * @example
 * writeNpySync('/tmp/a.npy', 'float64', [2, 2], Float64Array.of(1, 2, 3, 4));
 */
export function writeNpySync(path: string, dtype: NumericDType, shape: readonly number[], data: NumericArray): void {
  if (!(data instanceof ARRAY_TYPES[dtype]))
    throw new TypeError(`writeNpySync: data for dtype '${dtype}' must be a ${ARRAY_TYPES[dtype].name}.`);
  const header = formatNpyHeader(dtype, shape);
  const fd = openSync(path, 'w');
  try {
    writeFully(fd, header, 0);
    writeFully(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), header.length);
  } finally {
    closeSync(fd);
  }
}

/** Reads a whole .npy file into a typed array over a SharedArrayBuffer. */
export function readNpySync(path: string): { header: NpyHeader; data: NumericArray } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new FormatError({ file: path }, describeFsError(error), { cause: error });
  }
  try {
    const header = readNpyHeaderSync(fd, path);
    const n = header.shape.reduce((a, b) => a * b, 1);
    const C = ARRAY_TYPES[header.dtype];
    const data = new C(new SharedArrayBuffer(n * bytesPerElement(header.dtype)), 0, n);
    const rows = header.shape.length === 0 ? 1 : header.shape[0]!;
    const cols = header.shape.length >= 2 ? header.shape.slice(1).reduce((a, b) => a * b, 1) : 1;
    if (n > 0) readNpyRegion(fd, path, header, 0, rows, 0, cols, data);
    return { header, data };
  } finally {
    closeSync(fd);
  }
}

/** A short message for a failed open/stat (missing file, permissions, a directory…). */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'file not found.';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied.';
  if (code === 'EISDIR') return 'is a directory, not a file.';
  return (error as Error)?.message ?? String(error);
}

/** The .npy dtype string Tessera writes for a dtype (`'<f8'`…). */
export function npyDescr(dtype: NumericDType): string {
  return DESCR_OF[dtype];
}

/** Short display name of a path for messages. */
export function shortName(path: string): string {
  return basename(path);
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

// --- A parser for the Python literal dict of the header ----------------------------------------

type PyValue = string | number | boolean | null | PyValue[] | { [k: string]: PyValue };

function parsePyDict(text: string): Record<string, PyValue> {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const fail = (what: string): never => {
    throw new Error(`expected ${what} at character ${i}`);
  };
  const value = (): PyValue => {
    ws();
    const ch = text[i];
    if (ch === "'" || ch === '"') {
      const q = ch;
      let s = '';
      i++;
      while (i < text.length && text[i] !== q) {
        if (text[i] === '\\') i++;
        s += text[i++];
      }
      if (text[i] !== q) fail('a closing quote');
      i++;
      return s;
    }
    if (ch === '(' || ch === '[') {
      const close = ch === '(' ? ')' : ']';
      i++;
      const items: PyValue[] = [];
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          return items;
        }
        items.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== close) fail(`',' or '${close}'`);
      }
    }
    if (ch === '{') {
      i++;
      const obj: Record<string, PyValue> = {};
      for (;;) {
        ws();
        if (text[i] === '}') {
          i++;
          return obj;
        }
        const k = value();
        if (typeof k !== 'string') fail('a string key');
        ws();
        if (text[i] !== ':') fail("':'");
        i++;
        obj[k as string] = value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') fail("',' or '}'");
      }
    }
    const m = /^(True|False|None|-?[0-9]+L?)/.exec(text.slice(i));
    if (!m) return fail('a value');
    i += m[0].length;
    if (m[0] === 'True') return true;
    if (m[0] === 'False') return false;
    if (m[0] === 'None') return null;
    return Number(m[0].replace('L', ''));
  };
  const v = value();
  ws();
  if (i !== text.length) fail('the end of the header');
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('the header is not a dict');
  return v as Record<string, PyValue>;
}
