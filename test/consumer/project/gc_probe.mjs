// Whether the thread pool's workers collect on request on this Node line (the scheduler's
// requestGc), without V8's --expose-gc left on: gc_kernel.mjs (scheduler/test/fixtures/gc-probe.mjs,
// copied in by the consumer test) asks for a full collection through a buffer pool, and a
// FinalizationRegistry sees whether the dead object went. The call that works differs between V8 lines.
import { Graph, ThreadScheduler } from '@tessera/scheduler';

const scheduler = new ThreadScheduler({ threads: 2 });
const g = new Graph();
for (let i = 0; i < 2; i++) g.add(`gc-${i}`, { module: new URL('./gc_kernel.mjs', import.meta.url), export: 'gcState' }, []);
const r = await scheduler.run(g, ['gc-0', 'gc-1']);
await scheduler.close();
console.log(JSON.stringify({ node: process.version, results: Object.values(r) }));
