// workflow.mjs as a CommonJS program: `require` of the ESM-only @tessera packages (require(esm):
// Node 20.19+, 22.12+, 24). Prints one JSON line for the consumer test to check.
'use strict';
const { join } = require('node:path');
const { fromNpyDir, makeClassification } = require('@tessera/array');
const { Incremental, SGDClassifier, StandardScaler, makePipeline } = require('@tessera/estimators');

async function main() {
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
  console.log(JSON.stringify({ module: 'cjs', node: process.version, rows: pred.y.shape[0], predDtype: pred.y.dtype, accuracy }));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
