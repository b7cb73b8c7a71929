// Generated from README.md (program readme-01) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { fromNpyDir, makeClassification } from '@tessera/array';
import { Incremental, SGDClassifier, StandardScaler, makePipeline } from '@tessera/estimators';

// A dataset directory of .npy blocks, as numpy's np.save writes them: 200,000 × 20 in 10 blocks.
const made = makeClassification({ nSamples: 200_000, nFeatures: 20, chunks: 20_000, randomState: 0 });
await made.X.toNpyDir('my-data/', { y: made.y });

const { X, y } = await fromNpyDir('my-data/'); // lazy: a shape, a dtype and a recipe per block
if (!X || !y) throw new Error('my-data/ must hold X and y chunks');
const pipe = makePipeline(
  new StandardScaler(),
  new Incremental(new SGDClassifier({ loss: 'hinge', randomState: 2 }), { classes: [0, 1], randomState: 0 }),
);
await pipe.fit(X.slice([0, 180_000]), y.slice([0, 180_000])); // block by block, on every core
await pipe.predict(X).toNpyDir('my-predictions/'); // written block by block, renamed into place
console.log(await pipe.score(X.slice([180_000, 200_000]), y.slice([180_000, 200_000]))); // accuracy
