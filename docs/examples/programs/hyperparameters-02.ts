// Generated from docs/hyperparameters.md (program hyperparameters-02) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { fromNpyDir } from '@tessera/array';
import { HyperbandSearchCV, SGDClassifier, loguniform } from '@tessera/estimators';

const { X, y } = await fromNpyDir('data/');
if (!X || !y) throw new Error('data/ must hold X and y chunks');

const search = new HyperbandSearchCV(
  new SGDClassifier({ tol: null, randomState: 0 }),
  { alpha: loguniform(1e-5, 1), loss: ['hinge', 'log_loss'] },
  { maxIter: 9, randomState: 0 },
);
await search.fit(X, y, { classes: [0, 1] });

assert.deepEqual(search.metadata_, search.metadata); // no patience: what was planned was done
console.log(search.bestParams_, search.bestScore_); // { alpha: 0.0222…, loss: 'hinge' } 0.84195
assert.ok(search.bestScore_ > 0.7); // accuracy on the held-out rows

// The best model, trained: predict and score through it, lazily or in memory.
const pred = await search.predict(X).compute();
assert.equal(pred.shape[0], 200_000);
const acc = await search.score(X, y);
assert.ok(acc > 0.7);
assert.equal(search.bestEstimator_.estimatorName, 'SGDClassifier');
