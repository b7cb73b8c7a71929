/**
 * `readCsv`: CSV files as a lazy {@link Frame}.
 *
 * On the main thread: the header and a sample of the first file (types are inferred from the
 * sample), every other file's header, and the byte ranges (`blocksize`, dask's default 64 MB).
 * Then, unless `lengths: false`, one parallel pass on the workers scans the ranges for record
 * boundaries (kernels/csv.ts explains how quoted newlines are handled), so each block starts at a
 * record and its row count is known before any value is parsed. Blocks are parsed on the workers
 * straight into shared memory.
 */
import { openSync, closeSync, readSync } from 'node:fs';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { Graph, compute, parseBytes } from '@tessera/scheduler';
import { allocate, tokenize, type ArrayComputeOptions, type DType, type NDArray } from '@tessera/array';
import { FormatError } from '@tessera/io';
import { Frame, sourceArray, type Table, type TableSource } from './frame.js';
import { describeFiles, resolveFiles, type DataFile } from './files.js';
import { FrameKernel } from './kernel_names.js';
import {
  CsvSyntaxError,
  parseBlockInto,
  readBytes,
  splitRecords,
  type CsvBlock,
  type CsvColumnPlan,
  type CsvDialect,
  type CsvParams,
  type ScanResult,
} from './kernels/csv.js';
import { NOT_A_NUMBER, numberOfText } from './kernels/numbers.js';
import { parseDate, parseTimestamp } from './kernels/time.js';
import { columnDType, parseTypeSpec, type ColumnInfo, type ColumnTypeSpec, type LogicalType, type TimeUnit } from './types.js';

/** pandas' default missing-value texts (`pandas.read_csv`'s `na_values` when `keep_default_na`). */
export const DEFAULT_NA_VALUES: readonly string[] = [
  '',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '-1.#IND',
  '-1.#QNAN',
  '-NaN',
  '-nan',
  '1.#IND',
  '1.#QNAN',
  '<NA>',
  'N/A',
  'NA',
  'NULL',
  'NaN',
  'None',
  'n/a',
  'nan',
  'null',
];

/** Options of {@link readCsv}. */
export interface ReadCsvOptions extends ArrayComputeOptions {
  /** Field delimiter, one character (default `','`). */
  readonly delimiter?: string;
  /** Quote character (default `'"'`); fields are quoted as RFC 4180 says, `""` inside a quoted field is a quote. */
  readonly quote?: string;
  /** Column names when the files have no header line (then every line is data). Default: the first line of each file is its header. */
  readonly names?: readonly string[];
  /** The columns to read (names), in the frame's order; others are skipped while parsing. */
  readonly usecols?: readonly string[];
  /** Declared types by column name, instead of inferring them from the sample. */
  readonly dtype?: Readonly<Record<string, ColumnTypeSpec>>;
  /** Texts read as missing values, in addition to pandas' defaults (`DEFAULT_NA_VALUES`) unless `keepDefaultNa: false`. */
  readonly naValues?: readonly string[];
  readonly keepDefaultNa?: boolean;
  /** Texts of bool columns (default pandas': True/TRUE/true and False/FALSE/false). */
  readonly trueValues?: readonly string[];
  readonly falseValues?: readonly string[];
  /** Bytes per block (dask's `blocksize`): a number or a size such as `'64MB'` (default). A gzip file is one block. */
  readonly blocksize?: number | string;
  /** Bytes of the first file sampled to infer types (default 256 kB, as dask). */
  readonly sample?: number | string;
  /**
   * Count the rows of every block now (default true): one parallel pass over the files, so
   * `nRows` is known and the arrays can be made. With false only the header and the sample are
   * read; `head()` works, and `computeNRows()` counts later.
   */
  readonly lengths?: boolean;
}

const DEFAULT_BLOCKSIZE = 64_000_000;
const DEFAULT_SAMPLE = 256_000;
const GZIP_MAGIC = [0x1f, 0x8b];

