/**
 * Graph sources and sinks over the formats of `@tessera/io`: .npy files, npy-chunks-v1 dataset
 * directories and Arrow IPC files.
 *
 * Reads are source arrays: each block task (or the consumer it is fused into) reads its rows by
 * offset straight into shared memory, with the path and offsets as literal arguments — no
 * dependencies — so the scheduler's memory budget throttles them. Everything about the files is
 * checked up front on the main thread (headers, shapes, dtypes, the manifest), so a bad chunk is
 * reported before any work starts, naming the file.
 *
 * Stores write block by block in the workers, in parallel, into a temporary sibling of the target
 * that is renamed into place only when every block is written; a failed or cancelled store
 * removes it, leaving nothing under the final name.
 */
import { ArrayKernel } from './kernel_names.js';
import { closeSync, ftruncateSync, mkdirSync, openSync } from 'node:fs';
import { open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Graph, compute as runCompute } from '@tessera/scheduler';
import {
  DatasetError,
  FormatError,
  MANIFEST_FILE,
  datasetFiles,
  isHiddenName,
  parseNpyStackInfo,
  stackFiles,
  arrowBatchLayout,
  arrowFileFooter,
  arrowFileHeader,
  ARROW_FILE,
  NPY_DATASET,
  NPY_FILE,
  beginOutput,
  formatNpyHeader,
  inspectNpySync,
  makeManifest,
  parseManifest,
  readArrowFileInfo,
  readNpyHeader,
  writeFully,
  type ArrowField,
  type BlockStatsEntry,
  type Manifest,
  type NpyHeader,
  type OutputKind,
  type OutputTransaction,
  type Overwrite,
} from '@tessera/io';
import { itemSize, type DType } from './dense.js';
import { normalizeChunks, type Chunks, type ChunksSpec } from './chunks.js';
import { fmtShape } from './errors.js';
import type { NpyFilePart, NpyParams } from './kernels/read_npy.js';
import type { ArrowParams } from './kernels/read_arrow.js';
import { NDArray, addTask, buildGraph, type ArrayComputeOptions, type SourceDef } from './ndarray.js';
import { promote } from './elementwise.js';
import { rechunk } from './structure.js';
import { tokenize } from './tokenize.js';
import { blockStatsEnabled, decodePartial } from './block_stats.js';
import type { WrittenBlockStats } from './kernels/write.js';
import type { Partial, ReduceKind } from './kernels/reduce.js';

/** An array over a source, chunked as given. @internal */
export function sourceArray<D extends DType>(def: SourceDef, chunks: Chunks): NDArray<D> {
  const origin = def.shape.map(() => 0);
  return new NDArray({
    shape: def.shape,
    dtype: def.dtype as D,
    chunks,
    name: `${def.label}-${tokenize(def.token, origin, def.shape, chunks)}`,
    layer: { kind: 'source', def, origin },
  });
}

/** Partials of whole X chunks known from the manifest's block_stats, by chunk index. */
type KnownPartials = ReadonlyMap<number, { readonly backend: string; readonly partials: Readonly<Record<string, Partial>> }>;

function npySource(files: NpyFilePart[], dtype: DType, shape: readonly number[], token: string, known?: KnownPartials): SourceDef {
  const cols = shape.length >= 2 ? shape[1]! : 1;
  const knownPartial =
    known && known.size > 0
      ? (r0: number, r1: number, c0: number, c1: number, kind: ReduceKind, backend: string): Partial | null => {
          // Only a block that is exactly one whole chunk, all columns.
          const f = files.find((x) => x.start === r0);
          if (!f || f.start + f.rows !== r1 || f.index === undefined || c0 !== 0 || c1 !== cols) return null;
          const k = known.get(f.index);
          if (!k || (kind === 'moments' && k.backend !== backend)) return null;
          return k.partials[kind] ?? null;
        }
      : undefined;
  return {
    ...(knownPartial ? { knownPartial } : {}),
    reader: 'npy',
    kernel: ArrayKernel.read,
    label: 'read-npy',
    token,
    dtype,
    shape,
    paths: files.map((f) => f.path),
    params: (r0: number, r1: number): NpyParams => ({ dtype, files: files.filter((f) => f.start < r1 && f.start + f.rows > r0) }),
  };
}

function rowsCols(h: NpyHeader): [number, number] {
  return [h.shape[0] ?? 1, h.shape.length >= 2 ? h.shape.slice(1).reduce((a, b) => a * b, 1) : 1];
}

/**
 * A lazy array over one .npy file (1-D or 2-D, C order, any byte order). float64, float32, int32
 * and uint8 read as they are; the other numeric types numpy writes are converted as they are read
 * (int64/uint64/uint32 → float64, exact up to 2^53 — a larger value fails the read naming the
 * file, row and column; int16/int8/uint16 → int32; float16 → float32; bool → uint8). Blocks are
 * row ranges read by offset; the default chunking is `'auto'` rows (~128 MiB blocks) and all
 * columns.
 *
 * @example
 * const X = await fromNpy('X.npy', { chunks: [500_000, -1] });
 */
