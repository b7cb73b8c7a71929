/**
 * Sources and sinks: .npy files and dataset directories (round trips, numpy both ways, every bad
 * input of the section 4), Arrow IPC files (round trips, format validity), and atomic
 * stores (a failed or cancelled store leaves nothing under the final name).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  tableFromIPC,
  tableFromArrays,
  tableToIPC,
  Table,
  vectorFromArray,
  Float64,
  Int32,
  Utf8,
  RecordBatchStreamReader,
} from 'apache-arrow';
import {
  DatasetError,
  DenseArray,
  FormatError,
  fromArray,
  fromArrow,
  fromNpy,
  fromNpyDir,
  mapBlocks,
  random,
  toArrow,
  toNpyDir,
  computeAll,
} from '@tessera/array';
import { SyncScheduler, ThreadScheduler, AbortError, TaskError } from '@tessera/scheduler';
import { hasNumpy, python } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'tessera-formats-'));
const threads = new ThreadScheduler({ threads: 2 });
afterAll(async () => {
  await threads.close();
  rmSync(root, { recursive: true, force: true });
});
const sync = new SyncScheduler();
const numpy = hasNumpy();
if (!numpy) console.log('skipping numpy interop tests: /usr/bin/python3 with numpy is not available');
const kernels = new URL('./fixtures/kernels.mjs', import.meta.url);

let n = 0;
const fresh = (name: string) => join(root, `${name}-${n++}`);

function xy(rows: number, cols: number) {
  const X = DenseArray.zeros([rows, cols]);
  for (let i = 0; i < X.data.length; i++) X.data[i] = i * 0.5 - 3;
  const y = DenseArray.zeros([rows], 'int32');
  for (let i = 0; i < rows; i++) y.data[i] = i % 3;
  return { X, y };
}

describe('npy dataset directories', () => {
  it('toNpyDir then fromNpyDir gives back X and y exactly, chunked by the files', async () => {
    const { X, y } = xy(23, 3);
    const dir = fresh('ds');
    const manifest = await toNpyDir(dir, { X: fromArray(X, { chunks: [5, 2] }), y: fromArray(y, { chunks: 7 }) }, { scheduler: threads });
    expect(manifest).toMatchObject({ rows: 23, cols: 3, chunk_sizes: [5, 5, 5, 5, 3], dtype_X: 'float64', dtype_y: 'int32' });
    expect(readdirSync(dir).sort()).toEqual([
      'X-00000.npy',
      'X-00001.npy',
      'X-00002.npy',
      'X-00003.npy',
      'X-00004.npy',
      'manifest.json',
      'y-00000.npy',
      'y-00001.npy',
      'y-00002.npy',
      'y-00003.npy',
      'y-00004.npy',
    ]);
    const ds = await fromNpyDir(dir);
    expect(ds.X!.chunks).toEqual([[5, 5, 5, 5, 3], [3]]);
    const [x2, y2] = await computeAll([ds.X!, ds.y!], { scheduler: threads });
    expect(Array.from(x2!.data)).toEqual(Array.from(X.data));
    expect(Array.from(y2!.data)).toEqual(Array.from(y.data));
    expect(readdirSync(root).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('a dataset of hundreds of blocks (its files created in several batches) round-trips exactly', async () => {
    const { X, y } = xy(301, 2);
    const dir = fresh('many');
    const manifest = await toNpyDir(dir, { X: fromArray(X, { chunks: [1, -1] }), y: fromArray(y, { chunks: 1 }) }, { scheduler: sync });
    expect(manifest.chunk_sizes).toHaveLength(301);
    const names = readdirSync(dir);
    expect(names).toHaveLength(2 * 301 + 1);
    expect(names).toContain('X-00300.npy');
    expect(names).toContain('y-00128.npy');
    const ds = await fromNpyDir(dir);
    const [x2, y2] = await computeAll([ds.X!, ds.y!], { scheduler: sync });
    expect(Array.from(x2!.data)).toEqual(Array.from(X.data));
    expect(Array.from(y2!.data)).toEqual(Array.from(y.data));
    expect(readdirSync(root).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it.skipIf(!numpy)('numpy reads a stored dataset; Tessera reads a numpy-written directory without a manifest', async () => {
    const dir = fresh('np');
    const X = random([1000, 4], { seed: 3, chunks: [300, -1] });
    await X.toNpyDir(dir, { scheduler: sync });
    const sums = JSON.parse(
      python(
        `import numpy as np, json, os; d=${JSON.stringify(dir)}; m=json.load(open(os.path.join(d,'manifest.json'))); a=np.concatenate([np.load(os.path.join(d,f)) for f in m['x_files']]); print(json.dumps([a.shape[0], a.sum(axis=0).tolist()]))`,
      ),
    );
    const mine = await X.sum(0).compute({ scheduler: sync });
    expect(sums[0]).toBe(1000);
    sums[1].forEach((s: number, j: number) => expect(s).toBeCloseTo(mine.data[j]!, 9));
    const dir2 = fresh('np-written');
    python(`import numpy as np, os; d=${JSON.stringify(dir2)}; os.makedirs(d)
rng=np.random.default_rng(1)
for i,n in enumerate([4,4,2]):
    np.save(os.path.join(d,'X-%05d.npy'%i), rng.normal(size=(n,3)).astype('<f4')); np.save(os.path.join(d,'y-%05d.npy'%i), (np.arange(n)%2).astype('<i4'))`);
    const ds = await fromNpyDir(dir2);
    expect(ds.X!.dtype).toBe('float32');
    expect(ds.X!.chunks).toEqual([[4, 4, 2], [3]]);
    const expected = JSON.parse(
      python(
        `import numpy as np, os, json; d=${JSON.stringify(dir2)}; print(json.dumps(np.concatenate([np.load(os.path.join(d,'X-%05d.npy'%i)) for i in range(3)]).astype('f8').ravel().tolist()))`,
      ),
    );
    expect(Array.from((await ds.X!.compute({ scheduler: sync })).data)).toEqual(expected);
    expect(Array.from((await ds.y!.compute({ scheduler: sync })).data)).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
  });

  it('fromNpy reads any row range by offset', async () => {
    const p = join(root, 'single.npy');
    const { X } = xy(50, 4);
    await fromArray(X, { chunks: [13, 2] }).toNpy(p, { scheduler: threads });
    const A = await fromNpy(p, { chunks: [7, -1] });
    const part = await A.slice([11, 38], [1, 3]).compute({ scheduler: sync });
    const expected: number[] = [];
    for (let r = 11; r < 38; r++) for (let c = 1; c < 3; c++) expected.push(X.data[r * 4 + c]!);
    expect(Array.from(part.data)).toEqual(expected);
  });

  async function dataset(): Promise<string> {
    const dir = fresh('bad');
    const { X, y } = xy(12, 2);
    await toNpyDir(dir, { X: fromArray(X, { chunks: [4, -1] }), y: fromArray(y, { chunks: 4 }) }, { scheduler: sync });
    return dir;
  }
  const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));

  it('a missing chunk file is an error naming the file and block', async () => {
    const dir = await dataset();
    rmSync(join(dir, 'X-00001.npy'));
    await expect(fromNpyDir(dir)).rejects.toThrow(DatasetError);
    await expect(fromNpyDir(dir)).rejects.toThrow(/X-00001\.npy \(block 1\): file not found/);
  });

  it('a chunk that disagrees with the manifest (rows, columns, dtype) is an error naming it', async () => {
    const dir = await dataset();
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({ ...manifestOf(dir), chunk_sizes: [4, 5, 3], rows: 12 + 0 }).replace('"rows":12', '"rows":12'),
    );
    await expect(fromNpyDir(dir)).rejects.toThrow(/add up to 12|chunk_sizes/);
    const dir2 = await dataset();
    const m = manifestOf(dir2);
    writeFileSync(join(dir2, 'manifest.json'), JSON.stringify({ ...m, chunk_sizes: [5, 4, 3] }));
    await expect(fromNpyDir(dir2)).rejects.toThrow(/X-00000\.npy \(block 0\): has 4 rows but the manifest's chunk_sizes\[0\] is 5/);
    writeFileSync(join(dir2, 'manifest.json'), JSON.stringify({ ...m, cols: 3 }));
    await expect(fromNpyDir(dir2)).rejects.toThrow(/has 2 columns but the manifest says cols 3/);
    writeFileSync(join(dir2, 'manifest.json'), JSON.stringify({ ...m, dtype_X: 'float32' }));
    await expect(fromNpyDir(dir2)).rejects.toThrow(
      /X-00000\.npy \(block 0\): dtype is float64 \(<f8\) but the manifest says dtype_X float32/,
    );
  });

  it('X and y with different row counts is an error naming both files', async () => {
    const dir = await dataset();
    copyFileSync(join(dir, 'y-00000.npy'), join(dir, 'tmp.npy'));
    await fromArray(DenseArray.from([1, 2, 3], 'int32')).toNpy(join(dir, 'y3.npy'), { scheduler: sync });
    copyFileSync(join(dir, 'y3.npy'), join(dir, 'y-00002.npy'));
    await expect(fromNpyDir(dir)).rejects.toThrow(/y-00002\.npy \(block 2\): has 3 rows but X-00002\.npy has 4/);
    await expect(toNpyDir(fresh('xy'), { X: fromArray(DenseArray.zeros([4, 2])), y: fromArray(DenseArray.zeros([3])) })).rejects.toThrow(
      /X has 4 rows but y has 3/,
    );
  });

  it('a truncated or corrupt chunk is an error naming the file, up front or at read time', async () => {
    const dir = await dataset();
    truncateSync(join(dir, 'X-00002.npy'), 100);
    await expect(fromNpyDir(dir)).rejects.toThrow(/X-00002\.npy \(block 2\): truncated/);
    const dir2 = await dataset();
    const ds = await fromNpyDir(dir2);
    truncateSync(join(dir2, 'X-00001.npy'), 140); // shrinks after the headers were checked
    await expect(ds.X!.sum(0).compute({ scheduler: sync })).rejects.toThrow(/X-00001\.npy \(block 1\): truncated: reading rows/);
    const dir3 = await dataset();
    writeFileSync(join(dir3, 'X-00000.npy'), 'garbage that is not an npy file');
    await expect(fromNpyDir(dir3)).rejects.toThrow(/X-00000\.npy \(block 0\): not an \.npy file/);
  });

  it('Fortran-order and unsupported dtypes in a directory are errors naming the file', async () => {
    if (!numpy) return console.log('skipping: needs numpy to write such files');
    // Big-endian and int64 chunks read (npy_dtypes.test.ts); complex and datetime do not.
    for (const [expr, msg] of [
      ['np.asfortranarray(np.zeros((4,2)))', /Fortran-order/],
      ["np.zeros((4,2), dtype='<c16')", /unsupported dtype '<c16'/],
      ["np.zeros((4,2), dtype='<M8[ns]')", /unsupported dtype '<M8\[ns\]'/],
    ] as const) {
      const dir = await dataset();
      python(`import numpy as np; np.save(${JSON.stringify(join(dir, 'X-00001.npy'))}, ${expr})`);
      await expect(fromNpyDir(dir)).rejects.toThrow(msg);
      await expect(fromNpyDir(dir)).rejects.toThrow(/X-00001\.npy \(block 1\)/);
    }
  });

  it('a manifest-less directory without X files is refused; a missing directory too', async () => {
    const dir = fresh('empty');
    mkdirSync(dir);
    await expect(fromNpyDir(dir)).rejects.toThrow(/not a dataset directory/);
    await expect(fromNpyDir(join(root, 'nope'))).rejects.toThrow(/dataset directory not found/);
  });
});

describe('atomic stores', () => {
  it('a store whose task fails leaves nothing under the final name (npy dir, npy file, Arrow)', async () => {
    const X = fromArray(DenseArray.zeros([20, 2]), { chunks: [5, -1] });
    const bad = mapBlocks({ module: kernels, export: 'fail' }, [X], { dtype: 'float64' });
    for (const [store, target] of [
      [(t: string) => bad.toNpyDir(t, { scheduler: threads }), fresh('fail-dir')],
      [(t: string) => bad.toNpy(t, { scheduler: threads }), fresh('fail.npy')],
      [(t: string) => bad.toArrow(t, { scheduler: threads }), fresh('fail.arrow')],
    ] as const) {
      await expect(store(target)).rejects.toThrow(TaskError);
      expect(existsSync(target)).toBe(false);
    }
    expect(readdirSync(root).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('a cancelled store leaves nothing under the final name', async () => {
    const X = fromArray(DenseArray.zeros([40, 2]), { chunks: [5, -1] });
    const slow = mapBlocks({ module: kernels, export: 'slow' }, [X], { dtype: 'float64' });
    const target = fresh('cancelled');
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    await expect(slow.toNpyDir(target, { scheduler: threads, signal: ac.signal })).rejects.toThrow(AbortError);
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(root).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('refuses to replace an existing target unless overwrite is set', async () => {
    const target = fresh('exists');
    const X = fromArray(DenseArray.zeros([4, 2]));
    await X.toNpyDir(target, { scheduler: sync });
    await expect(X.toNpyDir(target, { scheduler: sync })).rejects.toThrow(/already exists; pass \{ overwrite: true \}/);
    await X.add(1).toNpyDir(target, { scheduler: sync, overwrite: true });
    expect(Array.from((await (await fromNpyDir(target)).X!.compute({ scheduler: sync })).data)).toEqual(new Array(8).fill(1));
  });
});

/** Walks an Arrow IPC file by the spec (independently of apache-arrow): magic, schema message first, batches, EOS, footer, magic. */
function walkArrowFile(bytes: Uint8Array): string[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (a: number, b: number) => String.fromCharCode(...bytes.subarray(a, b));
  expect(ascii(0, 6)).toBe('ARROW1');
  expect(ascii(bytes.length - 6, bytes.length)).toBe('ARROW1');
  const footerLen = dv.getInt32(bytes.length - 10, true);
  const footerStart = bytes.length - 10 - footerLen;
  const types: string[] = [];
  let at = 8;
  for (;;) {
    expect(dv.getInt32(at, true)).toBe(-1); // continuation marker
    const len = dv.getInt32(at + 4, true);
    if (len === 0) break; // end-of-stream marker
    const fb = at + 8;
    // Flatbuffer Message table: root offset → table; vtable gives field offsets.
    const table = fb + dv.getUint32(fb, true);
    const vtable = table - dv.getInt32(table, true);
    const field = (i: number) => (4 + 2 * i < dv.getUint16(vtable, true) ? dv.getUint16(vtable + 4 + 2 * i, true) : 0);
    const headerType = dv.getUint8(table + field(1)); // Message.header_type
    const bodyLength = field(3) ? Number(dv.getBigInt64(table + field(3), true)) : 0;
    types.push(headerType === 1 ? 'Schema' : headerType === 3 ? 'RecordBatch' : `type ${headerType}`);
    at = fb + len + bodyLength;
    expect(at).toBeLessThanOrEqual(footerStart);
  }
  expect(at + 8).toBe(footerStart);
  return types;
}

