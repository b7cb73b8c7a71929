/**
 * The block-statistics cache (src/block_stats.ts): a second reduction over unchanged .npy blocks
 * takes their recorded partials instead of reading them, and gives the same bits; a changed file,
 * a corrupt entry or the cache turned off means the block is read.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { writeNpySync } from '@tessera/io';
import { computeAll, fromNpyDir, makeClassification, toNpyDir, type NDArray } from '@tessera/array';
import { SyncScheduler, ThreadScheduler, type Graph } from '@tessera/scheduler';

const root = mkdtempSync(join(tmpdir(), 'tessera-block-stats-'));
const cache = join(root, 'cache');
const saved = { dir: process.env['TESSERA_CACHE_DIR'], flag: process.env['TESSERA_BLOCK_STATS'] };
process.env['TESSERA_CACHE_DIR'] = cache;
const threads = new ThreadScheduler({ threads: 2 });
afterAll(async () => {
  await threads.close();
  rmSync(root, { recursive: true, force: true });
  if (saved.dir === undefined) delete process.env['TESSERA_CACHE_DIR'];
  else process.env['TESSERA_CACHE_DIR'] = saved.dir;
  if (saved.flag === undefined) delete process.env['TESSERA_BLOCK_STATS'];
  else process.env['TESSERA_BLOCK_STATS'] = saved.flag;
});
beforeEach(() => {
  delete process.env['TESSERA_BLOCK_STATS'];
  rmSync(cache, { recursive: true, force: true });
});

/** A small seeded generator (tests only need variety, not quality). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

let n = 0;
/** A dataset directory of random float64 chunks (sizes given), values with an offset and spread. */
function dataset(sizes: number[], cols: number, seed: number): string {
  const dir = join(root, `ds-${n++}`);
  mkdirSync(dir);
  const rnd = lcg(seed);
  sizes.forEach((rows, i) => {
    writeNpySync(
      join(dir, `X-${i}.npy`),
      'float64',
      [rows, cols],
      Float64Array.from({ length: rows * cols }, () => 1e3 + 7 * rnd()),
    );
    writeNpySync(
      join(dir, `y-${i}.npy`),
      'int32',
      [rows],
      Int32Array.from({ length: rows }, (_, r) => r % 2),
    );
  });
  return dir;
}

function entries(): number {
  let count = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.json')) count++;
    }
  };
  try {
    walk(join(cache, 'block-stats-v1'));
  } catch {
    return 0;
  }
  return count;
}

/** Kernels of the partial tasks of a reduction's graph. */
function partialKernels(a: NDArray): string[] {
  const out: string[] = [];
  for (const t of a.graph as Graph) if (t.key.startsWith('partial-')) out.push(String(t.kernel));
  return out;
}

const stats = (X: NDArray) => [X.mean(0), X.var(0), X.std(0, { ddof: 1 }), X.min(0), X.max(0)];
const bits = (arrays: { data: ArrayLike<number> }[]) => arrays.map((a) => Array.from(a.data));

