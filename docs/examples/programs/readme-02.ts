// Generated from README.md (program readme-02) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { Graph, ref, compute } from '@tessera/scheduler';

const g = new Graph()
  .add('a', 'math.add', [1, 2])
  .add('b', { module: new URL('./kernels.js', import.meta.url), export: 'double' }, [ref('a')]);
const { b } = await compute(g, ['b']); // ThreadScheduler on all cores by default
console.log(b); // 6
