/**
 * Workload `pipeline-tables`: the reference workload end to end from a table (issue 21 §3) — a
 * labelled 10M-row table (20 float feature columns with six decimals, a categorical string column
 * `city` between them, an integer label `y` that a noisy linear rule of the features decides),
 * written once by DuckDB as CSV and as snappy Parquet into bench/.cache, and once by Tessera as a
 * .npy dataset (readParquet → toArray → toNpyDir, the Parquet's row groups as its blocks).
 *
 * Engines, each run in a process of its own (its own peak RSS), alternating run by run:
 * - `tessera (csv|parquet|npy)`: bench/src/programs/table_pipeline.ts, a user's program timed from
 *   process start — readCsv / readParquet / fromNpyDir → StandardScaler → Incremental(SGDClassifier
 *   hinge, randomState 2, no shuffling) → predict(...).toNpyDir;
 * - `dask (csv)`: bench/python/dask_pipeline_csv.py — dd.read_csv → to_dask_array(lengths=True) →
 *   dask.array scaler statistics → partial_fit block by block → predictions saved per block;
 *   `dask (parquet)` likewise with dd.read_parquet, reported as skipped where neither pyarrow nor
 *   fastparquet is installed.
 * Every engine's coefficients are compared with Tessera-from-npy's (the same rows in the same
 * order): Tessera's readers must agree to 1e-9 relative; dask's deviation (its CSV parser is not
 * always correctly rounded, and its blocks are its own) is recorded and logged.
 *
 * Options: --rows N (default 10000000), --no-python, --no-npy.
 */
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, renameSync, statSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import type { BenchContext, BenchRecord, Workload } from '../harness.js';
import { benchRoot, median } from '../harness.js';

const PROGRAM = join(benchRoot, 'dist', 'programs', 'table_pipeline.js');
const FEATURES = Array.from({ length: 20 }, (_, j) => `x${j}`);

/** The labelled table's files (generated once with DuckDB, cached). */
export async function ensureLabelledTable(ctx: BenchContext, rows: number): Promise<{ csv: string; parquet: string }> {
  const csv = join(ctx.tmpDir, `labelled-${rows}x22.csv`);
  const parquet = join(ctx.tmpDir, `labelled-${rows}x22.parquet`);
  if (existsSync(csv) && existsSync(parquet)) return { csv, parquet };
  ctx.log(`pipeline-tables: generating a labelled ${rows} × 22 table with DuckDB into ${ctx.tmpDir} …`);
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  // y = [w·x + 20 + noise > 0]: weights ±0.2…±1, noise uniform in ±200 (w·x has sd ≈ 170), so a
  // linear model can reach ~80% and no more — its accuracy says whether it learned.
  const w = FEATURES.map((_, j) => (((j % 5) + 1) / 5) * (j % 2 ? -1 : 1));
  const score = FEATURES.map((x, j) => `${w[j]} * ${x}`).join(' + ');
  const inner = [
    ...FEATURES.map((x) => `round(random() * 200 - 100, 6) AS ${x}`),
    "['Lisbon', 'Oslo', 'São Paulo', 'Zurich', 'Nairobi'][(i % 5)::INTEGER + 1] AS city",
    '(random() * 2 - 1) * 200 AS noise',
  ];
  const outer = [...FEATURES.slice(0, 10), 'city', ...FEATURES.slice(10), `(${score} + 20 + noise > 0)::INTEGER AS y`];
  await c.run('SELECT setseed(0.25)');
  await c.run(`CREATE TABLE t AS SELECT ${outer.join(', ')} FROM (SELECT ${inner.join(', ')} FROM range(${rows}) r(i))`);
  // Written beside and renamed, so an interrupted generation is never taken for the table.
  await c.run(`COPY t TO '${csv}.tmp' (HEADER, FORMAT csv)`);
  await c.run(`COPY t TO '${parquet}.tmp' (FORMAT parquet, COMPRESSION snappy)`);
  renameSync(`${csv}.tmp`, csv);
  renameSync(`${parquet}.tmp`, parquet);
  ctx.log(`pipeline-tables: ${(statSync(csv).size / 1e9).toFixed(2)} GB CSV, ${(statSync(parquet).size / 1e9).toFixed(2)} GB Parquet`);
  return { csv, parquet };
}

/** The table as a .npy dataset (X float64, y), converted once by Tessera from the Parquet. */
async function ensureNpy(ctx: BenchContext, rows: number, parquet: string): Promise<string> {
  const dir = join(ctx.tmpDir, `labelled-${rows}x20-npy`);
  if (existsSync(join(dir, 'manifest.json'))) return dir;
  ctx.log(`pipeline-tables: converting ${parquet} to ${dir} with Tessera …`);
  const { ThreadScheduler } = await import('@tessera/scheduler');
  const { readParquet } = await import('@tessera/frame');
  const scheduler = new ThreadScheduler();
  try {
    const df = await readParquet(parquet);
    // toNpyDir writes into a temporary sibling and renames it into place.
    await df.toArray(FEATURES, { dtype: 'float64' }).toNpyDir(dir, { y: df.col('y'), scheduler });
  } finally {
    await scheduler.close();
  }
  return dir;
}

