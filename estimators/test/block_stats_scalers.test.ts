/**
 * The scalers fit from the block-statistics cache (packages/array/src/block_stats.ts): a second fit
 * on the same unchanged dataset reads no block and gives identical statistics.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeNpySync } from '@tessera/io';
import { fromNpyDir, type NDArray } from '@tessera/array';
import { MinMaxScaler, StandardScaler } from '@tessera/estimators';
import { ThreadScheduler, type Graph } from '@tessera/scheduler';

const root = mkdtempSync(join(tmpdir(), 'tessera-scaler-stats-'));
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

function dataset(sizes: number[], cols: number): string {
  const dir = join(root, 'ds');
  mkdirSync(dir);
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  sizes.forEach((rows, i) => {
    writeNpySync(
      join(dir, `X-${i}.npy`),
      'float64',
      [rows, cols],
      Float64Array.from({ length: rows * cols }, () => 1e3 + 7 * rnd()),
    );
  });
  return dir;
}

function entries(): number {
  const walk = (d: string): number =>
    readdirSync(d, { withFileTypes: true }).reduce(
      (n, e) => n + (e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.json') ? 1 : 0),
      0,
    );
  try {
    return walk(join(cache, 'block-stats-v1'));
  } catch {
    return 0;
  }
}

function partialKernels(a: NDArray): string[] {
  const out: string[] = [];
  for (const t of a.graph as Graph) if (t.key.startsWith('partial-')) out.push(String(t.kernel));
  return out;
}

describe('scalers and the block-statistics cache', () => {
  it('StandardScaler and MinMaxScaler fit from the recorded statistics with identical results', async () => {
    const dir = dataset([700, 500, 300, 20], 5);
    const fit = async () => {
      const { X } = await fromNpyDir(dir);
      const s = await new StandardScaler().fit(X, { scheduler: threads });
      const m = await new MinMaxScaler().fit(X, { scheduler: threads });
      return [s.mean_!.data, s.var_!.data, s.scale_!.data, m.dataMin_!.data, m.dataMax_!.data].map((a) => Array.from(a));
    };
    process.env['TESSERA_BLOCK_STATS'] = 'off';
    const reference = await fit();
    delete process.env['TESSERA_BLOCK_STATS'];
    expect(await fit()).toEqual(reference);
    expect(entries()).toBeGreaterThan(0);
    const { X } = await fromNpyDir(dir);
    expect(partialKernels(X.mean(0)).every((k) => k === 'array.identity')).toBe(true);
    expect(await fit()).toEqual(reference);
  });
});
