// Generated from docs/arrays.md (program arrays-03) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { sklearnMakeClassification } from '@tessera/array';

// X, y = sklearn.datasets.make_classification(n_samples=1000, n_features=20, random_state=0)
const { X, y } = sklearnMakeClassification({ nSamples: 1000, nFeatures: 20, randomState: 0 });
assert.deepEqual(Array.from(y.data.subarray(0, 12)), [0, 1, 1, 1, 0, 1, 0, 0, 1, 0, 1, 0]);
assert.equal(X.data[0], -1.0637799667446652);
assert.equal(X.data[999 * 20 + 19], -1.4264731469517136);