function oneChar(value: unknown, name: string, fallback: string): number {
  const v = value === undefined ? fallback : value;
  if (typeof v !== 'string' || v.length !== 1 || v.charCodeAt(0) > 127)
    throw new TypeError(`readCsv: the '${name}' option must be one ASCII character; got ${JSON.stringify(v)}.`);
  if (v === '\n' || v === '\r') throw new RangeError(`readCsv: the '${name}' option cannot be a line break.`);
  return v.charCodeAt(0);
}

function isGzip(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(2);
    return readSync(fd, b, 0, 2, 0) === 2 && b[0] === GZIP_MAGIC[0] && b[1] === GZIP_MAGIC[1];
  } finally {
    closeSync(fd);
  }
}

/** The first `bytes` bytes of a file (decompressed for gzip: as much as those bytes give). */
function readPrefix(file: DataFile, bytes: number, gzip: boolean): { buf: Buffer; whole: boolean } {
  const fd = openSync(file.path, 'r');
  try {
    const n = Math.min(bytes, file.size);
    const raw = Buffer.alloc(n);
    let got = 0;
    while (got < n) {
      const r = readSync(fd, raw, got, n - got, got);
      if (r === 0) break;
      got += r;
    }
    if (!gzip) return { buf: raw.subarray(0, got), whole: got >= file.size };
    try {
      // A partial stream decodes as far as its bytes go.
      const out = gunzipSync(raw.subarray(0, got), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
      return { buf: out, whole: got >= file.size };
    } catch (error) {
      throw new FormatError({ file: file.path }, `cannot decompress the gzip file: ${(error as Error).message}`, { cause: error });
    }
  } finally {
    closeSync(fd);
  }
}

/** pandas' duplicate-name mangling: a second `a` becomes `a.1`. */
function mangle(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = seen.get(n);
    if (k === undefined) {
      seen.set(n, 0);
      return n;
    }
    let i = k + 1;
    while (seen.has(`${n}.${i}`)) i++;
    seen.set(n, i);
    seen.set(`${n}.${i}`, 0);
    return `${n}.${i}`;
  });
}

/** The type of a column from its sample values (missing ones left out), as pandas infers it (plus timestamps). */
export function inferType(
  values: readonly string[],
  trues: ReadonlySet<string>,
  falses: ReadonlySet<string>,
): { type: LogicalType; unit?: TimeUnit } {
  if (values.length === 0) return { type: 'float64' };
  if (values.every((v) => /^\s*[+-]?\d+\s*$/.test(v))) {
    const big = values.some((v) => {
      const n = BigInt(v.trim());
      return n > 2n ** 53n || n < -(2n ** 53n);
    });
    return { type: big ? 'category' : 'int64' };
  }
  if (values.every((v) => numberOfText(v) !== NOT_A_NUMBER)) return { type: 'float64' };
  if (values.every((v) => trues.has(v) || falses.has(v))) return { type: 'bool' };
  if (values.every((v) => parseDate(v) !== undefined)) return { type: 'date', unit: 'day' };
  if (values.every((v) => parseTimestamp(v) !== undefined)) return { type: 'timestamp', unit: 'ms' };
  return { type: 'category' };
}

/** A file's part in the plan: where its data starts, and its nominal ranges. */
interface FilePlan {
  readonly file: DataFile;
  readonly gzip: boolean;
  /** Byte offset after the header (0 without one). */
  readonly dataStart: number;
  /** Lines of the header (1, more with quoted newlines; 0 without one). */
  readonly headerLines: number;
  /** Nominal ranges `[start, end)`; end -1: to the end (gzip). */
  readonly ranges: readonly (readonly [number, number])[];
}

/**
 * Blocks of a file from the scans of its nominal ranges: each block starts at the first record
 * boundary of its range (the first at the data start), ranges without a boundary join the block
 * before, and records are counted without empty lines.
 */
