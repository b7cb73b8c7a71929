export { type BenchRecord, type BenchContext, type Workload, summarize, median } from './harness.js';