describe('Arrow IPC files', () => {
  it('round-trips X and a named y column, one record batch per row block', async () => {
    const { X, y } = xy(17, 3);
    const file = fresh('data.arrow');
    await toArrow(
      file,
      { X: fromArray(X, { chunks: [6, 2] }), y: fromArray(y, { chunks: 6 }) },
      { scheduler: threads, yName: 'label', columns: ['a', 'b', 'c'] },
    );
    const ds = await fromArrow(file, { y: 'label' });
    expect(ds.columns).toEqual(['a', 'b', 'c']);
    expect(ds.X.chunks).toEqual([[6, 6, 5], [3]]);
    const [x2, y2] = await computeAll([ds.X, ds.y!], { scheduler: threads });
    expect(Array.from(x2!.data)).toEqual(Array.from(X.data));
    expect(Array.from(y2!.data)).toEqual(Array.from(y.data));
    // apache-arrow reads it as a table, too.
    const t = tableFromIPC(readFileSync(file));
    expect(t.numRows).toBe(17);
    expect(t.schema.fields.map((f) => f.name)).toEqual(['a', 'b', 'c', 'label']);
    expect(Array.from(t.getChild('b')!.toArray() as Float64Array)).toEqual(Array.from({ length: 17 }, (_, r) => X.data[r * 3 + 1]!));
  });

  it('writes valid IPC files: the schema message follows the leading magic (stream readers accept it)', async () => {
    const file = fresh('valid.arrow');
    await random([10, 2], { seed: 1, chunks: [4, -1] }).toArrow(file, { scheduler: sync });
    const bytes = new Uint8Array(readFileSync(file));
    expect(walkArrowFile(bytes)).toEqual(['Schema', 'RecordBatch', 'RecordBatch', 'RecordBatch']);
    // A stream reader given the bytes after the magic needs the schema message first.
    const reader = RecordBatchStreamReader.from(bytes.subarray(8));
    const batches = [...reader];
    expect(batches.map((b) => b.numRows)).toEqual([4, 4, 2]);
  });

  it('reads files written by apache-arrow (float nulls as NaN, mixed column types promote, y by name)', async () => {
    const table = tableFromArrays({
      a: Float64Array.from([1, 2, 3, 4, 5]),
      b: Int32Array.from([10, 20, 30, 40, 50]),
      label: Int32Array.from([0, 1, 0, 1, 1]),
    });
    const withNull = new Table({ a: vectorFromArray([1.5, null, 3.5], new Float64()), label: vectorFromArray([1, 0, 1], new Int32()) });
    const f1 = fresh('js.arrow');
    const f2 = fresh('nulls.arrow');
    writeFileSync(f1, tableToIPC(table, 'file'));
    writeFileSync(f2, tableToIPC(withNull, 'file'));
    const ds = await fromArrow(f1, { y: 'label' });
    expect(ds.X.dtype).toBe('float64');
    expect(ds.y!.dtype).toBe('int32');
    const [x, y] = await computeAll([ds.X, ds.y!], { scheduler: sync });
    expect(x!.toArray()).toEqual([
      [1, 10],
      [2, 20],
      [3, 30],
      [4, 40],
      [5, 50],
    ]);
    expect(Array.from(y!.data)).toEqual([0, 1, 0, 1, 1]);
    const n = await (await fromArrow(f2, { y: 'label' })).X.compute({ scheduler: sync });
    expect(Array.from(n.data).map((v) => (Number.isNaN(v) ? 'NaN' : v))).toEqual([1.5, 'NaN', 3.5]);
    const strings = fresh('strings.arrow');
    writeFileSync(
      strings,
      tableToIPC(new Table({ s: vectorFromArray(['x', 'y'], new Utf8()), v: vectorFromArray([1, 2], new Float64()) }), 'file'),
    );
    await expect(fromArrow(strings)).rejects.toThrow(/column 's' has type Utf8, which Tessera does not read/);
    expect((await fromArrow(strings, { columns: ['v'] })).X.shape).toEqual([2, 1]);
  });

  it('bad Arrow files get errors naming the file', async () => {
    const file = fresh('bad.arrow');
    await random([10, 2], { seed: 1, chunks: [4, -1] }).toArrow(file, { scheduler: sync });
    const trunc = fresh('trunc.arrow');
    writeFileSync(trunc, readFileSync(file).subarray(0, 300));
    await expect(fromArrow(trunc)).rejects.toThrow(FormatError);
    await expect(fromArrow(trunc)).rejects.toThrow(/trunc\.arrow-\d+: truncated/);
    const notArrow = fresh('x.arrow');
    writeFileSync(notArrow, 'definitely not arrow, long enough to pass the size check');
    await expect(fromArrow(notArrow)).rejects.toThrow(/not an Arrow IPC file/);
    await expect(fromArrow(file, { y: 'nope' })).rejects.toThrow(/no column 'nope' for y/);
    const corrupt = fresh('corrupt.arrow');
    const b = new Uint8Array(readFileSync(file));
    const dv = new DataView(b.buffer);
    dv.setInt32(b.length - 10, 1e6, true);
    writeFileSync(corrupt, b);
    await expect(fromArrow(corrupt)).rejects.toThrow(/corrupt: footer length/);
  });
});
