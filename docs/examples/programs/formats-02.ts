// Generated from docs/formats.md (program formats-02) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { fromNpyDir, toNpyDir } from '@tessera/array';
import { Incremental, SGDClassifier, StandardScaler, makePipeline } from '@tessera/estimators';

const { X, y } = await fromNpyDir('data/');
if (!X || !y) throw new Error('data/ must hold X and y chunks');
const pipe = makePipeline(new StandardScaler(), new Incremental(new SGDClassifier({ randomState: 0 }), { classes: [0, 1], randomState: 0 }));
await pipe.fit(X, y);

const pred = pipe.predict(X);
await pred.toNpyDir('pred/');                   // a 1-D array's toNpyDir writes it as y
await toNpyDir('pred-again/', { y: pred });     // the same, as a function
const { X: none, y: p, manifest } = await fromNpyDir('pred/', { yOnly: true });
console.log(none, p?.shape, manifest.dtype_X, manifest.y_files?.length); // undefined [200000] null 10
