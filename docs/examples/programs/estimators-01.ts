// Generated from docs/estimators.md (program estimators-01) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { makeClassification } from '@tessera/array';
import { StandardScaler, SGDClassifier, accuracyScore } from '@tessera/estimators';

// Six in-memory blocks of 2,000 rows (from a generator here; any DenseArray, Block or number[][] will do).
const data = makeClassification({ nSamples: 12_000, nFeatures: 10, randomState: 0, chunks: 2_000 });
const blocks = await Promise.all([...data.X.blocks()].map((b) => b.compute()));
const labels = await Promise.all([...data.y.blocks()].map((b) => b.compute()));
const [Xtest, ytest] = [blocks.pop()!, labels.pop()!];

const scaler = new StandardScaler();
for (const X of blocks) scaler.partialFit(X);

const clf = new SGDClassifier({ loss: 'log_loss', randomState: 0 });
blocks.forEach((X, i) => clf.partialFit(scaler.transform(X), labels[i]!, { classes: [0, 1] }));

const p = clf.predictProba(scaler.transform(Xtest)); // DenseArray [2000, 2]
console.log(p.shape, accuracyScore(ytest, clf.predict(scaler.transform(Xtest))));
console.log(clf.coef_.shape); // [1, 10]: DenseArray [1, nFeatures], as in scikit-learn
