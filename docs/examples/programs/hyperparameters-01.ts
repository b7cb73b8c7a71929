// Generated from docs/hyperparameters.md (program hyperparameters-01) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { HyperbandSearchCV, SGDClassifier, loguniform } from '@tessera/estimators';

const search = new HyperbandSearchCV(new SGDClassifier({ tol: null }), { alpha: loguniform(1e-6, 1e-1) }, { maxIter: 27 });
const m = search.metadata;
assert.equal(m.nModels, 49); // candidates sampled, over all brackets
assert.equal(m.partialFitCalls, 357); // partialFit calls in all
assert.deepEqual(
  m.brackets.map((b) => [b.bracket, b.nModels, b.partialFitCalls, b.decisions]),
  [
    [0, 4, 108, [27]], // 4 models trained 27 calls each: no early stopping
    [1, 6, 90, [9, 27]],
    [2, 12, 78, [3, 9, 27]],
    [3, 27, 81, [1, 3, 9, 27]], // 27 models scored after 1 call, the best 9 trained to 3, …
  ],
);
assert.equal(m.brackets[3]!.successiveHalvingParams.nInitialIter, 1);
