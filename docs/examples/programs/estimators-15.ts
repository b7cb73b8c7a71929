// Generated from docs/estimators.md (program estimators-15) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { fromArray, makeClassification } from '@tessera/array';
import { LinearRegression, LogisticRegression, Ridge, StandardScaler, makePipeline } from '@tessera/estimators';

// 30k rows in 6 lazy blocks: each L-BFGS evaluation is one task per block on the workers.
const { X, y } = makeClassification({ nSamples: 30_000, nFeatures: 8, randomState: 0, chunks: 5_000 });
const pipe = makePipeline(new StandardScaler(), new LogisticRegression({ C: 0.5 }));
await pipe.fit(X, y);
const clf = pipe.steps[1]![1] as LogisticRegression;
console.log(clf.coef_.shape, clf.nIter_); // [1, 8] …
const proba = await pipe.predictProba(X).compute(); // lazy, block by block
console.log(proba.shape, (await pipe.score(X, y)).toFixed(3));

// In memory it is the same algorithm: the same coefficients.
const rows = (await X.compute()).toArray() as number[][];
const labels = Array.from((await y.compute()).data);
const memory = makePipeline(new StandardScaler(), new LogisticRegression({ C: 0.5 })).fit(rows, labels);
const coef = (memory.steps[1]![1] as LogisticRegression).coef_.data;
clf.coef_.data.forEach((v, j) => assert.ok(Math.abs(v - coef[j]!) < 1e-6 * Math.max(1, Math.abs(coef[j]!))));

// Least squares: one parallel pass of cross-products, and a second (tall-skinny QR) here, as
// makeClassification's 2 redundant features are combinations of others: rank 6 of 8, the
// minimum-norm solution (the fitted values are exact all the same).
const target = fromArray(rows.map((r) => 2 * r[0]! - r[1]! + 0.5), { chunks: [5_000] });
const ols = await new LinearRegression().fit(X, target);
console.log(ols.rank_, ols.singular_.data.length, ols.intercept_); // 6 8 0.5…
assert.equal(ols.rank_, 6);
assert.ok((await ols.score(X, target)) > 1 - 1e-12);
const ridge = await new Ridge({ alpha: 10 }).fit(X, target);
console.log(ridge.coef_.data.slice(0, 2));
