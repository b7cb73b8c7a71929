/** Every benchmark workload, by name. Add one line per workload file. */
import type { Workload } from '../harness.js';
import { scheduler } from './scheduler.js';

export const workloads: readonly Workload[] = [scheduler];
