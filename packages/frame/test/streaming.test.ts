/**
 * Frames' arrays are source arrays: a consumer of a block (a reduction, a fused expression) reads
 * its rows where it runs, a tile at a time, so a parsed block is never materialised — the memory
 * of a read stays flat in the number of rows. Checked through the scheduler's accounting (no task
 * result is a block, the bytes held stay below one block), and the tile-by-tile reads against
 * whole-block reads: in order, backwards, jumping, over column slices, two streams at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ThreadScheduler, type RunInfo, type SchedulerCallbacks } from '@tessera/scheduler';
import { materialize, streamOf, type NDArray } from '@tessera/array';
import { readCsv, readParquet, type Frame } from '@tessera/frame';

// The readers' counters of the built modules: the ones `@tessera/frame` registers and runs.
const { csvBufferBytes, parquetChunkReads } = (await import(new URL('../dist/kernels.js', import.meta.url).href)) as {
  csvBufferBytes(): number;
  parquetChunkReads(): number;
};

let threads: ThreadScheduler;
let work: string;
let csvPath: string;
const ROWS = 60_000;
const COLS = ['a', 'b', 'c', 'd'];

/** Row i: a = i, b = i / 7 (six decimals), c = i % 13, d = -i; column e a category. */
function value(i: number, j: number): number {
  return j === 0 ? i : j === 1 ? Number((i / 7).toFixed(6)) : j === 2 ? i % 13 : -i;
}

beforeAll(() => {
  threads = new ThreadScheduler({ threads: 2 });
  work = mkdtempSync(join(tmpdir(), 'frame-stream-'));
  const lines = ['a,b,c,d,e'];
  for (let i = 0; i < ROWS; i++) lines.push(`${i},${(i / 7).toFixed(6)},${i % 13},${-i},${i % 3 ? 'x' : 'y'}`);
  csvPath = join(work, 'table.csv');
  writeFileSync(csvPath, lines.join('\n') + '\n');
});
afterAll(async () => {
  await threads.close();
  rmSync(work, { recursive: true, force: true });
});

/** The scheduler's accounting of a run: the largest task result and the peak of bytes held. */
function accounting(): { listener: SchedulerCallbacks; largest: () => number; peakHeld: () => number } {
  let largest = 0;
  let peak = 0;
  return {
    listener: {
      onTaskEnd: (e) => void (largest = Math.max(largest, e.bytes)),
      onRunEnd: (run: RunInfo) => void (peak = Math.max(peak, run.peakHeldBytes())),
    },
    largest: () => largest,
    peakHeld: () => peak,
  };
}

async function meanHoldsNoBlock(df: Frame): Promise<void> {
  const X = df.toArray(COLS);
  const blockBytes = Math.min(...df.blockRows!) * COLS.length * 8;
  expect(df.blockRows!.length).toBeGreaterThan(4);
  const acc = accounting();
  const m = await X.mean(0).compute({ scheduler: threads, memoryLimit: 2 * blockBytes, callbacks: [acc.listener] });
  const expected = COLS.map((_, j) => {
    let s = 0;
    for (let i = 0; i < ROWS; i++) s += value(i, j);
    return s / ROWS;
  });
  Array.from(m.data).forEach((v, j) => expect(v).toBeCloseTo(expected[j]!, 9));
  // Before frames' arrays were sources, each block was parsed into a block of its own, the first
  // ones sent to the main thread (held there until a worker reduced them).
  expect(acc.largest()).toBeLessThan(blockBytes / 10);
  expect(acc.peakHeld()).toBeLessThan(blockBytes / 10);
}

describe('a reduction over a frame reads its blocks tile by tile: no parsed block is held', () => {
  it('CSV (several blocks, under a memory limit of two blocks)', async () => {
    const df = await readCsv(csvPath, { blocksize: '300kB', scheduler: threads });
    await meanHoldsNoBlock(df);
  });

  it('Parquet (a row group per block)', async () => {
    const df = await readCsv(csvPath, { blocksize: '300kB', scheduler: threads });
    const dir = join(work, 'table.parquet');
    await df.toParquet(dir, { scheduler: threads });
    await meanHoldsNoBlock(await readParquet(dir));
  });
});

/** Every tile order a consumer could use, against the block read whole. */
function checkTiles(X: NDArray, block: number): void {
  const arg = X.blockArg(...(X.ndim === 2 ? [block, 0] : [block]));
  const whole = materialize(arg).data;
  const s = streamOf(arg);
  try {
    const cols = s.cols;
    const rows = s.rows;
    const rowsOf = (a: number, b: number) => Array.from(whole.subarray(a * cols, b * cols));
    const read = (a: number, b: number) => Array.from(s.read(a, b));
    // In order, in tiles of 1000 rows.
    for (let a = 0; a < rows; a += 1000) expect(read(a, Math.min(rows, a + 1000))).toEqual(rowsOf(a, Math.min(rows, a + 1000)));
    // Backwards, jumping ahead past several checkpoints, back to the start, single rows.
    const ranges: [number, number][] = [
      [rows - 500, rows],
      [3000, 3100],
      [10, 20],
      [rows - 1, rows],
      [0, 1],
      [5000, rows],
      [1, 2],
    ];
    for (const [a, b] of ranges) if (b <= rows && a < b) expect(read(a, b), `rows ${a}-${b}`).toEqual(rowsOf(a, b));
  } finally {
    s.close();
  }
}

