/**
 * Workload `csv`: a 10M × 20 CSV (numeric and 2 categorical columns, 1.8 GB), the 18 numeric
 * columns' means — Tessera (`readCsv` → `toArray` → `mean(0)`, the boundary scan included) vs
 * DuckDB (`read_csv`, 2 threads) vs `dask.dataframe.read_csv` (threads), each run in its own
 * process. Options: --rows N (default 10000000), --blocksize SIZE (Tessera's, default 64MB),
 * --no-duckdb, --no-python.
 */
import type { BenchContext, BenchRecord, Workload } from '../harness.js';
import { runTables } from './tables.js';

export const csv: Workload = {
  name: 'csv',
  description: '10M × 20 CSV → 18 column means: Tessera readCsv vs DuckDB vs dask.dataframe.read_csv',
  run: (ctx: BenchContext): Promise<BenchRecord[]> => runTables(ctx, 'csv'),
};
