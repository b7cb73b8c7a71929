// Generated from docs/estimators.md (program estimators-08) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { fromArray } from '@tessera/array';
import { Incremental, OneHotEncoder, OrdinalEncoder, SGDClassifier, makePipeline } from '@tessera/estimators';

const enc = new OneHotEncoder({ drop: 'if_binary' }).fit([
  [10, 3],
  [20, 1],
  [30, 1],
]);
console.log(enc.categories_.map((c) => Array.from(c.data))); // [ [ 10, 20, 30 ], [ 1, 3 ] ]
console.log(enc.transform([[20, 3]]).data); // Float64Array [ 0, 1, 0, 1 ]: 10/20/30, then 3 (1 dropped)
const ord = new OrdinalEncoder({ handleUnknown: 'use_encoded_value', unknownValue: -1 }).fit([[10], [20]]);
console.log(ord.transform([[20], [99]]).data); // Float64Array [ 1, -1 ]
console.log(ord.inverseTransform([[1], [-1]]).data); // Float64Array [ 20, NaN ]
const rare = new OneHotEncoder({ minFrequency: 2, handleUnknown: 'infrequent_if_exist' }).fit([[1], [1], [2], [2], [3], [4]]);
console.log(rare.getFeatureNamesOut()); // [ 'x0_1.0', 'x0_2.0', 'x0_infrequent_sklearn' ]
console.log(rare.transform([[3], [9]]).data); // Float64Array [ 0, 0, 1, 0, 0, 1 ]: 3 is rare, 9 unknown
console.log(rare.inverseTransform([[0, 1, 0]]).data); // Float64Array [ 2 ]

// Lazily: a city code column and an amount, into a classifier.
const rows = Array.from({ length: 1000 }, (_, i) => [i % 4, (i * 7) % 10]);
const X = fromArray(rows, { chunks: [250, -1] });
const y = fromArray(
  rows.map(([city]) => (city! >= 2 ? 1 : 0)),
  { chunks: [250] },
);
const pipe = makePipeline(new OneHotEncoder(), new Incremental(new SGDClassifier({ randomState: 0 }), { classes: [0, 1] }));
await pipe.fit(X, y);
assert.equal((pipe.steps[0]![1] as OneHotEncoder).outputWidth('transform'), 14); // 4 cities + 10 amounts
console.log(await pipe.score(X, y)); // 1
