/**
 * Prediction (y-only) dataset directories: 1-D arrays written with `toNpyDir(dir, { y })` or
 * `y.toNpyDir(dir)` round-trip through `fromNpyDir` on every scheduler, numpy reads the files,
 * manifest-less y-only directories open, bad chunks are errors naming file and block, failed
 * stores leave nothing behind, and X datasets are unchanged.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetError, DenseArray, fromArray, fromNpyDir, mapBlocks, toNpyDir, type NDArray } from '@tessera/array';
import { writeNpySync } from '@tessera/io';
import { SyncScheduler, ThreadScheduler, TaskError, type Scheduler } from '@tessera/scheduler';
import { hasNumpy, python } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'tessera-pred-'));
const threads = new ThreadScheduler({ threads: 2 });
afterAll(async () => {
  await threads.close();
  rmSync(root, { recursive: true, force: true });
});
const sync = new SyncScheduler();
const numpy = hasNumpy();
if (!numpy) console.log('skipping numpy interop tests of y-only datasets: /usr/bin/python3 with numpy is not available');
const kernels = new URL('./fixtures/kernels.mjs', import.meta.url);

let n = 0;
const fresh = (name: string) => join(root, `${name}-${n++}`);
const leftovers = () => readdirSync(root).filter((f) => f.includes('.tmp-'));
const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const yFileNames = (k: number) => Array.from({ length: k }, (_, i) => `y-${String(i).padStart(5, '0')}.npy`);

/** 16 float64 values with the awkward ones (NaN, ±Infinity, -0, tiny, huge). */
function floats(): Float64Array {
  const v = new Float64Array(16);
  for (let i = 0; i < v.length; i++) v[i] = (i - 7) * 0.3125 + i * 1e-9;
  v[2] = NaN;
  v[5] = Infinity;
  v[6] = -Infinity;
  v[9] = -0;
  v[11] = 5e-324;
  v[13] = 1.7976931348623157e308;
  return v;
}

function ints(): Int32Array {
  const v = new Int32Array(16);
  for (let i = 0; i < v.length; i++) v[i] = (i % 3) - 1 + (i === 4 ? 2147483647 - 1 : 0) + (i === 8 ? -2147483647 : 0);
  return v;
}

/** Exact comparison that tells NaN and -0 apart. */
function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Object.is(a[i], b[i]), `element ${i}: ${a[i]} vs ${b[i]}`).toBe(true);
}

async function readYOnly(dir: string): Promise<NDArray> {
  const ds = await fromNpyDir(dir, { yOnly: true });
  expect('X' in ds).toBe(true);
  expect(ds.X).toBeUndefined();
  if (ds.X) throw new Error('expected a y-only dataset');
  return ds.y; // NpyYDataset: y is always there
}

