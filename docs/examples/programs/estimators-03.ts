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
assert.deepEqual(Array.from(lazy.rankError_.data), [0, 0]); // 37 and 101 distinct values: exact
// More distinct values than a small budget holds: a summary, with its rank error stated.
const wide = fromArray(
  Array.from({ length: 20_000 }, (_, i) => [Math.sin(i)]),
  { chunks: [2_000, -1] },
);
const approx = await new RobustScaler().fit(wide, { memoryLimit: '1MB' });
console.log(approx.rankError_.data); // Float64Array [ 4 ]: its median and quartiles are within 4 ranks of 20000
assert.ok(approx.rankError_.data[0]! > 0 && approx.rankError_.data[0]! <= (2 * 20_000) / 1023);
