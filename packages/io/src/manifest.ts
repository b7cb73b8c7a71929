/**
 * The dataset directory `npy-chunks-v1` (docs/formats.md, "Dataset directories"): `manifest.json` plus one .npy
 * file per row block for X (`X-00000.npy`…, shape `(chunk_sizes[i], cols)`) and optionally y
 * (`y-00000.npy`…, shape `(chunk_sizes[i],)`). The layout numpy and dask users produce with
 * `np.save`; unknown manifest fields are ignored.
 *
 * A y-only dataset (predictions: `pipe.predict(X).toNpyDir('pred/')`) has y files and no X:
 * `"cols": 0`, `"x_files": []`, `"dtype_X": null`, with `y_files` and `dtype_y` required.
 */
import { READS_AS, STORED_NAMES, type StoredType } from './convert.js';
import { isNumericDType, type NumericDType } from './dtypes.js';
import { DatasetError } from './errors.js';

/** The manifest format name. */
export const MANIFEST_FORMAT = 'npy-chunks-v1';
/** The manifest's file name inside a dataset directory. */
export const MANIFEST_FILE = 'manifest.json';

/** A dataset directory's manifest (field names as in the JSON file). */
export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly rows: number;
  readonly cols: number;
  /** The nominal rows per chunk (the last chunk may be shorter). */
  readonly chunk_rows: number;
  readonly n_chunks: number;
  readonly chunk_sizes: readonly number[];
  /** null in a y-only dataset (which has `cols` 0 and no `x_files`). */
  readonly dtype_X: NumericDType | null;
  /** Absent (or null) when the dataset has no y; always set in a y-only dataset. */
  readonly dtype_y?: NumericDType | null;
  readonly order: 'C';
  /** Empty in a y-only dataset. */
  readonly x_files: readonly string[];
  /** Empty or absent when the dataset has no y. */
  readonly y_files?: readonly string[];
  /**
   * Per X chunk, the reduction partials Tessera computed when it wrote the chunk (column moments,
   * minima, maxima), with the file's size and mtime then: a reader uses an entry only while the
   * file still has both (`@tessera/array`'s block statistics). Optional; absent in datasets
   * written by other tools, and dropped when malformed (it only saves a pass over the data).
   */
  readonly block_stats?: readonly (BlockStatsEntry | null)[];
}

/** One X chunk's entry of {@link Manifest.block_stats}: partials as base64 of float64 arrays. */
export interface BlockStatsEntry {
  readonly x_file: string;
  readonly size: number;
  readonly mtime_ms: number;
  /** The evaluator that computed the moments (`'auto'`: WebAssembly; `'js'`). */
  readonly backend: string;
  readonly moments: Readonly<Record<string, string>>;
  readonly min: Readonly<Record<string, string>>;
  readonly max: Readonly<Record<string, string>>;
}

/** `block_stats` as written, or undefined when absent or malformed (it is never an error). */
function blockStatsOf(v: unknown, xFiles: readonly string[]): (BlockStatsEntry | null)[] | undefined {
  if (!Array.isArray(v) || v.length !== xFiles.length) return undefined;
  const partial = (p: unknown) =>
    p !== null && typeof p === 'object' && !Array.isArray(p) && Object.values(p).every((x) => typeof x === 'string');
  const ok = v.every(
    (e, i) =>
      e === null ||
      (typeof e === 'object' &&
        e.x_file === xFiles[i] &&
        typeof e.size === 'number' &&
        typeof e.mtime_ms === 'number' &&
        typeof e.backend === 'string' &&
        partial(e.moments) &&
        partial(e.min) &&
        partial(e.max)),
  );
  return ok ? (v as (BlockStatsEntry | null)[]) : undefined;
}

/** The file name of chunk `i` of `X` or `y` (`X-00007.npy`). */
export function chunkFileName(kind: 'X' | 'y', i: number): string {
  return `${kind}-${String(i).padStart(5, '0')}.npy`;
}

/** What {@link makeManifest} takes: X (and optionally y) blocks, or y blocks alone. */
type ManifestOptions = (
  | { chunkSizes: readonly number[]; cols: number; dtypeX: NumericDType; dtypeY?: NumericDType | undefined }
  | { chunkSizes: readonly number[]; cols?: 0 | undefined; dtypeX?: null | undefined; dtypeY: NumericDType }
) & {
  /** The X chunk files' names, when they exist already (default `X-00000.npy`…). */
  xFiles?: readonly string[] | undefined;
  /** The y chunk files' names, when they exist already (default `y-00000.npy`…). */
  yFiles?: readonly string[] | undefined;
};

