// Generated from docs/estimators.md (program estimators-12) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { makeBlobs } from '@tessera/array';
import { KMeans, StandardScaler, makePipeline } from '@tessera/estimators';

// 60k rows in 6 lazy blocks: every pass of the fit runs one task per block on the workers.
const { X } = makeBlobs({ nSamples: 60_000, nFeatures: 5, centers: 4, randomState: 0, chunks: [10_000, -1] });
const km = await new KMeans({ nClusters: 4, randomState: 0 }).fit(X);
console.log(km.nIter_, km.inertia_, km.clusterCenters_.shape); // … [4, 5]
const labels = await km.predict(X).compute(); // lazy, block by block
assert.equal(labels.shape[0], 60_000);

// In memory it is the same algorithm on one block; from given centers, scikit-learn's answer.
const rows = (await X.slice([0, 2000]).compute()).toArray() as number[][];
const given = new KMeans({ nClusters: 4, init: rows.slice(0, 4) }).fit(rows);
console.log(given.nIter_, given.inertia_);

// As a pipeline step on lazy data.
const pipe = makePipeline(new StandardScaler(), new KMeans({ nClusters: 4, init: 'k-means++', randomState: 0 }));
await pipe.fit(X);
console.log((pipe.steps[1]![1] as KMeans).clusterCenters_.shape);
