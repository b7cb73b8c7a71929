/** The piscina worker entry: executes one batch per message (see batch.ts). */
// workerData from node:worker_threads, not piscina's re-export (the same object: piscina passes the
// pool's workerData to each Worker): importing 'piscina' here would load the whole pool
// implementation — queues, histograms, node:stream — into every worker, ~30 ms of its start-up.
import { threadId, workerData } from 'node:worker_threads';
import { runBatch, type BatchRequest, type BatchResponse } from './batch.js';
import { preloadModules, preloaded } from './kernels.js';
import { enableGcHints } from './memory.js';

enableGcHints();

// What the pool asks this worker to import at start (ThreadSchedulerOptions.preload): the worker
// modules, or with preload every kernel module registered when the pool was made. Anything else
// is imported by the first batch that needs it.
const preload = (workerData as { preload?: unknown } | undefined)?.preload;
if (Array.isArray(preload)) preloadModules(preload.filter((m): m is string => typeof m === 'string'));

export default function execute(req: BatchRequest | { readonly ready: true }): Promise<BatchResponse> {
  // ThreadScheduler.ready(): answer once this worker has imported what it imports at start.
  if ('ready' in req) return preloaded().then(() => ({ results: [], bytes: [], times: new Float64Array(0), thread: threadId }));
  return runBatch(req, true);
}
