/**
 * `toParquet` / `toCsv`: a frame written as a directory of files, one per block, in parallel on
 * the workers, through `@tessera/io`'s atomic store (a temporary sibling renamed into place when
 * every file and the `_tessera_frame.json` listing are written; never over one of the frame's
 * inputs; an existing directory replaced only as `overwrite` allows).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildGraph } from '@tessera/array';
import { compute } from '@tessera/scheduler';
import { beginOutput, listedDirectoryKind, type OutputKind } from '@tessera/io';
import type { Frame, FrameWriteOptions, ParquetWriteOptions, TableSource } from './frame.js';
import { FrameKernel } from './kernel_names.js';
import type { WriteCodec, WriteColumn } from './kernels/write.js';

/** Parquet codecs of {@link Frame.toParquet}. */
export type Codec = WriteCodec;

/** What a store wrote. */
export interface WriteResult {
  /** The directory (absolute). */
  readonly dir: string;
  /** The data files, in row order (names inside `dir`). */
  readonly files: readonly string[];
  readonly rows: number;
}

/** The listing a frame directory holds (and how it is recognised for `overwrite: true`). */
export const FRAME_LISTING = '_tessera_frame.json';
const LISTING_FORMAT = 'tessera-frame-v1';

function frameDirKind(format: 'parquet' | 'csv'): OutputKind {
  return listedDirectoryKind(`a ${format === 'parquet' ? 'Parquet' : 'CSV'} directory written by Tessera`, FRAME_LISTING, (text) => {
    const m = JSON.parse(text) as { format?: unknown; kind?: unknown; files?: unknown };
    if (m.format !== LISTING_FORMAT || m.kind !== format || !Array.isArray(m.files)) throw new Error(`not a ${format} listing`);
    return m.files as string[];
  });
}

const CODECS: readonly WriteCodec[] = ['uncompressed', 'snappy', 'gzip', 'brotli', 'zstd'];

/** @internal */
export async function writeFrame(
  format: 'parquet' | 'csv',
  input: Frame,
  source: TableSource,
  dir: string,
  options: FrameWriteOptions & ParquetWriteOptions,
): Promise<WriteResult> {
  if (typeof dir !== 'string' || dir === '')
    throw new TypeError(`to${format === 'csv' ? 'Csv' : 'Parquet'}: the directory must be a non-empty string.`);
  const { overwrite, codec = 'snappy', ...run } = options;
  if (format === 'parquet' && !CODECS.includes(codec))
    throw new RangeError(`toParquet: codec must be one of ${CODECS.join(', ')}; got ${JSON.stringify(codec)}.`);
  const out = await beginOutput(dir, { kind: frameDirKind(format), overwrite, inputs: source.paths });
  try {
    await source.computeLengths(run);
    // Category codes become strings again: their categories must be known.
    const frame = await input.categorize(undefined, run);
    const columns: WriteColumn[] = frame.schema.map((c) => ({
      name: c.name,
      type: c.type,
      unit: c.unit,
      categories: c.categories ?? null,
    }));
    const X = frame.toArray(undefined, { dtype: 'float64' });
    await mkdir(out.temp);
    const g = buildGraph([X]);
    const files: string[] = [];
    const keys: string[] = [];
    const ext = format === 'parquet' ? 'parquet' : 'csv';
    for (let i = 0; i < X.numBlocks[0]!; i++) {
      const name = `part.${String(i).padStart(5, '0')}.${ext}`;
      const key = `to-${ext}-${X.name}[${i}]`;
      files.push(name);
      keys.push(key);
      const path = join(out.temp, name);
      if (format === 'parquet') g.add(key, FrameKernel.writeParquet, [X.blockArg(i, 0), columns, path, codec]);
      else g.add(key, FrameKernel.writeCsv, [X.blockArg(i, 0), columns, path]);
    }
    const results = keys.length ? await compute(g, keys, run) : {};
    const rows = keys.reduce((a, k) => a + (results[k] as number), 0);
    await writeFile(
      join(out.temp, FRAME_LISTING),
      `${JSON.stringify({ format: LISTING_FORMAT, kind: format, rows, files, columns: columns.map((c) => ({ name: c.name, type: c.type, unit: c.unit })) }, null, 1)}\n`,
    );
    await out.commit();
    return { dir: out.target, files, rows };
  } catch (error) {
    await out.abort();
    throw error;
  }
}