export async function fromNpy(file: string, options: { chunks?: ChunksSpec | Chunks } = {}): Promise<NDArray> {
  const path = resolve(file);
  const header = await readNpyHeader(path);
  if (header.shape.length < 1 || header.shape.length > 2) {
    throw new FormatError(
      { file: path },
      `arrays of shape (${header.shape.join(', ')}) are not supported; Tessera reads 1-D and 2-D .npy files.`,
    );
  }
  const st = await stat(path);
  const [rows, cols] = rowsCols(header);
  const part: NpyFilePart = {
    path,
    index: undefined,
    start: 0,
    rows,
    dataOffset: header.dataOffset,
    cols,
    shape: header.shape,
    descr: header.descr,
  };
  const token = tokenize('npy', path, st.size, st.mtimeMs, header.descr, header.shape);
  const def = npySource([part], header.dtype, header.shape, token);
  const spec = options.chunks ?? (header.shape.length === 2 ? ['auto', -1] : 'auto');
  return sourceArray(def, normalizeChunks(spec, header.shape, { dtype: header.dtype }));
}

/** What {@link fromNpyDir} returns for a directory with X chunks. */
export interface NpyXDataset {
  /** The features, one row block per chunk file. */
  readonly X: NDArray;
  /** The targets, when the directory has y files. */
  readonly y?: NDArray;
  /** The manifest (read, or derived from the files when the directory has none). */
  readonly manifest: Manifest;
}

/**
 * What {@link fromNpyDir} returns for a y-only directory (predictions, e.g. written by
 * `pipe.predict(X).toNpyDir('pred/')`): no X, y one row block per chunk file.
 */
export interface NpyYDataset {
  readonly X: undefined;
  readonly y: NDArray;
  /** The manifest (`dtype_X` null, `cols` 0, no `x_files`). */
  readonly manifest: Manifest;
}

/** What {@link fromNpyDir} returns: X (and maybe y), or y alone (with `{ yOnly: true }`). */
export type NpyDataset = NpyXDataset | NpyYDataset;

/**
 * Opens a dataset directory (npy-chunks-v1: `manifest.json`, `X-00000.npy`…, `y-00000.npy`…).
 * Without a manifest, the `X-<n>.npy` / `y-<n>.npy` files are used in the order of their numbers
 * (`X-2` before `X-10`), X and y paired by number; names that mix number widths (`X-1` and `X-01`),
 * gaps, and X chunks without their y (or the other way round) are errors naming the files, and the
 * derived manifest lists the files as they are named. Hidden files (`.X-00000.npy.tmp-…`) are
 * never chunks. The chunks may hold any dtype {@link fromNpy} reads. Every chunk file's header
 * is checked against the manifest (shape, dtype, C order) and X against y (row counts), with
 * errors naming the file and block. A y-only directory (predictions, no X files) is read with
 * `{ yOnly: true }`, which gives `{ X: undefined, y, manifest }`; without it, such a directory is
 * an error that says so.
 *
 * @example
 * const { X, y, manifest } = await fromNpyDir('data/');
 * X.shape; // [rows, cols]; X.chunks[0] = manifest.chunk_sizes
 * const { y: pred } = await fromNpyDir('pred/', { yOnly: true }); // predictions
 */
export function fromNpyDir(dir: string): Promise<NpyXDataset>;
export function fromNpyDir(dir: string, options: { yOnly: true }): Promise<NpyYDataset>;
export function fromNpyDir(dir: string, options?: { yOnly?: boolean }): Promise<NpyDataset>;
export async function fromNpyDir(dir: string, options: { yOnly?: boolean } = {}): Promise<NpyDataset> {
  const ds = await openNpyDir(dir);
  if (options.yOnly) {
    if (!ds.y) throw new DatasetError({ file: resolve(dir) }, 'has no y chunks; { yOnly: true } reads the y files of a dataset directory.');
    return { X: undefined, y: ds.y, manifest: ds.manifest };
  }
  if (!ds.X) {
    throw new DatasetError(
      { file: resolve(dir) },
      'has no X chunks: it is a y-only dataset (e.g. predictions); read it with fromNpyDir(dir, { yOnly: true }).',
    );
  }
  return ds;
}