export function planBlocks(fp: FilePlan, scans: readonly ScanResult[], firstIndex: number, row0: number): CsvBlock[] {
  const B = scans.length;
  let state = 0;
  const hyps = scans.map((s) => {
    const h = s.hyp[state]!;
    state ^= s.quotes & 1;
    return h;
  });
  if (state !== 0)
    throw new FormatError(
      { file: fp.file.path },
      'the file ends inside a quoted field: a quote character is never closed (an odd number of quotes in the file).',
    );
  const rangeStart = (i: number) => fp.ranges[i]![0];
  // Real records terminated in each range (empty lines are not records), and whether a range's
  // first boundary ends one. `state` is what precedes a range since the last boundary: 0 nothing,
  // 1 a lone CR (a CRLF split across ranges), 2 content.
  const real: number[] = [];
  const firstReal: boolean[] = [];
  let prev: 0 | 1 | 2 = 0; // the data starts right after the header's line break (or at the file start)
  for (let i = 0; i < B; i++) {
    const h = hyps[i]!;
    if (h.count > 0) {
      const at = h.first - 1; // the first boundary's newline
      const firstBlank = at === 0 ? prev !== 2 : at === 1 && scans[i]!.startsCR ? prev === 0 : false;
      real.push(h.count - h.blankInner - (firstBlank ? 1 : 0));
      firstReal.push(!firstBlank);
      prev = h.tail;
    } else {
      real.push(0);
      firstReal.push(false);
      prev = h.tail === 0 ? prev : h.tail === 1 && prev === 0 ? 1 : 2;
    }
  }
  const trailing = prev === 2;
  const starts: number[] = [0];
  for (let i = 1; i < B; i++) if (hyps[i]!.count > 0) starts.push(i);
  const blocks: CsvBlock[] = [];
  let newlinesBefore = 0;
  const nlBefore: number[] = [];
  for (let i = 0; i < B; i++) {
    nlBefore.push(newlinesBefore);
    newlinesBefore += scans[i]!.newlines;
  }
  let row = row0;
  for (let k = 0; k < starts.length; k++) {
    const i = starts[k]!;
    const j = k + 1 < starts.length ? starts[k + 1]! : B;
    let rows = 0;
    for (let x = i; x < j; x++) rows += real[x]!;
    if (i > 0 && firstReal[i]) rows--;
    if (j < B && firstReal[j]) rows++;
    if (j === B && trailing) rows++;
    const start = i === 0 ? fp.dataStart : rangeStart(i) + hyps[i]!.first;
    const end = j < B ? rangeStart(j) + hyps[j]!.first : fp.gzip ? -1 : fp.file.size;
    const line = 1 + fp.headerLines + (i === 0 ? 0 : nlBefore[i]! + hyps[i]!.firstNl);
    if (rows === 0 && blocks.length > 0) continue;
    const stamp = `${fp.file.size}:${fp.file.mtimeMs}`;
    blocks.push({ path: fp.file.path, index: firstIndex + blocks.length, start, end, rows, row0: row, line, gzip: fp.gzip, stamp });
    row += rows;
  }
  return blocks;
}

class CsvSource implements TableSource {
  readonly format = 'csv' as const;
  readonly paths: readonly string[];
  #blocks: CsvBlock[] | undefined;
  #lengths: Promise<void> | undefined;

  constructor(
    readonly description: string,
    readonly token: string,
    readonly files: readonly FilePlan[],
    readonly dialect: CsvDialect,
    readonly fieldNames: readonly string[],
    readonly na: readonly string[],
    readonly trueValues: readonly string[],
    readonly falseValues: readonly string[],
    /** How each column (by name) is read: its field and type. */
    readonly plans: ReadonlyMap<string, CsvColumnPlan>,
  ) {
    this.paths = files.map((f) => f.file.path);
  }

  get blockRows(): readonly number[] | undefined {
    return this.#blocks?.map((b) => b.rows);
  }

