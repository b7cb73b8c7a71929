/**
 * fromNpy and fromNpyDir over the types numpy writes (issue 15 §1): int64/uint64 labels and
 * features, uint32, int16/int8/uint16, float16, bool, big-endian — converted in the read kernel on
 * the workers, compared with numpy's values; an int64 beyond 2^53 fails the read naming the file,
 * row and column.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { computeAll, fromNpy, fromNpyDir } from '@tessera/array';
import { SyncScheduler, ThreadScheduler } from '@tessera/scheduler';
import { hasNumpy, python } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'tessera-npy-dtypes-'));
const threads = new ThreadScheduler({ threads: 2 });
const sync = new SyncScheduler();
afterAll(async () => {
  await threads.close();
  rmSync(root, { recursive: true, force: true });
});
const numpy = hasNumpy();
if (!numpy) console.log('skipping numpy dtype tests: /usr/bin/python3 with numpy is not available');

const spell = (a: ArrayLike<number>) =>
  Array.from(a).map((x) => (Number.isNaN(x) ? 'nan' : x === Infinity ? 'inf' : x === -Infinity ? '-inf' : x));

/**
 * Writes the arrays with numpy (one python process) and returns numpy's values of each as float64
 * (concatenated for a directory's chunks).
 */
function numpyWrite(script: string): Record<string, (number | string)[]> {
  return JSON.parse(
    python(`import numpy as np, json, math, os
out = {}
def save(path, a, key=None):
    np.save(path, a)
    v = np.load(path).astype('f8').ravel().tolist()
    k = key or path
    out[k] = out.get(k, []) + ["nan" if math.isnan(x) else ("inf" if x == math.inf else ("-inf" if x == -math.inf else x)) for x in v]
${script}
print(json.dumps(out))`),
  );
}

describe.skipIf(!numpy)('fromNpy over numpy dtypes', () => {
  const cases: [string, string, string, number[]][] = [
    ['int64 features', "np.arange(-30, 30, dtype='<i8').reshape(20, 3) * (2**47)", 'float64', [20, 3]],
    ['int64 labels', '(np.arange(25) % 3).astype(np.int64)', 'float64', [25]],
    ['uint64', "np.arange(25, dtype='<u8') * (2**48)", 'float64', [25]],
    ['uint32', "(np.arange(40, dtype='<u4') * 107374182).reshape(20, 2)", 'float64', [20, 2]],
    ['int16', "(np.arange(60, dtype='<i2') * 1000 - 30000).reshape(20, 3)", 'int32', [20, 3]],
    ['int8', "(np.arange(60) % 256 - 128).astype('i1').reshape(30, 2)", 'int32', [30, 2]],
    ['uint16', "(np.arange(20, dtype='<u2') * 3000)", 'int32', [20]],
    ['float16', "(np.linspace(-70000, 70000, 40).astype('<f2')).reshape(20, 2)", 'float32', [20, 2]],
    ['bool', '(np.arange(24) % 3 == 0).reshape(12, 2)', 'uint8', [12, 2]],
    ['big-endian float64', "np.linspace(-1, 1, 30, dtype='>f8').reshape(10, 3)", 'float64', [10, 3]],
    ['big-endian int64', "np.arange(-10, 10, dtype='>i8') * 12345678901", 'float64', [20]],
  ];
  const fileOf = (name: string) => join(root, `${name.replace(/\W+/g, '-')}.npy`);
  const expected = numpy
    ? numpyWrite(cases.map(([name, expr]) => `save(${JSON.stringify(fileOf(name))}, ${expr}, ${JSON.stringify(name)})`).join('\n'))
    : {};

  it.each(cases)('%s: read in the workers, in blocks and column slices, as numpy has it', async (name, _expr, dtype, shape) => {
    const A = await fromNpy(fileOf(name), { chunks: shape.length === 2 ? [7, -1] : 7 });
    expect(A.dtype).toBe(dtype);
    expect(A.shape).toEqual(shape);
    const end = shape[0]! - 2;
    const parts = shape.length === 2 ? [A, A.slice([3, end], [1, shape[1]!])] : [A, A.slice([3, end])];
    const [whole, slice] = await computeAll(parts, { scheduler: threads });
    expect(spell(whole!.data)).toEqual(expected[name]);
    const cols = shape[1] ?? 1;
    const want: (number | string)[] = [];
    for (let r = 3; r < end; r++) for (let c = shape.length === 2 ? 1 : 0; c < cols; c++) want.push(expected[name]![r * cols + c]!);
    expect(spell(slice!.data)).toEqual(want);
  });

  it('an int64 beyond 2^53 fails the read (in a worker) naming the file, row and column', async () => {
    const p = join(root, 'big.npy');
    numpyWrite(`a = np.zeros((30, 4), dtype=np.int64); a[23, 2] = 2**53 + 1; save(${JSON.stringify(p)}, a)`);
    const A = await fromNpy(p, { chunks: [10, -1] });
    await expect(A.compute({ scheduler: threads })).rejects.toThrow(
      /big\.npy: row 23, column 2: int64 value 9007199254740993 is beyond ±2\^53/,
    );
    // The blocks without it are fine: the check is per value read, where it is read.
    expect(Array.from((await A.slice([0, 20]).sum().compute({ scheduler: sync })).data)).toEqual([0]);
    await expect(A.slice([20, 30], [2, 3]).sum().compute({ scheduler: sync })).rejects.toThrow(/row 23, column 2/);
  });
});

