// Generated from docs/estimators.md (program estimators-09) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { fromArray } from '@tessera/array';
import { LabelEncoder } from '@tessera/estimators';

const le = new LabelEncoder().fit([3, 1, 3, 2.5]);
console.log(le.classes_.data, le.transform([2.5, 3]).data); // Float64Array [ 1, 2.5, 3 ] Float64Array [ 1, 2 ]
const y = fromArray([10, 30, 20, 30, 10, 20], { chunks: [2] });
const lazy = await new LabelEncoder().fit(y);
console.log((await lazy.transform(y).compute()).data); // Float64Array [ 0, 2, 1, 2, 0, 1 ]
console.log(lazy.inverseTransform([2, 0]).data); // Float64Array [ 30, 10 ]
