/**
 * One measured run of the `csv` / `parquet` workloads, in a process of its own (so that its peak
 * RSS is its own): `node tables-child.js tessera|duckdb csv|parquet FILE [--blocksize SIZE]`.
 * Prints one JSON record.
 */
import { NUMERIC } from './tables.js';

const [engine, format, file, ...rest] = process.argv.slice(2) as ['tessera' | 'duckdb', 'csv' | 'parquet', string, ...string[]];
const peak = () => process.resourceUsage().maxRSS / 1024;
const cpuSince = (c0: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
};
const option = (name: string) => (rest.indexOf(name) >= 0 ? rest[rest.indexOf(name) + 1] : undefined);

async function tessera(): Promise<Record<string, unknown>> {
  const { ThreadScheduler } = await import('@tessera/scheduler');
  const { readCsv, readParquet } = await import('@tessera/frame');
  const scheduler = new ThreadScheduler();
  await scheduler.ready(); // the pool's start-up is not the reader's time
  const blocksize = option('--blocksize');
  const memoryLimit = option('--memory-limit');
  const run = { scheduler, ...(memoryLimit !== undefined ? { memoryLimit } : {}) };
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const df =
    format === 'csv' ? await readCsv(file, { ...run, ...(blocksize !== undefined ? { blocksize } : {}) }) : await readParquet(file);
  const t1 = performance.now();
  const means = await df.toArray(NUMERIC).mean(0).compute(run);
  const t2 = performance.now();
  const cpuSeconds = cpuSince(c0);
  await scheduler.close();
  return {
    engine: 'tessera',
    threads: scheduler.workers,
    rows: df.nRows,
    blocks: df.blockRows!.length,
    seconds: { open: (t1 - t0) / 1000, means: (t2 - t1) / 1000, total: (t2 - t0) / 1000 },
    cpuSeconds,
    ...(memoryLimit !== undefined ? { memoryLimit } : {}),
    means: Array.from(means.data),
  };
}

async function duckdb(): Promise<Record<string, unknown>> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const c = await db.connect();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const source = format === 'csv' ? `read_csv('${file}')` : `read_parquet('${file}')`;
  const row = (await c.runAndReadAll(`SELECT count(*)::DOUBLE, ${NUMERIC.map((n) => `avg(${n})`).join(', ')} FROM ${source}`))
    .getRows()[0]!
    .map(Number);
  const t1 = performance.now();
  const cpuSeconds = cpuSince(c0);
  return {
    engine: 'duckdb',
    threads: 2,
    rows: row[0],
    seconds: { total: (t1 - t0) / 1000 },
    cpuSeconds,
    means: row.slice(1),
    versions: { duckdb: (await c.runAndReadAll('SELECT version()')).getRows()[0]![0] },
  };
}

const r = engine === 'tessera' ? await tessera() : await duckdb();
const rows = r['rows'] as number;
const total = (r['seconds'] as Record<string, number>)['total']!;
console.log(JSON.stringify({ workload: format, params: { rows, cols: 20, format }, ...r, peakRssMB: peak(), rowsPerSecond: rows / total }));
