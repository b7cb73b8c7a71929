// Generated from docs/scheduler.md (program scheduler-05) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { Graph, ref, compute, withCallbacks } from '@tessera/scheduler';

const g = new Graph().add('a', 'math.add', [1, 2]).add('b', 'math.mul', [ref('a'), 10]);
await withCallbacks(
  [
    {
      onRunStart: (run) => console.log(`run ${run.id}: ${run.tasks} tasks on ${run.workers} workers`),
      onTaskEnd: (e) => console.log(e.key, e.kernel, e.worker, `${(e.end - e.start).toFixed(3)} ms`),
      onRunEnd: (run, error) => console.log(`run ${run.id} ${error ? 'failed' : 'done'}, peak held ${run.peakHeldBytes()} B`),
    },
  ],
  () => compute(g, ['b']),
);
