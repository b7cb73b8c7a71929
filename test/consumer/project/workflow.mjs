// The README's workflow as a user's plain ESM program, run by the consumer test (test/consumer/)
// from a directory outside the repository where the packed @tessera tarballs are installed:
// a dataset → .npy dataset directory → read back lazily → StandardScaler → Incremental(SGD) →
// fit out-of-core → predict to disk → score. Prints one JSON line for the test to check.
import { join } from 'node:path';
import { fromNpyDir, makeClassification } from '@tessera/array';
import { Incremental, SGDClassifier, StandardScaler, makePipeline } from '@tessera/estimators';

const dir = process.argv[2] ?? '.';
const { X, y } = makeClassification({ nSamples: 100_000, nFeatures: 20, chunks: 10_000, randomState: 0 });
await X.toNpyDir(join(dir, 'data'), { y });

const data = await fromNpyDir(join(dir, 'data'));
const pipe = makePipeline(
  new StandardScaler(),
  new Incremental(new SGDClassifier({ loss: 'hinge', randomState: 2 }), { classes: [0, 1], randomState: 0 }),
);
await pipe.fit(data.X.slice([0, 90_000]), data.y.slice([0, 90_000]));
await pipe.predict(data.X).toNpyDir(join(dir, 'pred'));
const pred = await fromNpyDir(join(dir, 'pred'), { yOnly: true });
const accuracy = await pipe.score(data.X.slice([90_000, 100_000]), data.y.slice([90_000, 100_000]));
console.log(JSON.stringify({ module: 'esm', node: process.version, rows: pred.y.shape[0], predDtype: pred.y.dtype, accuracy }));
