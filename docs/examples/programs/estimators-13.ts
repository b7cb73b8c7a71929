// Generated from docs/estimators.md (program estimators-13) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { fromNpyDir } from '@tessera/array';
import { Incremental, MiniBatchKMeans } from '@tessera/estimators';

// Cluster a dataset directory block by block; write each row's cluster to a dataset directory.
const { X } = await fromNpyDir('data/');
if (X === undefined) throw new Error('data/ has no X');
const inc = new Incremental(new MiniBatchKMeans({ nClusters: 4, randomState: 0 }), { shuffleBlocks: false });
await inc.fit(X);
await inc.predict(X).toNpyDir('clusters/');
const km = inc.estimator_ as MiniBatchKMeans;
console.log(km.clusterCenters_.shape, km.nSteps_); // [4, nFeatures] 10 (one step per block)
const distances = await inc.transform(X).compute(); // [rows, 4], block by block
console.log(distances.shape);
