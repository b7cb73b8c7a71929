// Generated from docs/model-selection.md (program model-selection-06) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { DenseArray } from '@tessera/array';
import { BaseSearchCV, GaussianNB, GridSearchCV } from '@tessera/estimators';

const X = DenseArray.from(Array.from({ length: 60 }, (_, i) => [Math.sin(i), Math.cos(i * 0.7)]));
const y = Float64Array.from({ length: 60 }, (_, i) => (Math.sin(i) > 0 ? 1 : 0));
const search = await new GridSearchCV(new GaussianNB(), { varSmoothing: [1e-9, 1e-2] }, { cv: 3 }).fit(X, y);
const saved = JSON.stringify(search);
const back = BaseSearchCV.fromJSON(saved);
assert.equal(back.bestIndex_, search.bestIndex_);
assert.deepEqual(Array.from(back.predict(X).data), Array.from(search.predict(X).data));
