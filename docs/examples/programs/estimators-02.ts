// Generated from docs/estimators.md (program estimators-02) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { makeClassification, type Block } from '@tessera/array';
import { SGDClassifier, estimatorFromSnapshot, type EstimatorSnapshot } from '@tessera/estimators';

// state_i = link(state_{i-1}, X_i, y_i), run on a worker
export function link(snap: EstimatorSnapshot, X: Block, y: Block, classes: number[]): EstimatorSnapshot {
  const est = estimatorFromSnapshot(snap) as SGDClassifier;
  est.partialFit(X, y, { classes });
  return est.snapshot(); // a few hundred bytes: coef_, intercept_, t_…
}

// Run here on three blocks: the chain of rebuilt estimators ends where one estimator does.
const { X, y } = makeClassification({ nSamples: 3_000, nFeatures: 5, randomState: 1, chunks: 1_000 });
const one = new SGDClassifier({ randomState: 0 });
let state = new SGDClassifier({ randomState: 0 }).snapshot();
for (let i = 0; i < 3; i++) {
  const [Xi, yi] = [await X.block(i, 0).compute(), await y.block(i).compute()];
  one.partialFit(Xi, yi, { classes: [0, 1] });
  state = link(state, Xi, yi, [0, 1]);
}
const chained = estimatorFromSnapshot(state) as SGDClassifier;
console.log(chained.coef_.data.every((v, j) => Object.is(v, one.coef_.data[j])), chained.t_ === one.t_); // true true
