// Generated from docs/model-selection.md (program model-selection-11) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { fromNpyDir } from '@tessera/array';
import { GridSearchCV, Incremental, SGDClassifier, StandardScaler, makePipeline } from '@tessera/estimators';

const { X, y } = await fromNpyDir('data/');
if (!X || !y) throw new Error('data/ must hold X and y chunks');
const pipe = makePipeline(new StandardScaler(), new Incremental(new SGDClassifier({ randomState: 0 }), { classes: [0, 1], shuffleBlocks: false }));
const search = await new GridSearchCV(pipe, { incremental__estimator__alpha: [1e-4, 1e-2] }, { cv: 3 }).fit(X, y);
assert.equal(search.nSplits_, 3);
console.log('lazy search', search.bestParams_, search.bestScore_.toFixed(4));
const accuracy = await search.score(X.slice([0, 20_000]), y.slice([0, 20_000]));
assert.ok(accuracy > 0.5);