async function openNpyDir(dir: string): Promise<NpyDataset> {
  const root = resolve(dir);
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DatasetError(
      { file: root },
      code === 'ENOENT' ? 'dataset directory not found.' : code === 'ENOTDIR' ? 'not a directory.' : (error as Error).message,
      { cause: error },
    );
  }
  let manifest: Manifest | undefined;
  const manifestPath = join(root, MANIFEST_FILE);
  if (entries.includes(MANIFEST_FILE)) manifest = parseManifest(await readFile(manifestPath, 'utf8'), manifestPath);
  // Without a manifest the chunks are ordered, and X and y paired, by the numbers in their names.
  const found = manifest ? undefined : datasetFiles(entries, root);
  const xFiles = manifest ? [...manifest.x_files] : found!.x;
  const yFiles = manifest ? [...(manifest.y_files ?? [])] : found!.y;
  // parseManifest guarantees a y-only manifest has a y file per chunk; without one, no X files means y-only.
  const yOnly = manifest ? manifest.dtype_X === null : xFiles.length === 0;
  if (!manifest && xFiles.length === 0 && yFiles.length === 0) {
    const stack = entries.some((f) => /^\d+\.npy$/.test(f));
    throw new DatasetError(
      { file: root },
      stack
        ? `no ${MANIFEST_FILE} and no X-*.npy or y-*.npy files, but numbered 0.npy, 1.npy… files: this looks like a dask to_npy_stack directory (one array); read it with fromNpyStack(dir).`
        : `no ${MANIFEST_FILE} and no X-*.npy or y-*.npy files: not a dataset directory.`,
    );
  }
  if (!yOnly && yFiles.length && yFiles.length !== xFiles.length) {
    throw new DatasetError({ file: root }, `${xFiles.length} X files but ${yFiles.length} y files; every X chunk needs its y chunk.`);
  }
  // Headers are read synchronously: a few microseconds per file, against ~0.3 ms per async round trip.
  const stamps: (readonly [string, number, number])[] = [];
  const readHeader = (name: string, i: number): NpyHeader => {
    try {
      const { header, size, mtimeMs } = inspectNpySync(join(root, name));
      stamps.push([name, size, mtimeMs]);
      return header;
    } catch (error) {
      if (error instanceof FormatError)
        throw new DatasetError({ file: error.file, block: i }, error.message.slice(error.file.length + 2), { cause: error });
      throw error;
    }
  };
  const xh = xFiles.map(readHeader);
  const yh = yFiles.map(readHeader);
  const sizes: number[] = [];
  const xParts: NpyFilePart[] = [];
  let dtypeX: DType | undefined;
  let cols = 0;
  let start = 0;
  if (!yOnly) {
    dtypeX = manifest?.dtype_X ?? xh[0]!.dtype;
    cols = manifest?.cols ?? (xh[0]!.shape.length === 2 ? xh[0]!.shape[1]! : 0);
    for (let i = 0; i < xh.length; i++) {
      const h = xh[i]!;
      const path = join(root, xFiles[i]!);
      const where = { file: path, block: i };
      if (h.shape.length !== 2) throw new DatasetError(where, `X chunks must be 2-D; this one has shape (${h.shape.join(', ')}).`);
      if (h.dtype !== dtypeX)
        throw new DatasetError(
          where,
          `dtype is ${h.dtype} (${h.descr}) but ${manifest ? 'the manifest says dtype_X' : `X-chunk 0 is`} ${dtypeX}.`,
        );
      if (h.shape[1] !== cols)
        throw new DatasetError(where, `has ${h.shape[1]} columns but ${manifest ? 'the manifest says cols' : 'X-chunk 0 has'} ${cols}.`);
      if (manifest && h.shape[0] !== manifest.chunk_sizes[i]) {
        throw new DatasetError(where, `has ${h.shape[0]} rows but the manifest's chunk_sizes[${i}] is ${manifest.chunk_sizes[i]}.`);
      }
      sizes.push(h.shape[0]!);
      xParts.push({ path, index: i, start, rows: h.shape[0]!, dataOffset: h.dataOffset, cols, shape: h.shape, descr: h.descr });
      start += h.shape[0]!;
    }
  }
  // A y-only manifest always names dtype_y; otherwise y-chunk 0 sets it.
  const dtypeY = manifest?.dtype_y ?? yh[0]?.dtype;
  const yParts: NpyFilePart[] = [];
  start = 0;
  for (let i = 0; i < yh.length; i++) {
    const h = yh[i]!;
    const path = join(root, yFiles[i]!);
    const where = { file: path, block: i };
    if (h.shape.length !== 1) throw new DatasetError(where, `y chunks must be 1-D; this one has shape (${h.shape.join(', ')}).`);
    if (h.dtype !== dtypeY)
      throw new DatasetError(
        where,
        `dtype is ${h.dtype} (${h.descr}) but ${manifest?.dtype_y ? 'the manifest says dtype_y' : 'y-chunk 0 is'} ${dtypeY}.`,
      );
    if (yOnly) {
      if (manifest && h.shape[0] !== manifest.chunk_sizes[i]) {
        throw new DatasetError(where, `has ${h.shape[0]} rows but the manifest's chunk_sizes[${i}] is ${manifest.chunk_sizes[i]}.`);
      }
      sizes.push(h.shape[0]!);
    } else if (h.shape[0] !== sizes[i]) {
      throw new DatasetError(
        where,
        `has ${h.shape[0]} rows but ${xFiles[i]} has ${sizes[i]}: X and y must have the same rows in every chunk.`,
      );
    }
    yParts.push({ path, index: i, start, rows: h.shape[0]!, dataOffset: h.dataOffset, cols: 1, shape: h.shape, descr: h.descr });
    start += h.shape[0]!;
  }
  const rows = sizes.reduce((a, b) => a + b, 0);
  const token = tokenize('npy-dir', root, stamps);
  const chunkRows = sizes.filter((s) => s > 0);
  const rowChunks = chunkRows.length ? chunkRows : [0];
  const y =
    yOnly || yParts.length
      ? sourceArray(npySource(yParts, dtypeY!, [rows], `${token}-y`), normalizeChunks([rowChunks], [rows]))
      : undefined;
  if (yOnly) {
    const m = manifest ?? makeManifest({ chunkSizes: sizes, dtypeY: dtypeY!, yFiles });
    return { X: undefined, y: y!, manifest: m };
  }
  const X = sourceArray(
    npySource(xParts, dtypeX!, [rows, cols], `${token}-X`, knownPartials(manifest, stamps)),
    normalizeChunks([rowChunks, [cols]], [rows, cols]),
  );
  const m = manifest ?? makeManifest({ chunkSizes: sizes, cols, dtypeX: dtypeX!, dtypeY, xFiles, yFiles });
  return y ? { X, y, manifest: m } : { X, manifest: m };
}

