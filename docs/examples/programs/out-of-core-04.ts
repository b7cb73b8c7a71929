// Generated from docs/out-of-core.md (program out-of-core-04) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { fromNpyDir } from '@tessera/array';
import { IncrementalPCA, StandardScaler } from '@tessera/estimators';

const { X } = await fromNpyDir('data/');
const scaler = await new StandardScaler().fit(X); // one parallel pass
const pca = await new IncrementalPCA({ nComponents: 3 }).fit(scaler.transform(X)); // the scaler fused into the chain's reads
const projected = await pca.transform(scaler.transform(X)).compute();
console.log(projected.shape); // [200000, 3]
