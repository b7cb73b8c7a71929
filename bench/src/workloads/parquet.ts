/**
 * Workload `parquet`: the `csv` workload's table as snappy Parquet (DuckDB's writer, 82 row
 * groups), the 18 numeric columns' means — Tessera (`readParquet` → `toArray` → `mean(0)`) vs
 * DuckDB (`read_parquet`, 2 threads) vs `dask.dataframe.read_parquet` (which needs pyarrow or
 * fastparquet: reported as skipped where neither is installed). Options: --rows N, --no-duckdb,
 * --no-python.
 */
import type { BenchContext, BenchRecord, Workload } from '../harness.js';
import { runTables } from './tables.js';

export const parquet: Workload = {
  name: 'parquet',
  description: '10M × 20 Parquet → 18 column means: Tessera readParquet vs DuckDB vs dask.dataframe.read_parquet',
  run: (ctx: BenchContext): Promise<BenchRecord[]> => runTables(ctx, 'parquet'),
};
