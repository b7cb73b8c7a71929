/**
 * A dataset directory without a manifest (issue 14 §2): chunks in the order of the numbers in their
 * names (X-0 … X-11, not 0, 1, 10, 11, 2…), the derived manifest listing the files that are there,
 * ambiguous names refused, X and y paired by number, hidden temporaries never read.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeNpySync } from '@tessera/io';
import { DatasetError, computeAll, fromNpyDir } from '@tessera/array';
import { SyncScheduler, ThreadScheduler } from '@tessera/scheduler';

const root = mkdtempSync(join(tmpdir(), 'tessera-dataset-order-'));
const threads = new ThreadScheduler({ threads: 2 });
const sync = new SyncScheduler();
afterAll(async () => {
  await threads.close();
  rmSync(root, { recursive: true, force: true });
});
let n = 0;
const fresh = (name: string) => {
  const d = join(root, `${name}-${n++}`);
  mkdirSync(d);
  return d;
};

/** Chunk `i` has `i + 1` rows of 2 columns, every X value `100 i + row`, every y value `i`. */
function writeChunk(dir: string, xName: string | null, yName: string | null, i: number): void {
  const rows = i + 1;
  if (xName)
    writeNpySync(
      join(dir, xName),
      'float64',
      [rows, 2],
      Float64Array.from({ length: rows * 2 }, (_, k) => 100 * i + Math.floor(k / 2)),
    );
  if (yName)
    writeNpySync(
      join(dir, yName),
      'int32',
      [rows],
      Int32Array.from({ length: rows }, () => i),
    );
}
const expectedX = (chunks: number[]) => chunks.flatMap((i) => Array.from({ length: (i + 1) * 2 }, (_, k) => 100 * i + Math.floor(k / 2)));
const expectedY = (chunks: number[]) => chunks.flatMap((i) => Array.from({ length: i + 1 }, () => i));
const range = (k: number) => Array.from({ length: k }, (_, i) => i);

describe('fromNpyDir without a manifest', () => {
  it('reads X-0 … X-11 in numeric order, and the derived manifest lists the real file names', async () => {
    const dir = fresh('unpadded');
    for (const i of range(12)) writeChunk(dir, `X-${i}.npy`, `y-${i}.npy`, i);
    const { X, y, manifest } = await fromNpyDir(dir);
    expect(X.chunks[0]).toEqual(range(12).map((i) => i + 1));
    expect(manifest.x_files).toEqual(range(12).map((i) => `X-${i}.npy`));
    expect(manifest.y_files).toEqual(range(12).map((i) => `y-${i}.npy`));
    for (const f of [...manifest.x_files, ...manifest.y_files!]) expect(readdirSync(dir)).toContain(f);
    expect(manifest.chunk_sizes).toEqual(range(12).map((i) => i + 1));
    const [x2, y2] = await computeAll([X, y!], { scheduler: threads });
    expect(Array.from(x2!.data)).toEqual(expectedX(range(12)));
    expect(Array.from(y2!.data)).toEqual(expectedY(range(12)));
  });

  it('reads a y-only directory (predictions) y-0 … y-10 in numeric order, manifest naming its files', async () => {
    const dir = fresh('y-only');
    for (const i of range(11)) writeChunk(dir, null, `y-${i}.npy`, i);
    const { y, manifest } = await fromNpyDir(dir, { yOnly: true });
    expect(manifest.y_files).toEqual(range(11).map((i) => `y-${i}.npy`));
    expect(Array.from((await y.compute({ scheduler: sync })).data)).toEqual(expectedY(range(11)));
  });

  it('refuses names that mix widths (X-1 and X-01), naming the files', async () => {
    const dir = fresh('mixed');
    for (const i of range(3)) writeChunk(dir, `X-${i}.npy`, null, i);
    writeChunk(dir, 'X-01.npy', null, 1);
    await expect(fromNpyDir(dir)).rejects.toThrow(DatasetError);
    await expect(fromNpyDir(dir)).rejects.toThrow(/X chunk names mix number widths \(X-01\.npy and X-1\.npy: both are chunk 1\)/);
    const dir2 = fresh('mixed2');
    for (const i of range(11)) writeChunk(dir2, i < 10 ? `X-0${i}.npy` : `X-${i}.npy`, null, i);
    writeChunk(dir2, 'X-011.npy', null, 11);
    await expect(fromNpyDir(dir2)).rejects.toThrow(/X-00\.npy pads chunk numbers to 2 digits but X-011\.npy has 3/);
  });

  it('pairs X and y by number: X-00001 with y-00002 is an error naming both files', async () => {
    const dir = fresh('pairs');
    writeChunk(dir, 'X-00000.npy', 'y-00000.npy', 0);
    writeChunk(dir, 'X-00001.npy', null, 1);
    writeChunk(dir, null, 'y-00002.npy', 1);
    await expect(fromNpyDir(dir)).rejects.toThrow(DatasetError);
    await expect(fromNpyDir(dir)).rejects.toThrow(/X-00001\.npy has no y chunk numbered 1, and y-00002\.npy has no X chunk numbered 2/);
  });

  it('a gap in the numbers is a missing chunk: an error naming the files around it', async () => {
    const dir = fresh('gap');
    for (const i of [0, 1, 3]) writeChunk(dir, `X-${i}.npy`, `y-${i}.npy`, i);
    await expect(fromNpyDir(dir)).rejects.toThrow(/X chunks are missing between X-1\.npy and X-3\.npy/);
  });

  it("never reads hidden files: an interrupted store's temporaries beside the chunks", async () => {
    const dir = fresh('hidden');
    for (const i of range(2)) writeChunk(dir, `X-0000${i}.npy`, `y-0000${i}.npy`, i);
    writeFileSync(join(dir, '.X-00000.npy.tmp-123-ab'), 'half-written garbage');
    writeChunk(dir, '.X-00002.npy', '.y-00002.npy', 2); // valid .npy files, but hidden
    mkdirSync(join(dir, '.X.tmp-999-cd'));
    const { X, y, manifest } = await fromNpyDir(dir);
    expect(manifest.x_files).toEqual(['X-00000.npy', 'X-00001.npy']);
    const [x2, y2] = await computeAll([X, y!], { scheduler: sync });
    expect(Array.from(x2!.data)).toEqual(expectedX([0, 1]));
    expect(Array.from(y2!.data)).toEqual(expectedY([0, 1]));
  });

  it('a manifest that lists a hidden file is refused', async () => {
    const dir = fresh('hidden-manifest');
    writeChunk(dir, '.X-00000.npy', null, 0);
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({
        format: 'npy-chunks-v1',
        rows: 1,
        cols: 2,
        chunk_rows: 1,
        n_chunks: 1,
        chunk_sizes: [1],
        dtype_X: 'float64',
        order: 'C',
        x_files: ['.X-00000.npy'],
      }),
    );
    await expect(fromNpyDir(dir)).rejects.toThrow(/'x_files' entry "\.X-00000\.npy" is a hidden \(dot-prefixed\) name/);
  });

  it('a dask to_npy_stack directory is pointed to fromNpyStack', async () => {
    const dir = fresh('stack');
    writeNpySync(join(dir, '0.npy'), 'float64', [1], Float64Array.of(1));
    await expect(fromNpyDir(dir)).rejects.toThrow(/looks like a dask to_npy_stack directory .*fromNpyStack\(dir\)/);
  });
});