/**
 * The manifest's block_stats whose files still have the size and mtime they had when written
 * (a chunk rewritten, touched or copied since is read again), decoded; none when statistics are off.
 */
function knownPartials(manifest: Manifest | undefined, stamps: readonly (readonly [string, number, number])[]): KnownPartials | undefined {
  if (!manifest?.block_stats || !blockStatsEnabled()) return undefined;
  const stampOf = new Map(stamps.map(([name, size, mtime]) => [name, { size, mtime }]));
  const known = new Map<number, { backend: string; partials: Record<string, Partial> }>();
  manifest.block_stats.forEach((e, i) => {
    const st = e ? stampOf.get(e.x_file) : undefined;
    if (!e || !st || st.size !== e.size || st.mtime !== e.mtime_ms) return;
    const moments = decodePartial(e.moments);
    const min = decodePartial(e.min);
    const max = decodePartial(e.max);
    if (moments && min && max) known.set(i, { backend: e.backend, partials: { moments, min, max } });
  });
  return known;
}

/**
 * Opens a directory written by dask's `da.to_npy_stack(dir, x)`: one array stored as `0.npy`,
 * `1.npy`… (one file per chunk along axis 0, in the order of their numbers: `2.npy` before
 * `10.npy`) and a pickled `info` (`{'chunks', 'dtype', 'axis'}`). The result is a lazy array
 * chunked as the files, all columns in one block; it reads any dtype {@link fromNpy} reads.
 * `info` is read without running anything and checked against the files (axis 0, the chunk sizes,
 * the dtype); without `info` the .npy headers alone say the shape. Errors name the file.
 *
 * @example
 * // python: da.to_npy_stack('stack/', da.from_array(np.arange(26 * 3).reshape(26, 3), chunks=(2, 3)))
 * const A = await fromNpyStack('stack/');
 * A.shape;  // [26, 3]
 * A.chunks; // [[2, 2, …, 2], [3]]
 */
export async function fromNpyStack(dir: string): Promise<NDArray> {
  const root = resolve(dir);
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DatasetError(
      { file: root },
      code === 'ENOENT' ? 'directory not found.' : code === 'ENOTDIR' ? 'not a directory.' : (error as Error).message,
      { cause: error },
    );
  }
  const files = stackFiles(entries, root);
  if (files.length === 0) {
    const hint = entries.some((f) => !isHiddenName(f) && /^[Xy]-.*\.npy$/.test(f))
      ? ' It holds X-*.npy / y-*.npy chunks: read it with fromNpyDir(dir).'
      : '';
    throw new DatasetError({ file: root }, `no 0.npy, 1.npy… files: not a to_npy_stack directory.${hint}`);
  }
  const infoPath = join(root, 'info');
  const info = entries.includes('info') ? parseNpyStackInfo(new Uint8Array(await readFile(infoPath)), infoPath) : undefined;
  if (info && info.axis !== 0) {
    throw new DatasetError(
      { file: infoPath },
      `the array is stacked along axis ${info.axis}; Tessera reads stacks of row blocks (axis 0): write it with da.to_npy_stack(dir, x, axis=0).`,
    );
  }
  if (info && info.chunks[0]!.length !== files.length) {
    throw new DatasetError(
      { file: infoPath },
      `says ${info.chunks[0]!.length} chunks along axis 0 but the directory has ${files.length} (${files[0]} … ${files[files.length - 1]}).`,
    );
  }
  const stamps: (readonly [string, number, number])[] = [];
  const parts: NpyFilePart[] = [];
  let first: NpyHeader | undefined;
  let start = 0;
  for (let i = 0; i < files.length; i++) {
    const path = join(root, files[i]!);
    let h: NpyHeader;
    try {
      const got = inspectNpySync(path);
      stamps.push([files[i]!, got.size, got.mtimeMs]);
      h = got.header;
    } catch (error) {
      if (error instanceof FormatError)
        throw new DatasetError({ file: error.file, block: i }, error.message.slice(error.file.length + 2), { cause: error });
      throw error;
    }
    const where = { file: path, block: i };
    first ??= h;
    if (h.shape.length < 1 || h.shape.length > 2)
      throw new DatasetError(where, `arrays of shape (${h.shape.join(', ')}) are not supported; Tessera reads 1-D and 2-D arrays.`);
    if (h.shape.length !== first.shape.length || h.shape[1] !== first.shape[1])
      throw new DatasetError(
        where,
        `has shape (${h.shape.join(', ')}) but ${files[0]} has (${first.shape.join(', ')}): the chunks of one array share every axis but the first.`,
      );
    if (h.dtype !== first.dtype)
      throw new DatasetError(where, `dtype is ${h.dtype} (${h.descr}) but ${files[0]} is ${first.dtype} (${first.descr}).`);
    if (info && h.shape[0] !== info.chunks[0]![i])
      throw new DatasetError(where, `has ${h.shape[0]} rows but info's chunks[0][${i}] is ${info.chunks[0]![i]}.`);
    if (info?.dtype !== undefined && info.dtype.replace(/^[<|=]/, '') !== h.descr.replace(/^[<|=]/, '')) {
      throw new DatasetError(where, `dtype '${h.descr}' but info says '${info.dtype}'.`);
    }
    const [rows, cols] = rowsCols(h);
    parts.push({ path, index: i, start, rows, dataOffset: h.dataOffset, cols, shape: h.shape, descr: h.descr });
    start += rows;
  }
  const cols = first!.shape.length === 2 ? first!.shape[1]! : 0;
  if (info && first!.shape.length === 2 && info.chunks[1]?.reduce((a, b) => a + b, 0) !== cols) {
    throw new DatasetError({ file: infoPath }, `says ${info.chunks[1]?.reduce((a, b) => a + b, 0)} columns but the files have ${cols}.`);
  }
  const sizes = parts.map((p) => p.rows).filter((r) => r > 0);
  const rowChunks = sizes.length ? sizes : [0];
  const shape = first!.shape.length === 2 ? [start, cols] : [start];
  const def = npySource(parts, first!.dtype, shape, tokenize('npy-stack', root, stamps));
  return sourceArray(def, normalizeChunks(shape.length === 2 ? [rowChunks, [cols]] : [rowChunks], shape));
}

