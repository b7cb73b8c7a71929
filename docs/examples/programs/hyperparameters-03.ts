// Generated from docs/hyperparameters.md (program hyperparameters-03) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { fromNpyDir } from '@tessera/array';
import { SuccessiveHalvingSearchCV, SGDClassifier } from '@tessera/estimators';

const { X, y } = await fromNpyDir('data/');
if (!X || !y) throw new Error('data/ must hold X and y chunks');

const sha = new SuccessiveHalvingSearchCV(
  new SGDClassifier({ tol: null, randomState: 0 }),
  { alpha: [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100, 1000] },
  { nInitialParameters: 9, nInitialIter: 1, maxIter: 9, randomState: 0 },
);
assert.deepEqual(sha.metadata, { partialFitCalls: 21, nModels: 9, maxIter: 9 });
await sha.fit(X, y, { classes: [0, 1] });

// 9 models scored after 1 call, the best 3 after 3, the best of those after 9.
const calls = sha.cvResults_.partialFitCalls;
assert.deepEqual([1, 3, 9].map((c) => calls.filter((k) => k === c).length), [6, 2, 1]);
assert.equal(sha.cvResults_.partialFitCalls[sha.bestIndex_], 9);
