// Generated from docs/model-selection.md (program model-selection-10) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { DenseArray } from '@tessera/array';
import { GaussianNB, ParameterGrid, ParameterSampler, RandomizedSearchCV, loguniform } from '@tessera/estimators';

// ParameterSampler({'alpha': loguniform(1e-4, 1e-1), 'loss': ['hinge', 'log_loss']}, 3, random_state=0)
const sampled = [...new ParameterSampler({ alpha: loguniform(1e-4, 1e-1), loss: ['hinge', 'log_loss'] }, 3, { randomState: 0 })];
assert.deepEqual(sampled.map((p) => p['loss']), ['log_loss', 'log_loss', 'log_loss']);
assert.ok(Math.abs((sampled[0]!['alpha'] as number) - 0.004430375245218264) < 1e-17);

const grid = new ParameterGrid({ b: [1, 2], a: ['x', 'y'] });
assert.deepEqual([...grid], [{ a: 'x', b: 1 }, { a: 'x', b: 2 }, { a: 'y', b: 1 }, { a: 'y', b: 2 }]);

const X = DenseArray.from(Array.from({ length: 90 }, (_, i) => [Math.sin(i), Math.cos(i * 0.7)]));
const y = Float64Array.from({ length: 90 }, (_, i) => (Math.sin(i) + Math.cos(i * 0.7) > 0 ? 1 : 0));
const search = await new RandomizedSearchCV(new GaussianNB(), { varSmoothing: loguniform(1e-9, 1) }, { nIter: 4, randomState: 0, cv: 3 }).fit(X, y);
assert.equal(search.cvResults_.params.length, 4);