describe.each([
  ['SyncScheduler', () => sync as Scheduler],
  ['ThreadScheduler(2)', () => threads as Scheduler],
])('y-only datasets on %s', (_name, scheduler) => {
  const chunks = [5, 3, 7, 1]; // uneven, last block a single row

  it('toNpyDir(dir, { y }) round-trips a 1-D float64 array exactly, one y file per block', async () => {
    const data = floats();
    const dir = fresh('f64');
    const manifest = await toNpyDir(dir, { y: fromArray(data, { chunks: [chunks] }) }, { scheduler: scheduler() });
    const expected = {
      format: 'npy-chunks-v1',
      rows: 16,
      cols: 0,
      chunk_rows: 7,
      n_chunks: 4,
      chunk_sizes: chunks,
      dtype_X: null,
      dtype_y: 'float64',
      order: 'C',
      x_files: [],
      y_files: yFileNames(4),
    };
    expect(manifest).toEqual(expected);
    expect(manifestOf(dir)).toEqual(expected);
    expect(readdirSync(dir).sort()).toEqual(['manifest.json', ...yFileNames(4)]);
    const y = await readYOnly(dir);
    expect(y.dtype).toBe('float64');
    expect(y.shape).toEqual([16]);
    expect(y.chunks).toEqual([chunks]);
    sameBits((await y.compute({ scheduler: scheduler() })).data, data);
    expect(leftovers()).toEqual([]);
  });

  it('a 1-D int32 array written with its toNpyDir method round-trips as a y-only dataset', async () => {
    const data = ints();
    const dir = fresh('i32');
    const manifest = await fromArray(data, { chunks: [chunks] }).toNpyDir(dir, { scheduler: scheduler() });
    expect(manifest).toMatchObject({
      rows: 16,
      cols: 0,
      x_files: [],
      dtype_X: null,
      dtype_y: 'int32',
      chunk_sizes: chunks,
      y_files: yFileNames(4),
    });
    // Without { yOnly: true }, a y-only directory is refused with a message that says what to do.
    await expect(fromNpyDir(dir)).rejects.toThrow(
      /has no X chunks: it is a y-only dataset \(e\.g\. predictions\); read it with fromNpyDir\(dir, \{ yOnly: true \}\)/,
    );
    const ds = await fromNpyDir(dir, { yOnly: true });
    expect(ds.manifest).toEqual(manifest);
    const y = await readYOnly(dir);
    expect(y.dtype).toBe('int32');
    expect(y.chunks).toEqual([chunks]);
    expect(Array.from((await y.compute({ scheduler: scheduler() })).data)).toEqual(Array.from(data));
  });

  it('a lazy per-block result (what predict gives) is written block by block: pred.toNpyDir(dir)', async () => {
    const X = DenseArray.zeros([16, 3]);
    for (let i = 0; i < X.data.length; i++) X.data[i] = i * 0.25 - 2;
    const pred = fromArray(X, { chunks: [chunks, [2, 1]] })
      .sum(1)
      .mul(2);
    const dir = fresh('pred');
    await pred.toNpyDir(dir, { scheduler: scheduler() });
    expect(manifestOf(dir)).toMatchObject({ rows: 16, cols: 0, chunk_sizes: chunks, dtype_y: 'float64' });
    const y = await readYOnly(dir);
    const expected = Array.from({ length: 16 }, (_, r) => 2 * (X.data[r * 3]! + X.data[r * 3 + 1]! + X.data[r * 3 + 2]!));
    const got = Array.from((await y.compute({ scheduler: scheduler() })).data);
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
  });

  it('an X dataset still round-trips as before (X with and without y)', async () => {
    const X = DenseArray.zeros([16, 3]);
    for (let i = 0; i < X.data.length; i++) X.data[i] = i * 0.5 - 3;
    const y = DenseArray.from(
      Array.from({ length: 16 }, (_, i) => i % 2),
      'int32',
    );
    const dir = fresh('xy');
    const manifest = await toNpyDir(
      dir,
      { X: fromArray(X, { chunks: [chunks, [2, 1]] }), y: fromArray(y, { chunks: 6 }) },
      { scheduler: scheduler() },
    );
    expect(manifest).toMatchObject({
      rows: 16,
      cols: 3,
      dtype_X: 'float64',
      dtype_y: 'int32',
      chunk_sizes: chunks,
      x_files: ['X-00000.npy', 'X-00001.npy', 'X-00002.npy', 'X-00003.npy'],
      y_files: yFileNames(4),
    });
    const ds = await fromNpyDir(dir);
    if (!ds.X) throw new Error('expected X');
    expect(ds.X.chunks).toEqual([chunks, [3]]);
    expect(Array.from((await ds.X.compute({ scheduler: scheduler() })).data)).toEqual(Array.from(X.data));
    expect(Array.from((await ds.y!.compute({ scheduler: scheduler() })).data)).toEqual(Array.from(y.data));
    const dir2 = fresh('x');
    await fromArray(X, { chunks: [chunks, -1] }).toNpyDir(dir2, { scheduler: scheduler() });
    const ds2 = await fromNpyDir(dir2);
    expect(ds2.y).toBeUndefined();
    expect(ds2.manifest).toMatchObject({ cols: 3, dtype_X: 'float64', dtype_y: null, y_files: [] });
    expect(Array.from((await ds2.X!.compute({ scheduler: scheduler() })).data)).toEqual(Array.from(X.data));
  });
});