  get blocks(): readonly CsvBlock[] | undefined {
    return this.#blocks;
  }

  computeLengths(options: ArrayComputeOptions): Promise<void> {
    if (this.#blocks) return Promise.resolve();
    this.#lengths ??= this.#scan(options).catch((error: unknown) => {
      this.#lengths = undefined;
      throw error;
    });
    return this.#lengths;
  }

  async #scan(options: ArrayComputeOptions): Promise<void> {
    const g = new Graph();
    const keys: string[][] = [];
    const name = `csv-scan-${tokenize(this.token)}`;
    this.files.forEach((fp, f) => {
      keys.push(
        fp.ranges.map(([a, b], i) => {
          const key = `${name}[${f},${i}]`;
          g.add(key, FrameKernel.csvScan, [fp.file.path, a, b, this.dialect.quote, fp.gzip]);
          return key;
        }),
      );
    });
    const results = await compute(g, keys.flat(), options);
    const blocks: CsvBlock[] = [];
    let row = 0;
    this.files.forEach((fp, f) => {
      const scans = keys[f]!.map((k) => results[k] as ScanResult);
      if (scans.reduce((q, s) => q + s.quotes, 0) % 2 !== 0) throw quoteError(fp, this.dialect);
      const planned = planBlocks(fp, scans, blocks.length, row);
      for (const b of planned) row += b.rows;
      blocks.push(...planned);
    });
    this.#blocks = blocks;
  }

  /** What the workers need to read a column (its categories as the frame knows them). */
  planOf(c: ColumnInfo): CsvColumnPlan {
    const p = this.plans.get(c.name);
    if (!p) throw new Error(`internal: no CSV plan for column '${c.name}'.`);
    return { ...p, categories: c.categories ?? null };
  }

  params(columns: readonly CsvColumnPlan[], r0: number, r1: number): CsvParams {
    const blocks = this.#blocks!.filter((b) => b.row0 < r1 && b.row0 + b.rows > r0);
    return {
      dialect: this.dialect,
      nFields: this.fieldNames.length,
      fieldNames: this.fieldNames,
      na: this.na,
      trueValues: this.trueValues,
      falseValues: this.falseValues,
      blocks,
      columns,
    };
  }

  array(columns: readonly ColumnInfo[], dtype: DType, oneD: boolean): NDArray {
    const plans = columns.map((c) => this.planOf(c));
    return sourceArray(this, 'read-csv', columns, dtype, oneD, (r0, r1) => this.params(plans, r0, r1), 'frame-csv');
  }

  async head(columns: readonly ColumnInfo[], n: number): Promise<Table> {
    const plans = columns.map((c) => this.planOf(c));
    const strings: string[][] = [];
    const parts: { buf: Buffer; block: CsvBlock; rows: number }[] = [];
    let need = n;
    for (const fp of this.files) {
      if (need <= 0) break;
      // Read more of the file until it holds `need` records (or ends).
      for (let bytes = 1 << 16; ; bytes *= 4) {
        const { buf, whole } = readPrefix(fp.file, fp.gzip ? Math.min(bytes, fp.file.size) : fp.dataStart + bytes, fp.gzip);
        let split;
        try {
          split = splitRecords(buf, fp.dataStart, buf.length, this.dialect, need, !whole);
        } catch (error) {
          if (error instanceof CsvSyntaxError)
            throw new FormatError(
              { file: fp.file.path },
              `line ${1 + fp.headerLines + countLf(buf, fp.dataStart, error.offset)}: ${error.message}`,
            );
          throw error;
        }
        if (split.records.length >= need || whole) {
          const end = split.records.length >= need ? (split.offsets.length > 0 ? recordEnd(split, buf) : fp.dataStart) : buf.length;
          const block: CsvBlock = {
            path: fp.file.path,
            index: 0,
            start: fp.dataStart,
            end,
            rows: split.records.length,
            row0: 0,
            line: 1 + fp.headerLines,
            gzip: fp.gzip,
          };
          parts.push({ buf: buf.subarray(fp.dataStart, end), block, rows: split.records.length });
          for (const r of split.records) strings.push(r);
          need -= split.records.length;
          break;
        }
      }
    }
    const rows = strings.length;
    const na = new Set(this.na);
    const data: Table['data'] = {};
    plans.forEach((plan, j) => {
      const c = columns[j]!;
      if (c.type === 'category') {
        (data as Record<string, unknown>)[c.name] = strings.map((r) =>
          r[plan.field] === undefined || na.has(r[plan.field]!) ? null : r[plan.field]!,
        );
        return;
      }
      const out = allocate(c.dtype, rows);
      let at = 0;
      for (const part of parts) {
        const params: CsvParams = {
          dialect: this.dialect,
          nFields: this.fieldNames.length,
          fieldNames: this.fieldNames,
          na: this.na,
          trueValues: this.trueValues,
          falseValues: this.falseValues,
          blocks: [part.block],
          columns: [plan],
        };
        parseBlockInto(part.buf, part.block, params, [plan], 0, part.rows, out, at, 1);
        at += part.rows;
      }
      (data as Record<string, unknown>)[c.name] = out;
    });
    return { columns: columns.map((c) => c.name), nRows: rows, data };
  }

  async categories(columns: readonly ColumnInfo[], options: ArrayComputeOptions): Promise<string[][]> {
    const plans = columns.map((c) => this.planOf(c));
    const g = new Graph();
    const name = `csv-categories-${tokenize(
      this.token,
      plans.map((p) => p.field),
    )}`;
    const keys = this.#blocks!.map((b, i) => {
      const key = `${name}[${i}]`;
      const p: CsvParams = { ...this.params(plans, b.row0, b.row0 + b.rows), blocks: [b] };
      g.add(key, FrameKernel.csvCategories, [p, b.index]);
      return key;
    });
    const results = await compute(g, keys, options);
    return columns.map((_, j) => {
      const all = new Set<string>();
      for (const k of keys) for (const v of (results[k] as string[][])[j]!) all.add(v);
      return [...all].sort();
    });
  }
}

