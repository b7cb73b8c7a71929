// Generated from docs/model-selection.md (program model-selection-02) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { fromNpyDir } from '@tessera/array';
import { trainTestSplit } from '@tessera/estimators';

const { X, y } = await fromNpyDir('data/'); // 200,000 rows in 10 blocks of 20,000
if (!X || !y) throw new Error('data/ must hold X and y chunks');
const [Xtrain, Xtest, ytrain, ytest] = trainTestSplit(X, y, { testSize: 0.2, randomState: 0 });
assert.deepEqual(Xtest.chunks[0], new Array(10).fill(4_000)); // 20% of every block
assert.equal(Xtrain.shape[0], 160_000);
assert.equal(ytrain.shape[0], 160_000);
const first = await ytest.slice([0, 5]).compute(); // reads block 0 only
assert.equal(first.shape[0], 5);
