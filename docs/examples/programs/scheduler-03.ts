// Generated from docs/scheduler.md (program scheduler-03) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { Graph, ref, compute, ThreadScheduler } from '@tessera/scheduler';

const g = new Graph().add('a', 'math.add', [1, 2]).add('b', 'math.mul', [ref('a'), 10]);
const s = new ThreadScheduler({ threads: 4 });
const out = await s.run(g, ['b'], { memoryLimit: '2GB', signal: AbortSignal.timeout(60_000) });
await s.close();
const same = await compute(g, ['b'], { scheduler: 'sync' }); // the engine in this thread
console.log(out.b, same.b); // 30 30
