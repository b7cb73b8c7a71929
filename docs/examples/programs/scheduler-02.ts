// Generated from docs/scheduler.md (program scheduler-02) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { Graph, ref, compute, registerKernels, TaskError } from '@tessera/scheduler';
import { buildGraph, fromArray } from '@tessera/array';

const kernels = new URL('./kernels.js', import.meta.url);
const g = new Graph()
  .add('a', 'math.add', [1, 2])
  .add('d', { module: kernels, export: 'double' }, [ref('a')])
  .add('s', { module: kernels, export: 'slowSquare' }, [ref('d')]);
console.log(await compute(g, ['d', 's'])); // { d: 6, s: 36 }

// Kernels take blocks too: here the task of a lazy array's first block feeds a user kernel.
const X = fromArray([[1, 2], [3, 4], [5, 6]], { chunks: [2, 2] });
const withSums = buildGraph([X]).add('sums-0', { module: kernels, export: 'rowSums' }, [ref(X.blockKey(0, 0))]);
const { 'sums-0': sums } = await compute(withSums, ['sums-0']);
console.log(sums); // { dtype: 'float64', shape: [2], data: Float64Array(2) [3, 7] }

// A registered table: names instead of { module, export }.
const table = (await import(kernels.href)).kernels;
registerKernels(kernels, table);
const h = new Graph().add('x', 'demo.double', [21]).add('y', 'demo.inc', [ref('x')]);
console.log((await compute(h, ['y'])).y); // 43

// A kernel that throws fails the run with a TaskError naming the task; the pool stays usable.
try {
  await compute(new Graph().add('bad', { module: kernels, export: 'fails' }, ['no such column']), ['bad']);
} catch (error) {
  if (!(error instanceof TaskError)) throw error;
  console.log(error.key, error.kernel, (error.cause as Error).message); // bad fails no such column
}
