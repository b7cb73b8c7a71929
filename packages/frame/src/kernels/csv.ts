/**
 * CSV on the workers: the boundary scan of a byte range, and the parse of a block of records
 * straight into a block's memory.
 *
 * **Splitting at record boundaries, quoted newlines included.** A byte range cut at a fixed
 * offset may begin inside a quoted field, where a newline is data, not the end of a record (dask's
 * `read_csv` splits at the first newline after the offset and misreads such files). RFC 4180
 * quoting keeps quote characters paired (`""` inside a quoted field is two of them), so whether an
 * offset is inside quotes is the parity of the quotes before it. Each range is scanned once, in
 * parallel, under both hypotheses — it starts outside quotes, or inside — counting its record
 * boundaries (newlines at even parity) and locating the first one; the main thread then chains
 * the ranges from the start of the file, where the state is known, picks each range's true
 * hypothesis, and so knows where every block's first record starts, how many records each block
 * holds and on which line it starts — before any value is parsed. A quote inside an unquoted field
 * (`ab"c`), which would break the pairing, is an error naming the line (RFC 4180 requires such a
 * field to be quoted, with the quote doubled).
 *
 * A gzip file cannot be split (a deflate stream is decoded from its start): it is one block.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { FormatError } from '@tessera/io';
import type { TypedArray } from '@tessera/array';
import type { LogicalType, TimeUnit } from '../types.js';
import { intRange } from '../types.js';
import { NOT_A_NUMBER, parseInteger, parseNumber } from './numbers.js';
import { parseDate, parseTimestamp } from './time.js';

const LF = 10;
const CR = 13;

/** Delimiter and quote, as byte values. */
export interface CsvDialect {
  readonly delimiter: number;
  readonly quote: number;
}

/** What a block reads of one column. */
export interface CsvColumnPlan {
  /** Index of the field in a record. */
  readonly field: number;
  readonly name: string;
  readonly type: LogicalType;
  readonly unit?: TimeUnit | undefined;
  /** Category columns: the categories (code = index). */
  readonly categories?: readonly string[] | null | undefined;
  /** Categories declared by the user: a value outside them reads as missing (pandas' CategoricalDtype); learned ones: an error. */
  readonly declared?: boolean | undefined;
  /** How the type was decided, for messages: `'inferred from the first 1000 rows'`, `'declared'`. */
  readonly origin: string;
}

/** One block of records: a byte range of a file starting at a record boundary. */
export interface CsvBlock {
  readonly path: string;
  /** Index of the block in the frame (for messages). */
  readonly index: number;
  /** Byte offset of the first record (of the decompressed bytes for gzip). */
  readonly start: number;
  /** Byte offset after the last record. */
  readonly end: number;
  readonly rows: number;
  /** Row of the frame where the block starts. */
  readonly row0: number;
  /** 1-based line of the file at `start`. */
  readonly line: number;
  readonly gzip: boolean;
  /**
   * The file's size and modification time when it was opened: bytes a thread keeps of a block
   * (and its record checkpoints) are used again only for the same stamp. Without one, they are not.
   */
  readonly stamp?: string | undefined;
}

/** Reader parameters of a CSV source (plain data: they travel to the workers). */
export interface CsvParams {
  readonly dialect: CsvDialect;
  /** Fields per record (the header's). */
  readonly nFields: number;
  /** Names of all fields (for messages about fields the array does not read). */
  readonly fieldNames: readonly string[];
  /** Texts read as missing values. */
  readonly na: readonly string[];
  readonly trueValues: readonly string[];
  readonly falseValues: readonly string[];
  /** The blocks overlapping the rows asked for. */
  readonly blocks: readonly CsvBlock[];
  /** The columns of the array, in order. */
  readonly columns: readonly CsvColumnPlan[];
}

// --- bytes -------------------------------------------------------------------------------------

/**
 * The exported functions take and return Uint8Array (the declarations must not need Node's
 * types); inside, the same memory as a Buffer for its native `indexOf` and text decoding.
 */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The decompressed bytes of a gzip file (cached per thread for the file last asked for). */
let gzipCache: { path: string; bytes: Buffer } | undefined;

/**
 * A byte range of a file held in a thread's read buffer. `gen` changes whenever the slot is
 * given another range, so a reader that kept a slot across calls knows its bytes are gone.
 */
