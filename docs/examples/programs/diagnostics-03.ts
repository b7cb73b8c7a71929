// Generated from docs/diagnostics.md (program diagnostics-03) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { fromNpyDir } from '@tessera/array';
import { Incremental, SGDClassifier, StandardScaler, makePipeline } from '@tessera/estimators';
import { ProgressBar, diagnose } from '@tessera/diagnostics';

const { X, y } = await fromNpyDir('data/');
if (!X || !y) throw new Error('data/ must hold X and y chunks');
const pipe = makePipeline(new StandardScaler(), new Incremental(new SGDClassifier(), { classes: [0, 1] }));
await diagnose([new ProgressBar({ labels: ['scaler', 'fit'] })], () => pipe.fit(X, y));
// scaler [==============================] 100% | 23/23 tasks | 115.2 tasks/s | 0.20 s
// fit    [=================>------------] 58% | 35/60 tasks | 35.5 tasks/s | ETA 0.7 s