describe('y-only datasets: interop and bad input', () => {
  it.skipIf(!numpy)('numpy reads the y files and the manifest of a y-only dataset', async () => {
    const dir = fresh('np');
    const data = floats();
    await toNpyDir(dir, { y: fromArray(data, { chunks: [[5, 3, 7, 1]] }) }, { scheduler: threads });
    const dir2 = fresh('np-i32');
    await fromArray(ints(), { chunks: [[9, 7]] }).toNpyDir(dir2, { scheduler: sync });
    const out = JSON.parse(
      python(
        `import numpy as np, json, os, sys
res = []
for d in sys.argv[1:]:
    m = json.load(open(os.path.join(d, 'manifest.json')))
    parts = [np.load(os.path.join(d, f)) for f in m['y_files']]
    a = np.concatenate(parts)
    res.append({"dtype": a.dtype.str, "shapes": [list(p.shape) for p in parts], "cols": m['cols'], "x_files": m['x_files'], "dtype_X": m['dtype_X'],
                "data": [x if x == x and abs(x) != float('inf') else str(x) for x in a.astype('f8').tolist()]})
print(json.dumps(res))`,
        [dir, dir2],
      ),
    );
    expect(out[0]).toMatchObject({ dtype: '<f8', shapes: [[5], [3], [7], [1]], cols: 0, x_files: [], dtype_X: null });
    expect(out[0].data).toEqual(
      Array.from(data).map((x) => (Number.isNaN(x) ? 'nan' : x === Infinity ? 'inf' : x === -Infinity ? '-inf' : x)),
    );
    expect(Object.is(out[0].data[9], -0)).toBe(true); // JSON keeps the sign of zero: numpy read -0.0
    expect(out[1]).toMatchObject({ dtype: '<i4', shapes: [[9], [7]], cols: 0, x_files: [], dtype_X: null, data: Array.from(ints()) });
  });

  it('a manifest-less directory of y-*.npy files opens as a y-only dataset', async () => {
    const dir = fresh('bare');
    mkdirSync(dir);
    const blocks = [[1.5, 2.5, -1], [4], [], [7, 8]];
    blocks.forEach((b, i) => writeNpySync(join(dir, yFileNames(4)[i]!), 'float64', [b.length], Float64Array.from(b)));
    const ds = await fromNpyDir(dir, { yOnly: true });
    expect(ds.X).toBeUndefined();
    expect(ds.manifest).toEqual({
      format: 'npy-chunks-v1',
      rows: 6,
      cols: 0,
      chunk_rows: 3,
      n_chunks: 4,
      chunk_sizes: [3, 1, 0, 2],
      dtype_X: null,
      dtype_y: 'float64',
      order: 'C',
      x_files: [],
      y_files: yFileNames(4),
    });
    const y = await readYOnly(dir);
    expect(y.shape).toEqual([6]);
    expect(Array.from((await y.compute({ scheduler: sync })).data)).toEqual(blocks.flat());
    // A manifest-less y chunk of another dtype is named.
    writeNpySync(join(dir, 'y-00003.npy'), 'int32', [2], Int32Array.from([7, 8]));
    await expect(fromNpyDir(dir, { yOnly: true })).rejects.toThrow(
      /y-00003\.npy \(block 3\): dtype is int32 \(<i4\) but y-chunk 0 is float64/,
    );
  });

  it('y chunks that disagree with a y-only manifest are errors naming the file and block', async () => {
    const make = async () => {
      const dir = fresh('bad');
      await toNpyDir(dir, { y: fromArray(ints(), { chunks: [[6, 6, 4]] }) }, { scheduler: sync });
      return dir;
    };
    const dir = await make();
    const m = manifestOf(dir);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...m, chunk_sizes: [6, 5, 5] }));
    await expect(fromNpyDir(dir)).rejects.toThrow(DatasetError);
    await expect(fromNpyDir(dir, { yOnly: true })).rejects.toThrow(
      /y-00001\.npy \(block 1\): has 6 rows but the manifest's chunk_sizes\[1\] is 5/,
    );
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...m, dtype_y: 'float64' }));
    await expect(fromNpyDir(dir, { yOnly: true })).rejects.toThrow(
      /y-00000\.npy \(block 0\): dtype is int32 \(<i4\) but the manifest says dtype_y float64/,
    );
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...m, cols: 2 }));
    await expect(fromNpyDir(dir, { yOnly: true })).rejects.toThrow(/manifest\.json: 'cols' must be 0 in a y-only dataset/);
    const dir2 = await make();
    writeNpySync(join(dir2, 'y-00002.npy'), 'int32', [2, 2], Int32Array.from([1, 2, 3, 4]));
    await expect(fromNpyDir(dir2, { yOnly: true })).rejects.toThrow(
      /y-00002\.npy \(block 2\): y chunks must be 1-D; this one has shape \(2, 2\)/,
    );
    const dir3 = await make();
    rmSync(join(dir3, 'y-00001.npy'));
    await expect(fromNpyDir(dir3, { yOnly: true })).rejects.toThrow(/y-00001\.npy \(block 1\): file not found/);
  });

  it('bad store input is refused before anything is written', async () => {
    const target = fresh('refused');
    const oneD = fromArray([1, 2, 3]);
    const twoD = fromArray(DenseArray.zeros([3, 2]));
    // @ts-expect-error: neither X nor y
    await expect(toNpyDir(target, {})).rejects.toThrow(/toNpyDir: nothing to write; pass \{ X \}, \{ X, y \} or \{ y \}/);
    await expect(toNpyDir(target, { y: twoD })).rejects.toThrow(/toNpyDir: y must be 1-D; got shape \[3, 2\]/);
    await expect(toNpyDir(target, { X: oneD })).rejects.toThrow(
      /X must be 2-D; got shape \[3\]\. A 1-D array \(predictions\) is written as y alone/,
    );
    await expect(oneD.toNpyDir(target, { y: oneD })).rejects.toThrow(
      /a 1-D array is written as y \(a y-only dataset\), so options\.y must not be given/,
    );
    expect(existsSync(target)).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('a failed y-only store leaves nothing behind; an existing one is kept unless overwrite', async () => {
    const y = fromArray(floats(), { chunks: [[4, 4, 8]] });
    const bad = mapBlocks({ module: kernels, export: 'fail' }, [y], { dtype: 'float64' });
    const target = fresh('fail');
    await expect(bad.toNpyDir(target, { scheduler: threads })).rejects.toThrow(TaskError);
    await expect(toNpyDir(target, { y: bad }, { scheduler: sync })).rejects.toThrow(TaskError);
    expect(existsSync(target)).toBe(false);
    expect(leftovers()).toEqual([]);
    await y.toNpyDir(target, { scheduler: sync });
    await expect(bad.toNpyDir(target, { scheduler: threads, overwrite: true })).rejects.toThrow(TaskError);
    sameBits((await (await readYOnly(target)).compute({ scheduler: sync })).data, floats());
    await expect(y.toNpyDir(target, { scheduler: sync })).rejects.toThrow(/already exists; pass \{ overwrite: true \}/);
    await y.mul(2).toNpyDir(target, { scheduler: sync, overwrite: true });
    sameBits(
      (await (await readYOnly(target)).compute({ scheduler: sync })).data,
      floats().map((v) => v * 2),
    );
    expect(leftovers()).toEqual([]);
  });
});