/** Options of the stores: scheduler options plus `overwrite`. */
export interface StoreOptions extends ArrayComputeOptions {
  /**
   * When the target exists: `false` (default) refuses; `true` replaces it when it is a Tessera
   * output of the same kind (a dataset directory holding only what its manifest names, a .npy
   * or Arrow file); `'force'` replaces whatever is there. Never the store's own inputs.
   */
  overwrite?: Overwrite;
}

/** Options of {@link toArrow}. */
export interface ArrowStoreOptions extends StoreOptions {
  /** Column names of X (default `x0`, `x1`…). */
  columns?: readonly string[];
  /** Name of the y column (default `'y'`). */
  yName?: string;
  /** A target column written after X's. */
  y?: NDArray;
}

/** The files the arrays read, through every dependency: a store never writes over them. */
function sourcePaths(arrays: readonly NDArray[]): string[] {
  const paths = new Set<string>();
  const seen = new Set<string>();
  const stack = [...arrays];
  while (stack.length) {
    const a = stack.pop()!;
    if (seen.has(a.name)) continue;
    seen.add(a.name);
    if (a.layer.kind === 'source') for (const p of a.layer.def.paths ?? []) paths.add(p);
    stack.push(...a.dependencies());
  }
  return [...paths];
}

/** Starts a store: checks the target against the options and the arrays' input files. */
function beginStore(target: string, kind: OutputKind, arrays: readonly NDArray[], options: StoreOptions): Promise<OutputTransaction> {
  return beginOutput(target, { kind, overwrite: options.overwrite, inputs: sourcePaths(arrays) });
}

async function runStore(
  graph: Graph,
  keys: string[],
  out: OutputTransaction,
  options: StoreOptions,
  finish: (results: Record<string, unknown>) => Promise<void>,
): Promise<void> {
  const { overwrite: _, ...run } = options;
  try {
    const results = keys.length ? await runCompute(graph, keys, run) : {};
    await finish(results);
    await out.commit();
  } catch (error) {
    await out.abort();
    throw error;
  }
}

/**
 * Creates an output file of `totalBytes`: its header written, the rest left for the writer tasks.
 * Synchronous on purpose: four system calls of microseconds each, where the asynchronous forms
 * are four round trips through libuv's four-thread pool per file — 8–18 ms for the 20 files of
 * the 10M-row reference workload's predictions, before its first task could start; now 2–4 ms.
 */
function createWithHeader(path: string, header: Uint8Array, totalBytes: number): void {
  const fd = openSync(path, 'w');
  try {
    writeFully(fd, header, 0);
    ftruncateSync(fd, totalBytes);
  } finally {
    closeSync(fd);
  }
}

/** Files a store creates between two turns of the event loop (see {@link createWithHeader}). */
const CREATE_BATCH = 128;

