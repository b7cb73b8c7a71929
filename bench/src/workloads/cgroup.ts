/**
 * Workload `pipeline-cgroup`: the reference workload out-of-core for real — a dataset larger than
 * RAM allows to cache (default 100M rows × 20, 16.8 GB), the page cache dropped before each run,
 * every engine started inside a memory cgroup capped at `--memory` (default 1 GiB; cgroup v1: a
 * child of this process's memory cgroup with `memory.limit_in_bytes`). Engines, alternating:
 *
 * - `tessera-api (no block stats)`: the user's program (bench/src/programs/reference_pipeline.ts)
 *   with `TESSERA_BLOCK_STATS=off`: three passes over X (scaler statistics, fit, predict);
 * - `tessera-api`: the same program with block statistics on (the default): the scaler's pass is
 *   skipped when the dataset's manifest or the statistics cache knows every block (a dataset written
 *   by `tessera generate`, or any dataset after its first run), with identical coefficients;
 * - `c-limit` (when gcc -fopenmp builds bench/c/limit.c) and `dask` (bench/python/pipeline.py);
 * - `c-limit (fit + predict only)`: not a run of its own but the same C runs' fit and predict phases,
 *   the two passes Tessera makes when block statistics spare the scaler's: the disk-bound reference
 *   for `tessera-api`.
 *
 * Each record adds `cgroupPeakMB` (memory.max_usage_in_bytes: page cache included) and `wallSeconds`
 * (the process, start-up included). Skipped, with the reason, where cgroups cannot be made (not
 * root, no cgroup v1 memory controller) or the caches cannot be dropped.
 *
 * Options: --rows N (default 100000000), --memory SIZE (default 1GiB), --data DIR, --no-python,
 * --no-c.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseBytes } from '@tessera/scheduler';
import type { BenchContext, BenchRecord, Workload } from '../harness.js';
import { benchRoot, PYTHON } from '../harness.js';
import { limitBinary, pipelineDataset } from './pipeline.js';

const API_PROGRAM = join(benchRoot, 'dist', 'programs', 'reference_pipeline.js');
const V1_ROOT = '/sys/fs/cgroup/memory';

/** This process's memory cgroup directory (cgroup v1), or why there is none. */
function ownMemoryCgroup(): string | { skipped: string } {
  if (process.getuid?.() !== 0) return { skipped: 'not root: cannot create memory cgroups or drop the page cache' };
  if (!existsSync(join(V1_ROOT, 'memory.limit_in_bytes')))
    return { skipped: `no cgroup v1 memory controller at ${V1_ROOT} (cgroup v2 hosts: run under systemd-run -p MemoryMax=…)` };
  const line = readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .find((l) => l.split(':')[1]?.split(',').includes('memory'));
  const rel = line?.split(':')[2] ?? '/';
  return join(V1_ROOT, rel);
}

