// Generated from docs/model-selection.md (program model-selection-08) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { DenseArray } from '@tessera/array';
import { GaussianNB, GridSearchCV, MinMaxScaler, Pipeline, SGDClassifier, StandardScaler } from '@tessera/estimators';

const X = DenseArray.from(Array.from({ length: 90 }, (_, i) => [Math.sin(i) * 10, Math.cos(i * 0.7)]));
const y = Float64Array.from({ length: 90 }, (_, i) => (Math.sin(i) + Math.cos(i * 0.7) > 0 ? 1 : 0));
const pipe = new Pipeline([
  ['scaler', new StandardScaler()],
  ['clf', new SGDClassifier({ shuffle: false, randomState: 0 })],
]);
const search = await new GridSearchCV(pipe, [
  { scaler: [new StandardScaler(), new MinMaxScaler(), 'passthrough'], clf__alpha: [1e-4, 1e-2] },
  { clf: [new GaussianNB()], clf__varSmoothing: [1e-9, 1e-3] },
], { cv: 3 }).fit(X, y);
assert.equal(search.cvResults_.params.length, 8);
console.log(search.bestEstimator_.getParams(false));
