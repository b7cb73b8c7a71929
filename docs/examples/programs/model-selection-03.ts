// Generated from docs/model-selection.md (program model-selection-03) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { KFold, ShuffleSplit, StratifiedKFold, StratifiedShuffleSplit } from '@tessera/estimators';

const X = Array.from({ length: 10 }, (_, i) => [i]);
const tests = (s: Iterable<readonly [Int32Array, Int32Array]>) => [...s].map(([, test]) => Array.from(test));

assert.deepEqual(tests(new KFold({ nSplits: 3 }).split(X)), [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]);
assert.deepEqual(tests(new KFold({ nSplits: 3, shuffle: true, randomState: 0 }).split(X)), [[2, 4, 8, 9], [1, 6, 7], [0, 3, 5]]);

const y = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1];
assert.deepEqual(tests(new StratifiedKFold({ nSplits: 2 }).split(X, y)), [[0, 1, 4, 5, 6], [2, 3, 7, 8, 9]]);

const [[train, test]] = new ShuffleSplit({ nSplits: 1, testSize: 0.3, randomState: 42 }).split(X);
assert.deepEqual(Array.from(test), [8, 1, 5]);
assert.equal(train.length, 7);
assert.equal(new StratifiedShuffleSplit({ nSplits: 4, testSize: 0.5 }).getNSplits(), 4);