/**
 * The error for a file with an odd number of quotes (its blocks cannot be split): the first
 * record that does not parse, found by reading the file from the start (files up to 1 GB; larger
 * ones get the count alone).
 */
function quoteError(fp: FilePlan, dialect: CsvDialect): FormatError {
  const fallback = new FormatError(
    { file: fp.file.path },
    'the file ends inside a quoted field: a quote character is never closed (an odd number of quotes in the file).',
  );
  if (!fp.gzip && fp.file.size > 1e9) return fallback;
  const buf = readBytes(fp.file.path, 0, fp.gzip ? -1 : fp.file.size, fp.gzip);
  try {
    splitRecords(buf, fp.dataStart, buf.length, dialect);
  } catch (error) {
    if (error instanceof CsvSyntaxError)
      return new FormatError(
        { file: fp.file.path },
        `line ${1 + fp.headerLines + countLf(buf, fp.dataStart, error.offset)}: ${error.message}`,
      );
    throw error;
  }
  return fallback;
}

function countLf(bytes: Uint8Array, from: number, to: number): number {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let n = 0;
  for (let p = buf.indexOf(10, from); p >= 0 && p < to; p = buf.indexOf(10, p + 1)) n++;
  return n;
}

/** The offset after the last record of a split (its line break included). */
function recordEnd(split: { end: number }, buf: Buffer): number {
  return Math.min(split.end, buf.length);
}

/**
 * Opens CSV files as a lazy {@link Frame}: `path` is a file (plain or gzip), a directory (its
 * `.csv` / `.csv.gz` / `.tsv` / `.txt` files), a glob (`data/2024-*.csv`) or a list of files,
 * all with the same header. Types are inferred from a sample of the first file (or declared
 * with `dtype`); blocks are `blocksize` byte ranges split at record boundaries, parsed in
 * parallel on the workers.
 *
 * @example
 * const df = await readCsv('data/*.csv', { usecols: ['age', 'income', 'city', 'label'], dtype: { label: 'int8' } });
 * const X = (await df.categorize(['city'])).toArray(['age', 'income', 'city']);
 */
