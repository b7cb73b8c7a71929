// Generated from docs/getting-started.md (program getting-started-01, 5 blocks) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { fromNpyDir } from '@tessera/array';
import { Incremental, SGDClassifier, StandardScaler, makePipeline } from '@tessera/estimators';
import { Profiler, ProgressBar, ResourceProfiler, diagnose, summarize, writeReport, writeTrace } from '@tessera/diagnostics';

const { X, y } = await fromNpyDir('data/');
if (!X || !y) throw new Error('data/ must hold X and y chunks');
console.log(X.shape, X.dtype, X.chunks[0]); // [200000, 20] float64 [20000, 20000, … ten blocks]

// Hold out the last block for scoring: slicing a lazy array only changes which rows are read.
const Xtrain = X.slice([0, 180_000]);
const ytrain = y.slice([0, 180_000]);

const pipe = makePipeline(
  new StandardScaler(),
  new Incremental(new SGDClassifier({ loss: 'hinge', randomState: 2 }), { classes: [0, 1], randomState: 0 }),
);
console.log(pipe.steps.map(([name]) => name)); // ['standardscaler', 'incremental']

const prof = new Profiler();
const res = new ResourceProfiler();
await diagnose([prof, res, new ProgressBar()], () => pipe.fit(Xtrain, ytrain, { memoryLimit: '256MB' }));

const sgd = (pipe.step('incremental') as Incremental).estimator_ as SGDClassifier;
console.log(sgd.coef_.shape, sgd.intercept_.data, sgd.t_); // [1, 20], the intercept, 1 + rows seen

await pipe.predict(X).toNpyDir('pred/');
const accuracy = await pipe.score(X.slice([180_000, 200_000]), y.slice([180_000, 200_000]));
console.log(`held-out accuracy ${accuracy.toFixed(4)}`);

await writeTrace('fit.trace.json', [prof, res]);
await writeReport([prof, res], 'fit.html', { title: 'fit: StandardScaler → Incremental(SGDClassifier)' });
const s = summarize([prof, res]);
console.log(`${s.tasks} tasks on ${s.workers} workers, ${s.meanParallelism.toFixed(2)} busy on average`);
