/**
 * The engine's memory budget never stalls a run: over budget, a source may start once nothing is
 * in flight. The bytes expected back from batches in flight are a float sum; taken apart in another
 * order than it was built (batches finish out of order), it could stay a hair off zero with nothing
 * in flight, and then no source ever started again — an adaptive search's round hung this way.
 * A backend that finishes batches in its own order and reports fractional result sizes finds such
 * sums; every run must still finish.
 */
import { expect, it } from 'vitest';
import { Graph, runBatch, runGraph, type Backend, type BatchRequest, type BatchResponse } from '@tessera/scheduler';

const module = new URL('./fixtures/kernels.mjs', import.meta.url);
const FNS = ['double', 'spin', 'whoami'] as const;

/** Runs `n` independent requested sources of three kernels whose results count 1.1, 2.2 and 0.3 bytes. */
async function outcome(workers: number, memoryLimit: number, pattern: number): Promise<string> {
  const bytes: Record<string, number> = { double: 1.1, spin: 2.2, whoami: 0.3 };
  const backend: Backend = {
    name: 'out-of-order',
    workers,
    pipelining: false,
    async execute(req: BatchRequest): Promise<BatchResponse> {
      const res = await runBatch(req, false);
      return { ...res, bytes: req.returns.map((i) => bytes[req.tasks[i]!.k]!) };
    },
  };
  const g = new Graph();
  const keys: string[] = [];
  for (let i = 0; i < 24; i++) {
    const fn = FNS[(i * (pattern + 1) + (i >> pattern)) % 3]!;
    g.add(`s${i}`, { module, export: fn }, fn === 'spin' ? [i, 0] : [i]);
    keys.push(`s${i}`);
  }
  let last = performance.now();
  const run = runGraph(backend, g, keys, { memoryLimit, callbacks: [{ onTaskEnd: () => void (last = performance.now()) }] });
  // Stalled: no task finished for 300 ms (each takes microseconds here).
  const stalled = new Promise<string>((resolve) => {
    const t = setInterval(() => {
      if (performance.now() - last > 300) {
        clearInterval(t);
        resolve('stalled');
      }
    }, 25);
    run.then(
      () => clearInterval(t),
      () => clearInterval(t),
    );
  });
  return Promise.race([run.then(() => 'done'), stalled]);
}

// Configurations that stalled before the fix (each of these did).
it.each([
  [3, 3, 0],
  [3, 5, 0],
  [3, 7, 0],
  [3, 11, 0],
  [2, 8, 0],
  [2, 7, 3],
  [2, 10, 3],
  [3, 13, 1],
])(
  'a run over budget with batches finishing out of order finishes (workers %d, budget %d bytes, kernel pattern %d)',
  async (workers, limit, pattern) => {
    expect(await outcome(workers, limit, pattern)).toBe('done');
  },
);
