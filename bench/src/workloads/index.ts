/** Every benchmark workload, by name. Add one line per workload file. */
import type { Workload } from '../harness.js';
import { scheduler } from './scheduler.js';
import { reductions } from './reductions.js';
import { sgd } from './sgd.js';
import { pipeline } from './pipeline.js';

export const workloads: readonly Workload[] = [scheduler, reductions, sgd, pipeline];