describe('tile-by-tile reads equal whole-block reads', () => {
  it('CSV: any order of tiles, column slices, one column', async () => {
    const df = await readCsv(csvPath, { blocksize: '400kB', scheduler: 'sync' });
    const cat = await df.categorize(undefined, { scheduler: 'sync' });
    const X = cat.toArray();
    for (const b of [0, 1, df.blockRows!.length - 1]) {
      checkTiles(X, b);
      checkTiles(X.slice(null, [1, 4]), b);
      checkTiles(cat.col('b'), b);
    }
  });

  it('Parquet: any order of tiles, column slices, one column', async () => {
    const dir = join(work, 'tiles.parquet');
    await (await readCsv(csvPath, { blocksize: '400kB', scheduler: 'sync' })).toParquet(dir, { scheduler: 'sync' });
    const df = await (await readParquet(dir)).categorize(undefined, { scheduler: 'sync' });
    const X = df.toArray();
    for (const b of [0, 2]) {
      checkTiles(X, b);
      checkTiles(X.slice(null, [1, 4]), b);
      checkTiles(df.col('c'), b);
    }
  });

  it('Parquet: a stream reads each column chunk of its row group once, however small its tiles', async () => {
    const dir = join(work, 'one-group.parquet');
    await (await readCsv(csvPath, { blocksize: '10MB', scheduler: 'sync' })).toParquet(dir, { scheduler: 'sync' });
    const df = await readParquet(dir);
    expect(df.blockRows).toEqual([ROWS]);
    for (const X of [df.col('a'), df.toArray(['a', 'b'])]) {
      const s = streamOf(X.blockArg(...(X.ndim === 2 ? [0, 0] : [0])));
      const before = parquetChunkReads();
      for (let a = 0; a < ROWS; a += 1000) s.read(a, a + 1000);
      s.close();
      expect(parquetChunkReads() - before).toBe(X.ndim === 2 ? 2 : 1);
    }
  });

  it('two streams at once (columns of one file, and of two files), rechunked arrays', async () => {
    const other = join(work, 'other.csv');
    const lines = ['a,b,c,d,e'];
    for (let i = 0; i < ROWS; i++) lines.push(`${2 * i},0,0,0,z`);
    writeFileSync(other, lines.join('\n') + '\n');
    for (const scheduler of ['sync' as const, threads]) {
      const df = await readCsv(csvPath, { blocksize: '300kB', scheduler });
      const df2 = await readCsv(other, { blocksize: '250kB', scheduler });
      // Same file: a + d = 0; other file (other blocks): a2 - 2a = 0.
      const same = await df.col('a').add(df.col('d')).abs().sum().compute({ scheduler });
      expect(same.data[0]).toBe(0);
      const a2 = df2.col('a').rechunk(df.col('a').chunks);
      const across = await a2.sub(df.col('a').mul(2)).abs().sum().compute({ scheduler });
      expect(across.data[0]).toBe(0);
      // Small chunks cut every block: each task starts inside a block, at a checkpoint.
      const small = await df.toArray(['a', 'c']).rechunk([1234, 2]).compute({ scheduler });
      for (const i of [0, 1233, 1234, 40_000, ROWS - 1]) {
        expect(small.data[2 * i]).toBe(value(i, 0));
        expect(small.data[2 * i + 1]).toBe(value(i, 2));
      }
    }
    // The thread (here the main one, for 'sync') keeps at most two read buffers, each of the
    // largest block read on it (the whole file, read as one block above), however many it read.
    expect(csvBufferBytes()).toBeGreaterThan(0);
    expect(csvBufferBytes()).toBeLessThanOrEqual(2 * (statSync(csvPath).size * (1 + 1 / 64) + (1 << 16)));
  });

  it('a file rewritten between two reads (same length, same blocks) reads as it is now', async () => {
    const path = join(work, 'rewritten.csv');
    const make = (k: number) => `v\n${Array.from({ length: 5000 }, (_, i) => String((i * k) % 10)).join('\n')}\n`;
    const total = (k: number) => Array.from({ length: 5000 }, (_, i) => (i * k) % 10).reduce((a, b) => a + b, 0);
    let t = Date.now() / 1000;
    for (const scheduler of ['sync' as const, threads]) {
      // One block (its scan reads the same byte range), and several.
      for (const blocksize of ['1MB', '4kB'])
        for (const k of [2, 5, 2]) {
          writeFileSync(path, make(k));
          utimesSync(path, t, (t += 10)); // another modification time, whatever the clock's resolution
          const df = await readCsv(path, { blocksize, scheduler });
          expect((await df.col('v').sum().compute({ scheduler })).data[0], `k = ${k}, blocksize ${blocksize}`).toBe(total(k));
        }
    }
  });
});
