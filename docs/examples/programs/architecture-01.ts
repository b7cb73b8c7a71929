// Generated from docs/architecture.md (program architecture-01) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { fromNpyDir } from '@tessera/array';
import { Incremental, StandardScaler, makePipeline } from '@tessera/estimators';
import { NearestCentroid } from './nearest_centroid.js';

const { X, y } = await fromNpyDir('data/');
if (!y) throw new Error('data/ must hold X and y chunks');
const train = [0, 180_000] as [number, number];
const test = [180_000, 200_000] as [number, number];

// Out-of-core, on worker threads (the ThreadScheduler is the default).
const inc = await new Incremental(new NearestCentroid(), { classes: [0, 1], shuffleBlocks: false }).fit(X.slice(train), y.slice(train));

// The same blocks in memory, one partialFit each: the same sums and counts.
const mem = new NearestCentroid();
for (let b = 0; b < 9; b++) {
  const rows = [b * 20_000, (b + 1) * 20_000] as [number, number];
  mem.partialFit(await X.slice(rows).compute(), (await y.slice(rows).compute()).data, { classes: [0, 1] });
}
const fitted = inc.estimator_ as NearestCentroid;
assert.deepEqual(fitted.getState().counts_.data, mem.getState().counts_.data);
assert.deepEqual(fitted.getState().sums_.data, mem.getState().sums_.data);

// In a pipeline, behind a scaler; scored on held-out rows without gathering them.
const pipe = makePipeline(new StandardScaler(), new Incremental(new NearestCentroid(), { classes: [0, 1], shuffleBlocks: false }));
await pipe.fit(X.slice(train), y.slice(train));
const accuracy = await pipe.score(X.slice(test), y.slice(test));
assert.equal(pipe.estimatorType, 'classifier');
assert.ok(accuracy > 0.6, `accuracy ${accuracy}`);
console.log(`held-out accuracy ${accuracy.toFixed(3)}`);
