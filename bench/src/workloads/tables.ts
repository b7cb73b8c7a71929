/**
 * Shared by the `csv` and `parquet` workloads: the 10M × 20 table (16 float columns with six
 * decimals, 2 integer columns, 2 categorical string columns), written once by DuckDB as CSV and
 * as snappy Parquet into bench/.cache; and the runs, each engine in its own process so that peak
 * RSS is its own: Tessera (`readCsv` / `readParquet` → `toArray(numeric columns).mean(0)`), DuckDB
 * (`SELECT avg(…) FROM read_csv / read_parquet`, 2 threads) and dask.dataframe (bench/python/dask_csv.py,
 * dask_parquet.py).
 * All compute the same 18 column means, checked against each other.
 */
import { spawn } from 'node:child_process';
import { existsSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, type BenchContext, type BenchRecord } from '../harness.js';

/** The numeric columns whose means every engine computes. */
export const NUMERIC = [...Array.from({ length: 16 }, (_, j) => `x${j}`), 'n0', 'n1'];

/** The table's files (generated once with DuckDB, cached). */
export async function ensureTable(ctx: BenchContext, rows: number): Promise<{ csv: string; parquet: string }> {
  const csv = join(ctx.tmpDir, `table-${rows}x20.csv`);
  const parquet = join(ctx.tmpDir, `table-${rows}x20.parquet`);
  if (existsSync(csv) && existsSync(parquet)) return { csv, parquet };
  ctx.log(`tables: generating ${rows} × 20 with DuckDB into ${ctx.tmpDir} …`);
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const cols = [
    ...Array.from({ length: 16 }, (_, j) => `round(random() * 200 - 100, 6) AS x${j}`),
    '(random() * 1000)::INTEGER AS n0',
    '(i % 7)::INTEGER AS n1',
    "['red', 'green', 'blue', 'yellow', 'black'][(i % 5)::INTEGER + 1] AS color",
    "'city_' || ((i * 7919) % 100)::VARCHAR AS city",
  ];
  await c.run('SELECT setseed(0.5)');
  await c.run(`CREATE TABLE t AS SELECT ${cols.join(', ')} FROM range(${rows}) r(i)`);
  // Written beside and renamed, so an interrupted generation is never taken for the table.
  await c.run(`COPY t TO '${csv}.tmp' (HEADER, FORMAT csv)`);
  await c.run(`COPY t TO '${parquet}.tmp' (FORMAT parquet, COMPRESSION snappy)`);
  renameSync(`${csv}.tmp`, csv);
  renameSync(`${parquet}.tmp`, parquet);
  ctx.log(`tables: ${(statSync(csv).size / 1e9).toFixed(2)} GB CSV, ${(statSync(parquet).size / 1e9).toFixed(2)} GB Parquet`);
  return { csv, parquet };
}

const CHILD = fileURLToPath(new URL('./tables-child.js', import.meta.url));

/** Runs one engine on one file in a process of its own; resolves with its record. */
export function runChild(engine: 'tessera' | 'duckdb', format: 'csv' | 'parquet', file: string, args: string[] = []): Promise<BenchRecord> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, engine, format, file, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${engine} on ${file} exited with code ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as BenchRecord);
    });
  });
}

/** Runs the engines alternately, checks their means agree, logs the ratios. */
export async function runTables(ctx: BenchContext, format: 'csv' | 'parquet'): Promise<BenchRecord[]> {
  const rows = Number(ctx.options['rows'] ?? 10_000_000);
  const files = await ensureTable(ctx, rows);
  const file = files[format];
  const extra = [
    ...(typeof ctx.options['blocksize'] === 'string' ? ['--blocksize', ctx.options['blocksize']] : []),
    ...(typeof ctx.options['memory-limit'] === 'string' ? ['--memory-limit', ctx.options['memory-limit']] : []),
  ];
  const records: BenchRecord[] = [];
  let reference: number[] | undefined;
  const check = (r: BenchRecord) => {
    const means = r['means'] as number[];
    reference ??= means;
    means.forEach((m, j) => {
      if (Math.abs(m - reference![j]!) > 1e-9 * (1 + Math.abs(m)))
        throw new Error(`${format}: ${r.engine}'s mean of ${NUMERIC[j]} (${m}) differs from ${reference![j]}`);
    });
  };
  // Warm the page cache (and the JIT of nothing: each run is a fresh process).
  await runChild('duckdb', format, file);
  for (let run = 0; run < ctx.runs; run++) {
    const t = await runChild('tessera', format, file, extra);
    check(t);
    ctx.log(
      `${format} tessera: ${JSON.stringify(t.seconds)} cpu ${(t['cpuSeconds'] as number).toFixed(2)} s, peak ${t.peakRssMB?.toFixed(0)} MB, ${((t['rowsPerSecond'] as number) / 1e6).toFixed(2)}M rows/s`,
    );
    records.push(t);
    if (ctx.options['no-duckdb'] !== true) {
      const d = await runChild('duckdb', format, file);
      check(d);
      ctx.log(
        `${format} duckdb: ${JSON.stringify(d.seconds)} cpu ${(d['cpuSeconds'] as number).toFixed(2)} s, peak ${d.peakRssMB?.toFixed(0)} MB`,
      );
      records.push(d);
    }
    if (ctx.options['no-python'] !== true) {
      // dask_csv.py, not csv.py: a csv.py beside the other scripts would shadow Python's csv module.
      const py = await ctx.runPython(`dask_${format}.py`, [file]);
      if ('skipped' in py) ctx.log(`${format} dask: skipped — ${py.skipped}`);
      else
        for (const r of py) {
          check(r);
          ctx.log(`${format} dask: ${JSON.stringify(r.seconds)} peak ${r.peakRssMB?.toFixed(0)} MB`);
          records.push(r);
        }
    }
  }
  const med = (engine: string) => median(records.filter((r) => r.engine === engine).map((r) => r.seconds['total']!));
  const [t, d, k] = [med('tessera'), med('duckdb'), med('dask')];
  ctx.log(
    `${format}: rows/s Tessera ${(rows / t / 1e6).toFixed(2)}M` +
      (Number.isNaN(d) ? '' : `, DuckDB ${(rows / d / 1e6).toFixed(2)}M (Tessera time / DuckDB ${(t / d).toFixed(2)}×)`) +
      (Number.isNaN(k) ? '' : `, dask ${(rows / k / 1e6).toFixed(2)}M (dask time / Tessera ${(k / t).toFixed(2)}×)`),
  );
  return records;
}
