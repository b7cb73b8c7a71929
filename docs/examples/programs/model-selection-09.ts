// Generated from docs/model-selection.md (program model-selection-09) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { fromNpyDir } from '@tessera/array';
import { withCallbacks, type TaskEvent } from '@tessera/scheduler';
import { GridSearchCV, SGDClassifier, StandardScaler, makePipeline } from '@tessera/estimators';

const { X, y } = await fromNpyDir('data/');
if (!X || !y) throw new Error('data/ must hold X and y chunks');
const [Xm, ym] = [await X.slice([0, 10_000]).compute(), await y.slice([0, 10_000]).compute()];

const search = new GridSearchCV(
  makePipeline(new StandardScaler(), new SGDClassifier({ shuffle: false, randomState: 0 })),
  { standardscaler__withMean: [true, false], sgdclassifier__alpha: [1e-4, 1e-3, 1e-2] },
  { cv: 3 },
);
const ran: TaskEvent[] = [];
await withCallbacks([{ onTaskEnd: (e) => ran.push(e) }], () => search.fit(Xm, ym));
const count = (kernel: string) => ran.filter((e) => e.kernel === kernel).length;
assert.equal(count('ms.fitPrefix'), 2 * 3); // two scaler settings × three folds, shared by three alphas each
assert.equal(count('ms.fitScore'), 6 * 3); // every candidate × fold
