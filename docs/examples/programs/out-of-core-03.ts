// Generated from docs/out-of-core.md (program out-of-core-03) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { fromNpyDir } from '@tessera/array';
import { GaussianNB, ParallelPostFit } from '@tessera/estimators';

const { X, y } = await fromNpyDir('data/');
if (!X || !y) throw new Error('data/ must hold X and y chunks');

const ppf = await new ParallelPostFit(new GaussianNB()).fit(X.slice([0, 20_000]), y.slice([0, 20_000]));
await ppf.predict(X).toNpyDir('pred/');              // every block in parallel, atomic
console.log('accuracy on all rows', await ppf.score(X, y));
