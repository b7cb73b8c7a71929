/**
 * Read-ahead of dataset blocks (src/kernels/read_npy.ts): a block of a dataset names the files
 * after it; a thread whose first read of a block came from the disk reads the file it will most
 * likely read next into the page cache in the background. What a block is — its data, its
 * block-statistics key — does not depend on the hints.
 */
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { fromNpyDir, makeClassification, toNpyDir } from '@tessera/array';
import { partialCacheKey } from '../src/block_stats.js';
import { cameFromDisk, readAheadState, readNpySource, type NpyParams } from '../src/kernels/read_npy.js';
import type { ReaderContext } from '../src/kernels/stream.js';

const root = mkdtempSync(join(tmpdir(), 'tessera-read-ahead-'));
const saved = process.env['TESSERA_READ_AHEAD'];
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  if (saved === undefined) delete process.env['TESSERA_READ_AHEAD'];
  else process.env['TESSERA_READ_AHEAD'] = saved;
});

/** A dataset of `blocks` blocks of 40 000 rows × 4 (1.28 MB per X file: big enough to be timed). */
async function dataset(name: string, blocks: number): Promise<string> {
  const dir = join(root, name);
  const { X, y } = makeClassification({
    nSamples: 40_000 * blocks,
    nFeatures: 4,
    nInformative: 2,
    nRedundant: 0,
    randomState: 7,
    chunks: 40_000,
  });
  await toNpyDir(dir, { X, y });
  return dir;
}

function context(): ReaderContext & { closeAll(): void } {
  const fds = new Map<string, number>();
  return {
    fd: (path) => fds.get(path) ?? (fds.set(path, openSync(path, 'r')), fds.get(path)!),
    state: new Map(),
    closeAll: () => fds.forEach((fd) => closeSync(fd)),
  };
}

async function settled(): Promise<void> {
  for (let i = 0; i < 200 && readAheadState().inFlight; i++) await new Promise((r) => setTimeout(r, 5));
}

describe('read-ahead hints of dataset blocks', () => {
  it('a block names up to four files after it, in order; the last block and a lone file name none', async () => {
    const dir = await dataset('hints', 6);
    const { X } = await fromNpyDir(dir);
    const files = (i: number) => join(dir, `X-${String(i).padStart(5, '0')}.npy`);
    const arg = (i: number) => X.blockArg(i, 0) as { p: NpyParams };
    expect(arg(0).p.ahead).toEqual([1, 2, 3, 4].map(files));
    expect(arg(3).p.ahead).toEqual([4, 5].map(files));
    expect(arg(5).p.ahead).toBeUndefined();
    expect(arg(0).p.files.map((f) => f.path)).toEqual([files(0)]);
  });

  it("the hints are not part of a block's statistics key (keys recorded before them still match)", async () => {
    const dir = await dataset('keys', 3);
    const { X } = await fromNpyDir(dir);
    const arg = X.blockArg(0, 0) as { p: NpyParams };
    const { ahead: _, ...bare } = arg.p;
    const op = { kind: 'moments', axis: 0, nan: false } as const;
    expect(partialCacheKey(arg, op, 'wasm')).toEqual(partialCacheKey({ ...arg, p: bare }, op, 'wasm'));
  });
});

describe('the reader reads ahead', () => {
  it("with TESSERA_READ_AHEAD=on: after a block's first read, the file this thread reads next is read into the page cache; the block's values are the file's", async () => {
    process.env['TESSERA_READ_AHEAD'] = 'on';
    const dir = await dataset('on', 4);
    const { X } = await fromNpyDir(dir);
    const arg = X.blockArg(0, 0) as { p: NpyParams; r0: number; r1: number };
    const ctx = context();
    const out = new Float64Array(40_000 * 4);
    readNpySource(arg.p, 0, 40_000, 0, 4, out, 0, ctx);
    ctx.closeAll();
    const expected = arg.p.ahead![Math.min(arg.p.ahead!.length, availableParallelism()) - 1]!;
    expect(readAheadState().inFlight || readAheadState().recent.includes(expected)).toBe(true);
    await settled();
    expect(readAheadState().recent).toContain(expected);
    // The values read are the file's (its data after the header).
    const file = readFileSync(arg.p.files[0]!.path);
    const data = new Float64Array(file.buffer.slice(file.byteOffset + arg.p.files[0]!.dataOffset, file.byteOffset + file.length));
    expect(out).toEqual(data);
  });

  it('off: nothing is read ahead', async () => {
    process.env['TESSERA_READ_AHEAD'] = 'off';
    const dir = await dataset('off', 4);
    const { X } = await fromNpyDir(dir);
    const before = readAheadState().recent.length;
    for (const i of [0, 1]) {
      const arg = X.blockArg(i, 0) as { p: NpyParams };
      const ctx = context();
      readNpySource(arg.p, 40_000 * i, 40_000 * (i + 1), 0, 4, new Float64Array(160_000), 0, ctx);
      ctx.closeAll();
    }
    expect(readAheadState().inFlight).toBe(false);
    expect(readAheadState().recent.length).toBe(before);
  });

  it('auto: a first read slower than a page-cache copy (0.5 ms per MiB) counts as from the disk; reads under 256 KiB say nothing', () => {
    expect(cameFromDisk(2 ** 20, 0.15)).toBe(false); // a page-cache copy
    expect(cameFromDisk(2 ** 20, 2)).toBe(true); // ~0.5 GB/s: the disk
    expect(cameFromDisk(8 * 2 ** 20, 3.9)).toBe(false);
    expect(cameFromDisk(8 * 2 ** 20, 4.1)).toBe(true);
    expect(cameFromDisk(128 * 1024, 50)).toBe(false);
  });
});
