// Generated from docs/hyperparameters.md (program hyperparameters-04) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { fromNpyDir } from '@tessera/array';
import { IncrementalSearchCV, InverseDecaySearchCV, SGDClassifier } from '@tessera/estimators';

const { X, y } = await fromNpyDir('data/');
if (!X || !y) throw new Error('data/ must hold X and y chunks');
const sgd = new SGDClassifier({ tol: null, randomState: 0 });

const inc = new IncrementalSearchCV(sgd, { alpha: [1e-4, 1e-3, 1e-2] }, { nInitialParameters: 'grid', maxIter: 12, patience: 3, tol: 0.01, randomState: 0 });
await inc.fit(X, y, { classes: [0, 1] });
// Each model stopped once 3 calls brought no gain above 0.01 in accuracy (here after 5 calls), before maxIter.
assert.ok(inc.cvResults_.partialFitCalls.every((c) => c >= 3 && c < 12));

const decay = new InverseDecaySearchCV(sgd, { alpha: [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100] }, { nInitialParameters: 'grid', decayRate: 1, randomState: 0 });
await decay.fit(X, y, { classes: [0, 1] });
assert.equal(decay.cvResults_.modelId.length, 8);
