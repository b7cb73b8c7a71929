// Generated from docs/formats.md (program formats-01) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { computeAll, fromArrow, fromNpy, fromNpyDir, toArrow, toNpy } from '@tessera/array';

const { X, y, manifest } = await fromNpyDir('data/');
if (!X || !y) throw new Error('data/ must hold X and y chunks');
console.log(manifest.rows, manifest.n_chunks, manifest.dtype_X); // 200000 10 float64
const [mean, std] = await computeAll([X.mean(0), X.std(0)]);
await X.sub(mean!).div(std!).toNpyDir('scaled/', { y });    // parallel, streamed, atomic
await toNpy('y.npy', y);                                    // one .npy file (also y.toNpy(file))
await toArrow('head.arrow', { X: X.slice([0, 1000]), y: y.slice([0, 1000]) });

const labels = await fromNpy('y.npy');
const { X: A, y: label, columns } = await fromArrow('data.arrow', { y: 'y' });
console.log(labels.shape, A.shape, label?.dtype, columns.slice(0, 3)); // [200000] [200000, 20] int32 ['x0', 'x1', 'x2']
