// Generated from docs/out-of-core.md (program out-of-core-05) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { fromNpyDir } from '@tessera/array';
import { Incremental, IncrementalPCA, Pipeline, SGDClassifier, StandardScaler, estimatorFromJSON, makePipeline } from '@tessera/estimators';
import { writeFile } from 'node:fs/promises';

const { X, y } = await fromNpyDir('data/');
if (!X || !y) throw new Error('data/ must hold X and y chunks');

const pipe = makePipeline(
  new StandardScaler(),
  new Incremental(new IncrementalPCA({ nComponents: 8 }), { shuffleBlocks: false }),
  new Incremental(new SGDClassifier({ loss: 'log_loss', randomState: 0 }), { classes: [0, 1], randomState: 0 }),
);
console.log(pipe.steps.map(([name]) => name)); // ['standardscaler', 'incremental-1', 'incremental-2']
pipe.setParams({ 'incremental-2__epochs': 2 });
await pipe.fit(X, y, { memoryLimit: '128MB' });

const pca = (pipe.step('incremental-1') as Incremental).estimator_ as IncrementalPCA;
console.log(pca.explainedVarianceRatio_.data.slice(0, 3));
console.log('accuracy', await pipe.score(X, y));
await pipe.predictProba(X).toNpy('pipeline-proba.npy');

// Save and restore: exact JSON, as `tessera demo` writes pipeline.json.
await writeFile('pipeline.json', JSON.stringify(pipe));
const restored = estimatorFromJSON(JSON.stringify(pipe)) as Pipeline;
const [p1, p2] = [await pipe.predict(X).compute(), await restored.predict(X).compute()];
console.log(p1.data.every((v, i) => v === p2.data[i])); // true
