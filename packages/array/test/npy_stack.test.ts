/**
 * Directories written by dask's `da.to_npy_stack` (issue 15 §1): `0.npy, 1.npy, …` plus a pickled
 * `info`, read as one lazy array chunked as the files, in numeric order (0, 1, …, 10, 11, 12).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeNpySync } from '@tessera/io';
import { DatasetError, fromNpyStack } from '@tessera/array';
import { SyncScheduler, ThreadScheduler } from '@tessera/scheduler';
import { PYTHON, python } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'tessera-npy-stack-'));
const threads = new ThreadScheduler({ threads: 2 });
const sync = new SyncScheduler();
afterAll(async () => {
  await threads.close();
  rmSync(root, { recursive: true, force: true });
});
const dask = spawnSync(PYTHON, ['-c', 'import dask.array, numpy'], { stdio: 'ignore' }).status === 0;
if (!dask) console.log('skipping to_npy_stack tests: /usr/bin/python3 with dask.array is not available');

describe.skipIf(!dask)('fromNpyStack over directories dask writes', () => {
  // One python process writes every stack and reports numpy's values.
  const dirs = {
    int2d: join(root, 'int2d'),
    f1d: join(root, 'f1d'),
    axis1: join(root, 'axis1'),
    noinfo: join(root, 'noinfo'),
    bad: join(root, 'bad'),
    cube: join(root, 'cube'),
  };
  const expected: Record<string, number[]> = dask
    ? JSON.parse(
        python(`import dask.array as da, numpy as np, json
d = ${JSON.stringify(dirs)}
a = np.arange(26 * 3, dtype=np.int64).reshape(26, 3) * 3 - 40
da.to_npy_stack(d['int2d'], da.from_array(a, chunks=(2, 3)))
b = (np.arange(25, dtype='f4') / 3).astype('f4')
da.to_npy_stack(d['f1d'], da.from_array(b, chunks=2))
da.to_npy_stack(d['axis1'], da.from_array(np.ones((4, 6)), chunks=(4, 2)), axis=1)
da.to_npy_stack(d['noinfo'], da.from_array(a, chunks=(5, 3)))
da.to_npy_stack(d['bad'], da.from_array(a, chunks=(2, 3)))
da.to_npy_stack(d['cube'], da.from_array(np.zeros((4, 2, 2)), chunks=(2, 2, 2)))
print(json.dumps({"int2d": a.astype('f8').ravel().tolist(), "f1d": b.astype('f8').tolist()}))`),
      )
    : {};

  it('a 2-D int64 stack of 13 chunks: chunked as the files, in numeric order, values as numpy has them', async () => {
    const A = await fromNpyStack(dirs.int2d);
    expect(A.shape).toEqual([26, 3]);
    expect(A.dtype).toBe('float64');
    expect(A.chunks).toEqual([Array(13).fill(2), [3]]);
    expect(Array.from((await A.compute({ scheduler: threads })).data)).toEqual(expected['int2d']);
    // Rows 19..22 come from 9.npy, 10.npy and 11.npy: the string order (…, 1, 10, 11, 12, 2, …) would mix them.
    expect(Array.from((await A.slice([19, 23]).compute({ scheduler: sync })).data)).toEqual(expected['int2d']!.slice(19 * 3, 23 * 3));
  });

  it('a 1-D float32 stack with a short last chunk', async () => {
    const b = await fromNpyStack(dirs.f1d);
    expect([b.shape, b.dtype, b.chunks]).toEqual([[25], 'float32', [[...Array(12).fill(2), 1]]]);
    expect(Array.from((await b.compute({ scheduler: threads })).data)).toEqual(expected['f1d']);
  });

  it('reads the headers alone when info is missing', async () => {
    unlinkSync(join(dirs.noinfo, 'info'));
    const A = await fromNpyStack(dirs.noinfo);
    expect(A.chunks).toEqual([[5, 5, 5, 5, 5, 1], [3]]);
    expect(Array.from((await A.compute({ scheduler: sync })).data)).toEqual(expected['int2d']);
  });

  it('a stack along axis 1 is refused, naming info and the axis', async () => {
    await expect(fromNpyStack(dirs.axis1)).rejects.toThrow(DatasetError);
    await expect(fromNpyStack(dirs.axis1)).rejects.toThrow(
      /axis1\/info: the array is stacked along axis 1; Tessera reads stacks of row blocks \(axis 0\)/,
    );
  });

  it('files that disagree with info, a missing file, and 3-D stacks are errors naming the file', async () => {
    writeNpySync(join(dirs.bad, '7.npy'), 'int32', [3, 3], new Int32Array(9));
    await expect(fromNpyStack(dirs.bad)).rejects.toThrow(/7\.npy \(block 7\): dtype is int32 \(<i4\) but 0\.npy is float64 \(<i8\)/);
    // float64 reads like int64 (as float64), so only info can tell these apart.
    writeNpySync(join(dirs.bad, '7.npy'), 'float64', [3, 3], new Float64Array(9));
    await expect(fromNpyStack(dirs.bad)).rejects.toThrow(/7\.npy \(block 7\): has 3 rows but info's chunks\[0\]\[7\] is 2/);
    writeNpySync(join(dirs.bad, '7.npy'), 'float64', [2, 3], new Float64Array(6));
    await expect(fromNpyStack(dirs.bad)).rejects.toThrow(/7\.npy \(block 7\): dtype '<f8' but info says '<i8'/);
    unlinkSync(join(dirs.bad, '12.npy'));
    await expect(fromNpyStack(dirs.bad)).rejects.toThrow(/info: says 13 chunks along axis 0 but the directory has 12/);
    unlinkSync(join(dirs.bad, '5.npy'));
    await expect(fromNpyStack(dirs.bad)).rejects.toThrow(/stack chunks are missing between 4\.npy and 6\.npy/);
    await expect(fromNpyStack(dirs.cube)).rejects.toThrow(/0\.npy \(block 0\): arrays of shape \(2, 2, 2\) are not supported/);
  });
});

describe('fromNpyStack errors', () => {
  it('a directory without numbered .npy files, or a missing one, is a DatasetError', async () => {
    await expect(fromNpyStack(join(root, 'nope'))).rejects.toThrow(/nope: directory not found/);
    const dir = mkdtempSync(join(root, 'xy-'));
    writeNpySync(join(dir, 'X-00000.npy'), 'float64', [1, 1], Float64Array.of(1));
    await expect(fromNpyStack(dir)).rejects.toThrow(
      /no 0\.npy, 1\.npy… files: not a to_npy_stack directory\. It holds X-\*\.npy \/ y-\*\.npy chunks: read it with fromNpyDir\(dir\)/,
    );
  });
});
