/**
 * Workload `pipeline`: the reference workload — StandardScaler statistics, the partialFit chain of
 * SGDClassifier(hinge), predict + write — on a dataset directory, Tessera (`tessera demo`) against
 * dask + scikit-learn (bench/python/pipeline.py), alternating, each in its own process so that
 * peak RSS is the process's own. With `--profile`, Tessera runs with and without the profilers
 * (the overhead figure of the diagnostics issue).
 *
 * Two more engines run beside them in the same alternation: `tessera-api`, the same workload as a
 * user's program through the public API timed from process start (bench/src/programs/
 * reference_pipeline.ts: every block trained, start-up included), and `c-limit`, the plain C near-
 * limit (bench/c/limit.c, built with gcc -O3 -march=native -fopenmp; skipped, with the reason, when
 * gcc or OpenMP is missing). Both train on all blocks, as the C program does.
 *
 * Options: --data DIR (default: a generated dataset of --rows rows, cached in bench/.cache),
 * --rows N (default 2000000), --memory-limit SIZE (default: the demo's), --threads N,
 * --shuffle true|false (default true), --profile, --no-python, --no-c, --no-api.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchContext, BenchRecord, Workload } from '../harness.js';
import { benchRoot } from '../harness.js';

const CLI = join(benchRoot, '..', 'packages', 'cli', 'dist', 'bin.js');

const API_PROGRAM = join(benchRoot, 'dist', 'programs', 'reference_pipeline.js');
const LIMIT_SOURCE = join(benchRoot, 'c', 'limit.c');

/** Runs a program and resolves with its standard output (its stderr goes to ours). */
function output(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], env: env ?? process.env });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited with code ${code}`))));
  });
}

/** The C near-limit's binary, built once per source change; a string saying why when it cannot be. */
export async function limitBinary(ctx: BenchContext): Promise<string | { skipped: string }> {
  const bin = join(ctx.tmpDir, 'c-limit');
  if (existsSync(bin) && statSync(bin).mtimeMs >= statSync(LIMIT_SOURCE).mtimeMs) return bin;
  try {
    await output('gcc', ['-O3', '-march=native', '-fopenmp', '-o', bin, LIMIT_SOURCE, '-lm']);
    return bin;
  } catch (error) {
    return { skipped: `gcc -fopenmp could not build bench/c/limit.c (${(error as Error).message})` };
  }
}

/** The C limit on `data` (row blocks of 500000 × 20 float64, as the program assumes). */
async function cLimit(ctx: BenchContext, bin: string, data: string, threads: number | undefined): Promise<BenchRecord> {
  const out = join(ctx.tmpDir, 'pipeline-pred-c');
  await rm(out, { recursive: true, force: true });
  await mkdir(out);
  const manifest = JSON.parse(await readFile(join(data, 'manifest.json'), 'utf8')) as {
    n_chunks: number;
    chunk_rows: number;
    cols: number;
  };
  const env = threads === undefined ? process.env : { ...process.env, OMP_NUM_THREADS: String(threads) };
  try {
    const line = (await output(bin, [data, String(manifest.n_chunks), out], env)).trim().split('\n').pop()!;
    const r = JSON.parse(line) as {
      rows: number;
      seconds: Record<string, number>;
      peak_rss_mb: number;
      accuracy: number;
      intercept: number;
    };
    return {
      workload: 'pipeline',
      engine: 'c-limit',
      params: { rows: r.rows, cols: manifest.cols, chunkRows: manifest.chunk_rows },
      seconds: {
        scalerStats: r.seconds['scaler_stats']!,
        fit: r.seconds['fit']!,
        predictWrite: r.seconds['predict_write']!,
        total: r.seconds['total']!,
      },
      peakRssMB: r.peak_rss_mb,
      trainedOn: 'all blocks',
      intercept: [r.intercept],
    };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** The reference workload as a user's program (public API), timed from process start. */
async function tesseraApi(ctx: BenchContext, data: string): Promise<BenchRecord> {
  const out = join(ctx.tmpDir, 'pipeline-pred-api');
  await rm(out, { recursive: true, force: true });
  const args = [API_PROGRAM, data, out];
  if (!(ctx.options['shuffle'] === 'false' || ctx.options['shuffle'] === false)) args.push('--shuffle');
  try {
    const rec = JSON.parse((await output(process.execPath, args)).trim().split('\n').pop()!) as BenchRecord;
    return { ...rec, trainedOn: 'all blocks' };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

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
    const limit = ctx.options['no-c'] === true ? { skipped: '--no-c' } : await limitBinary(ctx);
    if (typeof limit !== 'string') ctx.log(`pipeline c-limit: skipped — ${limit.skipped}`);
    const threads = typeof ctx.options['threads'] === 'string' ? Number(ctx.options['threads']) : undefined;
    for (let r = 0; r < ctx.runs; r++) {
      if (ctx.options['no-api'] !== true) {
        const rec = await tesseraApi(ctx, data);
        ctx.log(`pipeline tessera-api: ${JSON.stringify(rec.seconds)} peak ${(rec.peakRssMB ?? NaN).toFixed(0)} MB`);
        records.push(rec);
      }
      if (typeof limit === 'string') {
        const rec = await cLimit(ctx, limit, data, threads);
        ctx.log(`pipeline c-limit: ${JSON.stringify(rec.seconds)} peak ${(rec.peakRssMB ?? NaN).toFixed(0)} MB`);
        records.push(rec);
      }
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
