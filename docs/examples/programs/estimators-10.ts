// Generated from docs/estimators.md (program estimators-10) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { ColumnTransformer, MinMaxScaler, OneHotEncoder, StandardScaler } from '@tessera/estimators';

const X = [
  [0, 1.5, 10, 7],
  [1, 2.5, 20, 8],
  [0, 3.5, 30, 9],
];
const ct = new ColumnTransformer(
  [
    ['codes', new OneHotEncoder(), [0]],
    ['amounts', new StandardScaler(), [1, -2]],
  ],
  { remainder: new MinMaxScaler() },
).fit(X);
console.log(ct.transform(X).toArray()[0]); // [ 1, 0, -1.224744871391589, -1.224744871391589, 0 ]
console.log(ct.getFeatureNamesOut()); // [ 'codes__x0_0.0', 'codes__x0_1.0', 'amounts__x1', 'amounts__x2', 'remainder__x3' ]
assert.deepEqual(ct.outputIndices_, { codes: [0, 2], amounts: [2, 4], remainder: [4, 5] });
