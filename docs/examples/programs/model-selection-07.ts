// Generated from docs/model-selection.md (program model-selection-07) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { DenseArray } from '@tessera/array';
import { GaussianNB, GridSearchCV } from '@tessera/estimators';

const X = DenseArray.from(Array.from({ length: 90 }, (_, i) => [Math.sin(i), Math.cos(i * 0.7)]));
const y = Float64Array.from({ length: 90 }, (_, i) => (Math.sin(i) + Math.cos(i * 0.7) > 0 ? 1 : 0));
const search = await new GridSearchCV(new GaussianNB(), { varSmoothing: [1e-9, 1e-2, 1] }, {
  cv: 3,
  scoring: { acc: 'accuracy', nll: 'neg_log_loss' },
  refit: 'nll',
}).fit(X, y);
const r = search.cvResults_;
assert.equal(r['rankTestNll']![search.bestIndex_], 1);
assert.equal(search.bestScore_, (r['meanTestNll'] as Float64Array)[search.bestIndex_]);
assert.equal((r['meanTestAcc'] as Float64Array).length, 3);
assert.equal(search.scorer_.name, 'neg_log_loss');