/**
 * A manifest for `chunkSizes` row blocks of `cols` columns (X, and y when `dtypeY` is given), or,
 * without `dtypeX`, for a y-only dataset (`cols` 0, no X files). The file names are Tessera's
 * (`X-00000.npy`…) unless `xFiles` / `yFiles` give those of existing files (a manifest derived
 * from a directory that has none lists the files that are there).
 *
 * @example
 * makeManifest({ chunkSizes: [500000, 500000], cols: 20, dtypeX: 'float64', dtypeY: 'int32' });
 * makeManifest({ chunkSizes: [500000, 500000], dtypeY: 'float64' }); // predictions
 */
export function makeManifest(options: ManifestOptions): Manifest {
  const { chunkSizes, dtypeY } = options;
  const dtypeX = options.dtypeX ?? null;
  const cols = options.cols ?? 0;
  if (dtypeX === null) {
    if (!dtypeY) throw new TypeError('makeManifest: a dataset needs X or y; got neither dtypeX nor dtypeY.');
    if (cols !== 0) throw new RangeError(`makeManifest: a y-only dataset (no dtypeX) has 0 columns; got cols ${cols}.`);
  }
  for (const [k, names] of [
    ['xFiles', dtypeX === null ? undefined : options.xFiles],
    ['yFiles', dtypeY ? options.yFiles : undefined],
  ] as const) {
    if (names && names.length !== chunkSizes.length)
      throw new RangeError(`makeManifest: ${k} has ${names.length} names for ${chunkSizes.length} chunks.`);
  }
  const rows = chunkSizes.reduce((a, b) => a + b, 0);
  return {
    format: MANIFEST_FORMAT,
    rows,
    cols,
    chunk_rows: chunkSizes.length ? Math.max(...chunkSizes) : 0,
    n_chunks: chunkSizes.length,
    chunk_sizes: [...chunkSizes],
    dtype_X: dtypeX,
    dtype_y: dtypeY ?? null,
    order: 'C',
    x_files: dtypeX === null ? [] : options.xFiles ? [...options.xFiles] : chunkSizes.map((_, i) => chunkFileName('X', i)),
    y_files: dtypeY ? (options.yFiles ? [...options.yFiles] : chunkSizes.map((_, i) => chunkFileName('y', i))) : [],
  };
}

/**
 * Parses and checks a manifest's text. `file` names it in errors. Checks that the counts agree
 * (rows = sum of chunk_sizes, n_chunks = number of files), dtypes are supported, order is C, and
 * file names stay inside the directory. `"dtype_X": null` (or absent) with `"x_files": []` is the
 * y-only form: `cols` must be 0, and `y_files` (one per chunk) and `dtype_y` are required.
 */
