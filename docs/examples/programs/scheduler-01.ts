// Generated from docs/scheduler.md (program scheduler-01) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { Graph, ref, compute } from '@tessera/scheduler';

const g = new Graph()
  .add('a', 'math.add', [1, 2])
  .add('b', 'math.mul', [ref('a'), 10])
  .add('c', 'math.sum', [[ref('a'), ref('b')], 5]);  // refs inside arrays and objects work
const { b, c } = await compute(g, ['b', 'c']);
console.log(b, c); // 30 38
