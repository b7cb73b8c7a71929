/**
 * `readArrow`: an Arrow IPC file as a lazy {@link Frame}, over `@tessera/array`'s Arrow source
 * (`fromArrow`: record batches are the blocks, read by offset on the workers). Numeric and Bool
 * columns read as `fromArrow` reads them; dictionary-encoded string columns are categories with
 * the file's dictionary.
 */
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { NDArray, fromArrow, tokenize, type DType } from '@tessera/array';
import { FormatError, readArrowFileInfo } from '@tessera/io';
import { Frame, type Table, type TableSource } from './frame.js';
import { FrameKernel } from './kernel_names.js';
import { columnDType, type ColumnInfo, type LogicalType } from './types.js';

const STORED_TYPE: Readonly<Record<string, LogicalType>> = {
  f8: 'float64',
  f4: 'float32',
  f2: 'float32',
  i1: 'int8',
  i2: 'int16',
  i4: 'int32',
  i8: 'int64',
  u1: 'uint8',
  u2: 'uint16',
  u4: 'uint32',
  u8: 'uint64',
  bit: 'bool',
};

/** The dictionaries of an Arrow file's dictionary-encoded columns (apache-arrow reads them). */
async function dictionaries(path: string, names: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (names.length === 0) return out;
  const { RecordBatchReader } = await import('apache-arrow');
  const fh = await open(path);
  try {
    const reader = await RecordBatchReader.from(fh);
    await reader.open();
    for await (const batch of reader) {
      for (const name of names) {
        if (out.has(name)) continue;
        const dict = batch.getChild(name)?.data[0]?.dictionary;
        if (dict)
          out.set(
            name,
            Array.from(dict.toArray() as Iterable<unknown>, (v) => String(v)),
          );
      }
      if (out.size === names.length) break;
    }
  } finally {
    await fh.close();
  }
  return out;
}

class ArrowSource implements TableSource {
  readonly format = 'arrow' as const;
  readonly paths: readonly string[];
  constructor(
    readonly description: string,
    readonly token: string,
    readonly blockRows: readonly number[],
    readonly columnArrays: ReadonlyMap<string, NDArray>,
  ) {
    this.paths = [description];
  }

  computeLengths(): Promise<void> {
    return Promise.resolve();
  }

  array(columns: readonly ColumnInfo[], dtype: DType, oneD: boolean): NDArray {
    const parts = columns.map((c) => {
      const a = this.columnArrays.get(c.name)!;
      return a.dtype === dtype ? a : a.astype(dtype);
    });
    if (oneD) return parts[0]!;
    const rows = parts[0]!.shape[0]!;
    const k = parts.length;
    const name = `read-arrow-${tokenize(
      this.token,
      parts.map((p) => p.name),
      dtype,
    )}`;
    return new NDArray({
      shape: [rows, k],
      dtype,
      chunks: [parts[0]!.chunks[0]!, [k]],
      name,
      layer: {
        kind: 'tasks',
        deps: parts,
        build: (g, self) => {
          for (let i = 0; i < self.numBlocks[0]!; i++) {
            const key = self.blockKey(i, 0);
            if (!g.has(key)) g.add(key, FrameKernel.stack, [parts.map((p) => p.blockArg(i)), dtype]);
          }
        },
      },
    });
  }

  async head(columns: readonly ColumnInfo[], n: number): Promise<Table> {
    const data: Record<string, Table['data'][string]> = {};
    let rows = 0;
    for (const c of columns) {
      const a = this.columnArrays.get(c.name)!;
      rows = Math.min(n, a.shape[0]!);
      const d = (await a.slice([0, rows]).compute({ scheduler: 'sync' })).data;
      if (c.type === 'category') data[c.name] = Array.from(d, (v) => (v < 0 || Number.isNaN(v) ? null : c.categories![v]!));
      else data[c.name] = c.dtype === a.dtype ? (d as Table['data'][string]) : Float64Array.from(d);
    }
    return { columns: columns.map((c) => c.name), nRows: rows, data };
  }

  categories(): Promise<string[][]> {
    return Promise.reject(new Error('internal: Arrow dictionaries are read when the file is opened.'));
  }
}

/**
 * Opens an Arrow IPC file as a lazy {@link Frame}: record batches are the blocks; numeric and Bool
 * columns read as `fromArrow` reads them (nulls as NaN), dictionary-encoded string columns as
 * categories with the file's dictionary. Other types (plain Utf8, timestamps, lists…) are left
 * out of the frame (naming one in `columns` is an error).
 *
 * @example
 * const df = await readArrow('data.arrow');
 * const X = df.toArray(df.columns.filter((c) => c !== 'y'));
 */
export async function readArrow(path: string, options: { readonly columns?: readonly string[] } = {}): Promise<Frame> {
  if (typeof path !== 'string' || path === '') throw new TypeError('readArrow: the path must be a non-empty string.');
  const file = resolve(path);
  const info = await readArrowFileInfo(file);
  const readable = info.columns.filter((c) => c.dtype && c.stored);
  const dictNames = readable.filter((c) => c.type.startsWith('Dictionary')).map((c) => c.name);
  const dicts = await dictionaries(file, dictNames);
  const wanted = options.columns ?? readable.map((c) => c.name);
  const arrays = new Map<string, NDArray>();
  const columns: ColumnInfo[] = [];
  for (const name of wanted) {
    const c = info.columns.find((x) => x.name === name);
    if (!c) throw new RangeError(`readArrow: no column '${name}' in ${file} (columns: ${info.columns.map((x) => x.name).join(', ')}).`);
    if (!c.dtype || !c.stored)
      throw new FormatError(
        { file },
        `column '${name}' has type ${c.type}, which Tessera does not read (numbers, Bool, dictionary-encoded strings).`,
      );
    const { y } = await fromArrow(file, { y: name, columns: [name] });
    arrays.set(name, y!);
    const categories = dicts.get(name);
    const type: LogicalType = categories ? 'category' : (STORED_TYPE[c.stored.replace(/^[<>|]/, '')] ?? 'float64');
    columns.push({
      name,
      type,
      nullable: c.hasNulls,
      dtype: categories ? 'int32' : columnDType(type, c.hasNulls),
      ...(categories ? { categories } : {}),
    });
  }
  const rows = info.batches.map((b) => b.rows).filter((r) => r > 0);
  return new Frame(new ArrowSource(file, tokenize('arrow-frame', file, info.size), rows, arrays), columns);
}