describe('block-statistics cache', () => {
  it('a second reduction over unchanged blocks reads none of them and gives the same bits (random shapes and chunkings)', async () => {
    const rnd = lcg(7);
    for (let trial = 0; trial < 6; trial++) {
      const nChunks = 1 + Math.floor((rnd() + 1) * 4);
      const sizes = Array.from({ length: nChunks }, () => 1 + Math.floor((rnd() + 1) * 600));
      const cols = 1 + Math.floor((rnd() + 1) * 6);
      const dir = dataset(sizes, cols, trial + 1);
      const scheduler = trial % 2 ? threads : new SyncScheduler();
      process.env['TESSERA_BLOCK_STATS'] = 'off';
      const reference = bits(await computeAll(stats((await fromNpyDir(dir)).X), { scheduler }));
      expect(entries()).toBe(0);
      delete process.env['TESSERA_BLOCK_STATS'];

      const first = stats((await fromNpyDir(dir)).X);
      expect(first.flatMap(partialKernels).every((k) => k === 'array.reducePartial')).toBe(true);
      expect(bits(await computeAll(first, { scheduler }))).toEqual(reference);
      // One entry per block for moments, one for min, one for max.
      expect(entries()).toBe(3 * nChunks);

      const second = stats((await fromNpyDir(dir)).X);
      const kernels = second.flatMap(partialKernels);
      expect(kernels.length).toBeGreaterThan(0);
      expect(kernels.every((k) => k === 'array.identity')).toBe(true);
      expect(bits(await computeAll(second, { scheduler }))).toEqual(reference);
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it('a rewritten file misses (even with its old size and mtime) and is read again', async () => {
    const dir = dataset([300, 200, 100], 3, 11);
    const { X } = await fromNpyDir(dir);
    await computeAll([X.mean(0)]);
    const file = join(dir, 'X-1.npy');
    const { mtime, atime } = statSync(file);
    // The same shape (same size), other values, the old mtime put back: ctime still moves.
    writeNpySync(
      file,
      'float64',
      [200, 3],
      Float64Array.from({ length: 600 }, (_, k) => k),
    );
    utimesSync(file, atime, mtime);
    const again = (await fromNpyDir(dir)).X.mean(0);
    const kernels = partialKernels(again);
    expect(kernels.filter((k) => k === 'array.reducePartial')).toHaveLength(1);
    process.env['TESSERA_BLOCK_STATS'] = 'off';
    const truth = await computeAll([(await fromNpyDir(dir)).X.mean(0)]);
    delete process.env['TESSERA_BLOCK_STATS'];
    expect(Array.from((await computeAll([again]))[0]!.data)).toEqual(Array.from(truth[0]!.data));
  });

  it('a corrupt or foreign entry is a miss, never an error or a wrong answer', async () => {
    const dir = dataset([50, 60], 2, 12);
    const { X } = await fromNpyDir(dir);
    const [truth] = await computeAll([X.mean(0)]);
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
    const files = walk(join(cache, 'block-stats-v1'));
    expect(files.length).toBe(2);
    writeFileSync(files[0]!, '{"stamps": [], "partial": 3');
    writeFileSync(files[1]!, JSON.stringify({ stamps: 'no', partial: {} }));
    const again = (await fromNpyDir(dir)).X.mean(0);
    expect(partialKernels(again).every((k) => k === 'array.reducePartial')).toBe(true);
    expect(Array.from((await computeAll([again]))[0]!.data)).toEqual(Array.from(truth!.data));
  });

  it('is not used for expressions, NaN-skipping reductions, or when turned off', async () => {
    const dir = dataset([40, 40], 2, 13);
    const { X } = await fromNpyDir(dir);
    await computeAll([X.mul(2).mean(0), X.nanmean(0), X.sum(0)]);
    expect(entries()).toBe(0);
    process.env['TESSERA_BLOCK_STATS'] = '0';
    await computeAll([X.mean(0)]);
    expect(entries()).toBe(0);
  });
});

describe('block statistics in the manifests of datasets Tessera writes', () => {
  const reference = async (dir: string) => {
    process.env['TESSERA_BLOCK_STATS'] = 'off';
    try {
      return bits(await computeAll(stats((await fromNpyDir(dir)).X)));
    } finally {
      delete process.env['TESSERA_BLOCK_STATS'];
    }
  };

  it('toNpyDir records every X chunk; the first reduction after reads none of them, with the same bits (random shapes)', async () => {
    const rnd = lcg(21);
    for (let trial = 0; trial < 4; trial++) {
      const rows = 50 + Math.floor((rnd() + 1) * 900);
      const chunk = 10 + Math.floor((rnd() + 1) * 300);
      const cols = 1 + Math.floor((rnd() + 1) * 5);
      const { X, y } = makeClassification({
        nSamples: rows,
        nFeatures: cols,
        nInformative: 1,
        nRedundant: 0,
        nClustersPerClass: 1,
        chunks: chunk,
        randomState: trial,
      });
      const dir = join(root, `written-${trial}`);
      const m = await toNpyDir(dir, { X, y }, { scheduler: trial % 2 ? threads : new SyncScheduler() });
      expect(m.block_stats).toHaveLength(X.numBlocks[0]!);
      expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).block_stats).toHaveLength(X.numBlocks[0]!);
      const read = stats((await fromNpyDir(dir)).X);
      expect(read.flatMap(partialKernels).every((k) => k === 'array.identity')).toBe(true);
      expect(bits(await computeAll(read))).toEqual(await reference(dir));
      // Nothing went to the cache directory: the manifest had it all.
      expect(entries()).toBe(0);
    }
  });

  it('a chunk touched since it was written is read again; the others are not', async () => {
    const { X, y } = makeClassification({ nSamples: 600, nFeatures: 4, nInformative: 2, nRedundant: 0, chunks: 200, randomState: 5 });
    const dir = join(root, 'touched');
    await toNpyDir(dir, { X, y });
    const file = join(dir, 'X-00001.npy');
    const later = new Date(statSync(file).mtimeMs + 5000);
    utimesSync(file, later, later);
    const read = (await fromNpyDir(dir)).X.mean(0);
    expect(partialKernels(read).sort()).toEqual(['array.identity', 'array.identity', 'array.reducePartial']);
  });

  it('a rechunked read, a malformed block_stats, or statistics turned off: the blocks are read', async () => {
    const { X, y } = makeClassification({
      nSamples: 400,
      nFeatures: 2,
      nInformative: 1,
      nRedundant: 0,
      nClustersPerClass: 1,
      chunks: 100,
      randomState: 6,
    });
    const dir = join(root, 'variants');
    await toNpyDir(dir, { X, y });
    const ds = await fromNpyDir(dir);
    expect(partialKernels(ds.X.rechunk([[200, 200], [2]]).mean(0)).every((k) => k !== 'array.identity')).toBe(true);
    const truth = await reference(dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    manifest.block_stats[0].moments = 42;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const again = stats((await fromNpyDir(dir)).X);
    expect(again.flatMap(partialKernels).some((k) => k === 'array.identity')).toBe(false);
    expect(bits(await computeAll(again))).toEqual(truth);
    process.env['TESSERA_BLOCK_STATS'] = 'off';
    const plain = join(root, 'plain');
    const m = await toNpyDir(plain, { X, y });
    expect(m.block_stats).toBeUndefined();
    expect(JSON.parse(readFileSync(join(plain, 'manifest.json'), 'utf8')).block_stats).toBeUndefined();
  });
});
