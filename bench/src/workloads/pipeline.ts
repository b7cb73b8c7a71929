/**
 * Workload `pipeline`: the reference workload — StandardScaler statistics, the partialFit chain of
 * SGDClassifier(hinge), predict + write — on a dataset directory, Tessera (`tessera demo`) against
 * dask + scikit-learn (bench/python/pipeline.py), alternating, each in its own process so that
 * peak RSS is the process's own. With `--profile`, Tessera runs with and without the profilers
 * (the overhead figure of the diagnostics issue).
 *
 * Options: --data DIR (default: a generated dataset of --rows rows, cached in bench/.cache),
 * --rows N (default 2000000), --memory-limit SIZE (default: the demo's), --threads N,
 * --shuffle true|false (default true), --profile, --no-python.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchContext, BenchRecord, Workload } from '../harness.js';
import { benchRoot } from '../harness.js';

const CLI = join(benchRoot, '..', 'packages', 'cli', 'dist', 'bin.js');

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with code ${code}`))));
  });
}

/** Where the generated dataset of `rows` rows is cached. */
export function pipelineDatasetDir(tmpDir: string, rows: number): string {
  return join(tmpDir, `classification-${rows}x20`);
}

/** The dataset to run on: given, or generated once with `tessera generate`. */
export async function pipelineDataset(ctx: BenchContext, rows: number): Promise<string> {
  if (typeof ctx.options['data'] === 'string') return ctx.options['data'];
  const dir = pipelineDatasetDir(ctx.tmpDir, rows);
  if (!existsSync(join(dir, 'manifest.json'))) {
    ctx.log(`generating ${rows} rows into ${dir}`);
    await run(process.execPath, [
      CLI,
      'generate',
      '--rows',
      String(rows),
      '--cols',
      '20',
      '--chunk-rows',
      '500000',
      '--out',
      dir,
      '--seed',
      '0',
    ]);
  }
  return dir;
}

async function tessera(ctx: BenchContext, data: string, profile: boolean): Promise<BenchRecord> {
  const out = join(ctx.tmpDir, 'pipeline-pred-tessera');
  const json = join(ctx.tmpDir, 'pipeline-tessera.json');
  const args = [CLI, 'demo', '--data', data, '--out', out, '--workdir', join(ctx.tmpDir, 'pipeline-work'), '--json', json];
  if (!profile) args.push('--no-profile');
  if (ctx.options['shuffle'] === 'false' || ctx.options['shuffle'] === false) args.push('--no-shuffle');
  for (const o of ['memory-limit', 'threads'] as const) {
    if (typeof ctx.options[o] === 'string') args.push(`--${o}`, ctx.options[o] as string);
  }
  await run(process.execPath, args);
  const r = JSON.parse(await readFile(json, 'utf8')) as {
    rows: number;
    cols: number;
    threads: number;
    memoryLimit: number;
    seconds: Record<string, number>;
    peakRssMB: number;
    accuracy: number;
    coef: number[];
    intercept: number[];
  };
  await rm(out, { recursive: true, force: true });
  return {
    workload: 'pipeline',
    engine: 'tessera',
    variant: profile ? 'profiled' : undefined,
    params: { rows: r.rows, cols: r.cols, chunkRows: 500_000 },
    seconds: r.seconds,
    peakRssMB: r.peakRssMB,
    threads: r.threads,
    memoryLimit: r.memoryLimit,
    accuracy: r.accuracy,
    coef: r.coef,
    intercept: r.intercept,
  };
}

export const pipeline: Workload = {
  name: 'pipeline',
  description: 'scaler stats, partialFit chain, predict + write over a dataset directory: Tessera vs dask + scikit-learn',
  async run(ctx: BenchContext): Promise<BenchRecord[]> {
    const rows = Number(ctx.options['rows'] ?? 2_000_000);
    const data = await pipelineDataset(ctx, rows);
    const profiles = ctx.options['profile'] === true ? [false, true] : [false];
    const records: BenchRecord[] = [];
    for (let r = 0; r < ctx.runs; r++) {
      for (const profile of profiles) {
        const rec = await tessera(ctx, data, profile);
        if (rec.variant === undefined) delete rec.variant;
        ctx.log(
          `pipeline tessera${profile ? ' (profiled)' : ''}: ${JSON.stringify(rec.seconds)} peak ${(rec.peakRssMB ?? NaN).toFixed(0)} MB, accuracy ${(rec['accuracy'] as number).toFixed(4)}`,
        );
        records.push(rec);
      }
      if (ctx.options['no-python'] !== true) {
        const out = join(ctx.tmpDir, 'pipeline-pred-dask');
        const py = await ctx.runPython('pipeline.py', [
          '--data',
          data,
          '--out',
          out,
          '--shuffle',
          typeof ctx.options['shuffle'] === 'string' ? ctx.options['shuffle'] : 'true',
        ]);
        await rm(out, { recursive: true, force: true });
        if ('skipped' in py) ctx.log(`pipeline dask: skipped — ${py.skipped}`);
        else
          for (const rec of py) {
            ctx.log(
              `pipeline dask: ${JSON.stringify(rec.seconds)} peak ${rec.peakRssMB?.toFixed(0)} MB, accuracy ${(rec['accuracy'] as number).toFixed(4)}`,
            );
            records.push(rec);
          }
      }
    }
    return records;
  },
};
