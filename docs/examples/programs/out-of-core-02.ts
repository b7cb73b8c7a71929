// Generated from docs/out-of-core.md (program out-of-core-02) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { fromNpyDir } from '@tessera/array';
import { Incremental, SGDClassifier } from '@tessera/estimators';

const { X, y } = await fromNpyDir('data/');
if (!X || !y) throw new Error('data/ must hold X and y chunks');
const sgd = new SGDClassifier({ randomState: 0 });

const inc = await new Incremental(sgd, { classes: [0, 1], shuffleBlocks: false }).fit(X, y);

const byHand = sgd.clone();
for (let i = 0; i < X.numBlocks[0]!; i++) {
  byHand.partialFit(await X.block(i, 0).compute(), await y.block(i).compute(), { classes: [0, 1] });
}
const a = (inc.estimator_ as SGDClassifier).coef_.data;
console.log(a.every((v, j) => Object.is(v, byHand.coef_.data[j]))); // true
