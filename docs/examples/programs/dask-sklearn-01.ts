// Generated from docs/dask-sklearn.md (program dask-sklearn-01) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { fromNpyDir } from '@tessera/array';
import { Incremental, SGDClassifier, StandardScaler, makePipeline } from '@tessera/estimators';
import { Profiler, ProgressBar, ResourceProfiler, diagnose, writeReport } from '@tessera/diagnostics';

const { X, y } = await fromNpyDir('data/');
if (!X || !y) throw new Error('data/ must hold X and y chunks');

const prof = new Profiler();
const res = new ResourceProfiler({ interval: 100 });
const pipe = makePipeline(
  new StandardScaler(),
  new Incremental(new SGDClassifier({ loss: 'hinge', randomState: 2 }), { classes: [0, 1], shuffleBlocks: false }),
);
await diagnose([prof, res, new ProgressBar()], async () => {
  await pipe.fit(X, y);
  await pipe.predict(X).toNpyDir('pred/');
});
const clf = (pipe.step(-1) as Incremental).estimator_ as SGDClassifier;
console.log(clf.coef_.shape, prof.records.length, res.samples.length > 0);
await writeReport([prof, res], 'report.html'); // the counterpart of visualize([prof, rprof])
