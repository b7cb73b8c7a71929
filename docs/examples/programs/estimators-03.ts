// Generated from docs/estimators.md (program estimators-03) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { fromArray } from '@tessera/array';
import { RobustScaler, StandardScaler, makePipeline } from '@tessera/estimators';

const rows = [[1], [2], [3], [4], [100]];
const rs = new RobustScaler().fit(rows);
console.log(rs.center_!.data, rs.scale_!.data); // Float64Array [ 3 ] Float64Array [ 2 ]: percentiles 4 and 2
console.log(rs.transform([[5]]).data); // Float64Array [ 1 ]

// Lazily: one parallel pass of value counts, then an expression fused into the next step's tasks.
const X = fromArray(
  Array.from({ length: 1000 }, (_, i) => [i % 37, (i * 7919) % 101]),
  { chunks: [250, -1] },
);
const lazy = await new RobustScaler({ quantileRange: [10, 90] }).fit(X);
assert.deepEqual(lazy.getState(), new RobustScaler({ quantileRange: [10, 90] }).fit((await X.compute()).toArray() as number[][]).getState());
const pipe = await makePipeline(new RobustScaler(), new StandardScaler()).fit(X);
assert.deepEqual((await pipe.transform(X).compute()).shape, [1000, 2]);
// Too many distinct values for the budget: a RangeError naming the column.
await assert.rejects(new RobustScaler().fit(X, { memoryLimit: 10_000 }), RangeError);
