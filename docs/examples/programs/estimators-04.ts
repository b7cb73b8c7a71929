// Generated from docs/estimators.md (program estimators-04) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { fromArray } from '@tessera/array';
import { QuantileTransformer } from '@tessera/estimators';

const qt = new QuantileTransformer({ nQuantiles: 5 }).fit([[1], [2], [3], [4], [100]]);
console.log(qt.quantiles_.data); // Float64Array [ 1, 2, 3, 4, 100 ]
console.log(qt.transform([[3], [52]]).data); // Float64Array [ 0.5, 0.875 ]
const normal = new QuantileTransformer({ nQuantiles: 5, outputDistribution: 'normal' }).fit([[1], [2], [3], [4], [100]]);
console.log(normal.inverseTransform(normal.transform([[3], [52]])).data); // Float64Array [ 3, 52 ]

// Lazily, over every row: exact within the budget…
const X = fromArray(
  Array.from({ length: 60_000 }, (_, i) => [Math.sin(i) * 1000, (i * 7919) % 65_521]),
  { chunks: [4_000, -1] },
);
const exact = await new QuantileTransformer({ subsample: 60_000 }).fit(X);
assert.deepEqual(Array.from(exact.rankError_.data), [0, 0]);
// …and past a small one, a summary whose rank error it states.
const sketched = await new QuantileTransformer({ subsample: 60_000 }).fit(X, { memoryLimit: '1MB' });
console.log(sketched.rankError_.data); // Float64Array [ 56, 55 ]: the most ranks (of 60000) each column's quantiles may be off
for (const e of sketched.rankError_.data) assert.ok(e > 0 && e <= (2 * 60_000) / 1023);