/** Drops the page cache (so every engine reads the data from disk). */
async function dropCaches(): Promise<void> {
  await run('sync', []);
  await writeFile('/proc/sys/vm/drop_caches', '3\n');
}

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], env: env ?? process.env });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited with code ${code}`))));
  });
}

/** Runs `cmd args` inside a fresh child cgroup capped at `limit` bytes; its output, wall time and cgroup peak. */
async function inCgroup(
  parent: string,
  limit: number,
  cmd: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<{ out: string; wall: number; peakMB: number }> {
  const cg = join(parent, `tessera-bench-${process.pid}`);
  if (existsSync(cg)) await rmdir(cg);
  await mkdir(cg);
  try {
    await writeFile(join(cg, 'memory.limit_in_bytes'), `${limit}\n`);
    const t0 = performance.now();
    // The shell joins the cgroup, then becomes the engine: everything it starts is inside.
    const out = await run('sh', ['-c', `echo $$ > '${cg}/cgroup.procs' && exec "$@"`, 'sh', cmd, ...args], env);
    const wall = (performance.now() - t0) / 1000;
    const peak = Number(await readFile(join(cg, 'memory.max_usage_in_bytes'), 'utf8'));
    return { out, wall, peakMB: peak / 2 ** 20 };
  } finally {
    await rmdir(cg).catch(() => {});
  }
}

const lastJson = (out: string) =>
  JSON.parse(
    out
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .pop()!,
  ) as BenchRecord & Record<string, unknown>;

export const pipelineCgroup: Workload = {
  name: 'pipeline-cgroup',
  description:
    'the reference workload on 100M rows, page cache dropped, inside a 1 GiB memory cgroup: Tessera (with and without block statistics), the C limit (and its fit and predict passes alone), dask',
  async run(ctx: BenchContext): Promise<BenchRecord[]> {
    const cg = ownMemoryCgroup();
    if (typeof cg !== 'string') {
      ctx.log(`pipeline-cgroup: skipped — ${cg.skipped}`);
      return [];
    }
    const rows = Number(ctx.options['rows'] ?? 100_000_000);
    const limit = parseBytes(typeof ctx.options['memory'] === 'string' ? ctx.options['memory'] : '1GiB');
    const data = await pipelineDataset(ctx, rows);
    const limitBin = ctx.options['no-c'] === true ? null : await limitBinary(ctx);
    const out = join(ctx.tmpDir, 'cgroup-pred');
    const records: BenchRecord[] = [];
    const params = { rows, cols: 20, chunkRows: 500_000, memoryCap: ctx.options['memory'] ?? '1GiB' };
    for (let r = 0; r < ctx.runs; r++) {
      for (const stats of [false, true]) {
        await rm(out, { recursive: true, force: true });
        await dropCaches();
        const env = { ...process.env, ...(stats ? {} : { TESSERA_BLOCK_STATS: 'off' }) };
        const res = await inCgroup(cg, limit, process.execPath, [API_PROGRAM, data, out, '--shuffle'], env);
        const rec = lastJson(res.out);
        const variant = stats ? undefined : 'no block stats';
        const record: BenchRecord = { ...rec, workload: 'pipeline-cgroup', params, wallSeconds: res.wall, cgroupPeakMB: res.peakMB };
        if (variant) record.variant = variant;
        else delete record.variant;
        ctx.log(
          `pipeline-cgroup tessera-api${variant ? ` (${variant})` : ''}: ${JSON.stringify(rec.seconds)} cgroup peak ${res.peakMB.toFixed(0)} MB`,
        );
        records.push(record);
      }
      if (typeof limitBin === 'string') {
        await rm(out, { recursive: true, force: true });
        await mkdir(out);
        await dropCaches();
        const res = await inCgroup(cg, limit, limitBin, [data, String(Math.ceil(rows / 500_000)), out]);
        const c = lastJson(res.out) as unknown as { seconds: Record<string, number>; peak_rss_mb: number };
        const fit = c.seconds['fit']!;
        const predictWrite = c.seconds['predict_write']!;
        const run: BenchRecord = {
          workload: 'pipeline-cgroup',
          engine: 'c-limit',
          params,
          seconds: { scalerStats: c.seconds['scaler_stats']!, fit, predictWrite, total: c.seconds['total']! },
          peakRssMB: c.peak_rss_mb,
          wallSeconds: res.wall,
          cgroupPeakMB: res.peakMB,
        };
        // The same run's two passes alone: not a process of its own (no wall time, no cgroup peak).
        records.push(run, {
          ...run,
          variant: 'fit + predict only',
          seconds: { fit, predictWrite, total: fit + predictWrite },
          wallSeconds: undefined,
          cgroupPeakMB: undefined,
          derivedFrom: 'the c-limit run above (its own phase timings)',
        });
        ctx.log(`pipeline-cgroup c-limit: ${JSON.stringify(c.seconds)} cgroup peak ${res.peakMB.toFixed(0)} MB`);
      }
      if (ctx.options['no-python'] !== true && existsSync(PYTHON)) {
        await rm(out, { recursive: true, force: true });
        await dropCaches();
        const script = join(benchRoot, 'python', 'pipeline.py');
        try {
          const res = await inCgroup(cg, limit, PYTHON, [script, '--data', data, '--out', out, '--shuffle', 'true']);
          const rec = lastJson(res.out);
          if ('skipped' in rec) ctx.log(`pipeline-cgroup dask: skipped — ${String(rec['skipped'])}`);
          else {
            records.push({ ...rec, workload: 'pipeline-cgroup', params, wallSeconds: res.wall, cgroupPeakMB: res.peakMB });
            ctx.log(`pipeline-cgroup dask: ${JSON.stringify(rec.seconds)} cgroup peak ${res.peakMB.toFixed(0)} MB`);
          }
        } catch (error) {
          ctx.log(`pipeline-cgroup dask: failed under the cap — ${(error as Error).message}`);
        }
      }
    }
    await rm(out, { recursive: true, force: true });
    return records;
  },
};
