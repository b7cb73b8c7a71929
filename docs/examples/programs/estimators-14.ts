// Generated from docs/estimators.md (program estimators-14) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { fromNpyDir } from '@tessera/array';
import { Incremental, MLPClassifier, StandardScaler, makePipeline } from '@tessera/estimators';

// Scale, then one epoch of an MLP over the blocks of a dataset directory; predictions to disk.
const { X, y } = await fromNpyDir('data/');
if (X === undefined || y === undefined) throw new Error('data/ needs X and y');
const pipe = makePipeline(
  new StandardScaler(),
  new Incremental(new MLPClassifier({ hiddenLayerSizes: [32], randomState: 0 }), { classes: [0, 1], randomState: 0 }),
);
await pipe.fit(X, y);
await pipe.predict(X).toNpyDir('pred/');
const mlp = (pipe.step(1) as Incremental).estimator_ as MLPClassifier;
console.log(mlp.coefs_.map((w) => w.shape), mlp.lossCurve_.length); // [[nFeatures, 32], [32, 1]] 10 (one loss per block)
console.log((await pipe.score(X, y)).toFixed(3)); // accuracy
