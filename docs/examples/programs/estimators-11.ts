// Generated from docs/estimators.md (program estimators-11) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { fromArray } from '@tessera/array';
import { PCA, TruncatedSVD } from '@tessera/estimators';

const rows = Array.from({ length: 2000 }, (_, i) => [Math.sin(i), Math.cos(3 * i) * 2, (i % 7) - 3, (i * 13) % 11]);
const X = fromArray(rows, { chunks: [250, -1] }); // 8 row blocks

// Two parallel passes over X: the TSQR (centring fused), then the signs.
const pca = await new PCA({ nComponents: 0.95 }).fit(X);
console.log(pca.nComponents_, pca.explainedVarianceRatio_.data);
const memory = new PCA({ nComponents: 0.95 }).fit(rows);
pca.components_.data.forEach((v, i) => assert.ok(Math.abs(v - memory.components_.data[i]!) < 1e-12));

// The lazy transform: one fused task per block, the same doubles as in memory.
const Z = await pca.transform(X).compute();
assert.deepEqual(Array.from(Z.data), Array.from(pca.transform(rows).data));

// Randomized (dask's svd_compressed) and TruncatedSVD.
const fast = await new PCA({ nComponents: 2, svdSolver: 'randomized', randomState: 0 }).fit(X);
console.log(fast.singularValues_.data, pca.singularValues_.data.slice(0, 2));
const svd = await new TruncatedSVD({ nComponents: 2, algorithm: 'tsqr' }).fit(X);
console.log(svd.explainedVarianceRatio_.data);