describe.skipIf(!numpy)('fromNpyDir over numpy dtypes (X and y)', () => {
  it('int64 labels and int16 features, without a manifest, fitting reductions read them in the workers', async () => {
    const dir = join(root, 'ds-int');
    mkdirSync(dir);
    const expected = numpyWrite(`d = ${JSON.stringify(dir)}
rng = np.random.default_rng(0)
for i, n in enumerate([50, 50, 17]):
    save(os.path.join(d, 'X-%05d.npy' % i), rng.integers(-30000, 30000, size=(n, 4)).astype('<i2'), 'X')
    save(os.path.join(d, 'y-%05d.npy' % i), rng.integers(0, 3, size=n).astype(np.int64), 'y')`);
    const { X, y, manifest } = await fromNpyDir(dir);
    expect([X.dtype, y!.dtype]).toEqual(['int32', 'float64']);
    expect(manifest).toMatchObject({ rows: 117, cols: 4, chunk_sizes: [50, 50, 17], dtype_X: 'int32', dtype_y: 'float64' });
    const [x2, y2, colSums] = await computeAll([X, y!, X.sum(0)], { scheduler: threads });
    expect(Array.from(x2!.data)).toEqual(expected['X']);
    expect(Array.from(y2!.data)).toEqual(expected['y']);
    const sums = [0, 1, 2, 3].map((c) => expected['X']!.reduce<number>((a, v, k) => a + (k % 4 === c ? (v as number) : 0), 0));
    expect(Array.from(colSums!.data)).toEqual(sums);
  });

  it('float16 features, bool labels, big-endian chunks, with a manifest that names numpy dtypes', async () => {
    const dir = join(root, 'ds-mixed');
    mkdirSync(dir);
    const expected = numpyWrite(`d = ${JSON.stringify(dir)}
for i, n in enumerate([6, 6]):
    save(os.path.join(d, 'X-%05d.npy' % i), (np.arange(n * 2).reshape(n, 2) / 8 - 1).astype('>f2' if i else '<f2'), 'X')
    save(os.path.join(d, 'y-%05d.npy' % i), np.arange(n) % 2 == i, 'y')`);
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({
        format: 'npy-chunks-v1',
        rows: 12,
        cols: 2,
        chunk_rows: 6,
        n_chunks: 2,
        chunk_sizes: [6, 6],
        dtype_X: 'float16',
        dtype_y: 'bool',
        order: 'C',
        x_files: ['X-00000.npy', 'X-00001.npy'],
        y_files: ['y-00000.npy', 'y-00001.npy'],
      }),
    );
    const { X, y, manifest } = await fromNpyDir(dir);
    expect([X.dtype, y!.dtype, manifest.dtype_X, manifest.dtype_y]).toEqual(['float32', 'uint8', 'float32', 'uint8']);
    const [x2, y2] = await computeAll([X, y!], { scheduler: threads });
    expect(Array.from(x2!.data)).toEqual(expected['X']);
    expect(Array.from(y2!.data)).toEqual(expected['y']);
  });

  it('an int64 label beyond 2^53 in chunk 2 fails naming that file, its block and row', async () => {
    const dir = join(root, 'ds-big');
    mkdirSync(dir);
    numpyWrite(`d = ${JSON.stringify(dir)}
for i in range(3):
    save(os.path.join(d, 'X-%d.npy' % i), np.ones((5, 2)))
    y = np.zeros(5, dtype=np.int64)
    if i == 2: y[4] = -(2**62)
    save(os.path.join(d, 'y-%d.npy' % i), y)`);
    const { y } = await fromNpyDir(dir);
    await expect(y!.compute({ scheduler: threads })).rejects.toThrow(
      /y-2\.npy \(block 2\): row 4: int64 value -4611686018427387904 is beyond ±2\^53/,
    );
  });
});