interface ByteSlot {
  key: string;
  gen: number;
  /** The buffer (reused; grown when a range is larger). */
  buf: Buffer | undefined;
  /** The bytes of the range: a view of `buf`, or of the decompressed gzip file. */
  bytes: Buffer;
  used: number;
  /** The turn of the event loop it was last used in (see {@link currentTurn}); -1 when its user is done with it. */
  turn: number;
}

/**
 * Per thread, at most two read buffers, reused by every block: a fresh 64 MB buffer per block
 * costs its page faults on first touch and stays in the RSS until a collection (measured on the
 * `csv` benchmark: peak RSS 760 MB with a buffer per block). Two, so that two streams of one task
 * over different blocks (X from one file, y from another) do not evict each other on every tile;
 * streams over the same block (X and y columns of one file) share one.
 */
const MAX_SLOTS = 2;
const slots: ByteSlot[] = [];
let slotTick = 0;

let turnCount = 0;
let turnPending = false;

/** A number that changes once the thread's event loop turns (a task runs within one turn). */
function currentTurn(): number {
  if (!turnPending) {
    turnPending = true;
    setImmediate(() => {
      turnCount++;
      turnPending = false;
    });
  }
  return turnCount;
}

function rangeKey(path: string, start: number, end: number, gzip: boolean, stamp: string | undefined): string {
  return `${gzip ? 'gz' : ''}\u0000${path}\u0000${start}\u0000${end}\u0000${stamp ?? ''}`;
}

/** The slot holding bytes `[start, end)` of a file, read into a reused buffer unless already there. */
function acquireBytes(path: string, start: number, end: number, gzip: boolean, block?: number, stamp?: string): ByteSlot {
  // Without a stamp the file may have changed since the bytes were read: read them again.
  const key = stamp === undefined ? '' : rangeKey(path, start, end, gzip, stamp);
  let slot = key === '' ? undefined : slots.find((s) => s.key === key);
  if (slot) {
    slot.used = ++slotTick;
    slot.turn = currentTurn();
    return slot;
  }
  // A slot used in this turn of the event loop may belong to a stream of the running task that
  // is not done with it: another slot is taken (up to MAX_SLOTS). Otherwise the least recently
  // used one, so a thread running one stream at a time keeps one buffer.
  const turn = currentTurn();
  const idle = slots.filter((x) => x.turn !== turn);
  if (idle.length > 0) slot = idle.reduce((a, b) => (a.used <= b.used ? a : b));
  else if (slots.length < MAX_SLOTS) {
    slot = { key: '', gen: 0, buf: undefined, bytes: Buffer.alloc(0), used: 0, turn };
    slots.push(slot);
  } else slot = slots.reduce((a, b) => (a.used <= b.used ? a : b));
  slot.key = '';
  slot.gen++;
  slot.used = ++slotTick;
  slot.turn = turn;
  slot.bytes = fillSlot(slot, path, start, end, gzip, block);
  slot.key = key === '' ? `\u0001${slot.gen}` : key;
  return slot;
}

