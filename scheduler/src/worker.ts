/** The piscina worker entry: executes one batch per message (see batch.ts). */
import { workerData } from 'piscina';
import { runBatch, type BatchRequest, type BatchResponse } from './batch.js';
import { preloadModules } from './kernels.js';

// The kernel modules registered on the main thread when the pool was made: imported now, while
// the worker has nothing else to do, rather than on its first batch.
const preload = (workerData as { preload?: unknown } | undefined)?.preload;
if (Array.isArray(preload)) preloadModules(preload.filter((m): m is string => typeof m === 'string'));

export default function execute(req: BatchRequest): Promise<BatchResponse> {
  return runBatch(req, true);
}
