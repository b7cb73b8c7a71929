// Generated from docs/estimators.md (program estimators-05) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { fromArray } from '@tessera/array';
import { PolynomialFeatures, StandardScaler, makePipeline } from '@tessera/estimators';

const pf = new PolynomialFeatures({ degree: 2 }).fit([[2, 3]]);
console.log(pf.transform([[2, 3]]).data); // Float64Array [ 1, 2, 3, 4, 6, 9 ]
console.log(pf.getFeatureNamesOut(['a', 'b'])); // [ '1', 'a', 'b', 'a^2', 'a b', 'b^2' ]
console.log(new PolynomialFeatures({ degree: 3, interactionOnly: true }).fit([[1, 2, 3]]).nOutputFeatures_); // 8

// Lazily: fit from the shape alone, transform block by block into the scaler.
const X = fromArray(
  Array.from({ length: 1000 }, (_, i) => [(i % 10) / 10, (i % 7) / 7]),
  { chunks: [250, -1] },
);
const pipe = await makePipeline(new PolynomialFeatures({ degree: [1, 2], includeBias: false }), new StandardScaler()).fit(X);
const Z = await pipe.transform(X).compute();
assert.deepEqual(Z.shape, [1000, 5]);
