// Generated from docs/model-selection.md (program model-selection-05) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { fromNpyDir } from '@tessera/array';
import { GridSearchCV, Pipeline, SGDClassifier, StandardScaler } from '@tessera/estimators';

const { X, y } = await fromNpyDir('data/');
if (!X || !y) throw new Error('data/ must hold X and y chunks');
const Xm = await X.slice([0, 20_000]).compute(); // the search in memory
const ym = await y.slice([0, 20_000]).compute();

const pipe = new Pipeline([
  ['scaler', new StandardScaler()],
  ['sgd', new SGDClassifier({ shuffle: false, randomState: 0 })],
]);
const search = new GridSearchCV(
  pipe,
  { sgd__alpha: [1e-4, 1e-3, 1e-2], sgd__loss: ['hinge', 'log_loss'] },
  { cv: 3, scoring: 'accuracy' },
);
await search.fit(Xm, ym);

const r = search.cvResults_;
assert.equal(r.params.length, 6);
assert.equal(r.meanTestScore.length, 6);
assert.deepEqual(r.paramSgd__alpha, [1e-4, 1e-4, 1e-3, 1e-3, 1e-2, 1e-2]);
assert.equal(r.rankTestScore[search.bestIndex_], 1);
assert.equal(search.bestScore_, r.meanTestScore[search.bestIndex_]);
console.log('best', search.bestParams_, search.bestScore_.toFixed(4));
console.log('held-out accuracy', search.score(await X.slice([20_000, 30_000]).compute(), await y.slice([20_000, 30_000]).compute()));