export function parseManifest(text: string, file: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new DatasetError({ file }, `not valid JSON: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new DatasetError({ file }, 'the manifest must be a JSON object.');
  const m = raw as Record<string, unknown>;
  const bad = (msg: string): never => {
    throw new DatasetError({ file }, msg);
  };
  if (m['format'] !== MANIFEST_FORMAT) bad(`'format' must be '${MANIFEST_FORMAT}'; got ${JSON.stringify(m['format'])}.`);
  const int = (k: string): number => {
    const v = m[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) bad(`'${k}' must be a non-negative integer; got ${JSON.stringify(v)}.`);
    return v as number;
  };
  const rows = int('rows');
  const cols = int('cols');
  const chunkRows = int('chunk_rows');
  const nChunks = int('n_chunks');
  const sizes = m['chunk_sizes'];
  if (!Array.isArray(sizes) || !sizes.every((s) => typeof s === 'number' && Number.isInteger(s) && s >= 0)) {
    bad(`'chunk_sizes' must be a list of non-negative integers; got ${JSON.stringify(sizes)?.slice(0, 100)}.`);
  }
  const chunkSizes = sizes as number[];
  if (chunkSizes.length !== nChunks) bad(`'n_chunks' is ${nChunks} but 'chunk_sizes' has ${chunkSizes.length} entries.`);
  const total = chunkSizes.reduce((a, b) => a + b, 0);
  if (total !== rows) bad(`'chunk_sizes' add up to ${total} rows but 'rows' is ${rows}.`);
  const order = m['order'] ?? 'C';
  if (order !== 'C') bad(`'order' must be 'C' (Fortran order is not supported); got ${JSON.stringify(order)}.`);
  const files = (k: string, required: boolean): string[] => {
    const v = m[k];
    if (v === undefined || v === null) {
      if (required) bad(`'${k}' is missing.`);
      return [];
    }
    if (!Array.isArray(v) || !v.every((f) => typeof f === 'string')) bad(`'${k}' must be a list of file names.`);
    for (const f of v as string[]) {
      if (f === '' || f.startsWith('/') || f.split(/[\\/]/).includes('..'))
        bad(`'${k}' entry ${JSON.stringify(f)} must be a file name inside the dataset directory.`);
      // Hidden names are temporaries (an interrupted store's `.X-00000.npy.tmp-…`), never data.
      if (f.split(/[\\/]/).some((part) => part.startsWith('.')))
        bad(`'${k}' entry ${JSON.stringify(f)} is a hidden (dot-prefixed) name; temporaries are never read as data.`);
    }
    return v as string[];
  };
  const xFiles = files('x_files', true);
  const yFiles = files('y_files', false);
  // numpy names of the other types Tessera reads ('int64', '<i8', 'bool'…) are accepted too (normalizeDType).
  const dtypes = 'float64, float32, int32, uint8';
  const rawY = m['dtype_y'];
  if (m['dtype_X'] === undefined || m['dtype_X'] === null) {
    // The y-only form (predictions): no X at all, so y carries the rows.
    if (xFiles.length)
      bad(
        `'dtype_X' must be one of ${dtypes}; got ${JSON.stringify(m['dtype_X'])} (null is only for a y-only dataset, whose 'x_files' is empty).`,
      );
    if (cols !== 0) bad(`'cols' must be 0 in a y-only dataset ('dtype_X' null, 'x_files' empty); got ${cols}.`);
    if (m['y_files'] === undefined || m['y_files'] === null)
      bad(`'y_files' is missing: a y-only dataset ('dtype_X' null, 'x_files' empty) needs one y file per chunk.`);
    if (yFiles.length !== nChunks) bad(`'y_files' has ${yFiles.length} entries but 'n_chunks' is ${nChunks}.`);
    const dtypeY = normalizeDType(rawY);
    if (!dtypeY) bad(`'dtype_y' must be one of ${dtypes} in a y-only dataset; got ${JSON.stringify(rawY)}.`);
    return {
      format: MANIFEST_FORMAT,
      rows,
      cols: 0,
      chunk_rows: chunkRows,
      n_chunks: nChunks,
      chunk_sizes: chunkSizes,
      dtype_X: null,
      dtype_y: dtypeY as NumericDType,
      order: 'C',
      x_files: [],
      y_files: yFiles,
    };
  }
  const dtypeX = normalizeDType(m['dtype_X']);
  if (!dtypeX) bad(`'dtype_X' must be one of ${dtypes}; got ${JSON.stringify(m['dtype_X'])}.`);
  if (xFiles.length !== nChunks) bad(`'x_files' has ${xFiles.length} entries but 'n_chunks' is ${nChunks}.`);
  if (yFiles.length !== 0 && yFiles.length !== nChunks) bad(`'y_files' has ${yFiles.length} entries but 'n_chunks' is ${nChunks}.`);
  const stats = blockStatsOf(m['block_stats'], xFiles);
  let dtypeY: NumericDType | null = null;
  if (yFiles.length) {
    dtypeY = normalizeDType(rawY) ?? null;
    if (rawY !== undefined && rawY !== null && !dtypeY) bad(`'dtype_y' must be one of ${dtypes}; got ${JSON.stringify(rawY)}.`);
  }
  return {
    format: MANIFEST_FORMAT,
    rows,
    cols,
    chunk_rows: chunkRows,
    n_chunks: nChunks,
    chunk_sizes: chunkSizes,
    dtype_X: dtypeX as NumericDType,
    dtype_y: dtypeY,
    order: 'C',
    x_files: xFiles,
    y_files: yFiles,
    ...(stats ? { block_stats: stats } : {}),
  };
}

/**
 * Accepts Tessera names and the numpy spellings people write (`'<f8'`, `'float'`, `'bool'`,
 * `'int64'`, `'<u2'`…), as the Tessera dtype the files read as (`'int64'` → float64).
 */
function normalizeDType(v: unknown): NumericDType | undefined {
  if (isNumericDType(v)) return v;
  if (typeof v !== 'string') return undefined;
  const byName = (Object.keys(STORED_NAMES) as StoredType[]).find((s) => STORED_NAMES[s] === v);
  if (byName) return READS_AS[byName];
  const m = /^[<>|=]?([fiub][1248])$/.exec(v);
  if (m && m[1]! in READS_AS) return READS_AS[m[1] as StoredType];
  const alias: Record<string, NumericDType> = { float: 'float64', double: 'float64', single: 'float32' };
  return alias[v];
}