export async function readCsv(path: string | readonly string[], options: ReadCsvOptions = {}): Promise<Frame> {
  const { delimiter, quote, names, usecols, dtype, naValues, keepDefaultNa, trueValues, falseValues, blocksize, sample, lengths, ...run } =
    options;
  const dialect: CsvDialect = { delimiter: oneChar(delimiter, 'delimiter', ','), quote: oneChar(quote, 'quote', '"') };
  if (dialect.delimiter === dialect.quote) throw new RangeError('readCsv: the delimiter and the quote must differ.');
  const block = blocksize === undefined ? DEFAULT_BLOCKSIZE : parseBytes(blocksize, 'blocksize');
  if (!(block >= 1)) throw new RangeError(`readCsv: the 'blocksize' option must be at least 1 byte; got ${String(blocksize)}.`);
  const sampleBytes = sample === undefined ? DEFAULT_SAMPLE : parseBytes(sample, 'sample');
  if (names !== undefined && (!Array.isArray(names) || names.some((n) => typeof n !== 'string')))
    throw new TypeError('readCsv: names must be an array of strings.');
  const na = [...(keepDefaultNa === false ? [] : DEFAULT_NA_VALUES), ...(naValues ?? [])];
  const trues = trueValues ?? ['True', 'TRUE', 'true'];
  const falses = falseValues ?? ['False', 'FALSE', 'false'];

  const files = await resolveFiles('readCsv', path, ['.csv', '.csv.gz', '.tsv', '.tsv.gz', '.txt', '.txt.gz']);
  const description = describeFiles(path, files);

  // Header and sample of the first file; headers of the others.
  let header: string[] | undefined;
  let headerFile = '';
  const plans: FilePlan[] = [];
  let sampleRecords: string[][] = [];
  for (const file of files) {
    const gzip = isGzip(file.path);
    // The sample is the first `sample` bytes; more is read only when the header is longer.
    let want = file === files[0] ? Math.max(1, sampleBytes) : 1 << 16;
    let { buf, whole } = readPrefix(file, want, gzip);
    const headerIncomplete = () => {
      try {
        return splitRecords(buf, 0, buf.length, dialect, 1, true).records.length === 0;
      } catch {
        return false; // a syntax error: reported below, naming the header
      }
    };
    while (names === undefined && !whole && headerIncomplete() && want < 1 << 26) {
      want *= 4;
      ({ buf, whole } = readPrefix(file, want, gzip));
    }
    let dataStart = 0;
    let headerLines = 0;
    let fileHeader: string[] | undefined;
    if (names === undefined) {
      let split;
      try {
        split = splitRecords(buf, 0, buf.length, dialect, 1, !whole);
      } catch (error) {
        if (error instanceof CsvSyntaxError) throw new FormatError({ file: file.path }, `line 1 (the header): ${error.message}`);
        throw error;
      }
      if (split.records.length === 0)
        throw new FormatError(
          { file: file.path },
          whole ? 'the file is empty: no header line.' : `the header line is longer than ${buf.length} bytes (or has an unclosed quote).`,
        );
      fileHeader = split.records[0]!;
      dataStart = split.end;
      headerLines = countLf(buf, 0, dataStart);
    }
    if (file === files[0]) {
      header = names ? [...names] : fileHeader!;
      headerFile = file.path;
      try {
        sampleRecords = splitRecords(buf, dataStart, buf.length, dialect, Infinity, !whole).records;
      } catch (error) {
        if (error instanceof CsvSyntaxError)
          throw new FormatError(
            { file: file.path, block: 0 },
            `line ${1 + headerLines + countLf(buf, dataStart, error.offset)}: ${error.message}`,
          );
        throw error;
      }
    } else if (fileHeader && fileHeader.join('\u0000') !== header!.join('\u0000')) {
      throw new FormatError(
        { file: file.path },
        `its header (${fileHeader.join(', ')}) differs from that of ${headerFile} (${header!.join(', ')}).`,
      );
    }
    const size = file.size;
    const ranges: [number, number][] = [];
    if (gzip) ranges.push([dataStart, -1]);
    else if (size > dataStart) for (let a = dataStart; a < size; a += block) ranges.push([a, Math.min(size, a + block)]);
    plans.push({ file, gzip, dataStart, headerLines, ranges });
  }
  const fieldNames = mangle(header!);
  if (fieldNames.length === 0 || (fieldNames.length === 1 && fieldNames[0] === ''))
    throw new FormatError({ file: headerFile }, 'the header line is empty.');
  const nFields = fieldNames.length;
  for (const [i, r] of sampleRecords.entries()) {
    if (r.length !== nFields)
      throw new FormatError(
        { file: headerFile, block: 0 },
        `record ${i + 1} of the data has ${r.length} fields where the header has ${nFields} (a ragged row).`,
      );
  }
  if (usecols !== undefined) {
    if (!Array.isArray(usecols)) throw new TypeError('readCsv: usecols must be an array of column names.');
    for (const u of usecols)
      if (!fieldNames.includes(u))
        throw new RangeError(`readCsv: usecols names '${u}', which is not a column of ${headerFile} (columns: ${fieldNames.join(', ')}).`);
  }
  if (dtype !== undefined) {
    if (typeof dtype !== 'object' || dtype === null) throw new TypeError('readCsv: dtype must be an object mapping column names to types.');
    for (const k of Object.keys(dtype))
      if (!fieldNames.includes(k))
        throw new RangeError(`readCsv: dtype names '${k}', which is not a column of ${headerFile} (columns: ${fieldNames.join(', ')}).`);
  }
  const naSet = new Set(na);
  const trueSet = new Set(trues);
  const falseSet = new Set(falses);
  const chosen = usecols ?? fieldNames;
  const origin = `inferred from the first ${sampleRecords.length} rows of ${headerFile}`;
  const plansByName = new Map<string, CsvColumnPlan>();
  const columns: ColumnInfo[] = chosen.map((name) => {
    const field = fieldNames.indexOf(name);
    const declared = dtype?.[name];
    const values = sampleRecords.map((r) => r[field]!).filter((v) => !naSet.has(v));
    const nullable = values.length < sampleRecords.length;
    const t: { type: LogicalType; unit?: TimeUnit; categories?: readonly string[] } =
      declared === undefined ? inferType(values, trueSet, falseSet) : parseTypeSpec(declared, name, 'readCsv');
    const categories = t.categories ?? (t.type === 'category' ? null : undefined);
    // CSV columns may hold missing values anywhere: integer columns read as float64 (NaN) unless declared.
    const type = t.type;
    const canNull = declared === undefined ? true : nullable;
    plansByName.set(name, {
      field,
      name,
      type,
      unit: t.unit,
      declared: declared !== undefined && typeof declared === 'object',
      origin: declared === undefined ? origin : 'declared in dtype',
    });
    return {
      name,
      type,
      ...(t.unit ? { unit: t.unit } : {}),
      ...(categories !== undefined ? { categories } : {}),
      nullable: canNull,
      dtype: columnDType(type, canNull),
    };
  });
  const token = tokenize(
    'csv',
    files.map((f) => [f.path, f.size, f.mtimeMs]),
    dialect,
    na,
    trues,
    falses,
    block,
    nFields,
  );
  const source = new CsvSource(description, token, plans, dialect, fieldNames, na, trues, falses, plansByName);
  if (lengths !== false) await source.computeLengths(run);
  return new Frame(source, columns);
}
