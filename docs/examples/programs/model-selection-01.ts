// Generated from docs/model-selection.md (program model-selection-01) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { DenseArray } from '@tessera/array';
import { trainTestSplit } from '@tessera/estimators';

const idx = Array.from({ length: 10 }, (_, i) => i);
const [train, test] = trainTestSplit(idx, { testSize: 0.3, randomState: 42 });
assert.deepEqual(train, [0, 7, 2, 9, 4, 3, 6]); // train_test_split(np.arange(10), test_size=0.3, random_state=42)
assert.deepEqual(test, [8, 1, 5]);

// Several arrays are split along the same rows; each half keeps its kind.
const X = DenseArray.from([[0, 0], [1, 1], [2, 4], [3, 9], [4, 16], [5, 25]]);
const y = new Int32Array([0, 0, 0, 1, 1, 1]);
const [Xtrain, Xtest, ytrain, ytest] = trainTestSplit(X, y, { testSize: 2, randomState: 0, stratify: y });
assert.equal(Xtrain.shape[0], 4);
assert.equal(Xtest.shape[0], 2);
assert.ok(ytrain instanceof Int32Array);
assert.deepEqual([...ytest].sort(), [0, 1]); // one of each class: stratified
