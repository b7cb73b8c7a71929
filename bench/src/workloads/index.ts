/** Every benchmark workload, by name. Add one line per workload file. */
import type { Workload } from '../harness.js';
import { scheduler } from './scheduler.js';
import { reductions } from './reductions.js';
import { sgd } from './sgd.js';
import { pipeline } from './pipeline.js';
import { pipelineCgroup } from './cgroup.js';
import { mlp } from './mlp.js';
import { kmeans } from './kmeans.js';
import { kmeansFull } from './kmeans_full.js';
import { csv } from './csv.js';
import { parquet } from './parquet.js';
import { pipelineTables } from './pipeline_tables.js';
import { cluster } from './cluster.js';
import { glm } from './glm.js';
import { searchHyperband } from './search_hyperband.js';
import { search } from './search.js';
import { pca } from './pca.js';

export const workloads: readonly Workload[] = [
  scheduler,
  reductions,
  sgd,
  pipeline,
  pipelineCgroup,
  mlp,
  kmeans,
  kmeansFull,
  csv,
  parquet,
  pipelineTables,
  pca,
  searchHyperband,
  search,
  glm,
  cluster,
];
