// Generated from docs/model-selection.md (program model-selection-04) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { GroupKFold, LeaveOneGroupOut } from '@tessera/estimators';

const X = Array.from({ length: 8 }, (_, i) => [i]);
const groups = ['a', 'a', 'b', 'b', 'b', 'c', 'd', 'd'];
const tests = (s: Iterable<readonly [Int32Array, Int32Array]>) => [...s].map(([, test]) => Array.from(test));
assert.deepEqual(tests(new LeaveOneGroupOut().split(X, null, groups)), [[0, 1], [2, 3, 4], [5], [6, 7]]);
assert.deepEqual(tests(new GroupKFold({ nSplits: 2 }).split(X, null, groups)), [[2, 3, 4, 5], [0, 1, 6, 7]]);
