// Generated from docs/out-of-core.md (program out-of-core-01) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { fromNpyDir } from '@tessera/array';
import { Incremental, SGDClassifier } from '@tessera/estimators';

const { X, y } = await fromNpyDir('data/');
if (!X || !y) throw new Error('data/ must hold X and y chunks');
const [Xtrain, ytrain] = [X.slice([0, 180_000]), y.slice([0, 180_000])];
const [Xtest, ytest] = [X.slice([180_000, 200_000]), y.slice([180_000, 200_000])];

const inc = new Incremental(new SGDClassifier({ loss: 'log_loss', alpha: 1e-4, randomState: 0 }), {
  classes: [0, 1],
  epochs: 3,
  randomState: 42, // a fixed block order: the fit is reproducible
});
await inc.fit(Xtrain, ytrain, { memoryLimit: '64MB' });

const clf = inc.estimator_ as SGDClassifier;
console.log(clf.t_, clf.coef_.shape); // 540001 (1 + rows × epochs: the learning-rate clock), [1, 20]
console.log('held-out accuracy', await inc.score(Xtest, ytest));
await inc.predictProba(Xtest).toNpy('proba.npy'); // [20000, 2], computed block by block
