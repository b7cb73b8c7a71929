// Generated from docs/hyperparameters.md (program hyperparameters-05) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { fromNpyDir } from '@tessera/array';
import { HyperbandSearchCV, SGDClassifier, loguniform } from '@tessera/estimators';
import { Profiler, diagnose, summarize, writeReport } from '@tessera/diagnostics';

const { X, y } = await fromNpyDir('data/');
if (!X || !y) throw new Error('data/ must hold X and y chunks');
const search = new HyperbandSearchCV(new SGDClassifier({ tol: null }), { alpha: loguniform(1e-5, 1) }, { maxIter: 3, randomState: 1 });

const prof = new Profiler();
await diagnose([prof], () => search.fit(X, y, { classes: [0, 1] }));
const fits = prof.records.filter((r) => r.kernel === 'search.partialFit');
assert.equal(fits.length, search.metadata_.partialFitCalls);
assert.ok(fits.every((r) => /^partialFit-model\d\.\d+-call\d+-/.test(r.key)));
console.log(summarize([prof]).perWorker.map((w) => w.busyFraction)); // each worker's busy share
await writeReport([prof], 'search.html', { title: 'HyperbandSearchCV' });
