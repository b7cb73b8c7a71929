/**
 * Workload `reductions`: column mean and variance of X over an npy-chunks-v1 dataset directory
 * (docs/formats.md, "Dataset directories") — Tessera on 1 thread and on all threads, and dask.array on the same
 * files, alternating run by run. Without `--data`, a classification dataset (default 10M × 20
 * float64 in 500k-row blocks) is generated once into bench/.cache and reused. Tessera reads the
 * data: the datasets Tessera writes carry per-block statistics (and the moments of X would come
 * from them without a read), so the measured runs turn them off (`TESSERA_BLOCK_STATS=off`).
 *
 * Options: --data DIR | --rows N --cols C --chunk-rows R; --no-python.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { computeAll, fromNpyDir, makeClassification, toNpyDir } from '@tessera/array';
import { ThreadScheduler, type Scheduler } from '@tessera/scheduler';
import { median, peakRssMB, type BenchContext, type BenchRecord, type Workload } from '../harness.js';

async function ensureDataset(ctx: BenchContext): Promise<string> {
  if (typeof ctx.options['data'] === 'string') return ctx.options['data'];
  const rows = Number(ctx.options['rows'] ?? 10_000_000);
  const cols = Number(ctx.options['cols'] ?? 20);
  const chunkRows = Number(ctx.options['chunk-rows'] ?? 500_000);
  const dir = join(ctx.tmpDir, `classification-${rows}x${cols}-c${chunkRows}`);
  if (existsSync(join(dir, 'manifest.json'))) return dir;
  ctx.log(`reductions: generating ${rows} × ${cols} float64 into ${dir} …`);
  const t0 = performance.now();
  const { X, y } = makeClassification({
    nSamples: rows,
    nFeatures: cols,
    nInformative: Math.min(10, cols),
    nRedundant: Math.min(4, Math.max(0, cols - 10)),
    randomState: 0,
    chunks: chunkRows,
  });
  await toNpyDir(dir, { X, y }, { memoryLimit: '2GB' });
  ctx.log(`reductions: generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return dir;
}

async function measure(
  dir: string,
  scheduler: Scheduler,
  label: string,
): Promise<{ record: BenchRecord; mean: Float64Array; variance: Float64Array }> {
  const stats = process.env['TESSERA_BLOCK_STATS'];
  process.env['TESSERA_BLOCK_STATS'] = 'off'; // a reduction over the data, not a lookup of its statistics
  let X, mean, variance, seconds;
  try {
    const t0 = performance.now();
    ({ X } = await fromNpyDir(dir));
    if (!X) throw new Error(`dataset directory ${dir} has no X chunks (it is a y-only dataset, e.g. predictions)`);
    [mean, variance] = await computeAll([X.mean(0), X.var(0)], { scheduler, memoryLimit: '2GB' });
    seconds = (performance.now() - t0) / 1000;
  } finally {
    if (stats === undefined) delete process.env['TESSERA_BLOCK_STATS'];
    else process.env['TESSERA_BLOCK_STATS'] = stats;
  }
  return {
    record: {
      workload: 'reductions',
      engine: 'tessera',
      variant: label,
      params: { rows: X.shape[0], cols: X.shape[1], chunkRows: X.chunks[0]![0], dtype: X.dtype },
      seconds: { total: seconds },
      peakRssMB: peakRssMB(),
      threads: scheduler.workers,
      gbPerSecond: X.nbytes / 1e9 / seconds,
    },
    mean: mean!.data as Float64Array,
    variance: variance!.data as Float64Array,
  };
}

export const reductions: Workload = {
  name: 'reductions',
  description: 'column mean + variance of X over a dataset dir: Tessera 1 thread / all threads vs dask.array',
  async run(ctx: BenchContext): Promise<BenchRecord[]> {
    const dir = await ensureDataset(ctx);
    const one = new ThreadScheduler({ threads: 1 });
    const all = new ThreadScheduler();
    const records: BenchRecord[] = [];
    try {
      // Warm the pools, the JIT and the page cache.
      const ref = await measure(dir, all, 'warm-up');
      await measure(dir, one, 'warm-up');
      for (let r = 0; r < ctx.runs; r++) {
        for (const [s, label] of [
          [one, '1 thread'],
          [all, `${all.workers} threads`],
        ] as const) {
          const m = await measure(dir, s, label);
          for (let j = 0; j < m.mean.length; j++) {
            const dm = Math.abs(m.mean[j]! - ref.mean[j]!);
            const dv = Math.abs(m.variance[j]! - ref.variance[j]!) / Math.max(1e-300, ref.variance[j]!);
            if (dm > 1e-9 * (1 + Math.abs(ref.mean[j]!)) || dv > 1e-9)
              throw new Error(`reductions: results differ between runs in column ${j}`);
          }
          ctx.log(
            `reductions tessera ${label}: ${m.record.seconds['total']!.toFixed(3)} s (${(m.record['gbPerSecond'] as number).toFixed(2)} GB/s)`,
          );
          records.push(m.record);
        }
        if (ctx.options['no-python'] !== true) {
          const py = await ctx.runPython('reductions.py', [dir]);
          if ('skipped' in py) ctx.log(`reductions dask: skipped — ${py.skipped}`);
          else
            for (const rec of py) {
              const pm = rec['mean0'] as number;
              if (Math.abs(pm - ref.mean[0]!) > 1e-9 * (1 + Math.abs(pm)))
                throw new Error(`reductions: dask's mean of column 0 (${pm}) differs from Tessera's (${ref.mean[0]})`);
              ctx.log(`reductions dask threaded: ${rec.seconds['total']!.toFixed(3)} s`);
              records.push(rec);
            }
        }
      }
    } finally {
      await Promise.all([one.close(), all.close()]);
    }
    const t1 = median(records.filter((r) => r.variant === '1 thread').map((r) => r.seconds['total']!));
    const tn = median(records.filter((r) => r.engine === 'tessera' && r.variant !== '1 thread').map((r) => r.seconds['total']!));
    const td = median(records.filter((r) => r.engine === 'dask').map((r) => r.seconds['total']!));
    ctx.log(
      `reductions: speedup ${all.workers} threads vs 1: ${(t1 / tn).toFixed(2)}×` +
        (Number.isNaN(td) ? '' : `; Tessera (${all.workers} threads) / dask = ${(tn / td).toFixed(3)}`),
    );
    return records;
  },
};