/** Writes `x` (1-D or 2-D) to one .npy file. @internal (use `X.toNpy(file)` or {@link toNpy}) */
export async function storeNpy(file: string, x: NDArray, options: StoreOptions = {}): Promise<void> {
  if (x.ndim < 1 || x.ndim > 2) throw new RangeError(`toNpy: only 1-D and 2-D arrays; got shape ${fmtShape(x.shape)}.`);
  const out = await beginStore(file, NPY_FILE, [x], options);
  const temp = out.temp;
  const header = formatNpyHeader(x.dtype, x.shape);
  const rowBytes = (x.ndim === 2 ? x.shape[1]! : 1) * itemSize(x.dtype);
  try {
    createWithHeader(temp, header, header.length + x.shape[0]! * rowBytes);
  } catch (error) {
    await out.abort();
    throw error;
  }
  const graph = buildGraph([x]);
  const keys: string[] = [];
  const tok = tokenize('store-npy', x.name, temp);
  for (let i = 0; i < x.numBlocks[0]!; i++) {
    const key = `store-npy-${tok}[${i}]`;
    const parts = x.ndim === 2 ? Array.from({ length: x.numBlocks[1]! }, (_, j) => x.blockArg(i, j)) : [x.blockArg(i)];
    addTask(graph, key, ArrayKernel.writeNpy, [temp, header.length + x.blockOffsets[0]![i]! * rowBytes, x.dtype, parts]);
    keys.push(key);
  }
  await runStore(graph, keys, out, options, async () => undefined);
}

/**
 * Writes an array to one .npy file, block by block in parallel, into a temporary file renamed
 * into place at the end.
 *
 * @example
 * await toNpy('pred.npy', predictions);
 */
export function toNpy(file: string, x: NDArray, options?: StoreOptions): Promise<void> {
  return storeNpy(file, x, options);
}

function alignY(X: NDArray, y: NDArray | undefined, what: string): NDArray | undefined {
  if (!y) return undefined;
  if (y.ndim !== 1) throw new RangeError(`${what}: y must be 1-D; got shape ${fmtShape(y.shape)}.`);
  if (y.shape[0] !== X.shape[0]) throw new RangeError(`${what}: X has ${X.shape[0]} rows but y has ${y.shape[0]}.`);
  return y.chunks[0]!.join() === X.chunks[0]!.join() ? y : rechunk(y, [X.chunks[0]!]);
}

/** What {@link toNpyDir} writes: X (2-D) with an optional y, or y (1-D) alone. */
export type NpyDirData = { X: NDArray; y?: NDArray | undefined } | { X?: undefined; y: NDArray };

/**
 * Writes X (and y), or y alone, as an npy-chunks-v1 directory. @internal (use {@link toNpyDir})
 */
export async function storeNpyDir(dir: string, data: NpyDirData, options: StoreOptions = {}): Promise<Manifest> {
  const X = data.X;
  let y: NDArray | undefined;
  if (X) {
    if (X.ndim !== 2) {
      const hint = X.ndim === 1 ? ' A 1-D array (predictions) is written as y alone: toNpyDir(dir, { y }) or y.toNpyDir(dir).' : '';
      throw new RangeError(`toNpyDir: X must be 2-D; got shape ${fmtShape(X.shape)}.${hint}`);
    }
    y = alignY(X, data.y, 'toNpyDir');
  } else {
    y = data.y;
    if (!y) throw new TypeError('toNpyDir: nothing to write; pass { X }, { X, y } or { y }.');
    if (y.ndim !== 1) throw new RangeError(`toNpyDir: y must be 1-D; got shape ${fmtShape(y.shape)}.`);
  }
  const arrays = [X, y].filter((a): a is NDArray => a !== undefined);
  const out = await beginStore(dir, NPY_DATASET, arrays, options);
  const temp = out.temp;
  const graph = buildGraph(arrays);
  const keys: string[] = [];
  const sizes = [...arrays[0]!.chunks[0]!];
  const manifest = X
    ? makeManifest({ chunkSizes: sizes, cols: X.shape[1]!, dtypeX: X.dtype, dtypeY: y?.dtype })
    : makeManifest({ chunkSizes: sizes, dtypeY: y!.dtype });
  const tok = tokenize('store-npy-dir', X?.name ?? null, y?.name ?? null, temp);
  const withStats = X !== undefined && blockStatsEnabled();
  const xKeys: string[] = []; // by chunk (the loop below fills them out of order)
  try {
    mkdirSync(temp, { recursive: false });
    for (let i = 0; i < sizes.length; i++) {
      // A dataset of thousands of chunks still lets the event loop turn now and then.
      if (i > 0 && i % CREATE_BATCH === 0) await new Promise((done) => setImmediate(done));
      const rows = sizes[i]!;
      if (X) {
        const xh = formatNpyHeader(X.dtype, [rows, X.shape[1]!]);
        createWithHeader(join(temp, manifest.x_files[i]!), xh, xh.length + rows * X.shape[1]! * itemSize(X.dtype));
        const xk = `store-X-${tok}[${i}]`;
        const parts = Array.from({ length: X.numBlocks[1]! }, (_, j) => X.blockArg(i, j));
        const path = join(temp, manifest.x_files[i]!);
        // With block statistics on, each X chunk's writer also records its column statistics.
        if (withStats) addTask(graph, xk, ArrayKernel.writeNpyStats, [path, xh.length, X.dtype, parts, X.shape[1]!]);
        else addTask(graph, xk, ArrayKernel.writeNpy, [path, xh.length, X.dtype, parts]);
        xKeys[i] = xk;
        keys.push(xk);
      }
      if (y) {
        const yh = formatNpyHeader(y.dtype, [rows]);
        createWithHeader(join(temp, manifest.y_files![i]!), yh, yh.length + rows * itemSize(y.dtype));
        const yk = `store-y-${tok}[${i}]`;
        addTask(graph, yk, ArrayKernel.writeNpy, [join(temp, manifest.y_files![i]!), yh.length, y.dtype, [y.blockArg(i)]]);
        keys.push(yk);
      }
    }
  } catch (error) {
    await out.abort();
    throw error;
  }
  let written: Manifest = manifest;
  await runStore(graph, keys, out, options, async (results) => {
    if (withStats) {
      const block_stats = xKeys.map((k, i): BlockStatsEntry => {
        const r = results[k] as WrittenBlockStats;
        const e = { x_file: manifest.x_files[i]!, size: r.size, mtime_ms: r.mtimeMs, backend: r.backend };
        return { ...e, moments: r.moments, min: r.min, max: r.max };
      });
      written = { ...manifest, block_stats };
    }
    await writeFile(join(temp, MANIFEST_FILE), JSON.stringify(written, null, 1) + '\n');
  });
  return written;
}