function fillSlot(slot: ByteSlot, path: string, start: number, end: number, gzip: boolean, block?: number): Buffer {
  try {
    if (gzip) {
      if (gzipCache?.path !== path) {
        gzipCache = undefined;
        gzipCache = { path, bytes: gunzipSync(readFileSync(path)) };
      }
      return gzipCache.bytes.subarray(start, end < 0 ? undefined : end);
    }
    const fd = openSync(path, 'r');
    try {
      if (!slot.buf || slot.buf.length < end - start) {
        slot.buf = undefined;
        // Headroom: blocks are `blocksize` give or take a record, and a buffer a few bytes too
        // small would be replaced — the old one then lingers in the RSS until a collection.
        slot.buf = Buffer.allocUnsafe(end - start + Math.max(1 << 16, Math.ceil((end - start) / 64)));
      }
      const buf = slot.buf.subarray(0, end - start);
      let got = 0;
      while (got < buf.length) {
        const n = readSync(fd, buf, got, buf.length - got, start + got);
        if (n === 0)
          throw new FormatError(
            block === undefined ? { file: path } : { file: path, block },
            `the file ends at byte ${start + got}, before byte ${end} where this block ends: it changed after it was opened.`,
          );
        got += n;
      }
      return buf;
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if (error instanceof FormatError) throw error;
    const where = block === undefined ? { file: path } : { file: path, block };
    throw new FormatError(
      where,
      gzip ? `cannot decompress the gzip file: ${(error as Error).message}` : `cannot read: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * The bytes `[start, end)` of a file (of its decompressed content when `gzip`). The result is only
 * valid until the thread's read buffers are given other ranges (two calls for other ranges).
 */
export function readBytes(path: string, start: number, end: number, gzip: boolean, block?: number): Uint8Array {
  const slot = acquireBytes(path, start, end, gzip, block);
  // The caller is done with the bytes before it reads again: the slot is free for the next range.
  slot.turn = -1;
  return slot.bytes;
}

/** Bytes of the thread's CSV read buffers (tests: they stay at two blocks' worth, however many blocks are read). */
export function csvBufferBytes(): number {
  return slots.reduce((a, s) => a + (s.buf?.length ?? 0), 0);
}

/** Forgets the decompressed gzip file (tests; a worker keeps one at most). */
export function dropGzipCache(): void {
  gzipCache = undefined;
  for (const slot of slots) {
    if (!slot.key.startsWith('gz')) continue;
    slot.key = '';
    slot.gen++;
    slot.bytes = Buffer.alloc(0);
  }
}

// --- the boundary scan ---------------------------------------------------------------------------

/** A byte range's record boundaries, assuming it starts outside (`[0]`) or inside (`[1]`) quotes. */
export interface ScanHypothesis {
  /** Record boundaries (newlines outside quotes). */
  count: number;
  /** Boundaries ending an empty line whose previous boundary is in this range. */
  blankInner: number;
  /** Offset just after the first boundary, or -1. */
  first: number;
  /** Newlines up to and including the first boundary. */
  firstNl: number;
  /** What follows the last boundary (or fills the range, without one): 0 nothing, 1 a lone CR, 2 content. */
  tail: 0 | 1 | 2;
}

export interface ScanResult {
  /** Newlines of the range (any parity). */
  readonly newlines: number;
  /** Quote characters of the range. */
  readonly quotes: number;
  /** The range starts with a CR (a CRLF split across ranges, or content). */
  readonly startsCR: boolean;
  readonly hyp: readonly [ScanHypothesis, ScanHypothesis];
}

function hypothesis(): ScanHypothesis {
  return { count: 0, blankInner: 0, first: -1, firstNl: 0, tail: 0 };
}

/** Scans `buf` for record boundaries under both quote hypotheses. */
export function scanBytes(bytes: Uint8Array, quote: number): ScanResult {
  const buf = asBuffer(bytes);
  const n = buf.length;
  const hyp: [ScanHypothesis, ScanHypothesis] = [hypothesis(), hypothesis()];
  let newlines = 0;
  let quotes = 0;
  // Where each hypothesis's last boundary ended (-1: none yet in this range).
  const last = [-1, -1];
  const boundary = (h: number, p: number) => {
    const H = hyp[h]!;
    const prev = last[h]!;
    if (prev < 0) {
      H.first = p + 1;
      H.firstNl = newlines;
    } else if (p === prev || (p === prev + 1 && buf[prev] === CR)) H.blankInner++;
    H.count++;
    last[h] = p + 1;
  };
  if (buf.indexOf(quote) < 0) {
    // No quotes: every newline is a boundary if the range starts outside quotes, none otherwise.
    for (let p = buf.indexOf(LF); p >= 0; p = buf.indexOf(LF, p + 1)) {
      newlines++;
      boundary(0, p);
    }
  } else {
    let parity = 0;
    for (let p = 0; p < n; p++) {
      const c = buf[p]!;
      if (c === quote) {
        parity ^= 1;
        quotes++;
      } else if (c === LF) {
        newlines++;
        // Outside quotes under hypothesis h when parity ^ h is even.
        boundary(parity, p);
      }
    }
  }
  for (let h = 0; h < 2; h++) {
    const from = last[h]! < 0 ? 0 : last[h]!;
    hyp[h]!.tail = n === from ? 0 : n === from + 1 && buf[from] === CR ? 1 : 2;
  }
  return { newlines, quotes, startsCR: buf[0] === CR, hyp };
}

/** Scans bytes `[start, end)` of a file (kernel `frame.csvScan`). */
export function scanRange(path: string, start: number, end: number, quote: number, gzip: boolean): ScanResult {
  return scanBytes(readBytes(path, start, end, gzip), quote);
}

// --- records as strings (headers, samples, head, categories) -------------------------------------

/** Thrown by the tokenizer: the message and the byte offset where the record starts. */
export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/**
 * Splits the records of `buf[from, to)` into string fields (quotes removed, `""` unescaped),
 * skipping empty lines. With `partial`, stops before a record not terminated by a newline (the
 * rest of the file may continue it); returns the records and the offset after the last one.
 */
export function splitRecords(
  bytes: Uint8Array,
  from: number,
  to: number,
  dialect: CsvDialect,
  maxRecords = Infinity,
  partial = false,
): { records: string[][]; end: number; offsets: number[] } {
  const buf = asBuffer(bytes);
  const { delimiter: D, quote: Q } = dialect;
  const records: string[][] = [];
  const offsets: number[] = [];
  let pos = from;
  while (pos < to && records.length < maxRecords) {
    const c0 = buf[pos];
    if (c0 === LF) {
      pos++;
      continue;
    }
    if (c0 === CR && buf[pos + 1] === LF) {
      pos += 2;
      continue;
    }
    const recordStart = pos;
    const fields: string[] = [];
    let complete = false;
    for (;;) {
      let text: string;
      if (buf[pos] === Q) {
        let q = pos + 1;
        let escaped = false;
        for (;;) {
          q = buf.indexOf(Q, q);
          if (q < 0 || q >= to) {
            if (partial) return { records, end: recordStart, offsets };
            throw new CsvSyntaxError(
              'a quoted field is never closed (an odd number of quote characters from here to the end of the block)',
              recordStart,
            );
          }
          if (q + 1 < to && buf[q + 1] === Q) {
            escaped = true;
            q += 2;
            continue;
          }
          if (q + 1 >= to && partial) return { records, end: recordStart, offsets };
          break;
        }
        text = buf.toString('utf8', pos + 1, q);
        if (escaped) text = text.replaceAll(String.fromCharCode(Q) + String.fromCharCode(Q), String.fromCharCode(Q));
        pos = q + 1;
        const c = buf[pos];
        if (pos < to && c !== D && c !== LF && !(c === CR && buf[pos + 1] === LF)) {
          throw new CsvSyntaxError(
            `a closing quote is followed by ${JSON.stringify(String.fromCharCode(c!))} instead of a delimiter or the end of the line`,
            recordStart,
          );
        }
      } else {
        const a = pos;
        while (pos < to) {
          const c = buf[pos]!;
          if (c === D || c === LF) break;
          if (c === Q)
            throw new CsvSyntaxError(
              `a quote character inside an unquoted field (RFC 4180: a field holding quotes must be quoted, each quote doubled)`,
              recordStart,
            );
          pos++;
        }
        let b = pos;
        if (b > a && buf[b - 1] === CR && (pos >= to || buf[pos] === LF)) b--;
        text = buf.toString('utf8', a, b);
      }
      fields.push(text);
      if (pos < to && buf[pos] === D) {
        pos++;
        continue;
      }
      if (pos < to && buf[pos] === CR) pos++;
      if (pos < to && buf[pos] === LF) {
        pos++;
        complete = true;
      }
      break;
    }
    if (!complete && partial && pos >= to) return { records, end: recordStart, offsets };
    records.push(fields);
    offsets.push(recordStart);
  }
  return { records, end: pos, offsets };
}

// --- the parse into a block ----------------------------------------------------------------------

/** Field kinds of the hot loop. */
const K_FLOAT = 0;
const K_INT = 1;
const K_BOOL = 2;
const K_CAT = 3;
const K_TIME = 4;
const K_DATE = 5;

function kindOf(type: LogicalType): number {
  switch (type) {
    case 'float64':
    case 'float32':
    case 'decimal':
      return K_FLOAT;
    case 'bool':
      return K_BOOL;
    case 'category':
      return K_CAT;
    case 'timestamp':
      return K_TIME;
    case 'date':
      return K_DATE;
    default:
      return K_INT;
  }
}

/** Line (1-based) of byte `offset` of a block: its first line plus the newlines before. */
function lineAt(buf: Buffer, block: CsvBlock, offset: number): number {
  let n = 0;
  for (let p = buf.indexOf(LF); p >= 0 && p < offset; p = buf.indexOf(LF, p + 1)) n++;
  return block.line + n;
}

/** Exact powers of ten as doubles (see numbers.ts: Clinger's fast path). */
const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];
const MAX_M = (2 ** 53 - 9) / 10;

/** Everything a block parse needs about its columns, set up once per block. */
class BlockContext {
  readonly slotOf: Int32Array;
  readonly kinds: Int32Array;
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  readonly codes: (Map<string, number> | null)[] = [];
  readonly scale: Float64Array;
  isFloat: boolean;
  readonly na: Set<string>;
  readonly numericNa: boolean;
  readonly trues: Set<string>;
  readonly falses: Set<string>;
  constructor(
    /** The block's bytes (all of them: line numbers count from its start). */
    public buf: Buffer,
    readonly block: CsvBlock,
    readonly p: CsvParams,
    readonly cols: readonly CsvColumnPlan[],
    public out: TypedArray,
  ) {
    const nf = p.nFields;
    this.slotOf = new Int32Array(nf).fill(-1);
    this.kinds = new Int32Array(cols.length);
    this.lo = new Float64Array(cols.length);
    this.hi = new Float64Array(cols.length);
    this.scale = new Float64Array(cols.length);
    cols.forEach((c, j) => {
      this.slotOf[c.field] = j;
      this.kinds[j] = kindOf(c.type);
      const r = intRange(c.type) ?? [-Infinity, Infinity];
      this.lo[j] = r[0];
      this.hi[j] = r[1];
      this.codes.push(c.categories ? new Map(c.categories.map((s, i) => [s, i])) : null);
      this.scale[j] = c.unit === 's' ? 1e-3 : c.unit === 'us' ? 1e3 : c.unit === 'ns' ? 1e6 : 1;
    });
    this.isFloat = out instanceof Float64Array || out instanceof Float32Array;
    this.na = new Set(p.na);
    // NA texts that read as (non-NaN) numbers, such as a user's '-999', are looked up before parsing.
    this.numericNa = p.na.some((s) => {
      if (s.trim() === '') return false;
      const v = parseNumber(Buffer.from(s), 0, Buffer.byteLength(s));
      return v !== NOT_A_NUMBER && !Number.isNaN(v);
    });
    this.trues = new Set(p.trueValues);
    this.falses = new Set(p.falseValues);
  }

  fail(recordStart: number, field: number, message: string): never {
    const nf = this.p.nFields;
    const j = field < nf ? this.slotOf[field]! : -1;
    const where = j >= 0 ? `, column '${this.cols[j]!.name}'` : field < nf ? `, column '${this.p.fieldNames[field] ?? field + 1}'` : '';
    throw new FormatError(
      { file: this.block.path, block: this.block.index },
      `line ${lineAt(this.buf, this.block, recordStart)}${where}: ${message}`,
    );
  }

  text(a: number, b: number, escaped: boolean): string {
    const t = this.buf.toString('utf8', a, b);
    if (!escaped) return t;
    const q = String.fromCharCode(this.p.dialect.quote);
    return t.replaceAll(q + q, q);
  }

  missing(at: number, recordStart: number, field: number): void {
    if (!this.isFloat)
      this.fail(
        recordStart,
        field,
        `a missing value cannot be stored in ${this.out.constructor.name.replace('Array', '').toLowerCase()} (read the column as float64 to get NaN)`,
      );
    this.out[at] = NaN;
  }

  mismatch(j: number, value: string, recordStart: number, field: number): never {
    const c = this.cols[j]!;
    return this.fail(
      recordStart,
      field,
      `value ${JSON.stringify(value)} is not a ${c.type}${c.type === 'timestamp' ? ` (ISO 8601)` : ''}, the column's type (${c.origin}); pass readCsv(…, { dtype: { ${JSON.stringify(c.name)}: … } }) to read it as another type.`,
    );
  }

  /** Any field of column slot `j` (the general path): `buf[a, b)`, unquoted already. */
  convert(j: number, a: number, b: number, escaped: boolean, at: number, recordStart: number, field: number): void {
    const kind = this.kinds[j]!;
    const out = this.out;
    if (a === b) {
      // An empty field is missing in every type (pandas reads '' as NaN).
      if (kind === K_CAT) out[at] = this.isFloat ? NaN : -1;
      else this.missing(at, recordStart, field);
      return;
    }
    if (kind === K_FLOAT || kind === K_INT) {
      if (this.numericNa && this.na.has(this.text(a, b, escaped))) return this.missing(at, recordStart, field);
      const v = escaped ? NOT_A_NUMBER : kind === K_FLOAT ? parseNumber(this.buf, a, b) : parseInteger(this.buf, a, b);
      if (v === NOT_A_NUMBER) {
        const t = this.text(a, b, escaped);
        if (this.na.has(t)) return this.missing(at, recordStart, field);
        return this.mismatch(j, t, recordStart, field);
      }
      if (kind === K_INT && !(v >= this.lo[j]! && v <= this.hi[j]!)) {
        const type = this.cols[j]!.type;
        this.fail(
          recordStart,
          field,
          `value ${this.text(a, b, escaped)} is out of the range of ${type}${type.endsWith('64') ? ' that doubles hold exactly (±2^53)' : ''}`,
        );
      }
      out[at] = v;
      return;
    }
    const t = this.text(a, b, escaped);
    if (kind === K_CAT) {
      if (this.na.has(t)) {
        out[at] = this.isFloat ? NaN : -1;
        return;
      }
      const code = this.codes[j]!.get(t);
      if (code === undefined) {
        if (this.cols[j]!.declared) {
          out[at] = this.isFloat ? NaN : -1;
          return;
        }
        this.fail(
          recordStart,
          field,
          `value ${JSON.stringify(t)} is not among the ${this.cols[j]!.categories!.length} categories learned for the column (the file changed after categorize()?)`,
        );
      }
      out[at] = code!;
      return;
    }
    if (this.na.has(t)) return this.missing(at, recordStart, field);
    if (kind === K_BOOL) {
      if (this.trues.has(t)) out[at] = 1;
      else if (this.falses.has(t)) out[at] = 0;
      else this.mismatch(j, t, recordStart, field);
      return;
    }
    const v = kind === K_TIME ? parseTimestamp(t) : parseDate(t);
    if (v === undefined) return this.mismatch(j, t, recordStart, field);
    out[at] = kind === K_TIME ? v * this.scale[j]! : v;
  }
}

/**
 * Parses rows `[from, to)` of a block (relative to its first record) into `out`, row-major with
 * `width` columns from element `outOffset`: column `j` of the plan into slot `j`.
 *
 * The hot loop reads each byte once: an unquoted field of a float column is parsed as it is
 * scanned (Clinger's fast path, as numbers.ts), and only unusual text (more digits, exponents
 * beyond 10^±22, NA strings, quotes) takes the general path.
 */
export function parseBlockInto(
  bytes: Uint8Array,
  block: CsvBlock,
  p: CsvParams,
  cols: readonly CsvColumnPlan[],
  from: number,
  to: number,
  out: TypedArray,
  outOffset: number,
  width: number,
): void {
  parseRecords(new BlockContext(asBuffer(bytes), block, p, cols, out), from, to, outOffset, width, 0, 0, undefined);
}

/** Records between two checkpoints of a block (see {@link parseRecords}'s `marks`). */
const MARK_EVERY = 1024;

/**
 * The parse itself: records `[from, to)` of `ctx.block` into `ctx.out`, starting at byte `pos`,
 * where record `rec` (≤ from) starts. Returns the byte offset after record `to - 1`. With
 * `marks`, the start of every `MARK_EVERY`-th record met is appended to it when it is the next
 * one missing (so a later read can start near any record).
 */
function parseRecords(
  ctx: BlockContext,
  from: number,
  to: number,
  outOffset: number,
  width: number,
  pos: number,
  rec: number,
  marks: number[] | undefined,
): number {
  const { buf, block, p, out } = ctx;
  const D = p.dialect.delimiter;
  const Q = p.dialect.quote;
  const nf = p.nFields;
  const slotOf = ctx.slotOf;
  const kinds = ctx.kinds;
  const numericNa = ctx.numericNa;
  const n = buf.length;
  while (rec < to) {
    if (pos >= n) {
      throw new FormatError(
        { file: block.path, block: block.index },
        `the block holds ${rec} records, but ${block.rows} were counted when the file was opened: it changed since.`,
      );
    }
    const c0 = buf[pos];
    if (c0 === LF) {
      pos++;
      continue;
    }
    if (c0 === CR && buf[pos + 1] === LF) {
      pos += 2;
      continue;
    }
    const recordStart = pos;
    if (marks !== undefined && rec % MARK_EVERY === 0 && rec / MARK_EVERY === marks.length) marks.push(pos);
    const keep = rec >= from;
    const rowBase = outOffset + (rec - from) * width;
    let field = 0;
    for (;;) {
      if (field >= nf) ctx.fail(recordStart, field, `the record has more fields than the header's ${nf}`);
      const j = keep ? slotOf[field]! : -1;
      let c = buf[pos]!;
      // Set once a field is parsed: quoted fields always; numbers when a fast path takes them.
      let parsed = false;
      if (c === Q) {
        parsed = true;
        const a = pos + 1;
        let q = a;
        let escaped = false;
        for (;;) {
          q = buf.indexOf(Q, q);
          if (q < 0)
            ctx.fail(
              recordStart,
              field,
              'a quoted field is never closed (an odd number of quote characters from here to the end of the block)',
            );
          if (buf[q + 1] === Q) {
            escaped = true;
            q += 2;
            continue;
          }
          break;
        }
        pos = q + 1;
        c = buf[pos]!;
        if (pos < n && c !== D && c !== LF && !(c === CR && buf[pos + 1] === LF)) {
          ctx.fail(
            recordStart,
            field,
            `a closing quote is followed by ${JSON.stringify(String.fromCharCode(c))} instead of a delimiter or the end of the line`,
          );
        }
        if (j >= 0) ctx.convert(j, a, q, escaped, rowBase + j, recordStart, field);
      } else if (j >= 0 && kinds[j] === K_INT && !numericNa && c >= 48 && c <= 57) {
        // Fused scan and parse of plain digits (up to 15: exact), checked against the type's range.
        const a = pos;
        let v = 0;
        let i = pos;
        while (c >= 48 && c <= 57) {
          v = v * 10 + (c - 48);
          c = buf[++i]!;
        }
        if (i - a <= 15 && i < n && (c === D || c === LF || (c === CR && buf[i + 1] === LF)) && v <= ctx.hi[j]!) {
          out[rowBase + j] = v;
          pos = i;
          parsed = true;
        }
      } else if (j >= 0 && kinds[j] === K_FLOAT && !numericNa) {
        // Fused scan and parse of a decimal (see numbers.ts for why it is exact).
        let i = pos;
        let neg = false;
        if (c === 45 || c === 43) {
          neg = c === 45;
          c = buf[++i]!;
        }
        let m = 0;
        let e = 0;
        let digits = 0;
        let ok = true;
        while (c >= 48 && c <= 57) {
          if (m > MAX_M) ok = false;
          m = m * 10 + (c - 48);
          digits++;
          c = buf[++i]!;
        }
        if (c === 46) {
          c = buf[++i]!;
          while (c >= 48 && c <= 57) {
            if (m > MAX_M) ok = false;
            m = m * 10 + (c - 48);
            e--;
            digits++;
            c = buf[++i]!;
          }
        }
        if (ok && digits > 0 && i < n && (c === D || c === LF || (c === CR && buf[i + 1] === LF)) && e >= -22) {
          const v = e === 0 ? m : m / POW10[-e]!;
          out[rowBase + j] = neg ? -v : v;
          pos = i;
          parsed = true;
        }
      }
      if (!parsed) {
        // An unquoted field the fast paths did not take (pos is still its start): find its end,
        // then the general conversion.
        const a = pos;
        while (pos < n) {
          c = buf[pos]!;
          if (c === D || c === LF) break;
          if (c === Q)
            ctx.fail(
              recordStart,
              field,
              'a quote character inside an unquoted field (RFC 4180: a field holding quotes must be quoted, each quote doubled)',
            );
          pos++;
        }
        if (j >= 0) {
          let b = pos;
          if (b > a && buf[b - 1] === CR && (pos >= n || buf[pos] === LF)) b--;
          ctx.convert(j, a, b, false, rowBase + j, recordStart, field);
        }
      }
      if (pos < n && buf[pos] === D) {
        pos++;
        field++;
        continue;
      }
      if (pos < n && buf[pos] === CR) pos++;
      if (pos < n && buf[pos] === LF) pos++;
      if (field + 1 !== nf) ctx.fail(recordStart, nf, `the record has ${field + 1} fields where the header has ${nf}`);
      break;
    }
    rec++;
  }
  return pos;
}

// --- the source reader -----------------------------------------------------------------------------

/** Where a stream's parse of one block stands: the next record and its byte offset. */
interface CsvCursor {
  readonly ctx: BlockContext;
  slot: ByteSlot;
  gen: number;
  rec: number;
  pos: number;
}

/** Per thread: record checkpoints of the blocks read lately (by byte range), see {@link parseRecords}. */
const checkpoints = new Map<string, number[]>();
const MAX_CHECKPOINTED = 256;

function marksOf(key: string): number[] {
  let m = checkpoints.get(key);
  if (m) {
    checkpoints.delete(key); // most recent last
    checkpoints.set(key, m);
    return m;
  }
  m = [];
  checkpoints.set(key, m);
  if (checkpoints.size > MAX_CHECKPOINTED) checkpoints.delete(checkpoints.keys().next().value!);
  return m;
}

/** What the CSV reader keeps in a stream's state (`ReaderContext.state`). */
interface StreamState {
  readonly state: Map<string, unknown>;
}

/**
 * The `frame-csv` source reader: rows `[r0, r1)` × columns `[c0, c1)` of the frame's array into
 * `out` (row-major, from `outOffset`).
 *
 * Consumers read a block a tile of rows at a time (a reduction, a fused expression: see
 * `@tessera/array`'s streams), so the parsed block is never materialised: the block's bytes sit
 * in the thread's read buffer, and the stream's cursor (in `rctx.state`) remembers where the
 * last tile's parse ended, so each record is parsed once. A read that starts behind the cursor
 * (another stream, a rechunked array) starts from the nearest checkpoint (every 1024th record's
 * offset, remembered per block) instead of the block's start.
 */
export function readCsvRows(
  p: CsvParams,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  out: TypedArray,
  outOffset: number,
  rctx?: StreamState,
): void {
  const width = c1 - c0;
  for (const block of p.blocks) {
    const lo = Math.max(r0, block.row0);
    const hi = Math.min(r1, block.row0 + block.rows);
    if (hi <= lo) continue;
    const from = lo - block.row0;
    const at = outOffset + (lo - r0) * width;
    const id = `frame-csv:${block.index}:${c0}:${c1}`;
    let cur = rctx?.state.get(id) as CsvCursor | undefined;
    if (cur && cur.slot.gen !== cur.gen) {
      // The bytes were given up for another range: read them again (same bytes, so offsets hold).
      cur.slot = acquireBytes(block.path, block.start, block.end, block.gzip, block.index, block.stamp);
      cur.gen = cur.slot.gen;
      cur.ctx.buf = cur.slot.bytes;
    }
    if (!cur) {
      const slot = acquireBytes(block.path, block.start, block.end, block.gzip, block.index, block.stamp);
      cur = { ctx: new BlockContext(slot.bytes, block, p, p.columns.slice(c0, c1), out), slot, gen: slot.gen, rec: 0, pos: 0 };
      rctx?.state.set(id, cur);
    }
    const ctx = cur.ctx;
    if (ctx.out !== out) {
      ctx.out = out;
      ctx.isFloat = out instanceof Float64Array || out instanceof Float32Array;
    }
    const marks = block.stamp === undefined ? undefined : marksOf(rangeKey(block.path, block.start, block.end, block.gzip, block.stamp));
    if (from < cur.rec || (marks !== undefined && from - cur.rec >= MARK_EVERY && marks.length > 0)) {
      // Behind the cursor, or far ahead of it: from the last checkpoint at or before `from`.
      const k = marks === undefined ? -1 : Math.min(marks.length - 1, Math.floor(from / MARK_EVERY));
      if (k >= 0 && k * MARK_EVERY >= (from < cur.rec ? 0 : cur.rec)) {
        cur.rec = k * MARK_EVERY;
        cur.pos = marks![k]!;
      } else if (from < cur.rec) {
        cur.rec = 0;
        cur.pos = 0;
      }
    }
    cur.pos = parseRecords(ctx, from, hi - block.row0, at, width, cur.pos, cur.rec, marks);
    cur.rec = hi - block.row0;
    // A stream at the end of the block is done with its bytes (a consumer reads in order).
    if (cur.rec === block.rows) cur.slot.turn = -1;
  }
}

/**
 * The distinct values of string columns over a block (kernel `frame.csvCategories`): one sorted
 * list per column, missing values left out.
 */
export function csvCategories(p: CsvParams, blockIndex: number): string[][] {
  const block = p.blocks.find((b) => b.index === blockIndex);
  if (!block) throw new RangeError(`csvCategories: no block ${blockIndex} in the parameters.`);
  const buf = asBuffer(readBytes(block.path, block.start, block.end, block.gzip, block.index));
  const na = new Set(p.na);
  const sets = p.columns.map(() => new Set<string>());
  let records: string[][];
  let offsets: number[];
  try {
    ({ records, offsets } = splitRecords(buf, 0, buf.length, p.dialect));
  } catch (error) {
    if (error instanceof CsvSyntaxError)
      throw new FormatError({ file: block.path, block: block.index }, `line ${lineAt(buf, block, error.offset)}: ${error.message}`);
    throw error;
  }
  records.forEach((r, i) => {
    if (r.length !== p.nFields) {
      throw new FormatError(
        { file: block.path, block: block.index },
        `line ${lineAt(buf, block, offsets[i]!)}: the record has ${r.length} fields where the header has ${p.nFields}`,
      );
    }
    p.columns.forEach((c, j) => {
      const v = r[c.field]!;
      if (v !== '' && !na.has(v)) sets[j]!.add(v);
    });
  });
  return sets.map((s) => [...s].sort());
}
