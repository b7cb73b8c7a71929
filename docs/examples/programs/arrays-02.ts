// Generated from docs/arrays.md (program arrays-02) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { buildGraph, computeAll, fromNpyDir, mapBlocks } from '@tessera/array';
import { compute, ref } from '@tessera/scheduler';

const kernels = new URL('./block-kernels.js', import.meta.url);
const { X } = await fromNpyDir('data/');
if (!X) throw new Error('data/ has no X chunks');
const [mean, std] = await computeAll([X.mean(0), X.std(0)]);
const w = Array.from({ length: X.shape[1]! }, (_, j) => (j % 2 ? 1 : -1));

// One task per block: read X's block, scale it, call the kernel.
const scaled = X.sub(mean!).div(std!);
const score = mapBlocks({ module: kernels, export: 'linearScore' }, [scaled], { dtype: 'float64', chunks: [X.chunks[0]!], args: [w, 0.5] });
// The same, streaming tile by tile: no block is allocated but the output.
const streamed = mapBlocks({ module: kernels, export: 'linearScoreStreaming' }, [scaled], { dtype: 'float64', chunks: [X.chunks[0]!], args: [w, 0.5], streaming: true });
const [a, b] = await computeAll([score, streamed]);
console.log(a!.shape, a!.data[0] === b!.data[0]); // [200000] true

// A sequential chain: give each link a *separate* block task (ref(blockKey)), so blocks are read
// and scaled on the other workers ahead of the link that needs them (source tasks, throttled by
// the memory budget). Inlining (blockArg) would make each link read its own block serially.
const g = buildGraph([scaled]);   // one graph for arrays that may share tasks (not Graph.merge)
const init = { sums: new Array<number>(X.shape[1]!).fill(0), rows: 0 };
for (let i = 0; i < X.numBlocks[0]!; i++) {
  g.add(`link-${i}`, { module: kernels, export: 'sumLink' }, [i ? ref(`link-${i - 1}`) : init, ref(scaled.blockKey(i, 0))]);
}
const last = `link-${X.numBlocks[0]! - 1}`;
const { [last]: total } = await compute(g, [last], { memoryLimit: '16MB' });
console.log(total); // { sums: [≈0, ≈0, …], rows: 200000 }: standardized columns sum to zero