/**
 * Writes X (and optionally y) to a dataset directory: `X-00000.npy`… (one per row block of X),
 * `y-00000.npy`…, `manifest.json` — in parallel, into a temporary directory renamed into place.
 * With y alone (1-D, e.g. predictions) it writes a y-only dataset: one `y-*.npy` per row block of
 * y and a manifest with `cols` 0, no `x_files` and `dtype_X` null.
 *
 * @example
 * const { X, y } = makeClassification({ nSamples: 1e6, nFeatures: 20, chunks: 100_000 });
 * await toNpyDir('data/', { X, y });
 * await toNpyDir('pred/', { y: pipe.predict(X) });
 */
export function toNpyDir(dir: string, data: NpyDirData, options?: StoreOptions): Promise<Manifest> {
  return storeNpyDir(dir, data, options);
}

/**
 * `array.toNpyDir(dir, { y })`: a 2-D array is written as X (with `y`), a 1-D array as y alone.
 * @internal (the NDArray method)
 */
export async function storeArrayNpyDir(
  dir: string,
  array: NDArray,
  options: StoreOptions & { y?: NDArray | undefined } = {},
): Promise<Manifest> {
  const { y, ...rest } = options;
  if (array.ndim === 1) {
    if (y)
      throw new TypeError(
        `toNpyDir: a 1-D array is written as y (a y-only dataset), so options.y must not be given; to write X and y, X must be 2-D.`,
      );
    return storeNpyDir(dir, { y: array }, rest);
  }
  return storeNpyDir(dir, { X: array, y }, rest);
}

/** Writes X (and y) to an Arrow IPC file. @internal (use {@link toArrow}) */
export async function storeArrow(file: string, data: { X: NDArray; y?: NDArray }, options: ArrowStoreOptions = {}): Promise<void> {
  const X = data.X.ndim === 1 ? data.X.rechunk([data.X.chunks[0]!]) : data.X;
  if (X.ndim > 2) throw new RangeError(`toArrow: only 1-D and 2-D arrays; got shape ${fmtShape(X.shape)}.`);
  const y = alignY(X, data.y, 'toArrow');
  const cols = X.ndim === 2 ? X.shape[1]! : 1;
  const names = options.columns ?? Array.from({ length: cols }, (_, j) => (X.ndim === 1 ? 'x' : `x${j}`));
  if (names.length !== cols) throw new RangeError(`toArrow: ${names.length} column names for ${cols} columns.`);
  const fields: ArrowField[] = names.map((name) => ({ name, dtype: X.dtype }));
  if (y) fields.push({ name: options.yName ?? 'y', dtype: y.dtype });
  const seen = new Set<string>();
  for (const f of fields) {
    if (seen.has(f.name)) throw new RangeError(`toArrow: duplicate column name '${f.name}'.`);
    seen.add(f.name);
  }
  const header = await arrowFileHeader(fields);
  const layouts = new Map<number, number>();
  const plan: { offset: number; size: number }[] = [];
  let at = header.length;
  for (const rows of X.chunks[0]!) {
    let size = layouts.get(rows);
    if (size === undefined) {
      const l = await arrowBatchLayout(fields, rows);
      size = l.metadata.length + l.bodyLength;
      layouts.set(rows, size);
    }
    plan.push({ offset: at, size });
    at += size;
  }
  const out = await beginStore(file, ARROW_FILE, y ? [X, y] : [X], options);
  const temp = out.temp;
  try {
    createWithHeader(temp, header, at);
  } catch (error) {
    await out.abort();
    throw error;
  }
  const graph = buildGraph(y ? [X, y] : [X]);
  const keys: string[] = [];
  const tok = tokenize('store-arrow', X.name, y?.name ?? null, temp, fields);
  for (let i = 0; i < X.numBlocks[0]!; i++) {
    const parts = X.ndim === 2 ? Array.from({ length: X.numBlocks[1]! }, (_, j) => X.blockArg(i, j)) : [X.blockArg(i)];
    if (y) parts.push(y.blockArg(i));
    const key = `store-arrow-${tok}[${i}]`;
    addTask(graph, key, ArrayKernel.writeArrow, [temp, plan[i]!.offset, fields, plan[i]!.size, parts]);
    keys.push(key);
  }
  await runStore(graph, keys, out, options, async (results) => {
    const batches = keys.map((k) => results[k] as { offset: number; metaLength: number; bodyLength: number });
    const footer = await arrowFileFooter(fields, batches);
    const fh = await open(temp, 'r+');
    try {
      await fh.write(footer, 0, footer.length, at);
    } finally {
      await fh.close();
    }
  });
}