/** Runs one Tessera engine in a process of its own; resolves with its record. */
function tessera(ctx: BenchContext, format: 'csv' | 'parquet' | 'npy', input: string): Promise<BenchRecord> {
  const out = join(ctx.tmpDir, `pipeline-tables-pred-${format}`);
  return new Promise<BenchRecord>((resolve, reject) => {
    const child = spawn(process.execPath, [PROGRAM, format, input, out], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`table_pipeline.js ${format} ${input} exited with code ${code}`));
      resolve(JSON.parse(text.trim().split('\n').pop()!) as BenchRecord);
    });
  }).finally(() => rm(out, { recursive: true, force: true }));
}

/** Largest coefficient difference relative to the largest reference coefficient (intercept included). */
function coefDeviation(r: BenchRecord, ref: BenchRecord): number {
  const a = [...(r['coef'] as number[]), ...(r['intercept'] as number[])];
  const b = [...(ref['coef'] as number[]), ...(ref['intercept'] as number[])];
  const scale = Math.max(...b.map(Math.abs));
  return Math.max(...a.map((v, j) => Math.abs(v - b[j]!))) / scale;
}

const label = (r: BenchRecord) => `${r.engine} (${r.variant})`;

export const pipelineTables: Workload = {
  name: 'pipeline-tables',
  description: 'reference pipeline from a labelled 10M × 22 CSV / Parquet: Tessera vs dask + scikit-learn, vs Tessera from .npy',
  async run(ctx: BenchContext): Promise<BenchRecord[]> {
    const rows = Number(ctx.options['rows'] ?? 10_000_000);
    if (!Number.isInteger(rows) || rows < 1)
      throw new RangeError(`pipeline-tables: --rows must be a positive integer; got '${ctx.options['rows']}'`);
    const files = await ensureLabelledTable(ctx, rows);
    const npy = ctx.options['no-npy'] === true ? undefined : await ensureNpy(ctx, rows, files.parquet);
    const python = ctx.options['no-python'] !== true;
    const records: BenchRecord[] = [];
    let reference: BenchRecord | undefined;
    const skipped = new Set<string>();
    const keep = (r: BenchRecord) => {
      if (r.engine === 'tessera' && r.variant === 'npy') reference ??= r;
      if (reference !== undefined) {
        const dev = coefDeviation(r, reference);
        r['coefDeviation'] = dev;
        if (r.engine === 'tessera' && dev > 1e-9)
          throw new Error(
            `pipeline-tables: ${label(r)}'s coefficients differ from Tessera-from-npy's by ${dev.toExponential(2)} (relative)`,
          );
      }
      ctx.log(
        `pipeline-tables ${label(r)}: ${JSON.stringify(Object.fromEntries(Object.entries(r.seconds).map(([k, v]) => [k, Number(v.toFixed(3))])))} ` +
          `peak ${r.peakRssMB?.toFixed(0)} MB, ${r['blocks']} blocks, accuracy ${(r['accuracy'] as number).toFixed(4)}` +
          (r['coefDeviation'] === undefined ? '' : `, coef vs npy ${(r['coefDeviation'] as number).toExponential(2)}`),
      );
      records.push(r);
    };
    const dask = async (format: 'csv' | 'parquet') => {
      if (!python || skipped.has(format)) return;
      const out = join(ctx.tmpDir, `pipeline-tables-pred-dask-${format}`);
      try {
        const py = await ctx.runPython('dask_pipeline_csv.py', [files[format], out, '--format', format]);
        if ('skipped' in py) {
          skipped.add(format);
          ctx.log(`pipeline-tables dask (${format}): skipped — ${py.skipped}`);
        } else py.forEach(keep);
      } finally {
        await rm(out, { recursive: true, force: true });
      }
    };
    // Every input read once before the first measured run, so that all runs find it in the page
    // cache (each engine starts a fresh process: there is no JIT or module cache to warm).
    for (const f of [files.csv, files.parquet, ...(npy === undefined ? [] : (await readdir(npy)).map((n) => join(npy, n)))])
      await pipeline(createReadStream(f, { highWaterMark: 1 << 22 }), new Writable({ write: (_c, _e, done) => done() }));
    for (let run = 0; run < ctx.runs; run++) {
      if (npy !== undefined) keep(await tessera(ctx, 'npy', npy));
      keep(await tessera(ctx, 'csv', files.csv));
      await dask('csv');
      keep(await tessera(ctx, 'parquet', files.parquet));
      await dask('parquet');
    }
    const med = (engine: string, variant: string) =>
      median(records.filter((r) => r.engine === engine && r.variant === variant).map((r) => r.seconds['total']!));
    const [tc, tp, tn, dc, dp] = [
      med('tessera', 'csv'),
      med('tessera', 'parquet'),
      med('tessera', 'npy'),
      med('dask', 'csv'),
      med('dask', 'parquet'),
    ];
    const s = (x: number) => `${x.toFixed(2)} s`;
    ctx.log(
      `pipeline-tables ${rows} rows, medians of ${ctx.runs}: ` +
        `CSV Tessera ${s(tc)}` +
        (Number.isNaN(dc) ? ', dask not run' : `, dask ${s(dc)} (dask / Tessera ${(dc / tc).toFixed(2)}×)`) +
        `; Parquet Tessera ${s(tp)}` +
        (Number.isNaN(dp) ? '' : `, dask ${s(dp)} (dask / Tessera ${(dp / tp).toFixed(2)}×)`) +
        (Number.isNaN(tn) ? '' : `; Tessera from npy ${s(tn)}: CSV ${(tc / tn).toFixed(2)}×, Parquet ${(tp / tn).toFixed(2)}× its time`),
    );
    return records;
  },
};
