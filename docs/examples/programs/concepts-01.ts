// Generated from docs/concepts.md (program concepts-01, 2 blocks) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { fromNpyDir } from '@tessera/array';
import { Profiler, diagnose } from '@tessera/diagnostics';

const { X } = await fromNpyDir('data/');
if (!X) throw new Error('data/ has no X chunks');
console.log(X.shape, X.chunks, X.numBlocks); // [200000, 20]  [[20000 × 10], [20]]  [10, 1]

// Lazy: a standardized copy of X is a recipe, not 32 MB of new data.
const Z = X.sub(X.mean(0)).div(X.std(0));
console.log(Z.layer.kind, Z.graph.size); // 'expr', 35 tasks

const prof = new Profiler();
const block = await diagnose([prof], () => X.block(3, 0).compute());
console.log(block.shape, prof.records.map((r) => r.kernel)); // [20000, 20] ['array.read']
