// Generated from docs/estimators.md (program estimators-06) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { fromArray } from '@tessera/array';
import { FunctionTransformer, StandardScaler, makePipeline } from '@tessera/estimators';

const module = new URL('./transforms.js', import.meta.url).href;
const log = await new FunctionTransformer({
  func: { module, export: 'log1p' },
  inverseFunc: { module, export: 'expm1' },
  validate: true,
}).load();
const Z = log.fit([[0], [Math.E - 1]]).transform([[0], [Math.E - 1]]);
console.log(Z.data); // Float64Array [ 0, 1 ]
console.log(log.inverseTransform(Z).data); // Float64Array [ 0, 1.718281828459045 ]

// Lazily: the function runs on the workers, one task per block, into a scaler.
const X = fromArray(
  Array.from({ length: 1000 }, (_, i) => [i % 10, i % 7]),
  { chunks: [250, -1] },
);
const squares = new FunctionTransformer({ func: { module, export: 'appendSquares' }, kwArgs: { scale: 0.5 } });
const pipe = await makePipeline(squares, new StandardScaler()).fit(X);
assert.equal(squares.nOutputFeatures_, 4);
assert.deepEqual((await pipe.transform(X).compute()).shape, [1000, 4]);
// Without a function: the identity (scikit-learn's default).
console.log((await new FunctionTransformer().fit(X)).transform([[1, 2]]).data); // Float64Array [ 1, 2 ]
