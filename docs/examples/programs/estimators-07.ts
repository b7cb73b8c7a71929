// Generated from docs/estimators.md (program estimators-07) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { fromArray } from '@tessera/array';
import { SimpleImputer, StandardScaler, makePipeline } from '@tessera/estimators';

const rows = [
  [1, NaN, 7],
  [3, 4, NaN],
  [NaN, 6, 7],
  [3, 4, 9],
];
const imp = new SimpleImputer({ strategy: 'median' }).fit(rows);
console.log(imp.statistics_.data); // Float64Array [ 3, 4, 7 ]
console.log(imp.transform([[NaN, NaN, NaN]]).data); // Float64Array [ 3, 4, 7 ]

// Lazily: one parallel pass of value counts, then an expression fused into the scaler's tasks.
const X = fromArray(rows, { chunks: [2, -1] });
const lazy = await new SimpleImputer({ strategy: 'most_frequent' }).fit(X);
console.log(lazy.statistics_.data); // Float64Array [ 3, 4, 7 ]
const pipe = await makePipeline(new SimpleImputer(), new StandardScaler()).fit(X);
const Z = await pipe.transform(X).compute();
assert.deepEqual(Z.shape, [4, 3]);
