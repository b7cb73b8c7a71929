// Generated from docs/arrays.md (program arrays-01) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { fromNpyDir, computeAll } from '@tessera/array';

const { X } = await fromNpyDir('data/');               // lazy; X.shape = [200000, 20]
if (!X) throw new Error('data/ has no X chunks');
const [mean, variance] = await computeAll([X.mean(0), X.var(0)]);   // one pass over the files
const std = variance!.data.map(Math.sqrt);
const Z = X.sub(mean!).div(std);                        // lazy, fused: one task per block
console.log((await Z.std(0).compute()).data.slice(0, 3)); // ≈ [1, 1, 1]
