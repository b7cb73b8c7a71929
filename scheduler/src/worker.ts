/** The piscina worker entry: executes one batch per message (see batch.ts). */
import { runBatch, type BatchRequest, type BatchResponse } from './batch.js';

export default function execute(req: BatchRequest): Promise<BatchResponse> {
  return runBatch(req, true);
}