/**
 * Writes X (and optionally y as a named column) to an Arrow IPC file: one record batch per row
 * block, written in parallel at precomputed offsets, renamed into place when complete. The file
 * carries its schema message after the leading magic, as the format requires.
 *
 * @example
 * await toArrow('data.arrow', { X, y }, { yName: 'label' });
 */
export function toArrow(file: string, data: { X: NDArray; y?: NDArray }, options?: ArrowStoreOptions): Promise<void> {
  return storeArrow(file, data, options);
}

/** What {@link fromArrow} returns. */
export interface ArrowDataset {
  readonly X: NDArray;
  readonly y?: NDArray;
  /** Column names of X, in order. */
  readonly columns: readonly string[];
}

/**
 * Opens an Arrow IPC file: each record batch is a row block; the numeric columns (or `columns`)
 * form X, and the column named by `y` becomes y. Every numeric type reads (Float64/32/16,
 * Int8/16/32/64, Uint8/16/32/64, Bool, and dictionary-encoded columns as their integer codes),
 * converted in the workers as they read: Int64/Uint64/Uint32 → float64 (exact up to 2^53; a larger
 * value fails the read naming the column and row), Int8/16, Uint16 → int32, Float16 → float32,
 * Bool → uint8; a column with nulls reads as float (float64 for integer and Bool columns) with
 * NaN for each null. Columns of different dtypes promote (as in elementwise ops). Every batch is
 * checked against the file's schema first: one with other columns or types is an error naming
 * the batch and the column.
 *
 * @example
 * const { X, y } = await fromArrow('data.arrow', { y: 'label' });
 */
export async function fromArrow(file: string, options: { y?: string; columns?: readonly string[] } = {}): Promise<ArrowDataset> {
  const path = resolve(file);
  const info = await readArrowFileInfo(path);
  const byName = new Map(info.columns.map((c, i) => [c.name, i] as const));
  const pick = (name: string, role: string) => {
    const i = byName.get(name);
    if (i === undefined)
      throw new FormatError({ file: path }, `no column '${name}' for ${role} (columns: ${info.columns.map((c) => c.name).join(', ')}).`);
    const c = info.columns[i]!;
    if (!c.dtype || !c.stored) {
      throw new FormatError(
        { file: path },
        `column '${name}' has type ${c.type}, which Tessera does not read (numbers: Float16/32/64, Int8/16/32/64, Uint8/16/32/64, Bool, or dictionary-encoded with integer codes).`,
      );
    }
    return { index: i, name, dtype: c.dtype, stored: c.stored };
  };
  if (options.y !== undefined) pick(options.y, 'y');
  const xNames = options.columns ?? info.columns.filter((c) => c.name !== options.y).map((c) => c.name);
  if (xNames.length === 0) throw new FormatError({ file: path }, 'no columns left for X.');
  const xCols = xNames.map((n) => pick(n, 'X'));
  const st = await stat(path);
  const batches = info.batches.map((batch, index, all) => ({ index, start: all.slice(0, index).reduce((a, b) => a + b.rows, 0), batch }));
  const rowChunks = info.batches.map((b) => b.rows).filter((r) => r > 0);
  const rows = info.rows;
  const def = (columns: typeof xCols, shape: number[], dtype: DType, role: string): SourceDef => ({
    reader: 'arrow',
    kernel: ArrayKernel.read,
    label: 'read-arrow',
    paths: [path],
    token: tokenize('arrow', path, st.size, st.mtimeMs, columns, role),
    dtype,
    shape,
    params: (r0: number, r1: number): ArrowParams => ({
      path,
      columns: columns.map(({ index, name, stored }) => ({ index, name, stored })),
      batches: batches.filter((b) => b.start < r1 && b.start + b.batch.rows > r0),
    }),
  });
  const xDtype = promote(xCols.map((c) => c.dtype));
  const X = sourceArray(
    def(xCols, [rows, xCols.length], xDtype, 'X'),
    normalizeChunks([rowChunks.length ? rowChunks : [0], [xCols.length]], [rows, xCols.length]),
  );
  if (options.y === undefined) return { X, columns: xNames };
  const yc = pick(options.y, 'y');
  const y = sourceArray(def([yc], [rows], yc.dtype, 'y'), normalizeChunks([rowChunks.length ? rowChunks : [0]], [rows]));
  return { X, y, columns: xNames };
}
